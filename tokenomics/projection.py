"""How does the answer move over time? Month-by-month rent, own and hybrid under growth and price decline.

Per month t (0 .. horizon-1):
    tokens_t  = tokens_0 x growth^(t/12), output tokens x reasoning multiplier
    API       = tokens_t x blended price at the new mix x (1 - api decline)^(t/12)
    own       = replicas for the output tokens at peak x hardware_t + people + power,
                hardware_t falling with GPU prices: every month when rented, at each refresh when bought
    hybrid    = own for `hybrid_own_share` of the traffic, API for the rest
Growth and decline are annual factors applied smoothly by month. Defaults are neutral (no growth, no
decline): the notebooks pass sourced values (a16z "LLMflation" 2024: ~10x a year cheaper at constant
capability; Epoch AI 2025: 9-900x; the seed article: volume 10x a year; Epoch AI 2025: reasoning
models emit ~8x more output tokens).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from .checks import as_array
from .owning import OwnCost
from .renting import TOKENS_PER_MTOK, blended_price

MAX_HORIZON_MONTHS = 600


def _horizon(horizon_months) -> np.ndarray:
    h = as_array("horizon_months", horizon_months, low=1, high=MAX_HORIZON_MONTHS)
    if h.ndim or h != np.round(h):
        raise ValueError(f"horizon_months must be a whole number of months, got {horizon_months!r}")
    return np.arange(int(h), dtype=float)


def project_arrays(tokens_per_month, *, api_input_usd_per_mtok, api_output_usd_per_mtok, input_share, own: OwnCost,
                   cached_share=0.0, cached_input_usd_per_mtok=None, horizon_months=36, volume_growth_per_year=1.0,
                   api_price_decline_per_year=0.0, reasoning_output_multiplier=1.0, gpu_price_decline_per_year=0.0,
                   hardware_refresh_months=None, hybrid_own_share=0.5, own_from_month=0) -> dict[str, np.ndarray]:
    """The projection as arrays whose last axis is the month: scenario parameters given as arrays of shape
    (S, 1) give (S, horizon) results, every scenario at once. See `project` for the meaning."""
    t = _horizon(horizon_months)
    v0 = as_array("tokens_per_month", tokens_per_month)
    growth = as_array("volume_growth_per_year", volume_growth_per_year, low=0, low_open=True, high=1e3)
    decline = as_array("api_price_decline_per_year", api_price_decline_per_year, low=0, high=0.999)
    gpu_decline = as_array("gpu_price_decline_per_year", gpu_price_decline_per_year, low=0, high=0.999)
    mult = as_array("reasoning_output_multiplier", reasoning_output_multiplier, low=1, high=1e3)
    s_in = float(as_array("input_share", input_share, low=0, high=1))
    hybrid = as_array("hybrid_own_share", hybrid_own_share, low=0, high=1)
    start = as_array("own_from_month", own_from_month, low=0, high=MAX_HORIZON_MONTHS)
    if s_in >= 1:
        raise ValueError("input_share must be < 1: owning is sized by output tokens")

    base = v0 * growth ** (t / 12)
    input_tokens, output_tokens = base * s_in, base * (1 - s_in) * mult
    tokens = input_tokens + output_tokens
    share_now = input_tokens / tokens
    price = np.asarray(blended_price(api_input_usd_per_mtok, api_output_usd_per_mtok, share_now, cached_share,
                                     cached_input_usd_per_mtok)) * (1 - decline) ** (t / 12)
    rent = tokens * price / TOKENS_PER_MTOK

    if hardware_refresh_months is None:
        years_of_decline = t / 12
    else:
        refresh = float(as_array("hardware_refresh_months", hardware_refresh_months, low=1, high=MAX_HORIZON_MONTHS))
        years_of_decline = np.floor(t / refresh) * refresh / 12
    hw_factor = (1 - gpu_decline) ** years_of_decline
    if own.output_share is None:  # capacity measured at the team's starting mix
        own = dataclasses.replace(own, output_share=1 - s_in)
    whole = own.lines(tokens, output_tokens, hw_factor)
    own_all, replicas = whole["total_usd"], whole["replicas"]
    own_part = own.monthly_usd(tokens * hybrid, output_tokens * hybrid, hw_factor)
    hybrid_usd = np.where(hybrid > 0, own_part, 0.0) + rent * (1 - hybrid)
    owning = t >= start
    return {"month": np.broadcast_to(t, rent.shape), "tokens_per_month": tokens, "output_share": 1 - share_now,
            "api_usd_per_mtok": price, "replicas": np.where(owning, replicas, 0), "rent_usd": rent,
            "own_usd": np.where(owning, own_all, rent), "hybrid_usd": np.where(owning, hybrid_usd, rent)}


def project(tokens_per_month, **kwargs) -> pd.DataFrame:
    """Monthly and cumulative USD for rent, own and hybrid; one row per month.

    Keywords: api_input_usd_per_mtok, api_output_usd_per_mtok, input_share, own (an `OwnCost`), and
    optionally cached_share, cached_input_usd_per_mtok, horizon_months (36), volume_growth_per_year (x per
    year, 1 = flat), api_price_decline_per_year (share, 0.9 = 10x cheaper a year), reasoning_output_multiplier,
    gpu_price_decline_per_year, hardware_refresh_months (None: hardware rented, follows the market monthly;
    a number: bought, repriced at each refresh), hybrid_own_share (0.5), own_from_month (0; rent before).
    """
    arrays = project_arrays(tokens_per_month, **kwargs)
    frame = pd.DataFrame({k: np.asarray(v).reshape(-1) for k, v in arrays.items()})
    frame["month"] = frame["month"].astype(int)
    for col in ("rent_usd", "own_usd", "hybrid_usd"):
        frame[f"cumulative_{col}"] = frame[col].cumsum()
    return frame


def crossover_months(arrays: dict[str, np.ndarray], option: str = "own", cumulative: bool = False) -> np.ndarray:
    """First month per scenario in which `option` costs less than renting (NaN if never), from `project_arrays`."""
    a, b = arrays[f"{option}_usd"], arrays["rent_usd"]
    if cumulative:
        a, b = np.cumsum(a, axis=-1), np.cumsum(b, axis=-1)
    cheaper = a < b * (1 - 1e-12)
    return np.where(cheaper.any(axis=-1), np.argmax(cheaper, axis=-1), np.nan)


def crossover_month(frame: pd.DataFrame, option: str = "own", cumulative: bool = False):
    """First month in which `option` ("own" or "hybrid") costs less than renting; None if never."""
    if option not in ("own", "hybrid"):
        raise ValueError(f"option must be 'own' or 'hybrid', got {option!r}")
    prefix = "cumulative_" if cumulative else ""
    cheaper = frame[f"{prefix}{option}_usd"].to_numpy() < frame[f"{prefix}rent_usd"].to_numpy() * (1 - 1e-12)
    return int(frame["month"].to_numpy()[np.argmax(cheaper)]) if cheaper.any() else None


def npv(monthly_usd, discount_rate_per_year: float = 0.0) -> float:
    """Present value of a monthly cost stream (month 0 undiscounted): sum c_t / (1 + r)^(t/12)."""
    r = float(as_array("discount_rate_per_year", discount_rate_per_year, low=0, high=1))
    c = np.asarray(monthly_usd, dtype=float)
    return float(np.sum(c / (1 + r) ** (np.arange(c.shape[-1]) / 12), axis=-1))


def wait_and_see(tokens_per_month, *, discount_rate_per_year: float = 0.0, option: str = "own",
                 **kwargs) -> pd.DataFrame:
    """Present value of renting until month k, then `option`, for every start month k of the horizon and
    k = horizon (never: rent throughout). One projection gives both streams; a (start x month) mask
    combines them without a loop.
    """
    frame = project(tokens_per_month, **kwargs)
    t = frame["month"].to_numpy()
    rent, other = frame["rent_usd"].to_numpy(), frame[f"{option}_usd"].to_numpy()
    start = np.arange(len(t) + 1)[:, None]
    streams = np.where(t[None, :] >= start, other[None, :], rent[None, :])
    r = float(as_array("discount_rate_per_year", discount_rate_per_year, low=0, high=1))
    present = (streams / (1 + r) ** (t / 12)).sum(axis=1)
    out = pd.DataFrame({"start_month": start[:, 0], f"npv_{option}_from_start_usd": present,
                        "npv_rent_only_usd": npv(rent, r)})
    out["saving_vs_rent_usd"] = out["npv_rent_only_usd"] - out[f"npv_{option}_from_start_usd"]
    return out
