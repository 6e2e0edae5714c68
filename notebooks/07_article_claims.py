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
# # 07 · Every number in the article, recomputed
#
# **Question.** Which of the article's numeric claims hold when the kit recomputes them from sourced data
# and its own stated inputs?
#
# **At the end you will know:** for each claim, what the article says, what the kit finds, and a verdict —
# *holds* (within 15 %), *off by N×*, or *inconsistent* with the article's other numbers — with a one-line
# reason. The article's figures are read from `data/article_claims.csv` (each with its quote; the article
# itself is in `docs/`); the recomputations are in `tokenomics/claims.py` and use the same functions as
# notebooks 01–06.

# %% tags=["parameters"]
show_reasons: bool = True  # show the one-line reason behind each verdict

# %%
import pandas as pd

from tokenomics import present
from tokenomics.checks import notebook_parameters
from tokenomics.claims import article_claims

notebook_parameters(globals(), {"show_reasons": "bool"})

# %%
claims = article_claims()

# %% [markdown]
# ## The verdicts

# %%
# NBVAL_CHECK_OUTPUT
present.table(claims[["claim", "article says", "kit recomputes", "verdict"]], "Each claim, and what the kit finds")

# %%
# NBVAL_CHECK_OUTPUT
present.table(claims["kind"].value_counts().reindex(["holds", "off", "inconsistent"], fill_value=0)
              .rename_axis("verdict").rename("claims").reset_index(), "Claims by verdict")

# %% [markdown]
# ## Why

# %%
# NBVAL_CHECK_OUTPUT
present.table(claims[["claim", "verdict", "reason"]] if show_reasons else claims[["claim", "verdict"]],
              "The reason behind each verdict")

# %% [markdown]
# ## What this means for a reader of the article
#
# The arithmetic of its tables is right once one knows the hidden 25 / 75 token split, and its dense VRAM
# rows are right. What breaks is everything downstream of the mixture-of-experts memory row and the mixed
# basket: lower API prices *raise* the break-even, every expert of an MoE model must be in memory, and the
# saving at a billion tokens a month is bounded by that month's API bill — a fraction of the "$5–10 million
# a year" (the enterprise row above). The direction of the advice — start on APIs, self-host predictable
# high-volume work — survives; its volumes are roughly an order of magnitude too low.
