"""Catalogs: every committed file validates; malformed files fail naming file, row and column."""

import pandas as pd
import pytest

import tokenomics as tk
from tokenomics.catalog import SCHEMAS, CatalogError, load_catalog
from tokenomics.pricefeed import list_price_rows

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


def test_list_rows_are_what_genai_prices_generates():
    prices = tk.load_api_prices().query("price_basis == 'list'")
    dates = sorted(prices["as_of"].dt.strftime("%Y-%m-%d").unique())
    regenerated = pd.DataFrame(list_price_rows(dates))
    got = prices[["model", "input_usd_per_mtok", "output_usd_per_mtok"]].reset_index(drop=True)
    want = regenerated[["model", "input_usd_per_mtok", "output_usd_per_mtok"]].astype(
        {"input_usd_per_mtok": float, "output_usd_per_mtok": float})
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


@pytest.mark.parametrize("body, row, column, message", [
    (GOOD + "OpenAI,o1,abc,,60,,200000,2025-05-07,x\n", 2, "input_usd_per_mtok", "expected a number, got 'abc'"),
    (GOOD + "OpenAI,o1,15,,-60,,200000,2025-05-07,x\n", 2, "output_usd_per_mtok", "expected a number >= 0, got '-60'"),
    (GOOD + "OpenAI,o1,15,,60,1.5,200000,2025-05-07,x\n", 2, "batch_discount_share", "between 0 and 1"),
    (GOOD + "OpenAI,o1,15,,60,,200000,7 May 2025,x\n", 2, "as_of", "expected a date YYYY-MM-DD"),
    (GOOD + "OpenAI,o1,15,,60,,200000,2025-05-07,\n", 2, "source", "is empty"),
    (GOOD + "OpenAI,o1,15,,,,200000,2025-05-07,x\n", 2, "output_usd_per_mtok", "empty cell"),
    (GOOD + GOOD, 2, "provider", "duplicate ('provider', 'model', 'as_of', 'price_basis')"),
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
