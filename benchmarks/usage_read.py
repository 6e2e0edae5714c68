"""Usage normalisation speed: a one-million-row LiteLLM spend log, against pyarrow only reading the CSV.

Writes a synthetic export to a temporary folder, then times (same run, medians of several):
  baseline: pyarrow.csv.read_csv of the whole file
  kit:      tokenomics.read_usage (detect, read, validate, normalise, aggregate per day)
Run: .venv/bin/python benchmarks/usage_read.py [rows]
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pacsv

from tokenomics.usage import read_usage

REPEATS = 5


def write_export(path: Path, rows: int) -> None:
    rng = np.random.default_rng(0)
    start = pd.Timestamp("2026-10-01", tz="UTC")
    seconds = np.sort(rng.integers(0, 60 * 86400, rows))
    models = np.array(["gpt-4.1", "gpt-4.1-mini", "anthropic/claude-3-7-sonnet-20250219"])
    frame = pd.DataFrame({
        "request_id": [f"req-{i}" for i in range(rows)],
        "call_type": "acompletion",
        "spend": rng.random(rows).round(6),
        "prompt_tokens": rng.integers(50, 8000, rows),
        "completion_tokens": rng.integers(1, 1500, rows),
        "startTime": (start + pd.to_timedelta(seconds, unit="s")).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "model": models[rng.integers(0, 3, rows)],
        "team_id": np.array(["team-a", "team-b", "team-c", "team-d", ""])[rng.integers(0, 5, rows)],
        "user": "someone",
    })
    frame["total_tokens"] = frame["prompt_tokens"] + frame["completion_tokens"]
    frame.to_csv(path, index=False)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "litellm_spend_logs.csv"
        write_export(path, rows)
        size_mb = path.stat().st_size / 1e6
        read_usage(path)  # warm caches and imports for both
        base = statistics.median(timed(lambda: pacsv.read_csv(path)) for _ in range(REPEATS))
        kit = statistics.median(timed(lambda: read_usage(path)) for _ in range(REPEATS))
    print(f"{rows:,}-row LiteLLM export ({size_mb:.0f} MB), medians of {REPEATS} runs:")
    print(f"  pyarrow read_csv only:        {base:.3f} s")
    print(f"  tokenomics.read_usage:        {kit:.3f} s")
    print(f"  ratio kit / pyarrow read:     {kit / base:.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()
