"""What does the API cost? Blended per-token prices and monthly cost at volume, for models as users name them.

API pricing is linear per token (provider price pages; the article: "you pay the same per token
whether you use 1 million or 1 billion"), with separate input, cached-input, cache-write and output
prices, and a higher price for a whole request past a long-context threshold (billing.py prices those).
Prices: `load_api_prices()` (the article's table and genai-prices' list prices, see pricefeed.py);
names and provider ids: `resolve_api_model`.
"""

from __future__ import annotations

import difflib
import re
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import numpy as np
import pandas as pd

from .catalog import api_price_files, load_api_price_tiers, load_api_prices
from .checks import as_array, as_share, scalar_or_array
from .pricefeed import IMPORTED_NOTE, genai_provider_id, genai_snapshot

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


#: LiteLLM's provider prefixes (`custom_llm_provider`, "vertex_ai/gemini-2.5-pro") -> genai-prices provider id.
LITELLM_PROVIDERS = {
    "openai": "openai", "text-completion-openai": "openai", "azure": "azure", "azure_ai": "azure",
    "anthropic": "anthropic", "gemini": "google", "vertex_ai": "google", "vertex_ai_beta": "google",
    "google": "google", "bedrock": "aws", "bedrock_converse": "aws", "together_ai": "together", "together": "together",
    "groq": "groq", "openrouter": "openrouter", "fireworks_ai": "fireworks", "fireworks": "fireworks",
    "novita": "novita", "cerebras": "cerebras", "mistral": "mistral", "codestral": "mistral", "deepseek": "deepseek",
    "xai": "x-ai", "x-ai": "x-ai", "cohere": "cohere", "cohere_chat": "cohere", "perplexity": "perplexity",
    "moonshot": "moonshotai", "moonshotai": "moonshotai", "cloudflare": "cloudflare", "databricks": "databricks",
    "ovhcloud": "ovhcloud", "minimax": "minimax", "zai": "zai", "baseten": "baseten", "github_copilot": "github-copilot",
    "meta_llama": "meta", "avian": "avian", "nebius": "huggingface_nebius", "sambanova": "huggingface_sambanova",
    "hyperbolic": "huggingface_hyperbolic", "nscale": "huggingface_nscale",
}

#: The list model the article priced, where it is not the catalog model of the same name: on 2025-05-07
#: "Gemini 2.5 Flash" was the 04-17 preview (general availability came on 2025-06-17 at other prices);
#: its thinking-output price is held by no list row (None).
ARTICLE_LIST_MODELS = {
    "Gemini 2.5 Flash": ("google", "gemini-2.5-flash-preview"),
    "Gemini 2.5 Flash (thinking)": None,
}


