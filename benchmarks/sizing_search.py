"""Sizing-search speed: the whole candidate table (every model x GPU x weight format x replica layout) in one
vectorised call, against a scalar Python loop over the same candidates.

Both paths call `serving.at_target` on the same candidate rows (chat lengths and chat's latency target); the
loop evaluates a sample of candidates one at a time and is scaled to the full count. Medians of several runs,
measured in the same process. Run: .venv/bin/python benchmarks/sizing_search.py
"""

import statistics
import time

import numpy as np

from tokenomics import serving

INPUT, OUTPUT, PER_USER, TTFT = 1155, 211, 25.0, 0.45
LOOP_SAMPLE = 300
REPEATS = 5


def vectorised() -> tuple[float, int]:
    start = time.perf_counter()
    table = serving.deployment_table(input_tokens=INPUT, output_tokens=OUTPUT, min_output_tokens_per_s_per_user=PER_USER,
                                     max_ttft_s=TTFT)
    return time.perf_counter() - start, len(table)


def scalar_loop(candidates) -> float:
    """Seconds per candidate when each is evaluated alone with the same function."""
    rows = candidates.sample(LOOP_SAMPLE, random_state=1)
    start = time.perf_counter()
    for i in range(len(rows)):
        serving.at_target(rows.iloc[[i]], INPUT, OUTPUT, min_output_tokens_per_s_per_user=PER_USER, max_ttft_s=TTFT)
    return (time.perf_counter() - start) / LOOP_SAMPLE


def main() -> None:
    runs = [vectorised() for _ in range(REPEATS)]
    count = runs[0][1]
    table = serving.deployment_table(input_tokens=INPUT, output_tokens=OUTPUT)
    candidates = serving.candidate_frame(table[["model", "gpu", "weight_format", "gpus_per_replica", "layout"]])
    loop = statistics.median(scalar_loop(candidates) for _ in range(3)) * count
    table_s = statistics.median(t for t, _ in runs)
    print(f"candidates (model x GPU x format x replica layout): {count:,}")
    print(f"vectorised table, median of {REPEATS}: {table_s:.2f} s ({count / table_s:,.0f} candidates/s)")
    print(f"scalar loop over the same candidates (sample of {LOOP_SAMPLE}, scaled): {loop:.1f} s")
    print(f"speed-up: {loop / table_s:,.0f}x")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
