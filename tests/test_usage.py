"""Usage exports: each format normalised with hand-computed totals; broken exports named; the roll-up."""

import json

import numpy as np
import pandas as pd
import pytest

import tokenomics as tk
from tokenomics.usage import NORMALISED_COLUMNS, UsageFormatError, monthly_usage, read_usage

USAGE = tk.catalog.DATA_DIR / "usage"


def totals(frame, by="team"):
    return frame.groupby(by)[NORMALISED_COLUMNS[4:]].sum(min_count=1)


def test_openai_csv_input_tokens_include_cached_ones():
    u = read_usage(USAGE / "openai_usage.csv")
    assert list(u.columns) == NORMALISED_COLUMNS
    t = totals(u)
    # proj_support: input 150M + 160M + 2M, of which cached 60M + 64M; output 25M + 27M + 0.4M; 251,000 requests
    assert t.loc["proj_support"].tolist() == [251_000, 312e6 - 124e6, 124e6, 0, 52.4e6]
    # no project id: the api key stands in
    assert t.loc["key_c"].tolist() == [500, 1e6, 0, 0, 0.2e6]
    assert sorted(u["date"].dt.strftime("%Y-%m-%d").unique()) == ["2026-11-01", "2026-11-02"]


def test_openai_usage_api_buckets_json():
    u = read_usage(USAGE / "openai_usage_buckets.json")
    t = totals(u)
    assert t.loc["proj_alpha"].tolist() == [22, (5000 - 2000) + (6000 - 2500), 4500, 0, 2500]
    assert t.loc["key_x"].tolist() == [3, 700, 0, 0, 300]
    assert u.loc[u["team"] == "proj_alpha", "date"].dt.day.tolist() == [1, 2]  # bucket start_time 2026-11-01


def test_anthropic_report_has_no_request_count_and_a_default_workspace():
    u = read_usage(USAGE / "anthropic_usage_report.json")
    t = totals(u)
    assert np.isnan(t.loc["wrkspc_agents", "requests"])
    # cache writes: 1M (1h) + 4M (5m) on day 1, 5M (5m) on day 2
    assert t.loc["wrkspc_agents"].tolist()[1:] == [82e6, 620e6, 10e6, 4.2e6]
    assert t.loc["default workspace"].tolist()[1:] == [9e6, 0, 0, 1e6]
    assert set(u["provider"]) == {"anthropic"}


def test_litellm_rows_are_requests():
    u = read_usage(USAGE / "litellm_spend_logs.csv")
    t = totals(u)
    assert t.loc["team-risk"].tolist() == [3, 1000 + 1500 + 800, 0, 0, 500]
    assert t.loc["no team"].tolist() == [1, 300, 0, 0, 30]
    assert u.set_index("team").loc["team-docs", "provider"] == "anthropic"  # from the 'anthropic/' prefix


def test_kit_csv_round_trips_and_keeps_text_teams():
    u = read_usage(USAGE / "kit_usage.csv")
    assert "007" in set(u["team"])
    assert totals(u).loc["payments"].tolist() == [1500, 1.2e6, 0.2e6, 0, 0.2e6]


def test_unknown_format_lists_what_it_looked_for(write_csv):
    path = write_csv("mystery.csv", "when,who,tokens\n2026-01-01,a,5\n")
    with pytest.raises(UsageFormatError, match="not a known usage export. Looked for the columns of openai: "
                                               "input_tokens, .*litellm: prompt_tokens.*Found: \\['tokens', 'when', 'who'\\]"):
        read_usage(path)


@pytest.mark.parametrize("body, message", [
    ("prompt_tokens,completion_tokens,startTime,model,team_id\n10,2,2026-11-01T00:00:00Z,m,t\nten,2,2026-11-01T00:00:00Z,m,t\n",
     "row 2, column 'prompt_tokens': expected a token count, got 'ten'"),
    ("prompt_tokens,completion_tokens,startTime,model,team_id\n10,-2,2026-11-01T00:00:00Z,m,t\n",
     "row 1, column 'completion_tokens': expected a count >= 0, got -2"),
    ("prompt_tokens,completion_tokens,startTime,model,team_id\n10,2,yesterday,m,t\n",
     "row 1, column 'startTime': expected a date or time, got 'yesterday'"),
    ("input_tokens,output_tokens,num_model_requests,start_time\n10,2,1,1793491200\n", "missing column\\(s\\) \\['model'\\]"),
    ("input_tokens,output_tokens,num_model_requests,model,start_time,input_cached_tokens\n10,2,1,m,1793491200,20\n",
     "input_cached_tokens exceeds input_tokens"),
    ("a,b\n1,2,3\n", "malformed CSV"),
])
def test_broken_exports_name_row_and_column(write_csv, body, message):
    with pytest.raises(UsageFormatError, match=message):
        read_usage(write_csv("broken.csv", body))


def test_broken_json_and_empty_files(write_csv):
    with pytest.raises(UsageFormatError, match="not valid JSON"):
        read_usage(write_csv("x.json", "{not json"))
    with pytest.raises(UsageFormatError, match="file is empty"):
        read_usage(write_csv("e.csv", ""))
    with pytest.raises(UsageFormatError, match="expected a JSON page"):
        read_usage(write_csv("s.json", json.dumps("hello")))


def test_monthly_roll_up_and_teams_table():
    u = read_usage(USAGE / "openai_usage.csv")
    m = monthly_usage(u).set_index("team")
    assert m.loc["proj_support", "days"] == 2 and m.loc["proj_support", "top_model"] == "gpt-4.1-2025-04-14"
    assert m.loc["proj_support", "input_share"] == pytest.approx(312e6 / 364.4e6)
    assert m.loc["proj_support", "cached_share"] == pytest.approx(124e6 / 312e6)
