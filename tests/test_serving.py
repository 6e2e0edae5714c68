"""Serving throughput: calibration error per engine printed and bounded, a hand-worked step, deployments, the
latency target, prefix caching, precision, the candidate table, laws, clear errors."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tokenomics as tk
from tokenomics import serving
from tokenomics.serving import CALIBRATIONS, DEFAULT_CALIBRATION

#: Issue 13's targets: held-out mean absolute error <= 15 % with the default call, no held-out case off by > 50 %.
TARGET_MEAN, TARGET_WORST = 0.15, 0.50


@pytest.fixture(scope="module")
def errors():
    return tk.engine_errors()


def test_calibration_error_per_engine_is_printed_and_bounded(errors, capsys):
    with capsys.disabled():
        print("\nroofline error per engine (full-load rows; mean / worst absolute relative error)\n"
              + errors.to_string(float_format=lambda v: f"{v:.1%}"))
    # what the kit achieves today, so a change that makes it worse fails
    assert errors.loc["pooled", "held_out_mean"] < 0.14 and errors.loc["trtllm", "held_out_mean"] < 0.145
    assert errors.loc["pooled", "held_out_worst"] < 0.45 and errors.loc["trtllm", "held_out_worst"] < 0.50
    assert errors.loc["vllm", "held_out_mean"] < 0.16 and errors.loc["sglang", "held_out_mean"] < 0.10
    assert (errors["held_out"] >= 3).all()  # every engine is checked on results it was not fitted on


def test_issue_13_targets(errors):
    # the default call (pooled) on every held-out result, and each engine's own calibration on its own
    assert (errors["held_out_mean"] <= TARGET_MEAN).all() and (errors["held_out_worst"] <= TARGET_WORST).all()


def test_expert_parallel_imbalance_against_tensorrt_llms_measurement(capsys):
    # "Scaling Expert Parallelism in TensorRT-LLM" (Part 1), Table 1, DeepSeek R1 on EP32 without a load balancer:
    # 128 routed tokens per expert on average with a standard deviation of 164.1; by rank, an imbalance ratio of
    # 1.564 ((max - mean) / mean)
    got = float(serving.expert_parallel_imbalance(164.1 / 128, 32, 256))
    # by hand: 164.1 / 128 = 1.2820; 2 x 32 x ln 32 / 256 = 0.8664, whose root is 0.9308; 1.2820 x 0.9308 = 1.1933
    assert got == pytest.approx(1.1933, abs=5e-4)
    error = got / 1.564 - 1
    with capsys.disabled():
        print(f"\nexpert-parallel imbalance, DeepSeek R1 EP32: kit {got:.3f}, TensorRT-LLM measured 1.564 "
              f"({error:+.0%})")
    assert -0.30 < error < 0  # the normal approximation understates a skewed distribution's maximum
    assert serving.expert_parallel_imbalance(1.0, 1, 256) == 0  # one rank holds every expert: nothing to wait for
    assert serving.expert_parallel_imbalance(0.0, 32, 256) == 0


def test_an_expert_load_balancer_leaves_a_fourteenth_of_the_imbalance():
    cal = serving.with_expert_load_balancer()
    assert cal.expert_load_cv == pytest.approx(DEFAULT_CALIBRATION.expert_load_cv * 0.109 / 1.564, rel=1e-12)
    assert cal.eta_bw == DEFAULT_CALIBRATION.eta_bw and cal.engine == DEFAULT_CALIBRATION.engine
    plain = tk.throughput_tokens_per_s("DeepSeek V3", "H100 SXM", "native", 2000, 100, num_gpus=72)
    balanced = tk.throughput_tokens_per_s("DeepSeek V3", "H100 SXM", "native", 2000, 100, num_gpus=72, calibration=cal)
    assert balanced > plain
    with pytest.raises(ValueError, match="trtllm"):
        serving.with_expert_load_balancer(engine="tensorrt")


def test_an_expert_parallel_step_waits_for_its_busiest_rank():
    d = pd.DataFrame({"model": "DeepSeek R1", "gpu": "B200", "weight_format": "nvfp4", "gpus_per_replica": [8.0, 8.0],
                      "layout": ["dep", "tp"]})
    c = serving.candidate_frame(d)
    flat = serving.Calibration(**{**vars(DEFAULT_CALIBRATION), "expert_load_cv": 0.0})
    skewed = serving.Calibration(**{**vars(DEFAULT_CALIBRATION), "expert_load_cv": 1.0})
    steps = [serving.evaluate(c, 1000, 1000, [[512.0], [512.0]], 0.0, cal)["step_s"][:, 0] for cal in (flat, skewed)]
    assert steps[1][0] > steps[0][0]  # attention DP + expert parallel: the busiest rank sets the pace
    assert steps[1][1] == steps[0][1]  # tensor parallel: every GPU holds a slice of every expert


@pytest.mark.parametrize("engine", ["pooled", "trtllm", "vllm", "sglang"])
def test_the_package_calibrations_are_the_fit(engine):
    fitted, table = tk.calibrate(engine=engine)
    for field in serving.FIT_FIELDS:
        assert getattr(fitted, field) == pytest.approx(getattr(CALIBRATIONS[engine], field), rel=0.02), field
    assert not table.loc[table["fit"], "full_load"].eq("no").any()  # never fitted on latency or decode-only runs
    assert not table.loc[table["fit"], "prerelease"].any()  # nor on dev snapshots, nightlies or staging images


def test_prerelease_builds_are_shown_but_not_scored():
    bench = serving.usable_benchmarks().set_index("benchmark_id")
    pre = ["dstack-dsr1-mi300xx8-vllm-3200-800-c128",  # vLLM 0.7.3.dev138 ROCm, a staging image
           "dstack-dsr1-h200x8-vllm-3200-800-c128",  # vLLM 0.7.4.dev181 nightly
           "dstack-dsr1-mi300xx8-sglang-3200-800-c128"]  # SGLang 0.4.2.post4 on rocm/sglang-staging
    released = ["dstack-dsr1-h200x8-sglang-3200-800-c128",  # SGLang 0.4.3.post2: a post-release is a release
                "gpustack-vllm-0.11-async-gptoss20b-h100-tp1-sharegpt"]
    assert bench.loc[pre, "prerelease"].all() and not bench.loc[pre, ["scored", "fit"]].any().any()
    assert list(serving.benchmark_group(bench.loc[pre])) == ["pre-release build"] * 3
    assert not bench.loc[released, "prerelease"].any() and bench.loc[released, "scored"].all()


def test_a_pair_that_breaks_its_own_tables_law_is_shown_but_not_scored():
    bench = serving.usable_benchmarks().set_index("benchmark_id")
    pair = ["trtllm-devguide-llama4mav-h200-dep8-1024-8192", "trtllm-devguide-llama4mav-h200-dep8-8192-1024"]
    # 9,256 output tokens/s with a 1,024-token prompt, 10,208 with an 8,192-token one: same deployment, same length
    assert bench.loc[pair, "output_tokens_per_s"].tolist() == [9256, 10208]
    assert bench.loc[pair, "inconsistent"].all() and not bench.loc[pair, ["scored", "fit"]].any().any()
    assert list(serving.benchmark_group(bench.loc[pair])) == ["inconsistent pair"] * 2
    assert bench["inconsistent"].sum() == 2  # the only such pair in the file
    # the same lengths on B200 obey the law (5,174 x 4 > 3,279 x 4), so they stay scored
    fine = ["trtllm-devguide-llama4mav-b200-dep4-1024-8192", "trtllm-devguide-llama4mav-b200-dep4-8192-1024"]
    assert not bench.loc[fine, "inconsistent"].any() and bench.loc[fine, "scored"].all()


def test_the_gpu_hour_price_a_published_cost_was_computed_at():
    bench = serving.load_serving_benchmarks().set_index("benchmark_id")
    got = serving.published_usd_per_gpu_hour(bench)
    assert got["ifx-cmp-gptoss120b-b200-mxfp4-1k1k-i72"] == 1.95 and got["ifx-cmp-llama70b-mi355x-fp8-1k1k-i55"] == 1.48
    assert np.isnan(got["sglang-lmsys-dsv3-h100x96-pd-ep72-decode-2000in"])  # LMSYS states no price
    # and the stated price reproduces the published cost: $1.95 / (3,600 x total tokens/s per GPU / 1e6)
    # (DeepSeek R1 on B200 at 100 tokens/s per user: 248.8 output tokens/s per GPU, x 2 with the input: $1.0886)
    row = bench.loc["ifx-cmp-dsr1-b200-fp8-1k1k-i100"]
    cost = tk.owning.gpu_time_usd_per_mtok(got["ifx-cmp-dsr1-b200-fp8-1k1k-i100"], 1,
                                           row["output_tokens_per_s_per_gpu"] * 2)
    assert cost == pytest.approx(row["published_usd_per_mtok"], abs=0.005)  # the page shows $1.09


def test_the_law_compares_only_runs_of_one_deployment_with_one_total_length():
    row = dict(zip(serving.SAME_RUN, ["src", "fw", "trtllm", "m", "H200", 8, 1, 8, 8, "fp8", 8.0, np.nan, 1500, "yes"]))
    frame = pd.DataFrame([{**row, "input_tokens": 1024, "output_tokens": 8192, "output_tokens_per_s": 100.0},
                          {**row, "input_tokens": 8192, "output_tokens": 1024, "output_tokens_per_s": 200.0},
                          {**row, "input_tokens": 1024, "output_tokens": 1024, "output_tokens_per_s": 50.0},
                          {**row, "gpu": "B200", "input_tokens": 8192, "output_tokens": 1024,
                           "output_tokens_per_s": 300.0}])
    # rows 0 and 1 break it; row 2 has another total length; row 3 is another GPU
    assert serving.inconsistent_pairs(frame).tolist() == [True, True, False, False]
    frame.loc[0, "output_tokens_per_s"] = 250.0  # the shorter prompt now delivers more: the law holds
    assert not serving.inconsistent_pairs(frame).any()


def test_a_run_of_dataset_lengths_drains_its_exponential_tail():
    from scipy.integrate import quad
    c, r = _steady_llama_8b(215, 200)
    b, steady = r["batch"][0], r["output_tokens_per_s"][0]

    def run(n):
        return serving.finite_run_tokens_per_s(c, 215, 200, r["batch"], r["output_tokens_per_s"], [n],
                                               variable=True)[0]

    def step(batch):
        return serving.evaluate(c, 215, 200, [[max(batch, 1.0)]])["step_s"][0, 0]

    # 100 requests, all in flight at once: 100 prefills, then 100 e^(-t/200) decoding until the last one ends
    m = 100.0
    harmonic = sum(1 / k for k in range(1, 101))  # 5.187: the longest of 100 runs 5.19 x the mean
    prefill = serving.evaluate(c, 215, 200, [[1.0]])["prefill_s"][0, 0]
    decode = 200 * quad(lambda u: step(m * np.exp(-u)), 0, harmonic, limit=200)[0]
    assert run(m) == pytest.approx(m * 200 / (m * prefill + decode), rel=0.01)
    # more requests than the batch: the queue runs at the steady state, then the batch drains
    drain = serving.finite_run_tokens_per_s(c, 215, 200, r["batch"], r["output_tokens_per_s"], [b], variable=True)[0]
    seconds = 4 * b * 200 / steady + b * 200 / drain
    assert run(5 * b) == pytest.approx(5 * b * 200 / seconds, rel=1e-9)
    assert run(m) < 0.5 * steady  # the tail, at a batch of a few, dominates a short run
    assert run(50 * b) > 0.95 * steady  # and fades in a long one


@settings(max_examples=30, deadline=None)
@given(st.floats(1.0, 50_000.0))
def test_a_run_of_dataset_lengths_never_beats_the_steady_state(n):
    c, r = _steady_llama_8b(215, 200)
    got = serving.finite_run_tokens_per_s(c, 215, 200, r["batch"], r["output_tokens_per_s"], [n], variable=True)[0]
    assert 0 < got <= r["output_tokens_per_s"][0] * (1 + 1e-12)


def test_a_run_of_the_makers_own_checkpoint_is_read_as_native():
    # gpt-oss ships MXFP4 experts beside BF16 attention; DeepSeek R1 ships block-scaled FP8; NVIDIA's NVFP4 and FP8
    # checkpoints of Llama quantise attention too, so they stay the named format
    assert serving._is_native("gpt-oss-120b", "mxfp4") and serving._is_native("DeepSeek R1", "FP8")
    assert not serving._is_native("DeepSeek R1", "nvfp4") and not serving._is_native("Llama 3.3 70B", "fp8")
    assert not serving._is_native("gpt-oss-20b", None)
    bench = serving.usable_benchmarks()
    assert bench.loc[bench["model"].str.startswith("gpt-oss"), "weight_format"].eq("native").all()


def test_windowed_layers_reserve_the_whole_sequence():
    # gpt-oss alternates 128-token sliding-window layers with full ones; the engines size the cache as if every
    # layer held the whole sequence, so the batch that fits is that of an all-full-attention model of the same
    # KV width: usable bytes less weights over 36 layers x 2 x 8 heads x 64 x 2 bytes per token (BF16 KV).
    d = pd.DataFrame({"model": "gpt-oss-120b", "gpu": "H200", "weight_format": "native", "gpus_per_replica": 1.0,
                      "layout": "tp"}, index=[0])
    c = serving.candidate_frame(d)
    r = serving.evaluate(c, 1024, 8192, [[1.0]])
    per_token = 36 * 2 * 8 * 64 * 2
    expected = np.floor((c["usable_bytes"].iloc[0] - c["weights_bytes"].iloc[0]) / (per_token * (1024 + 8192)))
    assert r["max_batch"][0] == expected


def test_each_sequence_in_flight_adds_its_overhead_to_a_step():
    d = pd.DataFrame({"model": "Llama 3.1 8B", "gpu": "H100 SXM", "weight_format": "fp8", "gpus_per_replica": 1.0,
                      "layout": "tp"}, index=[0])
    c = serving.candidate_frame(d)
    base = dict(vars(DEFAULT_CALIBRATION), sequence_overhead_s=0.0)
    more = dict(base, sequence_overhead_s=1e-5)
    a = serving.evaluate(c, 100, 100, [[64.0]], calibration=base)["step_s"][0, 0]
    b = serving.evaluate(c, 100, 100, [[64.0]], calibration=more)["step_s"][0, 0]
    assert b - a == pytest.approx(64 * 1e-5, rel=1e-9)
    # attention DP: each of the 8 ranks schedules its own 64 of the 512 sequences, in parallel
    d = pd.DataFrame({"model": "Qwen3 30B-A3B", "gpu": "H100 SXM", "weight_format": "fp8", "gpus_per_replica": 8.0,
                      "layout": "dep"}, index=[0])
    c = serving.candidate_frame(d)
    a = serving.evaluate(c, 100, 100, [[512.0]], calibration=base)["step_s"][0, 0]
    b = serving.evaluate(c, 100, 100, [[512.0]], calibration=more)["step_s"][0, 0]
    assert b - a == pytest.approx(64 * 1e-5, rel=1e-9)


def test_a_single_sequence_is_bandwidth_bound():
    # batch 1 on one H100: each token reads Llama 3.1 8B's FP8 weights at 3.35 TB/s x eta_bw, plus 32 layers of
    # overhead and one sequence's overhead. FP8 weights: 6,979,321,856 linear-layer parameters at 1 byte,
    # embeddings, lm_head and norms (2 x 525,336,576 + 266,240) at 2 bytes; FP8 KV cache, 32 layers x 2 x 8 heads x 128 = 65,536 B per token
    # at the mean context 1 + 1000 / 2. Compute is far below (7.5 GFLOP per token on 1,979 TFLOP/s).
    # Prefill of one token: 2 x (6,979,321,856 / 1,979e12 + 525,602,816 / 989.5e12) at eta_flop, plus attention
    # over itself (2 x 32 heads x 256 x 32 layers x 1 / 2 pairs at BF16).
    got = tk.throughput_tokens_per_s("Llama 3.1 8B", "H100 SXM", "fp8", 1, 1000, concurrency=1)
    c = DEFAULT_CALIBRATION
    weights = 6_979_321_856 + 2 * (2 * 525_336_576 + 266_240)
    step = (weights + 501 * 65_536) / (3350e9 * c.eta_bw) + 32 * c.layer_overhead_s + c.sequence_overhead_s
    prefill = (2 * (6_979_321_856 / 1979e12 + 525_602_816 / 989.5e12) + 16_384 * 32 * 0.5 / 989.5e12) / c.eta_flop
    assert got == pytest.approx(1000 / (prefill + 1000 * step), rel=1e-6)


def test_n_gpus_are_replicas_where_one_gpu_holds_the_model():
    one = tk.throughput_tokens_per_s("Llama 3.1 8B", "H100 SXM", "fp8", 1000, 200)
    assert tk.throughput_tokens_per_s("Llama 3.1 8B", "H100 SXM", "fp8", 1000, 200, num_gpus=2) == pytest.approx(2 * one)
    best = tk.best_deployment("Llama 3.1 8B", "H100 SXM", "fp8", 1000, 200, num_gpus=8)
    assert (best["replicas"], best["gpus_per_replica"], best["layout"]) == (8, 1, "tp")


def test_deepseek_on_many_gpus_uses_expert_parallelism_across_nodes():
    best = tk.best_deployment("DeepSeek V3", "H100 SXM", "native", 2000, 100, num_gpus=96)
    assert best["layout"] == "dep" and best["gpus_per_replica"] > 8 and best["nodes"] > 1
    assert best["num_gpus"] <= 96 and best["ep"] == best["dp"] == best["gpus_per_replica"]
    # MLA keeps one latent per token: tensor parallelism copies it on every GPU, attention DP does not
    d = pd.DataFrame({"model": "DeepSeek V3", "gpu": "H200", "weight_format": "native", "gpus_per_replica": 8.0,
                      "layout": ["tp", "dep"]})
    r = serving.evaluate(serving.candidate_frame(d), 1000, 1000, [[1.0]])
    assert r["max_batch"][1] > 4 * r["max_batch"][0]


def test_crossing_nodes_uses_the_network():
    d = pd.DataFrame({"model": "Llama 3.1 405B", "gpu": "H100 SXM", "weight_format": "fp8", "gpus_per_replica":
                      [8.0, 16.0], "layout": "tp"})
    link, nodes = serving._link(serving.candidate_frame(d), d["gpus_per_replica"].to_numpy())
    assert list(link) == [450e9, 50e9] and list(nodes) == [1, 2]  # NVLink 900 GB/s both ways; a 400 Gb/s NIC


def test_the_latency_target_trades_throughput_for_speed_per_user():
    loose = tk.best_deployment("Llama 3.3 70B", "H100 SXM", "fp8", 1024, 1024, num_gpus=8)
    fast = tk.best_deployment("Llama 3.3 70B", "H100 SXM", "fp8", 1024, 1024, num_gpus=8,
                              min_output_tokens_per_s_per_user=25, max_ttft_s=0.5)
    assert fast["tokens_per_s_per_user"] >= 25 and fast["ttft_s"] <= 0.5
    assert fast["output_tokens_per_s"] < loose["output_tokens_per_s"]
    with pytest.raises(tk.TargetNotMet, match="cannot meet the target .* the fastest is") as err:
        tk.throughput_tokens_per_s("Llama 3.3 70B", "H100 SXM", "fp8", 1024, 1024, num_gpus=8,
                                   min_output_tokens_per_s_per_user=5_000)
    assert err.value.best["tokens_per_s_per_user"] < 5_000


def test_many_targets_in_one_search_pick_what_best_deployment_picks_for_each():
    targets = [10.0, 40.0, 120.0, 5_000.0]
    got = serving.best_at_targets("gpt-oss-120b", "H100 SXM", "native", 1024, 1024, targets, max_gpus_per_replica=8)
    assert list(got["meets_target"]) == [True, True, True, False]
    for target, row in zip(targets[:3], got.itertuples()):
        one = tk.best_deployment("gpt-oss-120b", "H100 SXM", "native", 1024, 1024, max_gpus_per_replica=8,
                                 min_output_tokens_per_s_per_user=target)
        assert (row.gpus_per_replica, row.layout) == (one["gpus_per_replica"], one["layout"])
        assert row.output_tokens_per_s == pytest.approx(one["output_tokens_per_s"], rel=1e-12)
        assert row.tokens_per_s_per_user >= target
    assert np.isnan(got["output_tokens_per_s"].iloc[3]) and "the fastest is" in got["reason"].iloc[3]
    with pytest.raises(tk.TargetNotMet):  # the same target, one at a time
        tk.best_deployment("gpt-oss-120b", "H100 SXM", "native", 1024, 1024, max_gpus_per_replica=8,
                           min_output_tokens_per_s_per_user=5_000.0)
    with pytest.raises(ValueError, match="min_output_tokens_per_s_per_user"):
        serving.best_at_targets("gpt-oss-120b", "H100 SXM", "native", 1024, 1024, [-1.0])


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(["Llama 3.1 8B", "Qwen3 30B-A3B", "Llama 3.3 70B", "DeepSeek V3"]), st.integers(4, 40))
def test_adding_gpus_never_lowers_the_best_deployment(model, n):
    both = tk.throughput_tokens_per_s(model, "H200", "fp8", 1000, 300, num_gpus=np.array([n, n + 1]) * 2)
    assert both[1] >= both[0] * (1 - 1e-9)


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(["Llama 3.1 8B", "Mixtral 8x7B", "gpt-oss-120b"]), st.integers(1, 4000), st.integers(1, 4000))
def test_per_user_speed_falls_and_throughput_rises_with_batch(model, a, b):
    lo, hi = sorted((a, b))
    d = pd.DataFrame({"model": model, "gpu": "H100 SXM", "weight_format": "native", "gpus_per_replica": [2.0],
                      "layout": "tp"})
    r = serving.evaluate(serving.candidate_frame(d), 2000, 500, np.array([[lo, hi]], dtype=float))
    assert r["tokens_per_s_per_user"][0, 1] <= r["tokens_per_s_per_user"][0, 0] * (1 + 1e-9)
    assert r["output_tokens_per_s"][0, 1] >= r["output_tokens_per_s"][0, 0] * (1 - 1e-9)


@settings(max_examples=20, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.sampled_from(["rent", "buy"]))
def test_cached_prefixes_never_cost_more(a, b, mode):
    lo, hi = sorted((a, b))
    cost = [tk.selfhost_cost_per_mtok("Qwen3 4B", "L40S", "fp8", 8000, 200, 0.5, 1, mode=mode, cached_share=c)
            ["total_usd_per_mtok"] for c in (lo, hi)]
    assert cost[1] <= cost[0] * (1 + 1e-9)


def test_token_prices_add_up_to_the_bill():
    c = tk.selfhost_cost_per_mtok("Llama 3.3 70B", "H200", "fp8", 1155, 211, 0.6, 2)
    share = tk.prefill_time_share("Llama 3.3 70B", "H200", "fp8", 1155, 211, num_gpus=2)
    assert 0 < share < 1
    # 1,155 input tokens at the input price + 211 at the output price = 1,366 tokens at the blended price
    assert 1155 * c["input_usd_per_mtok"] + 211 * c["output_usd_per_mtok"] == pytest.approx(1366 * c["total_usd_per_mtok"])
    assert c["input_usd_per_mtok"] * 1155 == pytest.approx(share * 1366 * c["total_usd_per_mtok"])


def test_precision_fp4_where_the_hardware_has_it():
    assert tk.load_serving_benchmarks().query("precision == 'nvfp4'")["bits_per_weight"].eq(4.5).all()
    b200 = tk.throughput_tokens_per_s("Llama 3.3 70B", "B200", "nvfp4", 1000, 1000)
    fp8 = tk.throughput_tokens_per_s("Llama 3.3 70B", "B200", "fp8", 1000, 1000)
    assert b200 > fp8  # FP4 tensor cores and half the bytes
    with pytest.raises(ValueError, match="H100 SXM has no FP4 tensor cores .*compute_format 'fp4'"):
        tk.throughput_tokens_per_s("Llama 3.3 70B", "H100 SXM", "nvfp4", 1000, 1000, compute_format="fp4")
    # the KV cache follows the weight format unless told: FP8 weights, FP8 cache
    assert tk.throughput_tokens_per_s("Llama 3.1 8B", "H100 SXM", "fp8", 1000, 200) == pytest.approx(
        tk.throughput_tokens_per_s("Llama 3.1 8B", "H100 SXM", "fp8", 1000, 200, kv_bits=8))


def test_the_candidate_table_is_one_vectorised_frame():
    table = tk.deployment_table(["Llama 3.1 8B", "DeepSeek V3"], ["H100 SXM", "RTX 4090"], input_tokens=1155,
                                output_tokens=211, min_output_tokens_per_s_per_user=25, max_ttft_s=0.45)
    assert {"model", "gpu", "weight_format", "gpus_per_replica", "tp", "ep", "dp", "nodes", "output_tokens_per_s",
            "tokens_per_s_per_user", "ttft_s", "batch", "meets_target", "reason", "engine"} <= set(table.columns)
    ok = table[table["meets_target"]]
    assert (ok["tokens_per_s_per_user"] >= 25).all() and (ok["ttft_s"] <= 0.45).all() and (ok["reason"] == "").all()
    assert table.loc[(table["model"] == "DeepSeek V3") & (table["gpu"] == "RTX 4090"), "reason"].str.contains(
        "do not fit").all()
    assert table.loc[table["gpu"] == "RTX 4090", "gpus_per_replica"].max() == 8  # one PCIe server at most
    assert not table.query("gpu == 'H100 SXM'")["weight_format"].isin(["nvfp4", "mxfp4"]).any()


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
    with pytest.raises(ValueError, match=r"engine must be one of \['pooled', 'trtllm', 'vllm', 'sglang'\], got 'tgi'"):
        tk.throughput_tokens_per_s("Llama 3.1 8B", "H100 SXM", 16, 1000, 100, engine="tgi")
    with pytest.raises(ValueError, match="cached_share must be <= 1, got 1.5"):
        tk.throughput_tokens_per_s("Llama 3.1 8B", "H100 SXM", 16, 1000, 100, cached_share=1.5)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["Llama 3.1 8B", "Qwen3 30B-A3B", "Mixtral 8x7B"]),
       st.integers(1, 20_000), st.integers(1, 20_000), st.integers(1, 4_000))
def test_longer_sequences_serve_fewer_requests(model, a, b, out):
    lo, hi = sorted((a, b))
    tps = tk.throughput_tokens_per_s(model, "H100 SXM", "fp8", np.array([lo, hi]), out, 2)
    assert tps[1] <= tps[0] * (1 + 1e-9)  # longer prompts: no more output per second


def _steady_llama_8b(input_tokens=1000, output_tokens=1000):
    d = pd.DataFrame({"model": "Llama 3.1 8B", "gpu": "H100 SXM", "weight_format": "fp8", "gpus_per_replica": 1.0,
                      "layout": "tp"}, index=[0])
    c = serving.candidate_frame(d)
    return c, serving.at_target(c, input_tokens, output_tokens)


def test_a_finite_run_drains_in_waves():
    c, r = _steady_llama_8b()
    b, steady = r["batch"][0], r["output_tokens_per_s"][0]

    def run(n):
        return serving.finite_run_tokens_per_s(c, 1000, 1000, r["batch"], r["output_tokens_per_s"], [n])[0]

    assert run(np.nan) == steady and run(np.inf) == steady  # an endless stream is the steady state
    assert run(3 * b) == pytest.approx(steady, rel=1e-12)  # whole waves only
    # 2.5 batches: two full waves, then half a batch, each wave 1,000 steps long
    half = serving.evaluate(c, 1000, 1000, [[b / 2]])["output_tokens_per_s"][0, 0]
    seconds = 2 * 1000 * b / steady + 1000 * (b / 2) / half
    assert run(2.5 * b) == pytest.approx(2.5 * b * 1000 / seconds, rel=1e-12)
    assert run(b + 1) < 0.9 * steady  # one sequence left over costs a wave of 1,000 short steps


@settings(max_examples=40, deadline=None)
@given(st.floats(1.0, 50_000.0))
def test_a_finite_run_never_beats_the_steady_state(n):
    c, r = _steady_llama_8b()
    got = serving.finite_run_tokens_per_s(c, 1000, 1000, r["batch"], r["output_tokens_per_s"], [n])[0]
    assert 0 < got <= r["output_tokens_per_s"][0] * (1 + 1e-12)
