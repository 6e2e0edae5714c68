"""Serving throughput: calibration error printed and bounded, laws of the roofline, clear errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tokenomics as tk
from tokenomics.serving import DEFAULT_CALIBRATION


def test_calibration_error_on_held_out_results(capsys):
    calibration, table = tk.calibrate()
    error = tk.calibration_error(table)
    with capsys.disabled():
        print(f"\nroofline calibration {calibration}: mean absolute relative error "
              + ", ".join(f"{k} {v:.1%}" for k, v in error.items())
              + f" ({table['fit'].sum()} fitted, {(~table['fit'] & (table['full_load'] == 'yes')).sum()} held out)")
    assert error["held out"] < 0.35
    assert not table.loc[table["fit"], "full_load"].eq("no").any()  # never fitted on non-full-load runs
    # the defaults the package uses are this fit
    for field in ("eta_bw", "eta_flop", "step_overhead_s", "tp_exponent"):
        assert getattr(calibration, field) == pytest.approx(getattr(DEFAULT_CALIBRATION, field), rel=0.02), field


def test_throughput_is_whole_deployment_and_positive():
    one = tk.throughput_tokens_per_s("Llama 3.1 8B", "H100 SXM", "fp8", 1000, 200)
    assert 1_000 < one < 100_000
    two = tk.throughput_tokens_per_s("Llama 3.1 8B", "H100 SXM", "fp8", 1000, 200, num_gpus=2)
    assert one < two < 2 * one  # tensor parallelism helps, less than linearly


def test_a_single_sequence_is_bandwidth_bound():
    # batch 1 on H100: each token reads Llama 3.1 8B's FP8 weights at 3.35 TB/s x eta_bw, plus a fixed overhead.
    # FP8 weights: 6,979,321,856 linear-layer parameters at 1 byte, embeddings, lm_head and norms
    # (2 x 525,336,576 + 266,240) at 2 bytes; FP8 KV cache, 65,536 B per token at the mean context 1 + 1000 / 2.
    # Prefill computes with the 7,504,924,672 parameters a token uses (all but the input embedding lookup).
    got = tk.throughput_tokens_per_s("Llama 3.1 8B", "H100 SXM", "fp8", 1, 1000, concurrency=1)
    c = DEFAULT_CALIBRATION
    weights = 6_979_321_856 + 2 * (2 * 525_336_576 + 266_240)
    step = (weights + 501 * 65_536) / (3350e9 * c.eta_bw) + c.step_overhead_s
    prefill = 2 * 7_504_924_672 * 1 / (1979e12 * c.eta_flop)
    assert got == pytest.approx(1000 / (prefill + 1000 * step), rel=1e-9)


def test_bad_input():
    with pytest.raises(tk.DoesNotFit, match="weights alone need"):
        tk.throughput_tokens_per_s("Llama 3.3 70B", "RTX 4090", 16, 1000, 100)
    with pytest.raises(ValueError, match="output_tokens must be > 0"):
        tk.throughput_tokens_per_s("Llama 3.1 8B", "H100 SXM", 16, 1000, 0)
    with pytest.raises(ValueError, match="exceeds Qwen3 4B's max_context_tokens"):
        tk.throughput_tokens_per_s("Qwen3 4B", "H100 SXM", 16, 40_000, 2_000)
    with pytest.raises(KeyError, match="unknown open model"):
        tk.throughput_tokens_per_s("GPT-4.1", "H100 SXM", 16, 1000, 100)
    with pytest.raises(ValueError, match="A10G: data/gpus.csv has no dense BF16 throughput"):
        tk.throughput_tokens_per_s("Llama 3.1 8B", "A10G", 16, 1000, 100)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["Llama 3.1 8B", "Qwen3 30B-A3B", "Mixtral 8x7B", "DeepSeek V3"]),
       st.integers(1, 20_000), st.integers(1, 20_000), st.integers(1, 4_000))
def test_longer_sequences_serve_fewer_requests(model, a, b, out):
    gpu, n = ("H200", 8) if model == "DeepSeek V3" else ("H100 SXM", 2)
    lo, hi = sorted((a, b))
    tps = tk.throughput_tokens_per_s(model, gpu, "fp8", np.array([lo, hi]), out, n)
    assert tps[1] <= tps[0] * (1 + 1e-9)  # longer prompts: no more output per second
    per_request = tk.throughput_tokens_per_s(model, gpu, "fp8", lo, np.array([out, out + 1000]), n) / np.array([out, out + 1000])
    assert per_request[1] <= per_request[0] * (1 + 1e-9)  # longer outputs: fewer requests per second