class _Index:
    """Lookups over one price frame: names, providers and provider ids to row positions."""

    def __init__(self, prices: pd.DataFrame):
        self.prices = prices
        provider, model = prices["provider"].to_numpy(), prices["model"].to_numpy()
        self.rows: dict[tuple[str, str], np.ndarray] = {
            key: np.asarray(pos) for key, pos in pd.Series(range(len(prices))).groupby([provider, model]).groups.items()}
        self.names: dict[str, set] = {}
        self.spelling: dict[str, str] = {}  # lower case -> as the catalog writes it
        for col in ("model", "open_model"):
            for name, prov, mod in zip(prices[col], provider, model):
                if name:
                    self.names.setdefault(name.lower(), set()).add((prov, mod))
                    self.spelling.setdefault(name.lower(), name)
        listed = prices[prices["price_basis"] == "list"]
        self.by_id = dict(zip(zip(listed["provider_id"], listed["provider_model_id"]),
                              zip(listed["provider"], listed["model"])))
        self.first_party = set(zip(listed["provider"][listed["first_party"] == "yes"],
                                   listed["model"][listed["first_party"] == "yes"]))
        self.provider_ids = dict(zip(listed["provider_id"], listed["provider"]))
        self.providers = {p.lower(): p for p in prices["provider"]} | {i: p for i, p in self.provider_ids.items()}
        # Start of each row's period: list rows from valid_from (empty: since launch), the article's from as_of.
        self.basis = prices["price_basis"].to_numpy()
        self.as_of = prices["as_of"].to_numpy(dtype="datetime64[ns]")
        start = prices["valid_from"].where(prices["price_basis"] == "list", prices["as_of"])
        self.start = start.to_numpy(dtype="datetime64[ns]")
        self.start[np.isnat(self.start)] = np.datetime64("1700-01-01", "ns")
        self._list_arrays(prices, listed)
        self.derived: dict = {}  # arrays other modules derive from this index, kept as long as it lives

    #: Days added to a date so that every day since year -25,000 is a positive offset within one model's span.
    DAY_OFFSET, SPAN = 10**7, 10**8

    def _list_arrays(self, prices: pd.DataFrame, listed: pd.DataFrame) -> None:
        """Arrays over the list rows for vectorised pricing (billing): prices, fees, and a sorted period key."""
        self.list_pos = np.flatnonzero((prices["price_basis"] == "list").to_numpy())
        keys = list(zip(listed["provider_id"], listed["provider_model_id"]))
        self.key_code = {k: i for i, k in enumerate(dict.fromkeys(keys))}
        self.list_key = {pair: key for pair, key in zip(zip(listed["provider"], listed["model"]), keys)}
        self.list_prices = listed[["input_usd_per_mtok", "cached_input_usd_per_mtok", "cache_write_5m_usd_per_mtok",
                                   "cache_write_1h_usd_per_mtok", "output_usd_per_mtok"]].to_numpy(dtype=float)
        self.list_request_usd = listed["request_usd"].to_numpy(dtype=float)
        self.list_valid_from = listed["valid_from"].dt.strftime("%Y-%m-%d").fillna("").to_numpy()
        self.list_start = listed["valid_from"].to_numpy(dtype="datetime64[ns]")
        self.list_text = {c: listed[c].to_numpy(dtype=object) for c in ("provider", "model", "provider_id",
                                                                          "provider_model_id")}
        days = listed["valid_from"].to_numpy(dtype="datetime64[D]")
        offset = np.where(np.isnat(days), 0, days.astype(np.int64) + self.DAY_OFFSET)
        order_key = np.array([self.key_code[k] for k in keys], dtype=np.int64) * self.SPAN + offset
        order = np.argsort(order_key, kind="stable")
        self.list_order_key, self.list_order_pos = order_key[order], order

    def in_force(self, key: tuple[str, str], basis: str, when) -> int | None:
        """Row position of `key`'s `basis` price in force on `when` (None: on the rows' as_of), or None."""
        pos = self.rows[key]
        pos = pos[self.basis[pos] == basis]
        if not len(pos):
            return None
        day = self.as_of[pos].max() if when is None else np.datetime64(pd.Timestamp(when), "ns")
        pos = pos[self.start[pos] <= day]
        if not len(pos):
            return None
        return int(pos[np.flatnonzero(self.start[pos] == self.start[pos].max())[-1]])  # latest start, last row

    def provider(self, provider: str) -> str:
        """The catalog's provider name for a display name, genai-prices id or LiteLLM prefix."""
        text = str(provider).strip()
        found = self.providers.get(text.lower()) or self.provider_ids.get(LITELLM_PROVIDERS.get(text.lower(), ""))
        if found is None:
            found = self.provider_ids.get(genai_provider_id(text) or "")
        if found is None:
            raise KeyError(f"unknown provider {provider!r}; known: {', '.join(sorted(set(self.providers.values())))}")
        return found

    def provider_id(self, display: str) -> str | None:
        return next((i for i, p in self.provider_ids.items() if p == display), None)


@lru_cache(maxsize=4)
def _default_index(stamps: tuple) -> _Index:
    return _Index(load_api_prices())


_last_index: list[_Index] = []  # the index of the last frame a caller passed, kept while that frame is reused


def _index(prices: pd.DataFrame | None) -> _Index:
    default = _default_index(tuple(p.stat().st_mtime_ns if p.exists() else None for p in api_price_files()))
    if prices is None or prices is default.prices:
        return default
    if not (_last_index and _last_index[0].prices is prices):
        _last_index[:] = [_Index(prices)]
    return _last_index[0]


def _genai_model(ref: str, provider_id: str | None) -> tuple[str, str] | None:
    """(owning provider id, model id) of a model reference, by genai-prices' own matching; None if unknown.

    A provider that resells another's models (Azure's OpenAI models) prices them from that provider's list
    (genai-prices' fallback providers): the owner is the provider whose list holds the model.
    """
    snap = genai_snapshot()
    try:
        provider, info = snap.find_provider_model(ref, None, provider_id, None)
    except LookupError:
        return None
    owner = next(p.id for p in [provider, *snap.providers] if any(m is info for m in p.models))
    return owner, info.id


