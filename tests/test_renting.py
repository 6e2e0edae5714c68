"""Renting: hand-worked blended prices, the article's table to the cent, as_of, batch, bad input, laws."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tokenomics as tk

ARTICLE_TABLE = {  # the article's monthly-cost table, as printed
    "GPT-4.1": ["$19.50", "$195.00", "$1,950.00", "$19,500.00"],
    "Claude 3.7 Sonnet": ["$36.00", "$360.00", "$3,600.00", "$36,000.00"],
    "Gemini 2.5 Flash": ["$1.46", "$14.63", "$146.25", "$1,462.50"],
}


def test_blended_price_by_hand():
    assert tk.blended_price(2, 8, 0.25) == pytest.approx(6.5)  # 0.25*2 + 0.75*8
    # 90 % input, half of it cached at $0.30: 0.9*(0.5*3 + 0.5*0.3) + 0.1*15 = 2.985
    assert tk.blended_price(3, 15, 0.9, 0.5, 0.3) == pytest.approx(2.985)
    # no cached price given: cached tokens cost as much as other input
    assert tk.blended_price(3, 15, 0.9, 0.5) == pytest.approx(0.9 * 3 + 1.5)


@pytest.mark.parametrize("model", list(ARTICLE_TABLE))
def test_article_table_to_the_cent(model):
    got = tk.monthly_api_cost(model, np.array([3e6, 30e6, 300e6, 3e9]), 0.25, as_of="2025-05-07", basis="article")
    assert [tk.format_usd(x) for x in got] == ARTICLE_TABLE[model]


def test_round_cents_rounds_halves_up():
    assert str(tk.round_cents(14.625)) == "14.63"  # round(14.625, 2) would give 14.62
    assert str(tk.round_cents(0.004999)) == "0.00"


def test_as_of_picks_latest_price_at_or_before():
    mid = tk.api_price("Gemini 2.5 Flash", "2026-01-01", basis="list")
    assert (mid["input_usd_per_mtok"], mid["output_usd_per_mtok"]) == (0.15, 0.6)
    assert mid["as_of"].strftime("%Y-%m-%d") == "2025-05-07"
    now = tk.api_price("Gemini 2.5 Flash", "2026-11-28", basis="list")
    assert (now["input_usd_per_mtok"], now["output_usd_per_mtok"]) == (0.3, 2.5)
    assert tk.api_price("gemini 2.5 flash")["as_of"] == now["as_of"]  # None: latest; names case-insensitive
    with pytest.raises(ValueError, match="no list price for 'Gemini 2.5 Flash' on or before 2024-01-01"):
        tk.api_price("Gemini 2.5 Flash", "2024-01-01", basis="list")


def test_article_and_list_prices_differ_where_the_article_is_stale():
    assert tk.monthly_api_cost("Claude 3.5 Haiku", 1e6, 0.5, as_of="2025-05-07", basis="article") == pytest.approx(3.0)
    assert tk.monthly_api_cost("Claude 3.5 Haiku", 1e6, 0.5, as_of="2025-05-07", basis="list") == pytest.approx(2.4)


def test_batch_discount_and_cached_input():
    full = tk.monthly_api_cost("GPT-4.1", 10e6, 0.8, as_of="2026-11-28")
    assert full == pytest.approx(10 * (0.8 * 2 + 0.2 * 8))
    assert tk.monthly_api_cost("GPT-4.1", 10e6, 0.8, batch=True, as_of="2026-11-28") == pytest.approx(full / 2)
    cached = tk.monthly_api_cost("GPT-4.1", 10e6, 0.8, cached_share=0.5, as_of="2026-11-28")
    assert cached == pytest.approx(10 * (0.8 * (0.5 * 2 + 0.5 * 0.5) + 0.2 * 8))
    with pytest.raises(ValueError, match="states no batch discount"):
        tk.monthly_api_cost("GPT-4.1", 1e6, 0.25, batch=True, as_of="2025-05-07", basis="article")
    with pytest.raises(ValueError, match="states no cached-input price"):
        tk.monthly_api_cost("GPT-4.1", 1e6, 0.25, cached_share=0.5, basis="article")


def test_broadcasting():
    tokens = np.array([1e6, 2e6, 3e6])[:, None]
    shares = np.array([0.25, 0.5])[None, :]
    got = tk.monthly_api_cost("GPT-4.1", tokens, shares, as_of="2026-11-28")
    assert got.shape == (3, 2)
    assert got[2, 1] == pytest.approx(3 * (0.5 * 2 + 0.5 * 8))
    assert isinstance(tk.monthly_api_cost("GPT-4.1", 1e6, 0.5), float)


@pytest.mark.parametrize("kwargs, message", [
    (dict(tokens_per_month=-1.0, input_share=0.5), "tokens_per_month must be >= 0, got -1.0"),
    (dict(tokens_per_month=float("nan"), input_share=0.5), "tokens_per_month must not be NaN"),
    (dict(tokens_per_month=1e6, input_share=1.5), "input_share must be <= 1, got 1.5"),
    (dict(tokens_per_month=1e6, input_share=0.5, cached_share=-0.1), "cached_share must be >= 0, got -0.1"),
    (dict(tokens_per_month=[1e6, -5.0], input_share=0.5), "tokens_per_month must be >= 0, got -5.0"),
    (dict(tokens_per_month="lots", input_share=0.5), "tokens_per_month must be a number"),
])
def test_bad_numbers_name_the_parameter(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        tk.monthly_api_cost("GPT-4.1", **kwargs)


def test_unknown_model_lists_close_names():
    with pytest.raises(KeyError, match="closest: 'GPT-4.1'"):
        tk.monthly_api_cost("gpt4.1", 1e6, 0.5)
    with pytest.raises(KeyError, match="Claude 3.7 Sonnet"):
        tk.api_price("Claude Sonnet 3.7")


def test_implied_input_share_of_the_article():
    assert tk.implied_input_share(19.50, 3e6, 2, 8) == pytest.approx(0.25)
    assert tk.implied_input_share(36.0, 3e6, 3, 15) == pytest.approx(0.25)


def test_break_even_closed_form():
    # the article's worked example: 3,000 / ((10 - 0.5) / 1e6) = 315,789,473.7 tokens a month
    assert tk.break_even_tokens(3000, 10, 0.5) == pytest.approx(3000 / 9.5e-6)
    assert tk.break_even_tokens(3000, 0.4, 0.5) == math.inf  # API cheaper per token: owning never pays
    got = tk.break_even_tokens(np.array([1000, 2000]), np.array([[5.0], [1.0]]), 0.0)
    assert got.shape == (2, 2) and got[1, 1] == pytest.approx(2e9)
    with pytest.raises(ValueError, match="fixed_monthly_usd must be >= 0"):
        tk.break_even_tokens(-1, 10, 0.5)


prices = st.floats(0, 100, allow_nan=False)
shares = st.floats(0, 1, allow_nan=False)


@given(prices, prices, prices, shares, shares)
def test_blended_price_lies_between_its_prices(p_in, p_out, p_cached, s_in, s_c):
    got = tk.blended_price(p_in, p_out, s_in, s_c, p_cached)
    lo, hi = min(p_in, p_out, p_cached), max(p_in, p_out, p_cached)
    assert lo - 1e-9 <= got <= hi + 1e-9
    assert min(p_in, p_out) - 1e-9 <= tk.blended_price(p_in, p_out, s_in) <= max(p_in, p_out) + 1e-9


@given(st.floats(0, 1e12), st.floats(0, 1e12), shares, st.sampled_from(tk.api_models()))
def test_cost_grows_with_volume(a, b, s_in, model):
    lo, hi = sorted((a, b))
    assert tk.monthly_api_cost(model, lo, s_in) <= tk.monthly_api_cost(model, hi, s_in)


@given(st.floats(1, 1e6), st.floats(0.01, 100), st.floats(0, 100))
def test_at_break_even_both_sides_cost_the_same(fixed, api, var):
    n = tk.break_even_tokens(fixed, api, var)
    if api <= var:
        assert n == math.inf
    else:
        assert fixed + n * var / 1e6 == pytest.approx(n * api / 1e6, rel=1e-9)
