"""Usage exports: each format normalised with hand-computed totals; broken exports named; the one roll-up query."""

import csv
import json

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tokenomics as tk
from tokenomics.advice import teams_from_usage
from tokenomics.usage import (INPUT_BAND_EDGES_TOKENS, NORMALISED_COLUMNS, ROLLUP_SQL_PATH, UsageFormatError,
                              band_case_sql, monthly_usage, read_usage, rollup_sql)

USAGE = tk.catalog.DATA_DIR / "usage"
VALUES = NORMALISED_COLUMNS[4:11]  # requests .. recorded_usd
LITELLM_HEADER = "prompt_tokens,completion_tokens,startTime,model,team_id,metadata,spend\n"


def totals(frame, by="team"):
    return frame.groupby(by)[VALUES].sum(min_count=1)


def litellm_row(prompt, completion=10, day="2026-11-01T10:00:00Z", model="m", team="t", usage=None, spend=""):
    """One CSV line of a LiteLLM spend log, with `usage` as metadata.usage_object."""
    metadata = json.dumps({"usage_object": usage}).replace('"', '""') if usage is not None else ""
    return f'{prompt},{completion},{day},{model},{team},"{metadata}",{spend}\n'


def test_openai_csv_input_tokens_include_cached_ones():
    u = read_usage(USAGE / "openai_usage.csv")
    assert list(u.columns) == NORMALISED_COLUMNS
    t = totals(u)
    # proj_support, 14 days of gpt-5-mini: requests 100,000 + 1,000 d, input 200M + 2M d of which 80M cached,
    # output 30M (d = 0..13, so sum d = 91); plus one day of gpt-5-nano: 1,000 requests, 2M input, 0.4M output
    assert t.loc["proj_support"].tolist()[:6] == [1_400_000 + 91_000 + 1_000, 2_800e6 + 182e6 + 2e6 - 14 * 80e6,
                                                  14 * 80e6, 0, 0, 14 * 30e6 + 0.4e6]
    # proj_agents: cached 300M + 1M d of 400M input every day
    assert t.loc["proj_agents", "input_cache_read_tokens"] == 4_200e6 + 91e6
    assert t.loc["key_c"].tolist()[:6] == [500, 1e6, 0, 0, 0, 0.2e6]  # no project id: the api key stands in
    assert u["recorded_usd"].isna().all() and (u["input_band_tokens"] == 0).all()
    assert u["date"].dt.day.nunique() == 14


def test_openai_usage_api_buckets_json():
    t = totals(read_usage(USAGE / "openai_usage_buckets.json"))
    assert t.loc["proj_alpha"].tolist()[:6] == [22, (5000 - 2000) + (6000 - 2500), 4500, 0, 0, 2500]
    assert t.loc["key_x"].tolist()[:6] == [3, 700, 0, 0, 0, 300]


def test_anthropic_report_splits_5_minute_and_1_hour_cache_writes_and_has_no_request_count():
    u = read_usage(USAGE / "anthropic_usage_report.json")
    t = totals(u)
    assert np.isnan(t.loc["wrkspc_agents", "requests"]) and t["recorded_usd"].isna().all()
    # 14 days of 40M uncached, 300M read, 4M 5-minute + 1M 1-hour writes, 2M output; two 200k-1M rows of 1.5M / 0.05M
    assert t.loc["wrkspc_agents"].tolist()[1:6] == [14 * 40e6 + 2 * 1.5e6, 14 * 300e6, 14 * 5e6, 14 * 1e6,
                                                    14 * 2e6 + 2 * 0.05e6]
    assert t.loc["wrkspc_research"].tolist()[1:6] == [7 * 2e6, 7 * 6e6, 7 * 0.5e6, 7 * 0.5e6, 7 * 0.3e6]  # 1-hour only
    assert t.loc["default workspace"].tolist()[1:6] == [14 * 9e6, 0, 0, 0, 14 * 1e6]
    assert set(u["provider"]) == {"anthropic"}


def test_litellm_rows_are_requests_with_cache_tokens_from_metadata():
    u = read_usage(USAGE / "litellm_spend_logs.csv")
    t = totals(u)
    # team-support: 15 Sonnet 4.5 requests of 12,000 prompt tokens = 2,000 uncached + 8,000 read + 2,000 written,
    # of which 1,000 with a 1-hour TTL on the first 5 days; 800 output each. spend: 0.03015 on those 5 days
    # (6,000 + 12,000 + 2,400 + 3,750 + 6,000 micro-USD), 0.0279 on the other 10
    support = t.loc["team-support"]
    assert support.tolist()[:6] == [15, 30_000, 120_000, 30_000, 5_000, 12_000]
    assert support["recorded_usd"] == pytest.approx(5 * 0.03015 + 10 * 0.0279)
    # team-search: Gemini's implicit cache, in prompt_tokens_details.cached_tokens, 1,000 of 3,000 on the 8 even days
    assert t.loc["team-search"].tolist()[:3] == [15, 15 * 3_000 - 8 * 1_000, 8 * 1_000]
    assert t.loc["team-risk"].tolist()[:6] == [3, 1000 + 1500 + 800, 0, 0, 0, 500]
    assert t.loc["no team"].tolist()[:6] == [1, 300, 0, 0, 0, 30]
    providers = u.groupby("team")["provider"].first()
    assert providers["team-docs"] == "anthropic"  # no custom_llm_provider: the 'anthropic/' prefix
    assert providers["team-batch"] == "together_ai" and u["date"].dt.day.nunique() == 15


