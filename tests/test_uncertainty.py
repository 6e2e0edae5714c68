"""Monte Carlo: seeded and reproducible, vectorised, checks distributions before sampling; tornado."""

import pytest
from scipy import stats

from tokenomics import uncertainty as u
from tokenomics.breakeven import OwnCost, first_break_even

DEPLOY = u.Deployment(gpus_per_replica=1, capacity_tokens_per_month=1e11)
DISTS = {
    "api_usd_per_mtok": u.lognormal(3.0, 2.0), "gpu_usd_per_hour": u.lognormal(3.5, 1.4),
    "target_utilisation": stats.beta(6, 4), "people_usd_per_month": u.lognormal(4000, 1.6),
    "throughput_multiplier": u.lognormal(1.0, 1.3), "volume_growth_per_year": u.lognormal(3.0, 2.0),
}


def test_same_seed_same_summary_and_different_seed_differs():
    a = u.summarise(u.monte_carlo(DISTS, DEPLOY, 1e9, n=20_000, seed=7))
    b = u.summarise(u.monte_carlo(DISTS, DEPLOY, 1e9, n=20_000, seed=7))
    c = u.summarise(u.monte_carlo(DISTS, DEPLOY, 1e9, n=20_000, seed=8))
    assert a.equals(b) and not a.equals(c)


def test_each_scenario_matches_the_scalar_functions():
    runs = u.monte_carlo(DISTS, DEPLOY, 1e9, n=50, seed=1)
    for row in runs.itertuples():
        own = OwnCost(1e11 * row.throughput_multiplier, row.gpu_usd_per_hour * 730, row.people_usd_per_month,
                      0.0, row.target_utilisation)
        assert row.break_even_tokens == pytest.approx(first_break_even(row.api_usd_per_mtok, own))
        assert row.own_cheaper_now == (own.monthly_usd(1e9) < row.api_usd_per_mtok * 1e3)


def test_scenarios_carry_the_people_each_gpu_adds():
    draws = u.sample(DISTS, 3, seed=0)
    own = u.scenarios_own_cost(draws, u.Deployment(2, 1e11, people_usd_per_gpu_month=100.0))
    # a replica of two GPUs: 2 x GPU-hour x 730 h of hardware, and 2 x $100 of engineers on top
    assert own.fixed_usd_per_replica_month == pytest.approx(2 * draws["gpu_usd_per_hour"] * 730 + 200)
    assert u.scenarios_own_cost(draws, DEPLOY).people_usd_per_gpu_month == pytest.approx(188_400 / 12 / 85.3)


def test_default_distributions_centre_on_the_scenario():
    d = u.default_distributions(2.9, 3.49, 3925, 3.0)
    assert set(d) == set(u.BOUNDS)
    assert d["api_usd_per_mtok"].ppf(0.5) == pytest.approx(2.9) and d["api_usd_per_mtok"].ppf(0.9) == pytest.approx(5.8)
    assert d["throughput_multiplier"].ppf(0.5) == pytest.approx(1.0)
    for name, dist in d.items():
        u.check_distribution(name, dist)


def test_lognormal_by_its_median_and_p90():
    d = u.lognormal(2.0, 3.0)
    assert d.ppf(0.5) == pytest.approx(2.0) and d.ppf(0.9) == pytest.approx(6.0)


@pytest.mark.parametrize("name, dist, message", [
    ("api_usd_per_mtok", stats.norm(3, 1), "can take values from -inf"),
    ("target_utilisation", stats.uniform(0.5, 0.8), "outside the allowed \\(0, 1\\]"),
    ("people_usd_per_month", stats.lognorm(-1), "impossible parameters"),
    ("api_usd_per_mtok", 3.0, "expected a frozen scipy.stats distribution"),
])
def test_impossible_distributions_fail_before_sampling(name, dist, message):
    with pytest.raises(ValueError, match=message):
        u.monte_carlo(DISTS | {name: dist}, DEPLOY, 1e9, n=10)


def test_missing_and_unknown_inputs():
    with pytest.raises(ValueError, match="missing distributions for \\['volume_growth_per_year'\\]"):
        u.sample({k: v for k, v in DISTS.items() if k != "volume_growth_per_year"}, 10, 0)
    with pytest.raises(KeyError, match="unknown uncertain input 'price'"):
        u.check_distribution("price", stats.uniform())


def test_tornado_puts_the_api_price_first_and_is_consistent():
    t = u.tornado(DISTS, DEPLOY)
    assert t["input"].iloc[0] == "api_usd_per_mtok"
    assert t["swing_tokens"].is_monotonic_decreasing
    assert t.set_index("input").loc["api_usd_per_mtok", "break_even_at_high"] < t.attrs["median_break_even_tokens"]
