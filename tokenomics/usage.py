"""What do teams really send? Usage exports, or a LiteLLM gateway's database, rolled up into one daily table.

Sources, the format detected from the columns / keys (files: CSV, JSON lines, a JSON page or list, Parquet):
  litellm        LiteLLM proxy spend logs, table "LiteLLM_SpendLogs", one row per request: request_id, call_type,
                 api_key, spend, total_tokens, prompt_tokens, completion_tokens, "startTime", "endTime", model, model_id,
                 model_group, custom_llm_provider, api_base, "user", metadata, cache_hit, team_id, end_user, ...
                 Columns as in LiteLLM's schema.prisma (commit 029f645f1c81cbd6c6c48fbc8490d91da937066f):
                 https://github.com/BerriAI/litellm/blob/029f645f1c81cbd6c6c48fbc8490d91da937066f/schema.prisma
                 Cache tokens live in the metadata JSON, whose usage_object is the provider's usage as LiteLLM
                 normalised it (litellm/proxy/spend_tracking/spend_tracking_utils.py, _get_spend_logs_metadata, at
                 commit 00907c60692d7d14dc7ea814e645165d3b4d5fe9): cache_read_input_tokens (or
                 prompt_tokens_details.cached_tokens), cache_creation_input_tokens, and
                 prompt_tokens_details.cache_creation_token_details.ephemeral_1h_input_tokens. prompt_tokens counts
                 every input token, cache reads and writes included.
  litellm_daily  LiteLLM's daily team spend, table "LiteLLM_DailyTeamSpend" (same schema.prisma): team_id, date,
                 api_key, model, custom_llm_provider, prompt_tokens, completion_tokens, cache_read_input_tokens,
                 cache_creation_input_tokens, spend, api_requests, ... already summed per day.
  openai         Usage API completions buckets (JSON page, or flattened CSV / dashboard export):
                 input_tokens INCLUDES input_cached_tokens; num_model_requests; project_id / api_key_id;
                 start_time (unix s) or start_time_iso. https://platform.openai.com/docs/api-reference/usage/completions
  anthropic      /v1/organizations/usage_report/messages JSON: uncached_input_tokens, cache_read_input_tokens,
                 cache_creation.{ephemeral_5m,ephemeral_1h}_input_tokens, output_tokens, workspace_id
                 (null = default workspace), model, starting_at; no request count, no cost.
                 https://platform.claude.com/docs/en/api/admin-api/usage-cost/get-messages-usage-report
  kit            this module's own output, NORMALISED_COLUMNS, which is also what sql/usage_rollup.sql returns. A kit
                 file without input_cache_write_1h_tokens has only 5-minute cache writes; without recorded_usd it
                 records no spend; without input_band_tokens its rows are in band 0.
  postgresql://  a LiteLLM proxy's PostgreSQL database: read_usage(dsn) rolls up "LiteLLM_SpendLogs";
                 read_usage(dsn, table="daily") rolls up "LiteLLM_DailyTeamSpend" instead, which LiteLLM keeps small
                 (one row per team, day, key and model) and so reads fast, at the price of no input bands and no
                 1-hour cache writes.

Output, one row per (date, team, provider, model, input_band_tokens), NORMALISED_COLUMNS:
  input_uncached_tokens + input_cache_read_tokens + input_cache_write_tokens are all input tokens;
  input_cache_write_1h_tokens is the part of the cache writes with a 1-hour TTL (Anthropic's
  cache_creation.ephemeral_1h_input_tokens), the rest being 5-minute writes;
  requests is NaN where the export has no count (Anthropic); recorded_usd is the spend the export itself records
  (LiteLLM's spend), NaN where it records none. A row sums requests and recorded_usd over the source rows that have
  them (a missing value counts as nothing), so either is NaN only when no source row of it has one;
  input_band_tokens is, for one-row-per-request sources (LiteLLM spend logs), the largest edge of
  INPUT_BAND_EDGES_TOKENS strictly below the request's input tokens, else 0; 0 for sources that already aggregate.

The roll-up is one SQL query, sql/usage_rollup.sql (its header documents every column), written in the SQL that
DuckDB and PostgreSQL share, so a company can run it as it is over its own LiteLLM table (or in Spark or BigQuery,
changing only the JSON look-ups) and hand the kit the result as the kit's CSV. Every source goes through it: LiteLLM
files and tables as they are; OpenAI, Anthropic and kit rows normalised in Python first, then rolled up by the same
query with its usage_rows block replaced. The two engines get variants generated from the file, never hand-written:
PostgreSQL gets the band edges as bound parameters; DuckDB too, and its -> / ->> look-ups into metadata merged into
one JSON parse per request. Tests run the file as it is, and both variants, on the same rows and compare the tables.

Files stream through DuckDB with memory_limit_bytes and threads set explicitly: the rows are never held, only the
groups (a 10-million-row spend-log CSV stays under 1 GB of peak RSS). Broken rows fail fast and are then located by a
second, ordered pass that only runs on failure, so the error names file, row, column and what was expected.

The database is read in one read-only transaction (BEGIN READ ONLY), and the same query runs on the server, its
band edges bound as parameters: only the rolled-up groups travel. DuckDB's postgres scanner would have needed an
extension downloaded at run time and would pull every request to the client to aggregate there. A connection lost
mid-read raises UsageFormatError and returns nothing partial.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from psycopg.conninfo import conninfo_to_dict

NORMALISED_COLUMNS = ["date", "team", "provider", "model", "requests", "input_uncached_tokens",
                      "input_cache_read_tokens", "input_cache_write_tokens", "input_cache_write_1h_tokens",
                      "output_tokens", "recorded_usd", "input_band_tokens"]
KEY_COLUMNS = ["date", "team", "provider", "model", "input_band_tokens"]
INPUT_COLUMNS = ["input_uncached_tokens", "input_cache_read_tokens", "input_cache_write_tokens"]
TOKEN_COLUMNS = INPUT_COLUMNS + ["input_cache_write_1h_tokens", "output_tokens"]
#: The columns a kit CSV must have; the three newer ones default (see the module docstring).
KIT_REQUIRED_COLUMNS = [c for c in NORMALISED_COLUMNS
                        if c not in ("input_cache_write_1h_tokens", "recorded_usd", "input_band_tokens")]
#: Every long-context price threshold (input tokens) of the genai-prices catalog: a request above an edge is priced
#: in a higher tier, so rows split at these edges hold requests of one tier each.
INPUT_BAND_EDGES_TOKENS = (32_000, 100_000, 128_000, 199_999, 200_000, 256_000, 272_000, 512_000, 524_288)
#: DuckDB's buffer limit while streaming a file; the process as a whole stays under 1 GB.
DUCKDB_MEMORY_LIMIT_BYTES = 512 * 2**20
#: Rows per batch of the ordered pass that locates a broken row.
DIAGNOSIS_BATCH_ROWS = 100_000
CONNECT_TIMEOUT_S = 10
SQL_DIR = Path(__file__).with_name("sql")
ROLLUP_SQL_PATH = SQL_DIR / "usage_rollup.sql"
#: Identifier columns read as text, so a team called 007 stays "007".
TEXT_COLUMNS = ["team", "provider", "model", "project_id", "api_key_id", "user_id", "workspace_id"]
#: JSON values kept whole (not flattened into dotted columns) when a JSON page is read.
JSON_COLUMNS = {"metadata"}

#: The columns each format must have, as the detection error lists them.
SIGNATURES = {
    "openai": ["input_tokens", "output_tokens", "num_model_requests", "model", "start_time | start_time_iso"],
    "anthropic": ["uncached_input_tokens", "cache_read_input_tokens", "output_tokens", "model", "starting_at"],
    "litellm": ["prompt_tokens", "completion_tokens", "model", "startTime"],
    "litellm_daily": ["date", "team_id", "model", "prompt_tokens", "completion_tokens", "api_requests"],
    "kit": KIT_REQUIRED_COLUMNS,
}


@dataclass(frozen=True)
class LiteLLMTable:
    """One of LiteLLM's tables as the roll-up reads it: its name, the kind of each column read, its usage_rows SQL.

    Kinds: tokens / requests (counts >= 0, an empty cell is 0), usd (an amount, empty = not recorded), time (a
    timestamp, UTC), day (a YYYY-MM-DD date), text, json.
    """
    key: str  # as read_usage's table= names it
    name: str
    columns: dict
    required: tuple
    rows_sql_file: str | None  # None: the usage_rows block of usage_rollup.sql itself
    cache_column: str  # where its cache tokens come from, as an error names it


LITELLM_TABLES = {
    "spend_logs": LiteLLMTable(
        "spend_logs", "LiteLLM_SpendLogs",
        {"startTime": "time", "team_id": "text", "custom_llm_provider": "text", "model": "text",
         "prompt_tokens": "tokens", "completion_tokens": "tokens", "spend": "usd", "metadata": "json"},
        required=tuple(SIGNATURES["litellm"]), rows_sql_file=None, cache_column="metadata"),
    "daily": LiteLLMTable(
        "daily", "LiteLLM_DailyTeamSpend",
        {"date": "day", "team_id": "text", "custom_llm_provider": "text", "model": "text", "api_requests": "requests",
         "prompt_tokens": "tokens", "completion_tokens": "tokens", "cache_read_input_tokens": "tokens",
         "cache_creation_input_tokens": "tokens", "spend": "usd"},
        required=tuple(SIGNATURES["litellm_daily"]), rows_sql_file="litellm_daily_team_spend_rows.sql",
        cache_column="cache_read_input_tokens"),
}
FORMAT_TABLES = {"litellm": "spend_logs", "litellm_daily": "daily"}


class UsageFormatError(ValueError):
    """A usage source that is in no known format, broken, or unreachable: names it (file and row and column, or the
    database address with its password masked) and what was expected."""


def _fail(where, message, row=None, column=None):
    """Raise UsageFormatError 'where, row N, column 'c': message' (no exception chain: the message says it all)."""
    parts = [str(where)] + ([f"row {row}"] if row is not None else []) + ([f"column {column!r}"] if column else [])
    raise UsageFormatError(f"{', '.join(parts)}: {message}") from None


def _one_line(err: Exception) -> str:
    """An error's message on one line (database drivers spread theirs over several)."""
    return " ".join(str(err).split())


