# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     notebook_metadata_filter: kernelspec,jupytext,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Rent or own: one team's answer
#
# **Question.** Should this team stay on its LLM API, switch to a cheaper one, rent an open model by the
# token, self-host one, or split the traffic — which model, from which month, and how sure is it? The
# headline comes first; the figures and charts behind it follow.

# %% tags=["parameters"]
team: str = 'Example team'  # team name, shown as given (HTML-escaped)
workload: str = 'chat'  # workload profile from data/workloads.csv (sets the mix when not given)
tokens_per_month: float = 1e+09  # input + output tokens a month today
input_share: float = None  # share of tokens that are input (None: from the workload)
cached_share: float = None  # share of input tokens read from the provider's prompt cache (None: from the workload)
input_tokens_per_request: float = None  # mean input tokens per request (None: from the workload)
output_tokens_per_request: float = None  # mean output tokens per request (None: from the workload)
api_model: str = 'GPT-4.1'  # API model the team rents: a catalog name or any provider or LiteLLM id
api_provider: str = None  # provider it is rented from (None: the model maker's own API)
providers: str = None  # providers the team may buy tokens from, comma-separated, e.g. 'OpenAI, Anthropic, Groq' (None: any provider in the price catalog)
prices_as_of: str = None  # API price date YYYY-MM-DD (None: the latest list price)
api_mix: str = None  # the models in the team's usage and their shares of its tokens (None: api_model alone)
api_input_usd_per_mtok: float = None  # effective input price of the team's own bill, cache reads and writes included (None: api_model's list price)
api_output_usd_per_mtok: float = None  # effective output price of the team's own bill (None: api_model's list price)
unpriced_share: float = None  # share of the team's tokens on model ids no catalog price covers (priced at the bill's average)
recorded_api_usd_per_month: float = None  # spend the usage export records, scaled to a month like the tokens (None: not recorded)
task_class: str = None  # what the traffic must be good at: knowledge, reasoning, coding, math, instruction_following, long_context, tool_use (None: from the workload)
quality_tolerance_points: float = 3.0  # how far below the current model's score (0-100) a candidate may score and still qualify
quality_scores: str = None  # the team's own eval scores, a CSV of model, task_class, score (None: the public ones)
min_saving_share: float = 0.1  # the least share of today's path's cost over the horizon a move must save to be worth making (a migration is not free)
min_saving_usd: float = 5000.0  # the least present value a move must save to be worth making
open_model: str = None  # open model it could self-host, from data/open_models.csv (None: the kit searches them all)
gpu: str = None  # GPU of the self-hosted deployment, from data/gpus.csv (None: the kit searches them all)
weight_format: str = None  # weight format of the deployment: native, fp8, int4, ... (None: the kit searches)
gpu_mode: str = None  # 'rent' GPUs by the hour or 'buy' them (None: the kit weighs both)
gpu_price_basis: str = None  # price basis of the GPUs: on_demand, spot, committed_1y or committed_3y when rented, purchase when bought (None: on_demand / purchase)
gpus_per_replica: int = None  # GPUs one engine instance spans, tensor- or expert-parallel (None: the search chooses; weighing one deployment, the size with the most output per GPU)
engine: str = None  # serving engine whose calibration sizes throughput: pooled (one fit over every engine's published results), trtllm, vllm or sglang (None: pooled)
min_output_tokens_per_s_per_user: float = None  # output speed each user must see, which caps the batch (None: the workload's target; 0: none)
max_ttft_s: float = None  # longest time to first token allowed (None: the workload's target, or none)
deployment_profile: str = 'data_centre'  # where the GPUs run: data_centre (colocation, server, PUE) or workstation (none of them)
gpu_power_w: float = None  # power each GPU draws (None: its TDP)
measured_output_tokens_per_s: float = None  # the team's own measured output tokens/s of one deployment at its load (None: the roofline)
target_utilisation: float = 0.6  # share of a replica's full load used at peak before adding one
peak_to_average: float = 2.0  # peak hour over average hour: capacity is bought for the peak
fte_share: float = 0.25  # engineer time a deployment needs, in full-time equivalents
volume_growth_per_year: float = 3.0  # volume multiplier per year (1: flat)
api_price_decline_per_year: float = 0.5  # share the API price falls per year
gpu_price_decline_per_year: float = 0.3  # share GPU prices fall per year
reasoning_output_multiplier: float = 1.0  # output tokens multiplier from reasoning models (1: none)
horizon_months: int = 36  # months the projection and the verdict cover
discount_rate_per_year: float = 0.1  # discount rate for present values
usage_first_date: str = None  # first day of the usage the volume comes from (None: stated)
usage_last_date: str = None  # last day of that usage (None: stated)
usage_days_observed: int = None  # days with usage in that period (None: stated)
usage_tokens_observed: float = None  # tokens in that period, before scaling to a month (None: stated)

