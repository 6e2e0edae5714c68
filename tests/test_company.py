"""The company plan: never dearer than each team alone, never dearer alone than renting, pooling that pays,
bad teams named while the rest are planned, and the files a finance lead opens."""

import csv
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokenomics import advice, company, search
from tokenomics.scenario import Scenario


#: One deployment for every team: these tests are about the programme, not the search (tested below).
DEPLOYMENT = dict(open_model="Llama 3.1 8B", gpu="H100 SXM", weight_format="fp8", gpu_mode="rent")


def _plan(rows):
    """The programme over the named deployment alone (no API switch offered): the tests are about pooling."""
    c = company.build([DEPLOYMENT | row for row in rows], switches=False)
    return c, company.plan(c.teams, c.options, c.pools, c.rent_usd)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.floats(3e8, 3e10), st.sampled_from([1.0, 3.0]), st.sampled_from(["rent", "buy"])),
                min_size=1, max_size=4))
def test_plan_never_costs_more_than_standalone_nor_standalone_more_than_renting(teams):
    c, p = _plan([{"team": f"t{i}", "tokens_per_month": v, "volume_growth_per_year": g, "gpu_mode": m}
                  for i, (v, g, m) in enumerate(teams)])
    assert p.npv_usd <= p.standalone_best_usd * (1 + 1e-9)
    assert p.standalone_best_usd <= p.all_rent_usd * (1 + 1e-9)


def test_a_team_alone_gets_its_own_best_path():
    # the programme weighs the same monthly costs as advice.decide: a team starting now agrees to the dollar
    s = Scenario(team="A", tokens_per_month=5e10, **(DEPLOYMENT | {"gpu_mode": "buy"}))
    d = advice.decide(s, runs=100)
    options, pools, rent = company.team_options(s)
    status, sol = company.solve({"A": s}, options, pools, {"A": rent})
    assert status == "optimal" and d.start_month == 0 and sol["chosen"]["A"][1] == 0
    assert sol["npv_usd"] == pytest.approx(d.npv_best_usd, rel=1e-9)


def test_sharing_replicas_beats_each_team_alone():
    # three small teams on the same deployment: alone, the people and a replica each are fixed costs; together
    # they share one
    c, p = _plan([{"team": t, "tokens_per_month": 2e9, "volume_growth_per_year": 3.0} for t in "xyz"])
    assert p.npv_usd < p.standalone_best_usd * 0.95
    moving = p.choices[p.choices["path"] == "own"]
    assert len(moving) == 3 and moving["pool"].nunique() == 1
    per_team = company.team_npv(c, p)
    assert per_team["npv_usd"].sum() == pytest.approx(p.npv_usd)  # pooled costs shared out, nothing lost


def test_bad_teams_are_named_and_the_rest_planned():
    c = company.build(switches=False, rows=[DEPLOYMENT | row for row in [
        {"team": "ok", "tokens_per_month": 5e9}, {"team": "ok", "tokens_per_month": 1e9},
        {"team": "none", "tokens_per_month": 0}, {"team": "", "tokens_per_month": 1e9},
        {"team": "priced", "error": "no token of this team could be priced: model id(s) x/y are in no price catalog"}]])
    p = company.plan(c.teams, c.options, c.pools, c.rent_usd)
    assert list(c.teams) == ["ok"]
    assert c.refused == {"ok (row 2)": "team: the name 'ok' appears more than once; each team needs its own",
                         "none": "tokens_per_month must be > 0, got 0.0",
                         "(unnamed team)": "team: empty name; every team needs one",
                         "priced": "no token of this team could be priced: model id(s) x/y are in no price catalog"}
    assert list(p.choices["team"]) == ["ok"]


def test_saving_runs_at_central_factors_is_the_plans_saving(monkeypatch):
    c, p = _plan([{"team": "A", "tokens_per_month": 5e10, "gpu_mode": "buy"}, {"team": "B", "tokens_per_month": 3e9}])
    monkeypatch.setattr(company, "draw_factors", lambda n, seed=0: {k: np.ones(n) for k in advice.UNCERTAIN})
    assert company.saving_runs(c, p, runs=3) == pytest.approx(np.full(3, p.all_rent_usd - p.npv_usd))


