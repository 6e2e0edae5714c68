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
# # 06 · Which model for which workload, and which share of traffic goes where?
#
# **Question.** A cheaper model is only a saving if it is good enough for the work. For each sample team,
# which path is cheapest at the quality it has today — another API model, an open model rented by the token,
# or one it hosts itself? For a team whose traffic spans several task classes, which share goes to which
# model? And when does distilling a teacher into a small student pay back?
#
# **At the end you will know:** each sample team's quality-matched recommendation; how one team's candidates
# spread against the floor; the cheapest routing of a multi-class workload and how it moves with the
# tolerance; the article's "\$5/M mixed basket" recomputed; and distillation payback against volume.
#
# Quality is one benchmark per task class from one dated, independent snapshot (`data/quality_scores.csv`,
# Artificial Analysis' evaluations: MMLU-Pro, GPQA Diamond, LiveCodeBench, AIME 2025, IFBench, AA-LCR,
# tau2-Bench Telecom). A candidate qualifies when it scores at most the tolerance below today's model.
# The routing optimiser is a linear programme (`scipy.optimize.linprog`) with a deploy-or-not choice for
# the self-hosted tier.

# %% tags=["parameters"]
sample_team: str = "Data analysis"  # a team from data/teams.csv whose candidates are drawn
routed_tokens_per_month: float = 3e10  # input + output tokens a month of the multi-class workload routed below
routed_workload: str = "chat"  # workload profile of that traffic, from data/workloads.csv (sets the mix)
frontier_model: str = "GPT-5"  # the model it runs on today: its scores set each class's floor
small_model: str = "GPT-5 mini"  # a smaller API model traffic may move to
routed_open_model: str = "gpt-oss-120b"  # open model it may rent by the token or self-host, from data/open_models.csv
routed_open_provider: str = "Groq"  # who sells the open model by the token
self_hosted_gpu: str = "H100 SXM"  # GPU of the self-hosted deployment, from data/gpus.csv
routing_tolerance_points: float = 3.0  # how far below the frontier model's score (0-100) a class may go

# %%
# %matplotlib inline
import numpy as np
import pandas as pd

import tokenomics as tk
from tokenomics import advice, catalog, owning, plots, portfolio, present, quality, reports, search
from tokenomics.scenario import Scenario
from IPython.display import display

from tokenomics.checks import notebook_parameters

notebook_parameters(globals(), {"sample_team": "text", "routed_tokens_per_month": "tokens",
                                "routed_workload": "workload", "frontier_model": "api_model", "small_model": "api_model",
                                "routed_open_model": "open_model", "routed_open_provider": "text",
                                "self_hosted_gpu": "gpu", "routing_tolerance_points": "usd"})
teams = {row["team"]: row for row in reports.read_teams(catalog.DATA_DIR / "teams.csv")}
if sample_team not in teams:
    raise ValueError(f"parameter sample_team: {sample_team!r} is not in data/teams.csv; expected one of {sorted(teams)}")
recommendations = {name: search.recommend(Scenario.from_row(row), runs=500) for name, row in teams.items()}
source = ("Source: data/quality_scores.csv (Artificial Analysis, dated), data/api_list_prices.csv, data/gpu_prices.csv, "
          "data/owning_assumptions.csv; owning throughput from the kit's roofline.")

# %% [markdown]
# ## Each sample team, matched for quality
#
# Every team in `data/teams.csv` searched over every path (about 14,000 candidates each: API models, open
# models by the token, and every open model × GPU × weight format × deployment × GPU price basis), held to
# its own task class and floor. The owning candidates that qualify are weighed month by month in cash.

# %%
# NBVAL_CHECK_OUTPUT
rows = []
for name, rec in recommendations.items():
    s = rec.scenario
    rows.append({"team": name, "task class": quality.CLASS_WORDS[rec.quality_class], "today": s.api_model,
                 "quality today": f"{rec.current_quality:.1f}", "floor": f"{rec.floor:.1f}",
                 "recommended": search.describe(rec.chosen) if rec.chosen is not None else "stay",
                 "its quality": f"{rec.recommended_quality:.1f}",
                 f"saved over the horizon": present.usd(rec.saving_usd)})
present.table(pd.DataFrame(rows), "Quality-matched recommendation per sample team (scores 0-100 on the team's class)")

# %% [markdown]
# ## One team's candidates
#
# Each dot is a candidate: its quality on the team's class against what it would cost over the horizon.
# Everything left of the dotted floor is ruled out however cheap it is.

# %%
rec = recommendations[sample_team]
fig = plots.quality_cost_chart(rec.candidates, advice.chart_marks(rec),
                               f"{sample_team}: cost over {rec.scenario.horizon_months} months against quality",
                               advice.quality_axis_label(rec), advice.quality_source(rec))

# %%
# NBVAL_CHECK_OUTPUT
present.paragraph(advice.search_text(rec))

# %% [markdown]
# ## Routing a workload that spans task classes
#
# A team whose traffic is part instruction following, part knowledge, part math and part reasoning
# (`portfolio.DEFAULT_CLASS_SHARES`, an assumption to vary) runs everything on the frontier model today.
# Each class's floor is the frontier model's score on it minus the tolerance. Four places the tokens can go:
# the frontier API, a smaller API, the open model by the token, and the open model self-hosted (a rented
# replica with its engineer share: a fixed cost, and a capacity).

