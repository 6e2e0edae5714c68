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
# # 01 · What does renting cost?
#
# **Question.** A team rents its LLMs through APIs. What does that cost per month, at which volume, and how
# much does the answer depend on the mix of input, cached-input and output tokens?
#
# **At the end you will know:** the per-token prices of the models the article compares, on its date and
# today; the article's monthly-cost table recomputed to the cent (and the token mix it silently assumes);
# what the same volumes cost under measured workload mixes; and how prices moved since the article.
#
# Prices come from `data/api_prices.csv`: the article's table as it states it (`price_basis = article`) and the
# providers' list prices on the same date and today, generated from the maintained `genai-prices` package
# (`price_basis = list`, regenerate with `make prices`).

# %% tags=["parameters"]
list_prices_as_of: str = "2026-11-28"  # date of the "today" list prices to compare against, YYYY-MM-DD
workload_volume_tokens_per_month: float = 300e6  # volume at which workload mixes are compared, tokens per month

# %%
# %matplotlib inline
import numpy as np
import pandas as pd

import tokenomics as tk
from tokenomics import claims, plots, present, quality
from tokenomics.checks import notebook_parameters

notebook_parameters(globals(), {"list_prices_as_of": "date", "workload_volume_tokens_per_month": "tokens"})

# %%
prices = tk.load_api_prices()
workloads = tk.load_workloads()
prices_as_of = list_prices_as_of
article_date = claims.article_date()
article_models, volumes = claims.cost_table_spec()  # the models and volumes of the article's table
article_input_share = workloads.set_index("workload").at["article_25_75", "input_share"]
list_source = f"Source: data/api_prices.csv — list prices from genai-prices, as of {prices_as_of}; article table of {article_date}."

# %% [markdown]
# ## The article's prices against the providers' list prices on the same day
#
# Each row puts the price the article printed next to the provider's list price in force on the article's date.
# Where they differ, both rows stay in the catalog; `monthly_api_cost(..., basis="article")` uses the article's.

# %%
# NBVAL_CHECK_OUTPUT
comparison = tk.article_vs_list(article_date, prices)
present.table(pd.DataFrame({
    "model": comparison["model"], "article input": comparison["article_input"].map(present.usd),
    "article output": comparison["article_output"].map(present.usd), "list input": comparison["list_input"].map(present.usd),
    "list output": comparison["list_output"].map(present.usd), "list model id": comparison["list_model_id"].replace("", "—"),
    "verdict": comparison["verdict"]}), f"USD per million tokens on {article_date}")

# %% [markdown]
# Two differences stand out. **Claude 3.5 Haiku** had been cut to \$0.80 / \$4.00 per million tokens months before
# the article, which still quotes its launch price of \$1 / \$5. **Gemini 2.5 Flash (thinking)**: on that date the
# model was the 04-17 preview, whose separate thinking-output price (\$3.50) `genai-prices` does not hold, so
# only the article's row exists for that date.
#
# ## The article's monthly-cost table, recomputed
#
# `monthly_api_cost` prices every volume at the article's prices. The article never says which share of
# tokens is input; solving its GPT-4.1 figure for the share gives it back:

# %%
# NBVAL_CHECK_OUTPUT
gpt41 = tk.api_price("GPT-4.1", article_date, basis="article")
stated = tk.article_figure("monthly_cost_gpt_4_1_3m")
share = tk.implied_input_share(stated, 3e6, gpt41["input_usd_per_mtok"], gpt41["output_usd_per_mtok"])
present.paragraph(f"Input share implied by '{present.usd(stated)} for 3 M tokens on GPT-4.1': {share:.2%}.")

# %% [markdown]
# So the table assumes one input token for every three output tokens. With that mix, the package reproduces
# every cell of the article's table to the cent (halves rounded up, as the article's \$14.63 shows):

# %%
# NBVAL_CHECK_OUTPUT
article_table = tk.cost_table(article_models, volumes, article_input_share, as_of=article_date, basis="article")
present.table(article_table.rename(index=present.tokens).rename_axis("tokens a month").map(tk.format_usd),
              "USD per month at the article's prices and its 25/75 mix", index=True)

# %% [markdown]
# ## The same volumes under real workload mixes, at today's prices
#
# Measured traffic is nothing like 25 % input: the Azure 2023 traces, the Mooncake trace and coding-agent traces
# all show **85–99.9 % of tokens are input**, and agents read most of that input from the provider's prompt
# cache at a tenth of the input price. `data/workloads.csv` holds each profile with its source.