def _split_prefix(name: str) -> tuple[str | None, str]:
    """("together", "openai/gpt-oss-120b") from "together_ai/openai/gpt-oss-120b"; (None, name) without a prefix."""
    ref = name.strip()
    if ref.lower().startswith("models/"):
        ref = ref[len("models/"):]
    head, sep, rest = ref.partition("/")
    if sep and head.lower() == "huggingface":  # huggingface/<inference provider>/<org>/<model>
        sub, _, model = rest.partition("/")
        hosts = {p.id for p in genai_snapshot().providers}
        return (f"huggingface_{sub.lower()}", model) if f"huggingface_{sub.lower()}" in hosts else (None, rest)
    if sep and head.lower() in LITELLM_PROVIDERS:
        return LITELLM_PROVIDERS[head.lower()], rest
    return None, ref


def _choose(name: str, pairs: set, provider: str | None, idx: _Index) -> tuple[str, str]:
    """One (provider, model) among the catalog entries a name matches, or KeyError naming the choices."""
    if provider is not None:
        pairs = {p for p in pairs if p[0] == provider}
        if not pairs:
            sellers = sorted({p for p, _ in idx.names.get(name.lower(), ())})
            raise KeyError(f"API model {name!r} is not sold by {provider!r} in the catalog; sold by: {', '.join(sellers)}")
    exact = {p for p in pairs if p[1].lower() == name.lower()}
    pairs = exact or pairs
    if len(pairs) == 1:
        return next(iter(pairs))
    own = {p for p in pairs if p in idx.first_party}
    if len(own) == 1:
        return next(iter(own))
    choices = "; ".join(f"{p} ({m})" if m.lower() != name.lower() else p for p, m in sorted(pairs))
    raise KeyError(f"API model {name!r} is ambiguous: sold by {choices}; pass provider= (one of these) "
                   f"or a provider-prefixed id such as 'together_ai/...'")


def resolve_api_model(name_or_id: str, provider: str | None = None,
                      prices: pd.DataFrame | None = None) -> tuple[str, str]:
    """The catalog's (provider, model) for a model as users write it.

    Accepts a catalog name ("GPT-4.1", "Claude Sonnet 4.5", an open-weights name such as "Llama 3.3 70B"),
    case-insensitive, or any id a provider or LiteLLM uses: dated ids ("gpt-4.1-2025-04-14"),
    "models/gemini-2.5-pro", and LiteLLM provider prefixes ("vertex_ai/gemini-2.5-pro", "azure/gpt-4.1",
    "together_ai/openai/gpt-oss-120b"; the table LITELLM_PROVIDERS). Ids are matched by genai-prices' own
    rules (`find_provider_model`), the same the list prices were generated from. `provider` (a name, a
    genai-prices id or a LiteLLM prefix) narrows the choice. A bare name sold by several providers resolves
    to its maker's own API; with no maker API among them it is ambiguous: KeyError listing the providers.
    Unknown: KeyError with the closest names. Never a default.
    """
    return _resolve(_index(prices), name_or_id, provider)


