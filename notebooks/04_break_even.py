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
# # 04 · When does owning pay?
#
# **Question.** At what monthly volume does self-hosting become cheaper than the API — once capacity comes in
# whole GPUs sized for the peak, and people cost steps up as the fleet grows — and how sure can we be?
#
# **At the end you will know:** the article's worked break-even and its mixed-basket example recomputed
# (one holds, one does not); every volume where owning becomes cheaper, or dearer again, with real capacity
# steps; the payback of bought hardware; and the spread of the break-even under uncertain inputs, with the
# inputs the answer is most sensitive to.
#
# The article's own figures come from `data/article_claims.csv` (each with its quote); the team-like
# scenario below is a `Scenario`, the same parameter bundle the team reports use.

# %% tags=["parameters"]
workload: str = "chat"  # workload profile from data/workloads.csv (sets the mix when not given)
tokens_per_month: float = 1e9  # input + output tokens a month today
api_model: str = "GPT-4.1"  # API model the team rents: a catalog name or any provider or LiteLLM id
open_model: str = "Llama 3.1 8B"  # open model it could self-host, from data/open_models.csv (None: the kit searches them all)
gpu: str = "H100 SXM"  # GPU of the self-hosted deployment, from data/gpus.csv (None: the kit searches them all)
weight_format: str = "fp8"  # weight format of the deployment: native, fp8, int4, ... (None: the kit searches)
gpu_mode: str = "rent"  # 'rent' GPUs by the hour or 'buy' them (None: the kit weighs both)
peak_to_average: float = 2.0  # peak hour over average hour: capacity is bought for the peak
target_utilisation: float = 0.6  # share of a replica's full load used at peak before adding one
volume_growth_per_year: float = 3.0  # volume multiplier per year (1: flat)
replicas_per_people_step: float = 8.0  # replicas one people unit (fte_share of an engineer) looks after
scenarios: int = 200_000  # Monte Carlo scenarios of the break-even volume
seed: int = 42  # Monte Carlo seed

# %%
# %matplotlib inline
import numpy as np
import pandas as pd

import tokenomics as tk
from tokenomics import advice, breakeven, claims, plots, present, uncertainty
from tokenomics.checks import notebook_parameters
from tokenomics.scenario import Scenario

notebook_parameters(globals(), {"workload": "workload", "tokens_per_month": "tokens", "api_model": "api_model",
                                "open_model": "open_model", "gpu": "gpu", "weight_format": "weight_format",
                                "gpu_mode": "text", "peak_to_average": "positive", "target_utilisation": "share",
                                "volume_growth_per_year": "positive", "replicas_per_people_step": "positive",
                                "scenarios": "count", "seed": "count"})
scenario = Scenario(team="04 walk-through", workload=workload, tokens_per_month=tokens_per_month, api_model=api_model,
                    open_model=open_model, gpu=gpu, weight_format=weight_format, gpu_mode=gpu_mode,
                    peak_to_average=peak_to_average, target_utilisation=target_utilisation,
                    volume_growth_per_year=volume_growth_per_year)

# %%
A = tk.article_figure
own = breakeven.own_cost_structure(open_model, gpu, weight_format, scenario.input_tokens_per_request,
                                   scenario.output_tokens_per_request, mode=gpu_mode, peak_to_average=peak_to_average,
                                   target_utilisation=target_utilisation, replicas_per_people_step=replicas_per_people_step)
api_usd_per_mtok = scenario.api_usd_per_mtok
source = advice.source_line(scenario)

# %% [markdown]
# ## The article's worked example
#
# Break-even is where the per-token saving repays the fixed cost:
# **N\* = F / ((p_api − v_own) / 1,000,000)** tokens a month, with F the monthly fixed cost, p_api the
# API price and v_own owning's variable cost, both in USD per million tokens.