# %%
# NBVAL_CHECK_OUTPUT
present.table(pd.DataFrame({
    "workload": workloads["workload"], "input share": workloads["input_share"].map(present.share),
    "cached share of input": workloads["cached_share"].map(present.share),
    "input tokens per request": workloads["input_tokens_per_request"].map(present.count),
    "output tokens per request": workloads["output_tokens_per_request"].map(present.count),
    "as of": workloads["as_of"].map(present.day)}), "Workload profiles, data/workloads.csv")

# %% [markdown]
# Monthly cost at the chosen volume, at today's list prices (cached input priced at each provider's
# cache-read price):

# %%
# NBVAL_CHECK_OUTPUT
by_workload = tk.workload_cost_table(article_models, workloads, workload_volume_tokens_per_month, as_of=prices_as_of)
versus_article = by_workload / by_workload.loc["article_25_75"]
present.table(pd.concat([by_workload.map(present.usd),
                         versus_article.map(lambda r: f"{r:.2f}×").add_suffix(" vs article mix")], axis=1),
              f"USD per month at {present.tokens(workload_volume_tokens_per_month)} tokens, list prices of "
              f"{prices_as_of}", index=True)

# %% [markdown]
# **What changes.** The article's output-heavy mix is the most expensive one can pick: measured, input-heavy
# traffic costs half of it or less on the same model, and a cache-heavy coding agent under a tenth (the
# last column). The ranking of models can even flip: at a coding agent's cache hit rate, the model with the
# cheaper cache read wins, whatever its list input price. And a model's price can rise: Gemini 2.5 Flash's
# general-availability price replaced its cheaper preview price (the drift table below).
#
# ## Charts

# %%
held = list(comparison.loc[comparison["verdict"] != "no list price held", "model"])  # models with a list price
today = pd.DataFrame([tk.api_price(m, prices_as_of, basis="list") for m in held])
fig = plots.price_bars(today, f"API list prices per million tokens, {prices_as_of}", list_source)

# %%
grid = np.logspace(6, 10, 50)
costs = {f"{m} (article mix)": tk.monthly_api_cost(m, grid, article_input_share, as_of=prices_as_of)
         for m in article_models}
chat = workloads.set_index("workload").loc["chat"]
costs |= {f"{m} (chat mix)": tk.monthly_api_cost(m, grid, chat["input_share"], chat["cached_share"], as_of=prices_as_of)
          for m in article_models}
fig = plots.cost_vs_volume(grid, costs, "Monthly API cost against volume", list_source, marks=volumes)

# %%
# NBVAL_CHECK_OUTPUT
drift = tk.blended_drift(held, article_date, prices_as_of, article_input_share, basis_then=None)
drift.attrs |= {"then_label": article_date, "now_label": prices_as_of}
present.table(pd.DataFrame({"model": drift["model"], article_date: drift["then_usd_per_mtok"].map(present.usd),
                            prices_as_of: drift["now_usd_per_mtok"].map(present.usd),
                            "now / then": drift["ratio"].map(lambda r: f"{r:.2f}×")}),
              "Blended USD per million tokens at the article's 25/75 mix")

# %%
fig = plots.price_drift(drift, f"Blended price at the article's 25/75 mix, {article_date} → {prices_as_of}",
                        list_source + " 'then' is the list price where held, else the article's.")

# %% [markdown]
# **Reading the drift.** List prices of the same model barely move once published; what falls is the price of
# a given *capability*, as newer models replace older ones at lower prices. The projection notebook models
# that decline explicitly rather than reading it off a single model's price history.

# %% [markdown]
# ## Today's market
#
# The catalog holds every text model `genai-prices` prices by the token, at every provider, with every
# dated price period it records: first-party APIs, clouds reselling them, and hosts selling open-weight
# models by the token (each mapped to its row in `data/open_models.csv`).

# %%
# NBVAL_CHECK_OUTPUT
listed = prices[prices["price_basis"] == "list"]
present.key_values({
    "providers": present.count(listed["provider"].nunique()),
    "models (provider, model)": present.count(len(listed.drop_duplicates(["provider", "model"]))),
    "price periods": present.count(len(listed)),
    "models with more than one period": present.count(int((listed.groupby(["provider", "model"]).size() > 1).sum())),
    "open-weight models sold by the token": f"{present.count(listed.loc[listed['open_model'] != '', 'open_model'].nunique())} "
                                            f"models at {present.count(listed.loc[listed['open_model'] != '', 'provider'].nunique())} hosts",
    "catalog as of": present.day(listed["as_of"].max()),
}, "data/api_list_prices.csv, generated by `make prices` from genai-prices")