def _detect(columns: set[str]) -> str | None:
    """The format whose signature columns are all present (see the module docstring), or None."""
    if {"uncached_input_tokens", "cache_read_input_tokens", "output_tokens"} <= columns:
        return "anthropic"
    if {"input_tokens", "output_tokens", "num_model_requests"} <= columns:
        return "openai"
    if {"prompt_tokens", "completion_tokens", "startTime"} <= columns:
        return "litellm"
    if {"prompt_tokens", "completion_tokens", "api_requests"} <= columns:
        return "litellm_daily"
    if set(KIT_REQUIRED_COLUMNS) <= columns:
        return "kit"
    return None


def _unknown(where, columns) -> None:
    """Raise for a source in no known format, listing the columns each format needs and those found."""
    looked = "; ".join(f"{fmt}: {', '.join(cols)}" for fmt, cols in SIGNATURES.items())
    _fail(where, f"not a known usage export. Looked for the columns of {looked}. Found: {sorted(columns)[:20]}")


def _require(where, columns, needed) -> None:
    """Raise naming the columns of `needed` that `columns` lacks."""
    missing = [c for c in needed if c not in set(columns)]
    if missing:
        _fail(where, f"missing column(s) {missing}")


# --- the roll-up query ---------------------------------------------------------------------------------------------

