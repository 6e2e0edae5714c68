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
# # 06 · Which share of the traffic goes where?
#
# **Question.** Not every task needs a frontier model. Given each task class's quality floor, what is the
# cheapest way to split a team's traffic between a frontier API, a small API and a self-hosted open model —
# and when does distilling a teacher into a small student pay back?
#
# **At the end you will know:** the cheapest mix for a sample workload and which constraints bind; how the
# saving moves with the quality floor; the article's "\$5/M mixed basket" recomputed; and distillation payback
# against volume.
#
# Quality is measured per task class by published benchmarks (`data/quality_scores.csv`: MMLU, MATH-500,
# IFEval, GPQA Diamond, one benchmark per class); a model with no published score in a class is not used
# for it. The optimiser is a linear programme (`scipy.optimize.linprog`) with a deploy-or-not choice for the
# self-hosted tier.

# %% tags=["parameters"]
tokens_per_month: float = 3e10  # input + output tokens a month today
workload: str = "chat"  # workload profile from data/workloads.csv (sets the mix when not given)
frontier_model: str = "GPT-4.1"  # frontier API tier
small_model: str = "GPT-4.1 mini"  # small API tier
open_model: str = "Qwen3 30B-A3B"  # open model it could self-host, from data/open_models.csv
gpu: str = "H100 SXM"  # GPU of the self-hosted deployment, from data/gpus.csv
quality_floor: float = 80.0  # minimum benchmark score (0-100) every class must reach
reasoning_floor: float = 55.0  # floor for the reasoning class (GPQA Diamond scores are lower)

# %%
# %matplotlib inline
import numpy as np
import pandas as pd

import tokenomics as tk
from tokenomics import breakeven, plots, portfolio, present
from IPython.display import display

from tokenomics.checks import notebook_parameters

notebook_parameters(globals(), {"tokens_per_month": "tokens", "workload": "workload", "frontier_model": "api_model",
                                "small_model": "api_model", "open_model": "open_model", "gpu": "gpu",
                                "quality_floor": "positive", "reasoning_floor": "positive"})

# %%
profile = tk.load_workloads().set_index("workload").loc[workload]
shares = portfolio.DEFAULT_CLASS_SHARES
floors = {c: quality_floor for c in shares} | {"reasoning": reasoning_floor}
def price(model: str) -> float:
    """USD per million tokens of an API model at this workload's mix."""
    return tk.monthly_api_cost(model, 1e6, profile["input_share"], profile["cached_share"])



own = breakeven.own_cost_structure(open_model, gpu, "fp8", profile["input_tokens_per_request"],
                                   profile["output_tokens_per_request"])
tiers = [portfolio.Tier(f"{frontier_model} (API)", frontier_model, price(frontier_model)),
         portfolio.Tier(f"{small_model} (API)", small_model, price(small_model)),
         portfolio.Tier(f"{open_model} (self-hosted)", open_model, own.variable_usd_per_mtok,
                        own.hardware_usd_per_replica_month + own.people_usd_per_month, own.volume_per_replica)]
source = "Source: data/quality_scores.csv, data/api_prices.csv (latest), data/gpus.csv, data/owning_assumptions.csv."

# %% [markdown]
# ## Quality by task class
#
# Published scores for each tier; the floor decides which tiers may serve which class.

# %%
# NBVAL_CHECK_OUTPUT
quality = portfolio.quality_matrix(list(shares), tiers)
present.table(quality.map(lambda x: "—" if np.isnan(x) else f"{x:.1f}").assign(floor=[f"{floors[c]:g}" for c in quality.index]),
              "Published score per task class (0-100) and the floor each class must reach", index=True)

# %% [markdown]
# ## The cheapest mix

# %%
# NBVAL_CHECK_OUTPUT
mix = portfolio.cheapest_mix(tokens_per_month, shares, tiers, floors)
if mix.status == "optimal":
    shown = present.table((mix.allocation / tokens_per_month).map(present.share), "Share of all traffic, class by tier",
                          index=True)
    facts = {"cost": f"{present.usd(mix.cost_usd_per_month)} a month ({present.usd_per_mtok(mix.blended_usd_per_mtok)})",
             f"all on {frontier_model}": f"{present.usd(price(frontier_model) * tokens_per_month / 1e6)} a month",
             **{f"binding constraint {i + 1}": b for i, b in enumerate(mix.binding)}}
else:
    shown, facts = None, {"status": f"{mix.status}: {mix.reason}"}
display(shown) if shown is not None else None
present.key_values(facts, f"Cheapest mix at {present.tokens(tokens_per_month)} tokens a month")

# %% [markdown]
# At the article's three company sizes (same classes and floors), the small API wins outright: even the
# enterprise's billion tokens cost less a month on it than one rented GPU. The self-hosted tier only enters
# once its fixed cost is spread over tens of billions of tokens:

