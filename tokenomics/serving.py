"""How fast can a GPU serve it? A calibrated roofline of continuous-batching inference.

At full load a deployment of n GPUs (tensor parallel) runs B sequences side by side, B bounded by the
KV cache that fits beside the weights (and by the scheduler's batch limit). Per request it spends

    prefill:  2 x active_params x input_tokens / (n x FLOPS x eta_flop)            (compute bound)
    decode:   output_tokens x step / B,  step = max(t_mem, t_flop) + step_overhead  (one token per sequence)
    t_mem  = (weights read + B x kv_bytes_per_sequence(context)) / (n x bandwidth x eta_bw)
    t_flop = 2 x active_params x B / (n x FLOPS x eta_flop)

A mixture-of-experts step computes with the active parameters but reads every expert that at least one
of the B tokens routes to: expected share of experts read = 1 - (1 - k/E)^B (uniform routing).
Sources: Williams et al. 2009 (roofline); Kwon et al. 2023 (vLLM, KV-bounded batching); Pope et al.
2022 ("Efficiently Scaling Transformer Inference", 2·N FLOPs per token, memory-bound decode).
The efficiencies eta_bw, eta_flop and the step overhead are fitted to data/serving_benchmarks.csv.
Memory comes from tokenomics.memory: weights as `weight_bytes` (per tensor group), the KV cache per sequence
as `kv_cache_bytes_per_sequence` (sliding, chunked, MLA, linear layers exact), GPUs as `usable_memory_bytes`.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from .catalog import load_gpus, load_open_models, load_serving_benchmarks
from .checks import as_array, scalar_or_array
from .configs import LINEAR_GROUPS
from .memory import (BITS_PER_WEIGHT, GB, RESERVE_SHARE, DoesNotFit, bits, default_kv_bits, gpu_spec, group_bits,
                     kv_bytes_from_terms, kv_terms_of, model_spec, numeric_weight_bytes, reported_memory_bytes,
                     weight_bytes)

DEFAULT_MAX_BATCH = 1024  # sequences a scheduler runs at once (TensorRT-LLM and recent vLLM defaults are 1024-2048)


@dataclass(frozen=True)
class Calibration:
    """Achieved shares of peak bandwidth and compute, and a fixed per-step overhead (seconds)."""

    eta_bw: float
    eta_flop: float
    step_overhead_s: float
    tp_exponent: float = 1.0  # n GPUs in tensor parallel act as n**tp_exponent GPUs (all-reduce traffic)


#: Fitted by `calibrate()` on the "fit" half of data/serving_benchmarks.csv; a test checks they agree.
DEFAULT_CALIBRATION = Calibration(eta_bw=0.7712, eta_flop=0.5956, step_overhead_s=0.0039, tp_exponent=0.5173)


def roofline(*, weights_bytes, routed_expert_bytes, active_params, num_experts, experts_per_token, kv_terms,
             kv_bits, usable_memory_bytes, bandwidth_bytes_per_s, flops, num_gpus, input_tokens, output_tokens,
             concurrency=np.inf, max_batch=DEFAULT_MAX_BATCH, calibration: Calibration = DEFAULT_CALIBRATION):
    """Output tokens per second of a deployment at full load; every argument an array (broadcast).

    `kv_terms` are tokenomics.memory's per-row KV terms, so a sequence's cache at the mean context is exact
    for every attention design. Returns (tokens_per_s, batch); batch is 0 where the weights leave no room for
    one sequence.
    """
    c = calibration
    n_eff = num_gpus ** c.tp_exponent
    context = input_tokens + output_tokens / 2.0  # mean context while a sequence decodes
    kv_per_sequence = kv_bytes_from_terms(kv_terms, context, kv_bits)
    kv_free = num_gpus * usable_memory_bytes - weights_bytes
    batch = np.floor(np.maximum(kv_free, 0) / kv_per_sequence)  # paged KV: blocks grow and free
    batch = np.minimum(np.minimum(batch, max_batch), concurrency)
    b = np.maximum(batch, 1.0)
    share_read = np.where(num_experts > 0, 1 - (1 - experts_per_token / np.maximum(num_experts, 1)) ** b, 0.0)
    bytes_read = weights_bytes - routed_expert_bytes * (1 - share_read) + b * kv_per_sequence
    t_mem = bytes_read / (n_eff * bandwidth_bytes_per_s * c.eta_bw)
    t_flop = 2 * active_params * b / (n_eff * flops * c.eta_flop)
    step = np.maximum(t_mem, t_flop) + c.step_overhead_s
    prefill = 2 * active_params * input_tokens / (n_eff * flops * c.eta_flop)
    tokens_per_s = output_tokens / (prefill + output_tokens * step / b)
    return np.where(batch >= 1, tokens_per_s, 0.0), batch


def _peak_flops(gpu_rows: pd.DataFrame, bits_per_weight) -> np.ndarray:
    """FP8 tensor throughput for 8-bit-or-narrower weights where the GPU has it, else BF16 (weight-only quant).
    A GPU without a published dense BF16 figure (bf16_dense_tflops empty) raises ValueError naming it."""
    fp8 = gpu_rows["fp8_dense_tflops"].to_numpy(dtype=float)
    bf16 = gpu_rows["bf16_dense_tflops"].to_numpy(dtype=float)
    if np.isnan(bf16).any():
        name = gpu_rows["gpu"].to_numpy()[np.isnan(bf16)][0]
        raise ValueError(f"{name}: data/gpus.csv has no dense BF16 throughput (bf16_dense_tflops is empty: not "
                         "published), so the roofline cannot estimate its throughput")
    return np.where((np.asarray(bits_per_weight) <= 8) & ~np.isnan(fp8), fp8, bf16) * 1e12


def _model_arrays(models: pd.DataFrame, bits_per_weight) -> dict:
    """Roofline inputs of catalog rows at numeric bits per weight (aligned one-to-one with `bits_per_weight`)."""
    b = np.asarray(bits_per_weight, dtype=float)
    routed = models["routed_experts_params_b"].to_numpy(dtype=float) * GB
    return dict(weights_bytes=numeric_weight_bytes(models, b), routed_expert_bytes=routed * b / 8,
                active_params=models["active_params_b"].to_numpy(dtype=float) * GB,
                num_experts=models["num_experts"].to_numpy(dtype=float),
                experts_per_token=models["experts_per_token"].to_numpy(dtype=float), kv_terms=kv_terms_of(models))


def _gpu_arrays(gpus: pd.DataFrame, compute_bits) -> dict:
    usable = np.array([reported_memory_bytes(r) for _, r in gpus.iterrows()]) * (1 - RESERVE_SHARE)
    return dict(usable_memory_bytes=usable,
                bandwidth_bytes_per_s=gpus["memory_bandwidth_gb_per_s"].to_numpy(dtype=float) * GB,
                flops=_peak_flops(gpus, compute_bits))


def _deployment(model: str, gpu: str, weight_format) -> dict:
    """Roofline inputs of one model in `weight_format` (a name, 'native' or numeric bits) on one GPU kind."""
    m, g = model_spec(model), gpu_spec(gpu)
    per_group = group_bits(model, weight_format if isinstance(weight_format, str) else float(bits(weight_format)))
    compute_bits = max(per_group[k] for k in LINEAR_GROUPS if m[f"{k}_params_b"] > 0)
    arrays = {k: (v[0] if not isinstance(v, dict) else {t: a[0] for t, a in v.items()})
              for k, v in _model_arrays(m.to_frame().T, 16.0).items()}
    arrays["weights_bytes"] = weight_bytes(model, weight_format)
    arrays["routed_expert_bytes"] = m["routed_experts_params_b"] * GB * per_group["routed_experts"] / 8
    gpu_rows = g.to_frame().T.reset_index(names="gpu")
    arrays.update({k: v[0] for k, v in _gpu_arrays(gpu_rows, compute_bits).items()})
    return arrays


def throughput_tokens_per_s(model: str, gpu: str, weight_format, input_tokens, output_tokens, num_gpus=1,
                            kv_bits=None, concurrency=np.inf, calibration: Calibration = DEFAULT_CALIBRATION):
    """Output tokens per second of the whole deployment (`num_gpus` x `gpu`) at full load.

    `weight_format`: "native", a format name or bits per weight (tokenomics.memory.group_bits); `kv_bits`
    None follows the format (`default_kv_bits`). Broadcasts over token lengths, GPU count and concurrency.
    Raises `DoesNotFit` where the weights leave no room for a single sequence's KV cache.
    """
    m = model_spec(model)
    i = as_array("input_tokens", input_tokens, low=0.0)
    o = as_array("output_tokens", output_tokens, low=0.0, low_open=True)
    n = as_array("num_gpus", num_gpus, low=1.0)
    conc = as_array("concurrency", concurrency, low=1.0)
    if np.any(i + o > m["max_context_tokens"]):
        raise ValueError(f"input_tokens + output_tokens exceeds {m.name}'s max_context_tokens "
                         f"{m['max_context_tokens']:,.0f}")
    kv_bits = default_kv_bits(model, weight_format) if kv_bits is None else kv_bits
    arrays = _deployment(model, gpu, weight_format)
    tps, batch = roofline(**arrays, kv_bits=kv_bits, num_gpus=n, input_tokens=i, output_tokens=o, concurrency=conc,
                          calibration=calibration)
    if np.any(batch < 1):
        need = arrays["weights_bytes"] / (1 - RESERVE_SHARE)
        fmt = weight_format if isinstance(weight_format, str) else f"{float(np.max(bits(weight_format))):g} bits"
        raise DoesNotFit(f"{m.name} at {fmt} does not fit on {float(np.min(n)):g} x {gpu_spec(gpu).name} "
                         f"with room for one sequence: weights alone need {need / GB:,.1f} GB with the reserve",
                         need)
    return scalar_or_array(tps)


def benchmark_split(benchmark_ids: pd.Series) -> np.ndarray:
    """Deterministic half split by a CRC of the id: True = used for fitting, False = held out."""
    return np.array([zlib.crc32(i.encode()) % 2 == 0 for i in benchmark_ids])


def usable_benchmarks() -> pd.DataFrame:
    """Benchmarks with the lengths and precision the model needs, joined to their model and GPU rows."""
    bench = load_serving_benchmarks()
    # one bits figure per named format, the kit's (NVFP4 4.5 with its scales), over the file's own column
    known = bench["precision"].str.lower().map(BITS_PER_WEIGHT)
    bench["bits_per_weight"] = known.fillna(bench["bits_per_weight"])
    bench = bench.dropna(subset=["input_tokens", "bits_per_weight"]).reset_index(drop=True)
    # FP8 checkpoints in these frameworks quantise the KV cache to FP8 too (assumption; BF16 otherwise)
    bench["kv_bits"] = np.where(bench["precision"].str.lower() == "fp8", 8.0, 16.0)
    bench["fit"] = benchmark_split(bench["benchmark_id"]) & (bench["full_load"] == "yes")
    return bench


def predict_benchmarks(bench: pd.DataFrame, calibration: Calibration = DEFAULT_CALIBRATION) -> np.ndarray:
    """The roofline's output tokens per second for each benchmark row, in one vectorised call."""
    models = load_open_models().set_index("model").loc[bench["model"]].reset_index()
    gpus = load_gpus().set_index("gpu").loc[bench["gpu"]].reset_index()
    b = bench["bits_per_weight"].to_numpy(dtype=float)
    tps, _ = roofline(**_model_arrays(models, b), **_gpu_arrays(gpus, b), kv_bits=bench["kv_bits"].to_numpy(dtype=float),
                      num_gpus=bench["num_gpus"].to_numpy(dtype=float),
                      input_tokens=bench["input_tokens"].to_numpy(dtype=float),
                      output_tokens=bench["output_tokens"].to_numpy(dtype=float),
                      concurrency=bench["concurrency"].fillna(np.inf).to_numpy(dtype=float), calibration=calibration)
    return tps


