"""Owning: hand-worked monthly lines, price bases, the people rule, deployment profiles, measured throughput,
cost identity, laws, and bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tokenomics as tk
from tokenomics import owning, serving
from tokenomics.catalog import CatalogError, load_catalog

H100_ON_DEMAND = (3.99 + 6.155) / 2  # median of 8 providers: 3.20 3.49 3.85 [3.99 6.155] 6.88 10.98 12.29
PEOPLE_PER_GPU = 188_400 / 12 / 85.3  # loaded salary a month over GPUs per engineer: 184.06


def test_rented_and_bought_lines_by_hand():
    rent = tk.monthly_fixed_cost("H100 SXM", 2, mode="rent")
    assert rent["hardware_usd"] == pytest.approx(2 * H100_ON_DEMAND * 730)  # 7,405.85
    assert rent["people_usd"] == pytest.approx((0.25 + 2 / 85.3) * 188_400 / 12)  # 3,925 + 368.11
    buy = tk.monthly_fixed_cost("H100 SXM", 1, mode="buy")
    assert buy["hardware_usd"] == pytest.approx(30_000 * 1.4335 / (5 * 12))  # median purchase, +43.35 %: 716.75
    assert buy["hosting_usd"] == pytest.approx(0.7 * 1.82 * 184.06)  # 700 W x 1.82 x colo: 234.49
    assert tk.monthly_power_cost("H100 SXM", 1, 0.5) == pytest.approx(0.7 * 1.82 * 0.5 * 1.56 * 0.1259 * 730)


def test_capex_by_hand_and_the_amortised_line_built_from_it():
    assert owning.capex_usd("H100 SXM", 8) == pytest.approx(8 * 30_000 * 1.4335)  # GPUs + 43.35 % for the server
    assert owning.capex_usd("H100 SXM", 1, server_overhead_share=0.0) == 30_000
    assert owning.capex_usd("RTX 4090", 1, profile="workstation") == 1_599  # a card, no server around it
    buy = tk.monthly_fixed_cost("H100 SXM", 8, mode="buy", amortisation_years=4)
    assert buy["hardware_usd"] == pytest.approx(owning.capex_usd("H100 SXM", 8) / 48)


def test_price_bases_by_hand():
    on_demand = owning.gpu_price("h100 sxm", "on_demand")
    assert on_demand.gpu == "H100 SXM" and on_demand.usd == pytest.approx(H100_ON_DEMAND)
    assert len(on_demand.rows) == 8 and on_demand.statistic == "median of 8 provider row(s)"
    assert set(on_demand.rows.columns) >= {"provider", "usd", "as_of", "source", "notes"}
    assert owning.gpu_price("H100 SXM", "committed_3y").usd == 1.30  # SemiAnalysis InferenceX 3-yr rental
    assert owning.gpu_price("H100 SXM", "committed_1y").usd == pytest.approx((2.72 + 2.35) / 2)  # Hyperstack, index
    assert float(owning.gpu_price("H100 SXM", "purchase")) == 30_000  # median of 27,500 / 30,000 / 30,000
    committed = tk.monthly_fixed_cost("H100 SXM", 1, price_basis="committed_3y")
    assert committed["hardware_usd"] == pytest.approx(1.30 * 730)
    bought = tk.monthly_fixed_cost("H100 SXM", 1, price_basis="purchase")  # the basis implies buying
    assert bought == tk.monthly_fixed_cost("H100 SXM", 1, mode="buy")
    table = owning.gpu_price_table(["H100 SXM", "RTX 4090"])
    assert table.at["H100 SXM", "spot"] == owning.gpu_price("H100 SXM", "spot").usd
    assert np.isnan(table.at["RTX 4090", "committed_3y"])


@pytest.mark.parametrize("basis", owning.RENT_BASES)
def test_cheaper_commitments_cost_less_a_month(basis):
    cost = tk.monthly_fixed_cost("H100 SXM", 4, price_basis=basis)["hardware_usd"]
    assert cost == pytest.approx(4 * owning.gpu_price("H100 SXM", basis).usd * 730)
    assert cost <= tk.monthly_fixed_cost("H100 SXM", 4)["hardware_usd"]  # on demand is the dearest basis


#: GPUs no provider in data/gpu_prices.csv rents on demand yet (MI355X: committed 3-year and purchase only).
NO_ON_DEMAND = {"MI355X"}


def test_every_catalog_gpu_has_a_price_and_the_gaps_are_known():
    prices = owning.load_gpu_prices()
    for gpu in tk.load_gpus()["gpu"]:
        bases = set(prices.loc[prices["gpu"] == gpu, "basis"])
        assert bases, f"{gpu} has no price in data/gpu_prices.csv"
        if gpu in NO_ON_DEMAND:
            with pytest.raises(ValueError, match=f"no on_demand price for {gpu} in data/gpu_prices.csv"):
                owning.gpu_price(gpu, "on_demand")
        else:
            assert owning.gpu_price(gpu, "on_demand").usd > 0


def test_people_grow_with_the_fleet_but_their_share_falls():
    # 1 H100: 0.25 + 1/85.3 = 0.2617 FTE; 64 H100s: 0.25 + 64/85.3 = 1.0003 FTE
    assert owning.people_fte(1) == pytest.approx(0.25 + 1 / 85.3)
    assert owning.people_fte(64) == pytest.approx(0.25 + 64 / 85.3)
    assert owning.people_fte(64, deployments=3) == pytest.approx(0.75 + 64 / 85.3)
    one, fleet = (tk.monthly_fixed_cost("H100 SXM", n) for n in (1, 64))
    assert one["people_usd"] == pytest.approx(3_925 + PEOPLE_PER_GPU)  # 4,109.06
    assert fleet["people_usd"] == pytest.approx(3_925 + 64 * PEOPLE_PER_GPU)  # 15,704.60
    # people share: 4,109 / (4,109 + 3,703) = 53 % for one GPU; 15,705 / (15,705 + 236,987) = 6.2 % for 64
    assert one["people_usd"] / one["total_usd"] == pytest.approx(4_109.06 / (4_109.06 + 730 * H100_ON_DEMAND), rel=1e-5)
    assert fleet["people_usd"] / fleet["total_usd"] < 0.07 < 0.5 < one["people_usd"] / one["total_usd"]
    assert owning.people_fte(64, gpus_per_fte=np.inf) == 0.25  # the per-deployment minimum alone


@given(st.floats(0, 1e5), st.floats(0, 1e5), st.floats(0, 10), st.floats(1, 1e4))
def test_more_gpus_never_mean_fewer_people(a, b, share, per):
    lo, hi = sorted((a, b))
    assert owning.people_fte(hi, fte_share=share, gpus_per_fte=per) >= owning.people_fte(lo, fte_share=share,
                                                                                          gpus_per_fte=per)


def test_workstation_profile_and_power_per_gpu_by_hand():
    desk = tk.monthly_fixed_cost("RTX 4090", 1, mode="buy", profile="workstation")
    assert desk["hardware_usd"] == pytest.approx(1_599 / 60) and desk["hosting_usd"] == 0.0  # no colo, no server
    # 450 W x 1.174 (the desktop around it) x PUE 1 x office electricity 0.1259 $/kWh x 730 h
    assert tk.monthly_power_cost("RTX 4090", 1, profile="workstation") == pytest.approx(0.45 * 1.174 * 0.1259 * 730)
    # the card's own draw as measured (300 W) replaces its TDP in power and in hosting
    assert tk.monthly_power_cost("RTX 4090", 2, 0.5, gpu_power_w=300) == pytest.approx(
        2 * 0.3 * 1.82 * 0.5 * 1.56 * 0.1259 * 730)
    hosted = tk.monthly_fixed_cost("RTX 4090", 2, mode="buy", gpu_power_w=300)
    assert hosted["hosting_usd"] == pytest.approx(2 * 0.3 * 1.82 * 184.06)
    assert owning.deployment_profile("workstation") == {"colo_usd_per_kw_month": 0.0, "server_overhead_share": 0.0,
                                                        "pue": 1.0, "system_power_factor": 1.174,
                                                        "electricity_usd_per_kwh": 0.1259}


def test_a_gpu_outside_the_spec_catalog_is_costed_from_its_price_and_given_power():
    # RTX 5090: priced in data/gpu_prices.csv (launch MSRP $1,999), not (yet) in data/gpus.csv
    desk = tk.monthly_fixed_cost("RTX 5090", 1, mode="buy", profile="workstation", gpu_power_w=575)
    assert desk["hardware_usd"] == pytest.approx(1_999 / 60)
    assert tk.monthly_power_cost("RTX 5090", 1, gpu_power_w=575, profile="workstation") == pytest.approx(
        0.575 * 1.174 * 0.1259 * 730)


def test_a_measured_throughput_replaces_the_roofline():
    # 1,000 output tokens/s at a 1,155 / 211 mix: 1,000 x 1,366 / 211 x 3,600 x 730 tokens a month
    own = tk.own_cost_structure("Llama 3.1 8B", "H100 SXM", "fp8", 1155, 211, num_gpus=1,
                                measured_output_tokens_per_s=1000.0)
    assert own.throughput_source == "measured"
    assert own.capacity_tokens_per_month == pytest.approx(1000 * 1366 / 211 * 3600 * 730)
    roofline = tk.own_cost_structure("Llama 3.1 8B", "H100 SXM", "fp8", 1155, 211, num_gpus=1)
    assert roofline.throughput_source == "roofline" and roofline.capacity_tokens_per_month != own.capacity_tokens_per_month
    assert own.hardware_usd_per_replica_month == roofline.hardware_usd_per_replica_month
    with pytest.raises(ValueError, match="measured_output_tokens_per_s needs num_gpus"):
        tk.own_cost_structure("Llama 3.1 8B", "H100 SXM", "fp8", 1155, 211, measured_output_tokens_per_s=1000.0)


def test_own_cost_structure_splits_people_and_carries_the_capex():
    # Llama 3.3 70B in FP8 on two H100s: one tensor-parallel replica of two (one GPU leaves no room for KV cache)
    own = tk.own_cost_structure("Llama 3.3 70B", "H100 SXM", "fp8", 1155, 211, num_gpus=2, price_basis="purchase")
    assert own.gpus_per_replica == 2
    assert own.people_usd_per_month == pytest.approx(3_925) and own.people_usd_per_gpu_month == pytest.approx(
        PEOPLE_PER_GPU)
    assert own.capex_usd_per_replica == pytest.approx(2 * 30_000 * 1.4335) and own.amortisation_months == 60
    assert own.hosting_usd_per_replica_month == pytest.approx(2 * 0.7 * 1.82 * 184.06)
    lines = own.lines(own.volume_per_replica * 2.5)  # three replicas of two GPUs
    assert lines["people_usd"] == pytest.approx(3_925 + 6 * PEOPLE_PER_GPU)
    rented = tk.own_cost_structure("Llama 3.3 70B", "H100 SXM", "fp8", 1155, 211, num_gpus=2)
    assert rented.capex_usd_per_replica == 0 and rented.hosting_usd_per_replica_month == rented.hardware_usd_per_replica_month


# SemiAnalysis InferenceX GPU_SPECS (SemiAnalysisAI/InferenceX-app@77ca49a, packages/app/src/lib/constants.ts,
# 2026-04-03): owning TCO per GPU-hour, "Owning - Hyperscaler" (costh) and "Owning - Neocloud" (costn).
OWNING_TCO = {"H100 SXM": (1.30, 1.69), "H200": (1.41, 1.74), "B200": (1.95, 2.34)}


@pytest.mark.parametrize("gpu", OWNING_TCO)
def test_an_owned_data_centre_gpu_hour_lies_between_semianalysis_hyperscaler_and_neocloud(gpu):
    # H100: (43,005 / 60 + 234.49 hosting + 183.1 power at full load) / 730 h = $1.55 per GPU-hour
    lines = tk.monthly_fixed_cost(gpu, 1, mode="buy", gpus_per_fte=np.inf, fte_share=0)
    hour = (lines["total_usd"] + tk.monthly_power_cost(gpu, 1)) / 730
    low, high = OWNING_TCO[gpu]
    assert low < hour < high


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


BOUGHT = tk.own_cost_structure("Llama 3.1 8B", "H100 SXM", "fp8", 1155, 211, num_gpus=1, price_basis="purchase",
                               replicas_per_people_step=4)


@given(st.floats(1e6, 1e13), st.floats(1e6, 1e13))
def test_owning_costs_more_as_volume_rises(a, b):
    lo, hi = sorted((a, b))
    cost = BOUGHT.monthly_usd(np.array([lo, hi]))
    assert cost[1] >= cost[0]


def test_people_share_falls_as_replicas_are_added():
    volume = np.array([1e8, 1e11, 1e12])
    r = tk.monthly_cost_at_volume("Llama 3.1 8B", "H100 SXM", "fp8", 1155, 211, volume)
    assert np.all(np.diff(r["replicas"]) >= 0) and np.all(np.diff(r["people_share"]) <= 0)
    assert np.all(np.diff(r["people_usd"]) >= 0) and r["people_usd"][-1] > r["people_usd"][0]


def test_bad_input():
    with pytest.raises(ValueError, match="utilisation must be > 0, got 0.0"):
        tk.selfhost_cost_per_mtok("Qwen3 4B", "L40S", "fp8", 800, 200, 0.0)
    with pytest.raises(ValueError, match="utilisation must be <= 1, got 1.5"):
        tk.selfhost_cost_per_mtok("Qwen3 4B", "L40S", "fp8", 800, 200, 1.5)
    with pytest.raises(ValueError, match="mode must be one of"):
        tk.monthly_fixed_cost("H100 SXM", 1, mode="lease")
    with pytest.raises(ValueError, match=r"no purchase price for H100 PCIe in data/gpu_prices.csv \(it has: "
                                         r"on_demand, spot, committed_1y\)"):
        tk.monthly_fixed_cost("H100 PCIe", 1, mode="buy")
    with pytest.raises(ValueError, match="no committed_3y price for RTX 4090"):
        owning.gpu_price("RTX 4090", "committed_3y")
    with pytest.raises(ValueError, match="price_basis must be one of .*, got 'reserved'"):
        tk.monthly_fixed_cost("H100 SXM", 1, price_basis="reserved")
    with pytest.raises(ValueError, match="price_basis 'spot' prices rented GPUs but mode is 'buy'"):
        tk.monthly_fixed_cost("H100 SXM", 1, mode="buy", price_basis="spot")
    with pytest.raises(ValueError, match="profile must be one of .*, got 'garage'"):
        tk.monthly_power_cost("H100 SXM", 1, profile="garage")
    with pytest.raises(ValueError, match="gpu_power_w must be > 0, got 0.0"):
        tk.monthly_power_cost("H100 SXM", 1, gpu_power_w=0)
    with pytest.raises(KeyError, match="unknown GPU in data/gpu_prices.csv 'H1OO SXM'; closest: 'H100 SXM'"):
        owning.gpu_price("H1OO SXM")
    with pytest.raises(TypeError, match=r"unknown keyword\(s\) \['gpu_watts'\]"):
        tk.selfhost_cost_per_mtok("Qwen3 4B", "L40S", "fp8", 800, 200, 0.5, gpu_watts=300)
    with pytest.raises(ValueError, match="throughput_source must be one of"):
        tk.OwnCost(1e9, 100.0, 100.0, throughput_source="guess")
    with pytest.raises(KeyError, match="unknown assumption"):
        owning.assumption("pue2")


def test_catalog_errors_name_the_file_row_and_column(write_csv):
    path = write_csv("deployment_profiles.csv", """