def _resolve(idx: _Index, name_or_id: str, provider: str | None, ids_first: bool = False) -> tuple[str, str]:
    """resolve_api_model on an index; `ids_first`: read the string as a provider's id before as a catalog name."""
    if not isinstance(name_or_id, str) or not name_or_id.strip():
        raise KeyError(f"unknown API model {name_or_id!r}: expected a model name or id")
    name = name_or_id.strip()
    chosen = idx.provider(provider) if provider is not None else None
    pairs = idx.names.get(name.lower())
    if pairs and not ids_first:
        return _choose(name, pairs, chosen, idx)
    provider_id = idx.provider_id(chosen) if chosen is not None else None
    prefix, rest = _split_prefix(name)
    attempts = [(provider_id, name)] if provider_id else []
    if prefix is not None and provider_id in (None, prefix):
        attempts.append((prefix, rest))
    if not attempts:
        attempts.append((None, rest))
    for pid, ref in attempts:
        found = _genai_model(ref, pid)
        if found is not None:
            if found in idx.by_id:
                return idx.by_id[found]
            raise KeyError(f"API model {name!r} is genai-prices' {found[1]!r} of provider {found[0]!r}, which the "
                           f"catalog does not list (not a text model priced per token; see tokenomics/pricefeed.py)")
    for pid, ref in attempts:  # an id genai-prices' match rules miss but the catalog carries verbatim
        sellers = {pair for key, pair in idx.by_id.items() if key[1].lower() == ref.lower() and pid in (None, key[0])}
        if sellers:
            return _choose(ref, sellers, None, idx)
    if pairs:
        return _choose(name, pairs, chosen, idx)
    known = idx.spelling | {m.lower(): m for _, m in idx.by_id}
    words = sorted(re.split(r"[\s_/-]+", rest.lower()))  # "Claude Sonnet 3.7" has the words of "Claude 3.7 Sonnet"
    same_words = [k for k in known if sorted(re.split(r"[\s_/-]+", k)) == words]
    close = same_words + difflib.get_close_matches(rest.lower(), list(known), n=5, cutoff=0.6)
    hint = ", ".join(repr(known[c]) for c in list(dict.fromkeys(close))[:5]) or "none"
    where = f" at provider {chosen!r}" if chosen else ""
    raise KeyError(f"unknown API model {name_or_id!r}{where}; closest: {hint}")


def api_models(prices: pd.DataFrame | None = None, *, whole: bool = False) -> list[str]:
    """Model names for people to pick from, in catalog order.

    Default: the makers' own current models (first party, not deprecated, with a list price), each a name
    that `monthly_api_cost` resolves alone. `whole=True`: every name in the catalog, the article's too
    (a name sold by several providers needs `provider=`).
    """
    prices = load_api_prices() if prices is None else prices
    if whole:
        return list(dict.fromkeys(prices["model"]))
    own = prices[(prices["price_basis"] == "list") & (prices["first_party"] == "yes") & (prices["deprecated"] == "no")]
    names = own.drop_duplicates(["provider", "model"])["model"]
    return list(names[~names.duplicated(keep=False)])


def api_price(model: str, as_of=None, basis: str | None = None, prices: pd.DataFrame | None = None,
              provider: str | None = None) -> pd.Series:
    """The catalog row in force for `model` (a name or id, see `resolve_api_model`) on `as_of`.

    In force: the latest price period that started on or before `as_of`; None: on the date the catalog was
    read (the rows' as_of). `basis` picks "list" (provider prices, generated from genai-prices) or "article"
    (the seed article's table); None prefers list prices and falls back to the article's.
    """
    if basis is not None and basis not in PRICE_BASES:
        raise ValueError(f"basis must be one of {PRICE_BASES} or None, got {basis!r}")
    idx = _index(prices)
    key = _resolve(idx, model, provider)
    for b in ([basis] if basis else PRICE_BASES):
        found = idx.in_force(key, b, as_of)
        if found is not None:
            return idx.prices.iloc[found]
    rows = idx.prices.iloc[idx.rows[key]]
    known = ", ".join(f"{r.as_of:%Y-%m-%d} ({r.price_basis})" for r in rows.itertuples())
    when = "the catalog date" if as_of is None else f"{pd.Timestamp(as_of):%Y-%m-%d}"
    raise ValueError(f"no {basis or 'list or article'} price for {key[1]!r} of {key[0]} on or before {when}; "
                     f"prices known: {known}")


def batch_prices(row: pd.Series, tiers: pd.DataFrame | None = None) -> dict[str, float] | None:
    """USD per million tokens under batch processing for one price row, or None where none is stated.

    A uniform discount: each price * (1 - batch_discount_share); else the explicit batch prices of
    data/api_price_tiers.csv (processing "batch", base row).
    """
    columns = ("input_usd_per_mtok", "cached_input_usd_per_mtok", "cache_write_5m_usd_per_mtok",
               "cache_write_1h_usd_per_mtok", "output_usd_per_mtok")
    if not np.isnan(row["batch_discount_share"]):
        return {c: row[c] * (1.0 - row["batch_discount_share"]) for c in columns}
    if row["price_basis"] != "list":
        return None
    tiers = load_api_price_tiers() if tiers is None else tiers
    base = tiers[(tiers["provider_id"] == row["provider_id"]) & (tiers["provider_model_id"] == row["provider_model_id"])
                 & (tiers["processing"] == "batch") & (tiers["above_input_tokens"] == 0)
                 & ((tiers["valid_from"] == row["valid_from"]) | (tiers["valid_from"].isna() & pd.isna(row["valid_from"])))]
    return {c: float(base.iloc[0][c]) for c in columns} if len(base) else None


