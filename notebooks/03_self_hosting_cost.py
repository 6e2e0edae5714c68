# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 03 · What does self-hosting cost?
#
# **Question.** If a team serves an open model on its own GPUs, how many tokens per second does a
# deployment deliver, and what does a million tokens cost — rented by the hour or bought — once hardware,
# power and people are counted?
#
# **At the end you will know:** the kit's throughput estimate and its error against published serving
# results it was not fitted on; the cost per million tokens by model and GPU; when buying beats renting;
# and when the article's "people are 40–60 % of the total" holds.
#
# Throughput is a roofline (prefill bound by compute, decode by memory bandwidth, batch bounded by the KV
# cache), calibrated on `data/serving_benchmarks.csv`. Cost defaults come from `data/owning_assumptions.csv`,
# each with its source.

# %% tags=["parameters"]
workload: str = "chat"  # workload profile from data/workloads.csv (sets the mix when not given)
weight_format: str = "fp8"  # weight format of the deployment: native, fp8, int4, ... (None: the kit searches)
utilisation: float = 0.5  # share of full-load throughput used over the month, 0..1
model: str = "Llama 3.1 8B"  # open model for the rent-vs-buy and people-share sections
gpu: str = "H100 SXM"  # GPU of the self-hosted deployment, from data/gpus.csv (None: the kit searches them all)
fte_share: float = 0.25  # engineer time a deployment needs, in full-time equivalents
engine: str = "pooled"  # serving engine whose calibration sizes throughput: pooled (one fit over every engine's published results), trtllm, vllm or sglang (None: pooled)

# %%
# %matplotlib inline
import numpy as np
import pandas as pd

import tokenomics as tk
from tokenomics import owning, plots, present
from tokenomics.checks import notebook_parameters

notebook_parameters(globals(), {"workload": "workload", "weight_format": "weight_format", "utilisation": "share",
                                "model": "open_model", "gpu": "gpu", "fte_share": "positive",
                                "engine": "text"})
chosen = tk.serving.calibration_for(engine)  # an unknown engine fails here, naming the known ones

# %%
profile = tk.load_workloads().set_index("workload").loc[workload]
input_tokens, output_tokens = profile["input_tokens_per_request"], profile["output_tokens_per_request"]
target_per_user = 0.0 if np.isnan(profile["min_output_tokens_per_s_per_user"]) else profile["min_output_tokens_per_s_per_user"]
target_ttft_s = np.inf if np.isnan(profile["max_ttft_s"]) else profile["max_ttft_s"]
assumptions = tk.load_owning_assumptions()
source = ("Source: data/serving_benchmarks.csv, data/gpus.csv (rent: RunPod on-demand, as of "
          f"{tk.load_gpus()['as_of'].max():%Y-%m-%d}), data/owning_assumptions.csv; roofline calibrated by the kit.")
present.paragraph(f"Workload {workload}: {input_tokens:,.0f} input + {output_tokens:,.0f} output tokens per request.")

# %% [markdown]
# ## How fast: the roofline against published results
#
# The roofline is fitted per serving engine (TensorRT-LLM, vLLM, SGLang) on one half of the full-load results in
# `data/serving_benchmarks.csv` and tested on the other half; "pooled", fitted on every engine, is the default.
# Latency-bound, decode-only and interpolated results, runs on pre-release builds, and a pair of results that
# breaks its own table's law (the shorter prompt delivering less at the same total length) stay in the file but
# are never fitted or scored. A published run of N requests is predicted over that run: waves of equal requests, or,
# for dataset lengths such as ShareGPT, an exponential tail of long answers decoding at a shrinking batch.

# %%
# NBVAL_CHECK_OUTPUT
errors = tk.engine_errors()
present.table(pd.DataFrame({"results fitted": errors["fitted"], "held out": errors["held_out"],
                            "mean error, fitted": errors["fit_mean"].map(present.share),
                            "mean error, held out": errors["held_out_mean"].map(present.share),
                            "worst held out": errors["held_out_worst"].map(present.share)}),
              "Roofline error per engine (absolute relative error of output tokens per second)", index=True)