profile,colo_usd_per_kw_month,server_overhead_share,pue,system_power_factor,electricity_usd_per_kwh,as_of,source
data_centre,184,0.4,0.9,1.8,0.12,2025-01-01,https://example.org
""")
    with pytest.raises(CatalogError, match=r"row 1 \(line 2 of the file\), column 'pue': expected a ratio >= 1"):
        owning.load_deployment_profiles(path)
    path = write_csv("gpu_prices.csv", """
gpu,basis,usd,provider,as_of,source
H100 SXM,reserved,2.0,X,2025-01-01,https://example.org
""")
    with pytest.raises(CatalogError, match="column 'basis': expected one of"):
        load_catalog("gpu_prices.csv", path)


def test_cost_at_interactivity_is_the_gpu_hour_over_the_tokens_it_serves():
    curve = owning.cost_at_interactivity("gpt-oss-120b", "B200", "native", 1024, 1024, [20.0, 80.0, 10_000.0],
                                         usd_per_gpu_hour=2.0, max_gpus_per_replica=8)
    best = serving.best_at_targets("gpt-oss-120b", "B200", "native", 1024, 1024, [20.0, 80.0], max_gpus_per_replica=8)
    # input + output tokens counted: 2,048 per 1,024 output; $2 per GPU-hour over 3,600 s of them, per million
    expected = 2.0 / (3600 * best["output_tokens_per_s_per_gpu"].to_numpy() * 2 / 1e6)
    assert curve["usd_per_mtok"].iloc[:2].to_numpy() == pytest.approx(expected, rel=1e-12)
    assert curve["usd_per_mtok"].iloc[0] < curve["usd_per_mtok"].iloc[1]  # faster users cost more per token
    assert np.isnan(curve["usd_per_mtok"].iloc[2]) and curve["reason"].iloc[2].startswith("no replica")


def test_gpu_time_per_million_tokens_by_hand():
    # LMSYS: 72 H100s at $2 an hour serve 200,538 output tokens a second: $144 an hour over 721.9 M tokens
    assert owning.gpu_time_usd_per_mtok(2.0, 72, 200_538) == pytest.approx(144 / 721.9368, rel=1e-9)  # $0.1995
    assert np.isnan(owning.gpu_time_usd_per_mtok(2.0, 1, np.nan))  # a target not reached
    with pytest.raises(ValueError, match="tokens_per_s"):
        owning.gpu_time_usd_per_mtok(2.0, 1, 0.0)
    with pytest.raises(ValueError, match="num_gpus"):
        owning.gpu_time_usd_per_mtok(2.0, 0, 100.0)
