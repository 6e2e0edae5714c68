"""Break-even with capacity steps: identity at the crossing, reduction to the closed form, reasons, payback."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tokenomics as tk
from tokenomics.breakeven import OwnCost, first_break_even, never_pays_reason, payback_months, step_crossings


def simple(**kw):
    base = dict(capacity_tokens_per_month=1e10, hardware_usd_per_replica_month=2000.0, people_usd_per_month=4000.0,
                variable_usd_per_mtok=0.1, target_utilisation=0.5, people_usd_per_gpu_month=0.0)
    return OwnCost(**(base | kw))


def test_step_version_equals_closed_form_when_steps_vanish():
    # one huge replica: owning is F + v V, exactly the closed form
    own = simple(capacity_tokens_per_month=1e18)
    closed = tk.break_even_tokens(6000, 3.0, 0.1)
    assert first_break_even(3.0, own) == pytest.approx(closed)
    assert step_crossings(3.0, own, 1e15)["tokens_per_month"].tolist() == pytest.approx([closed])


def test_crossings_by_hand_with_several_steps():
    # replica carries 5e9; price 0.6 $/M, variable 0: segment r has fixed 2000 r + 4000
    # r=1: 6000/0.6e-6 = 1e10 > 5e9 (no); r=2: 8000/0.6e-6 = 1.33e10 > 1e10 (no); r=3: 1e4/0.6e-6 = 1.67e10 > 1.5e10 (no)
    # r=4: 1.2e4/0.6e-6 = 2e10 <= 2e10: owning cheaper from 2e10, then at 2e10+ (r=5) fixed 14000 > 0.6 x 2e4 = 12000
    # r=5: 1.4e4/0.6e-6 = 2.33e10 in (2e10, 2.5e10]: cheaper again; at 2.5e10 (r=6) 16000 > 15000: dearer again
    own = simple(variable_usd_per_mtok=0.0)
    got = step_crossings(0.6, own, 2.6e10)
    assert got["direction"].tolist() == ["own cheaper from here", "rent cheaper again"] * 2
    assert got["tokens_per_month"].tolist() == pytest.approx([2e10, 2e10, 14000 / 0.6e-6, 2.5e10])
    assert first_break_even(0.6, own) == pytest.approx(2e10)


@given(st.floats(1e8, 1e12), st.floats(100, 1e5), st.floats(0, 1e5), st.floats(0, 2), st.floats(0.05, 20),
       st.floats(0.1, 1), st.floats(1, 4))
def test_at_the_break_even_both_sides_cost_the_same(cap, hw, people, var, price, util, peak):
    own = OwnCost(cap, hw, people, var, util, peak)
    v = first_break_even(price, own)
    if math.isinf(v):
        return
    assert own.monthly_usd(v) == pytest.approx(price * v / 1e6, rel=1e-9)
    assert own.monthly_usd(v * 0.999) > price * v * 0.999 / 1e6 - 1e-6  # renting is cheaper just below


def test_vectorised_first_break_even_matches_the_scan():
    rng = np.random.default_rng(0)
    n = 2000
    own = OwnCost(rng.uniform(1e9, 1e11, n), rng.uniform(100, 5000, n), rng.uniform(0, 8000, n),
                  rng.uniform(0, 0.5, n), rng.uniform(0.2, 1, n), rng.uniform(1, 3, n))
    price = rng.uniform(0, 5, n)
    fast = first_break_even(price, own)
    scan = np.array([step_crossings(price[i], OwnCost(*(np.asarray(f)[i] for f in (
        own.capacity_tokens_per_month, own.hardware_usd_per_replica_month, own.people_usd_per_month,
        own.variable_usd_per_mtok, own.target_utilisation, own.peak_to_average))), 1e14)
        .query("direction == 'own cheaper from here'")["tokens_per_month"].min() for i in range(200)])
    scan = np.where(np.isnan(scan), np.inf, scan)
    finite = np.isfinite(scan)
    assert np.allclose(fast[:200][finite], scan[finite]) and np.all(fast[:200][~finite] > 1e14)


def test_people_steps_add_crossings():
    own = simple(replicas_per_people_step=2.0, variable_usd_per_mtok=0.0)
    assert own.monthly_usd(5e9) == pytest.approx(2000 + 4000)
    assert own.monthly_usd(1.2e10) == pytest.approx(3 * 2000 + 2 * 4000)  # third replica, second people unit


def test_never_pays_says_why():
    own = simple()
    assert never_pays_reason(0.05, own, 1e13) == ("the API's $0.05 per M tokens is no more than owning's power cost "
                                                  "of $0.10 per M tokens, so no volume repays the fixed cost")
    # a full replica costs 2000 / 5e9 = 0.4 $/M of hardware + 0.1 power: an API at 0.45 never catches up
    assert never_pays_reason(0.45, own, 1e13) == ("even a fully used replica costs $0.50 per M tokens (hardware and "
                                                  "power, before people), more than the API's $0.45 per M tokens")
    assert never_pays_reason(3.0, own, 1e13) == ""
    # at $3 per M the first replica pays from (2000 + 4000) / ((3 - 0.1) / 1e6) = 2.07e9 tokens a month
    assert never_pays_reason(3.0, own, 1e9) == ("owning pays only from 2.07 B tokens a month, beyond the 1 B a month "
                                                "considered")
    assert math.isinf(first_break_even(0.45, own))


def test_payback_months():
    assert payback_months(42_000, 30_000, 4_000) == pytest.approx(42_000 / 26_000)
    assert payback_months(42_000, 3_000, 4_000) == math.inf


def test_bad_input():
    with pytest.raises(ValueError, match="target_utilisation must be <= 1, got 1.5"):
        simple(target_utilisation=1.5)
    with pytest.raises(ValueError, match="peak_to_average must be >= 1, got 0.5"):
        simple(peak_to_average=0.5)
    with pytest.raises(ValueError, match="api_usd_per_mtok must be >= 0"):
        first_break_even(-1.0, simple())
