"""What did the usage cost? A normalised usage table priced row by row, on each row's date, at list prices.

Each row (`usage.read_usage`'s table: date, team, provider, model, requests, input_uncached_tokens,
input_cache_read_tokens, input_cache_write_tokens, output_tokens; optional input_cache_write_1h_tokens,
recorded_usd, input_band_tokens) is matched to the catalog by its provider and model id
(`renting.resolve_api_model`, genai-prices' own id matching), then priced with the list price period in
force on its date (data/api_list_prices.csv) and its long-context tier (data/api_price_tiers.csv):

    input_usd       = input_uncached_tokens * p_input
    cache_read_usd  = input_cache_read_tokens * (p_cache_read, else p_input)
    cache_write_usd = (writes - writes_1h) * (p_write_5m, else p_input) + writes_1h * (p_write_1h, else the 5m price)
    output_usd      = output_tokens * p_output                      (prices in USD per 1e6 tokens)
    request_usd     = requests * request fee (where the provider charges one)

the rules genai-prices' `calc_price` applies (its input_tokens include cache reads and writes; a missing
cache price bills those tokens at the next price up). Each price gap a row falls into is stated in its
`price_note`.

Tiers. A provider's long-context tier applies to a whole request whose input (uncached + cache read +
cache write) exceeds the threshold. A row adds up many requests, so the tier is chosen by its mean request,
input tokens / requests; a day of small requests is never billed at a long-context price. Where the export
states the band of request sizes (`input_band_tokens`: the lower bound of the band, requests in the row had
more input tokens than this, e.g. 200000 for Anthropic's context_window "200k-1M", 0 for "0-200k"), the band
decides instead. Where neither says (`requests` NaN, no band), the row is priced at the base tier and, if
its tokens could reach a tier, flagged "at least": the bill may be higher.

Not priced: batch and service-tier variants (the normalised table does not say which requests used them),
and units other than text tokens. A row whose model the catalog does not hold gets NaN cost and the reason;
it is never priced as another model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .catalog import DATA_DIR, load_api_price_tiers
from .renting import TOKENS_PER_MTOK, _Index, _index, _resolve

REQUIRED = ["date", "provider", "model", "input_uncached_tokens", "input_cache_read_tokens",
            "input_cache_write_tokens", "output_tokens"]
OPTIONAL = {"team": "", "requests": np.nan, "input_cache_write_1h_tokens": 0.0, "recorded_usd": np.nan,
            "input_band_tokens": np.nan}
TOKENS = ["input_uncached_tokens", "input_cache_read_tokens", "input_cache_write_tokens",
          "input_cache_write_1h_tokens", "output_tokens"]
PRICES = ["input_usd_per_mtok", "cached_input_usd_per_mtok", "cache_write_5m_usd_per_mtok",
          "cache_write_1h_usd_per_mtok", "output_usd_per_mtok"]
COST_COLUMNS = ["input_usd", "cache_read_usd", "cache_write_usd", "output_usd", "request_usd", "total_usd"]


def _checked(usage: pd.DataFrame) -> pd.DataFrame:
    """The usage table with optional columns filled and token counts as floats; ValueError naming the problem."""
    missing = [c for c in REQUIRED if c not in usage.columns]
    if missing:
        raise ValueError(f"usage table: missing column(s) {missing}; expected {REQUIRED} "
                         f"(optional: {list(OPTIONAL)})")
    out = usage.copy()
    for col, default in OPTIONAL.items():
        if col not in out.columns:
            out[col] = default
    for col in TOKENS + ["requests", "recorded_usd", "input_band_tokens"]:
        values = pd.to_numeric(out[col], errors="coerce")
        bad = (values.isna() & out[col].notna()) | (values < 0)
        if col in TOKENS:
            bad |= values.isna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            value = out[col].iloc[i]
            raise ValueError(f"usage table: row {i}, column {col!r}: expected a number >= 0, "
                             f"got {value.item() if hasattr(value, 'item') else value!r}")
        out[col] = values.astype(float)
    over = out["input_cache_write_1h_tokens"] > out["input_cache_write_tokens"]
    if over.any():
        i = int(np.flatnonzero(over.to_numpy())[0])
        raise ValueError(f"usage table: row {i}, column 'input_cache_write_1h_tokens': the 1-hour writes "
                         f"({out['input_cache_write_1h_tokens'].iloc[i]:g}) exceed all cache writes "
                         f"({out['input_cache_write_tokens'].iloc[i]:g})")
    dates = pd.to_datetime(out["date"], errors="coerce")
    if dates.isna().any():
        i = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise ValueError(f"usage table: row {i}, column 'date': expected a date, got {out['date'].iloc[i]!r}")
    out["date"] = dates
    return out


def _resolve_usage_model(idx: _Index, provider, model) -> tuple[tuple[str, str] | None, str]:
    """(list row key (provider_id, provider_model_id), '') of an export's provider and model id, or (None, reason).

    Ids first, by genai-prices' matching with the export's provider; then catalog names.
    """
    provider = None if provider is None or pd.isna(provider) or str(provider).strip() == "" else str(provider)
    model = "" if model is None or pd.isna(model) else str(model)
    try:
        pair = _resolve(idx, model, provider, ids_first=True)
    except KeyError as err:
        return None, err.args[0]
    if pair not in idx.list_key:
        return None, f"{pair[1]!r} of {pair[0]} has no list price (the article's price only)"
    return idx.list_key[pair], ""


def _tier_arrays(idx: _Index, tiers: pd.DataFrame):
    """Thresholds (L, k) and prices (L, k, 5) of the standard-price tiers of each list row (NaN: no such tier)."""
    std = tiers[tiers["processing"] == "standard"].sort_values("above_input_tokens", kind="stable")
    row_of = {key: i for i, key in enumerate(zip(idx.prices["provider_id"].to_numpy()[idx.list_pos],
                                                  idx.prices["provider_model_id"].to_numpy()[idx.list_pos],
                                                  idx.list_valid_from))}
    keys = list(zip(std["provider_id"], std["provider_model_id"], std["valid_from"].dt.strftime("%Y-%m-%d").fillna("")))
    depth = max(pd.Series(keys, dtype=object).value_counts().max() if keys else 1, 1)
    thresholds = np.full((len(idx.list_pos), depth), np.nan)
    prices = np.full((len(idx.list_pos), depth, len(PRICES)), np.nan)
    filled = np.zeros(len(idx.list_pos), dtype=int)
    values = std[PRICES].to_numpy(dtype=float)
    for j, (key, above) in enumerate(zip(keys, std["above_input_tokens"].to_numpy())):
        i = row_of[key]
        thresholds[i, filled[i]] = above
        prices[i, filled[i]] = values[j]
        filled[i] += 1
    return thresholds, prices


def _default_tier_arrays(idx: _Index):
    """_tier_arrays of data/api_price_tiers.csv, computed once per index and file version."""
    stamp = (DATA_DIR / "api_price_tiers.csv").stat().st_mtime_ns
    if idx.derived.get("tiers_stamp") != stamp:
        idx.derived.update(tiers_stamp=stamp, tiers=_tier_arrays(idx, load_api_price_tiers()))
    return idx.derived["tiers"]


def price_usage(usage: pd.DataFrame, prices: pd.DataFrame | None = None,
                tiers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each usage row priced in USD at the list price in force on its date (see the module docstring).

    Returns the rows with: catalog_provider, catalog_model, provider_id, provider_model_id, price_valid_from,
    tier_above_input_tokens (0: base price), input_usd, cache_read_usd, cache_write_usd, output_usd,
    request_usd, total_usd, price_note (gaps and assumptions), unpriced_reason (NaN costs where set).
    `prices` / `tiers`: price frames in the catalog's schemas (default: `load_api_prices()`,
    `load_api_price_tiers()`). Vectorised: ids resolved once per (provider, model) pair, prices gathered per
    row with numpy.
    """
    rows = _checked(usage)
    idx = _index(prices)
    n = len(rows)

    provider_codes, providers = pd.factorize(rows["provider"].astype(object), use_na_sentinel=False)
    model_codes, models = pd.factorize(rows["model"].astype(object), use_na_sentinel=False)
    codes, pairs = pd.factorize(provider_codes * len(models) + model_codes)
    resolved = [_resolve_usage_model(idx, providers[c // len(models)], models[c % len(models)]) for c in pairs]
    key_code = np.array([idx.key_code[k] if k is not None else -1 for k, _ in resolved], dtype=np.int64)[codes]
    reason = np.array([r for _, r in resolved], dtype=object)[codes]
    ok = key_code >= 0

    # The period in force: the list row of the same model with the latest start on or before the date.
    day = rows["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    probe = key_code * idx.SPAN + day + idx.DAY_OFFSET
    slot = np.searchsorted(idx.list_order_key, probe, side="right") - 1
    slot = np.where(ok & (slot >= 0), slot, 0)
    ok &= idx.list_order_key[slot] // idx.SPAN == key_code
    pos = idx.list_order_pos[slot]  # positions among the list rows

    tokens = {c: rows[c].to_numpy() for c in TOKENS}
    total_in = tokens["input_uncached_tokens"] + tokens["input_cache_read_tokens"] + tokens["input_cache_write_tokens"]
    requests = rows["requests"].to_numpy()
    requests = np.where(requests > 0, requests, np.nan)
    band = rows["input_band_tokens"].to_numpy()

    thresholds, tier_prices = _default_tier_arrays(idx) if tiers is None else _tier_arrays(idx, tiers)
    thr = thresholds[pos]
    per_request = total_in / requests
    with np.errstate(invalid="ignore"):
        tier = np.where(~np.isnan(band), (thr <= band[:, None]).sum(axis=1),
                        np.where(~np.isnan(per_request), (thr < per_request[:, None]).sum(axis=1), 0))
    could_reach = np.isnan(band) & np.isnan(per_request) & (total_in > np.nan_to_num(thr[:, 0], nan=np.inf))

    base = idx.list_prices[pos]  # (n, 5)
    tiered = tier_prices[pos, np.clip(tier - 1, 0, None)]
    p = np.where((tier > 0)[:, None], tiered, base)
    p_in, p_read, p_w5, p_w1h, p_out = p.T
    read = np.where(np.isnan(p_read), p_in, p_read)
    w5 = np.where(np.isnan(p_w5), p_in, p_w5)
    w1h = np.where(np.isnan(p_w1h), w5, p_w1h)
    fee = np.nan_to_num(idx.list_request_usd[pos])

    writes_1h = tokens["input_cache_write_1h_tokens"]
    cost = {
        "input_usd": tokens["input_uncached_tokens"] * p_in / TOKENS_PER_MTOK,
        "cache_read_usd": tokens["input_cache_read_tokens"] * read / TOKENS_PER_MTOK,
        "cache_write_usd": ((tokens["input_cache_write_tokens"] - writes_1h) * w5 + writes_1h * w1h) / TOKENS_PER_MTOK,
        "output_usd": tokens["output_tokens"] * p_out / TOKENS_PER_MTOK,
        "request_usd": np.where(np.isnan(requests), 1.0, requests) * fee,
    }
    cost["total_usd"] = sum(cost.values())

    notes = np.full(n, "", dtype=object)
    for mask, text in [
        (np.isnan(p_read) & (tokens["input_cache_read_tokens"] > 0), "no cache-read price: reads billed as input"),
        (np.isnan(p_w5) & (tokens["input_cache_write_tokens"] > writes_1h), "no cache-write price: writes billed as input"),
        (np.isnan(p_w1h) & (writes_1h > 0), "no 1-hour cache-write price: billed at the 5-minute write price"),
        (could_reach, "requests unknown: priced at the base tier, at least (a long-context tier may apply)"),
        (np.isnan(requests) & (fee > 0), "requests unknown: the per-request fee counted once"),
    ]:
        mask = mask & ok
        notes[mask] = notes[mask] + np.where(notes[mask] == "", "", "; ") + text

    found = {col: np.where(ok, idx.list_text[name][pos], None) for col, name in (
        ("catalog_provider", "provider"), ("catalog_model", "model"), ("provider_id", "provider_id"),
        ("provider_model_id", "provider_model_id"))}
    found["price_valid_from"] = np.where(ok, idx.list_start[pos], np.datetime64("NaT"))
    found["tier_above_input_tokens"] = np.where(ok, np.where(tier > 0, thr[np.arange(n), np.clip(tier - 1, 0, None)],
                                                             0.0), np.nan)
    found |= {col: np.where(ok, cost[col], np.nan) for col in COST_COLUMNS}
    found["price_note"] = notes
    found["unpriced_reason"] = np.where(ok, "", reason)
    rows = rows.reset_index(drop=True)
    return pd.concat([rows.drop(columns=[c for c in found if c in rows.columns]), pd.DataFrame(found)], axis=1)


def bill_summary(priced: pd.DataFrame) -> pd.DataFrame:
    """Per team and model: tokens, kit-priced USD, recorded USD, their difference, and what could not be priced.

    difference_share = kit_usd / recorded_usd - 1 (NaN where the export records no spend).
    Unpriced rows count in `unpriced_tokens` and name their ids in `unpriced_ids`; `price_notes` lists the
    distinct notes of the group's rows (price gaps, tiers assumed).
    """
    df = priced.copy()
    df["tokens"] = df[["input_uncached_tokens", "input_cache_read_tokens", "input_cache_write_tokens",
                       "output_tokens"]].sum(axis=1)
    unpriced = df["unpriced_reason"] != ""
    df["unpriced_tokens"] = np.where(unpriced, df["tokens"], 0.0)
    df["unpriced_id"] = np.where(unpriced, df["provider"].fillna("").astype(str) + "/" + df["model"].astype(str), "")
    df["group_provider"] = df["catalog_provider"].where(~unpriced, df["provider"].fillna("").astype(str))
    df["group_model"] = df["catalog_model"].where(~unpriced, df["model"].astype(str))

    def distinct(values) -> str:
        return "; ".join(sorted({v for v in values if v}))

    out = df.groupby(["team", "group_provider", "group_model"], sort=True, dropna=False).agg(
        tokens=("tokens", "sum"), kit_usd=("total_usd", lambda s: s.sum(min_count=1)),
        recorded_usd=("recorded_usd", lambda s: s.sum(min_count=1)),
        unpriced_tokens=("unpriced_tokens", "sum"), unpriced_ids=("unpriced_id", distinct),
        price_notes=("price_note", distinct)).reset_index()
    out = out.rename(columns={"group_provider": "provider", "group_model": "model"})
    out.insert(out.columns.get_loc("recorded_usd") + 1, "difference_share", out["kit_usd"] / out["recorded_usd"] - 1)
    return out