# %%
calibration, bench = tk.calibrate()
fig = plots.predicted_vs_observed(bench, "Roofline (pooled) against published serving throughput", source)
held = bench[bench["scored"] & ~bench["fit"]]
worst = held.loc[held["relative_error"].abs().idxmax()]
present.paragraph(
    f"The pooled roofline is off by {present.share(errors.at['pooled', 'held_out_mean'])} on average on the held-out "
    f"results (the aim is 15 % at most, and no result off by more than 50 %). The worst, {worst['model']} on {worst['num_gpus']:.0f} x "
    f"{worst['gpu']} at {worst['input_tokens']:,.0f} in / {worst['output_tokens']:,.0f} out ({worst['framework']}), is "
    f"{'over' if worst['relative_error'] > 0 else 'under'}-predicted by {present.share(abs(worst['relative_error']))}: "
    "one set of constants per engine cannot know how well each engine serves each model on each GPU. Runs on "
    "development builds, nightlies and staging images are drawn with \"+\", pairs inconsistent with their own "
    "table with a diamond; neither is fitted or scored.")

# %% [markdown]
# ## Throughput per GPU by deployment
#
# A deployment is replicas of one engine instance: tensor parallel over g GPUs, or, for mixture-of-experts
# models, attention data parallel with expert parallelism (DeepSeek's layout), across nodes where needed. At this
# workload's latency target, the best replica for each model and GPU:

# %%
# NBVAL_CHECK_OUTPUT
gpus = ["H100 SXM", "H200", "B200", "MI300X", "L40S"]
table = tk.deployment_table(gpus=gpus, formats=[weight_format], input_tokens=input_tokens, output_tokens=output_tokens,
                            min_output_tokens_per_s_per_user=target_per_user, max_ttft_s=target_ttft_s, engine=engine)
met = table[table["meets_target"]]
throughput = met.loc[met.groupby(["model", "gpu"])["output_tokens_per_s_per_gpu"].idxmax()]
present.table(throughput.pivot(index="model", columns="gpu", values="output_tokens_per_s_per_gpu").reindex(columns=gpus)
              .map(lambda x: "—" if np.isnan(x) else f"{x:,.0f}"),
              f"Output tokens per second per GPU, {weight_format}, {workload} requests at the target", index=True)

# %% [markdown]
# "—": no replica of up to 128 GPUs (8 for PCIe cards) meets the target in this format. Big models need many GPUs
# per replica; small ones are served by many one-GPU replicas.
#
# ## MLPerf's 8-GPU Llama 70B systems and DeepSeek on 96 H100s
#
# MLPerf Inference v5.1 Offline serves Llama 2 70B; the kit compares its Llama 3.3 70B (same layers and KV cache)
# with the input taken equal to the ~290-token mean output (the input mean is not published with the results):

# %%
# NBVAL_CHECK_OUTPUT
mlperf = tk.load_serving_benchmarks().query("benchmark_id.str.startswith('mlperf-5.1') and model == 'Llama 3.3 70B'")
kit = [tk.throughput_tokens_per_s("Llama 3.3 70B", r.gpu, r.precision, r.output_tokens, r.output_tokens,
                                  num_gpus=r.num_gpus) for r in mlperf.itertuples()]
present.table(pd.DataFrame({"system": mlperf["gpu"] + " x " + mlperf["num_gpus"].map(present.count),
                            "format": mlperf["precision"], "published": mlperf["output_tokens_per_s"].map(present.count),
                            "kit": [present.count(k) for k in kit],
                            "kit vs published": [f"{k / p - 1:+.0%}" for k, p in zip(kit, mlperf["output_tokens_per_s"])]}),
              "MLPerf v5.1 Offline, output tokens per second")

