"""Regenerate the provider ("list") rows of data/api_prices.csv from the genai-prices package.

genai-prices (pydantic/genai-prices on the package index) keeps a maintained, dated table of API
prices with price changes as start-dated entries. The article's own rows (price_basis "article")
are kept as they are; the list rows are rebuilt for each requested date. Run: `make prices`.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path

from .catalog import DATA_DIR, SCHEMAS, load_api_prices

ARTICLE_DATE = "2025-05-07"

#: Catalog model -> (provider label, genai-prices provider id, [(first date, genai-prices model ref)]).
#: A model renamed by its provider (preview -> GA) lists each name from the date it applied;
#: a ref of None means genai-prices does not hold that price (see the reason in NOT_MODELLED).
MODEL_REFS: dict[str, tuple[str, str, list[tuple[str, str | None]]]] = {
    "GPT-4.1": ("OpenAI", "openai", [("2025-04-14", "gpt-4.1")]),
    "GPT-4.1 mini": ("OpenAI", "openai", [("2025-04-14", "gpt-4.1-mini")]),
    "GPT-4.1 nano": ("OpenAI", "openai", [("2025-04-14", "gpt-4.1-nano")]),
    "o3-mini": ("OpenAI", "openai", [("2025-01-31", "o3-mini")]),
    "o1": ("OpenAI", "openai", [("2024-12-17", "o1")]),
    "Claude 3.7 Sonnet": ("Anthropic", "anthropic", [("2025-02-19", "claude-3-7-sonnet-20250219")]),
    "Claude 3.5 Haiku": ("Anthropic", "anthropic", [("2024-10-22", "claude-3-5-haiku-20241022")]),
    "Claude 3 Haiku": ("Anthropic", "anthropic", [("2024-03-07", "claude-3-haiku-20240307")]),
    "Gemini 2.5 Flash": ("Google", "google", [("2025-04-17", "gemini-2.5-flash-preview-04-17"),
                                              ("2025-06-17", "gemini-2.5-flash")]),
    "Gemini 2.5 Flash (thinking)": ("Google", "google", [("2025-04-17", None), ("2025-06-17", "gemini-2.5-flash")]),
    "Gemini 2.0 Flash": ("Google", "google", [("2025-02-05", "gemini-2.0-flash")]),
}
NOT_MODELLED = {
    "Gemini 2.5 Flash (thinking)": "genai-prices holds one output price for the 04-17 preview, "
                                   "not its separate thinking-output price",
}


def _ref_on(model: str, on: date) -> str | None:
    refs = [ref for start, ref in MODEL_REFS[model][2] if date.fromisoformat(start) <= on]
    return refs[-1] if refs else None


def _mtok(price) -> float:
    return float(price) if isinstance(price, Decimal) else float("nan")


def list_price_rows(dates: list[str]) -> list[dict[str, str]]:
    """One list-price row per catalog model and date, from genai-prices' bundled snapshot."""
    from genai_prices import data_snapshot

    snap = data_snapshot.get_snapshot()
    lib = f"genai-prices {version('genai-prices')}"
    rows = []
    for day in dates:
        on = date.fromisoformat(day)
        stamp = datetime(on.year, on.month, on.day, 12, tzinfo=UTC)
        for model, (label, provider_id, _) in MODEL_REFS.items():
            ref = _ref_on(model, on)
            if ref is None:
                continue
            provider, info = snap.find_provider_model(ref, None, provider_id, None)
            std = info.get_prices(stamp)
            batch = info.get_prices(stamp, {"processing": "batch"}) if info.price_variants else std
            p_in, p_batch = _mtok(getattr(std, "input_mtok", None)), _mtok(getattr(batch, "input_mtok", None))
            discount = 1 - p_batch / p_in if p_batch < p_in else float("nan")
            notes = "deprecated by the provider (genai-prices)" if info.deprecated else ""
            rows.append({
                "provider": label, "model": model,
                "input_usd_per_mtok": _fmt(p_in),
                "cached_input_usd_per_mtok": _fmt(_mtok(getattr(std, "cache_read_mtok", None))),
                "output_usd_per_mtok": _fmt(_mtok(getattr(std, "output_mtok", None))),
                "batch_discount_share": _fmt(discount),
                "context_tokens": str(info.context_window or ""),
                "as_of": day,
                "source": f"{lib}, provider {provider.id}, model {info.id}: price in force on {day}",
                "price_basis": "list", "provider_model_id": info.id, "notes": notes,
            })
    return rows


def _fmt(x: float) -> str:
    """Plain decimal text: '' for NaN, no exponent for whole numbers like 1000000."""
    if x != x:
        return ""
    return str(int(x)) if float(x).is_integer() else f"{x:.10g}"


def write_api_prices(dates: list[str] | None = None, path: Path | None = None) -> Path:
    """Rewrite `path` (data/api_prices.csv): its article rows as they are, then fresh list rows."""
    path = path or DATA_DIR / "api_prices.csv"
    dates = dates or [ARTICLE_DATE, date.today().isoformat()]
    article = load_api_prices(path)
    article = article[article["price_basis"] == "article"]
    columns = list(SCHEMAS["api_prices.csv"].required) + ["price_basis", "provider_model_id", "notes"]
    with path.with_suffix(".tmp").open("w", newline="", encoding="utf-8") as fh:
        out = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        out.writeheader()
        for r in article.to_dict("records"):
            r["as_of"] = r["as_of"].strftime("%Y-%m-%d")
            out.writerow({c: _fmt(r[c]) if isinstance(r[c], float) else r.get(c, "") for c in columns})
        for r in list_price_rows(dates):
            out.writerow(r)
    path.with_suffix(".tmp").replace(path)
    load_api_prices(path)
    return path
