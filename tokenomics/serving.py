"""How fast can a GPU serve it? A calibrated roofline of continuous-batching inference.

At full load a deployment of n GPUs (tensor parallel) runs B sequences side by side, B bounded by the
KV cache that fits beside the weights (and by the scheduler's batch limit). Per request it spends

    prefill:  2 x active_params x input_tokens / (n x FLOPS x eta_flop)            (compute bound)
    decode:   output_tokens x step / B,  step = max(t_mem, t_flop) + step_overhead  (one token per sequence)
    t_mem  = (weights read + B x context x kv_bytes_per_token) / (n x bandwidth x eta_bw)
    t_flop = 2 x active_params x B / (n x FLOPS x eta_flop)

A mixture-of-experts step computes with the active parameters but reads every expert that at least one
of the B tokens routes to: expected share of experts read = 1 - (1 - k/E)^B (uniform routing).
Sources: Williams et al. 2009 (roofline); Kwon et al. 2023 (vLLM, KV-bounded batching); Pope et al.
2022 ("Efficiently Scaling Transformer Inference", 2·N FLOPs per token, memory-bound decode).
The efficiencies eta_bw, eta_flop and the step overhead are fitted to data/serving_benchmarks.csv.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from .catalog import load_gpus, load_open_models, load_serving_benchmarks
from .checks import as_array, scalar_or_array
from .memory import GB, RESERVE_SHARE, DoesNotFit, bits, gpu_spec, kv_cache_bytes_per_token, model_spec

DEFAULT_MAX_BATCH = 1024  # sequences a scheduler runs at once (TensorRT-LLM and recent vLLM defaults are 1024-2048)


@dataclass(frozen=True)
class Calibration:
    """Achieved shares of peak bandwidth and compute, and a fixed per-step overhead (seconds)."""

    eta_bw: float
    eta_flop: float
    step_overhead_s: float
    tp_exponent: float = 1.0  # n GPUs in tensor parallel act as n**tp_exponent GPUs (all-reduce traffic)


#: Fitted by `calibrate()` on the "fit" half of data/serving_benchmarks.csv; a test checks they agree.
DEFAULT_CALIBRATION = Calibration(eta_bw=0.7688, eta_flop=0.616, step_overhead_s=0.0036, tp_exponent=0.5112)


def _expert_params(total, active, experts, per_token):
    """Parameters in routed experts: total = shared + X, active = shared + X x k/E  =>  X = (total - active) / (1 - k/E)."""
    frac = np.where(experts > 0, per_token / np.maximum(experts, 1), 1.0)
    return np.where(experts > 0, (total - active) / np.where(frac < 1, 1 - frac, 1.0), 0.0)


def roofline(*, total_params, active_params, num_experts, experts_per_token, kv_bytes_per_token,
             memory_bytes, bandwidth_bytes_per_s, flops, num_gpus, bits_per_weight, input_tokens, output_tokens,
             concurrency=np.inf, max_batch=DEFAULT_MAX_BATCH, calibration: Calibration = DEFAULT_CALIBRATION):
    """Output tokens per second of a deployment at full load; every argument an array (broadcast).

    Returns (tokens_per_s, batch); batch is 0 where the weights leave no room for one sequence.
    """
    c = calibration
    n_eff = num_gpus ** c.tp_exponent
    weights = total_params * bits_per_weight / 8.0
    context = input_tokens + output_tokens / 2.0  # mean context while a sequence decodes
    kv_free = num_gpus * memory_bytes * (1 - RESERVE_SHARE) - weights
    batch = np.floor(np.maximum(kv_free, 0) / (kv_bytes_per_token * context))  # paged KV: blocks grow and free
    batch = np.minimum(np.minimum(batch, max_batch), concurrency)
    b = np.maximum(batch, 1.0)
    experts = _expert_params(total_params, active_params, num_experts, experts_per_token)
    share_read = np.where(num_experts > 0, 1 - (1 - experts_per_token / np.maximum(num_experts, 1)) ** b, 0.0)
    bytes_read = (total_params - experts + experts * share_read) * bits_per_weight / 8.0 + b * context * kv_bytes_per_token
    t_mem = bytes_read / (n_eff * bandwidth_bytes_per_s * c.eta_bw)
    t_flop = 2 * active_params * b / (n_eff * flops * c.eta_flop)
    step = np.maximum(t_mem, t_flop) + c.step_overhead_s
    prefill = 2 * active_params * input_tokens / (n_eff * flops * c.eta_flop)
    tokens_per_s = output_tokens / (prefill + output_tokens * step / b)
    return np.where(batch >= 1, tokens_per_s, 0.0), batch


def _peak_flops(gpu_rows: pd.DataFrame, bits_per_weight) -> np.ndarray:
    """FP8 tensor throughput for 8-bit-or-narrower weights where the GPU has it, else BF16 (weight-only quant)."""
    fp8 = gpu_rows["fp8_dense_tflops"].to_numpy(dtype=float)
    bf16 = gpu_rows["bf16_dense_tflops"].to_numpy(dtype=float)
    return np.where((np.asarray(bits_per_weight) <= 8) & ~np.isnan(fp8), fp8, bf16) * 1e12


def _arch_arrays(models: pd.DataFrame, gpus: pd.DataFrame, bits_per_weight, kv_bits=16) -> dict:
    """Roofline inputs from catalog rows aligned one-to-one (one row per scenario)."""
    kv = np.where(models["attention"].to_numpy() == "mla",
                  models["kv_lora_rank"].fillna(0) + models["qk_rope_head_dim"].fillna(0),
                  2 * models["num_kv_heads"] * models["head_dim"]) * models["num_layers"].to_numpy() * kv_bits / 8
    return dict(
        total_params=models["total_params_b"].to_numpy(dtype=float) * GB,
        active_params=models["active_params_b"].to_numpy(dtype=float) * GB,
        num_experts=models["num_experts"].to_numpy(dtype=float),
        experts_per_token=models["experts_per_token"].to_numpy(dtype=float),
        kv_bytes_per_token=np.asarray(kv, dtype=float),
        memory_bytes=gpus["memory_gb"].to_numpy(dtype=float) * GB,
        bandwidth_bytes_per_s=gpus["memory_bandwidth_gb_per_s"].to_numpy(dtype=float) * GB,
        flops=_peak_flops(gpus, bits_per_weight),
    )


def throughput_tokens_per_s(model: str, gpu: str, bits_per_weight, input_tokens, output_tokens, num_gpus=1,
                            kv_bits=16, concurrency=np.inf, calibration: Calibration = DEFAULT_CALIBRATION):
    """Output tokens per second of the whole deployment (`num_gpus` x `gpu`) at full load.

    Broadcasts over bits, token lengths, GPU count and concurrency. Raises `DoesNotFit` where the
    weights leave no room for a single sequence's KV cache.
    """
    m, g = model_spec(model), gpu_spec(gpu)
    b = bits(bits_per_weight)
    i = as_array("input_tokens", input_tokens, low=0.0)
    o = as_array("output_tokens", output_tokens, low=0.0, low_open=True)
    n = as_array("num_gpus", num_gpus, low=1.0)
    conc = as_array("concurrency", concurrency, low=1.0)
    if np.any(i + o > m["max_context_tokens"]):
        raise ValueError(f"input_tokens + output_tokens exceeds {m.name}'s max_context_tokens "
                         f"{m['max_context_tokens']:,.0f}")
    arrays = _arch_arrays(m.to_frame().T, g.to_frame().T, b, kv_bits)
    arrays = {k: v[0] for k, v in arrays.items()}
    arrays["kv_bytes_per_token"] = float(kv_cache_bytes_per_token(model, kv_bits))
    tps, batch = roofline(**arrays, num_gpus=n, bits_per_weight=b, input_tokens=i, output_tokens=o,
                          concurrency=conc, calibration=calibration)
    if np.any(batch < 1):
        need = m["total_params_b"] * GB * float(np.max(b)) / 8 / (1 - RESERVE_SHARE)
        raise DoesNotFit(f"{m.name} at {float(np.max(b)):g} bits does not fit on {float(np.min(n)):g} x {g.name} "
                         f"with room for one sequence: weights alone need {need / GB:,.1f} GB with the reserve",
                         need)
    return scalar_or_array(tps)


def benchmark_split(benchmark_ids: pd.Series) -> np.ndarray:
    """Deterministic half split by a CRC of the id: True = used for fitting, False = held out."""
    return np.array([zlib.crc32(i.encode()) % 2 == 0 for i in benchmark_ids])


def usable_benchmarks() -> pd.DataFrame:
    """Benchmarks with the lengths and precision the model needs, joined to their model and GPU rows."""
    bench = load_serving_benchmarks()
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
    tps, _ = roofline(**_arch_arrays(models, gpus, b, bench["kv_bits"].to_numpy(dtype=float)), num_gpus=bench["num_gpus"].to_numpy(dtype=float),
                      bits_per_weight=b, input_tokens=bench["input_tokens"].to_numpy(dtype=float),
                      output_tokens=bench["output_tokens"].to_numpy(dtype=float),
                      concurrency=bench["concurrency"].fillna(np.inf).to_numpy(dtype=float),
                      calibration=calibration)
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


def best_tensor_parallel(model: str, gpu: str, bits_per_weight, input_tokens, output_tokens, kv_bits=16,
                         calibration: Calibration = DEFAULT_CALIBRATION) -> int:
    """The tensor-parallel size (1, 2, 4, 8) with the most output tokens per second per GPU.

    The smallest deployment that holds the weights often leaves room for only a handful of sequences;
    one size up can serve many times more per GPU. Raises `DoesNotFit` when none holds one sequence.
    """
    from .memory import TENSOR_PARALLEL_SIZES

    sizes = np.array(TENSOR_PARALLEL_SIZES, dtype=float)
    m, g = model_spec(model), gpu_spec(gpu)
    b = float(bits(bits_per_weight))
    arrays = {k: v[0] for k, v in _arch_arrays(m.to_frame().T, g.to_frame().T, b, kv_bits).items()}
    arrays["kv_bytes_per_token"] = float(kv_cache_bytes_per_token(model, kv_bits))
    tps, batch = roofline(**arrays, num_gpus=sizes, bits_per_weight=b, input_tokens=float(input_tokens),
                          output_tokens=float(output_tokens), calibration=calibration)
    per_gpu = np.where(batch >= 1, tps / sizes, 0.0)
    if not np.any(per_gpu > 0):
        throughput_tokens_per_s(model, gpu, bits_per_weight, input_tokens, output_tokens, sizes[-1], kv_bits,
                                calibration=calibration)  # raises DoesNotFit with the memory needed
    return int(sizes[int(np.argmax(per_gpu))])
