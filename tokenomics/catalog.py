"""What do we know? Load and validate the dated, sourced CSV catalogs in data/.

Every catalog row carries `as_of` (YYYY-MM-DD) and `source`. A malformed file raises
`CatalogError` naming the file, the row (and its line in the file) and the column.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .configs import COLUMNS as OPEN_MODEL_COLUMNS
from .configs import GROUPS, RESIDENT_GROUPS, parse_layer_pattern, parse_native_format

#: data/ beside the package (editable install); TOKENOMICS_DATA_DIR overrides it.
DATA_DIR = Path(os.environ.get("TOKENOMICS_DATA_DIR", Path(__file__).resolve().parent.parent / "data"))


class CatalogError(ValueError):
    """A catalog file that does not match its schema."""

    def __init__(self, path, message: str, row: int | None = None, column: str | None = None):
        where = [str(path)]
        if row is not None:
            where.append(f"row {row} (line {row + 1} of the file)")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {message}")
        self.path, self.row, self.column = Path(path), row, column


@dataclass(frozen=True)
class Schema:
    """Columns of a catalog and the rules each obeys."""

    required: tuple[str, ...]
    numeric: tuple[str, ...] = ()  # non-negative numbers; empty allowed only if in `optional_numeric`
    optional_numeric: tuple[str, ...] = ()  # may be empty (NaN): "not stated by the source"
    shares: tuple[str, ...] = ()  # numbers in 0..1
    integers: tuple[str, ...] = ()  # whole numbers
    key: tuple[str, ...] = ()  # no two rows share these
    defaults: dict[str, str] = field(default_factory=dict)  # optional columns and their default
    optional_dates: tuple[str, ...] = ()  # YYYY-MM-DD or empty (NaT)
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)  # the values a text column may take


#: API prices: the article's rows (data/api_prices.csv) and the generated list rows (data/api_list_prices.csv)
#: share one schema. Empty price = not priced by the source. valid_from: start of the price period (empty: since
#: the model's launch; for the article's rows, their as_of). See tokenomics/pricefeed.py for each column's source.
API_PRICES = Schema(
    required=("provider", "model", "input_usd_per_mtok", "cached_input_usd_per_mtok",
              "output_usd_per_mtok", "batch_discount_share", "context_tokens", "as_of", "source"),
    numeric=("input_usd_per_mtok", "output_usd_per_mtok"),
    optional_numeric=("cached_input_usd_per_mtok", "cache_write_5m_usd_per_mtok", "cache_write_1h_usd_per_mtok",
                      "request_usd", "batch_discount_share", "context_tokens"),
    shares=("batch_discount_share",),
    integers=("context_tokens",),
    key=("provider", "model", "price_basis", "as_of", "valid_from"),
    defaults={"price_basis": "list", "provider_model_id": "", "provider_id": "", "valid_from": "",
              "cache_write_5m_usd_per_mtok": "", "cache_write_1h_usd_per_mtok": "", "request_usd": "",
              "open_model": "", "first_party": "", "deprecated": "", "notes": ""},
    optional_dates=("valid_from",),
    choices={"price_basis": ("list", "article"), "first_party": ("yes", "no", ""), "deprecated": ("yes", "no", "")},
)


SCHEMAS: dict[str, Schema] = {
    "api_prices.csv": API_PRICES,
    "api_list_prices.csv": API_PRICES,
    "api_price_tiers.csv": Schema(
        required=("provider_id", "provider_model_id", "valid_from", "processing", "above_input_tokens",
                  "input_usd_per_mtok", "cached_input_usd_per_mtok", "cache_write_5m_usd_per_mtok",
                  "cache_write_1h_usd_per_mtok", "output_usd_per_mtok", "as_of", "source"),
        numeric=("above_input_tokens",),
        optional_numeric=("input_usd_per_mtok", "cached_input_usd_per_mtok", "cache_write_5m_usd_per_mtok",
                          "cache_write_1h_usd_per_mtok", "output_usd_per_mtok"),
        integers=("above_input_tokens",),
        key=("provider_id", "provider_model_id", "valid_from", "processing", "above_input_tokens"),
        optional_dates=("valid_from",),
        choices={"processing": ("standard", "batch")},
    ),
    "workloads.csv": Schema(
        required=("workload", "input_share", "cached_share", "output_share",
                  "input_tokens_per_request", "output_tokens_per_request", "as_of", "source"),
        numeric=("input_share", "cached_share", "output_share"),
        optional_numeric=("input_tokens_per_request", "output_tokens_per_request", "min_output_tokens_per_s_per_user",
                          "max_ttft_s"),
        shares=("input_share", "cached_share", "output_share"),
        key=("workload",),
        defaults={"notes": "", "min_output_tokens_per_s_per_user": "", "max_ttft_s": "", "target_as_of": "",
                  "target_source": "", "target_notes": ""},
        optional_dates=("target_as_of",),
    ),
    "open_models.csv": Schema(
        required=tuple(c for c in OPEN_MODEL_COLUMNS if c not in ("card_source", "notes")),
        numeric=("total_params_b", "active_params_b", *(f"{g}_params_b" for g in GROUPS), "num_layers", "hidden_size",
                 "vocab_size", "num_attention_heads", "num_kv_heads", "head_dim", "num_experts", "experts_per_token",
                 "num_shared_experts", "max_context_tokens"),
        optional_numeric=("card_total_params_b", "card_active_params_b", "sliding_window_tokens",
                          "attention_chunk_tokens", "kv_lora_rank", "qk_rope_head_dim", "index_head_dim",
                          "linear_num_key_heads", "linear_num_value_heads", "linear_key_head_dim",
                          "linear_value_head_dim", "linear_conv_kernel_dim", "checkpoint_bytes"),
        integers=("num_layers", "hidden_size", "vocab_size", "num_attention_heads", "num_kv_heads", "head_dim",
                  "num_experts", "experts_per_token", "num_shared_experts", "max_context_tokens",
                  "sliding_window_tokens", "attention_chunk_tokens", "kv_lora_rank", "qk_rope_head_dim",
                  "index_head_dim", "linear_num_key_heads", "linear_num_value_heads", "linear_key_head_dim",
                  "linear_value_head_dim", "linear_conv_kernel_dim", "checkpoint_bytes"),
        key=("model",),
        defaults={"card_source": "", "notes": ""},
        choices={"architecture": ("dense", "moe"), "attention": ("gqa", "mla", "mla_dsa"),
                 "tie_word_embeddings": ("yes", "no")},
    ),
    "gpus.csv": Schema(
        required=("gpu", "vendor", "form_factor", "memory_gb", "memory_mib_reported", "memory_reported_source",
                  "memory_bandwidth_gb_per_s", "bf16_dense_tflops", "fp8_dense_tflops", "fp4_dense_tflops", "tdp_w",
                  "scale_up_domain_gpus", "scale_up_gb_per_s", "rent_usd_per_hour", "purchase_usd", "as_of",
                  "source"),
        numeric=("memory_gb", "memory_bandwidth_gb_per_s", "tdp_w", "scale_up_domain_gpus"),
        optional_numeric=("memory_mib_reported", "bf16_dense_tflops", "fp8_dense_tflops", "fp4_dense_tflops",
                          "scale_up_gb_per_s", "rent_usd_per_hour", "purchase_usd"),
        integers=("memory_mib_reported", "scale_up_domain_gpus"),
        key=("gpu",),
        defaults={"price_source": "", "notes": ""},
        choices={"form_factor": ("sxm", "oam", "superchip", "pcie", "workstation")},
    ),
    "owning_assumptions.csv": Schema(
        required=("parameter", "value", "unit", "as_of", "source"),
        numeric=("value",),
        key=("parameter",),
        defaults={"notes": ""},
    ),
    "quality_scores.csv": Schema(
        required=("task_class", "model", "benchmark", "score", "as_of", "source"),
        numeric=("score",),
        key=("task_class", "model"),
        defaults={"notes": "", "setting": ""},
    ),
    "article_claims.csv": Schema(
        required=("quantity", "value", "unit", "section", "quote", "as_of", "source"),
        numeric=("value",),
        optional_numeric=("low", "high"),
        key=("quantity",),
        defaults={"low": "", "high": "", "notes": ""},
    ),
    "serving_benchmarks.csv": Schema(
        required=("benchmark_id", "framework", "engine", "model", "gpu", "num_gpus", "precision", "bits_per_weight",
                  "input_tokens", "output_tokens", "concurrency", "output_tokens_per_s", "full_load", "as_of", "source"),
        numeric=("output_tokens",),
        optional_numeric=("num_gpus", "tp", "ep", "dp", "bits_per_weight", "input_tokens", "concurrency",
                          "num_requests", "output_tokens_per_s", "output_tokens_per_s_per_gpu", "output_tokens_per_s_per_user",
                          "ttft_s", "published_usd_per_mtok"),
        integers=("num_gpus", "tp", "ep", "dp", "num_requests"),
        key=("benchmark_id",),
        defaults={"tp": "", "ep": "", "dp": "", "num_requests": "", "disaggregated": "no", "kv_precision": "", "lengths": "fixed",
                  "output_tokens_per_s_per_gpu": "", "output_tokens_per_s_per_user": "", "ttft_s": "",
                  "published_usd_per_mtok": "", "published_cost_basis": "", "metric_note": "", "notes": ""},
        choices={"engine": ("trtllm", "vllm", "sglang", "other"), "full_load": ("yes", "no"),
                 "disaggregated": ("yes", "no"), "lengths": ("fixed", "dataset_mean")},
    ),
}


def _fail(path, message, row=None, column=None):
    raise CatalogError(path, message, row, column)


def _read_raw(path: Path) -> pd.DataFrame:
    """Read every cell as text, so validation sees what the file says."""
    if not path.exists():
        _fail(path, "file not found")
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        _fail(path, "file is empty: expected a header row")
    header = [h.strip() for h in rows[0]]
    for i, r in enumerate(rows[1:], start=1):
        if len(r) != len(header):
            _fail(path, f"expected {len(header)} fields as in the header, found {len(r)}", row=i)
    return pd.DataFrame([[c.strip() for c in r] for r in rows[1:]], columns=header)


def validate(df: pd.DataFrame, schema: Schema, path) -> pd.DataFrame:
    """Check raw text cells against `schema`; return typed columns. Rows are numbered from 1."""
    missing = [c for c in schema.required if c not in df.columns]
    if missing:
        _fail(path, f"missing column(s) {missing}; expected {list(schema.required)}")
    dupes = [c for c in df.columns[df.columns.duplicated()]]
    if dupes:
        _fail(path, f"duplicate column(s) {dupes}")
    df = df.copy()
    for col, default in schema.defaults.items():
        if col not in df.columns:
            df[col] = default
    rownum = np.arange(1, len(df) + 1)
    for col in ("as_of", "source"):
        empty = df[col].astype(str).str.strip() == ""
        if empty.any():
            _fail(path, "is empty: every row needs it", row=int(rownum[empty.to_numpy()][0]), column=col)
    dates = pd.to_datetime(df["as_of"], format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        i = int(np.flatnonzero(dates.isna().to_numpy())[0])
        _fail(path, f"expected a date YYYY-MM-DD, got {df['as_of'].iloc[i]!r}", row=i + 1, column="as_of")
    df["as_of"] = dates
    for col in schema.optional_dates:
        raw = df[col].astype(str)
        parsed = pd.to_datetime(raw.where(raw != "", None), format="%Y-%m-%d", errors="coerce")
        bad = parsed.isna() & (raw != "")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            _fail(path, f"expected a date YYYY-MM-DD or an empty cell, got {raw.iloc[i]!r}", row=i + 1, column=col)
        df[col] = parsed
    for col, allowed in schema.choices.items():
        bad = ~df[col].isin(allowed)
        if bad.any():
            _fail(path, f"expected one of {list(allowed)}, got {df[col][bad].iloc[0]!r}", row=_first_row(bad),
                  column=col)
    for col in schema.numeric + tuple(c for c in schema.optional_numeric if c not in schema.numeric):
        raw = df[col].astype(str)
        values = pd.to_numeric(raw.where(raw != "", None), errors="coerce")
        bad_text = values.isna() & (raw != "")
        if bad_text.any():
            i = int(np.flatnonzero(bad_text.to_numpy())[0])
            _fail(path, f"expected a number, got {raw.iloc[i]!r}", row=i + 1, column=col)
        if col not in schema.optional_numeric and values.isna().any():
            i = int(np.flatnonzero(values.isna().to_numpy())[0])
            _fail(path, "expected a number, got an empty cell", row=i + 1, column=col)
        arr = values.to_numpy(dtype=float)
        checks = [(arr < 0, "expected a number >= 0")]
        if col in schema.shares:
            checks.append((arr > 1, "expected a share between 0 and 1"))
        if col in schema.integers:
            checks.append((np.isfinite(arr) & (arr != np.round(arr)), "expected a whole number"))
        for bad, what in checks:
            bad = np.nan_to_num(bad, nan=False).astype(bool) if bad.dtype != bool else bad
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                _fail(path, f"{what}, got {raw.iloc[i]!r}", row=i + 1, column=col)
        df[col] = arr
    if schema.key:
        dup = df.duplicated(list(schema.key), keep="first")
        if dup.any():
            i = int(np.flatnonzero(dup.to_numpy())[0])
            groups = df.groupby(list(schema.key), dropna=False, sort=False).ngroup().to_numpy()
            first = int(np.flatnonzero(groups == groups[i])[0])
            _fail(path, f"duplicate {tuple(schema.key)} = {tuple(df[list(schema.key)].iloc[i].astype(str))}, "
                        f"first seen in row {first + 1}", row=i + 1, column=schema.key[0])
    return df


def _first_row(mask) -> int:
    return int(np.flatnonzero(np.asarray(mask))[0]) + 1


def _rule_checks(name: str, df: pd.DataFrame, path) -> None:
    """Rules across columns that a per-column schema cannot say."""
    if name == "api_list_prices.csv":
        listed = df["price_basis"] == "list"
        for col in ("provider_id", "provider_model_id"):
            bad = listed & (df[col] == "")
            if bad.any():
                _fail(path, "a list price needs the provider's id for it (genai-prices)", row=_first_row(bad),
                      column=col)
    if name == "api_price_tiers.csv":
        bad = (df["processing"] == "standard") & (df["above_input_tokens"] <= 0)
        if bad.any():
            _fail(path, "a standard-price tier starts above 0 input tokens (the base price is in the price file)",
                  row=_first_row(bad), column="above_input_tokens")
        prices = load_catalog("api_list_prices.csv", Path(path).with_name("api_list_prices.csv"))
        keys = ["provider_id", "provider_model_id", "valid_from"]
        known = pd.MultiIndex.from_frame(prices[keys])
        bad = ~pd.MultiIndex.from_frame(df[keys]).isin(known)
        if bad.any():
            _fail(path, f"no price row {tuple(df[keys][bad].iloc[0].astype(str))} in api_list_prices.csv beside it",
                  row=_first_row(bad), column="provider_model_id")
    if name == "open_models.csv":
        _open_model_rules(df, path)
    if name == "gpus.csv":
        bad = (df["memory_mib_reported"].notna()) & (df["memory_reported_source"].str.strip() == "")
        if bad.any():
            _fail(path, "a reported memory figure needs its source", row=_first_row(bad), column="memory_reported_source")
    if name == "quality_scores.csv":
        bad = df["score"] > 100
        if bad.any():
            _fail(path, f"expected a score between 0 and 100, got {df['score'][bad].iloc[0]:g}", row=_first_row(bad),
                  column="score")
        known = set(load_api_prices()["model"]) | set(load_catalog("open_models.csv")["model"])
        bad = ~df["model"].isin(known)
        if bad.any():
            _fail(path, f"{df['model'][bad].iloc[0]!r} is in neither the API price catalog nor data/open_models.csv",
                  row=_first_row(bad), column="model")
        mixed = df.groupby("task_class")["benchmark"].nunique()
        if (mixed > 1).any():
            cls = mixed[mixed > 1].index[0]
            _fail(path, f"task class {cls!r} mixes benchmarks {sorted(df.loc[df.task_class == cls, 'benchmark'].unique())}; "
                        "use one benchmark per class", column="benchmark")
    if name == "serving_benchmarks.csv":
        for col, loader in (("model", "open_models.csv"), ("gpu", "gpus.csv")):
            known = set(load_catalog(loader)[col])
            bad = ~df[col].isin(known)
            if bad.any():
                _fail(path, f"{df[col][bad].iloc[0]!r} is not in data/{loader}", row=_first_row(bad), column=col)
    if name == "workloads.csv":
        total = df["input_share"] + df["output_share"]
        bad = ~np.isclose(total.to_numpy(), 1.0, atol=1e-6)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            _fail(path, f"input_share + output_share must be 1, got {total.iloc[i]:.6g}", row=i + 1,
                  column="output_share")


def _open_model_rules(df: pd.DataFrame, path) -> None:
    """Rules across the columns of data/open_models.csv: counts add up, layer kinds have their shapes."""
    from .memory import BITS_PER_WEIGHT

    for i, (pattern, layers, fmt) in enumerate(zip(df["layer_pattern"], df["num_layers"], df["native_format"]), 1):
        try:
            kinds = parse_layer_pattern(pattern)
            formats = parse_native_format(fmt)
        except ValueError as err:
            _fail(path, str(err), row=i, column="layer_pattern" if "layer pattern" in str(err) else "native_format")
        if len(kinds) != layers:
            _fail(path, f"layer_pattern {pattern!r} has {len(kinds)} layers, num_layers says {layers:g}", row=i,
                  column="layer_pattern")
        unknown = sorted(set(formats.values()) - set(BITS_PER_WEIGHT))
        if unknown:
            _fail(path, f"unknown format(s) {unknown}; known: {sorted(BITS_PER_WEIGHT)}", row=i, column="native_format")
        for kind, col in (("sliding", "sliding_window_tokens"), ("chunked", "attention_chunk_tokens"),
                          ("linear", "linear_num_value_heads"), ("mla", "kv_lora_rank"), ("mla_dsa", "index_head_dim")):
            if kind in kinds and pd.isna(df[col].iloc[i - 1]):
                _fail(path, f"{kind} layers need {col}", row=i, column=col)
    resident = sum(df[f"{g}_params_b"] for g in RESIDENT_GROUPS)
    rules = [
        (~np.isclose(resident, df["total_params_b"], rtol=0, atol=1e-6), "total_params_b",
         "total_params_b is not the sum of the resident groups' *_params_b"),
        (df["active_params_b"] > df["total_params_b"], "active_params_b", "active parameters exceed total"),
        ((df["architecture"] == "moe") & ((df["num_experts"] < 2) | (df["experts_per_token"] < 1)),
         "num_experts", "a mixture-of-experts model needs num_experts >= 2 and experts_per_token >= 1"),
        (df["experts_per_token"] > df["num_experts"], "experts_per_token", "more experts per token than experts"),
        ((df["architecture"] == "dense") & (df["routed_experts_params_b"] > 0), "routed_experts_params_b",
         "a dense model has no routed experts"),
        (df["checkpoint_bytes"].notna() & (df["checkpoint_source"].str.strip() == ""), "checkpoint_source",
         "a published checkpoint size needs its source"),
    ]
    for bad, col, what in rules:
        if np.asarray(bad).any():
            _fail(path, what, row=_first_row(bad), column=col)


@lru_cache(maxsize=32)
def _load_cached(name: str, path: str, mtime: float) -> pd.DataFrame:
    df = validate(_read_raw(Path(path)), SCHEMAS[name], path)
    _rule_checks(name, df, path)
    return df


def load_catalog(name: str, path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load and validate catalog `name` (a file name in data/), or the file at `path` with that schema."""
    if name not in SCHEMAS:
        raise KeyError(f"unknown catalog {name!r}; known: {sorted(SCHEMAS)}")
    p = Path(path) if path is not None else DATA_DIR / name
    if not p.exists():
        _fail(p, "file not found")
    return _load_cached(name, str(p), p.stat().st_mtime_ns).copy()