def calibrate(bench: pd.DataFrame | None = None) -> tuple[Calibration, pd.DataFrame]:
    """Fit the efficiencies on the "fit" rows (least squares on log error); return them and every row's
    prediction with its relative error, marked fit / held out."""
    bench = usable_benchmarks() if bench is None else bench
    fit = bench[bench["fit"]]
    observed = np.log(fit["output_tokens_per_s"].to_numpy(dtype=float))

    def residuals(x):
        cal = Calibration(*x)
        return np.log(np.maximum(predict_benchmarks(fit, cal), 1e-9)) - observed

    result = least_squares(residuals, x0=[0.5, 0.4, 0.005, 0.9], bounds=([0.05, 0.02, 0.0, 0.3], [1.0, 1.0, 0.1, 1.0]))
    cal = Calibration(*(round(float(v), 4) for v in result.x))
    out = bench.copy()
    out["predicted_tokens_per_s"] = predict_benchmarks(bench, cal)
    out["relative_error"] = out["predicted_tokens_per_s"] / out["output_tokens_per_s"] - 1
    return cal, out


def calibration_error(table: pd.DataFrame) -> pd.Series:
    """Mean absolute relative error of the roofline: fitted rows, held-out full-load rows, and rows not
    measured at full load (shown, never fitted)."""
    group = np.where(table["fit"], "fitted", np.where(table["full_load"] == "yes", "held out", "not full load"))
    return table.groupby(group)["relative_error"].apply(lambda e: float(np.mean(np.abs(e))))