def _between(text: str, name: str) -> re.Match:
    """The lines of usage_rollup.sql between the lines '-- NAME: begin' and '-- NAME: end' (match group 'inner')."""
    match = re.search(rf"^[ \t]*-- {name}: begin[^\n]*\n(?P<inner>.*?)\n[ \t]*-- {name}: end", text, flags=re.M | re.S)
    if match is None:
        raise RuntimeError(f"{ROLLUP_SQL_PATH}: the '-- {name}: begin/end' markers are missing")
    return match


def _replace_inner(text: str, name: str, inner: str) -> str:
    """`text` with the lines between its NAME markers replaced by `inner` (the markers stay)."""
    match = _between(text, name)
    return text[:match.start("inner")] + inner + text[match.end("inner"):]


def band_case_sql(input_band_edges_tokens=INPUT_BAND_EDGES_TOKENS, placeholder=None) -> str:
    """The CASE giving input_band_tokens: the largest edge strictly below prompt_tokens, else 0.

    With `placeholder` (a function of a parameter name, e.g. lambda n: f"${n}"), edges become bound parameters named
    input_band_edge_<i>; without, literals, as usage_rollup.sql ships them.
    """
    edges = _checked_edges(input_band_edges_tokens)
    lines = ["        CASE"]
    for i in reversed(range(len(edges))):
        value = placeholder(f"input_band_edge_{i}") if placeholder else str(edges[i])
        lines.append(f"            WHEN prompt_tokens > {value} THEN {value}")
    lines += ["            ELSE 0", "        END AS input_band_tokens"]
    return "\n".join(lines)


def _checked_edges(edges) -> tuple[int, ...]:
    """The band edges as ints, or ValueError naming the parameter unless positive and strictly increasing."""
    edges = tuple(int(e) for e in edges)
    if any(e <= 0 for e in edges) or any(b <= a for a, b in zip(edges, edges[1:])):
        raise ValueError(f"input_band_edges_tokens: expected positive token counts in increasing order, got {edges}")
    return edges


PLACEHOLDERS = {"duckdb": lambda name: f"${name}", "postgres": lambda name: f"%({name})s"}


def rollup_sql(rows="spend_logs", dialect="duckdb", input_band_edges_tokens=INPUT_BAND_EDGES_TOKENS):
    """The roll-up query and its parameters, from sql/usage_rollup.sql: (sql, params) for `dialect` (duckdb|postgres).

    rows: "spend_logs" (the file's own usage_rows, band edges bound as parameters), "daily" (LiteLLM's daily team
    spend, sql/litellm_daily_team_spend_rows.sql) or any SELECT returning the usage_rows columns.
    """
    text = ROLLUP_SQL_PATH.read_text(encoding="utf-8")
    placeholder = PLACEHOLDERS[dialect]
    if rows == "spend_logs":
        edges = _checked_edges(input_band_edges_tokens)
        text = _replace_inner(text, "input_band_tokens", band_case_sql(edges, placeholder))
        return (_one_json_parse(text) if dialect == "duckdb" else text), {
            f"input_band_edge_{i}": edge for i, edge in enumerate(edges)}
    if rows in LITELLM_TABLES:
        rows = (SQL_DIR / LITELLM_TABLES[rows].rows_sql_file).read_text(encoding="utf-8")
    return _replace_inner(text, "usage_rows", rows.rstrip("\n")), {}


USAGE_OBJECT_LOOKUP = re.compile(r"usage_object((?:\s*->>?\s*'\w+')+)")


def _one_json_parse(sql: str) -> str:
    """The roll-up with every look-up into metadata.usage_object done in one JSON parse per request (DuckDB).

    The shipped query reads each field with -> / ->> chains: PostgreSQL answers them from its parsed jsonb, DuckDB
    would parse the metadata text once per chain. Here they become one json_extract_string with the list of their
    JSONPaths, read by position: the same values, one parse.
    """
    paths = []

    def position(lookup: re.Match) -> str:
        """The list element standing for one -> / ->> chain, its JSONPath added to the list once."""
        steps = re.findall(r"(->>?)\s*'(\w+)'", lookup.group(1))
        if steps[-1][0] != "->>":
            raise RuntimeError(f"{ROLLUP_SQL_PATH}: {lookup.group(0)!r} must end in ->> (a value, not JSON)")
        path = "$.usage_object." + ".".join(key for _, key in steps)
        if path not in paths:
            paths.append(path)
        return f"usage_object_fields[{paths.index(path) + 1}]"

    looked_up = USAGE_OBJECT_LOOKUP.sub(position, sql)
    source = "metadata -> 'usage_object' AS usage_object"
    if looked_up.count(source) != 1:
        raise RuntimeError(f"{ROLLUP_SQL_PATH}: expected one {source!r}")
    return looked_up.replace(source, f"json_extract_string(metadata, [{', '.join(map(repr, paths))}]) "
                                     "AS usage_object_fields")


def usage_rows_sql(rows="spend_logs", dialect="duckdb", input_band_edges_tokens=INPUT_BAND_EDGES_TOKENS):
    """(sql, params) of the roll-up's usage_rows alone: one row per source row, in source order (for diagnosis)."""
    text, params = rollup_sql(rows, dialect, input_band_edges_tokens)
    return text[:_between(text, "usage_rows").end()] + "\n)\nSELECT * FROM usage_rows", params


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    """The roll-up's result with the kit's dtypes, sorted by the key (text in code-point order, whatever the engine)."""
    frame = frame[NORMALISED_COLUMNS].copy()
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    for c in ("team", "provider", "model"):
        frame[c] = frame[c].astype(str)
    for c in ("requests", *TOKEN_COLUMNS, "recorded_usd"):
        frame[c] = frame[c].astype(float)
    frame["input_band_tokens"] = frame["input_band_tokens"].astype("int64")
    return frame.sort_values(KEY_COLUMNS, ignore_index=True)


