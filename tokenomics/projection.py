"""How does the answer move over time? Month-by-month rent, own and hybrid under growth and price decline.

Per month t (0 .. horizon-1):
    tokens_t  = tokens_0 x growth^(t/12), output tokens x reasoning multiplier
    API       = tokens_t x blended price at the new mix x (1 - api decline)^(t/12)
    own       = replicas for the output tokens at peak x hardware_t + people + power,
                hardware_t falling with GPU prices: every month when rented, at each refresh when bought
    hybrid    = own for `hybrid_own_share` of the traffic, API for the rest
Two views of owning: amortised (`own_usd`, `hybrid_usd`: bought hardware spread over its life, month by
month) and cash (`own_cash_usd`, `hybrid_cash_usd`: bought hardware paid when it comes online, the book value
left at the horizon credited back in the last month). Rented GPUs cost the same in both. With flat volume and
no price decline the two views' totals are equal; `cash_payback_months` and the cash crossover read the same
story from the cash view.
Growth and decline are annual factors applied smoothly by month. Defaults are neutral (no growth, no
decline): the notebooks pass sourced values (a16z "LLMflation" 2024: ~10x a year cheaper at constant
capability; Epoch AI 2025: 9-900x; the seed article: volume 10x a year; Epoch AI 2025: reasoning
models emit ~8x more output tokens).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from .checks import as_array, scalar_or_array
from .owning import OwnCost
from .renting import TOKENS_PER_MTOK, blended_price

MAX_HORIZON_MONTHS = 600
VIEWS = ("amortised", "cash")


def _horizon(horizon_months) -> np.ndarray:
    h = as_array("horizon_months", horizon_months, low=1, high=MAX_HORIZON_MONTHS)
    if h.ndim or h != np.round(h):
        raise ValueError(f"horizon_months must be a whole number of months, got {horizon_months!r}")
    return np.arange(int(h), dtype=float)


def _hardware_cash(own: OwnCost, replicas, owning, hardware_factor, t) -> tuple[np.ndarray, np.ndarray]:
    """Cash paid for bought hardware each month, and the book value left at the horizon (in the last month).

    Replicas are held from the month they first come online (held_t = most replicas in any owning month so
    far; a replica no longer needed stays owned, idle); each is bought then and bought again every
    L = round(amortisation_months) months:
        new_t     = held_t - held_(t-1)
        capex_t   = capex per replica x hardware_factor_t x sum over k >= 0 of new_(t - k L)
        book      = sum_t capex_t x max(0, 1 - (T - t) / L)     straight line, T = horizon in months
    Rented GPUs (capex 0) pay nothing here. Loops only over the few renewals within the horizon.
    """
    held = np.maximum.accumulate(np.where(owning, replicas, 0.0), axis=-1)
    new = np.diff(held, axis=-1, prepend=0.0)
    life = np.round(np.asarray(own.amortisation_months, dtype=float))
    months = t.shape[-1]
    bought = new.copy()
    for k in range(1, int(months / np.min(life)) + 1 if np.isfinite(np.min(life)) else 1):
        source = t - k * life
        index = np.broadcast_to(np.maximum(source, 0).astype(int), new.shape)
        bought = bought + np.where(source >= 0, np.take_along_axis(new, index, axis=-1), 0.0)
    capex = bought * np.asarray(own.capex_usd_per_replica, dtype=float) * hardware_factor
    remaining = np.clip(1 - (months - t) / life, 0.0, 1.0)
    book = np.where(t == months - 1, np.sum(capex * remaining, axis=-1, keepdims=True), 0.0)
    return capex, book


def _own_views(own: OwnCost, tokens, output_tokens, hardware_factor, owning, t) -> dict[str, np.ndarray]:
    """Owning's monthly cost in both views: amortised (`OwnCost.lines`) and cash (hosting monthly, capex up front,
    book value credited at the end), with the replicas, the capex paid and the book value."""
    lines = own.lines(tokens, output_tokens, hardware_factor)
    capex, book = _hardware_cash(own, lines["replicas"], owning, hardware_factor, t)
    hosting = lines["replicas"] * own.hosting_usd_per_replica_month * hardware_factor
    cash = lines["total_usd"] - lines["hardware_usd"] + hosting + capex - book
    return {"amortised": lines["total_usd"], "cash": cash, "capex": capex, "book": book,
            "replicas": lines["replicas"]}


def rent_arrays(tokens_per_month, *, api_input_usd_per_mtok, api_output_usd_per_mtok, input_share, cached_share=0.0,
                cached_input_usd_per_mtok=None, horizon_months=36, volume_growth_per_year=1.0,
                api_price_decline_per_year=0.0, reasoning_output_multiplier=1.0) -> dict[str, np.ndarray]:
    """The API side of a projection alone: tokens, input and output tokens, price and bill by month (months on the
    last axis; price arrays of shape (C, 1) give C candidates at once). See `project` for the meaning."""
    t = _horizon(horizon_months)
    v0 = as_array("tokens_per_month", tokens_per_month)
    growth = as_array("volume_growth_per_year", volume_growth_per_year, low=0, low_open=True, high=1e3)
    decline = as_array("api_price_decline_per_year", api_price_decline_per_year, low=0, high=0.999)
    mult = as_array("reasoning_output_multiplier", reasoning_output_multiplier, low=1, high=1e3)
    s_in = float(as_array("input_share", input_share, low=0, high=1))
    if s_in >= 1:
        raise ValueError("input_share must be < 1: owning is sized by output tokens")
    base = v0 * growth ** (t / 12)
    input_tokens, output_tokens = base * s_in, base * (1 - s_in) * mult
    tokens = input_tokens + output_tokens
    share_now = input_tokens / tokens
    price = np.asarray(blended_price(api_input_usd_per_mtok, api_output_usd_per_mtok, share_now, cached_share,
                                     cached_input_usd_per_mtok)) * (1 - decline) ** (t / 12)
    return {"month": t, "tokens_per_month": tokens, "output_tokens_per_month": output_tokens,
            "output_share": 1 - share_now, "api_usd_per_mtok": price, "rent_usd": tokens * price / TOKENS_PER_MTOK}


def project_arrays(tokens_per_month, *, api_input_usd_per_mtok, api_output_usd_per_mtok, input_share, own: OwnCost,
                   cached_share=0.0, cached_input_usd_per_mtok=None, horizon_months=36, volume_growth_per_year=1.0,
                   api_price_decline_per_year=0.0, reasoning_output_multiplier=1.0, gpu_price_decline_per_year=0.0,
                   hardware_refresh_months=None, hybrid_own_share=0.5, own_from_month=0) -> dict[str, np.ndarray]:
    """The projection as arrays whose last axis is the month: scenario parameters given as arrays of shape
    (S, 1) give (S, horizon) results, every scenario at once. See `project` for the meaning.

    Keys: month, tokens_per_month, output_share, api_usd_per_mtok, replicas, rent_usd, and per path (own,
    hybrid) its amortised USD (`own_usd`) and its cash USD (`own_cash_usd`: bought hardware paid up front in
    the month its replicas come online, again at the end of each amortisation life within the horizon, and
    the straight-line book value still held at the horizon's end credited in the last month), the hardware
    cash paid (`own_capex_usd`) and that credit (`own_residual_usd`), likewise `hybrid_*`; `owning` marks the
    months from `own_from_month` (before it every path is renting).
    """
    api = rent_arrays(tokens_per_month, api_input_usd_per_mtok=api_input_usd_per_mtok,
                      api_output_usd_per_mtok=api_output_usd_per_mtok, input_share=input_share,
                      cached_share=cached_share, cached_input_usd_per_mtok=cached_input_usd_per_mtok,
                      horizon_months=horizon_months, volume_growth_per_year=volume_growth_per_year,
                      api_price_decline_per_year=api_price_decline_per_year,
                      reasoning_output_multiplier=reasoning_output_multiplier)
    t, tokens, output_tokens, rent, price = (api["month"], api["tokens_per_month"], api["output_tokens_per_month"],
                                             api["rent_usd"], api["api_usd_per_mtok"])
    share_now = 1 - api["output_share"]
    s_in = float(as_array("input_share", input_share, low=0, high=1))
    gpu_decline = as_array("gpu_price_decline_per_year", gpu_price_decline_per_year, low=0, high=0.999)
    hybrid = as_array("hybrid_own_share", hybrid_own_share, low=0, high=1)
    start = as_array("own_from_month", own_from_month, low=0, high=MAX_HORIZON_MONTHS)

    if hardware_refresh_months is None:
        years_of_decline = t / 12
    else:
        refresh = float(as_array("hardware_refresh_months", hardware_refresh_months, low=1, high=MAX_HORIZON_MONTHS))
        years_of_decline = np.floor(t / refresh) * refresh / 12
    hw_factor = (1 - gpu_decline) ** years_of_decline
    if own.output_share is None:  # capacity measured at the team's starting mix
        own = dataclasses.replace(own, output_share=1 - s_in)
    owning = t >= start
    whole = _own_views(own, tokens, output_tokens, hw_factor, owning, t)
    part = _own_views(own, tokens * hybrid, output_tokens * hybrid, hw_factor, owning, t)
    out = {"month": t, "tokens_per_month": tokens, "output_share": 1 - share_now, "api_usd_per_mtok": price,
           "replicas": np.where(owning, whole["replicas"], 0), "rent_usd": rent,
           "own_usd": np.where(owning, whole["amortised"], rent), "own_cash_usd": np.where(owning, whole["cash"], rent),
           "own_capex_usd": whole["capex"], "own_residual_usd": whole["book"]}
    for view, key in (("amortised", "hybrid_usd"), ("cash", "hybrid_cash_usd")):
        out[key] = np.where(owning, np.where(hybrid > 0, part[view], 0.0) + rent * (1 - hybrid), rent)
    out |= {"hybrid_capex_usd": np.where(hybrid > 0, part["capex"], 0.0),
            "hybrid_residual_usd": np.where(hybrid > 0, part["book"], 0.0), "owning": owning}
    return {k: np.broadcast_to(v, np.broadcast_shapes(np.shape(v), rent.shape)) for k, v in out.items()}


def project(tokens_per_month, **kwargs) -> pd.DataFrame:
    """Monthly and cumulative USD for rent, own and hybrid; one row per month.

    Keywords: api_input_usd_per_mtok, api_output_usd_per_mtok, input_share, own (an `OwnCost`), and
    optionally cached_share, cached_input_usd_per_mtok, horizon_months (36), volume_growth_per_year (x per
    year, 1 = flat), api_price_decline_per_year (share, 0.9 = 10x cheaper a year), reasoning_output_multiplier,
    gpu_price_decline_per_year, hardware_refresh_months (None: hardware rented, follows the market monthly;
    a number: bought, repriced at each refresh), hybrid_own_share (0.5), own_from_month (0; rent before).

    Columns: those of `project_arrays` (the amortised `own_usd` and the cash `own_cash_usd` side by side, the
    cash view crediting the book value left at the horizon in the last month), and cumulative_* of each path.
    """
    arrays = project_arrays(tokens_per_month, **kwargs)
    frame = pd.DataFrame({k: np.asarray(v).reshape(-1) for k, v in arrays.items()})
    frame["month"] = frame["month"].astype(int)
    for col in ("rent_usd", "own_usd", "hybrid_usd", "own_cash_usd", "hybrid_cash_usd"):
        frame[f"cumulative_{col}"] = frame[col].cumsum()
    return frame


def _option(option: str) -> str:
    if option not in ("own", "hybrid"):
        raise ValueError(f"option must be 'own' or 'hybrid', got {option!r}")
    return option


def _cash_paid(arrays, option: str) -> np.ndarray:
    """Cash the path pays each month, without the book value credited at the horizon (a value, not a saving)."""
    return arrays[f"{option}_cash_usd"] + arrays[f"{option}_residual_usd"]


def crossover_months(arrays: dict[str, np.ndarray], option: str = "own", cumulative: bool = False,
                     view: str = "amortised") -> np.ndarray:
    """First month per scenario in which `option` costs less than renting (NaN if never), from `project_arrays`.

    view "amortised": `option`_usd < rent_usd. view "cash": the cash paid (`own_cash_usd` before the closing
    book-value credit) <= rent_usd, among the months owning has started; with `cumulative`, the first month
    cumulative cash is no more than cumulative rent, the month `cash_payback_months` falls in.
    """
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    b = arrays["rent_usd"]
    a = arrays[f"{_option(option)}_usd"] if view == "amortised" else _cash_paid(arrays, option)
    if cumulative:
        a, b = np.cumsum(a, axis=-1), np.cumsum(b, axis=-1)
    cheaper = a < b * (1 - 1e-12) if view == "amortised" else (a <= b * (1 + 1e-12)) & arrays["owning"]
    return np.where(cheaper.any(axis=-1), np.argmax(cheaper, axis=-1), np.nan)


def crossover_month(frame: pd.DataFrame, option: str = "own", cumulative: bool = False, view: str = "amortised"):
    """First month in which `option` ("own" or "hybrid") costs less than renting; None if never (see
    `crossover_months` for the views)."""
    month = crossover_months({k: frame[k].to_numpy() for k in frame.columns}, option, cumulative, view)
    return None if np.isnan(month) else int(frame["month"].to_numpy()[int(month)])


def cash_payback_months(arrays: dict[str, np.ndarray], option: str = "own"):
    """Months from the start of owning until its cumulative cash is no more than renting's: the capex repaid by
    the monthly saving (inf if not within the horizon). Vectorised over scenarios.

    Within a month, bought hardware is paid at its start and running costs and rent accrue evenly, so in the
    first month t where cumulative cash catches up,
        payback = t + (cash behind rent at t's start, incl. t's capex) / (rent_t - running cost_t) - start.
    It falls in the cumulative cash crossover month: crossover = start + ceil(payback) - 1. With flat volume it
    is `breakeven.payback_months`: capex / (API bill - running cost).
    """
    rent, paid = arrays["rent_usd"], _cash_paid(arrays, _option(option))
    capex = np.broadcast_to(arrays[f"{option}_capex_usd"], paid.shape)
    behind = np.cumsum(paid - rent, axis=-1)
    caught = (behind <= 1e-12 * np.cumsum(rent, axis=-1)) & arrays["owning"]
    t = np.argmax(caught, axis=-1)[..., None]
    at = {name: np.take_along_axis(np.broadcast_to(v, paid.shape), t, axis=-1)[..., 0]
          for name, v in (("behind", behind), ("paid", paid), ("rent", rent), ("capex", capex))}
    before = at["behind"] - at["paid"] + at["rent"] + at["capex"]
    saving = at["rent"] - (at["paid"] - at["capex"])
    with np.errstate(divide="ignore", invalid="ignore"):
        within = np.where(before > 0, before / np.where(saving > 0, saving, 1.0), 0.0)
    start = np.argmax(np.broadcast_to(arrays["owning"], paid.shape), axis=-1)
    months = t[..., 0] + within - start
    return scalar_or_array(np.where(caught.any(axis=-1), months, np.inf))


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
