"""The decision: which path, from when, how sure — and every figure on the page agreeing with the headline."""

import numpy as np
import pandas as pd
import pytest

from tokenomics import advice
from tokenomics.projection import npv, project
from tokenomics.scenario import Scenario

FLAT = dict(volume_growth_per_year=1.0, api_price_decline_per_year=0.0, gpu_price_decline_per_year=0.0)
#: One deployment to weigh (the search chooses when a team names none): these tests are about the decision.
DEPLOYMENT = dict(open_model="Llama 3.1 8B", gpu="H100 SXM", weight_format="fp8", gpu_mode="rent")


def owned(**kw) -> Scenario:
    return Scenario(**(DEPLOYMENT | kw))


@pytest.mark.parametrize("row, recommendation, start", [
    # 30 M tokens a month on a small API model: one replica alone costs more than the whole bill
    ({"tokens_per_month": 3e7, "api_model": "GPT-4.1 mini"}, "rent", None),
    # 50 B chat tokens a month on GPT-4.1, flat: owning Llama 3.1 8B on bought H100s pays from day one
    ({"tokens_per_month": 5e10, "gpu_mode": "buy", **FLAT}, "own", 0),
    # a cache-heavy agent on Claude: even a full DeepSeek replica costs more per token than the cached API
    ({"tokens_per_month": 4e10, "workload": "coding_agent", "api_model": "Claude 3.7 Sonnet",
      "open_model": "DeepSeek V3", "gpu": "H200"}, "rent", None),
])
def test_recommendations_by_hand_built_scenarios(row, recommendation, start):
    s = Scenario.from_row(DEPLOYMENT | row)
    d = advice.decide(s, runs=500)
    assert (d.recommendation, d.start_month) == (recommendation, start)
    assert advice.headline(s, d).startswith(recommendation.capitalize() + ":")


def test_the_grid_is_the_projection_rent_until_k_then_share_s():
    s = owned(tokens_per_month=5e9, volume_growth_per_year=4.0)
    grid = advice.path_grid(s)
    for share, k in ((0.3, 7), (1.0, 0), (0.6, 35)):
        frame = project(s.tokens_per_month, **(s.projection_inputs() | {"hybrid_own_share": share,
                                                                       "own_from_month": k}))
        i = list(advice.SHARES).index(share)
        assert grid["npv"][k, i] == pytest.approx(npv(frame["hybrid_cash_usd"], s.discount_rate_per_year))
    assert grid["npv_rent"] == pytest.approx(npv(frame["rent_usd"], s.discount_rate_per_year))
    assert np.allclose(grid["npv"][-1, :], grid["npv_rent"])  # starting at the horizon is renting
    bought = owned(tokens_per_month=5e10, gpu_mode="buy")
    frame = project(bought.tokens_per_month, **(bought.projection_inputs() | {"hybrid_own_share": 1.0,
                                                                             "own_from_month": 3}))
    assert frame["own_capex_usd"].iloc[3] > 0 and frame["own_capex_usd"].iloc[:3].sum() == 0  # paid when it starts
    assert advice.path_grid(bought)["npv"][3, -1] == pytest.approx(npv(frame["own_cash_usd"], bought.discount_rate_per_year))


@pytest.mark.parametrize("row", [{"tokens_per_month": 5e10, "gpu_mode": "buy"},
                                 {"tokens_per_month": 2e10, "volume_growth_per_year": 2},
                                 {"tokens_per_month": 1e9}])
def test_headline_table_and_chart_agree(row):
    s = Scenario.from_row(DEPLOYMENT | row)
    d = advice.decide(s, runs=500)
    m = d.monthly
    assert npv(m["path_usd"], s.discount_rate_per_year) == pytest.approx(d.npv_best_usd)  # the chart is the path
    assert npv(m["rent_usd"], s.discount_rate_per_year) == pytest.approx(d.npv_rent_usd)
    if d.recommendation != "rent":
        chosen = d.shares.set_index("own_share").loc[d.own_share]
        assert chosen["saving_usd"] == pytest.approx(d.saving_usd)  # the table's row is the headline's saving
        assert chosen["start_month"] == d.start_month
        assert f"Saves {advice.present.usd(d.saving_usd)}" in advice.headline(s, d)
        assert "← recommended" in repr(advice.shares_table(d))
    else:
        assert d.saving_usd == 0 and np.allclose(m["path_usd"], m["rent_usd"])


