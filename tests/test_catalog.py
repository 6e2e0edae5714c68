"""Catalogs: every committed file validates; malformed files fail naming file, row and column."""

import pandas as pd
import pytest

import tokenomics as tk
from tokenomics import pricefeed
from tokenomics.catalog import DATA_DIR, SCHEMAS, CatalogError, load_catalog

HEADER = ("provider,model,input_usd_per_mtok,cached_input_usd_per_mtok,output_usd_per_mtok,"
          "batch_discount_share,context_tokens,as_of,source\n")
GOOD = "OpenAI,GPT-4.1,2,0.5,8,0.5,1000000,2025-05-07,price page\n"


def test_committed_catalogs_validate_and_are_dated_and_sourced():
    counts = tk.validate_all()
    assert set(counts) == set(SCHEMAS) and all(counts.values())
    for name in SCHEMAS:
        df = load_catalog(name)
        assert df["as_of"].notna().all() and (df["source"].str.len() > 3).all(), name


def test_article_rows_are_all_eleven_of_its_table():
    article = tk.load_api_prices().query("price_basis == 'article'")
    assert len(article) == 11 and (article["as_of"] == pd.Timestamp("2025-05-07")).all()


def test_generated_price_files_are_what_genai_prices_generates_byte_for_byte(tmp_path):
    for path in pricefeed.write_api_prices(tmp_path):
        assert path.read_bytes() == (DATA_DIR / path.name).read_bytes(), f"{path.name}: run make prices"


def test_the_list_catalog_is_the_whole_market():
    listed = tk.load_api_prices().query("price_basis == 'list'")
    models = listed.drop_duplicates(["provider_id", "provider_model_id"])
    assert len(models) >= 300 and listed["provider_id"].nunique() >= 25
    assert (listed["as_of"] == pd.Timestamp(pricefeed.GENAI_PRICES_RELEASES["0.2.3"])).all()
    assert listed["source"].str.startswith("genai-prices 0.2.3 (package index release 2026-11-10)").all()
    assert listed["valid_from"].notna().sum() > 100  # start-dated price periods kept as rows
    assert set(listed["open_model"]) - {""} <= set(pricefeed.OPEN_MODEL_PATTERNS)


@pytest.mark.parametrize("provider_id, model_id, column, value", [
    ("anthropic", "claude-sonnet-4-5", "cache_write_5m_usd_per_mtok", 3.75),  # Anthropic's cache_write_mtok
    ("anthropic", "claude-sonnet-4-5", "cache_write_1h_usd_per_mtok", 6.0),
    ("openai", "gpt-4.1", "cached_input_usd_per_mtok", 0.5),
    ("deepseek", "deepseek-chat", "input_usd_per_mtok", 0.27),  # in force 00:30-16:30 UTC, 16 h a day
    ("together", "meta-llama/Llama-3.3-70B-Instruct-Turbo", "input_usd_per_mtok", 0.88),
])
def test_list_rows_carry_genai_prices_values(provider_id, model_id, column, value):
    rows = tk.load_api_prices().query("provider_id == @provider_id and provider_model_id == @model_id")
    assert rows.sort_values("valid_from", na_position="first").iloc[-1][column] == value


def test_price_periods_time_of_day_batch_and_tiers_are_kept():
    prices = tk.load_api_prices().set_index(["provider_id", "provider_model_id"])
    # genai-prices starts Claude Sonnet 4.5's batch price on 2026-10-14: two periods, the discount only in the second
    sonnet = prices.loc[("anthropic", "claude-sonnet-4-5")].sort_values("valid_from", na_position="first")
    assert list(sonnet["valid_from"].dt.strftime("%Y-%m-%d").fillna("")) == ["", "2026-10-14"]
    assert sonnet["batch_discount_share"].isna().tolist() == [True, False]
    assert sonnet["batch_discount_share"].iloc[1] == 0.5
    # GPT-4.1's batch variant halves input and output but leaves cache reads: batch prices stated per key
    gpt41 = tk.load_api_price_tiers().query("provider_model_id == 'gpt-4.1' and processing == 'batch'")
    assert gpt41[["input_usd_per_mtok", "cached_input_usd_per_mtok", "output_usd_per_mtok"]].values.tolist() == [
        [1.0, 0.5, 4.0]]
    # DeepSeek's off-peak price is named in notes, not priced
    assert "$0.135 in / $0.55 out from 16:30 to 00:30 UTC" in prices.loc[("deepseek", "deepseek-chat"), "notes"]
    tiers = tk.load_api_price_tiers().query("provider_model_id == 'claude-sonnet-4-5' and provider_id == 'anthropic'")
    standard = tiers.query("processing == 'standard'")
    assert standard[["above_input_tokens", "input_usd_per_mtok", "output_usd_per_mtok"]].values.tolist() == [
        [200000, 6.0, 22.5], [200000, 6.0, 22.5]]  # in both price periods
    two = tk.load_api_price_tiers().groupby(["provider_id", "provider_model_id", "valid_from", "processing"],
                                            dropna=False).size()
    assert two.max() >= 2  # some models have more than one tier, each kept
    # Gemini 2.5 Flash's batch halves input and output but not cache reads: explicit batch prices
    flash = tk.load_api_price_tiers().query("provider_model_id == 'gemini-2.5-flash' and processing == 'batch'")
    assert flash[["input_usd_per_mtok", "cached_input_usd_per_mtok", "output_usd_per_mtok"]].values.tolist() == [
        [0.15, 0.03, 1.25]]


