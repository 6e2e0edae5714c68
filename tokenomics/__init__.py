"""tokenomics: rent (API) or own (self-host) your LLMs — sourced catalogs and vectorised cost functions.

Functions take scalars or numpy arrays and broadcast; units live in names (`_usd`, `_usd_per_mtok`,
`_tokens`, `_bytes`, `_per_month`, `_share`). Catalogs in data/ carry `as_of` and `source` on every row.
`Scenario` bundles one team's parameters for the reports, the explorer and the notebooks.
"""

from .billing import bill_summary, price_usage
from .breakeven import break_even_tokens
from .catalog import (CatalogError, article_figure, load_api_price_tiers, load_api_prices, load_article_claims,
                      load_catalog, load_gpus, load_open_models, load_owning_assumptions, load_quality_scores,
                      load_serving_benchmarks, load_workloads, validate_all)
from .configs import UnknownArchitecture, open_model_from_config
from .memory import (DoesNotFit, checkpoint_bytes, gpus_needed, kv_cache_bytes_per_sequence, kv_cache_bytes_per_token,
                     serving_memory, usable_memory_bytes, weight_breakdown, weight_bytes)
from .owning import (OwnCost, monthly_cost_at_volume, monthly_fixed_cost, monthly_power_cost, own_cost_structure,
                     selfhost_cost_per_mtok)
from .portfolio import Tier, cheapest_mix, distillation_payback_weeks, mixed_basket_price
from .renting import (api_models, api_price, article_vs_list, batch_prices, blended_drift, blended_price, cost_table,
                      format_usd, implied_input_share, monthly_api_cost, resolve_api_model, round_cents,
                      workload_cost_table)
from .scenario import Scenario, ScenarioError
from .serving import (TargetNotMet, best_deployment, best_tensor_parallel, calibrate, calibration_error, deployment_table,
                      engine_errors, prefill_time_share, throughput_tokens_per_s)
from .usage import read_usage

__all__ = [
    "CatalogError", "DoesNotFit", "OwnCost", "Scenario", "ScenarioError", "TargetNotMet", "Tier", "UnknownArchitecture", "api_models",
    "api_price", "article_figure", "article_vs_list", "batch_prices", "best_deployment", "best_tensor_parallel", "bill_summary",
    "blended_drift", "blended_price", "break_even_tokens", "calibrate", "calibration_error", "checkpoint_bytes",
    "cheapest_mix", "cost_table", "deployment_table", "engine_errors",
    "distillation_payback_weeks", "format_usd", "gpus_needed", "implied_input_share", "kv_cache_bytes_per_sequence",
    "kv_cache_bytes_per_token",
    "load_api_price_tiers", "load_api_prices", "load_article_claims", "load_catalog", "load_gpus",
    "load_open_models", "load_owning_assumptions", "load_quality_scores", "load_serving_benchmarks",
    "load_workloads", "mixed_basket_price", "monthly_api_cost", "monthly_cost_at_volume", "monthly_fixed_cost",
    "monthly_power_cost", "open_model_from_config", "own_cost_structure", "prefill_time_share", "price_usage", "read_usage",
    "resolve_api_model", "round_cents",
    "selfhost_cost_per_mtok", "serving_memory", "throughput_tokens_per_s", "usable_memory_bytes", "validate_all",
    "weight_breakdown", "weight_bytes",
    "workload_cost_table",
]