def test_company_files(tmp_path):
    rows = [DEPLOYMENT | {"team": "=SUM(1)", "tokens_per_month": 5e10, "gpu_mode": "buy"},
            DEPLOYMENT | {"team": "small", "tokens_per_month": 1e8}]
    summary = company.write_company(rows, tmp_path)
    on_disk = json.loads((tmp_path / "company_summary.json").read_text())
    assert on_disk["plan_usd_npv"] == pytest.approx(summary["plan_usd_npv"])
    for key in ("plan_usd_npv", "standalone_best_usd_npv", "all_rent_usd_npv"):
        assert isinstance(on_disk[key], float)
    assert on_disk["plan_usd_npv"] <= on_disk["standalone_best_usd_npv"] <= on_disk["all_rent_usd_npv"]
    with (tmp_path / "plan.csv").open(encoding="utf-8") as fh:
        plan_rows = list(csv.DictReader(fh))
    assert [r["team"] for r in plan_rows][0] == "'=SUM(1)"  # a formula shown as text, largest saving first
    moved = [r for r in plan_rows if r["path"] == "api"]  # a named deployment is weighed whatever its score
    assert moved and all(float(r["quality"]) >= float(r["quality_floor"]) for r in moved)  # switches keep the floor
    page = (tmp_path / "company.html").read_text(encoding="utf-8")
    assert page.index("The plan saves") < page.index("Ranked moves") < page.index("Teams")
    assert "vs floor" in page and "Charge-back prices for the gateway" in page
    assert set(on_disk["gateway_files"].values()) <= {p.name for p in tmp_path.iterdir()}
    for path in tmp_path.iterdir():
        assert path.stat().st_mode & 0o777 == 0o644


def test_searched_teams_bring_their_best_switch_and_owning_deployments():
    # a GPT-5 mini chat team names no deployment: the search offers its cheapest qualifying switch and owning pools
    s = Scenario(team="chat", tokens_per_month=2e10, api_model="GPT-5 mini")
    options, pools, rent = company.searched_options(s, runs=100)
    kinds = {o.kind for o in options}
    assert "own" in kinds and len(pools) >= 1 and len(rent) == s.horizon_months
    floor = search.recommend(s, runs=100).floor
    assert all(o.quality >= floor for o in options)  # nothing below the team's quality floor is offered


def test_a_team_that_stays_pays_only_its_rent():
    # regression: with load constraints in tokens (coefficients 1 to 6e10) HiGHS's presolve declared a plan that
    # paid a pool's engineers with no replica running "optimal" at 5x the cost of staying
    s = Scenario(team="tiny", tokens_per_month=5e7, api_model="GPT-4.1", open_model="Llama 3.1 8B", gpu="RTX 4090",
                 weight_format="int4", gpu_mode="rent", volume_growth_per_year=10, api_price_decline_per_year=0.9)
    options, pools, rent = company.team_options(s)
    status, sol = company.solve({"tiny": s}, options, pools, {"tiny": rent})
    assert status == "optimal" and sol["chosen"] == {}
    assert sol["npv_usd"] == pytest.approx(float(np.sum(advice._discount(s.horizon_months, s.discount_rate_per_year)
                                                        * rent)))


def test_saving_runs_price_a_searched_switch_at_its_own_bill(monkeypatch):
    # a team whose best move is another API: the runs must price that API's bill, not the team's deployment
    rows = [{"team": "analysis", "workload": "chat", "task_class": "reasoning", "tokens_per_month": 3e9,
             "api_model": "GPT-5"}, DEPLOYMENT | {"team": "B", "tokens_per_month": 3e9}]
    c = company.build(rows)
    p = company.plan(c.teams, c.options, c.pools, c.rent_usd)
    assert p.choices.set_index("team").at["analysis", "path"] == "api"
    monkeypatch.setattr(company, "draw_factors", lambda n, seed=0: {k: np.ones(n) for k in advice.UNCERTAIN})
    assert company.saving_runs(c, p, runs=2) == pytest.approx(np.full(2, p.all_rent_usd - p.npv_usd))
    assert p.npv_usd == pytest.approx(company.team_npv(c, p)["npv_usd"].sum())
