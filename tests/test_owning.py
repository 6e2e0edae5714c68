"""Owning: hand-worked monthly lines, cost identity, laws, the people share, bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tokenomics as tk


def test_rented_and_bought_lines_by_hand():
    rent = tk.monthly_fixed_cost("H100 SXM", 2, mode="rent")
    assert rent["hardware_usd"] == pytest.approx(2 * 3.49 * 730)
    assert rent["people_usd"] == pytest.approx(0.25 * 188_400 / 12)  # 3,925
    buy = tk.monthly_fixed_cost("H100 SXM", 1, mode="buy")
    assert buy["hardware_usd"] == pytest.approx(30_000 * 1.4 / (5 * 12))  # 700
    assert buy["hosting_usd"] == pytest.approx(0.7 * 1.82 * 184.06)
    assert tk.monthly_power_cost("H100 SXM", 1, 0.5) == pytest.approx(0.7 * 1.82 * 0.5 * 1.56 * 0.1259 * 730)


def test_capex_by_hand_and_the_amortised_line_built_from_it():
    assert tk.owning.capex_usd("H100 SXM", 8) == pytest.approx(8 * 30_000 * 1.4)  # GPUs + 40 % for the server
    assert tk.owning.capex_usd("H100 SXM", 1, server_overhead_share=0.0) == 30_000
    buy = tk.monthly_fixed_cost("H100 SXM", 8, mode="buy", amortisation_years=4)
    assert buy["hardware_usd"] == pytest.approx(tk.owning.capex_usd("H100 SXM", 8) / 48)


def test_cost_per_mtok_times_tokens_is_the_monthly_bill():
    u = np.array([0.2, 0.9])
    c = tk.selfhost_cost_per_mtok("Llama 3.1 8B", "H100 SXM", "fp8", 1000, 200, u, 1, mode="buy")
    fixed = tk.monthly_fixed_cost("H100 SXM", 1, mode="buy")
    bill = fixed["total_usd"] + tk.monthly_power_cost("H100 SXM", 1, u)
    assert c["total_usd_per_mtok"] * c["tokens_per_month"] / 1e6 == pytest.approx(bill)
    assert c["people_share"] == pytest.approx(fixed["people_usd"] / bill)


@given(st.floats(0.01, 1.0), st.floats(0.01, 1.0), st.sampled_from(["rent", "buy"]))
def test_cost_per_token_falls_as_utilisation_rises(a, b, mode):
    lo, hi = sorted((a, b))
    c = tk.selfhost_cost_per_mtok("Qwen3 4B", "L40S", "fp8", 800, 200, np.array([lo, hi]), 1, mode=mode)
    assert c["total_usd_per_mtok"][1] <= c["total_usd_per_mtok"][0] * (1 + 1e-12)


def test_people_share_falls_as_replicas_are_added():
    volume = np.array([1e8, 1e11, 1e12])
    r = tk.monthly_cost_at_volume("Llama 3.1 8B", "H100 SXM", "fp8", 1155, 211, volume)
    assert np.all(np.diff(r["replicas"]) >= 0) and np.all(np.diff(r["people_share"]) <= 0)
    assert r["people_usd"][0] == r["people_usd"][-1]


def test_bad_input():
    with pytest.raises(ValueError, match="utilisation must be > 0, got 0.0"):
        tk.selfhost_cost_per_mtok("Qwen3 4B", "L40S", "fp8", 800, 200, 0.0)
    with pytest.raises(ValueError, match="utilisation must be <= 1, got 1.5"):
        tk.selfhost_cost_per_mtok("Qwen3 4B", "L40S", "fp8", 800, 200, 1.5)
    with pytest.raises(ValueError, match="mode must be one of"):
        tk.monthly_fixed_cost("H100 SXM", 1, mode="lease")
    with pytest.raises(ValueError, match="no purchase price for H100 PCIe"):
        tk.monthly_fixed_cost("H100 PCIe", 1, mode="buy")
    with pytest.raises(KeyError, match="unknown assumption"):
        tk.owning.assumption("pue2")