def _broken(frame: pd.DataFrame) -> bool:
    """Whether the roll-up flagged a broken source row: a NaN token total, or a row without a date."""
    return bool(frame[TOKEN_COLUMNS].isna().any().any() or frame["date"].isna().any())


# --- DuckDB: files -------------------------------------------------------------------------------------------------

def _duckdb(memory_limit_bytes: int, threads: int, ordered: bool = False) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with its memory limit and threads set; `ordered` keeps rows in source order."""
    con = duckdb.connect(config={"memory_limit": f"{int(memory_limit_bytes)}B", "threads": int(threads),
                                 "preserve_insertion_order": ordered})
    con.execute("SET TimeZone = 'UTC'")  # dates are UTC days, whatever the machine's zone
    con.execute("SET enable_progress_bar = false")  # it would print to the caller's stdout
    return con


def _quote(identifier: str) -> str:
    """An SQL identifier in double quotes (column names come from the file, so never bare)."""
    return '"' + identifier.replace('"', '""') + '"'


#: How a raw column of each kind becomes the typed column LiteLLM's table has: (from text, from a typed column).
PARSE_SQL = {  # DuckDB's casts skip surrounding spaces themselves
    "tokens": ("COALESCE(CAST(NULLIF({c}, '') AS DOUBLE), 0)", "COALESCE(CAST({c} AS DOUBLE), 0)"),
    "requests": ("COALESCE(CAST(NULLIF({c}, '') AS DOUBLE), 0)", "COALESCE(CAST({c} AS DOUBLE), 0)"),
    "usd": ("CAST(NULLIF({c}, '') AS DOUBLE)", "CAST({c} AS DOUBLE)"),
    "time": ("CAST(NULLIF({c}, '') AS TIMESTAMPTZ)", "CAST({c} AS TIMESTAMPTZ)"),
    "day": ("CAST(NULLIF({c}, '') AS DATE)", "CAST({c} AS DATE)"),
    "text": ("{c}", "CAST({c} AS VARCHAR)"),
    "json": ("NULLIF({c}, '')", "CAST({c} AS JSON)"),
}
ABSENT_SQL = {"tokens": "0", "requests": "0", "usd": "CAST(NULL AS DOUBLE)", "text": "CAST(NULL AS VARCHAR)",
              "json": "CAST(NULL AS JSON)"}


def _typed_view(con, table: LiteLLMTable, raw_name: str) -> None:
    """View named like LiteLLM's table over the raw source `raw_name`: its columns parsed to the table's types."""
    raw = con.view(raw_name)
    types = dict(zip(raw.columns, map(str, raw.types)))
    select = []
    for column, kind in table.columns.items():
        q = _quote(column)
        if column not in types:
            expr = ABSENT_SQL[kind]
        else:
            expr = PARSE_SQL[kind][types[column] != "VARCHAR"].format(c=q)
        select.append(f"{expr} AS {q}")
    con.execute(f"CREATE OR REPLACE TEMP VIEW {_quote(table.name)} AS SELECT {', '.join(select)} "
                f"FROM {_quote(raw_name)}")


@dataclass(frozen=True)
class _FileSource:
    """A LiteLLM file (CSV, JSON lines, Parquet) or table rows from a JSON page, and how to open it in DuckDB."""
    where: str
    container: str  # csv | jsonl | parquet | arrow
    columns: list
    path: Path | None = None
    rows: pa.Table | None = None

    def relation(self, con):
        """The source's rows as read, every column text where the container has no types (CSV, JSON lines)."""
        text = {c: "VARCHAR" for c in self.columns}
        if self.container == "csv":
            return con.read_csv(str(self.path), header=True, delimiter=",", quotechar='"', escapechar='"',
                                columns=text, auto_detect=False)
        if self.container == "jsonl":
            return con.read_json(str(self.path), format="newline_delimited", columns=text)
        if self.container == "parquet":
            return con.read_parquet(str(self.path))
        return con.from_arrow(self.rows)


def _read_litellm_file(source: _FileSource, table: LiteLLMTable, edges, memory_limit_bytes, threads) -> pd.DataFrame:
    """Stream a LiteLLM file through the roll-up; on a broken row, locate it (file, row, column) and raise."""
    _require(source.where, source.columns, table.required)
    con = _duckdb(memory_limit_bytes, threads)
    source.relation(con).create_view("raw_source")
    _typed_view(con, table, "raw_source")
    sql, params = rollup_sql(table.key, "duckdb", edges)
    try:
        frame = _finish(con.execute(sql, params).df())
    except duckdb.Error as err:
        _diagnose(source, table, edges, memory_limit_bytes, err)
    if _broken(frame):
        _diagnose(source, table, edges, memory_limit_bytes, None)
    if frame.empty:
        _fail(source.where, "contains no usage rows")
    return frame


#: Per kind, the checks of a raw column: (SQL flagging a bad row from its text {raw} and parsed value {p}, message).
CHECKS = {
    "tokens": [("{raw} IS NOT NULL AND {p} IS NULL", "expected a token count, got {raw!r}"),
               ("{p} < 0", "expected a count >= 0, got {p:g}")],
    "requests": [("{raw} IS NOT NULL AND {p} IS NULL", "expected a request count, got {raw!r}"),
                 ("{p} < 0", "expected a count >= 0, got {p:g}")],
    "usd": [("{raw} IS NOT NULL AND {p} IS NULL", "expected an amount in USD, got {raw!r}")],
    "time": [("{raw} IS NULL", "expected a date or time, got an empty cell"),
             ("{p} IS NULL", "expected a date or time, got {raw!r}")],
    "day": [("{raw} IS NULL", "expected a date (YYYY-MM-DD), got an empty cell"),
            ("{p} IS NULL", "expected a date (YYYY-MM-DD), got {raw!r}")],
    "json": [("{raw} IS NOT NULL AND NOT json_valid({raw})", "expected JSON, got {raw!r:.80}")],
}
PARSED_TYPES = {"tokens": "DOUBLE", "requests": "DOUBLE", "usd": "DOUBLE", "time": "TIMESTAMPTZ", "day": "DATE"}