# %% [markdown]
# LMSYS served DeepSeek on 96 H100s: 24 GPUs of prefill and 72 of decode with expert parallelism 72, and quotes
# $0.20 per million output tokens (about $2 per H100-hour over the decode nodes). Below: the kit's decode-only
# figure on 72 GPUs (the prompt's KV cache arrives from the prefill nodes, so no prefill compute: cached share 1),
# without and with an expert load balancer (LMSYS ran one: `serving.with_expert_load_balancer`), and the whole
# 96-GPU deployment doing both.

# %%
# NBVAL_CHECK_OUTPUT
lmsys = tk.load_serving_benchmarks().set_index("benchmark_id").loc["sglang-lmsys-dsv3-h100x96-pd-ep72-decode-2000in"]
# the GPU-hour price LMSYS's $ per million output tokens implies (it does not state one)
lmsys_usd_per_gpu_hour = lmsys["published_usd_per_mtok"] / owning.gpu_time_usd_per_mtok(
    1.0, lmsys["num_gpus"], lmsys["output_tokens_per_s"])
shape = dict(model=lmsys["model"], gpu=lmsys["gpu"], weight_format="native", input_tokens=lmsys["input_tokens"],
             output_tokens=lmsys["output_tokens"])
decode = tk.best_deployment(**shape, num_gpus=lmsys["num_gpus"], cached_share=1.0, concurrency=lmsys["concurrency"])
balanced = tk.best_deployment(**shape, num_gpus=lmsys["num_gpus"], cached_share=1.0, concurrency=lmsys["concurrency"],
                              calibration=tk.serving.with_expert_load_balancer())
both = tk.best_deployment(**shape, num_gpus=96)
runs = [decode, balanced, both]
paid = [lmsys["num_gpus"], lmsys["num_gpus"], 96]  # the GPUs paid for, whether the best deployment uses them all
present.table(pd.DataFrame({
    "deployment": [f"LMSYS, decode on {lmsys['num_gpus']:.0f} GPUs", "kit, decode only", "kit, decode only, expert "
                   "load balancer", "kit, prefill + decode on 96 GPUs"],
    "output tokens/s": [present.count(x) for x in [lmsys["output_tokens_per_s"]] + [r["output_tokens_per_s"]
                                                                                      for r in runs]],
    f"USD per M output tokens at {present.usd(lmsys_usd_per_gpu_hour)} per GPU-hour": [
        present.usd(lmsys["published_usd_per_mtok"])] + [
        present.usd(owning.gpu_time_usd_per_mtok(lmsys_usd_per_gpu_hour, n, r["output_tokens_per_s"]))
        for n, r in zip(paid, runs)],
    "GPUs used": [f"{lmsys['num_gpus']:.0f}"] + [f"{r['num_gpus']:.0f} ({r['layout']} over {r['gpus_per_replica']:.0f})"
                                                 for r in runs]}),
    f"{lmsys['model']} on {lmsys['gpu']}s, {lmsys['input_tokens']:,.0f} input and {lmsys['output_tokens']:,.0f} output "
    f"tokens (LMSYS: {lmsys['source'].split(' ')[0]}, {present.day(lmsys['as_of'])})")

# %% [markdown]
# ## Cost against interactivity
#
# Batch trades speed per user for throughput. InferenceX publishes the GPU cost per million tokens (input + output,
# at SemiAnalysis' owner TCO per GPU-hour) at a given speed per user; the kit's figure at the same targets and price:

# %%
# NBVAL_CHECK_OUTPUT
cases = [("DeepSeek R1", "B200", "fp8", "fp8"), ("gpt-oss-120b", "B200", "native", "mxfp4"),
         ("Llama 3.3 70B", "MI355X", "fp8", "fp8")]
