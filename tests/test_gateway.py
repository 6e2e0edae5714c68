"""Charge-back prices for the gateway: read back from the files written, they recover the plan's own cost."""

import json
import re

import numpy as np
import pandas as pd
import pytest
import yaml

from tokenomics import company, gateway
from tokenomics.projection import rent_arrays

RENTED = dict(open_model="Llama 3.1 8B", gpu="H100 SXM", weight_format="fp8", gpu_mode="rent")


def _planned(rows, tmp_path):
    c = company.build(rows, switches=False)  # the named deployment alone: these tests are about its price
    p = company.plan(c.teams, c.options, c.pools, c.rent_usd)
    prices = gateway.self_hosted_prices(c, p)
    gateway.write_gateway_prices(prices, tmp_path, "2026-11-29")
    config = yaml.safe_load((tmp_path / "litellm_self_hosted.yaml").read_text())
    langfuse = json.loads((tmp_path / "langfuse_models.json").read_text())
    return c, p, prices, config, langfuse


def _tokens_at(c, p, team, month):
    """The team's self-hosted input and output tokens in `month`, worked out from its scenario, not the option."""
    s = c.teams[team]
    r = p.choices.set_index("team").loc[team]
    share = c.options[int(r["option"])].share
    a = rent_arrays(s.tokens_per_month, **s.rent_inputs())
    on = month >= r["start_month"]
    out = a["output_tokens_per_month"][month] * share * on
    return a["tokens_per_month"][month] * share * on - out, out


def test_prices_read_back_recover_the_plans_monthly_own_cost_on_a_shared_rented_pool(tmp_path):
    rows = [RENTED | {"team": "big", "tokens_per_month": 3e10, "volume_growth_per_year": 2.0},
            RENTED | {"team": "search", "workload": "rag", "tokens_per_month": 1e10}]
    c, p, prices, config, langfuse = _planned(rows, tmp_path)
    assert not c.refused and (p.choices["path"] == "own").all() and p.choices["pool"].nunique() == 1
    [entry], [definition], [row] = config["model_list"], langfuse, prices.itertuples()
    month = row.month
    assert month == 12 and entry["model_name"] == "llama-3.1-8b-self-hosted"
    price_in, price_out = (entry["model_info"]["input_cost_per_token"], entry["model_info"]["output_cost_per_token"])
    tier = definition["pricingTiers"][0]
    assert (tier["prices"]["input"], tier["prices"]["output"]) == (price_in, price_out) and tier["isDefault"]
    assert re.fullmatch(definition["matchPattern"][4:], entry["model_name"]) and definition["unit"] == "TOKENS"
    # the gateway charges every self-hosted token at these prices...
    charged = sum(np.dot(_tokens_at(c, p, t, month), (price_in, price_out)) for t in c.teams)
    # ...which must equal what the plan pays for the pool in that month: each team's plan cost less the rent of
    # the share it still sends to its API (rented GPUs: no power, and cash equals the amortised view)
    per_team = company.team_npv(c, p).set_index("team")
    own_cost = sum(per_team.at[t, "monthly_usd"][month] - c.rent_usd[t][month] * (1 - c.options[int(o)].share)
                   for t, o in zip(p.choices["team"], p.choices["option"]))
    assert charged == pytest.approx(own_cost, rel=0.01)
    assert 0 < price_in < price_out  # a decode token takes more GPU time than a prefill token
    on_disk = pd.read_csv(tmp_path / "self_hosted_prices.csv")  # the CSV keeps a price's digits too
    assert on_disk["input_usd_per_token"].iloc[0] == pytest.approx(price_in, rel=1e-9)


def test_bought_gpus_are_charged_their_amortisation_and_power(tmp_path):
    rows = [RENTED | {"team": "steady", "tokens_per_month": 4e10, "gpu_mode": "buy", "volume_growth_per_year": 1.0}]
    c, p, prices, config, _ = _planned(rows, tmp_path)
    [row] = prices.itertuples()
    [pool] = c.pools.values()
    o = c.options[int(p.choices["option"].iloc[0])]
    start, m = int(p.choices["start_month"].iloc[0]), row.month
    n = p.fleet[row.pool].iloc[m]
    assert p.fleet[row.pool].iloc[start:].nunique() == 1  # no growth: the replicas bought at the start serve on
    by_hand = (n * (pool.running_usd_per_replica_month[m] + pool.people_usd_per_replica_month)
               + pool.people_fixed_usd_per_month + n * pool.capex_usd_per_replica[start] / pool.life_months
               + o.power_usd[m])
    entry = config["model_list"][0]["model_info"]
    i, out = _tokens_at(c, p, "steady", m)
    assert i * entry["input_cost_per_token"] + out * entry["output_cost_per_token"] == pytest.approx(by_hand, rel=0.01)


def test_a_plan_that_self_hosts_nothing_writes_empty_files(tmp_path):
    _, _, prices, config, langfuse = _planned([RENTED | {"team": "tiny", "tokens_per_month": 1e6}], tmp_path)
    assert len(prices) == 0 and config == {"model_list": []} and langfuse == []


@pytest.mark.parametrize("name, expected", [
    ("Llama 3.1 8B", "llama-3.1-8b-self-hosted"),
    ("gpt-oss-120b", "gpt-oss-120b-self-hosted"),
    ("../<b>Qwen3 \"30B\"/A3B</b>", "b-qwen3-30b-a3b-b-self-hosted"),
    ("Ünïcode 模型", "n-code-self-hosted"),
    ("", "model-self-hosted"),
])
def test_gateway_names_are_safe_slugs(name, expected):
    assert gateway.gateway_name(name) == expected


def test_amortised_and_cash_views_of_a_bought_pool_pay_for_the_same_hardware(tmp_path):
    # growth buys replicas in several months: straight-line charges to the horizon plus the book value left
    # at its end equal the cash paid for them
    rows = [RENTED | {"team": "growing", "tokens_per_month": 2e10, "gpu_mode": "buy", "volume_growth_per_year": 4.0}]
    c = company.build(rows, switches=False)
    p = company.plan(c.teams, c.options, c.pools, c.rent_usd)
    [(key, pool)] = c.pools.items()
    n = p.fleet[key].to_numpy(dtype=float)
    assert len(set(n[n > 0])) > 1  # replicas are added over time
    capex, book = pool._hardware_usd(n)
    hardware_amortised = pool.amortised_usd(n) - pool._running_usd(n)
    assert hardware_amortised.sum() + book.sum() == pytest.approx(capex.sum(), rel=1e-9)