def test_probabilities_are_probabilities_and_repeat_with_the_seed():
    s = owned(tokens_per_month=2e10)
    a, b = advice.decide(s, runs=800, seed=3), advice.decide(s, runs=800, seed=3)
    assert 0 <= a.confidence <= 1 and (np.isnan(a.p_saving) or 0 <= a.p_saving <= 1)
    assert np.array_equal(a.runs["saving_usd"], b.runs["saving_usd"])
    p10, p90 = a.saving_quantiles()
    assert p10 <= p90


def test_a_coin_flip_is_not_recommended(monkeypatch):
    # owning saves in the central case, but in 7 of 10 drawn scenarios the API is 100x cheaper and owning loses
    s = owned(tokens_per_month=5e10, gpu_mode="buy", **FLAT)
    assert advice.decide(s, runs=100).recommendation == "own"
    cheap_api = np.array([1 / 100] * 7 + [1.0] * 3)
    monkeypatch.setattr(advice, "draw_factors", lambda n, seed=0: {k: cheap_api if k == "api_price" else np.ones(10)
                                                                   for k in advice.UNCERTAIN})
    d = advice.decide(s, runs=10)
    assert d.recommendation == "rent" and "in the central case, but loses money in 70 % of scenarios" in d.reason
    assert d.monthly.attrs["alternative_label"].startswith("not recommended: 100 % on Llama 3.1 8B from now")
    assert d.confidence == pytest.approx(0.7)


def test_saving_under_central_factors_is_the_decision_saving():
    s = owned(tokens_per_month=5e10, gpu_mode="buy")
    d = advice.decide(s, runs=200)
    ones = {k: np.ones(1) for k in advice.UNCERTAIN}
    assert advice.saving_under(s, ones, d.own_share, d.start_month)[0] == pytest.approx(d.saving_usd)


def test_sensitivity_names_inputs_in_words_and_moves_the_saving():
    s = owned(tokens_per_month=5e10, gpu_mode="buy")
    table = advice.sensitivity(s, advice.decide(s, runs=200))
    assert set(table["input"]) == {label for label, _ in advice.UNCERTAIN.values()}
    api = table.set_index("input").loc["API price"]
    assert api["saving_at_high_usd"] > api["saving_at_low_usd"]  # a dearer API makes owning save more
    assert table["swing_usd"].is_monotonic_decreasing


def test_usage_provenance_is_stated():
    s = owned(tokens_per_month=3e9, usage_first_date="2026-11-01", usage_last_date="2026-11-14",
                 usage_days_observed=14, usage_tokens_observed=1.4e9, input_tokens_per_request=900.0,
                 output_tokens_per_request=100.0)
    assert advice.volume_note(s) == ("usage export, 2026-11-01 to 2026-11-14 (14 days with usage): 1.4 B tokens "
                                     "scaled ×2.14 to a month")
    unsized = s.replace(input_tokens_per_request=None, output_tokens_per_request=None)
    assert advice.volume_note(unsized).endswith("; request sizes from the chat profile (the export counts no requests)")
    assert "generated 2026-01-02 by tokenomics" in advice.provenance_text(s, generated="2026-01-02")


def test_summary_row_has_the_columns_the_index_reads():
    s = owned(tokens_per_month=5e10, gpu_mode="buy")
    row = advice.summary_row(s, advice.decide(s, runs=200))
    from tokenomics.reports import SUMMARY_COLUMNS

    assert set(row) <= set(SUMMARY_COLUMNS) and row["recommendation"] == "own"


