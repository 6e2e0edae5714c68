"""Routing and distillation: the optimiser's guarantees, explicit infeasibility, payback laws; article claims."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenomics import portfolio as pf
from tokenomics.claims import article_claims

CLASSES = ["a", "b", "c"]
SHARES = {"a": 0.5, "b": 0.3, "c": 0.2}


def quality(values):
    return pd.DataFrame(values, index=CLASSES)


def test_one_tier_takes_everything():
    tiers = [pf.Tier("only", "m", 2.0)]
    mix = pf.cheapest_mix(1e9, SHARES, tiers, 50, quality({"only": [90, 80, 70]}))
    assert mix.status == "optimal" and mix.allocation["only"].tolist() == pytest.approx([5e8, 3e8, 2e8])
    assert mix.cost_usd_per_month == pytest.approx(2000) and mix.blended_usd_per_mtok == pytest.approx(2.0)


def test_self_hosting_enters_only_when_its_fixed_cost_is_repaid():
    tiers = [pf.Tier("api", "x", 2.0), pf.Tier("own", "y", 0.1, 5000.0, 1e10)]
    q = quality({"api": [90, 90, 90], "own": [90, 90, 90]})
    small = pf.cheapest_mix(1e9, SHARES, tiers, 50, q)  # API 2,000 < 5,000 + 100
    assert small.allocation["own"].sum() == 0 and small.cost_usd_per_month == pytest.approx(2000)
    big = pf.cheapest_mix(2e10, SHARES, tiers, 50, q)  # own takes its 1e10 capacity, the rest on the API
    assert big.allocation["own"].sum() == pytest.approx(1e10)
    assert big.cost_usd_per_month == pytest.approx(5000 + 1e4 * 0.1 + 1e4 * 2.0)
    assert any(b.startswith("capacity of own: full") for b in big.binding)


def test_infeasible_results_name_the_constraint():
    tiers = [pf.Tier("api", "x", 2.0), pf.Tier("own", "y", 0.1, 5000.0, 1e8)]
    q = quality({"api": [90, 60, 90], "own": [90, 99, 90]})
    mix = pf.cheapest_mix(1e9, SHARES, tiers, 95, q)
    assert mix.status == "infeasible" and "quality floor: no tier reaches 95 on 'a'" in mix.reason
    # class b can only go to the self-hosted tier, whose capacity is below b's 3e8 tokens
    mix = pf.cheapest_mix(1e9, SHARES, tiers, {"a": 50, "b": 80, "c": 50}, q)
    assert mix.status == "infeasible" and mix.reason.startswith("capacity")
    with pytest.raises(ValueError, match="class_shares must sum to 1, got 0.9"):
        pf.cheapest_mix(1e9, {"a": 0.5, "b": 0.4}, tiers, 50, q)
    with pytest.raises(ValueError, match="quality_floor has no value for \\['c'\\]"):
        pf.cheapest_mix(1e9, SHARES, tiers, {"a": 1, "b": 1}, q)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.01, 20), min_size=3, max_size=3), st.floats(0, 2e4), st.floats(1e7, 5e9),
       st.lists(st.floats(40, 100), min_size=9, max_size=9), st.floats(40, 95), st.floats(1e7, 5e9))
def test_never_below_the_floor_nor_above_capacity(prices, fixed, capacity, scores, floor, volume):
    tiers = [pf.Tier("t0", "m0", prices[0]), pf.Tier("t1", "m1", prices[1]), pf.Tier("own", "m2", prices[2], fixed, capacity)]
    q = quality({"t0": scores[0:3], "t1": scores[3:6], "own": scores[6:9]})
    mix = pf.cheapest_mix(volume, SHARES, tiers, floor, q)
    if mix.status != "optimal":
        assert mix.reason
        return
    x = mix.allocation.to_numpy()
    assert np.all(x[q.to_numpy() < floor] <= 1e-6 * volume)
    assert x[:, 2].sum() <= capacity * (1 + 1e-6)
    assert x.sum(axis=1) == pytest.approx([volume * s for s in SHARES.values()], rel=1e-6)


def test_a_floor_binds_only_when_it_shuts_out_a_cheaper_tier():
    tiers = [pf.Tier("dear", "x", 5.0), pf.Tier("cheap", "y", 1.0)]
    q = quality({"dear": [90, 90, 90], "cheap": [90, 70, 90]})
    mix = pf.cheapest_mix(1e9, SHARES, tiers, 80, q)
    assert mix.allocation.loc["b", "dear"] == pytest.approx(3e8)
    assert mix.binding == ["quality floor on 'b': shuts out cheaper cheap"]
    q_dear_fails = quality({"dear": [90, 70, 90], "cheap": [90, 90, 90]})
    assert pf.cheapest_mix(1e9, SHARES, tiers, 80, q_dear_fails).binding == []  # excluding a dearer tier costs nothing


def test_blended_price_never_falls_as_the_floor_rises():
    tiers = [pf.Tier("GPT-4.1", "GPT-4.1", 2.9), pf.Tier("mini", "GPT-4.1 mini", 0.6),
             pf.Tier("own", "Qwen3 30B-A3B", 0.0, 6500.0, 6e10)]
    sweep = pf.blended_by_floor(3e10, pf.DEFAULT_CLASS_SHARES, tiers, np.arange(50, 96, 5.0), {"reasoning": 55})
    feasible = sweep["blended_usd_per_mtok"].dropna()
    assert (np.diff(feasible.to_numpy()) >= -1e-9).all() and len(feasible) < len(sweep)
    assert sweep["reason"].iloc[-1].startswith("quality floor: no tier reaches 95")


def test_mixed_basket_and_distillation():
    assert pf.mixed_basket_price([0.5, 0.5], [10, 0.5]) == pytest.approx(5.25)
    with pytest.raises(ValueError, match="shares must sum to 1"):
        pf.mixed_basket_price([0.5, 0.6], [10, 0.5])
    kw = dict(samples=1e6, tokens_per_sample=1000, teacher_usd_per_mtok=8.0, finetune_gpu_hours=192,
              gpu_usd_per_hour=3.5, eval_usd=1000, moved_share=1.0, api_usd_per_mtok=10.0, student_usd_per_mtok=0.5)
    one_off = 8000 + 672 + 1000
    volume = np.array([4e7, 4e8, 4e9])
    weeks = pf.distillation_payback_weeks(tokens_per_month=volume, **kw)
    assert weeks[0] == pytest.approx(one_off / (40 * 9.5) * 365.25 / 12 / 7)
    assert np.all(np.diff(weeks) < 0)  # payback falls as volume rises
    assert pf.distillation_payback_weeks(tokens_per_month=4e7, student_fixed_usd_per_month=3000, **kw) == np.inf


def test_article_claims_verdicts():
    c = article_claims().set_index("claim")
    assert len(c) >= 20 and c["verdict"].notna().all() and (c["reason"].str.len() > 10).all()
    assert c.loc["worked break-even, 7B vs GPT-4.1", "verdict"] == "holds"
    assert c.loc["mixed basket at $5/M: break-even", "verdict"] == "off by 11.1x"
    assert c.loc["VRAM table, 100B+ MoE at FP16 (DeepSeek V3)", "verdict"] == "off by 16.8x"
    assert c.loc["monthly-cost table, 3 models x 4 volumes", "verdict"] == "holds"
    assert c.loc["enterprise at 1 B tokens/month: API vs smart deployment differs by", "verdict"].startswith("off by")


def test_floors_follow_the_reference_model_and_tolerance_only_lowers_the_price():
    floors = pf.floors_from("GPT-5", ["math", "reasoning"], 3)
    scores = pf.quality_matrix(["math", "reasoning"], [pf.Tier("GPT-5", "GPT-5", 0.0)])["GPT-5"]
    assert floors == pytest.approx({"math": scores["math"] - 3, "reasoning": scores["reasoning"] - 3})
    with pytest.raises(ValueError, match="no published score"):
        pf.floors_from("Llama 3.1 8B Instruct (made up)", ["math"], 3)
    tiers = [pf.Tier("GPT-5", "GPT-5", 2.6), pf.Tier("mini", "GPT-5 mini", 0.52), pf.Tier("oss", "gpt-oss-120b", 0.22)]
    sweep = pf.blended_by_tolerance(1e10, pf.DEFAULT_CLASS_SHARES, tiers, "GPT-5", np.arange(0, 31, 2.0))
    price = sweep["blended_usd_per_mtok"].to_numpy()
    assert not np.isnan(price).any()  # the reference itself always qualifies
    # no tolerance: instruction following (40 %) on mini (71.2 >= 70.6), math (20 %) on gpt-oss (93.4 >= 91.7),
    # knowledge and reasoning (30 % + 10 %) stay on GPT-5: 0.4 x 0.52 + 0.2 x 0.22 + 0.4 x 2.6 = 1.292
    assert price[0] == pytest.approx(1.292)
    assert price[-1] == pytest.approx(0.22)  # 30 points down, gpt-oss takes everything
    assert (np.diff(price) <= 1e-9).all()
    assert sweep[["GPT-5", "mini", "oss"]].sum(axis=1).to_numpy() == pytest.approx(1.0)
