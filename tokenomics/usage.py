"""What do teams really send? Read usage exports into one normalised daily table.

Formats, detected from the file's columns / keys:
  openai     Usage API completions buckets (JSON page, or flattened CSV / dashboard export):
             input_tokens INCLUDES input_cached_tokens; num_model_requests; project_id / api_key_id;
             start_time (unix s) or start_time_iso
  anthropic  /v1/organizations/usage_report/messages JSON: uncached_input_tokens, cache_read_input_tokens,
             cache_creation.{ephemeral_5m,ephemeral_1h}_input_tokens, output_tokens, workspace_id
             (null = default workspace), model, starting_at; no request count
  litellm    proxy spend logs, one row per request: prompt_tokens, completion_tokens, team_id, model, startTime
  kit        this module's own output: NORMALISED_COLUMNS
Output: one row per (date, team, provider, model) with NORMALISED_COLUMNS; requests is NaN where the
export has no count (Anthropic).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

NORMALISED_COLUMNS = ["date", "team", "provider", "model", "requests", "input_uncached_tokens",
                      "input_cache_read_tokens", "input_cache_write_tokens", "output_tokens"]
TOKEN_COLUMNS = NORMALISED_COLUMNS[4:]
#: Identifier columns read as text, so a team called 007 stays "007".
TEXT_COLUMNS = ["team", "provider", "model", "project_id", "api_key_id", "user_id", "team_id", "workspace_id",
                "custom_llm_provider", "user", "model_group"]
KEY_COLUMNS = NORMALISED_COLUMNS[:4]

#: The columns each format must have, as the detection error lists them.
SIGNATURES = {
    "openai": ["input_tokens", "output_tokens", "num_model_requests", "model", "start_time | start_time_iso"],
    "anthropic": ["uncached_input_tokens", "cache_read_input_tokens", "output_tokens", "model", "starting_at"],
    "litellm": ["prompt_tokens", "completion_tokens", "model", "startTime", "team_id"],
    "kit": NORMALISED_COLUMNS,
}


class UsageFormatError(ValueError):
    """A usage export that is in no known format, or is broken: names the file, row and column."""


def _fail(path, message, row=None, column=None):
    where = [str(path)] + ([f"row {row}"] if row is not None else []) + ([f"column {column!r}"] if column else [])
    raise UsageFormatError(f"{', '.join(where)}: {message}")


def _detect(columns: set[str]) -> str | None:
    if {"uncached_input_tokens", "cache_read_input_tokens", "output_tokens"} <= columns:
        return "anthropic"
    if {"input_tokens", "output_tokens", "num_model_requests"} <= columns:
        return "openai"
    if {"prompt_tokens", "completion_tokens", "startTime"} <= columns:
        return "litellm"
    if set(NORMALISED_COLUMNS) <= columns:
        return "kit"
    return None


def _unknown(path, columns) -> None:
    looked = "; ".join(f"{fmt}: {', '.join(cols)}" for fmt, cols in SIGNATURES.items())
    _fail(path, f"not a known usage export. Looked for the columns of {looked}. Found: {sorted(columns)[:20]}")


def _numeric(path, table: pa.Table, column: str, offset: int = 1) -> pa.Array:
    """A token column as float64, or an error naming the first bad row (rows counted from 1)."""
    col = table[column]
    if pa.types.is_integer(col.type) or pa.types.is_floating(col.type):
        values = pc.cast(col, pa.float64())
    elif pa.types.is_null(col.type):
        values = pa.chunked_array([pa.array(np.zeros(len(col)))])
    else:
        parsed = pd.to_numeric(col.to_pandas(), errors="coerce")
        raw = col.to_pandas()
        bad = parsed.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            _fail(path, f"expected a token count, got {raw.iloc[i]!r}", row=i + offset, column=column)
        values = pa.chunked_array([pa.array(parsed.to_numpy(dtype=float))])
    values = pc.fill_null(values, 0.0)
    negative = pc.less(values, 0.0)
    if pc.any(negative).as_py():
        i = int(np.flatnonzero(negative.to_numpy(zero_copy_only=False))[0])
        _fail(path, f"expected a count >= 0, got {values[i].as_py():g}", row=i + offset, column=column)
    return values


def _text(table: pa.Table, column: str | None, default: str) -> pa.Array:
    """A text column with empty / null cells replaced by `default` (absent column: all default)."""
    if column is None or column not in table.column_names:
        return pa.chunked_array([pa.array([default] * len(table), pa.string())])
    col = pc.fill_null(pc.cast(table[column], pa.string()), "")
    return _per_unique(col, lambda d: pc.if_else(pc.equal(pc.utf8_trim_whitespace(d), ""), default, d))


def _per_unique(col, fn) -> pa.Array:
    """Apply a string function to each distinct value once (ids repeat across millions of rows)."""
    encoded = pc.dictionary_encode(col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col)
    return pc.take(fn(encoded.dictionary), encoded.indices)


def _dates(path, table: pa.Table, column: str, unix_seconds: bool = False) -> pa.Array:
    """Calendar day (UTC) of each row, or an error naming the first unparseable row."""
    col = table[column]
    if pa.types.is_timestamp(col.type) or pa.types.is_date(col.type):  # parsed by pyarrow already: stay in arrow
        if pa.types.is_timestamp(col.type) and col.type.tz is not None:
            col = pc.cast(col, pa.timestamp(col.type.unit, "UTC"))
        if col.null_count:
            i = int(np.flatnonzero(pc.is_null(col).to_numpy(zero_copy_only=False))[0])
            _fail(path, "expected a date or time, got an empty cell", row=i + 1, column=column)
        return pc.cast(pc.cast(col, pa.date32()), pa.timestamp("ns"))
    if unix_seconds or pa.types.is_integer(col.type) or pa.types.is_floating(col.type):
        ts = pd.to_datetime(pd.to_numeric(col.to_pandas(), errors="coerce"), unit="s", utc=True)
    else:
        ts = pd.to_datetime(col.to_pandas(), utc=True, errors="coerce", format="ISO8601")
    if ts.isna().any():
        i = int(np.flatnonzero(ts.isna().to_numpy())[0])
        _fail(path, f"expected a date or time, got {col[i].as_py()!r}", row=i + 1, column=column)
    return pa.chunked_array([pa.array(ts.dt.tz_localize(None).dt.normalize().to_numpy())])


def _aggregate(parts: dict[str, pa.Array]) -> pd.DataFrame:
    """Sum token columns per (date, team, provider, model): one normalised row each."""
    table = pa.table(parts)
    grouped = table.group_by(KEY_COLUMNS).aggregate([(c, "sum") for c in TOKEN_COLUMNS])
    frame = grouped.rename_columns([c.removesuffix("_sum") for c in grouped.column_names]).to_pandas()
    frame["date"] = pd.to_datetime(frame["date"])
    return frame[NORMALISED_COLUMNS].sort_values(KEY_COLUMNS, ignore_index=True)


def _require(path, columns: set[str], needed: list[str]) -> None:
    missing = [c for c in needed if c not in columns]
    if missing:
        _fail(path, f"missing column(s) {missing}")


def _from_openai(path, table: pa.Table) -> pd.DataFrame:
    cols = set(table.column_names)
    _require(path, cols, ["input_tokens", "output_tokens", "num_model_requests", "model"])
    when = "start_time_iso" if "start_time_iso" in cols else "start_time"
    _require(path, cols, [when])
    total_in = _numeric(path, table, "input_tokens")
    cached = _numeric(path, table, "input_cached_tokens") if "input_cached_tokens" in cols else pc.multiply(total_in, 0.0)
    if pc.any(pc.greater(cached, total_in)).as_py():
        i = int(np.flatnonzero(pc.greater(cached, total_in).to_numpy(zero_copy_only=False))[0])
        _fail(path, "input_cached_tokens exceeds input_tokens, which includes it", row=i + 1, column="input_cached_tokens")
    team = _text(table, "project_id", "") if "project_id" in cols else _text(table, None, "")
    key = _text(table, "api_key_id", "default project")
    team = pc.if_else(pc.equal(team, ""), key, team)
    return _aggregate({
        "date": _dates(path, table, when, unix_seconds=(when == "start_time")), "team": team,
        "provider": _text(table, None, "openai"), "model": _text(table, "model", "unknown"),
        "requests": _numeric(path, table, "num_model_requests"),
        "input_uncached_tokens": pc.subtract(total_in, cached), "input_cache_read_tokens": cached,
        "input_cache_write_tokens": pc.multiply(total_in, 0.0), "output_tokens": _numeric(path, table, "output_tokens"),
    })


def _from_anthropic(path, table: pa.Table) -> pd.DataFrame:
    cols = set(table.column_names)
    _require(path, cols, ["uncached_input_tokens", "cache_read_input_tokens", "output_tokens", "model", "starting_at"])
    write = pc.multiply(_numeric(path, table, "output_tokens"), 0.0)
    for c in ("cache_creation.ephemeral_5m_input_tokens", "cache_creation.ephemeral_1h_input_tokens"):
        if c in cols:
            write = pc.add(write, _numeric(path, table, c))
    return _aggregate({
        "date": _dates(path, table, "starting_at"), "team": _text(table, "workspace_id", "default workspace"),
        "provider": _text(table, None, "anthropic"), "model": _text(table, "model", "unknown"),
        "requests": pa.chunked_array([pa.array(np.full(len(table), np.nan))]),
        "input_uncached_tokens": _numeric(path, table, "uncached_input_tokens"),
        "input_cache_read_tokens": _numeric(path, table, "cache_read_input_tokens"),
        "input_cache_write_tokens": write, "output_tokens": _numeric(path, table, "output_tokens"),
    })


def _litellm_provider(table: pa.Table) -> pa.Array:
    """custom_llm_provider where logged, else the prefix of 'provider/model', else 'unknown'."""
    model = _text(table, "model", "unknown")
    prefix = _per_unique(model, lambda d: pc.if_else(pc.match_substring(d, "/"),
                                                     pc.list_element(pc.split_pattern(d, "/", max_splits=1), 0),
                                                     "unknown"))
    if "custom_llm_provider" in table.column_names:
        logged = _text(table, "custom_llm_provider", "")
        return pc.if_else(pc.equal(logged, ""), prefix, logged)
    return prefix


def _from_litellm(path, table: pa.Table) -> pd.DataFrame:
    _require(path, set(table.column_names), ["prompt_tokens", "completion_tokens", "model", "startTime"])
    prompt = _numeric(path, table, "prompt_tokens")
    cached = (_numeric(path, table, "cache_read_input_tokens") if "cache_read_input_tokens" in table.column_names
              else pc.multiply(prompt, 0.0))
    return _aggregate({
        "date": _dates(path, table, "startTime"), "team": _text(table, "team_id", "no team"),
        "provider": _litellm_provider(table), "model": _text(table, "model", "unknown"),
        "requests": pa.chunked_array([pa.array(np.ones(len(table)))]),
        "input_uncached_tokens": pc.subtract(prompt, cached), "input_cache_read_tokens": cached,
        "input_cache_write_tokens": pc.multiply(prompt, 0.0),
        "output_tokens": _numeric(path, table, "completion_tokens"),
    })


def _from_kit(path, table: pa.Table) -> pd.DataFrame:
    parts = {c: _text(table, c, "unknown") for c in ("team", "provider", "model")}
    parts["date"] = _dates(path, table, "date")
    requests = table["requests"]
    parts["requests"] = (pa.chunked_array([pa.array(np.full(len(table), np.nan))]) if pa.types.is_null(requests.type)
                         else pc.cast(requests, pa.float64()))
    parts |= {c: _numeric(path, table, c) for c in TOKEN_COLUMNS[1:]}
    return _aggregate({c: parts[c] for c in NORMALISED_COLUMNS})


def _json_rows(path, doc) -> list[dict]:
    """Flatten a usage JSON page: buckets' results, each with its bucket's start; nested keys dotted."""
    if isinstance(doc, dict) and isinstance(doc.get("data"), list):
        rows = []
        for bucket in doc["data"]:
            if not isinstance(bucket, dict):
                _fail(path, f"expected buckets (objects) under 'data', got {type(bucket).__name__}")
            start = {k: bucket[k] for k in ("start_time", "starting_at") if k in bucket}
            for result in bucket.get("results", [bucket]):
                rows.append(start | result)
        return [_flatten(r) for r in rows]
    if isinstance(doc, list):
        return [_flatten(r) for r in doc]
    _fail(path, "expected a JSON page with a 'data' list of buckets, or a list of rows")
    return []


def _flatten(row: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in row.items():
        if isinstance(v, dict):
            out |= _flatten(v, f"{prefix}{k}.")
        else:
            out[f"{prefix}{k}"] = v
    return out


READERS = {"openai": _from_openai, "anthropic": _from_anthropic, "litellm": _from_litellm, "kit": _from_kit}


def read_usage(path) -> pd.DataFrame:
    """One normalised daily table from a usage export (CSV or JSON), its format detected from its columns."""
    path = Path(path)
    if not path.exists():
        _fail(path, "file not found")
    if path.stat().st_size == 0:
        _fail(path, "file is empty")
    head = path.open("rb").read(1).lstrip()
    if path.suffix.lower() == ".json" or head in (b"{", b"["):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            _fail(path, f"not valid JSON: {err}")
        rows = _json_rows(path, doc)
        if not rows:
            _fail(path, "contains no usage rows")
        table = pa.Table.from_pylist(rows)
    else:
        try:
            with path.open("r", encoding="utf-8", errors="replace") as fh:
                header = set(fh.readline().strip().split(","))
            types = {c: pa.string() for c in TEXT_COLUMNS if c in header}
            table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(strings_can_be_null=True,
                                                                               column_types=types))
        except pa.ArrowInvalid as err:
            _fail(path, f"malformed CSV: {err}")
    fmt = _detect(set(table.column_names))
    if fmt is None:
        _unknown(path, table.column_names)
    return READERS[fmt](path, table)


def monthly_usage(usage: pd.DataFrame) -> pd.DataFrame:
    """Per (month, team): tokens, input / cached shares, requests and per-request lengths where counted."""
    u = usage.assign(month=usage["date"].dt.to_period("M").dt.to_timestamp())
    g = u.groupby(["month", "team"], as_index=False).agg(
        requests=("requests", lambda s: s.sum(min_count=len(s))),
        input_uncached_tokens=("input_uncached_tokens", "sum"), input_cache_read_tokens=("input_cache_read_tokens", "sum"),
        input_cache_write_tokens=("input_cache_write_tokens", "sum"), output_tokens=("output_tokens", "sum"),
        days=("date", "nunique"),
        top_provider=("provider", lambda s: s.mode().iloc[0]),
    )
    top_model = (u.assign(total=u[TOKEN_COLUMNS[1:]].sum(axis=1)).groupby(["month", "team", "model"])["total"].sum()
                 .reset_index().sort_values("total").groupby(["month", "team"]).tail(1)[["month", "team", "model"]])
    g = g.merge(top_model.rename(columns={"model": "top_model"}), on=["month", "team"])
    inputs = g["input_uncached_tokens"] + g["input_cache_read_tokens"] + g["input_cache_write_tokens"]
    g["tokens"] = inputs + g["output_tokens"]
    g["input_share"] = inputs / g["tokens"].where(g["tokens"] > 0)
    g["cached_share"] = g["input_cache_read_tokens"] / inputs.where(inputs > 0)
    g["input_tokens_per_request"] = inputs / g["requests"]
    g["output_tokens_per_request"] = g["output_tokens"] / g["requests"]
    return g