def _usage(rows):
    columns = ["date", "team", "provider", "model", "requests", "input_uncached_tokens", "input_cache_read_tokens",
               "input_cache_write_tokens", "output_tokens", "recorded_usd"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def test_teams_from_usage_price_the_teams_real_models_in_their_proportions():
    usage = _usage([
        # team A, two days of November: GPT-5 ($1.25 in, $0.125 cache read, $10 out per M) and Claude Sonnet 4.5
        # ($3 in, $3.75 5-minute write, $15 out); 8,000-token mean requests stay below Claude's 200k tier
        ("2026-11-02", "A", "openai", "gpt-5-2025-08-07", 1000, 8e6, 2e6, 0, 1e6, 40.0),
        ("2026-11-03", "A", "anthropic", "claude-sonnet-4-5-20250929", 500, 3e6, 0, 1e6, 0.5e6, np.nan),
        ("2026-11-02", "B", "openai", "gpt-5-2025-08-07", 100, 1e6, 0, 0, 1e5, np.nan),
        ("2026-11-02", "B", "openai", "my-finetune-v2", 100, 1e6, 0, 0, 1e5, np.nan),
        ("2026-11-02", "C", "custom", "my-finetune-v2", 100, 1e6, 0, 0, 1e5, np.nan),
    ])
    teams = advice.teams_from_usage(usage).set_index("team")
    a = teams.loc["A"]
    assert a["api_model"] == "GPT-5" and a["api_mix"] == "GPT-5 71 %, Claude Sonnet 4.5 29 %"  # 11 M of 15.5 M tokens
    assert a["tokens_per_month"] == pytest.approx(15.5e6 * 30 / 2)  # November, 2 days seen
    # input side: 8 x 1.25 + 2 x 0.125 + 3 x 3 + 1 x 3.75 = $23 over 14 M input tokens; output: 10 + 7.5 over 1.5 M
    assert a["api_input_usd_per_mtok"] == pytest.approx(23 / 14)
    assert a["api_output_usd_per_mtok"] == pytest.approx(17.5 / 1.5)
    assert a["recorded_api_usd_per_month"] == pytest.approx(40 * 15)  # scaled like the tokens
    assert a["usage_first_date"] == "2026-11-02" and a["usage_days_observed"] == 2
    assert teams.loc["B", "unpriced_share"] == pytest.approx(0.5)
    assert teams.loc["C", "error"] == ("no token of this team could be priced: model id(s) custom/my-finetune-v2 are in no "
                                      "price catalog")
    s = Scenario.from_row({k: v for k, v in a.items() if k != "error"} | {"team": "A"})
    # the bill the report shows is the team's own, to the cent
    assert s.api_usd_per_mtok * s.tokens_per_month / 1e6 == pytest.approx((23 + 17.5) * 15)
    assert advice.api_label(s) == "its current models (GPT-5 71 %, Claude Sonnet 4.5 29 %)"


def test_a_team_that_nothing_prices_is_listed_not_reported(tmp_path):
    from tokenomics.reports import run_team_reports

    teams = advice.teams_from_usage(_usage([("2026-11-02", "C", "custom", "my-finetune-v2", 1, 1e6, 0, 0, 1e5,
                                             np.nan)]))
    result, = run_team_reports(teams.to_dict("records"), tmp_path, workers=1, progress=False)
    assert result.status == "failed" and "custom/my-finetune-v2" in result.error


@pytest.mark.parametrize("x, text", [(0.38, "38 %"), (0.004, "0.4 %"), (0.9966, "99.7 %"), (0.99999, "99.9 %"),
                                     (1.0, "100 %"), (0.0, "0 %"), (float("nan"), "—")])
def test_shares_near_all_or_nothing_never_read_as_all_or_nothing(x, text):
    assert advice.present.share(x) == text


def test_a_company_states_an_assumption_that_differs_by_team_as_its_range():
    a, b = Scenario(volume_growth_per_year=2.0), Scenario(volume_growth_per_year=3.0, team="b")
    text = advice.assumptions_text([a, b])
    assert "volume ×2 to ×3 (by team) a year" in text and "36 months" in text
    assert advice.assumptions_text(a) == advice.assumptions_text([a, a])
