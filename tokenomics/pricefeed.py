"""Generate the provider ("list") price catalog from the genai-prices package: every priced text model.

genai-prices (pydantic/genai-prices on the package index, pinned in pyproject.toml) keeps a maintained
table of API prices: ~2,330 model entries from 47 providers, with price changes as start-dated
`ConditionalPrice`s, long-context "cliff" tiers (`TieredPrices`: above a threshold of total input tokens
the whole request pays the tier price) and request variants (`processing: batch`, `service_tier`).
`make prices` (`python -m tokenomics prices`) writes two files from it; nothing depends on today's date:

  data/api_list_prices.csv  one row per (provider, model, price period): base prices per million tokens
                            (input, cache read, 5-minute and 1-hour cache write, output), the per-request
                            fee, the batch discount, context window, open-weights model, deprecation.
  data/api_price_tiers.csv  prices that depend on the request: each long-context tier (processing
                            "standard", above_input_tokens > 0) and, where batch is not one uniform
                            discount, the batch prices themselves (processing "batch", from 0 tokens up).

The article's own rows stay in data/api_prices.csv as the article printed them (price_basis "article");
`load_api_prices()` reads both price files together.

Price periods. A price without a start date is in force from the model's launch (valid_from empty); each
start date of a price or of a batch variant opens a new period (valid_from = that date), and consecutive
periods whose carried prices are equal are merged. genai-prices' first price applies before its first
start date too, so the first period always has an empty valid_from.

Time of day. Where genai-prices prices by time of day (DeepSeek's off-peak and peak windows,
`TimeOfDateConstraint`), the row holds the price in force for most of the UTC day and `notes` states the
other prices and their hours; usage exports are daily, so the hour of a request is unknown.

Skipped, with the reason:
  - models not priced per token in both directions (no input or no output token price): embeddings,
    rerankers, speech-to-text and text-to-speech billed per second or hour, free entries without prices;
  - models priced per character (`input_mchars`), which a token count cannot price;
  - models whose purpose is not text generation, by id or name (`NOT_TEXT_GENERATION`): image generation,
    speech, transcription, OCR, moderation, embeddings, even where genai-prices adds text-token prices.
Not carried as columns (listed per row in `notes` where genai-prices prices them): service tiers
(flex, priority, fast), fast mode, per-search and per-page fees, audio, image and video tokens, and a
separate reasoning-output price (usage exports report output tokens as one number).

Names. `model` is the catalog's display name: the maker's own name for its models (OpenAI's "GPT-4.1 mini",
Anthropic's "Claude 3.7 Sonnet"; curated rules below), the maker's name for its models resold by another
provider (Azure's GPT-4.1, Bedrock's Claude Sonnet 4.5), the open-weights name of data/open_models.csv for
open models sold by the token (reviewed patterns in `OPEN_MODEL_PATTERNS`), else genai-prices' name
(or its id) cleaned. Within one provider a name is unique: a second model with the same name gets its
provider id appended in parentheses (names compare case-insensitively, as users type them).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path

from .catalog import DATA_DIR

#: Upload date of each genai-prices release on the package index: the `as_of` of the rows generated from it.
GENAI_PRICES_RELEASES = {"0.2.3": "2026-11-10"}

LIST_FILE, TIERS_FILE = "api_list_prices.csv", "api_price_tiers.csv"

#: genai-prices price key -> catalog column (USD per million tokens; the 5-minute write is Anthropic's
#: `cache_write_mtok`, the write price of every provider that states one without a duration).
PRICE_COLUMNS = {
    "input_mtok": "input_usd_per_mtok",
    "cache_read_mtok": "cached_input_usd_per_mtok",
    "cache_write_mtok": "cache_write_5m_usd_per_mtok",
    "cache_write_1h_mtok": "cache_write_1h_usd_per_mtok",
    "output_mtok": "output_usd_per_mtok",
}
#: Price keys that do not change a token bill of text models, so they are named in notes, not carried.
NOT_TOKEN_KEYS = {"requests_kcount"} | set(PRICE_COLUMNS)

NOT_TEXT_GENERATION = re.compile(
    r"tts|transcri|whisper|embed|rerank|image|dall-e|imagen|moderation|ocr|speech|voice|music|lyria|veo|sora|"
    r"video|translate|sonic", re.I)

#: Providers that make models and sell them through their own API, with the ids of their own models
#: (None: genai-prices' own `model_match` of the provider says which ids are its models). Zhipu's GLM models
#: count as first party on Z.AI, its API priced in USD; genai-prices converts the CNY prices of its
#: domestic platform (zhipuai) at a stated rate.
MAKERS: dict[str, str | None] = {
    "openai": None, "openai-decisions": r"^gpt-", "anthropic": None, "google": r"^(gemini|gemma|learnlm)",
    "mistral": None, "deepseek": None, "x-ai": None, "cohere": r"^(command|c4ai-aya)", "moonshotai": None,
    "minimax": None, "zai": r"^glm", "meta": None, "perplexity": r"^(sonar|r1-1776|pplx-|llama-3\.1-sonar)",
    "arcee": r"^(arcee|trinity)", "cursor": None, "typesafe": None, "elevenlabs": None,
    "aws": r"(^|\.)(amazon\.)?(nova|titan)",
}

#: Open-weights models sold by the token -> data/open_models.csv name. Each pattern is matched against the
#: provider's model id reduced by `_bare_id` (lower case, no org or region prefix, "3p3" read as "3.3").
#: Reviewed against every match in the generated file; variants with other weights (distills, VL,
#: thinking/2507 checkpoints under another name, fine-tunes) are left out on purpose.
OPEN_MODEL_PATTERNS: dict[str, str] = {
    "gpt-oss-20b": r"^gpt-oss-20b",
    "gpt-oss-120b": r"^gpt-oss-120b",
    "Llama 4 Scout": r"^(meta-)?llama-?4-scout",
    "Llama 4 Maverick": r"^(meta-)?llama-?4-maverick",
    "Llama 3.3 70B": r"^(meta-)?llama-?v?3[.-]3-70b",
    "Llama 3.1 8B": r"^(meta-)?llama-?v?3[.-]1-8b",
    "Llama 3.1 405B": r"^(meta-)?llama-?v?3[.-]1-405b",
    "Qwen3-235B-A22B-Instruct-2507": r"^qwen-?3-235b-a22b-(instruct-)?2507",
    "Qwen3-235B-A22B": r"^qwen-?3-235b-a22b(?!-(instruct|thinking)?-?2507)",
    "Qwen3-32B": r"^qwen-?3-32b",
    "Qwen3-8B": r"^qwen-?3-8b",
    "Qwen3 4B": r"^qwen-?3-4b(?!-(instruct|thinking)-2507)",
    "Qwen3 30B-A3B": r"^qwen-?3-30b-a3b(?!-(instruct|thinking)-2507)",
    "Qwen3-Next-80B-A3B": r"^qwen-?3-next-80b-a3b",
    "Qwen3-Coder-480B-A35B": r"^qwen-?3-coder(-480b(-a35b)?(-instruct)?)?(-fp8)?(:free)?$",
    "Qwen3-Coder-30B-A3B": r"^qwen-?3-coder-30b-a3b",
    "DeepSeek V3": r"^deepseek-(v3|chat-v3-0324|v3-0324)(:free)?$|^deepseek_v3$",
    "DeepSeek V3.1": r"^deepseek-(chat-)?v3\.1(-terminus)?(:free)?$",
    "DeepSeek V3.2-Exp": r"^deepseek-v3\.2-exp",
    "DeepSeek R1": r"^deepseek-r1(-0528|-turbo)?(:free)?$|^r1-v1",
    "Kimi K2": r"^kimi-k2(-instruct(-0905)?|-0905(-preview)?|-0711-preview)?(:free)?$",
    "GLM-4.5": r"^glm-4\.5(-fp8)?(:free)?$",
    "GLM-4.5-Air": r"^glm-4\.5-air(-fp8)?(:free)?$",
    "GLM-4.6": r"^glm-4\.6(-fp8)?(:free)?$",
    "Gemma 3 27B": r"^gemma-?3-27b",
    "Gemma 3 12B": r"^gemma-?3-12b",
    "Mistral Small 3.2": r"^mistral-small-3\.2",
    "Phi-4": r"^phi-4$",
    "Mixtral 8x7B": r"^(open-)?mixtral-8x7b",
    "SmolLM3-3B": r"^smollm3-3b",
    "MiniMax-M2": r"^minimax-m2$",
}
#: Served quantisation, read from the provider's model id, stated in notes of open-weights rows.
SERVED_AS = [(re.compile(r"fp8", re.I), "served in FP8"), (re.compile(r"turbo", re.I), "served as 'Turbo' (quantised)"),
             (re.compile(r"fp4", re.I), "served in FP4"), (re.compile(r"bf16", re.I), "served in BF16"),
             (re.compile(r"awq", re.I), "served AWQ-quantised (4-bit)")]

#: First-party names the rules below would get wrong, by (provider id, genai-prices model id).
DISPLAY_NAMES = {
    ("google", "gemini-2.5-flash-preview"): "Gemini 2.5 Flash Preview",  # the 04-17 and 05-20 previews
    ("deepseek", "deepseek-reasoner"): "DeepSeek R1",
    ("moonshotai", "kimi-k3.1-pro"): "Kimi K3.1 Pro",
    ("moonshotai", "kimi-k3.1-pro-highspeed"): "Kimi K3.1 Pro HighSpeed",
}

def genai_prices_release() -> tuple[str, str]:
    """(version, release date) of the installed genai-prices; a release not in GENAI_PRICES_RELEASES fails."""
    ver = version("genai-prices")
    if ver not in GENAI_PRICES_RELEASES:
        raise RuntimeError(f"genai-prices {ver} is installed but GENAI_PRICES_RELEASES in {__file__} has no "
                           f"release date for it; add it (the wheel's upload date on the package index)")
    return ver, GENAI_PRICES_RELEASES[ver]


def _fmt(x) -> str:
    """Plain decimal text of a price or count: '' for missing, no exponent, no trailing zeros."""
    if x is None or (isinstance(x, float) and x != x):
        return ""
    d = Decimal(x) if not isinstance(x, Decimal) else x
    text = format(d.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _bare_id(model_id: str) -> str:
    """A provider's model id reduced for matching: lower case, no org path, no region or vendor prefix."""
    ref = model_id.lower().rsplit("/", 1)[-1]
    ref = re.sub(r"^(us|eu|apac|global|regional|jp|au)\.", "", ref)
    ref = re.sub(r"^(meta|qwen|openai|google|deepseek|mistral|moonshotai|zai|minimax|anthropic|amazon)\.", "", ref)
    ref = re.sub(r"^databricks-", "", ref)
    return re.sub(r"(\d)p(\d)", r"\1.\2", ref)