@lru_cache(maxsize=4)
def _api_prices_cached(stamps: tuple) -> pd.DataFrame:
    frames = [load_catalog(name) for name in ("api_prices.csv", "api_list_prices.csv")]
    return pd.concat(frames, ignore_index=True)


def api_price_files() -> list[Path]:
    """The price files `load_api_prices()` reads: the article's rows, then the generated list rows."""
    return [DATA_DIR / "api_prices.csv", DATA_DIR / "api_list_prices.csv"]


def load_api_prices(path=None) -> pd.DataFrame:
    """API prices per million tokens, one row per (provider, model, price_basis, as_of, valid_from).

    Default: the article's rows (data/api_prices.csv) then the list rows generated from genai-prices
    (data/api_list_prices.csv), parsed once per file version and cached. `path`: that one file instead.
    """
    if path is not None:
        return load_catalog("api_prices.csv", path)
    return _api_prices_cached(tuple(p.stat().st_mtime_ns if p.exists() else None for p in api_price_files())).copy()


def load_api_price_tiers(path=None) -> pd.DataFrame:
    """Long-context tiers and non-uniform batch prices, keyed like the list price rows (pricefeed.py)."""
    return load_catalog("api_price_tiers.csv", path)


def load_workloads(path=None) -> pd.DataFrame:
    """Workload profiles: input/cached/output shares and tokens per request, each sourced."""
    return load_catalog("workloads.csv", path)