points = tk.load_serving_benchmarks().query("benchmark_id.str.startswith('ifx-cmp') and input_tokens == 1024")
rows, tco = [], {}
for model_name, gpu_name, fmt, label in cases:
    mine = points[(points["model"] == model_name) & (points["gpu"] == gpu_name) & (points["precision"] == label)]
    price = tco[model_name] = float(tk.serving.published_usd_per_gpu_hour(mine).median())  # InferenceX's owner TCO
    curve = owning.cost_at_interactivity(model_name, gpu_name, fmt, 1024, 1024, mine["output_tokens_per_s_per_user"],
                                         usd_per_gpu_hour=price, max_gpus_per_replica=16, engine=engine)
    rows += [{"model": model_name, "GPU": gpu_name, "tokens/s per user": present.count(u),
              "InferenceX": present.usd(p), "kit": present.usd(k) if np.isfinite(k) else "not reached"}
             for u, p, k in zip(mine["output_tokens_per_s_per_user"], mine["published_usd_per_mtok"], curve["usd_per_mtok"])]
present.table(pd.DataFrame(rows), "USD per million input + output tokens of GPU time at a speed per user")

# %%
curve = tk.serving.interactivity_curve("gpt-oss-120b", "B200", "native", 1024, 1024, engine=engine)
fig = plots.line_chart(curve["tokens_per_s_per_user"].to_numpy(),
                       {"kit, gpt-oss-120b on B200": owning.gpu_time_usd_per_mtok(
                           tco["gpt-oss-120b"], 1, 2 * curve["output_tokens_per_s_per_gpu"].to_numpy())},
                       "GPU cost per million tokens against speed per user (1,024 in, 1,024 out, "
                       f"{present.usd(tco['gpt-oss-120b'])} per GPU-hour)",
                       "output tokens per second per user", "USD per million input + output tokens (log)", source,
                       logy=True)

# %% [markdown]
# Where the kit reaches a target, compare the two columns; "not reached" marks targets beyond the fastest speed
# per user the kit's fitted per-layer overhead allows (it is fitted on loaded deployments, so it understates what
# tuned low-latency deployments reach).
#
# ## Cost per million tokens, rented
#
# At the chosen utilisation, renting on-demand GPUs and counting the engineer time:

# %%
# NBVAL_CHECK_OUTPUT
costs = []
for r in throughput.itertuples():
    c = tk.selfhost_cost_per_mtok(r.model, r.gpu, weight_format, input_tokens, output_tokens, utilisation,
                                  r.gpus_per_replica, mode="rent", fte_share=fte_share, engine=engine,
                                  min_output_tokens_per_s_per_user=target_per_user, max_ttft_s=target_ttft_s)
    costs.append({"model": r.model, "gpu": r.gpu, **c})
costs = pd.DataFrame(costs)
best = costs.loc[costs.groupby("model")["total_usd_per_mtok"].idxmin()].set_index("model")
present.table(pd.DataFrame({
    "GPU": best["gpu"], "GPUs": best["num_gpus"].map(present.count), "tokens a month": best["tokens_per_month"].map(present.tokens),
    "hardware": best["hardware_usd_per_mtok"].map(present.usd), "people": best["people_usd_per_mtok"].map(present.usd),
    "total per M tokens": best["total_usd_per_mtok"].map(present.usd), "people share": best["people_share"].map(present.share)}),
    f"Cheapest rented GPU per model at {present.share(utilisation)} utilisation, USD per million tokens", index=True)

# %%
fig = plots.cost_split_bars(best.assign(label=best.index + " on " + best["gpu"]).set_index("label"),
                            f"Self-hosted cost per million tokens at {utilisation:.0%} utilisation (rented GPUs)", source)

# %% [markdown]
# The same deployment under each GPU price basis (median of the providers in `data/gpu_prices.csv`), with the
# split into a price per input and per output token by the share of GPU time spent on prefill:

