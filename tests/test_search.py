"""Which model for which workload: every path screened, priced by hand-checkable arithmetic, held to the floor."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenomics import advice, reports, search
from tokenomics.scenario import Scenario

FLAT = dict(volume_growth_per_year=1.0, api_price_decline_per_year=0.0, gpu_price_decline_per_year=0.0)
TEAMS = {row["team"]: row for row in reports.read_teams("data/teams.csv")}


def test_an_api_switch_is_priced_by_hand():
    # chat mix: 84.55 % input, 15.45 % output, nothing cached. GPT-5 nano lists $0.05 in, $0.40 out per Mtok:
    # 0.8455 x 0.05 + 0.1545 x 0.40 = $0.104075 / Mtok; 1 B tokens a month = $104.075 a month, flat for 36
    # months, discounted at 10 % a year month by month: x (1 - 1.1^-3) / (1 - 1.1^(-1/12)) = x 31.434
    s = Scenario(api_model="GPT-5 mini", tokens_per_month=1e9, **FLAT)
    screened = search.screen(s)
    nano = screened[(screened["provider"] == "OpenAI") & (screened["model"] == "GPT-5 nano")].iloc[0]
    assert nano["usd_per_mtok"] == pytest.approx(0.104075)
    assert nano["npv_usd"] == pytest.approx(104.075 * (1 - 1.1 ** -3) / (1 - 1.1 ** (-1 / 12)))
    # staying: GPT-5 mini at $0.25 / $2.00 = $0.520375 / Mtok
    assert screened.attrs["stay_npv_usd"] == pytest.approx(520.375 * (1 - 1.1 ** -3) / (1 - 1.1 ** (-1 / 12)))
    assert nano["saving_usd"] == pytest.approx(screened.attrs["stay_npv_usd"] - nano["npv_usd"])


def test_switching_to_a_model_costs_what_staying_on_it_costs():
    s = Scenario(api_model="GPT-5 mini", tokens_per_month=3e9, volume_growth_per_year=3)
    screened = search.screen(s)
    for provider, model in (("OpenAI", "GPT-5 nano"), ("Anthropic", "Claude Haiku 4.5"), ("Groq", "gpt-oss-120b")):
        row = screened[(screened["provider"] == provider) & (screened["model"] == model)].iloc[0]
        there = search.screen(s.replace(api_model=model, api_provider=provider))
        assert row["npv_usd"] == pytest.approx(there.attrs["stay_npv_usd"], rel=1e-9)


def test_candidates_leave_out_the_current_model_and_batch_only_prices():
    s = Scenario(api_model="GPT-5 mini", tokens_per_month=1e9)
    api = search.api_candidates(s)
    assert not ((api["provider"] == "OpenAI") & (api["model"] == "GPT-5 mini")).any()
    assert not api["model"].str.contains("(batch)", regex=False).any()
    assert set(api["path"]) == {"api", "by_token"}
    by_token = api[api["path"] == "by_token"]
    assert (by_token["quality_name"] != "").all()  # judged as the open model it serves


def test_owning_candidates_cover_the_grid_and_a_named_deployment_restricts_it():
    s = Scenario.from_row(TEAMS["Customer support"])
    own = search.own_candidates(s)
    assert len(own) >= 5_000 and own["model"].nunique() >= 20 and own["gpu"].nunique() >= 10
    assert (own["tokens_per_s_per_user"] >= s.min_output_tokens_per_s_per_user - 1e-9).all()  # the chat target
    assert (own["ttft_s"] <= s.max_ttft_s + 1e-9).all()
    # a bigger replica is kept only if it does more per GPU than every smaller one of its model, GPU and format
    per_gpu = own.drop_duplicates(["model", "gpu", "weight_format", "gpus_per_replica"]).assign(
        per_gpu=lambda f: f["output_tokens_per_s"] / f["gpus_per_replica"]).sort_values("gpus_per_replica")
    assert (per_gpu.groupby(["model", "gpu", "weight_format"])["per_gpu"].diff().dropna() > 0).all()
    assert set(own["basis"]) == {"on_demand", "spot", "committed_1y", "committed_3y", "purchase"}
    named = search.own_candidates(Scenario.from_row(TEAMS["Research prototypes"]))
    assert set(named["model"]) == {"Llama 3.1 8B"} and set(named["gpu"]) == {"RTX 4090"}
    assert set(named["weight_format"]) == {"int4"} and set(named["gpu_mode"]) == {"rent"}


@settings(max_examples=6, deadline=None)
@given(st.floats(1e7, 1e11), st.floats(0, 15), st.sampled_from(sorted(TEAMS)))
def test_qualifying_means_at_or_above_the_floor_and_tolerance_only_widens_the_choice(tokens, tolerance, team):
    s = Scenario.from_row(TEAMS[team] | {"tokens_per_month": tokens})
    a = search.screen(s.replace(quality_tolerance_points=tolerance))
    b = search.screen(s.replace(quality_tolerance_points=tolerance + 5))
    assert a.attrs["floor"] == pytest.approx(a.attrs["current_quality"] - tolerance)
    assert (a["qualifies"] == (a["quality"] >= a.attrs["floor"])).all()
    assert not a.loc[a["quality"].isna(), "qualifies"].any()  # no score never qualifies
    cheapest = (lambda f: f.loc[f["qualifies"], "npv_usd"].min() if f["qualifies"].any() else np.inf)
    assert cheapest(b) <= cheapest(a) + 1e-6


@pytest.mark.parametrize("team", sorted(TEAMS))
def test_every_sample_team_gets_a_path_at_or_above_its_floor(team):
    s = Scenario.from_row(TEAMS[team])
    rec = search.recommend(s, runs=300)
    assert rec.path in ("stay", "api", "by_token", "own", "hybrid")
    if rec.path == "stay":
        assert rec.note and rec.saving_usd == 0
    else:
        assert rec.recommended_quality >= rec.floor
        assert rec.saving_usd >= max(s.min_saving_share * rec.candidates.attrs["stay_npv_usd"], s.min_saving_usd)
    row = advice.recommendation_row(rec)
    for key in ("p_saving", "confidence"):
        assert np.isnan(row[key]) or 0 <= row[key] <= 1
    assert row["saving_p10_usd"] <= row["saving_p90_usd"]
    assert row["headline"]


def test_nothing_qualifies_when_the_current_model_is_best_and_the_note_names_the_closest(tmp_path):
    scores = tmp_path / "evals.csv"
    scores.write_text("model,task_class,score\nGPT-5 mini,instruction_following,99\n")
    s = Scenario.from_row(TEAMS["Customer support"] | {"quality_scores": str(scores),
                                                         "quality_tolerance_points": 0})
    rec = search.recommend(s, runs=200)
    assert rec.path == "stay" and rec.floor == 99 and rec.current_quality == 99
    assert "nothing cheaper reaches the quality floor of 99.0" in rec.note and "points below" in rec.note


def test_a_move_that_saves_too_little_is_not_worth_making():
    s = Scenario.from_row(TEAMS["Customer support"] | {"min_saving_usd": 1e12})
    rec = search.recommend(s, runs=200)
    assert rec.path == "stay" and "below what a move must save" in rec.note


def test_owning_wins_at_scale_and_is_weighed_exactly():
    s = Scenario(api_model="GPT-5 mini", workload="batch_classification", tokens_per_month=3e11)
    rec = search.recommend(s, runs=300)
    assert rec.path in ("own", "hybrid")
    assert rec.saving_usd == pytest.approx(rec.decision.saving_usd)
    assert rec.chosen["model"] == rec.own_scenario.open_model and rec.chosen["gpu"] == rec.own_scenario.gpu
    assert rec.recommended_quality >= rec.floor


def test_a_model_without_scores_cannot_set_a_floor():
    s = Scenario(api_model="GPT-5 mini", tokens_per_month=1e9)
    screened = search.screen(s, table=pd.DataFrame(columns=list(search.quality.CLASSES), dtype=float))
    assert np.isnan(screened.attrs["floor"]) and not screened["qualifies"].any()


def test_describe_says_what_a_candidate_is():
    assert search.describe(pd.Series({"path": "api", "model": "GPT-5 nano", "provider": "OpenAI"})) == \
        "GPT-5 nano (OpenAI API)"
    assert search.describe(pd.Series({"path": "own", "model": "gpt-oss-120b", "gpus_per_replica": 2.0,
                                      "gpu": "H100 SXM", "weight_format": "fp8", "basis": "committed_3y"})) == \
        "gpt-oss-120b on 2 × H100 SXM, fp8, rented, 3-year commitment"
    # one host listing one model under two ids: the host's names tell the two offers apart
    offers = search.api_candidates(Scenario.from_row(TEAMS["Customer support"]))
    r1 = offers[(offers["provider"] == "OpenRouter") & (offers["quality_name"] == "DeepSeek R1")]
    words = [search.describe(row) for _, row in r1.iterrows()]
    assert len(words) == 2 and len(set(words)) == 2
    assert "DeepSeek R1 (deepseek/deepseek-r1-0528) by the token at OpenRouter" in words


def test_a_team_buys_only_from_the_providers_it_allows():
    # Customer support's cheapest qualifying move is an open model at a small reseller; a team that buys only from
    # OpenAI and Groq is offered nothing else, and is told so
    row = TEAMS["Customer support"] | {"providers": "openai, GROQ"}
    s = Scenario.from_row(row)
    assert s.providers == "OpenAI, Groq"
    assert set(search.api_candidates(s)["provider"]) == {"OpenAI", "Groq"}
    rec = search.recommend(s, runs=100)
    anywhere = search.recommend(Scenario.from_row(TEAMS["Customer support"]), runs=100)
    assert rec.path != "stay" and rec.chosen["provider"] in ("OpenAI", "Groq")
    assert anywhere.chosen["provider"] not in ("OpenAI", "Groq")  # otherwise the test shows nothing
    assert rec.saving_usd <= anywhere.saving_usd  # a narrower market never saves more
    assert "tokens bought only from OpenAI, Groq" in advice.search_text(rec)


def test_an_unknown_provider_is_named_with_the_closest():
    with pytest.raises(ValueError, match="providers: unknown provider 'Grok'; closest: 'Groq'"):
        Scenario(providers="OpenAI, Grok")