@pytest.mark.parametrize("model_id, open_model", [
    ("meta-llama/Llama-3.3-70B-Instruct-Turbo", "Llama 3.3 70B"), ("llama-v3p1-8b-instruct", "Llama 3.1 8B"),
    ("meta.llama3-3-70b-instruct-v1:0", "Llama 3.3 70B"), ("openai/gpt-oss-120b", "gpt-oss-120b"),
    ("Qwen/Qwen3-235B-A22B-Instruct-2507", "Qwen3-235B-A22B-Instruct-2507"), ("qwen/qwen3-235b-a22b", "Qwen3-235B-A22B"),
    ("Qwen/Qwen3-235B-A22B-Thinking-2507", ""), ("deepseek-ai/DeepSeek-R1-Distill-Llama-70B", ""),
    ("deepseek/deepseek-chat-v3-0324", "DeepSeek V3"), ("moonshotai/Kimi-K2-Instruct-0905", "Kimi K2"),
    ("zai-org/GLM-4.5-Air-FP8", "GLM-4.5-Air"), ("nvidia/llama-3.3-nemotron-super-49b-v1.5", ""),
])
def test_open_weights_mapping(model_id, open_model):
    assert pricefeed.open_model(model_id) == open_model


def test_skipped_models_say_why():
    from genai_prices import data_snapshot

    models = {(p.id, m.id): m for p in data_snapshot.get_snapshot().providers for m in p.models}
    assert "per character" in pricefeed.skip_reason(models[("openai", "tts-1")])
    assert "not priced per token in both directions" in pricefeed.skip_reason(models[("google", "gemini-embedding-001")])
    assert "not a text-generation model" in pricefeed.skip_reason(models[("openai", "gpt-image-1")])
    assert pricefeed.skip_reason(models[("openai", "gpt-4.1")]) is None


@pytest.mark.parametrize("body, row, column, message", [
    (GOOD + "OpenAI,o1,abc,,60,,200000,2025-05-07,x\n", 2, "input_usd_per_mtok", "expected a number, got 'abc'"),
    (GOOD + "OpenAI,o1,15,,-60,,200000,2025-05-07,x\n", 2, "output_usd_per_mtok", "expected a number >= 0, got '-60'"),
    (GOOD + "OpenAI,o1,15,,60,1.5,200000,2025-05-07,x\n", 2, "batch_discount_share", "between 0 and 1"),
    (GOOD + "OpenAI,o1,15,,60,,200000,7 May 2025,x\n", 2, "as_of", "expected a date YYYY-MM-DD"),
    (GOOD + "OpenAI,o1,15,,60,,200000,2025-05-07,\n", 2, "source", "is empty"),
    (GOOD + "OpenAI,o1,15,,,,200000,2025-05-07,x\n", 2, "output_usd_per_mtok", "empty cell"),
    (GOOD + GOOD, 2, "provider", "duplicate ('provider', 'model', 'price_basis', 'as_of', 'valid_from')"),
    (GOOD + "OpenAI,o1,15,,60\n", 2, None, "expected 9 fields as in the header, found 5"),
])
def test_malformed_price_rows_name_file_row_and_column(write_csv, body, row, column, message):
    path = write_csv("prices.csv", HEADER + body)
    with pytest.raises(CatalogError) as err:
        tk.load_api_prices(path)
    text = str(err.value)
    assert str(path) in text and f"row {row} (line {row + 1} of the file)" in text and message in text
    if column:
        assert f"column {column!r}" in text