def _price_at(price, tokens: int):
    """The price of one key for a request of `tokens` total input tokens (genai-prices' cliff tiers)."""
    if price is None or not hasattr(price, "tiers"):
        return price
    applied = price.base
    for tier in price.tiers:
        if tokens > tier.start:
            applied = tier.price
    return applied


def _thresholds(model_price) -> list[int]:
    return sorted({t.start for key in PRICE_COLUMNS for t in getattr(getattr(model_price, key, None), "tiers", [])})


@dataclass(frozen=True)
class Period:
    """Prices of one model from `valid_from` (None: from launch) until the next period."""

    valid_from: date | None
    standard: dict  # price key -> {above_input_tokens: USD per Mtok}, 0 = base price
    batch: dict | None  # the same for processing "batch", None where genai-prices states no batch price
    request_usd: Decimal | None
    time_of_day_note: str

    def same_prices(self, other: Period) -> bool:
        return (self.standard, self.batch, self.request_usd, self.time_of_day_note) == (
            other.standard, other.batch, other.request_usd, other.time_of_day_note)


def _levels(model_price, cuts: list[int]) -> dict:
    """{price key: {above_input_tokens: price}} of the token keys at each cut (0: base, c: above c tokens)."""
    out = {}
    for key in PRICE_COLUMNS:
        value = getattr(model_price, key, None)
        if value is not None:
            out[key] = {cut: _price_at(value, cut + 1 if cut else 0) for cut in cuts}
    return out