def _diagnose(source: _FileSource, table: LiteLLMTable, edges, memory_limit_bytes, err) -> None:
    """Find the first broken row of a file in a second pass, in file order and in batches, and raise naming it."""
    reader_con = _duckdb(memory_limit_bytes, 1, ordered=True)
    check = _duckdb(memory_limit_bytes, 1, ordered=True)
    sql, params = usage_rows_sql(table.key, "duckdb", edges)
    offset = 1
    try:
        batches = source.relation(reader_con).to_arrow_reader(DIAGNOSIS_BATCH_ROWS)
        for batch in batches:
            check.register("raw_source", pa.Table.from_batches([batch]))
            _check_raw(source.where, table, check, offset)
            _typed_view(check, table, "raw_source")
            _check_rows(source.where, table, check.execute(sql, params).df(), offset)
            offset += batch.num_rows
    except duckdb.Error as read_err:
        _unreadable(source, read_err)
    _fail(source.where, f"could not be rolled up: {_one_line(err)}" if err else
          "has a row that breaks the roll-up's checks, but the second pass found none")


def _unreadable(source: _FileSource, err: duckdb.Error) -> None:
    """Raise for a file DuckDB cannot parse, with the row (CSV: its line less the header) and DuckDB's finding."""
    text = str(err).split("Possible fixes")[0]
    line = re.search(r"on Line: (\d+)", text)
    found = [x.strip() for x in text.splitlines()[1:] if x.strip() and not x.startswith("Original Line")]
    detail = "; ".join(found) or _one_line(text)
    kind = "malformed CSV" if source.container == "csv" else f"unreadable {source.container}"
    _fail(source.where, f"{kind}: {detail}", row=int(line.group(1)) - 1 if line else None)


def _check_raw(where, table: LiteLLMTable, check, offset: int) -> None:
    """Raise at the first row of the batch whose raw columns do not parse as their kind (counts also >= 0)."""
    present = set(check.view("raw_source").columns)
    first = None
    for column, kind in table.columns.items():
        if kind not in CHECKS or column not in present:
            continue
        raw = f"NULLIF(CAST({_quote(column)} AS VARCHAR), '')"
        parsed = f"TRY_CAST({raw} AS {PARSED_TYPES[kind]})" if kind in PARSED_TYPES else "NULL"
        flags = ", ".join(f"COALESCE({condition.format(raw=raw, p=parsed)}, false)" for condition, _ in CHECKS[kind])
        result = check.sql(f"SELECT {raw}, {parsed}, {flags} FROM raw_source").to_arrow_table()
        for (_, message), flag in zip(CHECKS[kind], result.columns[2:]):
            bad = np.flatnonzero(flag.to_numpy())
            if len(bad) and (first is None or bad[0] < first[0]):
                i = int(bad[0])
                text, value = result.column(0)[i].as_py(), result.column(1)[i].as_py()
                first = (i, column, message.format(raw=text, p=value))
    if first:
        _fail(where, first[2], row=first[0] + offset, column=first[1])


def _check_rows(where, table: LiteLLMTable, rows: pd.DataFrame, offset: int) -> None:
    """Raise at the first usage row of the batch that breaks the roll-up's checks (cache tokens against prompt tokens)."""
    read, write, write_1h = (rows[c] for c in ("input_cache_read_tokens", "input_cache_write_tokens",
                                               "input_cache_write_1h_tokens"))
    prompt = rows[INPUT_COLUMNS].sum(axis=1)
    problems = [
        (rows["input_uncached_tokens"] < 0,
         lambda i: f"cache reads ({read[i]:g}) and writes ({write[i]:g}) exceed prompt_tokens ({prompt[i]:g}), "
                   "which counts them"),
        ((read < 0) | (write < 0) | (write_1h < 0),
         lambda i: f"expected cache token counts >= 0, got reads {read[i]:g}, writes {write[i]:g}, "
                   f"1-hour writes {write_1h[i]:g}"),
        (write_1h > write,
         lambda i: f"1-hour cache writes ({write_1h[i]:g}) exceed all cache writes ({write[i]:g})"),
    ]
    found = [(int(np.flatnonzero(mask.to_numpy())[0]), describe) for mask, describe in problems if mask.any()]
    if found:
        i, describe = min(found, key=lambda f: f[0])
        _fail(where, describe(i), row=i + offset, column=table.cache_column)


# --- Python normalisation of the aggregated exports (OpenAI, Anthropic, the kit's CSV) ------------------------------

def _numeric(path, table: pa.Table, column: str) -> pa.Array:
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
            _fail(path, f"expected a token count, got {raw.iloc[i]!r}", row=i + 1, column=column)
        values = pa.chunked_array([pa.array(parsed.to_numpy(dtype=float))])
    values = pc.fill_null(values, 0.0)
    negative = pc.less(values, 0.0)
    if pc.any(negative).as_py():
        i = int(np.flatnonzero(negative.to_numpy(zero_copy_only=False))[0])
        _fail(path, f"expected a count >= 0, got {values[i].as_py():g}", row=i + 1, column=column)
    return values


def _optional_numeric(path, table: pa.Table, column: str) -> pa.Array:
    """A token column if the export has it, else zeros."""
    if column in table.column_names:
        return _numeric(path, table, column)
    return pa.chunked_array([pa.array(np.zeros(len(table)))])


