"""How fast can a GPU serve it? A calibrated roofline of continuous batching, on any deployment.

A deployment of n GPUs runs `replicas` copies of one engine instance of g = n / replicas GPUs ("a replica").
Inside a replica the layout is either

    tp   tensor parallel over g GPUs (Shoeybi et al. 2019, Megatron-LM): every weight matrix is split g ways,
         two all-reduces per layer; the KV cache splits by KV head, so a cache with fewer heads than g
         (MLA's single latent, 8-head GQA on 16 GPUs) is replicated g / min(g, kv_heads) times;
    dep  attention data parallel + expert parallel over g GPUs, for mixture-of-experts models (DeepSeek-V3
         technical report sec. 3.4; SGLang's DP attention and DeepEP, LMSYS 2025-05-05; TensorRT-LLM's "DEP"):
         attention, dense and shared weights are copied on every GPU, each GPU holds its own sequences' KV
         cache, the routed experts are spread E / g per GPU, and tokens go to their experts and back by two
         all-to-alls per MoE layer (FP8 dispatch, BF16 combine: 3 bytes per value, DeepEP).

At batch B (sequences in flight on the replica), per decode step and per GPU:

    weights read   tp:  (W_dense + W_experts x s(B)) / g        dep: W_dense + W_experts x s(B) / g
    KV read        tp:  B x kv x rep / g                          dep: B x kv / g
             s(B) = 1 - (1 - k / E)^B, the share of experts at least one of B tokens routes to (uniform routing)
    t_gemm = max(weights read / (bandwidth x eta_bw), B / g x 2 x sum_groups active_params / FLOPS(format) / eta_flop)
    t_attn = max(KV read / (bandwidth x eta_bw), B / g x attention FLOPs at the context / FLOPS(BF16) / eta_flop)
    t_comm = collectives x (latency + bytes per collective / link bandwidth)
             tp: 2 x layers all-reduces of 2 (g-1)/g x B x hidden x 2 bytes (ring)
             dep: 2 x layers all-to-alls of (B / g) x k x hidden x 3 x (g-1)/g bytes
    dep waits for its busiest rank: the routed experts' FLOPs and all-to-all bytes are x (1 + r), r the
             `expert_parallel_imbalance` of g ranks holding E / g experts each (TensorRT-LLM measured r = 1.56 on
             DeepSeek R1 over EP32 without a load balancer; the kit fits the experts' load spread)
    step   = t_gemm + t_attn + t_comm + layers x layer_overhead + B / ranks x sequence_overhead
             (a roofline per operator, summed: the attention kernels that read the KV cache and the GEMMs that
             read the weights run one after the other, so one's memory time does not hide the other's compute -
             LLM-Viewer, Yuan et al. 2024, arXiv 2402.16363, sums its per-layer operators the same way; kernel
             launches per layer; per sequence in flight on each scheduler: its bookkeeping, sampling and
             detokenising, which grow with the batch, not the model)
Per request, prefill costs the replica t_prefill = (2 x active x uncached input + attention FLOPs) /
(g x FLOPS x eta_flop) plus its all-reduce / all-to-all bytes over the link. A cached prefix skips its
compute (its tokens are still attended to, and still held in the KV cache). Then, at batch B,

    output tokens/s (replica) X = O x B / (B x t_prefill + O x step)
    tokens/s per user           = X / B        (time per output token includes the prefills it waits for)
    time to first token         = t_prefill + ceil(uncached input / 8,192) x step    (no queueing)

B is bounded by the KV cache beside the weights, reserved for each sequence's whole length input + output (what
TensorRT-LLM's default GUARANTEED_NO_EVICT scheduler does, and what requests started together reach) in every
layer, windowed ones included (TensorRT-LLM's KV manager allocates a sliding-window layer's blocks linearly over the
whole sequence since PR 6768; vLLM's KV budget per token counts every layer), by 2,048
sequences per scheduler (one per DP rank), and by a latency target: the largest B that keeps tokens/s per
user and TTFT within it (throughput rises with B, per-user speed falls: the curve InferenceX publishes).

Links: within a scale-up domain (data/gpus.csv scale_up_domain_gpus: 8 for HGX, 72 for GB200 NVL72) half
the listed scale_up_gb_per_s (vendors list both directions: 900 GB/s NVLink 4 = 450 each way); PCIe cards in
one server (up to 8) 32 GB/s each way (PCIe 4.0 x16); beyond one node a 400 Gb/s NIC per GPU, 50 GB/s
(NVIDIA DGX H100/B200 reference architecture: one ConnectX-7 400 Gb/s per GPU). Collectives are not
overlapped with compute (SGLang's two-batch overlap would hide part of them).
Precision: each tensor group computes at the fastest tensor-core rate its format allows on the GPU
(bf16_dense_tflops, fp8_dense_tflops, fp4_dense_tflops): 8-bit formats at FP8 where the GPU has it, NVFP4 and
MXFP4 at FP4 where it has it; INT4 and GGUF kinds are weight-only (BF16 compute).
Sources: Williams et al. 2009 (roofline); Kwon et al. 2023 (vLLM, paged KV); Pope et al. 2022 (2·N FLOPs per
token, memory-bound decode); Agrawal et al. 2024 (Sarathi-Serve, chunked prefill); TensorRT-LLM's
max_num_tokens default 8,192 (the prefill chunk). eta_bw, eta_flop, eta_moe, layer_overhead_s,
collective_latency_s, sequence_overhead_s and expert_load_cv are fitted on every engine's results in
data/serving_benchmarks.csv, and each engine's eta_bw and eta_flop on its own (`calibrate`).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from .catalog import DATA_DIR, load_serving_benchmarks
from .checks import as_array, as_share, scalar_or_array
from .configs import LINEAR_GROUPS, parse_native_format
from .memory import (BITS_PER_WEIGHT, GB, GGUF_KINDS, RESERVE_SHARE, DoesNotFit, _by_name, bits, default_kv_bits,
                     group_bits, kv_bytes_from_terms, kv_terms_of, model_spec, gpu_spec, reported_memory_bytes,
                     weight_bytes)

DEFAULT_MAX_BATCH = 2048  # sequences one scheduler runs at once (TensorRT-LLM's default max_batch_size)
PREFILL_CHUNK_TOKENS = 8192  # TensorRT-LLM's default max_num_tokens; vLLM's max_num_batched_tokens is similar
SCALE_OUT_GB_PER_S = 50.0  # one 400 Gb/s NIC per GPU (DGX H100 / B200 reference architecture), one way
PCIE_GB_PER_S = 32.0  # PCIe 4.0 x16, one way, between cards without NVLink in one server
PCIE_NODE_GPUS = 8  # cards in one PCIe server
DISPATCH_COMBINE_BYTES = 3.0  # DeepEP: FP8 dispatch (1 byte) + BF16 combine (2 bytes) per value
ACTIVATION_BYTES = 2.0  # BF16 activations in tensor-parallel all-reduces
#: GPUs per replica the sizing search tries (powers of two and the NVL72 domain), up to `max_gpus`.
REPLICA_SIZES = (1, 2, 4, 8, 16, 32, 64, 72, 128)
DEFAULT_MAX_GPUS = 128
LAYOUTS = ("tp", "dep")
ENGINES = ("trtllm", "vllm", "sglang")
#: Formats whose 4-bit floating weights can run on FP4 tensor cores.
FP4_FORMATS = ("nvfp4", "mxfp4")
COMPUTE_FORMATS = ("bf16", "fp8", "fp4")
FIT_FIELDS = ("eta_bw", "eta_flop", "eta_moe", "layer_overhead_s", "collective_latency_s", "sequence_overhead_s",
              "expert_load_cv")
DRAIN_POINTS = 33  # steps of a run's drain at which the step time is evaluated (`finite_run_tokens_per_s`)
_BATCH_GRID = np.unique(np.round(np.geomspace(1, 1 << 17, 60)))


class TargetNotMet(ValueError):
    """No deployment reaches the latency target: carries the best it can do."""

    def __init__(self, message: str, best: dict):
        super().__init__(message)
        self.best = best


@dataclass(frozen=True)
class Calibration:
    """Achieved shares of peak bandwidth and compute, an overhead per layer per step, a latency per collective, an
    overhead per sequence in flight per step (seconds), and the spread of routed tokens across experts
    (`expert_parallel_imbalance`), for one engine ("pooled": every engine's results)."""

    eta_bw: float
    eta_flop: float
    eta_moe: float  # routed experts' grouped GEMMs reach this share of eta_flop
    layer_overhead_s: float
    collective_latency_s: float = 0.0
    sequence_overhead_s: float = 0.0
    expert_load_cv: float = 0.0  # spread of routed tokens across experts (std / mean): expert-parallel imbalance
    engine: str = "pooled"


#: Fitted by `calibrate(engine=...)` on the "fit" half of data/serving_benchmarks.csv; a test checks they agree.
CALIBRATIONS = {
    "pooled": Calibration(0.9379, 0.5801, 0.3055, 0.0001496, 9.216e-06, 9e-06, 0.2801, engine="pooled"),
    "trtllm": Calibration(0.9744, 0.6479, 0.3055, 0.0001496, 9.216e-06, 9e-06, 0.2801, engine="trtllm"),
    "vllm": Calibration(0.5974, 0.5156, 0.3055, 0.0001496, 9.216e-06, 9e-06, 0.2801, engine="vllm"),
    "sglang": Calibration(0.3, 0.6816, 0.3055, 0.0001496, 9.216e-06, 9e-06, 0.2801, engine="sglang"),
}
#: The engine a call without `engine=` uses: the pooled fit (every engine's results), so no team is told the
#: numbers of an engine it did not choose.
DEFAULT_ENGINE = "pooled"
DEFAULT_CALIBRATION = CALIBRATIONS[DEFAULT_ENGINE]


def calibration_for(engine: str | None = None, calibration: Calibration | None = None) -> Calibration:
    """The calibration of `engine` (None: `DEFAULT_ENGINE`), or `calibration` when given. Unknown engine:
    ValueError listing the known ones."""
    if calibration is not None:
        return calibration
    name = DEFAULT_ENGINE if engine is None else str(engine).strip().lower().replace("-", "").replace("_", "")
    if name not in CALIBRATIONS:
        raise ValueError(f"engine must be one of {list(CALIBRATIONS)}, got {engine!r}")
    return CALIBRATIONS[name]


# ------------------------------------------------------------------------------------------- model x format

@lru_cache(maxsize=4096)
def _format_row(model: str, weight_format, compute_format, stamp: int) -> tuple:
    """Per (model, weight format): resident and routed-expert bytes, active parameters per compute class
    (16-bit, 8-bit, 4-bit floating), default KV bits and the format's name."""
    m = model_spec(model)
    fmt = weight_format if isinstance(weight_format, str) else float(bits(weight_format))
    per = group_bits(model, fmt)
    key = fmt.strip().lower() if isinstance(fmt, str) else ""
    weight_only = key in GGUF_KINDS or key == "int4"
    e = float(m["num_experts"])
    routed_active = float(m["routed_experts_params_b"]) * (float(m["experts_per_token"]) / e if e else 0.0) * GB
    other_linear = sum(float(m[f"{g}_params_b"]) for g in LINEAR_GROUPS if g not in ("routed_experts", "mtp")) * GB
    rest = max(float(m["active_params_b"]) * GB - routed_active - other_linear, 0.0)
    classes = {("d", 16): rest, ("d", 8): 0.0, ("d", 4): 0.0, ("r", 16): 0.0, ("r", 8): 0.0, ("r", 4): 0.0}
    for params, b, name in ((routed_active, per["routed_experts"], "r"), (other_linear, per["attention"], "d")):
        fp4 = key in FP4_FORMATS or (key == "native" and name == "r" and b in (4.5, 4.25))
        cls = 16 if (weight_only or b > 8.5) else (4 if (b < 8 and fp4) else (8 if b >= 8 else 16))
        if compute_format is not None and b < 16 and not weight_only:
            cls = {"bf16": 16, "fp8": 8, "fp4": 4}[compute_format]
        classes[(name, cls)] += params
    kv = default_kv_bits(model, fmt)
    routed_bytes = float(m["routed_experts_params_b"]) * GB * per["routed_experts"] / 8
    return (weight_bytes(model, fmt), routed_bytes, *classes.values(), kv,
            fmt if isinstance(fmt, str) else f"{fmt:g} bits")


def _stamp(name: str) -> int:
    return (DATA_DIR / name).stat().st_mtime_ns


@lru_cache(maxsize=8)
def _model_terms(stamp: int) -> pd.DataFrame:
    """Per catalog model: KV terms, KV shards under TP, attention FLOPs per (query, key) pair, layer counts."""
    models = _by_name("open_models.csv")
    terms = pd.DataFrame(kv_terms_of(models), index=models.index)
    heads = models["num_attention_heads"].to_numpy(dtype=float)
    mla = models["attention"].isin(["mla", "mla_dsa"]).to_numpy()
    d_qk_v = np.where(mla, 2 * models["kv_lora_rank"].fillna(0).to_numpy(dtype=float)
                      + models["qk_rope_head_dim"].fillna(0).to_numpy(dtype=float),
                      2 * models["head_dim"].to_numpy(dtype=float))
    terms["attn_flops_pair"] = 2 * heads * d_qk_v  # QK^T and AV, per layer, per (query, key) pair
    terms["kv_shards"] = np.where(mla, 1.0, models["num_kv_heads"].to_numpy(dtype=float))
    terms["layers"] = models["num_layers"].to_numpy(dtype=float)
    terms["hidden"] = models["hidden_size"].to_numpy(dtype=float)
    terms["num_experts"] = models["num_experts"].to_numpy(dtype=float)
    terms["experts_per_token"] = models["experts_per_token"].to_numpy(dtype=float)
    terms["max_context_tokens"] = models["max_context_tokens"].to_numpy(dtype=float)
    return terms


@lru_cache(maxsize=8)
def _gpu_terms(stamp: int) -> pd.DataFrame:
    """Per catalog GPU: usable bytes, bandwidth, FLOP/s per compute class, scale-up domain and link."""
    gpus = _by_name("gpus.csv")
    out = pd.DataFrame(index=gpus.index)
    out["usable_bytes"] = [reported_memory_bytes(r) * (1 - RESERVE_SHARE) for _, r in gpus.iterrows()]
    out["bandwidth"] = gpus["memory_bandwidth_gb_per_s"].to_numpy(dtype=float) * GB
    out["f16"] = gpus["bf16_dense_tflops"].to_numpy(dtype=float) * 1e12
    out["f8"] = gpus["fp8_dense_tflops"].to_numpy(dtype=float) * 1e12
    out["f4"] = gpus["fp4_dense_tflops"].to_numpy(dtype=float) * 1e12
    out["domain"] = gpus["scale_up_domain_gpus"].to_numpy(dtype=float)
    out["scale_up"] = gpus["scale_up_gb_per_s"].to_numpy(dtype=float) * GB / 2
    return out


def _check_compute(gpu: str, compute_format, weight_format) -> None:
    """ValueError where the GPU has no published BF16 rate, or `compute_format` asks for a tensor-core rate the
    GPU does not have."""
    if pd.isna(gpu_spec(gpu)["bf16_dense_tflops"]):
        raise ValueError(f"{gpu_spec(gpu).name}: data/gpus.csv has no dense BF16 throughput (bf16_dense_tflops is "
                         "empty: not published), so the roofline cannot estimate its throughput")
    if compute_format is None:
        return
    if compute_format not in COMPUTE_FORMATS:
        raise ValueError(f"compute_format must be one of {COMPUTE_FORMATS} or None, got {compute_format!r}")
    column = {"bf16": "bf16_dense_tflops", "fp8": "fp8_dense_tflops", "fp4": "fp4_dense_tflops"}[compute_format]
    if pd.isna(gpu_spec(gpu)[column]):
        raise ValueError(f"{gpu_spec(gpu).name} has no {compute_format.upper()} tensor cores (data/gpus.csv "
                         f"{column} is empty): compute_format {compute_format!r} cannot run on it for "
                         f"weight_format {weight_format!r}")


# -------------------------------------------------------------------------------------------- candidates

def candidate_frame(rows: pd.DataFrame, *, compute_format=None) -> pd.DataFrame:
    """Roofline inputs of (model, gpu, weight_format, gpus_per_replica, layout) rows, one vectorised frame.

    `rows` has those columns (model and gpu as catalog names); optional `kv_bits` (NaN: the format's default).
    """
    stamp_m, stamp_g = _stamp("open_models.csv"), _stamp("gpus.csv")
    pairs = rows[["model", "weight_format"]].astype(str).drop_duplicates()
    lookup = {}
    for model, fmt in pairs.itertuples(index=False):  # one call per (model, format), not per candidate
        raw = rows.loc[(rows["model"] == model) & (rows["weight_format"].astype(str) == fmt), "weight_format"].iloc[0]
        lookup[(model, fmt)] = _format_row(model, raw, compute_format, stamp_m)
    fmt_cols = pd.DataFrame([lookup[(m, f)] for m, f in zip(rows["model"], rows["weight_format"].astype(str))],
                            columns=["weights_bytes", "routed_bytes", "a16", "a8", "a4", "r16", "r8", "r4", "kv_default",
                                     "format_name"],
                            index=rows.index)
    out = pd.concat([rows, fmt_cols, _model_terms(stamp_m).loc[rows["model"]].set_index(rows.index),
                     _gpu_terms(stamp_g).loc[rows["gpu"]].set_index(rows.index)], axis=1)
    if "kv_bits" not in out:
        out["kv_bits"] = np.nan
    out["kv_bits"] = out["kv_bits"].fillna(out["kv_default"])
    return out


def _rates(c: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seconds of tensor-core time per token per GPU at eta 1 (2 x params / rate, summed over compute classes;
    a class the GPU lacks runs at the next wider rate it has), for dense-side and routed-expert parameters; and
    the attention rate (BF16)."""
    f16 = c["f16"].to_numpy(dtype=float)
    f8 = np.where(np.isnan(c["f8"].to_numpy(dtype=float)), f16, c["f8"].to_numpy(dtype=float))
    f4 = np.where(np.isnan(c["f4"].to_numpy(dtype=float)), f16, c["f4"].to_numpy(dtype=float))

    def seconds(p):
        return 2 * (c[f"{p}16"].to_numpy(dtype=float) / f16 + c[f"{p}8"].to_numpy(dtype=float) / f8
                    + c[f"{p}4"].to_numpy(dtype=float) / f4)

    return seconds("a"), seconds("r"), f16


def _link(c: pd.DataFrame, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bytes per second one way per GPU for the replica's collectives, and nodes the replica spans."""
    domain = c["domain"].to_numpy(dtype=float)
    node = np.where(domain > 1, domain, PCIE_NODE_GPUS)
    inside = g <= node
    within = np.where(domain > 1, c["scale_up"].to_numpy(dtype=float), PCIE_GB_PER_S * GB)
    return np.where(inside, within, SCALE_OUT_GB_PER_S * GB), np.ceil(g / node)


def evaluate(c: pd.DataFrame, input_tokens, output_tokens, batch, cached_share=0.0,
             calibration: Calibration | dict = DEFAULT_CALIBRATION) -> dict:
    """Throughput, per-user speed, TTFT and batch limit of candidate replicas (rows of `candidate_frame`).

    `input_tokens`, `output_tokens`, `cached_share` broadcast against the rows (shape (n,) or (n, 1));
    `batch` is (n, k) or broadcastable: the sequences in flight, capped here at the KV / scheduler limit.
    `calibration`: one Calibration or a dict of per-row arrays (the `FIT_FIELDS`:
    eta_bw ... sequence_overhead_s). Returns arrays of shape (n, k): output_tokens_per_s (one replica), batch,
    tokens_per_s_per_user, ttft_s, step_s, prefill_s, and (n,) max_batch.
    """
    cal = calibration if isinstance(calibration, dict) else vars(calibration)
    col = (lambda name: c[name].to_numpy(dtype=float)[:, None])
    eta_bw, eta_flop, eta_moe, overhead, alpha, seq_over, load_cv = (
        np.asarray(cal[k], dtype=float).reshape(-1, 1) if np.ndim(cal[k]) else float(cal[k]) for k in FIT_FIELDS)
    g = col("gpus_per_replica")
    dep = (c["layout"].to_numpy() == "dep")[:, None]
    i = np.asarray(input_tokens, dtype=float).reshape(-1, 1) if np.ndim(input_tokens) else float(input_tokens)
    o = np.asarray(output_tokens, dtype=float).reshape(-1, 1) if np.ndim(output_tokens) else float(output_tokens)
    cached = np.asarray(cached_share, dtype=float).reshape(-1, 1) if np.ndim(cached_share) else float(cached_share)
    new = i * (1 - cached)
    ctx = i + o / 2.0
    terms = {k: c[k].to_numpy(dtype=float)[:, None] for k in
             ("full", "sliding", "chunked", "linear", "mla", "mla_dsa", "gqa_values", "mla_values", "indexer_bytes",
              "window", "chunk", "state_values")}
    kv = kv_bytes_from_terms(terms, ctx, col("kv_bits"))
    # The engines reserve a windowed layer's blocks for the whole sequence (TensorRT-LLM's KV manager since PR 6768,
    # vLLM's KV budget per token counts every layer): capacity is set as if every layer were full attention.
    reserved = dict(terms, window=np.full_like(terms["window"], np.inf), chunk=np.full_like(terms["chunk"], np.inf))
    kv_full = kv_bytes_from_terms(reserved, i + o, col("kv_bits"))
    rep = np.where(dep, 1.0, g / np.minimum(g, col("kv_shards")))
    w, w_e, usable = col("weights_bytes"), col("routed_bytes"), col("usable_bytes")
    w_dense = w - w_e
    free_tp = (g * usable - w) / (kv_full * rep)
    free_dep = g * np.floor((usable - w_dense - w_e / g) / kv_full)
    cap = DEFAULT_MAX_BATCH * np.where(dep, g, 1.0)
    max_batch = np.floor(np.clip(np.where(dep, free_dep, free_tp), 0, None))
    max_batch = np.minimum(max_batch, cap)
    b = np.maximum(np.minimum(np.asarray(batch, dtype=float), max_batch), 1.0)
    e, k = col("num_experts"), col("experts_per_token")
    share = np.where(e > 0, 1 - (1 - k / np.maximum(e, 1)) ** b, 0.0)
    weights_read = np.where(dep, w_dense + w_e * share / g, (w_dense + w_e * share) / g)
    kv_read = b * kv * rep / g
    dense_s, routed_s, f16 = (x[:, None] for x in _rates(c))
    hot = 1 + np.where(dep & (e > 0), expert_parallel_imbalance(load_cv, g, np.maximum(e, 1)), 0.0)
    per_token = dense_s + hot * routed_s / eta_moe
    pair = col("attn_flops_pair")
    attn_layers = terms["full"] + terms["mla"] + terms["mla_dsa"]
    attn_ctx = (attn_layers * ctx + terms["sliding"] * np.minimum(ctx, terms["window"])
                + terms["chunked"] * np.minimum(ctx, terms["chunk"]))
    seen = i - new
    attn_prefill = (attn_layers * (i ** 2 - seen ** 2) / 2 + terms["sliding"] * new * np.minimum(ctx, terms["window"])
                    + terms["chunked"] * new * np.minimum(ctx, terms["chunk"]))
    link, _nodes = _link(c, c["gpus_per_replica"].to_numpy(dtype=float))
    link = link[:, None]
    hidden, layers = col("hidden"), col("layers")
    multi = g > 1
    ar_bytes = 2 * (g - 1) / g * b * hidden * ACTIVATION_BYTES
    a2a_bytes = hot * b / g * k * hidden * DISPATCH_COMBINE_BYTES * (g - 1) / g  # the busiest rank receives most
    t_comm = np.where(multi, 2 * layers * (alpha + np.where(dep, a2a_bytes, ar_bytes) / link), 0.0)
    t_gemm = np.maximum(weights_read / (col("bandwidth") * eta_bw), b / g * per_token / eta_flop)
    t_attn = np.maximum(kv_read / (col("bandwidth") * eta_bw), b / g * pair * attn_ctx / f16 / eta_flop)
    step = t_gemm + t_attn + t_comm + layers * overhead + b / np.where(dep, g, 1.0) * seq_over
    prefill_comm = np.where(multi, 2 * layers * new * np.where(
        dep, hot * k * hidden * DISPATCH_COMBINE_BYTES * (g - 1) / g / g,
        2 * (g - 1) / g * hidden * ACTIVATION_BYTES) / link,
        0.0)
    prefill = (new * per_token + pair * attn_prefill / f16) / (g * eta_flop) + prefill_comm
    tps = o * b / (b * prefill + o * step)
    fits = max_batch >= 1
    chunks = np.maximum(np.ceil(new / PREFILL_CHUNK_TOKENS), 1.0)
    shape = np.broadcast_shapes(tps.shape, b.shape)
    return {"output_tokens_per_s": np.broadcast_to(np.where(fits, tps, 0.0), shape),
            "batch": np.broadcast_to(np.where(fits, b, 0.0), shape),
            "tokens_per_s_per_user": np.broadcast_to(np.where(fits, tps / b, 0.0), shape),
            "ttft_s": np.broadcast_to(prefill + chunks * step, shape),
            "step_s": np.broadcast_to(step, shape), "prefill_s": np.broadcast_to(prefill, shape),
            "max_batch": max_batch[:, 0]}


def expert_parallel_imbalance(load_cv, gpus, experts):
    """Extra routed work of the busiest rank of an expert-parallel group, as a share of the mean: (max - mean) / mean,
    TensorRT-LLM's "imbalance ratio" ("Scaling Expert Parallelism in TensorRT-LLM", Part 1, Table 1).

    Every rank holds E / g experts; if the experts' routed-token counts spread with coefficient of variation
    `load_cv` (std / mean) and are independent, a rank's count spreads load_cv x sqrt(g / E), and the largest of g
    such counts lies about sqrt(2 ln g) spreads above the mean (the expected maximum of g normal variables, to
    leading order). The step waits for that rank, in its grouped GEMMs and in what it receives. Checked against
    the blog's own measurement (DeepSeek R1, 256 experts, EP32, no load balancer): its expert spread 164.1 / 128
    gives 1.19 here, against the 1.56 it measured by rank (tests/test_serving.py)."""
    g = np.asarray(gpus, dtype=float)
    spread = np.sqrt(2 * g * np.log(np.maximum(g, 1.0)) / np.asarray(experts, dtype=float))
    return np.asarray(load_cv, dtype=float) * spread


#: What an expert load balancer leaves of the imbalance: TensorRT-LLM measured an imbalance ratio of 0.109 with its
#: EPLB (one redundant expert per rank) against 1.564 without, on DeepSeek R1 over EP32 ("Scaling Expert Parallelism
#: in TensorRT-LLM", Part 1, Table 1).
EPLB_REMAINING_IMBALANCE = 0.109 / 1.564


def with_expert_load_balancer(calibration: Calibration | None = None, engine: str | None = None) -> Calibration:
    """The calibration of `engine` (or `calibration`) for a deployment that runs an expert load balancer (EPLB:
    DeepSeek's, SGLang's, TensorRT-LLM's), which replicates hot experts: the experts' load spread, and so the busiest
    rank's extra work, scaled by `EPLB_REMAINING_IMBALANCE`. Pass it as `calibration=` to any throughput call."""
    cal = calibration_for(engine, calibration)
    return Calibration(**{**vars(cal), "expert_load_cv": cal.expert_load_cv * EPLB_REMAINING_IMBALANCE})


def _targets(min_output_tokens_per_s_per_user, max_ttft_s) -> tuple[np.ndarray, np.ndarray]:
    """The latency target as arrays (None: no bound), checked: per-user speed >= 0, TTFT > 0."""
    u = np.asarray(0.0) if min_output_tokens_per_s_per_user is None else as_array(
        "min_output_tokens_per_s_per_user", min_output_tokens_per_s_per_user)
    t = np.asarray(np.inf) if max_ttft_s is None else as_array("max_ttft_s", max_ttft_s, low=0.0, low_open=True)
    return u, t


def at_target(c: pd.DataFrame, input_tokens, output_tokens, *, cached_share=0.0, concurrency=np.inf,
              min_output_tokens_per_s_per_user=None, max_ttft_s=None,
              calibration: Calibration | dict = DEFAULT_CALIBRATION) -> dict:
    """Each candidate replica at the largest batch that meets the latency target (vectorised over a batch grid).

    The targets are scalars or one per row. Returns per row: output_tokens_per_s, batch, tokens_per_s_per_user,
    ttft_s, prefill_s, step_s, meets_target, fits (room for one sequence) and, where the target is missed, the best
    the replica does at batch 1.
    """
    u, t = (x.reshape(-1, 1) if x.ndim else float(x) for x in _targets(min_output_tokens_per_s_per_user, max_ttft_s))
    conc = np.asarray(concurrency, dtype=float).reshape(-1, 1) if np.ndim(concurrency) else float(concurrency)
    grid = np.minimum(_BATCH_GRID[None, :], conc)
    r = evaluate(c, input_tokens, output_tokens, grid, cached_share, calibration)
    top = np.minimum(r["max_batch"][:, None], conc)
    r_top = evaluate(c, input_tokens, output_tokens, top, cached_share, calibration)
    keys = ("output_tokens_per_s", "batch", "tokens_per_s_per_user", "ttft_s", "prefill_s", "step_s")
    full = {k: np.concatenate([r[k], r_top[k]], axis=1) for k in keys}
    ok = (full["tokens_per_s_per_user"] >= u) & (full["ttft_s"] <= t) & (full["batch"] >= 1)
    score = np.where(ok, full["output_tokens_per_s"], -1.0)
    pick = np.argmax(score, axis=1)
    rows = np.arange(len(c))
    out = {k: full[k][rows, pick] for k in keys}
    out["meets_target"] = ok[rows, pick]
    out["fits"] = r["max_batch"] >= 1
    for k in keys:  # missed: the fastest it gets per user, at batch 1
        out[k] = np.where(out["meets_target"], out[k], full[k][:, 0])
    return out


def _deployments(model: str, gpu: str, weight_format, max_gpus: float, sizes=REPLICA_SIZES) -> pd.DataFrame:
    """Every replica layout of one (model, gpu, format) up to `max_gpus` GPUs per replica."""
    moe = float(model_spec(model)["num_experts"]) > 0
    g = np.array([s for s in sizes if s <= min(max_gpus, _largest_replica(gpu))], dtype=float)
    layouts = [("tp", g)] + ([("dep", g[g >= 2])] if moe else [])
    rows = [{"model": model_spec(model).name, "gpu": gpu_spec(gpu).name, "weight_format": weight_format,
             "gpus_per_replica": s, "layout": name} for name, sizes_ in layouts for s in sizes_]
    return pd.DataFrame(rows)


def _largest_replica(gpu: str) -> float:
    """GPUs one replica may span: any number of nodes for GPUs with a scale-up fabric (NVLink, Infinity Fabric),
    one PCIe server of `PCIE_NODE_GPUS` cards for GPUs without one (no engine ships multi-node TP over PCIe)."""
    return np.inf if float(gpu_spec(gpu)["scale_up_domain_gpus"]) > 1 else PCIE_NODE_GPUS


def _check_lengths(model: str, input_tokens, output_tokens):
    m = model_spec(model)
    i = as_array("input_tokens", input_tokens, low=0.0)
    o = as_array("output_tokens", output_tokens, low=0.0, low_open=True)
    if np.any(i + o > m["max_context_tokens"]):
        raise ValueError(f"input_tokens + output_tokens exceeds {m.name}'s max_context_tokens "
                         f"{m['max_context_tokens']:,.0f}")
    return i, o


def _shape_name(layout: str, g: float) -> dict:
    g = int(g)
    return {"tp": g, "ep": 1, "dp": 1} if layout == "tp" else {"tp": 1, "ep": g, "dp": g}


def _fmt_label(weight_format) -> str:
    return weight_format if isinstance(weight_format, str) else f"{float(np.max(bits(weight_format))):g} bits"


def throughput_tokens_per_s(model: str, gpu: str, weight_format, input_tokens, output_tokens, num_gpus=1,
                            kv_bits=None, concurrency=np.inf, calibration: Calibration | None = None, *,
                            cached_share=0.0, engine: str | None = None, min_output_tokens_per_s_per_user=None,
                            max_ttft_s=None, compute_format=None, max_gpus_per_replica=DEFAULT_MAX_GPUS):
    """Output tokens per second of the best deployment on `num_gpus` x `gpu` at full load.

    The best of every deployment that fits in n GPUs: floor(n / g) replicas of g GPUs each (tp or, for MoE
    models, dep layout; g up to `max_gpus_per_replica`), each at the largest batch meeting the latency target
    (`min_output_tokens_per_s_per_user`, `max_ttft_s`; None: no limit). `weight_format`: "native", a format
    name or bits per weight; `kv_bits` None follows the format (`default_kv_bits`); `cached_share`: share of
    the input served from the prefix cache (no prefill compute); `concurrency` bounds the sequences in flight
    over the whole deployment; `engine` picks the calibration (`CALIBRATIONS`). Broadcasts over token lengths,
    GPU count, concurrency and cached share.
    Raises `DoesNotFit` where no replica of at most n GPUs holds one sequence, `TargetNotMet` (with the best
    per-user speed) where none meets the target.
    """
    best = best_deployment(model, gpu, weight_format, input_tokens, output_tokens, num_gpus, kv_bits=kv_bits,
                           concurrency=concurrency, calibration=calibration, cached_share=cached_share, engine=engine,
                           min_output_tokens_per_s_per_user=min_output_tokens_per_s_per_user, max_ttft_s=max_ttft_s,
                           compute_format=compute_format, max_gpus_per_replica=max_gpus_per_replica)
    return scalar_or_array(best["output_tokens_per_s"])


def best_deployment(model: str, gpu: str, weight_format, input_tokens, output_tokens, num_gpus=None, *,
                    kv_bits=None, concurrency=np.inf, calibration: Calibration | None = None, cached_share=0.0,
                    engine: str | None = None, min_output_tokens_per_s_per_user=None, max_ttft_s=None,
                    compute_format=None, max_gpus_per_replica=DEFAULT_MAX_GPUS) -> dict:
    """Which deployment `throughput_tokens_per_s` chooses, and how it runs (arrays where the inputs broadcast).

    `num_gpus` None: the single replica with the most output tokens per second per GPU (GPUs per replica up
    to `max_gpus_per_replica`). Returns replicas, gpus_per_replica, num_gpus (used), layout, tp, ep, dp,
    nodes, replica_output_tokens_per_s, output_tokens_per_s (all replicas), batch (per replica),
    tokens_per_s_per_user, ttft_s, prefill_time_share, meets_target.
    """
    _check_compute(gpu, compute_format, weight_format)
    i, o = _check_lengths(model, input_tokens, output_tokens)
    cached = as_share("cached_share", cached_share)
    conc_all = as_array("concurrency", concurrency, low=1.0)
    cal = calibration_for(engine, calibration)
    n_req = None if num_gpus is None else as_array("num_gpus", num_gpus, low=1.0)
    cap = float(as_array("max_gpus_per_replica", max_gpus_per_replica, low=1.0))
    if n_req is not None:
        cap = min(cap, float(np.max(n_req)))
    d = _deployments(model, gpu, weight_format, cap)
    d["kv_bits"] = np.nan if kv_bits is None else float(np.max(as_array("kv_bits", kv_bits, low=1.0, high=32.0)))
    c = candidate_frame(d, compute_format=compute_format)
    shape = np.broadcast_shapes(i.shape, o.shape, cached.shape, conc_all.shape, () if n_req is None else n_req.shape)
    flat = {k: np.broadcast_to(v, shape).reshape(-1) for k, v in (("i", i), ("o", o), ("cached", cached),
                                                                    ("conc", conc_all))}
    n_flat = None if n_req is None else np.broadcast_to(n_req, shape).reshape(-1)
    s, nd = flat["i"].size, len(c)
    big = c.loc[np.tile(np.arange(nd), s)].reset_index(drop=True)
    g = big["gpus_per_replica"].to_numpy(dtype=float)
    ns = np.repeat(n_flat, nd) if n_flat is not None else g
    replicas = np.floor(ns / g)
    conc_per = np.repeat(flat["conc"], nd) / np.maximum(replicas, 1)
    r = at_target(big, np.repeat(flat["i"], nd), np.repeat(flat["o"], nd), cached_share=np.repeat(flat["cached"], nd),
                  concurrency=conc_per, min_output_tokens_per_s_per_user=min_output_tokens_per_s_per_user,
                  max_ttft_s=max_ttft_s, calibration=cal)
    usable = (replicas >= 1) & r["fits"]
    total = np.where(usable & r["meets_target"], replicas * r["output_tokens_per_s"], 0.0)
    score = (total if n_flat is not None else total / g).reshape(s, nd)
    pick = np.argmax(score, axis=1) + np.arange(s) * nd
    fmt = _fmt_label(weight_format)
    if not np.all(usable.reshape(s, nd).any(axis=1)):
        need = float(c["weights_bytes"].min()) / (1 - RESERVE_SHARE)
        raise DoesNotFit(f"{model_spec(model).name} at {fmt} does not fit on {cap:g} x {gpu_spec(gpu).name} "
                         f"with room for one sequence: weights alone need {need / GB:,.1f} GB with the reserve", need)
    if not np.all((score > 0).any(axis=1)):
        speed = np.where(usable, r["tokens_per_s_per_user"], 0.0)
        j = int(np.argmax(speed))
        best = {k: float(v[j]) for k, v in r.items() if np.ndim(v)}
        u, t = (float(np.max(x)) for x in _targets(min_output_tokens_per_s_per_user, max_ttft_s))
        raise TargetNotMet(f"{model_spec(model).name} at {fmt} on {gpu_spec(gpu).name} cannot meet the target "
                           f"({u:g} output tokens/s per user, TTFT <= {t:g} s) with up to {cap:g} GPUs per replica: "
                           f"the fastest is {best['tokens_per_s_per_user']:.1f} tokens/s per user with TTFT "
                           f"{best['ttft_s']:.2f} s ({big['layout'].iloc[j]} over {g[j]:g} GPUs, batch 1)", best)
    lay = big["layout"].to_numpy()[pick]
    gp = g[pick]
    _link_bw, nodes = _link(big.iloc[pick], gp)
    prefill_share = (r["batch"] * r["prefill_s"] / (r["batch"] * r["prefill_s"] + np.repeat(flat["o"], nd)
                                                     * r["step_s"]))[pick]
    shapes = [_shape_name(a, b) for a, b in zip(lay, gp)]
    out = {"replicas": replicas[pick], "gpus_per_replica": gp, "num_gpus": replicas[pick] * gp,
           "layout": lay, "tp": np.array([x["tp"] for x in shapes], dtype=float),
           "ep": np.array([x["ep"] for x in shapes], dtype=float), "dp": np.array([x["dp"] for x in shapes], dtype=float),
           "nodes": nodes, "replica_output_tokens_per_s": r["output_tokens_per_s"][pick],
           "output_tokens_per_s": replicas[pick] * r["output_tokens_per_s"][pick], "batch": r["batch"][pick],
           "tokens_per_s_per_user": r["tokens_per_s_per_user"][pick], "ttft_s": r["ttft_s"][pick],
           "prefill_time_share": prefill_share, "meets_target": r["meets_target"][pick], "engine": cal.engine}
    if shape == ():
        return {k: (v[0] if isinstance(v, np.ndarray) and v.dtype.kind in "fb" else
                    (str(v[0]) if isinstance(v, np.ndarray) else v)) for k, v in out.items()}
    return {k: (v.reshape(shape) if isinstance(v, np.ndarray) else v) for k, v in out.items()}


def prefill_time_share(model: str, gpu: str, weight_format, input_tokens, output_tokens, cached_share=0.0, *,
                       num_gpus=None, engine: str | None = None, min_output_tokens_per_s_per_user=None,
                       max_ttft_s=None, kv_bits=None, calibration: Calibration | None = None):
    """Share of a replica's GPU time spent on prefill, on the deployment `best_deployment` chooses:

        B x t_prefill / (B x t_prefill + O x step)

    what splits a self-hosted replica's cost into a price per input token and per output token that add up to
    the replica's cost (`owning.selfhost_cost_per_mtok`, `gateway.self_hosted_prices`). Broadcasts over lengths
    and cached share.
    """
    return scalar_or_array(np.asarray(best_deployment(
        model, gpu, weight_format, input_tokens, output_tokens, num_gpus, kv_bits=kv_bits, calibration=calibration,
        cached_share=cached_share, engine=engine, min_output_tokens_per_s_per_user=min_output_tokens_per_s_per_user,
        max_ttft_s=max_ttft_s)["prefill_time_share"], dtype=float))


def best_tensor_parallel(model: str, gpu: str, weight_format, input_tokens, output_tokens, kv_bits=None,
                         calibration: Calibration | None = None, *, engine: str | None = None,
                         max_gpus_per_replica=DEFAULT_MAX_GPUS) -> int:
    """GPUs per replica of the deployment with the most output tokens per second per GPU (`best_deployment`
    with `num_gpus=None`). Raises `DoesNotFit` when no replica holds one sequence."""
    best = best_deployment(model, gpu, weight_format, float(np.max(input_tokens)), float(np.max(output_tokens)),
                           kv_bits=kv_bits, calibration=calibration, engine=engine,
                           max_gpus_per_replica=max_gpus_per_replica)
    return int(best["gpus_per_replica"])


# --------------------------------------------------------------------------------------- candidate table

def formats_for(model: str, gpu: str) -> list:
    """Weight formats worth trying for `model` on `gpu`: its native checkpoint, BF16, FP8 where the GPU has FP8
    tensor cores, MXFP4 where it has FP4 (and NVFP4 on NVIDIA's FP4 GPUs: AMD's CDNA 4 runs the OCP MX formats,
    AMD Instinct MI355X data sheet), and INT4 (weight-only) everywhere."""
    g = gpu_spec(gpu)
    native = model_spec(model)["native_format"].strip().lower()
    out = ["native"] + [f for f in ("bf16",) if native != "bf16"]
    out += ["fp8"] if pd.notna(g["fp8_dense_tflops"]) and not native.startswith("fp8") else []
    if pd.notna(g["fp4_dense_tflops"]):  # NVFP4 is NVIDIA's block format; MXFP4 is the OCP one both vendors run
        out += [f for f in FP4_FORMATS if f != "nvfp4" or str(g["vendor"]).strip().upper() == "NVIDIA"]
    return out + ["int4"]


def deployment_table(models=None, gpus=None, formats=None, input_tokens=1000, output_tokens=200, *, cached_share=0.0,
                     min_output_tokens_per_s_per_user=None, max_ttft_s=None, engine: str | None = None,
                     max_gpus=DEFAULT_MAX_GPUS, kv_bits=None, calibration: Calibration | None = None,
                     include_infeasible: bool = True) -> pd.DataFrame:
    """One row per (model, gpu, weight format, replica layout): the candidates a recommender searches.

    Every replica of g GPUs (g in `REPLICA_SIZES` up to `max_gpus`; tp, and dep for MoE models) at the largest
    batch meeting the latency target. `formats` None: `formats_for(model, gpu)` per pair. Columns: model, gpu,
    weight_format, gpus_per_replica, layout, tp, ep, dp, nodes, output_tokens_per_s (one replica),
    output_tokens_per_s_per_gpu, tokens_per_s_per_user, ttft_s, batch, prefill_time_share, meets_target, reason,
    engine. `reason` is empty for rows that meet the target, else why not ("weights do not fit", "misses the
    target: at most 12.3 tokens/s per user", "TTFT 3.1 s at batch 1"). Vectorised over every candidate.
    """
    cal = calibration_for(engine, calibration)
    models = list(_by_name("open_models.csv").index) if models is None else [model_spec(m).name for m in models]
    gpus = [g for g in _by_name("gpus.csv").index
            if pd.notna(_by_name("gpus.csv").at[g, "bf16_dense_tflops"])] if gpus is None else [gpu_spec(g).name
                                                                                                  for g in gpus]
    i = float(as_array("input_tokens", input_tokens, low=0.0))
    o = float(as_array("output_tokens", output_tokens, low=0.0, low_open=True))
    cached = float(as_share("cached_share", cached_share))
    sizes = np.array([s for s in REPLICA_SIZES if s <= max_gpus], dtype=float)
    spec = _by_name("open_models.csv")
    frames = []
    for m in models:
        if i + o > spec.at[m, "max_context_tokens"]:
            continue
        layouts = [("tp", sizes)] + ([("dep", sizes[sizes >= 2])] if spec.at[m, "num_experts"] > 0 else [])
        shape = pd.DataFrame([(lay, s) for lay, ss in layouts for s in ss], columns=["layout", "gpus_per_replica"])
        for gname in gpus:
            fmts = formats_for(m, gname) if formats is None else list(formats)
            mine = shape[shape["gpus_per_replica"] <= _largest_replica(gname)]
            frames.append(pd.DataFrame({"model": m, "gpu": gname, "weight_format": fmts}).merge(mine, how="cross"))
    rows = pd.concat(frames, ignore_index=True)
    rows["kv_bits"] = np.nan if kv_bits is None else float(kv_bits)
    c = candidate_frame(rows)
    r = at_target(c, i, o, cached_share=cached, min_output_tokens_per_s_per_user=min_output_tokens_per_s_per_user,
                  max_ttft_s=max_ttft_s, calibration=cal)
    g = c["gpus_per_replica"].to_numpy(dtype=float)
    dep = c["layout"].to_numpy() == "dep"
    _bw, nodes = _link(c, g)
    u = float(np.max(_targets(min_output_tokens_per_s_per_user, max_ttft_s)[0]))
    share = r["batch"] * r["prefill_s"] / (r["batch"] * r["prefill_s"] + o * r["step_s"])
    reason = np.where(~r["fits"], "weights and one sequence's KV cache do not fit", np.where(
        r["meets_target"], "", np.where(r["tokens_per_s_per_user"] < u, "misses the target: at most "
                                        + np.char.mod("%.1f", r["tokens_per_s_per_user"]) + " tokens/s per user",
                                        "misses the target: TTFT " + np.char.mod("%.2f", r["ttft_s"]) + " s at batch 1")))
    out = pd.DataFrame({
        "model": c["model"], "gpu": c["gpu"], "weight_format": c["weight_format"].astype(str),
        "gpus_per_replica": g.astype(int), "layout": c["layout"], "tp": np.where(dep, 1, g).astype(int),
        "ep": np.where(dep, g, 1).astype(int), "dp": np.where(dep, g, 1).astype(int), "nodes": nodes.astype(int),
        "output_tokens_per_s": np.where(r["fits"], r["output_tokens_per_s"], 0.0),
        "output_tokens_per_s_per_gpu": np.where(r["fits"], r["output_tokens_per_s"] / g, 0.0),
        "tokens_per_s_per_user": np.where(r["fits"], r["tokens_per_s_per_user"], 0.0),
        "ttft_s": np.where(r["fits"], r["ttft_s"], np.nan), "batch": np.where(r["fits"], r["batch"], 0.0),
        "prefill_time_share": np.where(r["fits"], share, np.nan),
        "meets_target": r["meets_target"] & r["fits"], "reason": reason, "engine": cal.engine})
    return out if include_infeasible else out[out["meets_target"]].reset_index(drop=True)


def best_at_targets(model: str, gpu: str, weight_format, input_tokens, output_tokens, min_output_tokens_per_s_per_user,
                    *, cached_share=0.0, engine: str | None = None, max_gpus_per_replica=8, kv_bits=None,
                    calibration: Calibration | None = None) -> pd.DataFrame:
    """For each per-user speed target, the single replica (up to `max_gpus_per_replica` GPUs) with the most output
    tokens per second per GPU that gives every user at least that speed: what `best_deployment` picks with
    `num_gpus=None`, for many targets in one array operation (candidates x targets, no loop over targets).

    One row per target: target_tokens_per_s_per_user, meets_target, tokens_per_s_per_user, output_tokens_per_s
    (the replica), output_tokens_per_s_per_gpu, gpus_per_replica, layout, batch, ttft_s, and reason (empty where
    met; else the fastest any replica gets per user, at batch 1)."""
    _check_compute(gpu, None, weight_format)
    i, o = (float(x) for x in _check_lengths(model, input_tokens, output_tokens))
    cached = float(as_share("cached_share", cached_share))
    targets = np.atleast_1d(as_array("min_output_tokens_per_s_per_user", min_output_tokens_per_s_per_user)).ravel()
    cap = float(as_array("max_gpus_per_replica", max_gpus_per_replica, low=1.0))
    d = _deployments(model, gpu, weight_format, cap)
    d["kv_bits"] = np.nan if kv_bits is None else float(as_array("kv_bits", kv_bits, low=1.0, high=32.0))
    c = candidate_frame(d)
    nd, nt = len(c), targets.size
    big = c.loc[np.tile(np.arange(nd), nt)].reset_index(drop=True)
    r = at_target(big, i, o, cached_share=cached, min_output_tokens_per_s_per_user=np.repeat(targets, nd),
                  calibration=calibration_for(engine, calibration))
    g = big["gpus_per_replica"].to_numpy(dtype=float)
    ok = r["fits"] & r["meets_target"]
    per_gpu = np.where(ok, r["output_tokens_per_s"] / g, 0.0).reshape(nt, nd)
    pick = np.argmax(per_gpu, axis=1) + np.arange(nt) * nd
    met = ok[pick]
    fastest = np.where(r["fits"][:nd], r["tokens_per_s_per_user"][:nd], 0.0)  # batch 1 where the target is missed
    if not r["fits"][:nd].any():
        need = float(c["weights_bytes"].min()) / (1 - RESERVE_SHARE)
        reason = (f"{model_spec(model).name} at {_fmt_label(weight_format)} does not fit on {cap:g} x "
                  f"{gpu_spec(gpu).name} with room for one sequence: weights alone need {need / GB:,.1f} GB")
    else:
        j = int(np.argmax(fastest))
        reason = (f"no replica of up to {cap:g} x {gpu_spec(gpu).name} reaches it: the fastest is "
                  f"{fastest[j]:.1f} tokens/s per user ({c['layout'].iloc[j]} over {c['gpus_per_replica'].iloc[j]:g} "
                  "GPUs, batch 1)")
    nan = np.full(nt, np.nan)
    return pd.DataFrame({
        "target_tokens_per_s_per_user": targets, "meets_target": met,
        "tokens_per_s_per_user": np.where(met, r["tokens_per_s_per_user"][pick], nan),
        "output_tokens_per_s": np.where(met, r["output_tokens_per_s"][pick], nan),
        "output_tokens_per_s_per_gpu": np.where(met, per_gpu.ravel()[pick], nan),
        "gpus_per_replica": np.where(met, g[pick], nan), "layout": np.where(met, big["layout"].to_numpy()[pick], ""),
        "batch": np.where(met, r["batch"][pick], nan), "ttft_s": np.where(met, r["ttft_s"][pick], nan),
        "reason": np.where(met, "", reason)})


def interactivity_curve(model: str, gpu: str, weight_format, input_tokens, output_tokens, *, cached_share=0.0,
                        engine: str | None = None, max_gpus_per_replica=8, kv_bits=None,
                        calibration: Calibration | None = None) -> pd.DataFrame:
    """Throughput per GPU against tokens/s per user: for each batch on the grid, the replica layout (up to
    `max_gpus_per_replica` GPUs) with the most output per GPU, then only the Pareto front (faster users never
    get more per GPU). Columns: tokens_per_s_per_user, output_tokens_per_s_per_gpu, ttft_s, batch,
    gpus_per_replica, layout. The curve InferenceX plots (throughput per GPU against interactivity)."""
    _check_compute(gpu, None, weight_format)
    _check_lengths(model, input_tokens, output_tokens)
    d = _deployments(model, gpu, weight_format, max_gpus_per_replica)
    d["kv_bits"] = np.nan if kv_bits is None else float(kv_bits)
    c = candidate_frame(d)
    r = evaluate(c, float(input_tokens), float(output_tokens), _BATCH_GRID[None, :], float(cached_share),
                 calibration_for(engine, calibration))
    g = c["gpus_per_replica"].to_numpy(dtype=float)[:, None]
    valid = (r["batch"] >= 1) & (r["batch"] == np.minimum(_BATCH_GRID[None, :], r["max_batch"][:, None]))
    table = pd.DataFrame({
        "tokens_per_s_per_user": r["tokens_per_s_per_user"][valid],
        "output_tokens_per_s_per_gpu": (r["output_tokens_per_s"] / g)[valid], "ttft_s": r["ttft_s"][valid],
        "batch": r["batch"][valid], "gpus_per_replica": np.broadcast_to(g, valid.shape)[valid],
        "layout": np.broadcast_to(c["layout"].to_numpy()[:, None], valid.shape)[valid]})
    table = table.sort_values("tokens_per_s_per_user", ascending=False).reset_index(drop=True)
    front = table["output_tokens_per_s_per_gpu"] > table["output_tokens_per_s_per_gpu"].cummax().shift(fill_value=0)
    return table[front].reset_index(drop=True)


# ------------------------------------------------------------------------------------------- calibration

#: An engine build that is not a release: a development snapshot (".dev"), a nightly, or a staging image.
PRERELEASE = r"\.dev|nightly|staging"


def benchmark_split(benchmark_ids: pd.Series) -> np.ndarray:
    """Deterministic half split by a CRC of the id: True = used for fitting, False = held out."""
    return np.array([zlib.crc32(i.encode()) % 2 == 0 for i in benchmark_ids])


def usable_benchmarks() -> pd.DataFrame:
    """Benchmarks the roofline can be checked against: an engine of ENGINES, lengths and GPU count known, not
    disaggregated; joined with their deployment. `scored` marks the rows the roofline is fitted and judged on: full
    load on a released engine (`PRERELEASE` builds - dev snapshots, nightlies, staging images - are shown, not
    scored: a team runs a release), and not one of a pair that breaks its own table's law (`inconsistent_pairs`);
    `fit` marks the fitted half of them (`benchmark_split`), the rest are held out.

    Bits per weight: the kit's one figure per named format (NVFP4 4.5, MXFP4 4.25), over the file's column; a
    precision that names the maker's own checkpoint (gpt-oss MXFP4, DeepSeek FP8) is read as "native" (`_is_native`).
    KV bits: the stated kv_precision, else the format's default (`default_kv_bits`), as a default call uses.
    Deployment: dep where the row states attention DP with expert parallelism, else tp over tp GPUs per replica
    (replicas = num_gpus / tp); rows that state no layout are the kit's best deployment on num_gpus (as a team
    asking `throughput_tokens_per_s(..., num_gpus=n)` gets).
    """
    bench = load_serving_benchmarks()
    bench = bench[bench["engine"].isin(ENGINES) & bench["num_gpus"].notna() & bench["input_tokens"].notna()
                  & bench["output_tokens_per_s"].notna() & (bench["disaggregated"] == "no")].reset_index(drop=True)
    known = bench["precision"].str.lower().map(BITS_PER_WEIGHT)
    bench["bits_per_weight"] = known.fillna(bench["bits_per_weight"])
    bench = bench.dropna(subset=["bits_per_weight"]).reset_index(drop=True)
    bench["weight_format"] = np.where(known.loc[bench.index].notna(), bench["precision"].str.lower(),
                                      bench["bits_per_weight"].astype(str))
    native = [_is_native(m, p) for m, p in zip(bench["model"], bench["precision"])]
    bench.loc[native, "weight_format"] = "native"
    kv = bench["kv_precision"].str.lower().map({"fp8": 8.0, "bf16": 16.0, "fp16": 16.0, "fp16/bf16": 16.0})
    bench["kv_bits"] = kv
    bench["layout"] = np.where((bench["dp"] > 1) & (bench["ep"] > 1), "dep", "tp")
    bench["gpus_per_replica"] = np.where(bench["layout"] == "dep", bench["dp"], bench["tp"])
    bench["prerelease"] = bench["framework"].str.contains(PRERELEASE, case=False, regex=True)
    bench["inconsistent"] = inconsistent_pairs(bench)
    bench["scored"] = (bench["full_load"] == "yes") & ~bench["prerelease"] & ~bench["inconsistent"]
    bench["fit"] = benchmark_split(bench["benchmark_id"]) & bench["scored"]
    return bench


#: Columns that make two published runs the same deployment under the same settings, differing only in lengths.
SAME_RUN = ("source", "framework", "engine", "model", "gpu", "num_gpus", "tp", "ep", "dp", "weight_format", "kv_bits",
            "concurrency", "num_requests", "full_load")


def inconsistent_pairs(bench: pd.DataFrame) -> np.ndarray:
    """Rows that break a law of their own table, so one of the pair was run under settings the source does not state.

    The law: two runs of one deployment with the same input + output length reserve the same KV cache per sequence,
    so they run at the same batch; the one with the shorter input does strictly less work per output token (less
    prefill per output token, a shorter mean context to read at each step), so it cannot deliver fewer output tokens
    per second. A published pair that does cannot both be right - TensorRT-LLM's performance overview, for one,
    says it lowers the KV-cache memory fraction "if out-of-memory errors are encountered" without saying where -
    and the table cannot tell which is off, so both rows are shown and not scored. Boolean array aligned with `bench`.
    """
    key = bench.groupby(list(SAME_RUN), dropna=False, sort=False).ngroup().to_numpy()
    runs = pd.DataFrame({"key": key, "total": bench["input_tokens"] + bench["output_tokens"],
                         "input": bench["input_tokens"], "tps": bench["output_tokens_per_s"],
                         "row": np.arange(len(bench))})
    pairs = runs.merge(runs, on=["key", "total"], suffixes=("_a", "_b"))
    broken = pairs[(pairs["input_a"] < pairs["input_b"]) & (pairs["tps_a"] < pairs["tps_b"])]
    out = np.zeros(len(bench), dtype=bool)
    out[broken["row_a"].to_numpy()] = True
    out[broken["row_b"].to_numpy()] = True
    return out


def published_usd_per_gpu_hour(bench: pd.DataFrame) -> pd.Series:
    """The GPU-hour price each published cost was computed at, as its `published_cost_basis` states it ("...
    hyperscaler-owner TCO $1.95/GPU-hr ..."); NaN where the basis states none. Aligned with `bench`."""
    return bench["published_cost_basis"].str.extract(r"\$([\d.]+)/GPU-hr", expand=False).astype(float)


def benchmark_group(table: pd.DataFrame) -> np.ndarray:
    """Each row's part in the calibration: fitted, held out, not full load, pre-release build, or inconsistent with
    its own table (`inconsistent_pairs`)."""
    return np.where(table["fit"], "fitted", np.where(table["scored"], "held out", np.where(
        table["prerelease"], "pre-release build", np.where(table["inconsistent"], "inconsistent pair",
                                                           "not full load"))))


def _is_native(model: str, precision) -> bool:
    """Whether a benchmark's precision names the checkpoint its maker ships (gpt-oss's MXFP4 experts beside BF16
    attention, DeepSeek's block-scaled FP8): such a run loads that checkpoint, so it is read as "native"."""
    if not isinstance(precision, str):
        return False
    native = parse_native_format(model_spec(model)["native_format"])
    quantised = {f for f in native.values() if f not in ("bf16", "fp16")}
    return any(f == precision.lower() or f.split("_")[0] == precision.lower() for f in quantised)


def _benchmark_candidates(bench: pd.DataFrame) -> dict:
    """The candidate replicas behind each benchmark row: its stated layout, or every layout the kit may choose on
    its GPUs where it states none (the prediction then takes the best, as `throughput_tokens_per_s` does)."""
    stated = bench["gpus_per_replica"].notna().to_numpy()
    n = bench["num_gpus"].to_numpy(dtype=float)
    moe = bench["model"].map(lambda m: model_spec(m)["num_experts"] > 0).to_numpy()
    options = pd.DataFrame([(lay, float(s)) for lay in LAYOUTS for s in REPLICA_SIZES if not (lay == "dep" and s < 2)],
                           columns=["layout", "gpus_per_replica"])
    free = pd.DataFrame({"row": np.flatnonzero(~stated)}).merge(options, how="cross")
    free = free[(free["gpus_per_replica"].to_numpy() <= n[free["row"]])
                & ((free["layout"] == "tp").to_numpy() | moe[free["row"]])]
    fixed = pd.DataFrame({"row": np.flatnonzero(stated), "layout": bench["layout"].to_numpy()[stated],
                          "gpus_per_replica": bench["gpus_per_replica"].to_numpy(dtype=float)[stated]})
    ex = pd.concat([fixed, free], ignore_index=True)
    src = bench.iloc[ex["row"]].reset_index(drop=True)
    rows = pd.DataFrame({"model": src["model"], "gpu": src["gpu"], "weight_format": src["weight_format"],
                         "gpus_per_replica": ex["gpus_per_replica"], "layout": ex["layout"], "kv_bits": src["kv_bits"]})
    replicas = np.floor(n[ex["row"]] / ex["gpus_per_replica"].to_numpy())
    return {"c": candidate_frame(rows), "row": ex["row"].to_numpy(), "n": len(bench), "replicas": replicas,
            "input": src["input_tokens"].to_numpy(dtype=float), "output": src["output_tokens"].to_numpy(dtype=float),
            "concurrency": src["concurrency"].fillna(np.inf).to_numpy(dtype=float) / np.maximum(replicas, 1),
            "engine": src["engine"].to_numpy(),
            "requests": src["num_requests"].to_numpy(dtype=float) / np.maximum(replicas, 1),
            "variable": (src["lengths"] == "dataset_mean").to_numpy()}


def finite_run_tokens_per_s(c: pd.DataFrame, input_tokens, output_tokens, batch, steady_tokens_per_s, requests, *,
                            variable=False, cached_share=0.0,
                            calibration: Calibration | dict = DEFAULT_CALIBRATION) -> np.ndarray:
    """Output tokens per second a replica averages over a run of `requests` requests sent at once, as trtllm-bench
    ("Total Output Throughput") and `vllm bench serve` / `sglang.bench_serving` ("Output token throughput") report
    it: total output tokens over the run's duration. `batch` and `steady_tokens_per_s` are each row's steady state
    (`at_target`); `requests` NaN or inf: an endless stream, the steady state. Arrays of shape (n,) aligned with `c`.

    Fixed lengths (`variable` False): requests of one length started together finish together, so the run is
    floor(N / B) waves at batch B and a last, smaller wave of N mod B, which reads the same weights for fewer
    sequences.

    Dataset lengths (`variable` True, e.g. ShareGPT, where only the mean output length is published): output lengths
    are taken as exponential with that mean - an assumption, the simplest law with the published mean, and memoryless,
    so the sequences in flight when the queue empties have the same law. While requests wait, B stay in flight at the
    steady state; then the last m = min(N, B) drain: m e^(-t/o) are still decoding after t steps, and the last one
    finishes after o H_m steps on average (H_m the m-th harmonic number: the mean of the largest of m exponentials).
    The drain is the integral of the step time over those steps, at the shrinking batch, plus the m prefills.
    """
    n = np.asarray(requests, dtype=float)
    b = np.maximum(np.asarray(batch, dtype=float), 1.0)
    steady = np.asarray(steady_tokens_per_s, dtype=float)
    o = np.broadcast_to(np.asarray(output_tokens, dtype=float), n.shape)
    i = np.reshape(input_tokens, (-1, 1)) if np.ndim(input_tokens) else input_tokens
    variable = np.broadcast_to(np.asarray(variable, dtype=bool), n.shape)
    finite = np.isfinite(n) & (n > 0) & (steady > 0)
    count = np.where(finite, n, 0.0)
    rate = np.where(steady > 0, steady, 1.0)
    # fixed lengths: full waves at the steady state, then one smaller wave
    waves = np.floor(count / b)
    rest = count - waves * b
    last = evaluate(c, i, o[:, None], np.maximum(rest, 1.0)[:, None], cached_share,
                    calibration)["output_tokens_per_s"][:, 0]
    fixed_s = waves * o * b / rate + np.where(rest > 0, o * rest / np.where(last > 0, last, 1.0), 0.0)
    # dataset lengths: the queue at the steady state, then the drain of the last m, integrated over a grid of steps
    m = np.maximum(np.minimum(count, b), 1.0)
    harmonic = np.log(m) + np.euler_gamma + 1 / (2 * m)
    u = harmonic[:, None] * np.linspace(0.0, 1.0, DRAIN_POINTS)[None, :]
    drain = evaluate(c, i, o[:, None], np.maximum(m[:, None] * np.exp(-u), 1.0), cached_share, calibration)
    decode_s = o * harmonic * np.trapezoid(drain["step_s"], dx=1.0 / (DRAIN_POINTS - 1), axis=1)
    variable_s = np.maximum(count - b, 0.0) * o / rate + m * drain["prefill_s"][:, 0] + decode_s
    seconds = np.where(variable, variable_s, fixed_s)
    return np.where(finite, count * o / np.where(seconds > 0, seconds, 1.0), steady)


def _predict(prep: dict, calibration: Calibration | None) -> np.ndarray:
    if calibration is None:
        cals = [CALIBRATIONS.get(e, DEFAULT_CALIBRATION) for e in prep["engine"]]
        cal = {k: np.array([getattr(x, k) for x in cals]) for k in FIT_FIELDS}
    else:
        cal = calibration
    r = at_target(prep["c"], prep["input"], prep["output"], concurrency=prep["concurrency"], calibration=cal)
    tps = finite_run_tokens_per_s(prep["c"], prep["input"], prep["output"], r["batch"], r["output_tokens_per_s"],
                                  prep["requests"], variable=prep["variable"], calibration=cal)
    total = np.where(r["fits"] & (prep["replicas"] >= 1), prep["replicas"] * tps, 0.0)
    best = np.zeros(prep["n"])
    np.maximum.at(best, prep["row"], total)
    return best


def predict_benchmarks(bench: pd.DataFrame, calibration: Calibration | None = None) -> np.ndarray:
    """The roofline's output tokens per second for each benchmark row (`usable_benchmarks`), vectorised over
    rows and the deployments the kit may choose, averaged over the row's run where it states `num_requests`
    (`finite_run_tokens_per_s`). `calibration` None: each row's engine's calibration."""
    return _predict(_benchmark_candidates(bench.reset_index(drop=True)), calibration)


def calibrate(bench: pd.DataFrame | None = None, engine: str | None = None) -> tuple[Calibration, pd.DataFrame]:
    """Fit the calibration of `engine` on its "fit" rows, least squares on log error. None or "pooled": all seven
    `FIT_FIELDS` on every engine's rows. An engine: its own eta_bw and eta_flop (how well its kernels use the
    memory and the tensor cores), with eta_moe, the overheads and the expert load spread from the pooled fit - they
    describe the model and the hardware more than the engine, and an engine alone has too few results to pin seven
    numbers down (fitting all seven on TensorRT-LLM's 70 results drives eta_bw to its bound of 1.0 and its worst
    held-out case from 49 % to 56 %). Returns the calibration and every row of that engine with its prediction and
    relative error, marked fit / held out."""
    bench = usable_benchmarks() if bench is None else bench
    name = "pooled" if engine in (None, "pooled") else calibration_for(engine).engine
    mine = (bench if name == "pooled" else bench[bench["engine"] == name]).reset_index(drop=True)
    fit = mine[mine["fit"]].reset_index(drop=True)
    observed = np.log(fit["output_tokens_per_s"].to_numpy(dtype=float))
    prep = _benchmark_candidates(fit)
    full = name == "pooled"
    base = calibrate(bench)[0] if not full else None
    x0, scale = np.array([0.7, 0.5, 0.5, 5e-5, 2e-5, 5e-6, 0.5]), np.array([0.1, 0.1, 0.1, 2e-5, 1e-5, 2e-6, 0.2])
    low, high = (np.array([0.3, 0.1, 0.05, 0.0, 0.0, 0.0, 0.0]),
                 np.array([1.0, 1.0, 1.0, 2e-3, 1e-3, 1e-4, 3.0]))  # plausible
    free = slice(None) if full else slice(0, 2)

    def build(x):
        values = np.array([getattr(base, f) for f in FIT_FIELDS]) if base is not None else x0.copy()
        values[free] = x
        return Calibration(*values, name)

    def residuals(x):
        return np.log(np.maximum(_predict(prep, build(x)), 1e-9)) - observed

    result = least_squares(residuals, x0=x0[free], x_scale=scale[free], bounds=(low[free], high[free]))
    cal = Calibration(*(float(f"{getattr(build(result.x), f):.4g}") for f in FIT_FIELDS), name)
    out = mine.copy()
    out["predicted_tokens_per_s"] = predict_benchmarks(mine, cal)
    out["relative_error"] = out["predicted_tokens_per_s"] / out["output_tokens_per_s"] - 1
    return cal, out


def calibration_error(table: pd.DataFrame) -> pd.Series:
    """Mean absolute relative error of the roofline: fitted rows, held-out rows, and rows not measured at full load
    or on a pre-release build (shown, never fitted)."""
    return table.groupby(benchmark_group(table))["relative_error"].apply(lambda e: float(np.mean(np.abs(e))))


def engine_errors(bench: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per engine (and pooled), with the package's calibrations: rows fitted and held out, mean and worst
    absolute relative error of each half (scored rows only: full load, released engines)."""
    bench = usable_benchmarks() if bench is None else bench
    rows = []
    for name in CALIBRATIONS:
        mine = bench if name == "pooled" else bench[bench["engine"] == name]
        mine = mine[mine["scored"]]
        err = np.abs(predict_benchmarks(mine.reset_index(drop=True), CALIBRATIONS[name])
                     / mine["output_tokens_per_s"].to_numpy(dtype=float) - 1)
        fit = mine["fit"].to_numpy()
        rows.append({"engine": name, "fitted": int(fit.sum()), "held_out": int((~fit).sum()),
                     "fit_mean": float(err[fit].mean()), "fit_worst": float(err[fit].max()),
                     "held_out_mean": float(err[~fit].mean()), "held_out_worst": float(err[~fit].max())})
    return pd.DataFrame(rows).set_index("engine")
