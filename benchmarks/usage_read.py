"""Usage roll-up at scale: a 10-million-row LiteLLM spend-log export, against pyarrow only reading it.

Writes (once, cached in the temporary folder) a synthetic export with LiteLLM_SpendLogs' real columns,
including the `metadata` JSON where LiteLLM keeps cache tokens and `spend`. Then, in the same run,
each reader runs in a fresh child process (so its peak memory is its own), REPEATS times, alternating:
  baseline: pyarrow.csv.read_csv of the whole file (it holds every row in memory)
  kit:      tokenomics.read_usage (detect, validate, stream through the one roll-up query in DuckDB)
and prints the median seconds, the time ratio kit / pyarrow, and each one's peak RSS against the 1 GB limit.
`--formats csv,parquet,jsonl` adds the Parquet and JSON-lines copies of the same rows (written by DuckDB),
against pyarrow.parquet.read_table and pyarrow.json.read_json.
Run: .venv/bin/python benchmarks/usage_read.py [--rows N] [--formats csv,parquet,jsonl] [--repeats 3]
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

REPEATS = 3
PEAK_LIMIT_MB = 1000
CHUNK_ROWS = 500_000
CACHE_DIR = Path(tempfile.gettempdir()) / "tokenomics-bench"

#: (model, custom_llm_provider, model_group, share of requests): today's mix through one gateway.
MODELS = [
    ("gpt-5-mini", "openai", "gpt-5-mini", 0.30),
    ("gpt-5", "openai", "gpt-5", 0.10),
    ("claude-sonnet-4-5-20250929", "anthropic", "claude-sonnet", 0.20),
    ("claude-haiku-4-5-20251001", "anthropic", "claude-haiku", 0.15),
    ("gemini/gemini-2.5-flash", "gemini", "gemini-flash", 0.15),
    ("together_ai/openai/gpt-oss-120b", "together_ai", "gpt-oss", 0.10),
]
TEAMS = ["team-search", "team-support", "team-agents", "team-risk", "team-docs", "team-data", ""]

# Each reader, run in a child: prints its seconds (reading only, imports excluded) and peak RSS in kB.
CHILD = """
import resource, sys, time
kind, path = sys.argv[1], sys.argv[2]
if kind == "pyarrow-csv":
    import pyarrow.csv as reader; read = reader.read_csv
elif kind == "pyarrow-parquet":
    import pyarrow.parquet as reader; read = reader.read_table
elif kind == "pyarrow-json":
    import pyarrow.json as reader; read = reader.read_json
else:
    from tokenomics.usage import read_usage as read
