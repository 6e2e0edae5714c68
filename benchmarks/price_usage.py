"""Billing speed: price_usage on a 100,000-row usage table, against genai-prices' calc_price row by row.

Builds a synthetic normalised usage table (daily rows of 60 models across providers and price periods),
then times in the same run (medians of several):
  baseline: genai_prices.calc_price once per row, on a 2,000-row sample, scaled to all rows
  kit:      tokenomics.price_usage on every row (resolve ids, find periods and tiers, price, note gaps)
and load_api_prices, cold (parse and validate both price files) and cached.
Run: .venv/bin/python benchmarks/price_usage.py [rows]
"""

import statistics
import sys
import time
import warnings
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from genai_prices import Usage, calc_price

from tokenomics import catalog, load_api_prices, price_usage

REPEATS = 3
SAMPLE = 2_000


def usage_table(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    listed = load_api_prices().query("price_basis == 'list'").drop_duplicates(["provider_id", "provider_model_id"])
    models = listed.sample(60, random_state=0)
    pick = rng.integers(0, len(models), rows)
    requests = rng.integers(1, 5_000, rows)
    return pd.DataFrame({
        "date": pd.Timestamp("2026-09-01") + pd.to_timedelta(rng.integers(0, 120, rows), unit="D"),
        "team": np.array(["a", "b", "c", "d"])[rng.integers(0, 4, rows)],
        "provider": models["provider_id"].to_numpy()[pick], "model": models["provider_model_id"].to_numpy()[pick],
        "requests": requests.astype(float),
        "input_uncached_tokens": requests * rng.integers(100, 60_000, rows),
        "input_cache_read_tokens": requests * rng.integers(0, 100_000, rows),
        "input_cache_write_tokens": requests * rng.integers(0, 5_000, rows),
        "output_tokens": requests * rng.integers(10, 2_000, rows),
    })


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def calc_rows(frame: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for r in frame.itertuples():
            total = r.input_uncached_tokens + r.input_cache_read_tokens + r.input_cache_write_tokens
            usage = Usage(input_tokens=int(total), cache_read_tokens=int(r.input_cache_read_tokens),
                          cache_write_tokens=int(r.input_cache_write_tokens), output_tokens=int(r.output_tokens))
            try:
                calc_price(usage, r.model, provider_id=r.provider,
                           genai_request_timestamp=datetime.combine(r.date.date(), datetime.min.time(), UTC))
            except LookupError:
                pass


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    catalog._load_cached.cache_clear()
    catalog._api_prices_cached.cache_clear()
    cold = timed(load_api_prices)
    warm = statistics.median(timed(load_api_prices) for _ in range(20))
    table = usage_table(rows)
    price_usage(table.head(10))  # imports and the catalog index, for both
    kit = statistics.median(timed(lambda: price_usage(table)) for _ in range(REPEATS))
    base = statistics.median(timed(lambda: calc_rows(table.head(SAMPLE))) for _ in range(REPEATS)) * rows / SAMPLE
    print(f"load_api_prices: {cold * 1e3:.0f} ms cold (parse + validate), {warm * 1e3:.2f} ms cached")
    print(f"{rows:,} usage rows, medians of {REPEATS} runs:")
    print(f"  genai-prices calc_price per row (scaled from {SAMPLE:,}): {base:.2f} s")
    print(f"  tokenomics.price_usage:                              {kit:.2f} s")
    print(f"  ratio: {base / kit:.0f}x faster")


if __name__ == "__main__":
    main()