def monthly_api_cost(model: str, tokens_per_month, input_share, cached_share=0.0, *, batch: bool = False,
                     as_of=None, basis: str | None = None, prices: pd.DataFrame | None = None,
                     provider: str | None = None, cache_write_share=0.0):
    """USD per month for `tokens_per_month` (input + output) on `model`, priced as on `as_of`.

        cost = tokens / 1e6 * (s_in * ((1 - s_c - s_w) * p_in + s_c * p_cached + s_w * p_write) + (1 - s_in) * p_out)

    with s_c = `cached_share` and s_w = `cache_write_share` of the input tokens (cache reads and 5-minute
    cache writes). `batch=True` prices every token at the batch price (`batch_prices`). Base prices: a
    request past a long-context tier costs more (see billing.price_usage). Broadcasts over
    `tokens_per_month`, `input_share`, `cached_share`, `cache_write_share`. Prices: `load_api_prices()`.
    """
    tokens = as_array("tokens_per_month", tokens_per_month)
    s_in = as_share("input_share", input_share)
    s_c = as_share("cached_share", cached_share)
    s_w = as_share("cache_write_share", cache_write_share)
    if np.any(s_c + s_w > 1):
        raise ValueError(f"cached_share + cache_write_share must be <= 1, got {cached_share!r} + {cache_write_share!r}")
    row = api_price(model, as_of=as_of, basis=basis, prices=prices, provider=provider)
    p = {c: row[c] for c in ("input_usd_per_mtok", "cached_input_usd_per_mtok", "cache_write_5m_usd_per_mtok",
                             "output_usd_per_mtok")}
    if batch:
        p = batch_prices(row)
        if p is None:
            raise ValueError(f"batch=True but the {row['price_basis']} price of {row['model']!r} as of "
                             f"{row['as_of']:%Y-%m-%d} states no batch discount")
    for share, value, column, what in ((s_c, cached_share, "cached_input_usd_per_mtok", "cached-input"),
                                       (s_w, cache_write_share, "cache_write_5m_usd_per_mtok", "cache-write")):
        if np.isnan(p[column]) and np.any(share > 0):
            raise ValueError(f"{'cached_share' if column.startswith('cached') else 'cache_write_share'} is {value!r} "
                             f"but the {row['price_basis']} price of {row['model']!r} as of {row['as_of']:%Y-%m-%d} "
                             f"states no {what} price")
    p_in = p["input_usd_per_mtok"]
    p_input = ((1.0 - s_c - s_w) * p_in + s_c * np.nan_to_num(p["cached_input_usd_per_mtok"])
               + s_w * np.nan_to_num(p["cache_write_5m_usd_per_mtok"]))
    per_mtok = s_in * p_input + (1.0 - s_in) * p["output_usd_per_mtok"]
    return scalar_or_array(tokens / TOKENS_PER_MTOK * per_mtok)


