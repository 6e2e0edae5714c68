"""How much GPU memory? Weights, KV cache, reserve — and how many GPUs of a kind hold them.

Every parameter of a model stays resident, mixture-of-experts included: a router may pick any
expert for the next token, so all experts must be in memory (only *compute* scales with the active
parameters). Architectures come from data/open_models.csv (each model's config.json).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .catalog import load_gpus, load_open_models
from .checks import as_array, lookup_name, scalar_or_array

GB = 1e9
#: Bits stored per weight, including block scales. Floating formats by their width; NVFP4 keeps one FP8
#: scale per 16 values (4 + 8/16 bits; NVIDIA, "Introducing NVFP4", 2025); MXFP4 one 8-bit scale per 32
#: (OCP Microscaling Formats v1.0, 2023). GGUF block types by their block size in ggml/src/ggml-common.h:
#: Q8_0 34 B / 32 weights, Q4_0 18 B / 32, Q6_K 210 B / 256, Q5_K 176 B / 256, Q4_K 144 B / 256,
#: IQ4_XS 136 B / 256, Q3_K 110 B / 256, Q2_K 84 B / 256.
BITS_PER_WEIGHT = {
    "fp32": 32.0, "fp16": 16.0, "bf16": 16.0, "fp8": 8.0, "int8": 8.0, "int4": 4.0,
    "nvfp4": 4.5, "mxfp4": 4.25,
    "q8_0": 8.5, "q6_k": 6.5625, "q5_k": 5.5, "q4_k": 4.5, "q4_0": 4.5, "iq4_xs": 4.25,
    "q3_k": 3.4375, "q2_k": 2.625,
}
#: Share of GPU memory kept free for activations, CUDA graphs and fragmentation: vLLM's default
#: gpu_memory_utilization=0.9 leaves 10 % (vLLM engine arguments documentation).
RESERVE_SHARE = 0.10
TENSOR_PARALLEL_SIZES = (1, 2, 4, 8)


class DoesNotFit(ValueError):
    """No supported deployment holds the model: carries the bytes it needs."""

    def __init__(self, message: str, needed_bytes: float):
        super().__init__(message)
        self.needed_bytes = needed_bytes


def bits(bits_per_weight) -> np.ndarray:
    """Bits per weight from a number (1..32) or a format name ('fp8', 'int4', 'Q4_K', ...)."""
    if isinstance(bits_per_weight, str):
        key = bits_per_weight.strip().lower()
        if key not in BITS_PER_WEIGHT:
            known = ", ".join(BITS_PER_WEIGHT)
            raise ValueError(f"bits_per_weight {bits_per_weight!r} is not a known format; use a number "
                             f"1..32 or one of: {known}")
        return np.asarray(BITS_PER_WEIGHT[key])
    return as_array("bits_per_weight", bits_per_weight, low=1.0, high=32.0)


def model_spec(model: str) -> pd.Series:
    """The catalog row of an open model (case-insensitive name), or KeyError with the closest names."""
    models = load_open_models()
    name = lookup_name("open model", model, models["model"])
    return models.set_index("model").loc[name].rename(name)


def gpu_spec(gpu: str) -> pd.Series:
    """The catalog row of a GPU (case-insensitive name), or KeyError with the closest names."""
    gpus = load_gpus()
    name = lookup_name("GPU", gpu, gpus["gpu"])
    return gpus.set_index("gpu").loc[name].rename(name)


def spec_name(model: str) -> str:
    """The catalog spelling of an open model's name."""
    return str(model_spec(model).name)


def weight_bytes(model: str, bits_per_weight):
    """Bytes of weights resident in GPU memory: total parameters x bits / 8 (all experts stay loaded)."""
    spec = model_spec(model)
    return scalar_or_array(spec["total_params_b"] * GB * bits(bits_per_weight) / 8.0)