# %%
# NBVAL_CHECK_OUTPUT
fixed, api, var = A("worked_fixed_usd_per_month"), A("worked_api_usd_per_mtok"), A("worked_variable_usd_per_mtok")
worked = tk.break_even_tokens(fixed, api, var)
mix = tk.load_workloads().set_index("workload").at["article_25_75", "input_share"]
blended = tk.monthly_api_cost("GPT-4.1", 1e6, mix, as_of=claims.article_date(), basis="article")
basket_price = A("basket_usd_per_mtok")
basket = tk.break_even_tokens(fixed, basket_price, var)
present.table(pd.DataFrame([
    {"example": f"worked: F {present.usd(fixed)}, p_api {present.usd(api)}, v_own {present.usd(var)}",
     "article says": f"≈{present.tokens(A('worked_break_even_tokens'))}", "kit": present.tokens(worked),
     "verdict": claims.verdict(A("worked_break_even_tokens"), worked)},
    {"example": f"same, at GPT-4.1's blended {present.usd(blended)} (its own 25/75 mix)", "article says": "—",
     "kit": present.tokens(tk.break_even_tokens(fixed, blended, var)), "verdict": "—"},
    {"example": f"mixed basket at {present.usd(basket_price)} per M tokens", "article says":
     f"~{present.tokens(A('basket_break_even_tokens'))}", "kit": present.tokens(basket),
     "verdict": claims.verdict(A("basket_break_even_tokens"), basket)},
]), "Break-even volume, tokens a month")

# %% [markdown]
# Halving the API price *raises* the break-even: the saving per token shrinks, so more tokens are needed to
# repay the same fixed cost. The article's "break-even falls to ~60 M" has the direction wrong as well as
# the size; 60 M tokens would need a price gap of `fixed / 60 M` ≈ $50 per million tokens.
#
# ## With real capacity steps
#
# The kit's owning cost comes in whole replicas sized for the peak hour, with people stepping up every
# few replicas. Each row below is a volume where owning becomes cheaper than renting, or dearer again when
# a new replica is added.

# %%
# NBVAL_CHECK_OUTPUT
crossings = breakeven.step_crossings(api_usd_per_mtok, own, 1e13)
present.key_values({
    f"{api_model} at the {workload} mix": present.usd_per_mtok(api_usd_per_mtok),
    f"one replica of {open_model} on {gpu}": f"{present.tokens(own.capacity_tokens_per_month)} tokens a month at full "
                                             f"load; carries {present.tokens(own.volume_per_replica)} at "
                                             f"{present.share(target_utilisation)} of peak",
    "fixed cost": f"{present.usd(own.hardware_usd_per_replica_month)} hardware per replica + "
                  f"{present.usd(own.people_usd_per_month)} people per {replicas_per_people_step:g} replicas",
    **({f"crossing {i + 1}": f"{present.tokens(r.tokens_per_month)} tokens a month ({present.plural(r.replicas, 'replica')}): {r.direction}"
        for i, r in enumerate(crossings.itertuples())} or
       {"crossing": "none: " + breakeven.never_pays_reason(api_usd_per_mtok, own, 1e13)}),
})

# %%
volume = np.logspace(7, 13, 400)
fig = plots.rent_vs_own(volume, api_usd_per_mtok * volume / 1e6,
                        {f"own: {open_model} on {gpu} ({advice.MODE_WORDS[gpu_mode]})": own.monthly_usd(volume)},
                        f"Rent or own, {workload} workload: monthly cost against volume", source, crossings=crossings)

# %% [markdown]
# This compares cost only: it assumes the self-hosted model does the job as well as the API model for this
# traffic. That holds for some task classes and not others; notebook 06 routes by quality.
#
# Cheaper APIs move the break-even out; where owning never crosses, the reason is stated.

# %%
# NBVAL_CHECK_OUTPUT
rows = []
for m in ["GPT-4.1", "Claude 3.7 Sonnet", "GPT-4.1 mini", "Gemini 2.5 Flash", "GPT-4.1 nano"]:
    p = scenario.replace(api_model=m).api_usd_per_mtok
    rows.append({"API model": m, "price at this mix": present.usd_per_mtok(p),
                 "owning pays from": present.tokens(breakeven.first_break_even(p, own)),
                 "why never": breakeven.never_pays_reason(p, own, 1e13) or "—"})
