"""How sure are we? Seeded, vectorised Monte Carlo over uncertain inputs, and one-at-a-time sensitivity.

Each scenario draws the API price, the GPU-hour price, the target utilisation, people cost, a throughput
multiplier (the roofline's error) and annual volume growth from `scipy.stats` distributions; the
break-even volume comes from the exact closed form of `breakeven.first_break_even`, all scenarios in
one array operation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .breakeven import OwnCost, first_break_even
from .checks import as_array

#: Inputs a scenario draws, and the range each must stay in: (low, high, low inclusive).
BOUNDS = {
    "api_usd_per_mtok": (0.0, np.inf, True),
    "gpu_usd_per_hour": (0.0, np.inf, True),
    "target_utilisation": (0.0, 1.0, False),
    "people_usd_per_month": (0.0, np.inf, True),
    "throughput_multiplier": (0.0, np.inf, False),
    "volume_growth_per_year": (0.0, np.inf, False),
}


def check_distribution(name: str, dist) -> None:
    """ValueError before sampling if `dist` is not a frozen scipy distribution inside `name`'s range."""
    if name not in BOUNDS:
        raise KeyError(f"unknown uncertain input {name!r}; known: {sorted(BOUNDS)}")
    if not hasattr(dist, "support") or not hasattr(dist, "rvs"):
        raise ValueError(f"{name}: expected a frozen scipy.stats distribution, e.g. stats.lognorm(0.3, scale=2), "
                         f"got {dist!r}")
    low, high = dist.support()
    label = f"{dist.dist.name}{dist.args}{dist.kwds or ''}"
    if np.isnan(low) or np.isnan(high):
        raise ValueError(f"{name}: {label} has impossible parameters (scipy gives it no support)")
    lo, hi, inclusive = BOUNDS[name]
    if low < lo or (low == lo and not inclusive and dist.cdf(lo) > 0) or high > hi:
        raise ValueError(f"{name}: {label} can take values from {low:g} to {high:g}, outside the allowed "
                         f"{'[' if inclusive else '('}{lo:g}, {hi:g}]; use a bounded distribution "
                         f"(lognorm, gamma, beta, truncnorm)")


@dataclass(frozen=True)
class Deployment:
    """The fixed facts of one self-hosted replica that scenarios vary around."""

    gpus_per_replica: float
    capacity_tokens_per_month: float  # full-load input + output tokens of one replica
    peak_to_average: float = 1.0
    variable_usd_per_mtok: float = 0.0
    hours_per_month: float | None = None  # None: data/owning_assumptions.csv
    people_usd_per_gpu_month: float | None = None  # engineers each GPU adds (None: the kit's people rule); not drawn

    def __post_init__(self):
        if self.hours_per_month is None:  # resolved once here, not per scenario
            from .owning import assumption

            object.__setattr__(self, "hours_per_month", assumption("hours_per_month"))


def default_distributions(api_usd_per_mtok: float, gpu_usd_per_hour: float, people_usd_per_month: float,
                          volume_growth_per_year: float) -> dict:
    """The kit's default spreads around a scenario's central values (10th / 90th percentiles):
    API price x/÷2 (teams switch models; price cuts), GPU-hour x/÷1.4 (on-demand prices moved ±40 % in
    2025-26), people x/÷1.6, throughput x/÷1.55 (the roofline's held-out error: 13-15 % mean,
    up to 41-49 %), growth x/÷2,
    utilisation Beta(6, 4) (mean 0.6)."""
    return {
        "api_usd_per_mtok": lognormal(api_usd_per_mtok, 2.0),
        "gpu_usd_per_hour": lognormal(gpu_usd_per_hour, 1.4),
        "target_utilisation": stats.beta(6, 4),
        "people_usd_per_month": lognormal(people_usd_per_month, 1.6),
        "throughput_multiplier": lognormal(1.0, 1.55),
        "volume_growth_per_year": lognormal(volume_growth_per_year, 2.0),
    }


def sample(distributions: dict, n: int, seed: int) -> dict[str, np.ndarray]:
    """n draws of every input, from one seeded generator (same seed, same draws)."""
    n = int(as_array("n", n, low=1, high=5e7))
    for name, dist in distributions.items():
        check_distribution(name, dist)
    missing = sorted(set(BOUNDS) - set(distributions))
    if missing:
        raise ValueError(f"missing distributions for {missing}")
    rng = np.random.default_rng(seed)
    return {name: np.asarray(distributions[name].rvs(size=n, random_state=rng), dtype=float) for name in BOUNDS}