def load_open_models(path=None) -> pd.DataFrame:
    """Open-weights model architectures, as their config.json states them."""
    return load_catalog("open_models.csv", path)


def load_gpus(path=None) -> pd.DataFrame:
    """GPU specs (memory, bandwidth, dense throughput, power) with rental and purchase prices."""
    return load_catalog("gpus.csv", path)


def load_serving_benchmarks(path=None) -> pd.DataFrame:
    """Published serving results: framework, model, GPUs, precision, lengths, output tokens per second."""
    return load_catalog("serving_benchmarks.csv", path)


def load_owning_assumptions(path=None) -> pd.DataFrame:
    """Sourced defaults of the owning model: PUE, power price, salary, colocation, amortisation."""
    return load_catalog("owning_assumptions.csv", path)


def load_quality_scores(path=None) -> pd.DataFrame:
    """Published benchmark scores (0-100) per task class and model, one benchmark per class."""
    return load_catalog("quality_scores.csv", path)


def load_article_claims(path=None) -> pd.DataFrame:
    """The seed article's own figures (value, and its range where it gives one), each with its quote."""
    return load_catalog("article_claims.csv", path)


def article_figure(quantity: str) -> float:
    """One of the article's figures by name (data/article_claims.csv), e.g. "worked_fixed_usd_per_month"."""
    from .checks import lookup_name

    table = load_article_claims().set_index("quantity")
    return float(table.at[lookup_name("article figure", quantity, table.index), "value"])


def validate_all() -> dict[str, int]:
    """Load every catalog in data/; returns rows per file, raises on the first bad one."""
    return {name: len(load_catalog(name)) for name in SCHEMAS if (DATA_DIR / name).exists()}