def price_history(model: str, provider: str | None = None, input_share=0.8, cached_share=0.0,
                  prices: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every list-price period the catalog holds for one model at one provider, oldest first, with the blended
    USD per million tokens at the given mix (`blended_price`). `valid_from` NaT: in force since launch."""
    prices = load_api_prices() if prices is None else prices
    key = resolve_api_model(model, provider, prices)
    rows = prices[(prices["provider"] == key[0]) & (prices["model"] == key[1]) & (prices["price_basis"] == "list")]
    rows = rows.sort_values("valid_from", na_position="first")
    cached = rows["cached_input_usd_per_mtok"].fillna(rows["input_usd_per_mtok"])
    out = rows[["provider", "model", "valid_from", "input_usd_per_mtok", "cached_input_usd_per_mtok",
                "output_usd_per_mtok", "as_of", "source"]].reset_index(drop=True)
    out["blended_usd_per_mtok"] = np.asarray(blended_price(rows["input_usd_per_mtok"].to_numpy(),
                                                           rows["output_usd_per_mtok"].to_numpy(), input_share,
                                                           cached_share, cached.to_numpy()))
    return out


CACHE_TTL_MINUTES = {"5m": 5.0, "1h": 60.0}


def prompt_cache_usd(model: str, prefix_tokens, calls, gap_minutes, ttl: str = "5m", *, as_of=None,
                     provider: str | None = None):
    """USD of the shared prompt prefix over a session of `calls` calls, `gap_minutes` apart, with prompt caching
    at `ttl` ("5m" or "1h", or "none"), and without it. Broadcasts over prefix, calls and gap.

    A cache entry lives `ttl` after its last use (Anthropic's prompt caching: each read refreshes it). With
    gaps shorter than the TTL the prefix is written once and read on every later call; with longer gaps it
    expires and is written again on every call:
        writes = 1 if gap <= ttl else calls,   reads = calls - writes
        cached = prefix x (writes x p_write(ttl) + reads x p_read) / 1e6,   uncached = prefix x calls x p_in / 1e6
    Write prices: the model's 5-minute and 1-hour cache-write prices (data/api_list_prices.csv); a missing
    price is an error naming it. Source of the TTL rule: Anthropic, "Prompt caching" (docs.claude.com).
    """
    if ttl not in CACHE_TTL_MINUTES:
        raise ValueError(f"ttl must be one of {sorted(CACHE_TTL_MINUTES)}, got {ttl!r}")
    prefix = as_array("prefix_tokens", prefix_tokens)
    n = as_array("calls", calls, low=1)
    gap = as_array("gap_minutes", gap_minutes)
    row = api_price(model, as_of=as_of, provider=provider)
    column = {"5m": "cache_write_5m_usd_per_mtok", "1h": "cache_write_1h_usd_per_mtok"}[ttl]
    for c in (column, "cached_input_usd_per_mtok"):
        if np.isnan(row[c]):
            raise ValueError(f"{row['model']!r} ({row['provider']}) states no {c.replace('_usd_per_mtok', '')} price: "
                             f"its {ttl} prompt caching cannot be priced")
    writes = np.where(gap <= CACHE_TTL_MINUTES[ttl], 1.0, n)
    cached = prefix * (writes * row[column] + (n - writes) * row["cached_input_usd_per_mtok"]) / TOKENS_PER_MTOK
    uncached = prefix * n * row["input_usd_per_mtok"] / TOKENS_PER_MTOK
    cached, uncached = np.broadcast_arrays(cached, uncached)
    return {"cached_usd": scalar_or_array(cached), "uncached_usd": scalar_or_array(uncached)}


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
    """Side by side, per model of the article: its prices and the list prices in force on `as_of`.

    The list model is the catalog model of the same name and provider, or the one the article priced on
    its date where that differs (ARTICLE_LIST_MODELS).
    """
    idx = _index(prices)
    prices = idx.prices
    article = prices[prices["price_basis"] == "article"]
    rows = []
    for provider, model in dict.fromkeys(zip(article["provider"], article["model"])):
        a = api_price(model, as_of, "article", prices, provider)
        listed = ARTICLE_LIST_MODELS.get(model, (idx.provider_id(provider), None))
        lst = None
        if listed is not None:
            key = idx.by_id.get(listed) if listed[1] else (provider, model)
            try:
                lst = api_price(key[1], as_of, "list", prices, key[0]) if key else None
            except (KeyError, ValueError):
                lst = None
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
    """Blended USD per million tokens of each model on two dates, and the ratio now / then. A name that meant
    another model id on the earlier date (ARTICLE_LIST_MODELS: "Gemini 2.5 Flash" was the 04-17 preview) is
    priced as that id then."""
    idx = _index(None)
    rows = []
    for m in models:
        key = idx.by_id.get(ARTICLE_LIST_MODELS[m]) if ARTICLE_LIST_MODELS.get(m) and basis_then != "article" else None
        p_then = (monthly_api_cost(key[1], TOKENS_PER_MTOK, input_share, cached_share, as_of=then, basis="list",
                                   provider=key[0]) if key else
                  monthly_api_cost(m, TOKENS_PER_MTOK, input_share, cached_share, as_of=then, basis=basis_then))
        p_now = monthly_api_cost(m, TOKENS_PER_MTOK, input_share, cached_share, as_of=now, basis="list")
        rows.append({"model": m, "then_usd_per_mtok": p_then, "now_usd_per_mtok": p_now, "ratio": p_now / p_then})
    return pd.DataFrame(rows)


def current_list_prices(as_of=None, prices: pd.DataFrame | None = None) -> pd.DataFrame:
    """The list price in force of every (provider, model) on `as_of` (None: the catalog's date) that a team can
    buy: first-party API models and open-weight models sold by the token, not deprecated, not batch-only, and not
    a price genai-prices copied from another provider's listing (`pricefeed.IMPORTED_NOTE`: OpenAI does not sell
    gpt-oss itself); each row with `quality_name`, the name its quality scores go by (the open model's for hosts
    selling one)."""
    prices = load_api_prices() if prices is None else prices
    notes = prices["notes"].fillna("") if "notes" in prices else pd.Series("", index=prices.index)
    rows = prices[(prices["price_basis"] == "list") & (prices["deprecated"] != "yes")
                  & ~notes.str.contains(IMPORTED_NOTE, regex=False)]
    when = pd.Timestamp(as_of) if as_of else rows["as_of"].max()
    rows = rows[rows["valid_from"].isna() | (rows["valid_from"] <= when)]
    rows = rows.sort_values("valid_from", na_position="first").groupby(["provider", "model"]).tail(1)
    rows = rows[(rows["first_party"] == "yes") | (rows["open_model"] != "")]
    batch_only = rows["provider_model_id"].str.endswith(":batch") | rows["model"].str.contains("(batch)", regex=False)
    rows = rows[~batch_only].copy()
    rows["quality_name"] = np.where(rows["open_model"] != "", rows["open_model"], rows["model"])
    return rows.reset_index(drop=True)


def cheapest_by_tier(task_class: str, min_scores, workloads: pd.DataFrame, *, as_of=None,
                     prices: pd.DataFrame | None = None, scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """The cheapest model in force at each capability tier, for each workload's token mix.

    A tier is every model scoring at least `min_score` on `task_class`'s benchmark (`quality.scores`; models
    without that benchmark's score are left out, not given the general index); its price
    is `blended_price` at the workload's input and cached shares (cached input at the cache-read price, input
    where none is listed). Vectorised: one (models x workloads) price matrix, masked per tier, argmin.
    Returns one row per (tier, workload): min_score, workload, provider, model, score, usd_per_mtok (NaN and
    no model where no priced model reaches the tier).
    """
    from . import quality

    rows = current_list_prices(as_of, prices)
    got = quality.scores(rows["quality_name"], task_class, scores)
    rows["score"] = np.where(got["basis"] == quality.benchmarks().get(task_class), got["score"], np.nan)
    rows = rows[np.isfinite(rows["score"])].reset_index(drop=True)  # the benchmark's own score, no stand-in
    tiers = np.atleast_1d(np.asarray(min_scores, dtype=float))
    cached = rows["cached_input_usd_per_mtok"].fillna(rows["input_usd_per_mtok"]).to_numpy()[:, None]
    price = np.asarray(blended_price(rows["input_usd_per_mtok"].to_numpy()[:, None],
                                     rows["output_usd_per_mtok"].to_numpy()[:, None],
                                     workloads["input_share"].to_numpy(dtype=float)[None, :],
                                     workloads["cached_share"].to_numpy(dtype=float)[None, :], cached), dtype=float)
    in_tier = rows["score"].to_numpy()[:, None] >= tiers[None, :]  # models x tiers
    masked = np.where(in_tier[:, :, None], price[:, None, :], np.inf)  # models x tiers x workloads
    best = masked.argmin(axis=0)
    found = np.isfinite(masked.min(axis=0))
    t_i, w_i = np.meshgrid(np.arange(len(tiers)), np.arange(len(workloads)), indexing="ij")
    pick = best[t_i, w_i].ravel()
    ok = found.ravel()
    return pd.DataFrame({
        "min_score": tiers[t_i.ravel()], "workload": workloads["workload"].to_numpy()[w_i.ravel()],
        "provider": np.where(ok, rows["provider"].to_numpy()[pick], ""),
        "model": np.where(ok, rows["model"].to_numpy()[pick], ""),
        "score": np.where(ok, rows["score"].to_numpy()[pick], np.nan),
        "usd_per_mtok": np.where(ok, price[pick, w_i.ravel()], np.nan)})