# %%
# %matplotlib inline
from tokenomics import advice, plots, present, search
from tokenomics.scenario import Scenario

scenario = Scenario.from_row({name: globals()[name] for name in Scenario.field_names()})
recommendation = search.recommend(scenario)
owning = recommendation.own_scenario  # the owning deployment weighed exactly (recommended, or the best one)
decision = recommendation.decision
source = advice.source_line(owning) if owning else "Source: tokenomics catalogs (data/*.csv)."

# %%
# NBVAL_CHECK_OUTPUT
advice.recommendation_card(recommendation)

# %% [markdown]
# ## Which model for this workload
#
# Every path the team could take, priced over the horizon and held to the quality it has today on its task
# class: another API model, an open model rented by the token, or an open model self-hosted on any GPU,
# weight format, deployment and GPU price basis. A candidate qualifies when its published score (or the
# team's own eval) is at most the tolerance below the current model's.

# %%
# NBVAL_CHECK_OUTPUT
advice.candidates_table(recommendation)

# %%
fig = plots.quality_cost_chart(recommendation.candidates, advice.chart_marks(recommendation),
                               f"Candidates: cost over {scenario.horizon_months} months against quality",
                               advice.quality_axis_label(recommendation), advice.quality_source(recommendation))

# %%
# NBVAL_CHECK_OUTPUT
present.paragraph(advice.search_text(recommendation))

# %% [markdown]
# ## Owning, weighed exactly
#
# The cheapest owning deployment that meets the floor, weighed month by month in cash (bought hardware paid
# up front, its book value credited at the end): every self-hosted share from every start month. When
# owning is not the recommendation, this is what it was weighed against.

# %%
# NBVAL_CHECK_OUTPUT
present.paragraph(advice.deployment_text(recommendation)) if owning else None

# %%
# NBVAL_CHECK_OUTPUT
advice.standing(owning, decision) if owning else present.paragraph("No owning deployment meets the quality floor.")

# %%
fig = plots.rent_vs_own(**advice.volume_curves(owning, decision), title="Monthly cost against volume, today's prices",
                        source=source) if owning else None

# %%
# NBVAL_CHECK_OUTPUT
present.paragraph(advice.path_text(owning, decision)) if owning else None

# %%
fig = plots.path_chart(decision.monthly, "Monthly cost in cash: renting against the owning path", source,
                       advice.path_label(owning, decision), decision.start_month) if owning else None

# %%
fig = plots.path_chart(decision.monthly, "Cumulative cost in cash: what the owning path saves", source,
                       advice.path_label(owning, decision), decision.start_month, cumulative=True) if owning else None

# %%
# NBVAL_CHECK_OUTPUT
advice.shares_table(decision, "← " + advice.owning_role(recommendation)) if owning else None

# %%
# NBVAL_CHECK_OUTPUT
advice.basis_table(owning) if owning else None

# %% [markdown]
# ## How sure
#
# The API price, GPU price, engineer cost, serving throughput and volume growth are drawn around their
# central values (seeded, so the figures repeat); the saving is recomputed for each draw. For a switch between
# API models, the two prices are drawn on their own.

# %%
# NBVAL_CHECK_OUTPUT
advice.certainty_table(decision, advice.owning_role(recommendation)) if owning else None

# %%
fig = plots.saving_tornado(advice.sensitivity(owning, decision), "What moves the owning path's saving most", source,
                           scenario.horizon_months) if owning else None

# %% [markdown]
# *How to read this report.* Costs are USD per month unless marked; tokens are input + output. Owning counts
# hardware (rented by the hour on the stated basis, or bought: paid up front in the cash view, amortised in
# the other), power when bought, and engineers (a minimum per deployment and more per GPU). Quality is the
# published score on the team's task class (Artificial Analysis' evaluations, dated in `data/quality_scores.csv`)
# or the team's own evals; a benchmark is not the team's workload — check a candidate on real traffic before
# moving it. Prices: `data/api_prices.csv`, `api_list_prices.csv`; models, GPUs and serving: `data/open_models.csv`,
# `data/gpus.csv`, `data/gpu_prices.csv`, `data/serving_benchmarks.csv`; owning: `data/owning_assumptions.csv`,
# `data/deployment_profiles.csv` — every row dated and sourced. Generated by `python -m tokenomics reports`
# (or `company`, which plans every team together).