present.table(pd.DataFrame(rows), "Break-even of the same deployment against each API model, tokens a month")

# %% [markdown]
# ## Payback of bought hardware
#
# Buying the same deployment: the upfront cost (GPUs plus the rest of the server) against the monthly
# saving over the API bill at each volume, after hosting, power and people.

# %%
# NBVAL_CHECK_OUTPUT
bought = scenario.replace(gpu_mode="buy").own
payback = breakeven.payback_table(bought, gpu, api_usd_per_mtok, [1e8, 1e9, 1e10, 1e11])
present.table(pd.DataFrame({
    "tokens a month": payback["tokens_per_month"].map(present.tokens), "GPUs": payback["gpus"].map(present.count),
    "upfront": payback["capex_usd"].map(present.usd), "API bill a month": payback["api_usd_per_month"].map(present.usd),
    "owning's running cost a month": payback["own_running_usd_per_month"].map(present.usd),
    "payback": payback["payback_months"].map(lambda m: f"{m:.1f} months" if np.isfinite(m) else "never"),
}), f"Payback of {open_model} on bought {gpu}s against {api_model}")

# %% [markdown]
# ## How sure: Monte Carlo over the uncertain inputs
#
# Each scenario draws the API price, the GPU-hour price, utilisation, people cost, the roofline's error and
# volume growth from the kit's default spreads (`uncertainty.default_distributions`: the API price a factor
# of 2 either way at the 10th and 90th percentiles, throughput a factor of 1.55, which covers the roofline's worst
# held-out error),
# then finds the break-even volume with capacity steps — all scenarios in one array operation.

# %%
deployment = uncertainty.Deployment(own.gpus_per_replica, own.capacity_tokens_per_month, peak_to_average,
                                    own.variable_usd_per_mtok)
hourly = own.hardware_usd_per_replica_month / own.gpus_per_replica / tk.owning.assumption("hours_per_month")
distributions = uncertainty.default_distributions(api_usd_per_mtok, hourly, own.people_usd_per_month,
                                                  volume_growth_per_year)
runs = uncertainty.monte_carlo(distributions, deployment, tokens_per_month, n=scenarios, seed=seed)

# %%
# NBVAL_CHECK_OUTPUT
summary = uncertainty.summarise(runs)
present.key_values({
    "scenarios": present.count(summary["scenarios"]),
    "break-even, 10th percentile": present.tokens(summary["p10_break_even_tokens"]),
    "break-even, median": present.tokens(summary["median_break_even_tokens"]),
    "break-even, 90th percentile": present.tokens(summary["p90_break_even_tokens"]),
    "scenarios where owning never pays": present.share(summary["share_never_pays"]),
    f"owning cheaper at {present.tokens(tokens_per_month)} tokens today": present.share(summary["p_own_cheaper_now"]),
    "… and in 12 months": present.share(summary["p_own_cheaper_in_12_months"]),
}, f"Break-even volume over {present.count(scenarios)} scenarios, tokens a month")

# %%
fig = plots.distribution(runs["break_even_tokens"].to_numpy(), f"Break-even volume over {scenarios:,} scenarios",
                         "break-even tokens per month", source,
                         marks={"median": summary["median_break_even_tokens"], "volume today": tokens_per_month})

# %% [markdown]
# What moves the answer most: the saving of the cheapest path for this scenario (the team reports' decision,
# `advice.decide`) with each uncertain input at its 10th and 90th percentile, the others at their central value.

# %%
decision = advice.decide(scenario)
fig = plots.saving_tornado(advice.sensitivity(scenario, decision), "What moves the saving most", source,
                           scenario.horizon_months)

# %% [markdown]
# The API price dominates: the same self-hosted deployment breaks even at very different volumes against a
# frontier model and against a small one. Utilisation and throughput matter only once the first replica is
# full — below that, the fixed cost of one replica and its people is what must be repaid.
