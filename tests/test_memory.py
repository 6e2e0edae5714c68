"""Memory sizing: hand-worked weights and KV cache for every attention design, laws, GPUs as reported, errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tokenomics as tk
from tokenomics import memory
from tokenomics.configs import parse_layer_pattern
from tokenomics.memory import BITS_PER_WEIGHT

MIB = 2 ** 20


# KV cache: per token (full attention only) and per sequence (every design), worked from each config.json

def test_kv_per_token_of_full_attention_models_by_hand():
    # Llama 3.1 8B: 2 (K and V) x 32 layers x 8 KV heads x 128 head_dim x 2 bytes = 131,072 bytes
    assert tk.kv_cache_bytes_per_token("Llama 3.1 8B") == 131_072
    assert tk.kv_cache_bytes_per_token("Llama 3.1 8B", kv_bits=8) == 65_536
    # Qwen3 4B: head_dim 128 as its config states (hidden 2560 / 32 heads would give 80): 2 x 36 x 8 x 128 x 2
    assert tk.kv_cache_bytes_per_token("Qwen3 4B") == 147_456
    # Llama 3.3 70B: 2 x 80 x 8 x 128 x 2
    assert tk.kv_cache_bytes_per_token("Llama 3.3 70B") == 327_680
    # DeepSeek V3 (MLA): 61 layers x (kv_lora_rank 512 + rope 64) x 2 bytes, whatever its 128 nominal KV heads
    assert tk.kv_cache_bytes_per_token("DeepSeek V3") == 70_272


def test_kv_per_token_refuses_hybrids_and_names_the_per_sequence_function():
    with pytest.raises(ValueError, match=r"gpt-oss-120b has layers that do not cache every token.*"
                                         r"kv_cache_bytes_per_sequence"):
        tk.kv_cache_bytes_per_token("gpt-oss-120b")


@pytest.mark.parametrize("model, context, expected", [
    # gpt-oss-120b: 18 full + 18 sliding (128) layers, 8 KV heads x 64: 2 x 8 x 64 x 2 = 2,048 B per layer-token
    ("gpt-oss-120b", 8192, 18 * 2048 * 8192 + 18 * 2048 * 128),
    ("gpt-oss-120b", 100, 36 * 2048 * 100),  # below the window every layer still holds every token
    # Llama 4 Scout: 12 full (NoPE) + 36 chunked (8,192) layers, 8 KV heads x 128: 4,096 B per layer-token
    ("Llama 4 Scout", 8192, 48 * 4096 * 8192),
    ("Llama 4 Scout", 131_072, 12 * 4096 * 131_072 + 36 * 4096 * 8192),
    # Qwen3-Next-80B-A3B: 12 full layers (2 KV heads x 256: 2,048 B per token) + 36 Gated DeltaNet layers,
    # each a fixed state of 32 x 128 x 128 (recurrent) + 3 x (2 x 16 x 128 + 32 x 128) (conv) values at 2 bytes
    ("Qwen3-Next-80B-A3B", 8192, 12 * 2048 * 8192 + 36 * 2 * (32 * 128 * 128 + 3 * (2 * 16 * 128 + 32 * 128))),
    ("Qwen3-Next-80B-A3B", 1, 12 * 2048 + 36 * 2 * (32 * 128 * 128 + 3 * 8192)),
    # Gemma 3 27B: 10 global + 52 local (window 1,024) layers, 16 KV heads x 128: 8,192 B per layer-token
    ("Gemma 3 27B", 8192, 10 * 8192 * 8192 + 52 * 8192 * 1024),
    ("Gemma 3 27B", 131_072, 10 * 8192 * 131_072 + 52 * 8192 * 1024),
    # DeepSeek V3: MLA latent on all 61 layers
    ("DeepSeek V3", 8192, 70_272 * 8192),
    # DeepSeek V3.2-Exp: the MLA latent plus the indexer's FP8 keys (128 B) and one float32 scale (4 B) per layer-token
    ("DeepSeek V3.2-Exp", 8192, 61 * (576 * 2 + 132) * 8192),
    ("Llama 3.3 70B", 8192, 327_680 * 8192),
])
def test_kv_per_sequence_by_hand(model, context, expected):
    assert tk.kv_cache_bytes_per_sequence(model, context) == expected


def test_kv_precision_and_state_precision_apply_where_they_should():
    # FP8 KV halves the attention cache but not the linear-attention state (state_bits) nor the V3.2 indexer
    state = 36 * 2 * (32 * 128 * 128 + 3 * 8192)
    assert tk.kv_cache_bytes_per_sequence("Qwen3-Next-80B-A3B", 8192, kv_bits=8) == 12 * 1024 * 8192 + state
    assert tk.kv_cache_bytes_per_sequence("Qwen3-Next-80B-A3B", 8192, state_bits=32) == 12 * 2048 * 8192 + 2 * state
    assert tk.kv_cache_bytes_per_sequence("DeepSeek V3.2-Exp", 1, kv_bits=8) == 61 * (576 + 132)


def test_the_old_per_token_formula_overstates_hybrids():
    # every layer taken as full: gpt-oss 2x at long context, Scout 3.4x at 128k, Qwen3-Next 3.3x at 8k, Gemma 3 3.8x
    for model, context, factor in (("gpt-oss-120b", 131_072, 1.998), ("Llama 4 Scout", 131_072, 3.368),
                                   ("Qwen3-Next-80B-A3B", 8192, 3.344), ("Gemma 3 27B", 8192, 3.758)):
        old = memory.kv_bytes_per_token_all_layers_full(model) * context
        assert old / tk.kv_cache_bytes_per_sequence(model, context) == pytest.approx(factor, abs=5e-4), model
    assert memory.kv_bytes_per_token_all_layers_full("Llama 3.3 70B") == tk.kv_cache_bytes_per_token("Llama 3.3 70B")


def _reference_kv(spec, context):
    """Layer by layer, written independently of the kit: what one sequence of `context` tokens holds."""
    gqa = 2 * spec["num_kv_heads"] * spec["head_dim"] * 2
    total = 0.0
    for kind in parse_layer_pattern(spec["layer_pattern"]):
        if kind == "full":
            total += gqa * context
        elif kind == "sliding":
            total += gqa * min(context, spec["sliding_window_tokens"])
        elif kind == "chunked":
            total += gqa * min(context, spec["attention_chunk_tokens"])
        elif kind in ("mla", "mla_dsa"):
            total += (spec["kv_lora_rank"] + spec["qk_rope_head_dim"]) * 2 * context
            total += (spec["index_head_dim"] * (1 + 4 / 128) * context) if kind == "mla_dsa" else 0
        else:
            nk, nv = spec["linear_num_key_heads"], spec["linear_num_value_heads"]
            dk, dv = spec["linear_key_head_dim"], spec["linear_value_head_dim"]
            total += 2 * (nv * dk * dv + (spec["linear_conv_kernel_dim"] - 1) * (2 * nk * dk + nv * dv))
    return total


MODELS = list(tk.load_open_models()["model"])


def _growing_per_token(spec):
    """Bytes per extra token once every window and chunk is full: full-attention and MLA layers only."""
    counts = memory.layer_counts(spec["layer_pattern"])
    latent = 0 if np.isnan(spec["kv_lora_rank"]) else (spec["kv_lora_rank"] + spec["qk_rope_head_dim"]) * 2
    indexer = 0 if np.isnan(spec["index_head_dim"]) else spec["index_head_dim"] * (1 + 4 / 128)
    return (counts["full"] * 2 * spec["num_kv_heads"] * spec["head_dim"] * 2
            + (counts["mla"] + counts["mla_dsa"]) * latent + counts["mla_dsa"] * indexer)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(MODELS), st.integers(1, 65_536), st.integers(1, 65_536))
def test_kv_per_sequence_is_additive_over_layers_and_never_falls(model, c1, c2):
    spec = memory.model_spec(model)
    lo, hi = sorted(min(c, int(spec["max_context_tokens"])) for c in (c1, c2))
    kv = tk.kv_cache_bytes_per_sequence(model, np.array([lo, hi]))
    assert kv[0] <= kv[1]
    assert kv[0] == pytest.approx(_reference_kv(spec, lo), rel=1e-12)  # the sum of its layers
    # sliding and chunked layers stop at their window: beyond it only full-attention and MLA layers grow
    bound = np.nanmax([spec["sliding_window_tokens"], spec["attention_chunk_tokens"], 0.0])
    if lo >= bound:
        assert kv[1] - kv[0] == pytest.approx(_growing_per_token(spec) * (hi - lo), rel=1e-9, abs=1e-3)


def test_context_beyond_the_maximum_says_the_maximum():
    with pytest.raises(ValueError, match="context_tokens 200,000 exceeds Llama 3.1 8B's maximum context of 131,072"):
        tk.kv_cache_bytes_per_sequence("Llama 3.1 8B", 200_000)
    with pytest.raises(ValueError, match="exceeds Qwen3-235B-A22B's maximum context of 40,960 tokens"):
        tk.serving_memory("Qwen3-235B-A22B", "fp8", 65_536, 1)


# Weights as published, and in other formats

def test_weights_as_published_by_hand():
    # gpt-oss-120b: 36 layers x 128 experts x 3 x 2,880 x 2,880 MXFP4 weights (4.25 bits); everything else BF16
    experts = 36 * 128 * 3 * 2880 * 2880
    assert tk.weight_bytes("gpt-oss-120b", "native") == pytest.approx(experts * 4.25 / 8 + (116_829_156_672 - experts) * 2)
    # Llama 3.3 70B at FP8: linear layers 80 x (2 x 8192^2 + 2 x 8192 x 1024 + 3 x 8192 x 28672) at 1 byte;
    # embeddings and lm_head (2 x 128,256 x 8,192) and norms (81 x ... ) stay at 2 bytes
    linear = 80 * (2 * 8192 ** 2 + 2 * 8192 * 1024 + 3 * 8192 * 28672)
    assert tk.weight_bytes("Llama 3.3 70B", "fp8") == linear + 2 * (2 * 128_256 * 8192 + 8192 + 80 * 2 * 8192)
    assert tk.weight_bytes("Llama 3.3 70B", "native") == 2 * 70_553_706_496
    # DeepSeek V3's MLA attention: 61 x (q_a 7168x1536 + q_b 1536x128x192 + kv_a 7168x576 + kv_b 512x128x256 + o)
    table = tk.weight_breakdown("DeepSeek V3", "native")
    mla = 61 * (7168 * 1536 + 1536 * 128 * 192 + 7168 * 576 + 512 * 128 * 256 + 128 * 128 * 7168)
    assert table.loc["attention", "params"] == mla
    assert table.loc["attention", "format"] == "fp8_block128" and table.loc["embeddings", "format"] == "bf16"
    assert not table.loc["mtp", "resident"]  # the MTP module is on disk, not in serving memory


def test_other_formats_keep_embeddings_norms_router_at_16_bits():
    table = tk.weight_breakdown("Qwen3-235B-A22B", "nvfp4")
    assert table.loc["routed_experts", "bits"] == 4.5 and table.loc["attention", "bits"] == 4.5
    assert (table.loc[["embeddings", "lm_head", "norms", "router"], "bits"] == 16).all()
    gguf = tk.weight_breakdown("Qwen3-235B-A22B", "Q4_K")
    assert gguf.loc["embeddings", "bits"] == 4.5 and gguf.loc["norms", "bits"] == 32  # llama.cpp: 1-D tensors F32
    # all experts stay resident at 4 bits: 235 B parameters in memory, not the 22 B active ones
    assert tk.weight_bytes("Qwen3-235B-A22B", 4) > 235e9 * 4 / 8


def test_one_bits_figure_per_format():
    assert BITS_PER_WEIGHT["nvfp4"] == 4 + 8 / 16 and BITS_PER_WEIGHT["mxfp4"] == 4 + 8 / 32
    assert BITS_PER_WEIGHT["q6_k"] == 210 * 8 / 256 and BITS_PER_WEIGHT["q8_0"] == 34 * 8 / 32
    assert tk.weight_bytes("Llama 3.1 8B", "Q4_K") == pytest.approx(
        (8_030_261_248 - 266_240) * 4.5 / 8 + 266_240 * 4)  # every 2-D weight at Q4_K, 1-D norms F32
    with pytest.raises(ValueError, match="bits_per_weight 'fp7' is not a known format"):
        tk.weight_bytes("Llama 3.1 8B", "fp7")
    with pytest.raises(ValueError, match="bits_per_weight must be <= 32, got 64"):
        tk.weight_bytes("Llama 3.1 8B", 64)


def test_published_checkpoint_sizes_within_3_percent(capsys):
    models = tk.load_open_models().dropna(subset=["checkpoint_bytes"])
    rows = [(m, memory.checkpoint_bytes(m), pub) for m, pub in zip(models["model"], models["checkpoint_bytes"])]
    with capsys.disabled():
        print("\nmodel                   kit GB   published GB   error")
        for m, kit, pub in rows:
            print(f"{m:22s} {kit / 1e9:9.2f} {pub / 1e9:13.2f}   {kit / pub - 1:+.3%}")
    assert len(rows) >= 10
    assert all(abs(kit / pub - 1) < 0.03 for _, kit, pub in rows)


# GPUs as the device reports them

def test_usable_memory_is_the_reported_total_less_vllms_ten_percent():
    assert memory.usable_memory_bytes("H100 SXM") == 81_559 * MIB * 0.9  # 85.5 GB reported, not 80
    assert memory.usable_memory_bytes("H200") == 143_771 * MIB * 0.9  # 150.8 GB reported, not 141
    assert memory.memory_basis("B300") == "marketing" and memory.usable_memory_bytes("B300") == 288e9 * 0.9


def test_a_one_terabyte_model_fits_on_eight_h200():
    # Kimi K2 ships 1.03 TB of FP8 weights; 8 x 150.8 GB x 0.9 = 1,085 GB usable holds them with room for KV.
    # The old rule (marketing 141 GB less 10 %: 1,015 GB on eight) said it does not fit.
    weights = tk.weight_bytes("Kimi K2", "native")
    assert 1.0e12 < weights < 8 * 141e9 * 0.9 + 20e9
    assert weights > 8 * 141e9 * 0.9
    assert tk.gpus_needed("Kimi K2", "H200", "native", 8192, 16) == 8


def test_serving_memory_is_weights_plus_kv_plus_reserve_and_kv_follows_the_format():
    mem = tk.serving_memory("Llama 3.3 70B", "fp8", 8192, 16)
    assert mem["kv_cache_bytes"] == 163_840 * 8192 * 16  # FP8 weights: FP8 KV cache by default
    assert tk.serving_memory("Llama 3.3 70B", "bf16", 8192, 16)["kv_cache_bytes"] == 327_680 * 8192 * 16
    assert tk.serving_memory("Llama 3.3 70B", "fp8", 8192, 16, kv_bits=16)["kv_cache_bytes"] == 327_680 * 8192 * 16
    assert mem["overhead_bytes"] == pytest.approx((mem["weights_bytes"] + mem["kv_cache_bytes"]) / 9)
    assert mem["total_bytes"] == pytest.approx(mem["weights_bytes"] + mem["kv_cache_bytes"] + mem["overhead_bytes"])


def test_gpus_needed_steps_and_says_when_nothing_fits():
    # 70 B at bf16 with 16 x 8k sequences: 141.1 GB weights + 42.9 GB KV = 184 GB -> three 77 GB shares: 4 GPUs
    assert tk.gpus_needed("Llama 3.3 70B", "H100 SXM", 16, 8192, 16) == 4
    assert tk.gpus_needed("Llama 3.1 8B", "H100 SXM", "fp8", 1024, 1) == 1
    got = tk.gpus_needed("Llama 3.3 70B", "H200", "fp8", np.array([1024, 32768, 131072]), 16, strict=False)
    assert list(got) == [1, 2, 4]
    with pytest.raises(tk.DoesNotFit, match=r"DeepSeek V3 at bf16 needs 1,351.3 GB .* 8 x H100 SXM, has 616 GB usable"):
        tk.gpus_needed("DeepSeek V3", "H100 SXM", "bf16", 8192, 16)
    assert np.isnan(tk.gpus_needed("DeepSeek V3", "RTX 4090", 16, 8192, 16, strict=False))


def test_bad_input_names_the_parameter():
    with pytest.raises(KeyError, match="closest: 'Llama 3.3 70B'"):
        tk.weight_bytes("llama 3.3 70", 16)
    with pytest.raises(KeyError, match="unknown GPU 'H300'"):
        tk.gpus_needed("Llama 3.1 8B", "H300", 16, 1024, 1)
    with pytest.raises(ValueError, match="concurrent_sequences must be >= 0, got -1"):
        tk.serving_memory("Llama 3.1 8B", 16, 1024, -1)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(MODELS), st.integers(1, 16_384), st.integers(1, 16_384), st.integers(0, 256), st.integers(0, 256))
def test_memory_grows_with_context_and_concurrency(model, c1, c2, s1, s2):
    # contexts up to 16,384 tokens: within every catalog model's maximum (Phi-4's is the shortest)
    lo_c, hi_c = sorted((c1, c2))
    lo_s, hi_s = sorted((s1, s2))
    small = tk.serving_memory(model, 8, lo_c, lo_s)["total_bytes"]
    big = tk.serving_memory(model, 8, hi_c, hi_s)["total_bytes"]
    assert small <= big
    # and it is additive in sequences: two batches need as much KV as one batch of both
    kv = tk.serving_memory(model, 8, lo_c, np.array([lo_s, hi_s, lo_s + hi_s]))["kv_cache_bytes"]
    assert kv[0] + kv[1] == pytest.approx(kv[2])
