"""Monte Carlo speed: one million break-even scenarios, vectorised, against a scalar Python loop.

Both paths call the same functions (`breakeven.first_break_even`, `OwnCost.monthly_usd`) on the same
draws; the loop runs a sample of scenarios one at a time and is scaled to a million. Medians of
several runs, measured in the same process. Run: .venv/bin/python benchmarks/monte_carlo.py
"""

import statistics
import time

from tokenomics import breakeven, uncertainty

N = 1_000_000
LOOP_SAMPLE = 2_000
REPEATS = 5

DEPLOYMENT = uncertainty.Deployment(gpus_per_replica=1, capacity_tokens_per_month=1.1e11)
DISTRIBUTIONS = uncertainty.default_distributions(api_usd_per_mtok=2.93, gpu_usd_per_hour=3.49,
                                                  people_usd_per_month=3925, volume_growth_per_year=3.0)


def vectorised() -> float:
    start = time.perf_counter()
    uncertainty.monte_carlo(DISTRIBUTIONS, DEPLOYMENT, 1e9, n=N, seed=1)
    return time.perf_counter() - start


def scalar_loop() -> float:
    """Seconds per scenario when each scenario is computed alone with the same functions."""
    draws = uncertainty.sample(DISTRIBUTIONS, LOOP_SAMPLE, seed=1)
    start = time.perf_counter()
    for i in range(LOOP_SAMPLE):
        one = {k: v[i] for k, v in draws.items()}
        own = uncertainty.scenarios_own_cost(one, DEPLOYMENT)
        breakeven.first_break_even(one["api_usd_per_mtok"], own)
        own.monthly_usd(1e9) < one["api_usd_per_mtok"] * 1e9 / 1e6
        own.monthly_usd(1e9 * one["volume_growth_per_year"])
    return (time.perf_counter() - start) / LOOP_SAMPLE


def main() -> None:
    vec = statistics.median(vectorised() for _ in range(REPEATS))
    per_scenario = statistics.median(scalar_loop() for _ in range(REPEATS))
    loop = per_scenario * N
    print(f"vectorised Monte Carlo, {N:,} scenarios: median {vec:.3f} s over {REPEATS} runs")
    print(f"scalar Python loop, same functions: {per_scenario * 1e6:.1f} us per scenario "
          f"(median of {REPEATS} runs of {LOOP_SAMPLE:,}), {loop:.0f} s for {N:,}")
    print(f"ratio loop / vectorised: {loop / vec:,.0f}x")


if __name__ == "__main__":
    main()
