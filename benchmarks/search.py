"""Candidate search speed: every path a team could take (API switches, open models by the token, owning on
every model x GPU x format x deployment x GPU price basis), priced over the horizon in one array pass, against
the same pricing done one candidate at a time.

The vectorised side is `search.screen` as the reports call it. The loop prices a sample of the owning
candidates one by one with the same function (`projection.project_arrays` on a one-candidate `OwnCost`) and
is scaled to the full candidate count. Medians of several runs, in the same process.
Run: .venv/bin/python benchmarks/search.py
"""

import statistics
import time

import numpy as np
from tokenomics import reports, search
from tokenomics.projection import project_arrays
from tokenomics.scenario import Scenario, refresh_months

REPEATS = 5
LOOP_SAMPLE = 300


def screened(s: Scenario) -> tuple[float, int]:
    start = time.perf_counter()
    frame = search.screen(s)
    return time.perf_counter() - start, len(frame)


def loop_per_candidate(s: Scenario) -> float:
    """Seconds per owning candidate when each is projected alone."""
    own = search.own_candidates(s).sample(LOOP_SAMPLE, random_state=0)
    base = s.rent_inputs()
    start = time.perf_counter()
    for i in range(len(own)):
        row = own.iloc[[i]]
        arrays = project_arrays(s.tokens_per_month, **(base | {
            "own": search._own_cost(row, s), "hybrid_own_share": 1.0,
            "gpu_price_decline_per_year": s.gpu_price_decline_per_year,
            "hardware_refresh_months": refresh_months(row["gpu_mode"].iloc[0])}))
        search._discounted(np.asarray(arrays["own_cash_usd"]), s)
    return (time.perf_counter() - start) / len(own)


def main() -> None:
    team = reports.read_teams("data/teams.csv")[0]
    s = Scenario.from_row(team)
    screened(s)  # warm the per-GPU price cache and the catalogs, as a report batch does after its first team
    times, count = zip(*(screened(s) for _ in range(REPEATS)))
    vec, count = statistics.median(times), count[0]
    per = statistics.median(loop_per_candidate(s) for _ in range(REPEATS))
    print(f"search.screen for team {s.team!r}: {count:,} candidates, median {vec:.3f} s over {REPEATS} runs "
          f"({vec / count * 1e6:.1f} us per candidate)")
    print(f"one candidate at a time, same projection: {per * 1e3:.2f} ms per candidate (median of {REPEATS} runs of "
          f"{LOOP_SAMPLE}), {per * count:.1f} s for {count:,}")
    print(f"ratio loop / vectorised: {per * count / vec:,.0f}x")


if __name__ == "__main__":
    main()