def test_a_long_context_request_gets_its_own_band():
    research = read_usage(USAGE / "litellm_spend_logs.csv").query("team == 'team-research'")
    bands = research.groupby("input_band_tokens")[["requests", "input_uncached_tokens"]].sum()
    assert bands.to_dict("index") == {0: {"requests": 4, "input_uncached_tokens": 80_000},
                                      200_000: {"requests": 1, "input_uncached_tokens": 250_000}}


def test_band_is_the_largest_edge_strictly_below_the_input(write_csv):
    prompts = [32_000, 32_001, 199_999, 200_000, 200_001, 524_288, 524_289, 10]
    path = write_csv("bands.csv", LITELLM_HEADER + "".join(litellm_row(p, team=f"t{i}") for i, p in enumerate(prompts)))
    bands = read_usage(path).set_index("team")["input_band_tokens"]
    assert bands.tolist() == [0, 32_000, 128_000, 199_999, 200_000, 512_000, 524_288, 0]
    assert read_usage(path, input_band_edges_tokens=(100, 200_000)).set_index("team")["input_band_tokens"].tolist() \
        == [100, 100, 100, 100, 200_000, 200_000, 200_000, 0]
    with pytest.raises(ValueError, match="input_band_edges_tokens: expected positive token counts in increasing"):
        read_usage(path, input_band_edges_tokens=(200_000, 100))


def test_the_shipped_sql_file_has_the_module_band_edges():
    assert band_case_sql(INPUT_BAND_EDGES_TOKENS) in ROLLUP_SQL_PATH.read_text()
    sql, params = rollup_sql("spend_logs", "postgres")
    assert params == {f"input_band_edge_{i}": e for i, e in enumerate(INPUT_BAND_EDGES_TOKENS)}
    assert "WHEN prompt_tokens > %(input_band_edge_8)s THEN %(input_band_edge_8)s" in sql
    assert sql.count("%") == 2 * len(INPUT_BAND_EDGES_TOKENS)  # psycopg would read any other % as a placeholder


def test_litellm_daily_team_spend_is_already_per_day():
    t = totals(read_usage(USAGE / "litellm_daily_team_spend.csv"))
    # team-support: key a 14 days of 400 requests, 5M prompt = 3M read + 0.5M written + rest uncached, 0.2M output,
    # $7; key b on 2 days: 100 requests, 1M prompt = 0.6M read + 0.1M written, 0.05M output, $1.5
    assert t.loc["team-support"].tolist() == [14 * 400 + 2 * 100, 14 * 1.5e6 + 2 * 0.3e6, 14 * 3e6 + 2 * 0.6e6,
                                              14 * 0.5e6 + 2 * 0.1e6, 0, 14 * 0.2e6 + 2 * 0.05e6, 14 * 7 + 2 * 1.5]
    assert t.loc["team-search", "input_uncached_tokens"] == 14 * 1.5e6 + 91 * 0.1e6


def test_kit_csv_reads_its_own_columns_and_defaults_the_newer_ones(write_csv):
    u = read_usage(USAGE / "kit_usage.csv")
    assert "007" in set(u["team"])
    payments = u[u["team"] == "payments"].set_index("model")
    # two gpt-5-mini rows: 0.505 recorded on one, none on the other: the row sums what is recorded
    assert payments.loc["gpt-5-mini-2025-08-07", VALUES].tolist() == [1500, 1.2e6, 0.2e6, 0, 0, 0.2e6, 0.505]
    assert payments.loc["gpt-5-2025-08-07", "input_band_tokens"] == 200_000
    sonnet = u[u["team"] == "007"].iloc[0]
    assert np.isnan(sonnet["requests"]) and np.isnan(sonnet["recorded_usd"])
    assert sonnet["input_cache_write_1h_tokens"] == 40_000
    old = write_csv("old_kit.csv", "date,team,provider,model,requests,input_uncached_tokens,input_cache_read_tokens,"
                                   "input_cache_write_tokens,output_tokens\n2026-11-02,007,anthropic,m,,20,10,5,3\n")
    row = read_usage(old).iloc[0]
    assert row[["input_cache_write_tokens", "input_cache_write_1h_tokens", "input_band_tokens"]].tolist() == [5, 0, 0]
    assert np.isnan(row["recorded_usd"])


