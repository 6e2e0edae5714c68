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
# # 05 · How does the answer move over time?
#
# **Question.** Volumes grow, API prices at constant capability fall, reasoning models emit more output, GPU
# rental prices drift down. Month by month over the next three years, what do renting, owning and a hybrid
# cost — and from which month, if any, does owning win?
#
# **At the end you will know:** the monthly and cumulative cost of each path under sourced growth and decline
# rates; the crossover month; the present value at a discount rate, including "wait and see" (rent now, own
# later); and which assumptions the answer turns on.
#
# Rates: volume ×10 a year (the seed article; platform totals grew 5–10× a year: Microsoft, OpenRouter,
# Google); API price at constant capability ÷10 a year (a16z "LLMflation", 2024; Epoch AI 2025 measures 9× to
# 900×); reasoning models emit ~8× the output tokens (Epoch AI, 2025); H100 rental ~30 % cheaper a year
# (early-2024 median above \$7 to ~\$2.95 in May 2026, AIMultiple GPU index).

# %% tags=["parameters"]
tokens_per_month: float = 1e9  # input + output tokens a month today
workload: str = "chat"  # workload profile from data/workloads.csv (sets the mix when not given)
api_model: str = "GPT-4.1"  # API model the team rents: a catalog name or any provider or LiteLLM id
open_model: str = "Llama 3.1 8B"  # open model it could self-host, from data/open_models.csv (None: the kit searches them all)
gpu: str = "H100 SXM"  # GPU of the self-hosted deployment, from data/gpus.csv (None: the kit searches them all)
weight_format: str = "fp8"  # weight format of the deployment: native, fp8, int4, ... (None: the kit searches)
gpu_mode: str = "rent"  # 'rent' GPUs by the hour or 'buy' them (None: the kit weighs both)
horizon_months: int = 36  # months the projection and the verdict cover
volume_growth_per_year: float = 10.0  # volume multiplier per year (1: flat)
api_price_decline_per_year: float = 0.9  # share the API price falls per year
reasoning_output_multiplier: float = 1.0  # output tokens multiplier from reasoning models (1: none)
gpu_price_decline_per_year: float = 0.3  # share GPU prices fall per year
peak_to_average: float = 2.0  # peak hour over average hour: capacity is bought for the peak
discount_rate_per_year: float = 0.1  # discount rate for present values
hybrid_own_share: float = 0.5  # share of traffic self-hosted in the hybrid path drawn below (the article's "half")

# %%
# %matplotlib inline
import numpy as np
import pandas as pd

from tokenomics import advice, plots, present, projection
from tokenomics.checks import notebook_parameters
from tokenomics.scenario import Scenario

notebook_parameters(globals(), {"tokens_per_month": "tokens", "workload": "workload", "api_model": "api_model",
                                "open_model": "open_model", "gpu": "gpu", "weight_format": "weight_format",
                                "gpu_mode": "text", "horizon_months": "count", "volume_growth_per_year": "positive",
                                "api_price_decline_per_year": "share", "reasoning_output_multiplier": "positive",
                                "gpu_price_decline_per_year": "share", "peak_to_average": "positive",
                                "discount_rate_per_year": "share", "hybrid_own_share": "share"})
scenario = Scenario(team="05 walk-through", tokens_per_month=tokens_per_month, workload=workload, api_model=api_model,
                    open_model=open_model, gpu=gpu, weight_format=weight_format, gpu_mode=gpu_mode,
                    horizon_months=horizon_months,
                    volume_growth_per_year=volume_growth_per_year, api_price_decline_per_year=api_price_decline_per_year,
                    reasoning_output_multiplier=reasoning_output_multiplier,
                    gpu_price_decline_per_year=gpu_price_decline_per_year, peak_to_average=peak_to_average,
                    discount_rate_per_year=discount_rate_per_year)

# %%
inputs = scenario.projection_inputs() | {"hybrid_own_share": hybrid_own_share}
source = advice.source_line(scenario)

# %% [markdown]
# ## Month by month
#
# Every six months: the volume, the API price at the month's token mix, the self-hosted replicas, and what
# each path costs that month.

# %%
# NBVAL_CHECK_OUTPUT
frame = projection.project(tokens_per_month, **inputs)
shown = frame.iloc[list(range(0, horizon_months, 6)) + [horizon_months - 1]]
present.table(pd.DataFrame({
    "month": shown["month"], "tokens": shown["tokens_per_month"].map(present.tokens),
    "API price": shown["api_usd_per_mtok"].map(present.usd_per_mtok), "replicas": shown["replicas"].map(present.count),
    "rent": shown["rent_usd"].map(present.usd), "own": shown["own_usd"].map(present.usd),
    f"hybrid ({present.share(hybrid_own_share)} owned)": shown["hybrid_usd"].map(present.usd)}),
    "USD per month of each path")

