"""Projections: flat without growth or decline, hand-worked growth, crossover, NPV, wait-and-see, bad input."""

import numpy as np
import pytest

from tokenomics.breakeven import OwnCost
from tokenomics.projection import crossover_month, crossover_months, npv, project, project_arrays, wait_and_see

OWN = OwnCost(capacity_tokens_per_month=1e10, hardware_usd_per_replica_month=2000.0, people_usd_per_month=4000.0,
              target_utilisation=0.5)
BASE = dict(api_input_usd_per_mtok=2.0, api_output_usd_per_mtok=8.0, input_share=0.8, own=OWN)


def test_zero_growth_and_zero_decline_stay_flat():
    frame = project(1e9, **BASE)
    for col in ("tokens_per_month", "rent_usd", "own_usd", "hybrid_usd"):
        assert np.ptp(frame[col]) == pytest.approx(0, abs=1e-9), col
    assert frame["rent_usd"].iloc[0] == pytest.approx(1e3 * (0.8 * 2 + 0.2 * 8))  # 1e9 tokens at 3.2 $/M
    assert len(frame) == 36


def test_growth_decline_and_reasoning_by_hand():
    frame = project(1e9, volume_growth_per_year=10, api_price_decline_per_year=0.9, reasoning_output_multiplier=4,
                    **BASE)
    year = frame.set_index("month").loc[12]
    # 10x the base; output x4: 8e9 input + 8e9 output = 1.6e10 tokens at a 50/50 mix (5 $/M) / 10
    assert year["tokens_per_month"] == pytest.approx(1.6e10)
    assert year["api_usd_per_mtok"] == pytest.approx(0.5)
    assert year["rent_usd"] == pytest.approx(1.6e4 * 0.5)


def test_crossover_and_cumulative():
    frame = project(1e9, volume_growth_per_year=10, **BASE)
    m = crossover_month(frame)
    assert m is not None and frame.loc[m, "own_usd"] < frame.loc[m, "rent_usd"]
    assert m == 0 or frame.loc[m - 1, "own_usd"] >= frame.loc[m - 1, "rent_usd"]
    assert crossover_month(project(1e6, **BASE)) is None
    grid = crossover_months(project_arrays(1e9, volume_growth_per_year=np.array([[1.0], [10.0]]), **BASE))
    assert np.isnan(grid[0]) and grid[1] == m


def test_npv_and_wait_and_see():
    assert npv([100, 100], 0.0) == 200
    assert npv(np.full(13, 100.0), 0.1) == pytest.approx(sum(100 / 1.1 ** (t / 12) for t in range(13)))
    kw = BASE | {"volume_growth_per_year": 10, "horizon_months": 24}
    w = wait_and_see(1e9, discount_rate_per_year=0.1, **kw)
    assert len(w) == 25 and w["start_month"].iloc[-1] == 24
    assert w["npv_own_from_start_usd"].iloc[-1] == pytest.approx(w["npv_rent_only_usd"].iloc[0])  # never = rent
    frame = project(1e9, own_from_month=6, **kw)
    assert npv(frame["own_usd"], 0.1) == pytest.approx(w.loc[6, "npv_own_from_start_usd"])


@pytest.mark.parametrize("kwargs, message", [
    ({"horizon_months": 0}, "horizon_months must be >= 1"),
    ({"horizon_months": 12.5}, "horizon_months must be a whole number"),
    ({"api_price_decline_per_year": 1.2}, "api_price_decline_per_year must be <= 0.999"),
    ({"volume_growth_per_year": -2}, "volume_growth_per_year must be > 0"),
    ({"reasoning_output_multiplier": 0.5}, "reasoning_output_multiplier must be >= 1"),
    ({"hybrid_own_share": 2}, "hybrid_own_share must be <= 1"),
])
def test_out_of_range_parameters_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        project(1e9, **(BASE | kwargs))
