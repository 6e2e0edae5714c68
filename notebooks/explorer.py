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
# # Explorer: what if?
#
# **Question.** How does the answer move when the volume, the models, the GPU or the outlook change?
# Move a slider, see the answer change. Every number comes from the same package functions as the
# walk-through notebooks and the team reports — the same `Scenario` and the same decision
# (`advice.decide`): the API price from `data/api_prices.csv`, owning from the calibrated roofline and
# `data/owning_assumptions.csv`, break-even with capacity steps, and the month-by-month path.
#
# Open it in JupyterLab (`make lab`) for the live sliders. Below first: the default scenario, drawn
# statically, so it also appears in the HTML report and is checked in CI.

# %% tags=["parameters"]
tokens_per_month: float = 1e+09  # input + output tokens a month today
workload: str = 'chat'  # workload profile from data/workloads.csv (sets the mix when not given)
api_model: str = 'GPT-4.1'  # API model the team rents: a catalog name or any provider or LiteLLM id
open_model: str = 'Llama 3.1 8B'  # open model it could self-host, from data/open_models.csv (None: the kit searches them all)
gpu: str = 'H100 SXM'  # GPU of the self-hosted deployment, from data/gpus.csv (None: the kit searches them all)
gpu_mode: str = 'rent'  # 'rent' GPUs by the hour or 'buy' them (None: the kit weighs both)
target_utilisation: float = 0.6  # share of a replica's full load used at peak before adding one
volume_growth_per_year: float = 3.0  # volume multiplier per year (1: flat)
api_price_decline_per_year: float = 0.5  # share the API price falls per year

# %%
# %matplotlib inline
from tokenomics import explore, present
from tokenomics.checks import notebook_parameters

notebook_parameters(globals(), {"tokens_per_month": "tokens", "workload": "workload", "api_model": "api_model",
                                "open_model": "open_model", "gpu": "gpu", "gpu_mode": "text",
                                "target_utilisation": "share", "volume_growth_per_year": "positive",
                                "api_price_decline_per_year": "share"})
start = {name: globals()[name] for name in explore.CONTROLS}

# %% [markdown]
# ## The default scenario

# %%
# NBVAL_CHECK_OUTPUT
numbers = explore.scenario_numbers(**start)
present.Card(explore.headline_html(numbers), explore.headline_text(numbers))

# %%
fig = explore.draw(numbers)

# %% [markdown] tags=["report-hide"]
# ## Live explorer
#
# Sliders update when released. A combination that cannot be computed (a model that fits on no
# deployment of the chosen GPU, say) shows why in place of the charts.

# %% tags=["report-hide"]
# NBVAL_IGNORE_OUTPUT
explorer = explore.Explorer(**start)
explorer.widget