def best_tensor_parallel(model: str, gpu: str, weight_format, input_tokens, output_tokens, kv_bits=None,
                         calibration: Calibration = DEFAULT_CALIBRATION) -> int:
    """The tensor-parallel size (1, 2, 4, 8) with the most output tokens per second per GPU.

    The smallest deployment that holds the weights often leaves room for only a handful of sequences;
    one size up can serve many times more per GPU. Raises `DoesNotFit` when none holds one sequence.
    """
    from .memory import TENSOR_PARALLEL_SIZES

    sizes = np.array(TENSOR_PARALLEL_SIZES, dtype=float)
    kv_bits = default_kv_bits(model, weight_format) if kv_bits is None else kv_bits
    tps, batch = roofline(**_deployment(model, gpu, weight_format), kv_bits=kv_bits, num_gpus=sizes,
                          input_tokens=float(input_tokens), output_tokens=float(output_tokens), calibration=calibration)
    per_gpu = np.where(batch >= 1, tps / sizes, 0.0)
    if not np.any(per_gpu > 0):
        throughput_tokens_per_s(model, gpu, weight_format, input_tokens, output_tokens, sizes[-1], kv_bits,
                                calibration=calibration)  # raises DoesNotFit with the memory needed
    return int(sizes[int(np.argmax(per_gpu))])