def test_the_roll_up_written_as_kit_csv_reads_back_unchanged(tmp_path):
    u = read_usage(USAGE / "litellm_spend_logs.csv")
    u.to_csv(tmp_path / "kit.csv", index=False, date_format="%Y-%m-%d")
    pd.testing.assert_frame_equal(read_usage(tmp_path / "kit.csv"), u)


def test_json_lines_parquet_and_json_pages_of_spend_logs_read_like_the_csv(tmp_path):
    expected = read_usage(USAGE / "litellm_spend_logs.csv")
    con = duckdb.connect()
    source = con.read_csv(str(USAGE / "litellm_spend_logs.csv"), all_varchar=True)
    source.write_parquet(str(tmp_path / "logs.parquet"))
    con.execute(f"COPY (SELECT * REPLACE (CAST(prompt_tokens AS BIGINT) AS prompt_tokens, CAST(metadata AS JSON) AS "
                f"metadata) FROM source) TO '{tmp_path / 'logs.jsonl'}' (FORMAT json)")
    rows = [json.loads(line) for line in (tmp_path / "logs.jsonl").read_text().splitlines()]
    (tmp_path / "page.json").write_text(json.dumps({"data": rows, "total": len(rows), "page": 1}))
    assert isinstance(rows[0]["metadata"], dict) and isinstance(rows[0]["prompt_tokens"], int)
    for name in ("logs.parquet", "logs.jsonl", "page.json"):
        pd.testing.assert_frame_equal(read_usage(tmp_path / name), expected, obj=name)


def test_unknown_format_lists_what_it_looked_for(write_csv):
    path = write_csv("mystery.csv", "when,who,tokens\n2026-01-01,a,5\n")
    with pytest.raises(UsageFormatError, match="not a known usage export. Looked for the columns of openai: "
                                               "input_tokens, .*litellm: prompt_tokens.*Found: \\['tokens', 'when', 'who'\\]"):
        read_usage(path)