def _missing(table: pa.Table) -> pa.Array:
    """A float column with no values (NaN: the export records none)."""
    return pa.chunked_array([pa.nulls(len(table), pa.float64())])


def _text(table: pa.Table, column: str | None, default: str) -> pa.Array:
    """A text column with empty / null cells replaced by `default` (absent column: all default)."""
    if column is None or column not in table.column_names:
        return pa.chunked_array([pa.array([default] * len(table), pa.string())])
    col = pc.fill_null(pc.cast(table[column], pa.string()), "")
    encoded = pc.dictionary_encode(col.combine_chunks())  # ids repeat: trim each distinct one once
    cleaned = encoded.dictionary
    return pc.take(pc.if_else(pc.equal(pc.utf8_trim_whitespace(cleaned), ""), default, cleaned), encoded.indices)


def _dates(path, table: pa.Table, column: str, unix_seconds: bool = False) -> pa.Array:
    """Calendar day (UTC) of each row, or an error naming the first unparseable row."""
    col = table[column]
    if pa.types.is_timestamp(col.type) or pa.types.is_date(col.type):  # parsed by pyarrow already: stay in arrow
        if pa.types.is_timestamp(col.type) and col.type.tz is not None:
            col = pc.cast(col, pa.timestamp(col.type.unit, "UTC"))
        if col.null_count:
            i = int(np.flatnonzero(pc.is_null(col).to_numpy(zero_copy_only=False))[0])
            _fail(path, "expected a date or time, got an empty cell", row=i + 1, column=column)
        return pc.cast(col, pa.date32())
    if unix_seconds or pa.types.is_integer(col.type) or pa.types.is_floating(col.type):
        ts = pd.to_datetime(pd.to_numeric(col.to_pandas(), errors="coerce"), unit="s", utc=True)
    else:
        ts = pd.to_datetime(col.to_pandas(), utc=True, errors="coerce", format="ISO8601")
    if ts.isna().any():
        i = int(np.flatnonzero(ts.isna().to_numpy())[0])
        _fail(path, f"expected a date or time, got {col[i].as_py()!r}", row=i + 1, column=column)
    return pa.array(ts.dt.tz_localize(None).dt.date, pa.date32())


def _from_openai(path, table: pa.Table) -> dict:
    """usage_rows of an OpenAI export (input_tokens includes input_cached_tokens; no cache writes, no cost)."""
    cols = set(table.column_names)
    _require(path, cols, ["input_tokens", "output_tokens", "num_model_requests", "model"])
    when = "start_time_iso" if "start_time_iso" in cols else "start_time"
    _require(path, cols, [when])
    total_in = _numeric(path, table, "input_tokens")
    cached = _optional_numeric(path, table, "input_cached_tokens")
    if pc.any(pc.greater(cached, total_in)).as_py():
        i = int(np.flatnonzero(pc.greater(cached, total_in).to_numpy(zero_copy_only=False))[0])
        _fail(path, "input_cached_tokens exceeds input_tokens, which includes it", row=i + 1, column="input_cached_tokens")
    team = _text(table, "project_id", "")
    team = pc.if_else(pc.equal(team, ""), _text(table, "api_key_id", "default project"), team)
    zeros = pc.multiply(total_in, 0.0)
    return {
        "date": _dates(path, table, when, unix_seconds=(when == "start_time")), "team": team,
        "provider": _text(table, None, "openai"), "model": _text(table, "model", "unknown"),
        "requests": _numeric(path, table, "num_model_requests"),
        "input_uncached_tokens": pc.subtract(total_in, cached), "input_cache_read_tokens": cached,
        "input_cache_write_tokens": zeros, "input_cache_write_1h_tokens": zeros,
        "output_tokens": _numeric(path, table, "output_tokens"), "recorded_usd": _missing(table),
    }


def _from_anthropic(path, table: pa.Table) -> dict:
    """usage_rows of an Anthropic report (writes = 5-minute + 1-hour ephemeral writes; no request count, no cost)."""
    _require(path, table.column_names,
             ["uncached_input_tokens", "cache_read_input_tokens", "output_tokens", "model", "starting_at"])
    write_5m = _optional_numeric(path, table, "cache_creation.ephemeral_5m_input_tokens")
    write_1h = _optional_numeric(path, table, "cache_creation.ephemeral_1h_input_tokens")
    return {
        "date": _dates(path, table, "starting_at"), "team": _text(table, "workspace_id", "default workspace"),
        "provider": _text(table, None, "anthropic"), "model": _text(table, "model", "unknown"),
        "requests": _missing(table),
        "input_uncached_tokens": _numeric(path, table, "uncached_input_tokens"),
        "input_cache_read_tokens": _numeric(path, table, "cache_read_input_tokens"),
        "input_cache_write_tokens": pc.add(write_5m, write_1h), "input_cache_write_1h_tokens": write_1h,
        "output_tokens": _numeric(path, table, "output_tokens"), "recorded_usd": _missing(table),
    }


def _from_kit(path, table: pa.Table) -> dict:
    """usage_rows of a kit CSV; the newer columns default when absent (see the module docstring)."""
    _require(path, table.column_names, KIT_REQUIRED_COLUMNS)
    parts = {c: _text(table, c, "unknown") for c in ("team", "provider", "model")}
    parts["date"] = _dates(path, table, "date")
    for column in ("requests", "recorded_usd"):
        values = table[column] if column in table.column_names else None
        parts[column] = (_missing(table) if values is None or pa.types.is_null(values.type)
                         else pc.cast(values, pa.float64()))
    parts |= {c: _optional_numeric(path, table, c) for c in TOKEN_COLUMNS}
    if pc.any(pc.greater(parts["input_cache_write_1h_tokens"], parts["input_cache_write_tokens"])).as_py():
        i = int(np.flatnonzero(pc.greater(parts["input_cache_write_1h_tokens"], parts["input_cache_write_tokens"])
                               .to_numpy(zero_copy_only=False))[0])
        _fail(path, "input_cache_write_1h_tokens exceeds input_cache_write_tokens, which includes it", row=i + 1,
              column="input_cache_write_1h_tokens")
    parts["input_band_tokens"] = pc.cast(_optional_numeric(path, table, "input_band_tokens"), pa.int64())
    return parts


