"""Memory sizing: hand-worked weights and KV cache for GQA, MLA and MoE; laws; clear errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tokenomics as tk
from tokenomics.memory import BITS_PER_WEIGHT


def test_kv_cache_grouped_query_by_hand():
    # Llama 3.1 8B: 2 (K and V) x 32 layers x 8 KV heads x 128 head_dim x 2 bytes = 131,072 bytes
    assert tk.kv_cache_bytes_per_token("Llama 3.1 8B") == 131_072
    assert tk.kv_cache_bytes_per_token("Llama 3.1 8B", kv_bits=8) == 65_536
    # Qwen3 4B: head_dim 128 as its config states (hidden 2560 / 32 heads would give 80): 2 x 36 x 8 x 128 x 2
    assert tk.kv_cache_bytes_per_token("Qwen3 4B") == 147_456


def test_kv_cache_latent_attention_by_hand():
    # DeepSeek V3: 61 layers x (kv_lora_rank 512 + rope 64) x 2 bytes = 70,272 bytes
    assert tk.kv_cache_bytes_per_token("DeepSeek V3") == 70_272


def test_mixture_of_experts_keeps_every_expert_resident():
    # Qwen3-235B-A22B: all 235 B parameters in memory, not the 22 B active ones
    assert tk.weight_bytes("Qwen3-235B-A22B", 4) == pytest.approx(117.5e9)
    assert tk.weight_bytes("Mixtral 8x7B", "fp16") == pytest.approx(93.4e9)
    # and its KV cache: 2 x 94 layers x 4 KV heads x 128 x 2 bytes
    assert tk.kv_cache_bytes_per_token("Qwen3-235B-A22B") == 192_512


def test_named_formats_including_gguf():
    assert tk.weight_bytes("Llama 3.1 8B", "Q4_K") == pytest.approx(8e9 * 4.5 / 8)  # 144 bytes per 256 weights
    assert tk.weight_bytes("Llama 3.1 8B", "q8_0") == pytest.approx(8e9 * 34 / 32)  # 34 bytes per 32 weights
    assert BITS_PER_WEIGHT["q6_k"] == 210 * 8 / 256
    with pytest.raises(ValueError, match="bits_per_weight 'fp7' is not a known format"):
        tk.weight_bytes("Llama 3.1 8B", "fp7")
    with pytest.raises(ValueError, match="bits_per_weight must be <= 32, got 64"):
        tk.weight_bytes("Llama 3.1 8B", 64)


def test_serving_memory_is_weights_plus_kv_plus_reserve():
    mem = tk.serving_memory("Llama 3.3 70B", "fp8", 8192, 16)
    assert mem["weights_bytes"] == pytest.approx(70e9)
    assert mem["kv_cache_bytes"] == pytest.approx(327_680 * 8192 * 16)
    assert mem["overhead_bytes"] == pytest.approx((mem["weights_bytes"] + mem["kv_cache_bytes"]) / 9)
    assert mem["total_bytes"] == pytest.approx(mem["weights_bytes"] + mem["kv_cache_bytes"] + mem["overhead_bytes"])


def test_gpus_needed_steps_and_says_when_nothing_fits():
    # 70 B at bf16 with 16 x 8k sequences: 203.3 GB -> four 80 GB GPUs (tensor parallel sizes are 1, 2, 4, 8)
    assert tk.gpus_needed("Llama 3.3 70B", "H100 SXM", 16, 8192, 16) == 4
    assert tk.gpus_needed("Llama 3.1 8B", "H100 SXM", "fp8", 1024, 1) == 1
    # H200 (141 GB), fp8, 16 sequences: (70 GB + 16 x ctx x 327,680 B) / 0.9
    # 1k -> 83.7 GB: 1 GPU; 32k -> 268.7 GB: 2 GPUs; 128k -> 841.2 GB: 8 GPUs
    got = tk.gpus_needed("Llama 3.3 70B", "H200", 8, np.array([1024, 32768, 131072]), 16, strict=False)
    assert list(got) == [1, 2, 8]
    with pytest.raises(tk.DoesNotFit, match=r"DeepSeek V3 at bf16 needs 1,501.3 GB; .* 8 x H100 SXM, holds 640 GB") as e:
        tk.gpus_needed("DeepSeek V3", "H100 SXM", "bf16", 8192, 16)
    assert e.value.needed_bytes == pytest.approx(1501.3e9, rel=1e-4)
    assert np.isnan(tk.gpus_needed("DeepSeek V3", "RTX 4090", 16, 8192, 16, strict=False))


def test_bad_input_names_the_parameter():
    with pytest.raises(KeyError, match="closest: 'Llama 3.3 70B'"):
        tk.weight_bytes("llama 3.3 70", 16)
    with pytest.raises(KeyError, match="unknown GPU 'H300'"):
        tk.gpus_needed("Llama 3.1 8B", "H300", 16, 1024, 1)
    with pytest.raises(ValueError, match="context_tokens 200,000 exceeds Llama 3.1 8B's max_context_tokens 131,072"):
        tk.serving_memory("Llama 3.1 8B", 16, 200_000, 1)
    with pytest.raises(ValueError, match="concurrent_sequences must be >= 0, got -1"):
        tk.serving_memory("Llama 3.1 8B", 16, 1024, -1)


MODELS = list(tk.load_open_models()["model"])


@given(st.sampled_from(MODELS), st.integers(1, 32_000), st.integers(1, 32_000), st.integers(0, 256), st.integers(0, 256))
def test_memory_grows_with_context_and_concurrency(model, c1, c2, s1, s2):
    lo_c, hi_c = sorted((c1, c2))
    lo_s, hi_s = sorted((s1, s2))
    small = tk.serving_memory(model, 8, lo_c, lo_s)["total_bytes"]
    big = tk.serving_memory(model, 8, hi_c, hi_s)["total_bytes"]
    assert small <= big
    # and it is additive in sequences: two batches need as much KV as one batch of both
    kv = tk.serving_memory(model, 8, lo_c, np.array([lo_s, hi_s, lo_s + hi_s]))["kv_cache_bytes"]
    assert kv[0] + kv[1] == pytest.approx(kv[2])