def kv_cache_bytes_per_token(model: str, kv_bits=16):
    """Bytes of KV cache per token of context, exact to the model's config.

    Grouped-query attention keeps a key and a value per KV head per layer:
        2 x layers x kv_heads x head_dim x kv_bits / 8
    Multi-head latent attention (DeepSeek-V2/V3) caches one compressed latent plus the decoupled RoPE key:
        layers x (kv_lora_rank + qk_rope_head_dim) x kv_bits / 8
    Sources: Ainslie et al. 2023 (GQA); DeepSeek-V2 technical report, sec. 2.1 (MLA).
    """
    spec = model_spec(model)
    kv = as_array("kv_bits", kv_bits, low=1.0, high=32.0) / 8.0
    if spec["attention"] == "mla":
        per_layer = spec["kv_lora_rank"] + spec["qk_rope_head_dim"]
    else:
        per_layer = 2 * spec["num_kv_heads"] * spec["head_dim"]
    return scalar_or_array(spec["num_layers"] * per_layer * kv)


def _check_context(spec: pd.Series, context_tokens) -> np.ndarray:
    ctx = as_array("context_tokens", context_tokens, low=1.0)
    if np.any(ctx > spec["max_context_tokens"]):
        raise ValueError(f"context_tokens {float(np.max(ctx)):,.0f} exceeds {spec.name}'s max_context_tokens "
                         f"{spec['max_context_tokens']:,.0f}")
    return ctx


def serving_memory(model: str, bits_per_weight, context_tokens, concurrent_sequences, kv_bits=16,
                   reserve_share: float = RESERVE_SHARE) -> dict:
    """Bytes to serve `concurrent_sequences` of `context_tokens` each: weights + KV cache + reserve.

    The reserve is the share of *total* memory kept free (vLLM's default 10 %), so
    overhead = (weights + kv) x reserve / (1 - reserve). Broadcasts over every numeric argument.
    """
    spec = model_spec(model)
    ctx = _check_context(spec, context_tokens)
    seqs = as_array("concurrent_sequences", concurrent_sequences, low=0.0)
    reserve = float(as_array("reserve_share", reserve_share, low=0.0, high=0.9))
    weights = np.asarray(weight_bytes(model, bits_per_weight))
    kv = np.asarray(kv_cache_bytes_per_token(model, kv_bits)) * ctx * seqs
    weights, kv = np.broadcast_arrays(weights, kv)
    overhead = (weights + kv) * reserve / (1.0 - reserve)
    parts = {"weights_bytes": weights, "kv_cache_bytes": kv, "overhead_bytes": overhead,
             "total_bytes": weights + kv + overhead}
    return {k: scalar_or_array(v) for k, v in parts.items()}


def gpus_needed(model: str, gpu: str, bits_per_weight, context_tokens, concurrent_sequences, kv_bits=16,
                strict: bool = True):
    """GPUs of kind `gpu` for the deployment: the smallest tensor-parallel size in (1, 2, 4, 8) whose memory
    holds `serving_memory(...)["total_bytes"]`.

    Where even 8 GPUs are too small, raises `DoesNotFit` naming the memory needed (strict) or gives NaN.
    """
    total = np.asarray(serving_memory(model, bits_per_weight, context_tokens, concurrent_sequences,
                                      kv_bits)["total_bytes"])
    spec = gpu_spec(gpu)
    capacity = np.array(TENSOR_PARALLEL_SIZES) * spec["memory_gb"] * GB
    idx = np.searchsorted(capacity, total, side="left")
    fits = idx < len(capacity)
    if strict and not fits.all():
        need = float(np.max(total))
        fmt = bits_per_weight if isinstance(bits_per_weight, str) else f"{float(bits(bits_per_weight)):g} bits"
        raise DoesNotFit(f"{spec_name(model)} at {fmt} needs {need / GB:,.1f} GB; the largest supported "
                         f"deployment, {TENSOR_PARALLEL_SIZES[-1]} x {spec.name}, holds {capacity[-1] / GB:,.0f} GB",
                         need)
    sizes = np.where(fits, np.array(TENSOR_PARALLEL_SIZES + (0,))[np.minimum(idx, len(capacity))], np.nan)
    if np.ndim(sizes) == 0:
        return int(sizes) if fits else float("nan")
    return sizes if not strict else sizes.astype(int)
