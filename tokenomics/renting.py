"""What does the API cost? Blended per-token prices and monthly cost at volume.

API pricing is linear per token (provider price pages; the article: "you pay the same per token
whether you use 1 million or 1 billion"), with separate input, cached-input and output prices.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from .catalog import load_api_prices
from .checks import as_array, as_share, lookup_name, scalar_or_array

TOKENS_PER_MTOK = 1e6
PRICE_BASES = ("list", "article")


def blended_price(input_usd_per_mtok, output_usd_per_mtok, input_share, cached_share=0.0,
                  cached_input_usd_per_mtok=None):
    """USD per million tokens of a workload whose tokens are `input_share` input, the rest output.

    `cached_share` is the share of *input* tokens read from the provider's prompt cache and billed at
    `cached_input_usd_per_mtok` (None: cached tokens cost the same as other input).

        p = s_in * ((1 - s_c) * p_in + s_c * p_cached) + (1 - s_in) * p_out

    Source: per-token price pages of OpenAI, Anthropic and Google (input, cached input, output).
    """
    p_in = as_array("input_usd_per_mtok", input_usd_per_mtok)
    p_out = as_array("output_usd_per_mtok", output_usd_per_mtok)
    s_in = as_share("input_share", input_share)
    s_c = as_share("cached_share", cached_share)
    p_cached = p_in if cached_input_usd_per_mtok is None else as_array(
        "cached_input_usd_per_mtok", cached_input_usd_per_mtok)
    blended = s_in * ((1.0 - s_c) * p_in + s_c * p_cached) + (1.0 - s_in) * p_out
    return scalar_or_array(blended)


def api_models(prices: pd.DataFrame | None = None) -> list[str]:
    """Model names in data/api_prices.csv, in file order."""
    prices = load_api_prices() if prices is None else prices
    return list(dict.fromkeys(prices["model"]))


def api_price(model: str, as_of=None, basis: str | None = None, prices: pd.DataFrame | None = None) -> pd.Series:
    """The catalog row in force for `model` on `as_of` (latest at or before it; None: latest known).

    `basis` picks "list" (provider prices, generated from genai-prices) or "article" (the seed
    article's table); None prefers list prices and falls back to the article's.
    """
    prices = load_api_prices() if prices is None else prices
    model = lookup_name("API model", model, prices["model"])
    if basis is not None and basis not in PRICE_BASES:
        raise ValueError(f"basis must be one of {PRICE_BASES} or None, got {basis!r}")
    rows = prices[prices["model"] == model]
    when = pd.Timestamp.max if as_of is None else pd.Timestamp(as_of)
    in_force = rows[rows["as_of"] <= when]
    for b in ([basis] if basis else PRICE_BASES):
        candidates = in_force[in_force["price_basis"] == b]
        if len(candidates):
            return candidates.sort_values("as_of").iloc[-1]
    known = ", ".join(f"{r.as_of:%Y-%m-%d} ({r.price_basis})" for r in rows.itertuples())
    raise ValueError(f"no {basis or 'list or article'} price for {model!r} on or before "
                     f"{when:%Y-%m-%d}; prices known: {known}")


def monthly_api_cost(model: str, tokens_per_month, input_share, cached_share=0.0, *, batch: bool = False,
                     as_of=None, basis: str | None = None, prices: pd.DataFrame | None = None):
    """USD per month for `tokens_per_month` (input + output) on `model`, priced as on `as_of`.

        cost = tokens / 1e6 * blended_price * (1 - batch_discount_share if batch)

    Broadcasts over `tokens_per_month`, `input_share` and `cached_share`. Prices: data/api_prices.csv.
    """
    tokens = as_array("tokens_per_month", tokens_per_month)
    s_c = as_share("cached_share", cached_share)
    row = api_price(model, as_of=as_of, basis=basis, prices=prices)
    cached_price = row["cached_input_usd_per_mtok"]
    if np.isnan(cached_price):
        if np.any(s_c > 0):
            raise ValueError(f"cached_share is {cached_share!r} but the {row['price_basis']} price of "
                             f"{row['model']!r} as of {row['as_of']:%Y-%m-%d} states no cached-input price")
        cached_price = None
    per_mtok = blended_price(row["input_usd_per_mtok"], row["output_usd_per_mtok"], input_share, s_c,
                             cached_price)
    cost = tokens / TOKENS_PER_MTOK * per_mtok
    if batch:
        discount = row["batch_discount_share"]
        if np.isnan(discount):
            raise ValueError(f"batch=True but the {row['price_basis']} price of {row['model']!r} as of "
                             f"{row['as_of']:%Y-%m-%d} states no batch discount")
        cost = cost * (1.0 - discount)
    return scalar_or_array(cost)


def implied_input_share(cost_usd, tokens, input_usd_per_mtok, output_usd_per_mtok):
    """The input share that makes `tokens` cost `cost_usd`: s = (p_out - c) / (p_out - p_in), c in USD/Mtok."""
    per_mtok = as_array("cost_usd", cost_usd) / as_array("tokens", tokens, low=0, low_open=True) * TOKENS_PER_MTOK
    p_in = as_array("input_usd_per_mtok", input_usd_per_mtok)
    p_out = as_array("output_usd_per_mtok", output_usd_per_mtok)
    return scalar_or_array((p_out - per_mtok) / (p_out - p_in))


def round_cents(usd) -> Decimal:
    """Round to the cent, halves up, as price tables and invoices do (Python's round() halves to even)."""
    return Decimal(repr(round(float(usd), 9))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def format_usd(usd) -> str:
    """'$1,950.00': cents, halves rounded up."""
    return f"${round_cents(usd):,}"


def cost_table(models: list[str], tokens_per_month, input_share, cached_share=0.0, *, as_of=None,
               basis: str | None = None, batch: bool = False) -> pd.DataFrame:
    """USD per month: one row per volume, one column per model (the article's table layout)."""
    tokens = as_array("tokens_per_month", tokens_per_month).reshape(-1)
    return pd.DataFrame(
        {m: monthly_api_cost(m, tokens, input_share, cached_share, batch=batch, as_of=as_of, basis=basis)
         for m in models},
        index=pd.Index(tokens, name="tokens_per_month"))


def workload_cost_table(models: list[str], workloads: pd.DataFrame, tokens_per_month: float, *,
                        as_of=None, basis: str | None = None) -> pd.DataFrame:
    """USD per month at one volume: one row per workload (its input and cached shares), one column per model."""
    return pd.DataFrame(
        {m: monthly_api_cost(m, tokens_per_month, workloads["input_share"].to_numpy(),
                             workloads["cached_share"].to_numpy(), as_of=as_of, basis=basis)
         for m in models},
        index=pd.Index(workloads["workload"], name="workload"))


def article_vs_list(as_of, prices: pd.DataFrame | None = None) -> pd.DataFrame:
    """Side by side, per model: the article's prices and the provider's list prices in force on `as_of`."""
    prices = load_api_prices() if prices is None else prices
    rows = []
    for model in api_models(prices):
        got = {}
        for b in PRICE_BASES:
            try:
                got[b] = api_price(model, as_of, b, prices)
            except ValueError:
                got[b] = None
        a, lst = got["article"], got["list"]
        if a is None:
            continue
        rows.append({
            "model": model,
            "article_input": a["input_usd_per_mtok"], "article_output": a["output_usd_per_mtok"],
            "list_input": np.nan if lst is None else lst["input_usd_per_mtok"],
            "list_output": np.nan if lst is None else lst["output_usd_per_mtok"],
            "list_model_id": "" if lst is None else lst["provider_model_id"],
        })
    out = pd.DataFrame(rows)
    same = np.isclose(out["article_input"], out["list_input"]) & np.isclose(out["article_output"], out["list_output"])
    out["verdict"] = np.where(out["list_input"].isna(), "no list price held",
                              np.where(same, "same", "differs"))
    return out


def blended_drift(models: list[str], then, now, input_share, cached_share=0.0,
                  basis_then: str | None = "list") -> pd.DataFrame:
    """Blended USD per million tokens of each model on two dates, and the ratio now / then."""
    rows = []
    for m in models:
        p_then = monthly_api_cost(m, TOKENS_PER_MTOK, input_share, cached_share, as_of=then, basis=basis_then)
        p_now = monthly_api_cost(m, TOKENS_PER_MTOK, input_share, cached_share, as_of=now, basis="list")
        rows.append({"model": m, "then_usd_per_mtok": p_then, "now_usd_per_mtok": p_now, "ratio": p_now / p_then})
    return pd.DataFrame(rows)
