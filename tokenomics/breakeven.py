"""When does owning pay? The volume where a fixed monthly cost is repaid by a cheaper per-token cost."""

from __future__ import annotations

import numpy as np

from .checks import as_array, scalar_or_array
from .renting import TOKENS_PER_MTOK


def break_even_tokens(fixed_monthly_usd, api_usd_per_mtok, selfhost_variable_usd_per_mtok):
    """Tokens per month at which renting and owning cost the same.

        N* = F / ((p_api - v_own) / 1e6)

    `inf` where owning never pays (the API is no dearer per token than owning's variable cost).
    Source: the seed article's worked example, "Break-even is reached when the variable savings per
    token cover the monthly fixed cost" (3,000 / ((10 - 0.5) / 1e6) = 3.16e8 tokens per month).
    """
    fixed = as_array("fixed_monthly_usd", fixed_monthly_usd)
    api = as_array("api_usd_per_mtok", api_usd_per_mtok)
    var = as_array("selfhost_variable_usd_per_mtok", selfhost_variable_usd_per_mtok)
    saving = (api - var) / TOKENS_PER_MTOK
    with np.errstate(divide="ignore", invalid="ignore"):
        tokens = np.where(saving > 0, fixed / np.where(saving > 0, saving, 1.0), np.inf)
    return scalar_or_array(tokens)