READERS = {"openai": _from_openai, "anthropic": _from_anthropic, "kit": _from_kit}


def _rollup_rows(parts: dict, memory_limit_bytes: int, threads: int) -> pd.DataFrame:
    """Roll normalised rows (the usage_rows columns, computed in Python) up with the one roll-up query."""
    parts.setdefault("input_band_tokens", pa.chunked_array([pa.array(np.zeros(len(parts["date"]), np.int64))]))
    con = _duckdb(memory_limit_bytes, threads)
    con.register("normalised_rows", pa.table({c: parts[c] for c in NORMALISED_COLUMNS}))
    sql, params = rollup_sql(f"SELECT {', '.join(NORMALISED_COLUMNS)} FROM normalised_rows", "duckdb")
    return _finish(con.execute(sql, params).df())


# --- files: detection, JSON pages ----------------------------------------------------------------------------------

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
    """Nested objects as dotted keys (cache_creation.ephemeral_1h_input_tokens), JSON_COLUMNS kept as JSON text."""
    out = {}
    for k, v in row.items():
        if isinstance(v, dict) and k not in JSON_COLUMNS:
            out |= _flatten(v, f"{prefix}{k}.")
        else:
            out[f"{prefix}{k}"] = json.dumps(v) if isinstance(v, (dict, list)) else v
    return out


def _as_text_table(rows: list[dict], columns: list[str]) -> pa.Table:
    """Rows as a table of text columns (what a CSV would hold), so LiteLLM rows from JSON parse like a CSV's."""
    return pa.table({c: pa.array([None if r.get(c) is None else str(r[c]) for r in rows], pa.string())
                     for c in columns})


def _container(path: Path) -> str:
    """csv | jsonl | json | parquet, from the file's first bytes (and a .jsonl / .ndjson name)."""
    with path.open("rb") as fh:
        head = fh.read(4)
        fh.seek(0)
        first_line = fh.readline()
    if head == b"PAR1":
        return "parquet"
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return "jsonl"
    if first_line.lstrip()[:1] in (b"{", b"["):
        try:
            first = json.loads(first_line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return "json"
        return "jsonl" if isinstance(first, dict) and "data" not in first else "json"
    return "json" if path.suffix.lower() == ".json" else "csv"


def _file_columns(path: Path, container: str) -> list[str]:
    """The column names of a file: the Parquet schema's, the CSV header's, or the first JSON line's keys."""
    if container == "parquet":
        import pyarrow.parquet as pq

        return pq.read_schema(path).names
    with path.open("rb") as fh:
        first_line = fh.readline().decode("utf-8", errors="replace")
    if container == "jsonl":
        return list(json.loads(first_line))
    return next(csv.reader(io.StringIO(first_line)), [])


def _json_page(path: Path) -> list[dict]:
    """The rows of a JSON page or list (small: a page is what one API call returns), flattened."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        _fail(path, f"not valid JSON: {err}")
    rows = _json_rows(path, doc)
    if not rows:
        _fail(path, "contains no usage rows")
    return rows


def _read_file(path: Path, edges, memory_limit_bytes, threads) -> pd.DataFrame:
    """A file's roll-up: LiteLLM's tables streamed through DuckDB, aggregated exports normalised in Python first."""
    if not path.exists():
        _fail(path, "file not found")
    if path.stat().st_size == 0:
        _fail(path, "file is empty")
    container = _container(path)
    rows = _json_page(path) if container == "json" else None
    columns = list(dict.fromkeys(k for r in rows for k in r)) if rows else _file_columns(path, container)
    fmt = _detect(set(columns))
    if fmt is None:
        _unknown(path, columns)
    if fmt in FORMAT_TABLES:
        source = (_FileSource(str(path), "arrow", columns, rows=_as_text_table(rows, columns)) if rows
                  else _FileSource(str(path), container, columns, path=path))
        return _read_litellm_file(source, LITELLM_TABLES[FORMAT_TABLES[fmt]], edges, memory_limit_bytes, threads)
    table = pa.Table.from_pylist(rows) if rows else _small_table(path, container, columns)
    parts = READERS[fmt](path, table)
    if not len(parts["date"]):
        _fail(path, "contains no usage rows")
    return _rollup_rows(parts, memory_limit_bytes, threads)


def _small_table(path: Path, container: str, columns: list[str]) -> pa.Table:
    """An aggregated export (OpenAI, Anthropic, kit: one row per day and key, small) read whole."""
    try:
        if container == "csv":
            types = {c: pa.string() for c in TEXT_COLUMNS if c in columns}
            return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(strings_can_be_null=True,
                                                                             column_types=types))
        if container == "parquet":
            import pyarrow.parquet as pq

            return pq.read_table(path).flatten()
        import pyarrow.json as pajson

        return pajson.read_json(path).flatten()  # nested keys dotted, as in a JSON page
    except pa.ArrowInvalid as err:
        _fail(path, f"malformed {container.upper()}: {err}")


# --- the gateway's database ----------------------------------------------------------------------------------------

def mask_dsn(dsn: str) -> str:
    """The DSN with its password replaced by ***, in the URL's user:password@ and in any password= parameter."""
    masked = re.sub(r"^(\w+://[^/@:]*):[^@/]*@", r"\1:***@", dsn)
    return re.sub(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^&\s]*)", r"\1***", masked)


