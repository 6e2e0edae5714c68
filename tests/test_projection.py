"""Projections: flat without growth or decline, hand-worked growth, crossover, NPV, wait-and-see, bad input."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tokenomics.breakeven import OwnCost, payback_months
from tokenomics.projection import (cash_payback_months, crossover_month, crossover_months, npv, project, project_arrays,
                                   wait_and_see)

OWN = OwnCost(capacity_tokens_per_month=1e10, hardware_usd_per_replica_month=2000.0, people_usd_per_month=4000.0,
              target_utilisation=0.5, people_usd_per_gpu_month=0.0)
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


# A bought replica: $1,200 of hardware over 12 months ($100 a month amortised) plus $50 of hosting a month.
BOUGHT = OwnCost(capacity_tokens_per_month=1e10, hardware_usd_per_replica_month=150.0, people_usd_per_month=0.0,
                 target_utilisation=0.5, people_usd_per_gpu_month=0.0, capex_usd_per_replica=1200.0,
                 amortisation_months=12)


def test_rented_gpus_cost_the_same_in_both_views():
    arrays = project_arrays(1e9, volume_growth_per_year=10, **BASE)
    assert np.array_equal(arrays["own_cash_usd"], arrays["own_usd"])
    assert np.array_equal(arrays["hybrid_cash_usd"], arrays["hybrid_usd"])
    assert not arrays["own_capex_usd"].any() and not arrays["own_residual_usd"].any()


def test_cash_pays_hardware_up_front_buys_it_again_and_credits_its_book_value_by_hand():
    frame = project(1e9, horizon_months=30, **(BASE | {"own": BOUGHT}))  # one replica throughout
    capex = frame["own_capex_usd"].to_numpy()
    assert np.flatnonzero(capex).tolist() == [0, 12, 24] and capex[[0, 12, 24]].tolist() == [1200.0] * 3
    # the third purchase (month 24) has served 6 of its 12 months at the horizon: half its price is still held
    assert frame["own_residual_usd"].tolist() == [0.0] * 29 + [600.0]
    assert frame["own_cash_usd"].iloc[0] == pytest.approx(1200 + 50)
    assert frame["own_cash_usd"].iloc[1] == pytest.approx(50)
    assert frame["own_cash_usd"].iloc[-1] == pytest.approx(50 - 600)
    # 3 x 1,200 + 30 x 50 - 600 = 4,500 = 30 x 150
    assert frame["own_cash_usd"].sum() == pytest.approx(4500) == frame["own_usd"].sum()


def test_replicas_added_as_volume_grows_are_bought_the_month_they_come_online():
    arrays = project_arrays(2e9, volume_growth_per_year=4, horizon_months=24, own_from_month=3,
                            **(BASE | {"own": dataclasses.replace(BOUGHT, amortisation_months=60)}))
    added = np.diff(arrays["replicas"], prepend=0.0)
    assert added[3] > 0 and not added[:3].any() and (added[4:] > 0).any()  # bought from month 3, more as it grows
    assert np.allclose(arrays["own_capex_usd"], 1200 * added)
    assert np.array_equal(arrays["own_cash_usd"][:3], arrays["rent_usd"][:3])  # renting until owning starts


@given(st.floats(1e8, 1e11), st.floats(1.0, 20.0), st.integers(1, 72), st.integers(1, 60), st.integers(0, 20),
       st.floats(0, 5000), st.floats(0, 1.0), st.sampled_from([0.0, 0.3, 1.0]))
def test_cash_and_amortised_totals_agree_without_price_decline(volume, growth, horizon, life, start, capex, hosting,
                                                               hybrid):
    own = dataclasses.replace(BOUGHT, capex_usd_per_replica=capex, amortisation_months=life,
                              hardware_usd_per_replica_month=capex / life + hosting * 100, people_usd_per_month=300.0)
    arrays = project_arrays(volume, volume_growth_per_year=growth, horizon_months=horizon, own_from_month=start,
                            hybrid_own_share=hybrid, **(BASE | {"own": own}))
    for path in ("own", "hybrid"):
        assert arrays[f"{path}_cash_usd"].sum() == pytest.approx(arrays[f"{path}_usd"].sum(), rel=1e-9, abs=1e-6)


def test_payback_and_cash_crossover_tell_one_story():
    # flat 3e9 tokens at 3.2 $/M: API $9,600 a month against $50 hosting; capex $1,200 repaid in 1200 / 9550 months
    for start in (0, 5):
        arrays = project_arrays(3e9, own_from_month=start, **(BASE | {"own": BOUGHT}))
        payback = cash_payback_months(arrays)
        assert payback == pytest.approx(payback_months(1200, 9600, 50)) == pytest.approx(1200 / 9550)
        assert crossover_months(arrays, cumulative=True, view="cash") == start + np.ceil(payback) - 1
    # a dearer replica ($40,000) on the same traffic: payback 40000 / 9550 = 4.19 months, crossover in month 4
    dear = dataclasses.replace(BOUGHT, capex_usd_per_replica=40_000.0, amortisation_months=60,
                               hardware_usd_per_replica_month=40_000 / 60 + 50)
    frame = project(3e9, **(BASE | {"own": dear}))
    arrays = project_arrays(3e9, **(BASE | {"own": dear}))
    assert cash_payback_months(arrays) == pytest.approx(40_000 / 9550)
    assert crossover_month(frame, cumulative=True, view="cash") == 4
    assert crossover_month(frame, cumulative=True) == 0  # the amortised view reads month 0: hardware spread thin
    assert np.isinf(cash_payback_months(project_arrays(1e6, **(BASE | {"own": dear}))))


def test_payback_is_vectorised_over_scenarios():
    volumes = np.array([[3e9], [6e9], [1e6]])
    arrays = project_arrays(volumes, **(BASE | {"own": BOUGHT}))
    got = cash_payback_months(arrays)
    assert got.shape == (3,) and np.isinf(got[2])
    # 6e9 tokens need two replicas (5e9 each at 50 % of 1e10): $2,400 against $19,200 - $100 a month
    assert got[:2] == pytest.approx([1200 / (9600 - 50), 2400 / (19200 - 100)])
