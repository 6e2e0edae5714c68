"""tokenomics: rent (API) or own (self-host) your LLMs — sourced catalogs and vectorised cost functions.

Functions take scalars or numpy arrays and broadcast; units live in names (`_usd`, `_usd_per_mtok`,
`_tokens`, `_per_month`, `_share`). Catalogs in data/ carry `as_of` and `source` on every row.
"""

from .breakeven import break_even_tokens
from .catalog import CatalogError, load_api_prices, load_catalog, load_workloads, validate_all
from .renting import (api_models, api_price, article_vs_list, blended_drift, blended_price, cost_table,
                      format_usd, implied_input_share, monthly_api_cost, workload_cost_table,
                      round_cents)

__all__ = [
    "CatalogError", "api_models", "api_price", "article_vs_list", "blended_drift", "blended_price", "cost_table",
    "workload_cost_table", "break_even_tokens", "format_usd",
    "implied_input_share", "load_api_prices", "load_catalog", "load_workloads", "monthly_api_cost",
    "round_cents", "validate_all",
]