# %% [markdown]
# ### The cheapest model at each capability tier
#
# Which model a team can buy for a given quality, and what it costs at each workload's token mix. A tier is
# every model in force (first-party APIs and open models sold by the token) that scores at least so much on
# GPQA Diamond, the reasoning benchmark of `data/quality_scores.csv`; the price is blended at the workload's
# input and cached shares, cached input at the cache-read price. Within a tier, the cheapest model changes
# with the mix: cache-heavy agents favour models with cheap cache reads.

# %%
# NBVAL_CHECK_OUTPUT
tier_class, tier_scores = "reasoning", [85, 80, 75, 65]
tier_workloads = workloads[workloads["workload"].isin(["chat", "rag", "coding_agent", "batch_classification"])]
tiers = tk.renting.cheapest_by_tier(tier_class, tier_scores, tier_workloads, as_of=prices_as_of)
bench = quality.benchmarks()[tier_class]
tiers["cell"] = [f"{present.usd(p)} · {m} ({v})" if m else "none priced"
                 for p, m, v in zip(tiers["usd_per_mtok"], tiers["model"], tiers["provider"])]
tier_table = tiers.pivot(index="min_score", columns="workload", values="cell").sort_index(ascending=False)
tier_table.index = [f"{bench} ≥ {s:g}" for s in tier_table.index]
present.table(tier_table[list(tier_workloads["workload"])].reset_index(names="tier"),
              f"Cheapest blended USD per million tokens at each tier, list prices of {prices_as_of}")

# %% [markdown]
# In this catalog the step from the top tier to the next is the largest: the last few points of GPQA cost
# more than ten times as much per token, at every mix. A team that does not need them should price its move
# at the tier it needs — which is what the team reports do, holding each team to its own quality floor.

# %% [markdown]
# ### Price history
#
# Where a provider changed a model's price, the catalog keeps each period from its start date. Open-weight
# models sold by the token are not only getting cheaper: several hosts raised them in late 2026.

# %%
history_models = [("gpt-oss-120b", "OpenRouter"), ("Llama 3.3 70B", "OpenRouter"), ("GLM-4.6", "OpenRouter")]
histories = {f"{m} ({p})": tk.renting.price_history(m, p, input_share=article_input_share) for m, p in history_models}
fig = plots.price_history_chart(histories, "List price history, blended at the article's 25/75 mix",
                                f"Source: data/api_list_prices.csv (genai-prices), catalog as of "
                                f"{present.day(listed['as_of'].max())}; a period with no start date runs from launch.")

# %% [markdown]
# ### When prompt caching pays: 5-minute or 1-hour writes
#
# A coding agent resends a long prefix (the repository context, the conversation so far) on every call.
# Writing it to the provider's cache costs more than plain input — 1.25× for a 5-minute entry, 2× for a
# 1-hour one on Anthropic — and every later read costs a tenth. A 5-minute entry expires when the agent
# pauses longer than that, and is written again.

# %%
# NBVAL_CHECK_OUTPUT
agent = workloads.set_index("workload").loc["coding_agent"]
prefix = agent["input_tokens_per_request"] * agent["cached_share"]
gaps = np.array([1.0, 4.0, 10.0, 30.0, 90.0])
five, hour = (tk.renting.prompt_cache_usd("Claude Sonnet 4.5", prefix, 30, gaps, ttl) for ttl in ("5m", "1h"))
present.table(pd.DataFrame({"minutes between calls": [f"{g:g}" for g in gaps],
                            "no caching": list(map(present.usd, five["uncached_usd"])),
                            "5-minute writes": list(map(present.usd, five["cached_usd"])),
                            "1-hour writes": list(map(present.usd, hour["cached_usd"]))}),
              f"Claude Sonnet 4.5: a {present.tokens(prefix)}-token prefix sent 30 times in a session, USD")

# %% [markdown]
# With calls a few minutes apart the 5-minute cache is cheapest; once the agent pauses longer than five
# minutes between calls, the 5-minute entry is rewritten every call and costs more than no caching at all,
# while the 1-hour entry still pays from the second call. An agent that waits on tests or on a human should
# pay the 1-hour premium.