def scenarios_own_cost(draws: dict[str, np.ndarray], deployment: Deployment) -> OwnCost:
    """An OwnCost whose fields are arrays, one entry per scenario (rented GPUs); people drawn per deployment,
    plus the deployment's fixed per-GPU people."""
    return OwnCost(
        capacity_tokens_per_month=deployment.capacity_tokens_per_month * draws["throughput_multiplier"],
        hardware_usd_per_replica_month=deployment.gpus_per_replica * draws["gpu_usd_per_hour"] * deployment.hours_per_month,
        people_usd_per_month=draws["people_usd_per_month"],
        variable_usd_per_mtok=deployment.variable_usd_per_mtok,
        target_utilisation=draws["target_utilisation"],
        peak_to_average=deployment.peak_to_average,
        gpus_per_replica=deployment.gpus_per_replica,
        people_usd_per_gpu_month=deployment.people_usd_per_gpu_month,
    )


def monte_carlo(distributions: dict, deployment: Deployment, tokens_per_month: float, *, n: int = 100_000,
                seed: int = 0) -> pd.DataFrame:
    """One row per scenario: the draws, the break-even volume, and whether owning is cheaper now and in a year."""
    v = float(as_array("tokens_per_month", tokens_per_month))
    draws = sample(distributions, n, seed)
    own = scenarios_own_cost(draws, deployment)
    price = draws["api_usd_per_mtok"]
    in_a_year = v * draws["volume_growth_per_year"]
    out = pd.DataFrame(draws)
    out["break_even_tokens"] = first_break_even(price, own)
    out["own_cheaper_now"] = own.monthly_usd(v) < price * v / 1e6
    out["own_cheaper_in_12_months"] = own.monthly_usd(in_a_year) < price * in_a_year / 1e6
    return out


def summarise(runs: pd.DataFrame) -> pd.Series:
    """Percentiles of the break-even volume and the probabilities that owning is cheaper."""
    be = runs["break_even_tokens"].to_numpy()
    return pd.Series({
        "scenarios": len(runs),
        "p10_break_even_tokens": float(np.percentile(be, 10)),
        "median_break_even_tokens": float(np.median(be)),
        "p90_break_even_tokens": float(np.percentile(be, 90)),
        "share_never_pays": float(np.mean(np.isinf(be))),
        "p_own_cheaper_now": float(runs["own_cheaper_now"].mean()),
        "p_own_cheaper_in_12_months": float(runs["own_cheaper_in_12_months"].mean()),
    })


def tornado(distributions: dict, deployment: Deployment, low_q: float = 0.1, high_q: float = 0.9) -> pd.DataFrame:
    """One-at-a-time sensitivity of the break-even volume: each input at its low and high quantile, the others
    at their medians; sorted by swing (widest first). All cases in one vectorised call."""
    for name, dist in distributions.items():
        check_distribution(name, dist)
    names = [k for k in BOUNDS if k != "volume_growth_per_year"]
    median = {k: distributions[k].ppf(0.5) for k in BOUNDS}
    cases = {k: np.full(2 * len(names) + 1, median[k]) for k in BOUNDS}
    for i, k in enumerate(names):
        cases[k][2 * i] = distributions[k].ppf(low_q)
        cases[k][2 * i + 1] = distributions[k].ppf(high_q)
    be = first_break_even(cases["api_usd_per_mtok"], scenarios_own_cost(cases, deployment))
    rows = [{"input": k, "low_value": cases[k][2 * i], "high_value": cases[k][2 * i + 1],
             "break_even_at_low": be[2 * i], "break_even_at_high": be[2 * i + 1]} for i, k in enumerate(names)]
    out = pd.DataFrame(rows)
    out["swing_tokens"] = (out["break_even_at_high"] - out["break_even_at_low"]).abs()
    out.attrs["median_break_even_tokens"] = float(be[-1])
    return out.sort_values("swing_tokens", ascending=False, ignore_index=True)


def lognormal(median: float, p90_over_median: float):
    """A lognormal by its median and the ratio of its 90th percentile to the median (a spread people can state)."""
    m = float(as_array("median", median, low=0, low_open=True))
    ratio = float(as_array("p90_over_median", p90_over_median, low=1, low_open=True))
    return stats.lognorm(s=np.log(ratio) / stats.norm.ppf(0.9), scale=m)