LIST_HEADER = HEADER.replace("source\n", "source,price_basis,provider_id,provider_model_id,valid_from\n")


@pytest.mark.parametrize("row_text, column, message", [
    ("OpenAI,GPT-4.1,2,0.5,8,0.5,1000000,2026-11-10,x,list,,gpt-4.1,\n", "provider_id", "a list price needs"),
    ("OpenAI,GPT-4.1,2,0.5,8,0.5,1000000,2026-11-10,x,list,openai,gpt-4.1,14 Oct\n", "valid_from",
     "expected a date YYYY-MM-DD or an empty cell, got '14 Oct'"),
    ("OpenAI,GPT-4.1,2,0.5,8,0.5,1000000,2026-11-10,x,lst,openai,gpt-4.1,\n", "price_basis",
     "expected one of ['list', 'article'], got 'lst'"),
    ("OpenAI,GPT-4.1,2,0.5,8,0.5,1e6.5,2026-11-10,x,list,openai,gpt-4.1,\n", "context_tokens", "expected a number"),
])
def test_malformed_generated_rows_name_row_and_column(write_csv, row_text, column, message):
    path = write_csv("api_list_prices.csv", LIST_HEADER + row_text)
    with pytest.raises(CatalogError) as err:
        load_catalog("api_list_prices.csv", path)
    assert "row 1 (line 2 of the file)" in str(err.value) and f"column {column!r}" in str(err.value)
    assert message in str(err.value)


TIER_HEADER = ",".join(pricefeed.TIER_COLUMNS) + "\n"


@pytest.mark.parametrize("tier_row, column, message", [
    ("openai,gpt-4.1,,standard,0,4,,,,16,2026-11-10,x\n", "above_input_tokens", "starts above 0 input tokens"),
    ("openai,gpt-9,,standard,200000,4,,,,16,2026-11-10,x\n", "provider_model_id", "no price row"),
    ("openai,gpt-4.1,,flex,200000,4,,,,16,2026-11-10,x\n", "processing", "expected one of ['standard', 'batch']"),
])
def test_malformed_tier_rows_name_row_and_column(write_csv, tier_row, column, message):
    write_csv("api_list_prices.csv", LIST_HEADER + "OpenAI,GPT-4.1,2,0.5,8,,1000000,2026-11-10,x,list,openai,gpt-4.1,\n")
    path = write_csv("api_price_tiers.csv", TIER_HEADER + tier_row)
    with pytest.raises(CatalogError) as err:
        load_catalog("api_price_tiers.csv", path)
    assert "row 1 (line 2 of the file)" in str(err.value) and f"column {column!r}" in str(err.value)
    assert message in str(err.value)


def test_missing_column_is_named(write_csv):
    path = write_csv("prices.csv", HEADER.replace("output_usd_per_mtok,", "") + "OpenAI,x,2,,,1,2025-05-07,s\n")
    with pytest.raises(CatalogError, match=r"missing column\(s\) \['output_usd_per_mtok'\]"):
        tk.load_api_prices(path)


def test_empty_and_absent_files(write_csv, tmp_path):
    with pytest.raises(CatalogError, match="file is empty"):
        tk.load_api_prices(write_csv("empty.csv", ""))
    with pytest.raises(CatalogError, match="file not found"):
        tk.load_api_prices(tmp_path / "nope.csv")


def test_workload_shares_must_add_up(write_csv):
    path = write_csv("w.csv", "workload,input_share,cached_share,output_share,input_tokens_per_request,"
                              "output_tokens_per_request,as_of,source\nchat,0.8,0,0.3,100,20,2024-01-01,trace\n")
    with pytest.raises(CatalogError, match="row 1 .*column 'output_share': input_share \\+ output_share must be 1"):
        tk.load_workloads(path)


def test_duplicate_key_ignores_nothing_else(write_csv):
    # same provider/model/as_of is allowed when one row is the article's and the other the list price
    path = write_csv("prices.csv", HEADER.replace("source\n", "source,price_basis\n")
                     + GOOD.replace("\n", ",article\n") + GOOD.replace("\n", ",list\n"))
    assert len(tk.load_api_prices(path)) == 2