# %%
shares = portfolio.DEFAULT_CLASS_SHARES
floors = portfolio.floors_from(frontier_model, list(shares), routing_tolerance_points)
def price(model: str, provider: str | None = None) -> float:
    """USD per million tokens of an API model at this workload's mix (today's list price)."""
    return Scenario(api_model=model, api_provider=provider, workload=routed_workload).api_usd_per_mtok


own = Scenario(api_model=frontier_model, workload=routed_workload, open_model=routed_open_model, gpu=self_hosted_gpu,
               weight_format="native", gpu_mode="rent", gpu_price_basis="on_demand").own
tiers = [portfolio.Tier(f"{frontier_model} (API)", frontier_model, price(frontier_model)),
         portfolio.Tier(f"{small_model} (API)", small_model, price(small_model)),
         portfolio.Tier(f"{routed_open_model} by the token ({routed_open_provider})", routed_open_model,
                        price(routed_open_model, routed_open_provider)),
         portfolio.Tier(f"{routed_open_model} self-hosted ({self_hosted_gpu})", routed_open_model, float(own.variable_usd_per_mtok),
                        float(own.hardware_usd_per_replica_month + own.people_usd_per_month),
                        float(own.volume_per_replica))]

# %%
# NBVAL_CHECK_OUTPUT
scores = portfolio.quality_matrix(list(shares), tiers)
present.table(scores.map(lambda x: "—" if np.isnan(x) else f"{x:.1f}")
              .assign(floor=[f"{floors[c]:.1f}" for c in scores.index]).rename_axis("task class"),
              f"Published score per task class (0-100) and each class's floor ({frontier_model} − "
              f"{routing_tolerance_points:g} points)", index=True)

# %%
# NBVAL_CHECK_OUTPUT
mix = portfolio.cheapest_mix(routed_tokens_per_month, shares, tiers, floors, scores)
if mix.status == "optimal":
    shown = present.table((mix.allocation / routed_tokens_per_month).map(present.share).rename_axis("task class"),
                          "Share of all traffic, class by tier", index=True)
    facts = {"cost": f"{present.usd(mix.cost_usd_per_month)} a month ({present.usd_per_mtok(mix.blended_usd_per_mtok)})",
             f"all on {frontier_model}": f"{present.usd(price(frontier_model) * routed_tokens_per_month / 1e6)} a month",
             **{f"binding constraint {i + 1}": b for i, b in enumerate(mix.binding)}}
else:
    shown, facts = None, {"status": f"{mix.status}: {mix.reason}"}
display(shown) if shown is not None else None
present.key_values(facts, f"Cheapest routing at {present.tokens(routed_tokens_per_month)} tokens a month")

# %% [markdown]
# ## Savings against the tolerance
#
# Allow each class to fall further below the frontier model and cheaper tiers take over, class by class.
# The self-hosted tier enters only where its fixed cost is repaid by the volume it takes.

# %%
sweep = portfolio.blended_by_tolerance(routed_tokens_per_month, shares, tiers, frontier_model, np.arange(0, 31, 1.0))
fig = plots.line_chart(sweep["tolerance_points"], {"cheapest routing": sweep["blended_usd_per_mtok"]},
                       f"Cheapest blended price against the tolerance ({routed_tokens_per_month:.3g} tokens/month)",
                       f"points below {frontier_model} allowed on every class (0-100 scale)",
                       "blended USD per million tokens", source, y_format="usd",
                       hlines={f"all on {frontier_model}": price(frontier_model)})

# %%
# NBVAL_CHECK_OUTPUT
at = sweep[sweep["tolerance_points"].isin([0, 3, 5, 10, 20])]
present.table(pd.DataFrame({"tolerance (points)": at["tolerance_points"].map(lambda v: f"{v:g}"),
                            "blended price": at["blended_usd_per_mtok"].map(present.usd_per_mtok),
                            **{t.name: at[t.name].map(present.share) for t in tiers}}),
              "Where the traffic goes as the tolerance widens (share of tokens)")

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
# traffic from the frontier API to the student. Assumptions (stated, to vary; `portfolio.DISTILLATION_EXAMPLE`):
# 1 M teacher samples of 1,000 tokens on the frontier model, 8 GPUs for a day of fine-tuning at the median
# on-demand price (`data/gpu_prices.csv`), \$1,000 of evaluation, half the traffic moved.

# %%
volume = np.logspace(6, 11, 200)
teacher = price(frontier_model)
rent = float(owning.gpu_price(self_hosted_gpu, "on_demand"))
common = portfolio.DISTILLATION_EXAMPLE | dict(teacher_usd_per_mtok=teacher, gpu_usd_per_hour=rent, moved_share=0.5,
                                               api_usd_per_mtok=teacher, student_usd_per_mtok=float(own.variable_usd_per_mtok))
student_fixed = {"student on spare capacity (marginal cost only)": 0.0,
                 f"student needs its own rented {self_hosted_gpu} replica and engineer share":
                     float(own.hardware_usd_per_replica_month + own.people_usd_per_month)}
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
# Payback is quick only where the volume is large and the teacher is dear: the one-off bill is mostly
# teacher tokens, and the monthly saving is the moved share times the price gap. With a student that needs
# its own replica, small volumes never pay back.