start = time.perf_counter()
result = read(path)
seconds = time.perf_counter() - start
print(seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, len(result))
"""


def _text(values) -> pa.Array:
    return pa.array(values, pa.string())


def _hex(rng: np.random.Generator, rows: int, width: int) -> pa.Array:
    """`rows` random lowercase hex strings of `width` characters (LiteLLM stores a sha256 of each key)."""
    digits = np.frombuffer(b"0123456789abcdef", np.uint8)[rng.integers(0, 16, (rows, width))]
    return pa.array(np.ascontiguousarray(digits).view(f"S{width}").ravel()).cast(pa.string())


def _digits(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values), pa.string())


def _join(*parts) -> pa.Array:
    """Concatenate string arrays / scalars element-wise (vectorised: 10 M rows in seconds, not minutes)."""
    return pc.binary_join_element_wise(*[p if isinstance(p, (pa.Array, pa.ChunkedArray)) else pa.scalar(p)
                                         for p in parts], "")


def _chunk(rng: np.random.Generator, first_row: int, rows: int, days: int) -> pa.Table:
    """One chunk of synthetic LiteLLM_SpendLogs rows, in the columns and metadata JSON shape LiteLLM writes.

    Anthropic requests carry cache reads and 5-minute / 1-hour writes in metadata.usage_object, the others
    prompt_tokens_details.cached_tokens only, as LiteLLM's usage objects do.
    """
    shares = np.array([m[3] for m in MODELS])
    which = rng.choice(len(MODELS), rows, p=shares / shares.sum())
    model, provider, group = (np.array([m[i] for m in MODELS])[which] for i in range(3))
    anthropic = provider == "anthropic"
    prompt = rng.lognormal(7.5, 1.2, rows).astype(np.int64) + 20
    prompt[rng.random(rows) < 0.0005] += 250_000  # a few long-context requests
    completion = rng.lognormal(5.5, 1.0, rows).astype(np.int64) + 1
    read = np.where(rng.random(rows) < 0.4, (prompt * rng.random(rows) * 0.8).astype(np.int64), 0)
    write = np.where(anthropic & (rng.random(rows) < 0.1), ((prompt - read) * 0.5).astype(np.int64), 0)
    write_1h = np.where(rng.random(rows) < 0.3, write // 2, 0)
    spend = np.round((prompt * 1.25 + completion * 10) / 1e6, 8)
    start_s = np.sort(rng.integers(0, days * 86400, rows)) + 1_790_000_000
    duration_ms = rng.integers(200, 20_000, rows)
    ids = np.arange(first_row, first_row + rows)
    team = _text(np.array(TEAMS)[rng.integers(0, len(TEAMS), rows)])
    user = _join("u", _digits(ids % 997))
    usage = _join('{"completion_tokens": ', _digits(completion), ', "prompt_tokens": ', _digits(prompt),
                  ', "total_tokens": ', _digits(prompt + completion), ', "prompt_tokens_details": {"cached_tokens": ',
                  _digits(read))
    cache = _join(', "cache_creation_token_details": {"ephemeral_5m_input_tokens": ', _digits(write - write_1h),
                  ', "ephemeral_1h_input_tokens": ', _digits(write_1h), '}}, "cache_read_input_tokens": ',
                  _digits(read), ', "cache_creation_input_tokens": ', _digits(write), "}")
    usage = pc.if_else(pa.array(anthropic), _join(usage, cache), _join(usage, "}}"))
    team_json = pc.if_else(pc.equal(team, ""), "null", _join('"', team, '"'))
    metadata = _join('{"user_api_key_team_id": ', team_json, ', "status": "success", "usage_object": ', usage, "}")
    start = pa.array(start_s * 1000).cast(pa.timestamp("ms", "UTC"))
    return pa.table({
        "request_id": _join("chatcmpl-", _digits(ids)),
        "call_type": pa.array(np.full(rows, "acompletion")),
        "api_key": _hex(rng, rows, 64),
        "spend": spend,
        "total_tokens": prompt + completion,
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "startTime": start,
        "endTime": pa.array(start_s * 1000 + duration_ms).cast(pa.timestamp("ms", "UTC")),
        "model": _text(model),
        "model_group": _text(group),
        "custom_llm_provider": _text(provider),
        "user": user,
        "metadata": metadata,
        "cache_hit": pa.array(np.full(rows, "False")),
        "team_id": team,
        "end_user": pa.array(np.full(rows, "")),
        "status": pa.array(np.full(rows, "success")),
    })


def write_export(path: Path, rows: int, days: int = 30) -> None:
    """A synthetic LiteLLM spend-log CSV of `rows` requests over `days` days, written in chunks."""
    rng = np.random.default_rng(0)
    partial = path.with_suffix(".partial")
    with pacsv.CSVWriter(partial, _chunk(rng, 0, 1, days).schema,
                         write_options=pacsv.WriteOptions(quoting_style="needed")) as writer:
        for first in range(0, rows, CHUNK_ROWS):
            writer.write_table(_chunk(rng, first, min(CHUNK_ROWS, rows - first), days))
    partial.rename(path)  # a file that exists is whole


def copies(csv_path: Path, formats: list[str]) -> dict[str, Path]:
    """The same rows as Parquet and JSON lines (DuckDB's COPY, streamed), written once beside the CSV."""
    import duckdb

    paths = {"csv": csv_path} if "csv" in formats else {}
    for fmt, option in (("parquet", "FORMAT parquet"), ("jsonl", "FORMAT json")):
        if fmt not in formats:
            continue
        path = csv_path.with_suffix(f".{fmt}")
        if not path.exists():
            con = duckdb.connect(config={"memory_limit": "2GB", "threads": 2, "preserve_insertion_order": False})
            con.execute(f"COPY (SELECT * FROM read_csv('{csv_path}')) TO '{path}.partial' ({option})")
            Path(f"{path}.partial").rename(path)
        paths[fmt] = path
    return paths


def measure(kind: str, path: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one read in a fresh child process."""
    out = subprocess.run([sys.executable, "-c", CHILD, kind, str(path)], check=True, capture_output=True, text=True)
    seconds, max_rss_kb, _ = out.stdout.split()
    return float(seconds), int(max_rss_kb) / 1024


BASELINES = {"csv": "pyarrow-csv", "parquet": "pyarrow-parquet", "jsonl": "pyarrow-json"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--formats", default="csv")
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args()
    CACHE_DIR.mkdir(exist_ok=True)
    path = CACHE_DIR / f"litellm_spend_logs_{args.rows}.csv"
    if not path.exists():
        print(f"writing {args.rows:,} rows to {path} (once) ...", flush=True)
        write_export(path, args.rows)
    formats = args.formats.split(",")
    for fmt, file in copies(path, formats).items():
        runs = {BASELINES[fmt]: [], "read_usage": []}
        for _ in range(args.repeats):
            for kind in runs:
                runs[kind].append(measure(kind, file))
        seconds = {k: statistics.median(s for s, _ in v) for k, v in runs.items()}
        peak_mb = {k: max(m for _, m in v) for k, v in runs.items()}
        base = BASELINES[fmt]
        print(f"{args.rows:,}-row LiteLLM export as {fmt} ({file.stat().st_size / 1e6:,.0f} MB), "
              f"medians of {args.repeats} runs, each in a fresh process:")
        print(f"  {base + ' (bare read)':28s} {seconds[base]:7.2f} s   peak {peak_mb[base]:7,.0f} MB")
        print(f"  {'tokenomics.read_usage':28s} {seconds['read_usage']:7.2f} s   peak {peak_mb['read_usage']:7,.0f} MB")
        print(f"  time ratio read_usage / pyarrow: {seconds['read_usage'] / seconds[base]:.2f}x (target <= 2x); "
              f"read_usage peak {peak_mb['read_usage']:,.0f} MB of the {PEAK_LIMIT_MB:,} MB limit "
              f"({'within' if peak_mb['read_usage'] <= PEAK_LIMIT_MB else 'OVER'})")
        print(json.dumps({"format": fmt, "seconds": seconds, "peak_mb": peak_mb}))


if __name__ == "__main__":
    main()