# %% [markdown]
# "Cheaper from" is the first month a path costs less than renting that month; "ahead from" the first month
# its cumulative cost is below renting's. The present value discounts every month at the stated rate.

# %%
# NBVAL_CHECK_OUTPUT
pv = {k: projection.npv(frame[f"{k}_usd"], discount_rate_per_year) for k in ("rent", "own", "hybrid")}
present.table(pd.DataFrame([
    {"path": option, "cheaper than renting from": present.month(projection.crossover_month(frame, option)),
     "cumulatively ahead from": present.month(projection.crossover_month(frame, option, cumulative=True)),
     f"present value at {present.share(discount_rate_per_year)}": present.usd(pv[option])}
    for option in ("own", "hybrid")] + [{"path": "rent", "cheaper than renting from": "—",
                                         "cumulatively ahead from": "—",
                                         f"present value at {present.share(discount_rate_per_year)}": present.usd(pv["rent"])}]),
    f"The three paths over {horizon_months} months")

# %%
fig = plots.projection_chart(frame, f"Monthly cost: {workload} on {api_model} vs {open_model} on {gpu}", source)

# %%
fig = plots.projection_chart(frame, "Cumulative cost over the horizon", source, cumulative=True)

# %% [markdown]
# ## Wait and see
#
# Rent until month *k*, then own. Waiting keeps the fixed cost off the books while volume is small; waiting
# too long pays API prices on a large volume.

# %%
# NBVAL_CHECK_OUTPUT
waiting = projection.wait_and_see(tokens_per_month, discount_rate_per_year=discount_rate_per_year, **inputs)
best = waiting.loc[waiting["npv_own_from_start_usd"].idxmin()]
when = "never within the horizon" if best["start_month"] == horizon_months else present.month(best["start_month"])
shown = waiting.iloc[::6]
present.table(pd.DataFrame({
    "start owning": shown["start_month"].map(lambda m: "never" if m == horizon_months else present.month(m)),
    "present value": shown["npv_own_from_start_usd"].map(present.usd),
    "saving against renting throughout": shown["saving_vs_rent_usd"].map(present.usd)}),
    f"Best time to start owning: {when} (present value {present.usd(best['npv_own_from_start_usd'])} against "
    f"{present.usd(best['npv_rent_only_usd'])} renting throughout)")

# %% [markdown]
# The team reports go one step further: they search every start month and every self-hosted share at once
# (`advice.decide`), and recommend the cheapest path only if it saves money in most Monte Carlo scenarios.

# %%
# NBVAL_CHECK_OUTPUT
advice.headline_card(scenario, advice.decide(scenario), generated="(walk-through)")

# %% [markdown]
# ## What the answer turns on
#
# The crossover month across growth and price-decline rates, and with reasoning models multiplying output —
# every combination in one vectorised projection ("never": owning does not win within the horizon).

# %%
# NBVAL_CHECK_OUTPUT
growths = np.array([1.0, 3.0, 10.0])
declines = np.array([0.0, 0.5, 0.9])
reasoning = np.array([1.0, 8.0])
fixed = {k: v for k, v in inputs.items() if k not in ("volume_growth_per_year", "api_price_decline_per_year",
                                                      "reasoning_output_multiplier")}
arrays = projection.project_arrays(tokens_per_month, volume_growth_per_year=growths[:, None, None, None],
                                   api_price_decline_per_year=declines[None, :, None, None],
                                   reasoning_output_multiplier=reasoning[None, None, :, None], **fixed)
months = projection.crossover_months(arrays).transpose(0, 2, 1).reshape(len(growths) * len(reasoning), len(declines))
rows = pd.MultiIndex.from_product([[f"×{g:g} a year" for g in growths], [f"×{r:g}" for r in reasoning]],
                                  names=["volume", "reasoning output"])
columns = [f"API price -{present.share(d)} a year" if d else "API price flat" for d in declines]
present.table(pd.DataFrame(months, index=rows, columns=columns).map(present.month),
              "First month owning is cheaper than renting", index=True)

# %% [markdown]
# Growth brings owning forward, price decline pushes it back, and reasoning tokens (output-heavy, and
# priced at the output rate) bring it forward sharply. With flat volume the team at this starting volume
# never gets there; at the article's ×10 a year it does within months unless API prices also fall ×10 a
# year — in which case the two trends cancel and renting stays ahead.