def _database_error(dsn: str, err: Exception) -> str:
    """A driver's error on one line, with the DSN it may quote masked."""
    return _one_line(err).replace(dsn, mask_dsn(dsn))


def _is_dsn(source) -> bool:
    """Whether the source is a PostgreSQL address rather than a file."""
    return isinstance(source, str) and source.startswith(("postgresql://", "postgres://"))


@contextmanager
def read_only_connection(dsn: str):
    """A psycopg connection whose transactions are read-only (BEGIN READ ONLY): the kit cannot write through it.

    A bad address, a refused connection or a rejected password raise UsageFormatError naming the DSN (masked).
    """
    where = mask_dsn(dsn)
    try:
        params = conninfo_to_dict(dsn)
    except psycopg.Error as err:
        _fail(where, f"not a valid PostgreSQL address (DSN): {_database_error(dsn, err)}")
    params.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
    try:
        conn = psycopg.connect(**params)
    except psycopg.Error as err:
        _fail(where, f"could not connect: {_database_error(dsn, err)}")
    conn.read_only = True
    with conn:
        yield conn


def _read_database(dsn: str, table: LiteLLMTable, edges) -> pd.DataFrame:
    """Roll up one of LiteLLM's tables on its server, in one read-only transaction; all the groups or an error."""
    where = mask_dsn(dsn)
    sql, params = rollup_sql(table.key, "postgres", edges)
    with read_only_connection(dsn) as conn:
        try:
            cursor = conn.execute(sql, params)
            frame = pd.DataFrame(cursor.fetchall(), columns=[d.name for d in cursor.description])
        except psycopg.errors.UndefinedTable:
            _fail(where, f'table "{table.name}" not found: is this a LiteLLM proxy database '
                         '(read_usage(dsn, table="spend_logs" | "daily"))?')
        except psycopg.errors.UndefinedColumn as err:
            _fail(where, f'table "{table.name}" lacks a column of LiteLLM\'s schema: {_database_error(dsn, err)}')
        except psycopg.OperationalError as err:
            _fail(where, f'lost the connection while reading "{table.name}": {_database_error(dsn, err)}')
        except psycopg.Error as err:
            _fail(where, f'reading "{table.name}" failed: {_database_error(dsn, err)}')
    frame = _finish(frame)
    if _broken(frame):
        bad = frame[frame[TOKEN_COLUMNS].isna().any(axis=1)].iloc[0]
        _fail(where, f'"{table.name}" has rows with a negative count or cache tokens above prompt_tokens, first on '
                     f'{bad["date"]:%Y-%m-%d} for team {bad["team"]!r}, model {bad["model"]!r}')
    return frame


# --- the entry point -----------------------------------------------------------------------------------------------

def read_usage(source, *, table: str = "spend_logs", input_band_edges_tokens=INPUT_BAND_EDGES_TOKENS,
               memory_limit_bytes: int = DUCKDB_MEMORY_LIMIT_BYTES, threads: int | None = None) -> pd.DataFrame:
    """One normalised daily table (NORMALISED_COLUMNS) from a usage export or a LiteLLM gateway's database.

    source: a file (CSV, JSON lines, JSON page or list, Parquet; format detected from its columns, see the module
    docstring) or a "postgresql://" DSN of a LiteLLM proxy's database. table (database only): "spend_logs" rolls up
    "LiteLLM_SpendLogs", "daily" rolls up "LiteLLM_DailyTeamSpend". input_band_edges_tokens: the edges of the input
    bands (default INPUT_BAND_EDGES_TOKENS). memory_limit_bytes, threads: DuckDB's limits while streaming a file
    (threads default: every core).
    """
    if table not in LITELLM_TABLES:
        raise ValueError(f"table: expected one of {sorted(LITELLM_TABLES)}, got {table!r}")
    edges = _checked_edges(input_band_edges_tokens)
    if _is_dsn(source):
        return _read_database(source, LITELLM_TABLES[table], edges)
    threads = threads or os.cpu_count() or 1
    return _read_file(Path(source), edges, memory_limit_bytes, threads)


def monthly_usage(usage: pd.DataFrame) -> pd.DataFrame:
    """Per (month, team): tokens, input / cached shares, requests and per-request lengths where counted, recorded
    spend, the first and last day seen and the number of days seen, the top provider and model (by tokens)."""
    u = usage.assign(month=usage["date"].dt.to_period("M").dt.to_timestamp())
    g = u.groupby(["month", "team"], as_index=False).agg(
        requests=("requests", lambda s: s.sum(min_count=len(s))),
        **{c: (c, "sum") for c in TOKEN_COLUMNS},
        recorded_usd=("recorded_usd", lambda s: s.sum(min_count=1)),
        first_date=("date", "min"), last_date=("date", "max"), days=("date", "nunique"),
        top_provider=("provider", lambda s: s.mode().iloc[0]),
    )
    top_model = (u.assign(total=u[INPUT_COLUMNS + ["output_tokens"]].sum(axis=1))
                 .groupby(["month", "team", "model"])["total"].sum()
                 .reset_index().sort_values("total").groupby(["month", "team"]).tail(1)[["month", "team", "model"]])
    g = g.merge(top_model.rename(columns={"model": "top_model"}), on=["month", "team"])
    inputs = g[INPUT_COLUMNS].sum(axis=1)
    g["tokens"] = inputs + g["output_tokens"]
    g["input_share"] = inputs / g["tokens"].where(g["tokens"] > 0)
    g["cached_share"] = g["input_cache_read_tokens"] / inputs.where(inputs > 0)
    g["input_tokens_per_request"] = inputs / g["requests"]
    g["output_tokens_per_request"] = g["output_tokens"] / g["requests"]
    return g
