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
# **Question.** Should this team keep renting its LLM through an API, self-host an open model, or split
# the traffic — and from which month? The headline comes first; the figures and charts behind it follow.

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
prices_as_of: str = None  # API price date YYYY-MM-DD (None: the latest list price)
api_mix: str = None  # the models in the team's usage and their shares of its tokens (None: api_model alone)
api_input_usd_per_mtok: float = None  # effective input price of the team's own bill, cache reads and writes included (None: api_model's list price)
api_output_usd_per_mtok: float = None  # effective output price of the team's own bill (None: api_model's list price)
unpriced_share: float = None  # share of the team's tokens on model ids no catalog price covers (priced at the bill's average)
recorded_api_usd_per_month: float = None  # spend the usage export records, scaled to a month like the tokens (None: not recorded)
open_model: str = 'Llama 3.1 8B'  # open model it could self-host, from data/open_models.csv
gpu: str = 'H100 SXM'  # GPU of the self-hosted deployment, from data/gpus.csv
weight_format: str = 'fp8'  # weight format of the deployment: bf16, fp8, int4, ...
gpu_mode: str = 'rent'  # 'rent' GPUs by the hour or 'buy' them (amortised, with hosting and power)
gpu_price_basis: str = None  # price basis of the GPUs: on_demand, spot, committed_1y or committed_3y when rented, purchase when bought (None: on_demand / purchase)
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
from tokenomics import advice, plots, present
from tokenomics.scenario import Scenario

scenario = Scenario.from_row({name: globals()[name] for name in Scenario.field_names()})
decision = advice.decide(scenario)
source = advice.source_line(scenario)

# %%
# NBVAL_CHECK_OUTPUT
advice.headline_card(scenario, decision)

# %% [markdown]
# ## Where the team stands
#
# Today's bill both ways, and the one break-even volume on this page: the monthly volume from which
# self-hosting all of the team's traffic costs less than the API at today's prices, counting whole
# replicas, people and power.

# %%
# NBVAL_CHECK_OUTPUT
advice.standing(scenario, decision)

# %%
fig = plots.rent_vs_own(**advice.volume_curves(scenario, decision), title="Monthly cost against volume, today's prices",
                        source=source)

# %% [markdown]
# ## The recommended path, month by month
#
# Renting throughout against the recommended path, under the team's growth and price-decline rates.

# %%
# NBVAL_CHECK_OUTPUT
present.paragraph(advice.path_text(scenario, decision))

# %%
fig = plots.path_chart(decision.monthly, "Monthly cost: renting against the recommended path", source,
                       advice.path_label(scenario, decision), decision.start_month)

# %%
fig = plots.path_chart(decision.monthly, "Cumulative cost: what the path saves", source,
                       advice.path_label(scenario, decision), decision.start_month, cumulative=True)

# %% [markdown]
# ## Every self-hosted share
#
# The recommendation is the cheapest row of this table (each share starting in its own cheapest month),
# unless that row loses money in most scenarios below; its saving is the one in the headline.

# %%
# NBVAL_CHECK_OUTPUT
advice.shares_table(decision)

# %% [markdown]
# ## How sure
#
# The API price, GPU price, engineer cost, serving throughput and volume growth are drawn around their
# central values (seeded, so the figures repeat); the saving is recomputed for each draw.

# %%
# NBVAL_CHECK_OUTPUT
advice.certainty_table(decision)

# %%
fig = plots.saving_tornado(advice.sensitivity(scenario, decision), "What moves the saving most", source,
                           scenario.horizon_months)

# %% [markdown]
# *How to read this report.* Costs are USD per month unless marked; tokens are input + output. Owning counts
# hardware (rented by the hour, or bought and amortised with hosting), power when bought, and engineer time.
# The comparison assumes the open model does the team's job as well as the API model: check quality before
# moving traffic. Prices: `data/api_prices.csv`; models, GPUs and serving: `data/open_models.csv`,
# `data/gpus.csv`, `data/serving_benchmarks.csv`; owning: `data/owning_assumptions.csv` — every row dated
# and sourced. Generated by `python -m tokenomics reports`.