def _day_spans(info) -> list[tuple[int, int]]:
    """(start, end) minutes of the UTC day between the starts and ends of time-of-day prices."""
    prices = info.prices if isinstance(info.prices, list) else []
    cuts = {0, 24 * 60}
    for c in prices:
        if type(c.constraint).__name__ == "TimeOfDateConstraint":
            cuts |= {t.hour * 60 + t.minute for t in (c.constraint.start_time, c.constraint.end_time)}
    cuts = sorted(cuts)
    return list(zip(cuts[:-1], cuts[1:]))


def _majority_price(info, on: date):
    """The standard price in force for most of the UTC day `on`, a time it is in force, and a note on the rest."""
    spans = [(a, b, info.get_prices(datetime.combine(on, time(a // 60, a % 60), UTC))) for a, b in _day_spans(info)]
    minutes: dict[str, int] = {}
    for a, b, mp in spans:
        minutes[repr(mp)] = minutes.get(repr(mp), 0) + b - a
    best = max(minutes, key=minutes.get)
    start, _, price = next(s for s in spans if repr(s[2]) == best)
    merged: list[list] = []  # adjacent spans at one price joined, across midnight too
    for a, b, mp in spans:
        if merged and repr(merged[-1][2]) == repr(mp):
            merged[-1][1] = b
        else:
            merged.append([a, b, mp])
    if len(merged) > 1 and repr(merged[0][2]) == repr(merged[-1][2]):
        merged[0][0] = merged.pop()[0]
    others = [f"${_fmt(mp.input_mtok)} in / ${_fmt(mp.output_mtok)} out from {a // 60:02d}:{a % 60:02d} "
              f"to {b // 60 % 24:02d}:{b % 60:02d} UTC" for a, b, mp in merged if repr(mp) != best]
    note = ("time-of-day prices not carried (usage is daily): " + "; ".join(others) +
            f"; this row holds the price in force {minutes[best] / 60:g} h a day") if others else ""
    return price, datetime.combine(on, time(start // 60, start % 60), UTC), note


def _has_batch(info, stamp: datetime) -> bool:
    return any(v.when == {"processing": "batch"} and (v.constraint is None or v.constraint.active(stamp))
               for v in info.price_variants or [])


def _period_starts(info) -> list[date]:
    starts = set()
    for c in info.prices if isinstance(info.prices, list) else []:
        if type(c.constraint).__name__ == "StartDateConstraint":
            starts.add(c.constraint.start_date)
    for v in info.price_variants or []:
        if v.when == {"processing": "batch"} and type(v.constraint).__name__ == "StartDateConstraint":
            starts.add(v.constraint.start_date)
    return sorted(starts)


def price_periods(info) -> list[Period]:
    """Every price period of a genai-prices ModelInfo, consecutive periods with equal prices merged."""
    starts = _period_starts(info)
    first_day = (starts[0] - timedelta(days=1)) if starts else date(2000, 1, 1)
    periods: list[Period] = []
    for valid_from, on in [(None, first_day)] + [(s, s) for s in starts]:
        std, stamp, note = _majority_price(info, on)
        batch = info.get_prices(stamp, {"processing": "batch"}) if _has_batch(info, stamp) else None
        cuts = sorted({0, *_thresholds(std), *(_thresholds(batch) if batch is not None else [])})
        fee = getattr(std, "requests_kcount", None)
        period = Period(valid_from, _levels(std, [0, *_thresholds(std)]),
                        None if batch is None else _levels(batch, cuts), None if fee is None else fee / 1000, note)
        if not (periods and period.same_prices(periods[-1])):
            periods.append(period)
    return periods


def skip_reason(info) -> str | None:
    """Why a genai-prices model is not in the catalog, or None when it is."""
    prices = [info.prices] if not isinstance(info.prices, list) else [c.prices for c in info.prices]
    if any(getattr(p, "input_mchars", None) is not None for p in prices):
        return "priced per character, not per token"
    if not any(getattr(p, "input_mtok", None) is not None and getattr(p, "output_mtok", None) is not None
               for p in prices):
        return "not priced per token in both directions (embedding, reranker, speech, or free)"
    if NOT_TEXT_GENERATION.search(info.id) or NOT_TEXT_GENERATION.search(info.name or ""):
        return "not a text-generation model (image, speech, transcription, OCR, moderation or embedding)"
    return None


def _matches_own(provider, bare: str, model_id: str) -> bool:
    pattern = MAKERS.get(provider.id, "")
    if pattern is None:
        return provider.model_match is not None and (provider.model_match.is_match(bare)
                                                    or provider.model_match.is_match(model_id.lower()))
    return bool(pattern) and re.search(pattern, bare) is not None


def is_first_party(provider, model_id: str) -> bool:
    """True when `provider` made the model: a maker (MAKERS) selling an id of its own models, not another org's."""
    org = model_id.lower().split("/", 1)[0] if "/" in model_id else None
    if provider.id not in MAKERS or (org is not None and org not in provider.id):
        return False
    return _matches_own(provider, _bare_id(model_id), model_id)


def open_model(model_id: str) -> str:
    """The data/open_models.csv name of an open-weights model id, or '' (OPEN_MODEL_PATTERNS)."""
    bare = _bare_id(model_id)
    for name, pattern in OPEN_MODEL_PATTERNS.items():
        if re.search(pattern, bare):
            return name
    return ""


def _clean(name: str) -> str:
    """genai-prices' name tidied: no 'Org: ' prefix; an all-lower-case name of words ('gemini 1.5 flash')
    capitalised word by word, other names from their first letter."""
    name = re.sub(r"^[^:]{1,40}:\s+", "", name.strip())
    if " " not in name:
        return name
    if name == name.lower():
        return " ".join(w[:1].upper() + w[1:] for w in name.split())
    return name[:1].upper() + name[1:]


def first_party_name(provider_id: str, info) -> str:
    """The maker's name for one of its models (curated rules for OpenAI, Anthropic and Google)."""
    if (provider_id, info.id) in DISPLAY_NAMES:
        return DISPLAY_NAMES[(provider_id, info.id)]
    if provider_id == "openai" and re.fullmatch(r"gpt-\d[\w.]*(-[a-z0-9]+)*", info.id) and "gpt-oss" not in info.id:
        dated = re.fullmatch(r"(.*)-(\d{4}-\d{2}-\d{2})", info.id)
        version_, *rest = (dated.group(1) if dated else info.id)[4:].split("-")
        words = [w.capitalize() if w in ("turbo", "preview", "audio", "realtime", "search", "codex") else w
                 for w in rest]
        return " ".join([f"GPT-{version_}", *words]) + (f" ({dated.group(2)})" if dated else "")
    if provider_id == "openai" and re.match(r"o\d|gpt-oss", info.id):  # OpenAI writes these as their ids
        return info.id
    if not info.name:
        return info.id.rsplit("/", 1)[-1]
    name = info.name
    if provider_id == "anthropic":  # Anthropic names 3.x models "Claude 3.7 Sonnet", later ones "Claude Sonnet 4.5"
        m = re.fullmatch(r"Claude (Haiku|Sonnet|Opus) (3(?:\.\d)?)", name)
        if m:
            return f"Claude {m.group(2)} {m.group(1)}"
    return _clean(name)


def genai_snapshot():
    """genai-prices' bundled price table, imported on first use (loading it takes a noticeable fraction of a second)."""
    from genai_prices import data_snapshot

    return data_snapshot.get_snapshot()


def genai_provider_id(text: str) -> str | None:
    """The genai-prices provider id a provider string means, by genai-prices' own `provider_match` rules."""
    from genai_prices.data_snapshot import find_provider_by_id

    provider = find_provider_by_id(genai_snapshot().providers, text)
    return None if provider is None else provider.id


def maker_model(snap, bare: str):
    """(maker provider, its ModelInfo) of a bare model id sold by someone else, or (None, None)."""
    for provider in snap.providers:
        if provider.id in MAKERS and _matches_own(provider, bare, bare):
            info = provider.find_model(bare)
            if info is not None and is_first_party(provider, info.id) and skip_reason(info) is None:
                return provider, info
    return None, None


def display_name(snap, provider, info) -> str:
    """Catalog name of a model sold by `provider` (before making names unique within the provider)."""
    if is_first_party(provider, info.id):
        return first_party_name(provider.id, info)
    maker, made = maker_model(snap, _bare_id(info.id))
    if made is not None:
        return first_party_name(maker.id, made)
    return open_model(info.id) or _clean(info.name or info.id.rsplit("/", 1)[-1])


#: Note on a price genai-prices copied from another provider's listing (its price_comments: "Imported from OpenRouter
#: pricing; verify against ... when native API pricing is published") and has not verified: a price to read usage
#: exports with, not an offer the team can buy from that provider (search.api_candidates leaves it out).
IMPORTED_NOTE = "price imported by genai-prices from another provider's listing, not verified: not an offer"


def imported_price(info) -> bool:
    """Whether genai-prices says it copied this model's price from another provider and has not verified it."""
    comment = info.price_comments or ""
    return comment.startswith("Imported from") and "Verified against" not in comment


def _notes(provider, info, period: Period, tiered: bool, batch_explicit: bool, open_name: str) -> str:
    notes = [IMPORTED_NOTE] if imported_price(info) else []
    if period.time_of_day_note:
        notes.append(period.time_of_day_note)
    if tiered:
        notes.append("long-context tiers in api_price_tiers.csv")
    if batch_explicit:
        notes.append("batch prices differ by price key: api_price_tiers.csv (processing batch)")
    tiers = sorted({f"{k}={v}" for var in info.price_variants or [] for k, v in var.when.items()
                    if (k, v) != ("processing", "batch")})
    if tiers:
        notes.append("not carried: request variants " + ", ".join(tiers))
    prices = [info.prices] if not isinstance(info.prices, list) else [c.prices for c in info.prices]
    extra = sorted({k for p in prices for k, v in p.__dict__.items() if v is not None and k not in NOT_TOKEN_KEYS})
    if extra:
        notes.append("not carried: " + ", ".join(extra))
    if open_name:
        served = [label for pattern, label in SERVED_AS if pattern.search(info.id)]
        notes.extend(served)
    if info.id.endswith(":free"):
        notes.append("free variant")
    return "; ".join(notes)


LIST_COLUMNS = ["provider", "provider_id", "model", "provider_model_id", "valid_from", "input_usd_per_mtok",
                "cached_input_usd_per_mtok", "cache_write_5m_usd_per_mtok", "cache_write_1h_usd_per_mtok",
                "output_usd_per_mtok", "request_usd", "batch_discount_share", "context_tokens", "open_model",
                "first_party", "deprecated", "as_of", "source", "price_basis", "notes"]
TIER_COLUMNS = ["provider_id", "provider_model_id", "valid_from", "processing", "above_input_tokens",
                "input_usd_per_mtok", "cached_input_usd_per_mtok", "cache_write_5m_usd_per_mtok",
                "cache_write_1h_usd_per_mtok", "output_usd_per_mtok", "as_of", "source"]


def _uniform_discount(standard: dict, batch: dict) -> Decimal | None:
    """1 - batch/standard when that ratio is the same for every price key and tier, else None."""
    ratios = set()
    for key, levels in batch.items():
        base = standard.get(key)
        if base is None:
            return None
        for cut, price in levels.items():
            std = base[max(c for c in base if c <= cut)]
            if std:
                ratios.add(price / std)
            elif price:
                return None
    if len(ratios) > 1:
        return None
    return 1 - ratios.pop() if ratios else Decimal(0)


def _tier_row(provider_id, info, valid_from, processing, cut, levels, as_of, source) -> dict:
    row = {"provider_id": provider_id, "provider_model_id": info.id, "valid_from": valid_from,
           "processing": processing, "above_input_tokens": str(cut), "as_of": as_of, "source": source}
    for key, column in PRICE_COLUMNS.items():
        row[column] = _fmt(levels.get(key, {}).get(cut))
    return row


def catalog_rows() -> tuple[list[dict], list[dict]]:
    """(list price rows, tier rows) for every priced text model of every provider in genai-prices."""
    snap = genai_snapshot()
    ver, released = genai_prices_release()
    rows, tier_rows = [], []
    for provider in snap.providers:
        taken: dict[str, str] = {}
        for info in provider.models:
            if skip_reason(info):
                continue
            name = display_name(snap, provider, info)
            if taken.get(name.lower(), info.id) != info.id:
                name = f"{name} ({info.id})"
            taken[name.lower()] = info.id
            open_name = open_model(info.id)
            source = f"genai-prices {ver} (package index release {released}), provider {provider.id}, model {info.id}"
            for period in price_periods(info):
                std = period.standard
                if "input_mtok" not in std or "output_mtok" not in std:
                    continue
                valid_from = "" if period.valid_from is None else period.valid_from.isoformat()
                cuts = sorted({c for levels in std.values() for c in levels if c})
                discount = None if period.batch is None else _uniform_discount(std, period.batch)
                explicit = period.batch is not None and discount is None
                rows.append({
                    "provider": provider.name, "provider_id": provider.id, "model": name,
                    "provider_model_id": info.id, "valid_from": valid_from,
                    **{col: _fmt(std.get(key, {}).get(0)) for key, col in PRICE_COLUMNS.items()},
                    "request_usd": _fmt(period.request_usd), "batch_discount_share": _fmt(discount),
                    "context_tokens": _fmt(info.context_window), "open_model": open_name,
                    "first_party": "yes" if is_first_party(provider, info.id) else "no",
                    "deprecated": "yes" if info.deprecated else "no", "as_of": released, "source": source,
                    "price_basis": "list", "notes": _notes(provider, info, period, bool(cuts), explicit, open_name),
                })
                tier_rows += [_tier_row(provider.id, info, valid_from, "standard", c, std, released, source)
                              for c in cuts]
                if explicit:
                    batch_cuts = sorted({0} | {c for levels in period.batch.values() for c in levels})
                    tier_rows += [_tier_row(provider.id, info, valid_from, "batch", c, period.batch, released, source)
                                  for c in batch_cuts]
    return rows, tier_rows


def _write(path: Path, columns: list[str], rows: list[dict]) -> None:
    """Write whole or not at all: a temporary file renamed over the target."""
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        out = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        out.writeheader()
        out.writerows(rows)
    tmp.replace(path)


def write_api_prices(out_dir: Path | None = None) -> list[Path]:
    """Write data/api_list_prices.csv and data/api_price_tiers.csv (or into `out_dir`); validate; return the paths."""
    from .catalog import load_catalog

    out_dir = Path(out_dir) if out_dir is not None else DATA_DIR
    rows, tier_rows = catalog_rows()
    paths = [out_dir / LIST_FILE, out_dir / TIERS_FILE]
    _write(paths[0], LIST_COLUMNS, rows)
    _write(paths[1], TIER_COLUMNS, tier_rows)
    for path in paths:
        load_catalog(path.name, path)
    return paths