# %%
# NBVAL_CHECK_OUTPUT
rows = []
for name, preset in portfolio.PRESETS.items():
    m = portfolio.cheapest_mix(preset["tokens_per_month"], shares, tiers, floors)
    frontier_only = price(frontier_model) * preset["tokens_per_month"] / 1e6
    rows.append({"company": name, "tokens a month": present.tokens(preset["tokens_per_month"]),
                 **{t: present.share(s) for t, s in (m.allocation.sum() / preset["tokens_per_month"]).items()},
                 "blended price": present.usd_per_mtok(m.blended_usd_per_mtok),
                 f"saving against all on {frontier_model}": present.share(1 - m.cost_usd_per_month / frontier_only)})
present.table(pd.DataFrame(rows), "Cheapest mix at the article's company sizes")

# %% [markdown]
# ## Savings against the quality floor
#
# Raise the floor and cheaper tiers drop out, class by class, until no tier qualifies (the mix becomes
# infeasible and says which class failed).

# %%
sweep = portfolio.blended_by_floor(tokens_per_month, shares, tiers, np.arange(50, 92, 2.0), {"reasoning": reasoning_floor})
fig = plots.line_chart(sweep["floor"], {"cheapest mix": sweep["blended_usd_per_mtok"]},
                       f"Cheapest blended price against the quality floor ({tokens_per_month:.3g} tokens/month)",
                       "quality floor (benchmark score, 0-100)", "blended USD per million tokens", source, y_format="usd",
                       hlines={f"all on {frontier_model}": price(frontier_model)})
infeasible = sweep[sweep["blended_usd_per_mtok"].isna()]
present.paragraph(f"First floor no mix can meet: {infeasible['floor'].iloc[0]:g} — {infeasible['reason'].iloc[0]}."
                  if len(infeasible) else "Every floor shown can be met.")

# %% [markdown]
# ## The article's mixed basket
#
# "Switch half of it to a distilled or fine-tuned 7B model and the mixed basket API price drops to \$5/M".

# %%
# NBVAL_CHECK_OUTPUT
A = tk.article_figure
api, var, fixed, moved = (A("worked_api_usd_per_mtok"), A("worked_variable_usd_per_mtok"),
                          A("worked_fixed_usd_per_month"), A("basket_share_moved"))
basket = portfolio.mixed_basket_price([1 - moved, moved], [api, var])
present.key_values({
    "basket price": f"{present.usd_per_mtok(basket)}: {present.share(1 - moved)} at {present.usd(api)} (the article's "
                    f"GPT-4.1), {present.share(moved)} at {present.usd(var)} (its self-hosted variable cost)",
    f"break-even at {present.usd(fixed)} a month fixed": f"{present.tokens(tk.break_even_tokens(fixed, basket, var))} "
                                                        f"tokens a month (the article: "
                                                        f"~{present.tokens(A('basket_break_even_tokens'))})",
    f"… at {present.usd(api)} it was": f"{present.tokens(tk.break_even_tokens(fixed, api, var))} tokens a month"})

# %% [markdown]
# The basket price holds, but it moves the break-even the wrong way: the self-hosted half no longer
# earns the API's price, so each token saves less. Notebook 07 lists this with the article's other claims.
#
# ## Distillation payback
#
# A one-off bill — teacher samples, fine-tuning GPU-hours, evaluation — against the monthly saving of moving
# traffic from the API to the student. Assumptions (stated, to vary; `portfolio.DISTILLATION_EXAMPLE`): 1 M
# teacher samples of 1,000 tokens on the frontier model, 8 GPUs for a day of fine-tuning, \$1,000 of
# evaluation, half the traffic moved.

# %%
volume = np.logspace(6, 11, 200)
teacher = price(frontier_model)
rent = tk.load_gpus().set_index("gpu").loc[gpu, "rent_usd_per_hour"]
common = portfolio.DISTILLATION_EXAMPLE | dict(teacher_usd_per_mtok=teacher, gpu_usd_per_hour=rent, moved_share=0.5,
                                               api_usd_per_mtok=teacher, student_usd_per_mtok=own.variable_usd_per_mtok)
student_fixed = {"student on spare capacity (marginal cost only)": 0.0,
                 "student needs its own rented GPU and 1/4 engineer": own.hardware_usd_per_replica_month + own.people_usd_per_month}
curves = {label: portfolio.distillation_payback_weeks(tokens_per_month=volume, student_fixed_usd_per_month=f, **common)
          for label, f in student_fixed.items()}
fig = plots.line_chart(volume, curves, "Distillation payback against volume", "tokens per month (input + output)",
                       "payback, weeks (log)", source + " Distillation inputs: stated assumptions.", logx=True, logy=True,
                       x_format="tokens", vlines={"the article's ~40 M tokens/month": 40e6}, hlines={"4 weeks": 4})

# %%
# NBVAL_CHECK_OUTPUT
at = np.array([40e6, 400e6, 4e9])
present.table(pd.DataFrame({label: [f"{w:.1f} weeks" if np.isfinite(w) else "never" for w in
                                    portfolio.distillation_payback_weeks(tokens_per_month=at,
                                                                         student_fixed_usd_per_month=f, **common)]
                            for label, f in student_fixed.items()}, index=[present.tokens(v) for v in at])
              .rename_axis("tokens a month"), "Distillation payback", index=True)

# %% [markdown]
# At the article's ~40 M tokens a month, even with the student's running cost ignored, payback takes well
# over a year with these inputs; it reaches "a few weeks" only past several billion tokens a month.