@pytest.mark.parametrize("body, message", [
    (LITELLM_HEADER + litellm_row(10) + litellm_row("ten"),
     "row 2, column 'prompt_tokens': expected a token count, got 'ten'"),
    (LITELLM_HEADER + litellm_row(10, completion=-2), "row 1, column 'completion_tokens': expected a count >= 0, got -2"),
    (LITELLM_HEADER + litellm_row(10, day="yesterday"),
     "row 1, column 'startTime': expected a date or time, got 'yesterday'"),
    (LITELLM_HEADER + litellm_row(10) + litellm_row(10, day=""),
     "row 2, column 'startTime': expected a date or time, got an empty cell"),
    (LITELLM_HEADER + litellm_row(10, spend="free"), "row 1, column 'spend': expected an amount in USD, got 'free'"),
    (LITELLM_HEADER + litellm_row(100) + litellm_row(10, usage={"cache_read_input_tokens": 8,
                                                                "cache_creation_input_tokens": 5}),
     "row 2, column 'metadata': cache reads \\(8\\) and writes \\(5\\) exceed prompt_tokens \\(10\\), which counts them"),
    (LITELLM_HEADER + litellm_row(10, usage={"cache_creation_input_tokens": 2, "prompt_tokens_details": {
        "cache_creation_token_details": {"ephemeral_1h_input_tokens": 3}}}),
     "row 1, column 'metadata': 1-hour cache writes \\(3\\) exceed all cache writes \\(2\\)"),
    (LITELLM_HEADER + '10,2,2026-11-01T00:00:00Z,m,t,"{oops",\n', "row 1, column 'metadata': expected JSON, got '{oops'"),
    (LITELLM_HEADER + litellm_row(10) + "10,2,2026-11-01T00:00:00Z,m,t,,,extra\n",
     "row 2: malformed CSV: Expected Number of Columns: 7 Found: 8"),
    ("id,team_id,date,api_key,model,prompt_tokens,completion_tokens,api_requests\nd1,t,2026-13-01,k,m,10,2,1\n",
     "row 1, column 'date': expected a date \\(YYYY-MM-DD\\), got '2026-13-01'"),
    ("input_tokens,output_tokens,num_model_requests,start_time\n10,2,1,1793491200\n", "missing column\\(s\\) \\['model'\\]"),
    ("input_tokens,output_tokens,num_model_requests,model,start_time,input_cached_tokens\n10,2,1,m,1793491200,20\n",
     "input_cached_tokens exceeds input_tokens"),
    ("input_tokens,output_tokens,num_model_requests,model,start_time\n1,2,3,m,1793491200,9\n", "malformed CSV"),
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
    with pytest.raises(UsageFormatError, match="h.csv: contains no usage rows"):
        read_usage(write_csv("h.csv", LITELLM_HEADER))
    with pytest.raises(ValueError, match="table: expected one of \\['daily', 'spend_logs'\\], got 'logs'"):
        read_usage(write_csv("t.csv", LITELLM_HEADER), table="logs")


def test_monthly_roll_up_and_teams_table():
    u = read_usage(USAGE / "openai_usage.csv")
    m = monthly_usage(u).set_index("team")
    support = m.loc["proj_support"]
    assert support["days"] == 14 and support["top_model"] == "gpt-5-mini-2025-08-07"
    assert (support["first_date"], support["last_date"]) == (pd.Timestamp("2026-11-01"), pd.Timestamp("2026-11-14"))
    inputs, output = 2_984e6, 420.4e6  # from test_openai_csv_input_tokens_include_cached_ones
    assert support["input_share"] == pytest.approx(inputs / (inputs + output))
    assert support["cached_share"] == pytest.approx(14 * 80e6 / inputs)
    assert np.isnan(support["recorded_usd"])
    teams = teams_from_usage(u).set_index("team")
    assert teams.loc["proj_support", "tokens_per_month"] == pytest.approx((inputs + output) * 30 / 14)  # November
    assert teams.loc["proj_legacy", "api_model"] == "GPT-4.1" and teams.loc["proj_support", "api_model"] == "GPT-5 mini"
    litellm = monthly_usage(read_usage(USAGE / "litellm_spend_logs.csv")).set_index("team")
    assert litellm.loc["team-support", "recorded_usd"] == pytest.approx(5 * 0.03015 + 10 * 0.0279)
    assert litellm.loc["team-research", "input_tokens_per_request"] == (4 * 20_000 + 250_000) / 5
    anthropic = teams_from_usage(read_usage(USAGE / "anthropic_usage_report.json")).set_index("team")
    assert pd.isna(anthropic.loc["wrkspc_agents", "input_tokens_per_request"])  # no request count


REQUEST = st.fixed_dictionaries({
    "prompt": st.integers(0, 300_000), "read_share": st.sampled_from([0, 0.25, 0.5]),
    "write_share": st.sampled_from([0, 0.5]), "write_1h_share": st.sampled_from([0, 0.5, 1]),
    "completion": st.integers(0, 5_000), "day": st.integers(1, 3), "team": st.sampled_from(["a", "b", ""]),
    "model": st.sampled_from(["gpt-5", "anthropic/claude-sonnet-4-5"]), "spend_units": st.none() | st.integers(0, 99),
})


def _spend_log_csv(path, requests):
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(LITELLM_HEADER.strip().split(","))
        for r in requests:
            read = int(r["prompt"] * r["read_share"])
            write = int((r["prompt"] - read) * r["write_share"])
            usage = {"cache_read_input_tokens": read, "cache_creation_input_tokens": write, "prompt_tokens_details": {
                "cache_creation_token_details": {"ephemeral_1h_input_tokens": int(write * r["write_1h_share"])}}}
            writer.writerow([r["prompt"], r["completion"], f"2026-11-0{r['day']}T12:00:00Z", r["model"], r["team"],
                             json.dumps({"usage_object": usage}),
                             "" if r["spend_units"] is None else r["spend_units"] / 64])
    return path


@settings(max_examples=8, deadline=None)
@given(st.lists(REQUEST, min_size=2, max_size=12), st.data())
def test_rolling_up_two_halves_and_summing_equals_rolling_up_the_whole(tmp_path_factory, requests, data):
    """The roll-up is a sum: any split of a file adds back up, and it neither creates nor loses a token."""
    split = data.draw(st.integers(1, len(requests) - 1))
    folder = tmp_path_factory.mktemp("halves")
    whole = read_usage(_spend_log_csv(folder / "whole.csv", requests))
    halves = pd.concat([read_usage(_spend_log_csv(folder / "first.csv", requests[:split])),
                        read_usage(_spend_log_csv(folder / "second.csv", requests[split:]))])
    keys = ["date", "team", "provider", "model", "input_band_tokens"]
    summed = (halves.groupby(keys, as_index=False).agg(
        {c: (lambda s: s.sum(min_count=1)) for c in VALUES}))[NORMALISED_COLUMNS]
    pd.testing.assert_frame_equal(summed.sort_values(keys, ignore_index=True), whole)
    assert whole["requests"].sum() == len(requests)
    assert whole[["input_uncached_tokens", "input_cache_read_tokens", "input_cache_write_tokens"]].sum().sum() \
        == sum(r["prompt"] for r in requests)
    assert whole["output_tokens"].sum() == sum(r["completion"] for r in requests)