# %%
# NBVAL_CHECK_OUTPUT
bases = [b for b in owning.PRICE_BASES if b in set(owning.load_gpu_prices().query("gpu == @gpu")["basis"])]
by_basis = pd.DataFrame({b: tk.selfhost_cost_per_mtok(model, gpu, weight_format, input_tokens, output_tokens, utilisation,
                                                      price_basis=b, fte_share=fte_share, engine=engine) for b in bases}).T
present.table(pd.DataFrame({"USD per GPU": [present.usd(owning.gpu_price(gpu, b).usd) for b in bases],
                            "total per M tokens": by_basis["total_usd_per_mtok"].map(present.usd),
                            "per M input": by_basis["input_usd_per_mtok"].map(present.usd),
                            "per M output": by_basis["output_usd_per_mtok"].map(present.usd)}, index=bases),
              f"{model} on {gpu} at {present.share(utilisation)} utilisation, by GPU price basis", index=True)

# %% [markdown]
# ## Rented or bought
#
# Buying replaces the hourly rate with the purchase price (plus the rest of the server) spread over the
# amortisation period, colocation per kW, and metered power. It pays when the GPUs stay busy for years.

# %%
# NBVAL_CHECK_OUTPUT
lines = pd.DataFrame({mode: tk.monthly_fixed_cost(gpu, 1, mode=mode, fte_share=fte_share) for mode in ("rent", "buy")})
lines.loc["power_usd_at_full_load"] = [0.0, tk.monthly_power_cost(gpu, 1, 1.0)]
present.table(lines.map(present.usd).rename(index=lambda i: i.removesuffix("_usd").replace("_", " ")),
              f"One {gpu}, USD per month", index=True)

# %%
u = np.linspace(0.05, 1, 40)
by_mode = {mode: tk.selfhost_cost_per_mtok(model, gpu, weight_format, input_tokens, output_tokens, u, mode=mode,
                                           fte_share=fte_share)["total_usd_per_mtok"] for mode in ("rent", "buy")}
fig = plots.line_chart(u, by_mode, f"{model} on {gpu}: rented or bought, by utilisation",
                       "utilisation of full-load throughput", "USD per million tokens (log)", source,
                       logy=True, x_format="share")

# %% [markdown]
# ## When are people 40–60 % of the cost?
#
# People cost is fixed per team while hardware grows in whole replicas with traffic. The share of people
# therefore depends on scale: for a single small deployment it dominates; at many replicas it fades.

# %%
volume = np.logspace(8, 12, 60)
shares = {f"{model} on {gpu}, {mode}": tk.monthly_cost_at_volume(model, gpu, weight_format, input_tokens, output_tokens,
                                                                 volume, mode=mode, fte_share=fte_share)["people_share"]
          for mode in ("rent", "buy")}
big = "Llama 3.3 70B"
shares[f"{big} on {gpu}, rent"] = tk.monthly_cost_at_volume(big, gpu, weight_format, input_tokens, output_tokens,
                                                            volume, fte_share=fte_share)["people_share"]
fig = plots.share_vs_volume(volume, shares, "People share of self-hosting cost as traffic grows", source, band=(0.4, 0.6))

# %%
# NBVAL_CHECK_OUTPUT
check = pd.DataFrame({label: pd.Series(s, index=volume) for label, s in shares.items()})
in_band = check.apply(lambda s: f"{present.tokens(s.index[(s >= 0.4) & (s <= 0.6)].min())}–"
                               f"{present.tokens(s.index[(s >= 0.4) & (s <= 0.6)].max())}"
                      if ((s >= 0.4) & (s <= 0.6)).any() else "never")
present.table(in_band.rename("tokens a month").rename_axis("deployment").reset_index(),
              "Volumes where people are 40-60 % of the cost")

# %% [markdown]
# With a quarter of an engineer (at the loaded salary in `data/owning_assumptions.csv`), the article's 40–60 %
# describes a single rented GPU or a few: for a small model that is everything up to tens of billions of
# tokens a month. Bought hardware is cheaper per month, so people weigh even more there. At larger scale
# hardware dominates.
