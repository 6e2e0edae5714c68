"""Renting: hand-worked blended prices, the article's table to the cent, as_of, batch, bad input, laws."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tokenomics as tk
from tokenomics import claims, renting

def _article_table() -> dict[str, list[tuple[float, str]]]:
    """The article's monthly-cost table as printed, from data/article_claims.csv: model -> [(tokens, "$19.50")]."""
    claims = tk.load_article_claims()
    rows = claims[claims["section"] == "monthly cost table"]
    table = {}
    for r in rows.itertuples():
        fields = dict(part.split("=", 1) for part in r.notes.split("; "))
        printed = r.quote.rsplit(": ", 1)[1]
        table.setdefault(fields["model"], []).append((float(fields["tokens_per_month"]), printed))
    return table


ARTICLE_TABLE = _article_table()


def test_blended_price_by_hand():
    assert tk.blended_price(2, 8, 0.25) == pytest.approx(6.5)  # 0.25*2 + 0.75*8
    # 90 % input, half of it cached at $0.30: 0.9*(0.5*3 + 0.5*0.3) + 0.1*15 = 2.985
    assert tk.blended_price(3, 15, 0.9, 0.5, 0.3) == pytest.approx(2.985)
    # no cached price given: cached tokens cost as much as other input
    assert tk.blended_price(3, 15, 0.9, 0.5) == pytest.approx(0.9 * 3 + 1.5)


def test_the_article_table_is_read_whole():
    assert {m: len(v) for m, v in ARTICLE_TABLE.items()} == {"GPT-4.1": 4, "Claude 3.7 Sonnet": 4,
                                                              "Gemini 2.5 Flash": 4}


@pytest.mark.parametrize("model", list(ARTICLE_TABLE))
def test_article_table_to_the_cent(model):
    volumes, printed = zip(*ARTICLE_TABLE[model])
    got = tk.monthly_api_cost(model, np.array(volumes), 0.25, as_of=claims.article_date(), basis="article")
    assert [tk.format_usd(x) for x in got] == list(printed)


def test_cheapest_by_tier_by_hand():
    # three models on one benchmark: A scores 90 at $10/$30, B 80 at $1/$4 (cache reads $0.10), C 60 at $0.1/$0.4
    prices = pd.DataFrame({
        "provider": ["P", "P", "Q"], "model": ["A", "B", "C"], "input_usd_per_mtok": [10.0, 1.0, 0.1],
        "cached_input_usd_per_mtok": [np.nan, 0.1, np.nan], "output_usd_per_mtok": [30.0, 4.0, 0.4],
        "price_basis": "list", "deprecated": "", "valid_from": pd.NaT, "as_of": pd.Timestamp("2026-11-01"),
        "first_party": "yes", "open_model": "", "provider_model_id": ["a", "b", "c"]})
    scores = pd.DataFrame({"reasoning": [90.0, 80.0, 60.0]}, index=pd.Index(["A", "B", "C"], name="model"))
    mixes = pd.DataFrame({"workload": ["plain", "cached"], "input_share": [0.5, 0.8], "cached_share": [0.0, 0.5]})
    got = renting.cheapest_by_tier("reasoning", [85, 75, 50, 95], mixes, prices=prices, scores=scores)
    table = got.set_index(["min_score", "workload"])
    assert table.loc[(85, "plain"), "model"] == "A" and table.loc[(85, "plain"), "usd_per_mtok"] == pytest.approx(20)
    # tier >= 75: B, 0.8 x (0.5 x 1 + 0.5 x 0.1) + 0.2 x 4 = 1.24
    assert table.loc[(75, "cached"), "model"] == "B" and table.loc[(75, "cached"), "usd_per_mtok"] == pytest.approx(1.24)
    assert table.loc[(50, "plain"), "model"] == "C" and table.loc[(50, "plain"), "usd_per_mtok"] == pytest.approx(0.25)
    assert table.loc[(95, "plain"), "model"] == "" and np.isnan(table.loc[(95, "plain"), "usd_per_mtok"])


def test_round_cents_rounds_halves_up():
    assert str(tk.round_cents(14.625)) == "14.63"  # round(14.625, 2) would give 14.62
    assert str(tk.round_cents(0.004999)) == "0.00"


def test_as_of_picks_the_price_period_in_force():
    # Gemini 4 Argon: $2 / $10 from launch, $4 / $20 from 2026-12-01 (genai-prices start date)
    before = tk.api_price("Gemini 4 Argon", "2026-11-30", basis="list")
    after = tk.api_price("Gemini 4 Argon", "2026-12-01", basis="list")
    assert (before["input_usd_per_mtok"], before["output_usd_per_mtok"]) == (2.0, 10.0)
    assert (after["input_usd_per_mtok"], after["output_usd_per_mtok"]) == (4.0, 20.0)
    # None: in force on the date the catalog was read (the genai-prices release, 2026-11-10)
    assert tk.api_price("gemini 4 argon")["input_usd_per_mtok"] == 2.0  # names case-insensitive
    # a price without a start date is in force from launch: any earlier date gets it
    assert tk.api_price("Gemini 4 Argon", "2024-01-01", basis="list")["input_usd_per_mtok"] == 2.0
    with pytest.raises(ValueError, match="no article price for 'GPT-4.1' of OpenAI on or before 2024-01-01"):
        tk.api_price("GPT-4.1", "2024-01-01", basis="article")


def test_article_vs_list_compares_what_the_article_priced():
    got = tk.article_vs_list("2025-05-07").set_index("model")
    assert len(got) == 11
    # on the article's date "Gemini 2.5 Flash" was the 04-17 preview, at the article's $0.15 / $0.60
    assert got.loc["Gemini 2.5 Flash", ["list_input", "list_output", "list_model_id", "verdict"]].tolist() == [
        0.15, 0.6, "gemini-2.5-flash-preview", "same"]
    assert got.loc["Claude 3.5 Haiku", "verdict"] == "differs"  # cut to $0.80 / $4 before the article
    assert got.loc["Gemini 2.5 Flash (thinking)", "verdict"] == "no list price held"


def test_article_and_list_prices_differ_where_the_article_is_stale():
    assert tk.monthly_api_cost("Claude 3.5 Haiku", 1e6, 0.5, as_of="2025-05-07", basis="article") == pytest.approx(3.0)
    assert tk.monthly_api_cost("Claude 3.5 Haiku", 1e6, 0.5, as_of="2025-05-07", basis="list") == pytest.approx(2.4)


def test_batch_discount_and_cached_input():
    full = tk.monthly_api_cost("GPT-4.1", 10e6, 0.8, as_of="2026-11-28")
    assert full == pytest.approx(10 * (0.8 * 2 + 0.2 * 8))
    # GPT-4.1's batch prices (genai-prices, from 2026-10-14): input $1, output $4, cache reads stay $0.50
    assert tk.monthly_api_cost("GPT-4.1", 10e6, 0.8, batch=True, as_of="2026-11-28") == pytest.approx(full / 2)
    assert tk.monthly_api_cost("GPT-4.1", 10e6, 0.8, cached_share=0.5, batch=True, as_of="2026-11-28") == \
        pytest.approx(10 * (0.8 * (0.5 * 1 + 0.5 * 0.5) + 0.2 * 4))
    # Claude Sonnet 4.5: one batch discount of 50 % on every price
    sonnet = tk.monthly_api_cost("Claude Sonnet 4.5", 10e6, 0.8, as_of="2026-11-28")
    assert tk.monthly_api_cost("Claude Sonnet 4.5", 10e6, 0.8, batch=True, as_of="2026-11-28") == pytest.approx(
        sonnet / 2)
    cached = tk.monthly_api_cost("GPT-4.1", 10e6, 0.8, cached_share=0.5, as_of="2026-11-28")
    assert cached == pytest.approx(10 * (0.8 * (0.5 * 2 + 0.5 * 0.5) + 0.2 * 8))
    with pytest.raises(ValueError, match="states no batch discount"):
        tk.monthly_api_cost("GPT-4.1", 1e6, 0.25, batch=True, as_of="2025-05-07", basis="article")
    with pytest.raises(ValueError, match="states no batch discount"):
        tk.monthly_api_cost("GPT-4.1", 1e6, 0.25, batch=True, as_of="2026-10-13")  # before genai-prices' batch price
    with pytest.raises(ValueError, match="states no cached-input price"):
        tk.monthly_api_cost("GPT-4.1", 1e6, 0.25, cached_share=0.5, basis="article")


def test_cache_writes_and_provider():
    # Claude 3.7 Sonnet: input $3, cache read $0.30, 5-minute write $3.75, output $15
    # 1M tokens, 90 % input; of the input 50 % read, 10 % written: 0.9*(0.4*3 + 0.5*0.3 + 0.1*3.75) + 0.1*15
    got = tk.monthly_api_cost("Claude 3.7 Sonnet", 1e6, 0.9, cached_share=0.5, cache_write_share=0.1)
    assert got == pytest.approx(0.9 * (0.4 * 3 + 0.5 * 0.3 + 0.1 * 3.75) + 0.1 * 15)
    with pytest.raises(ValueError, match="states no cache-write price"):
        tk.monthly_api_cost("GPT-4.1", 1e6, 0.9, cache_write_share=0.1)
    with pytest.raises(ValueError, match=r"cached_share \+ cache_write_share must be <= 1"):
        tk.monthly_api_cost("Claude 3.7 Sonnet", 1e6, 0.9, cached_share=0.8, cache_write_share=0.3)
    # the same open model at two hosts: Together's Turbo at $0.88 in and out
    assert tk.monthly_api_cost("Llama 3.3 70B", 1e6, 0.5, provider="together_ai") == pytest.approx(0.88)
    assert tk.api_price("Llama 3.3 70B", provider="Groq")["provider_model_id"] in (
        "llama-3.3-70b-versatile", "llama-3.3-70b-specdec")


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
    with pytest.raises(KeyError, match="closest: 'gpt-4.1'"):
        tk.monthly_api_cost("gpt4.1", 1e6, 0.5)
    with pytest.raises(KeyError, match="Claude 3.7 Sonnet"):
        tk.api_price("Claude Sonnet 3.7")


@pytest.mark.parametrize("written, provider, model", [
    ("GPT-4.1", "OpenAI", "GPT-4.1"), ("GPT-5", "OpenAI", "GPT-5"),
    ("Claude Sonnet 4.5", "Anthropic", "Claude Sonnet 4.5"), ("Gemini 2.5 Pro", "Google", "Gemini 2.5 Pro"),
    ("gpt-4.1-2025-04-14", "OpenAI", "GPT-4.1"), ("claude-sonnet-4-5-20250929", "Anthropic", "Claude Sonnet 4.5"),
    ("models/gemini-2.5-pro", "Google", "Gemini 2.5 Pro"), ("openai/gpt-5", "OpenAI", "GPT-5"),
    ("anthropic/claude-haiku-4-5", "Anthropic", "Claude Haiku 4.5"), ("gemini/gemini-2.5-flash", "Google", "Gemini 2.5 Flash"),
    ("vertex_ai/gemini-2.5-pro", "Google", "Gemini 2.5 Pro"),
    ("bedrock/anthropic.claude-3-7-sonnet-20250219-v1:0", "AWS Bedrock", "Claude 3.7 Sonnet"),
    ("azure/gpt-4.1", "OpenAI", "GPT-4.1"),  # genai-prices prices Azure's GPT-4.1 from OpenAI's list
    ("together_ai/openai/gpt-oss-120b", "Together AI", "gpt-oss-120b"), ("groq/openai/gpt-oss-120b", "Groq", "gpt-oss-120b"),
    ("openrouter/anthropic/claude-3.7-sonnet", "OpenRouter", "Claude 3.7 Sonnet"),
    ("DeepSeek R1", "Deepseek", "DeepSeek R1"),  # sold by many hosts; the maker's own API first
    ("Gemini 2.5 Flash (thinking)", "Google", "Gemini 2.5 Flash (thinking)"),  # the article's name
])
def test_names_as_users_write_them(written, provider, model):
    assert tk.resolve_api_model(written) == (provider, model)


@pytest.mark.parametrize("name", ["GPT-4.1", "GPT-4.1 mini", "GPT-4.1 nano", "o3-mini", "o1", "Claude 3.7 Sonnet",
                                  "Claude 3.5 Haiku", "Claude 3 Haiku", "Gemini 2.5 Flash",
                                  "Gemini 2.5 Flash (thinking)", "Gemini 2.0 Flash"])
def test_the_articles_names_keep_working(name):
    assert tk.api_price(name, "2025-05-07", basis="article")["model"] == name
    assert tk.resolve_api_model(name)[1] == name


def test_ambiguous_and_unknown_names_never_default():
    with pytest.raises(KeyError, match=r"'Llama 3.3 70B' is ambiguous: sold by .*Groq.*Together AI"):
        tk.resolve_api_model("Llama 3.3 70B")
    with pytest.raises(KeyError, match="not sold by 'Anthropic'"):
        tk.resolve_api_model("GPT-4.1", provider="anthropic")
    with pytest.raises(KeyError, match="unknown provider 'acme'"):
        tk.resolve_api_model("GPT-4.1", provider="acme")
    with pytest.raises(KeyError, match="unknown API model 'openai/gpt-99'"):
        tk.resolve_api_model("openai/gpt-99")
    with pytest.raises(KeyError, match="does not list"):  # genai-prices knows it, but it is an embedding model
        tk.resolve_api_model("gemini-embedding-001", provider="google")


def test_api_models_lists_current_first_party_models():
    models = tk.api_models()
    assert {"GPT-4.1", "GPT-5", "Claude Sonnet 4.5", "Gemini 2.5 Pro"} <= set(models) and len(models) < 400
    assert "Llama 3.3 70B" not in models and "Gemini 2.0 Flash" not in models  # a host's; deprecated
    assert all(tk.resolve_api_model(m) for m in models)  # each resolves alone, at its maker
    whole = tk.api_models(whole=True)
    assert {"Llama 3.3 70B", "Gemini 2.5 Flash (thinking)"} <= set(whole) and len(whole) > 1000


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


def test_prompt_caching_by_hand_five_minutes_against_one_hour():
    # Claude Sonnet 4.5: input $3, cache read $0.30, 5-minute write $3.75, 1-hour write $6 per M tokens.
    # 20 calls of a 100k-token prefix: 2 min apart, the 5-minute entry stays warm: 3.75 + 19 x 0.30 = $9.45 per M
    # prefix tokens -> $0.945; 10 min apart it expires each time: 20 x 3.75 -> $7.50, dearer than no cache ($6).
    # The 1-hour entry survives 10-minute gaps: 6 + 19 x 0.30 = $11.70 per M -> $1.17.
    five = tk.renting.prompt_cache_usd("Claude Sonnet 4.5", 100_000, 20, np.array([2.0, 10.0]), "5m")
    hour = tk.renting.prompt_cache_usd("Claude Sonnet 4.5", 100_000, 20, np.array([2.0, 10.0]), "1h")
    assert five["cached_usd"] == pytest.approx([0.945, 7.5]) and five["uncached_usd"] == pytest.approx([6.0, 6.0])
    assert hour["cached_usd"] == pytest.approx([1.17, 1.17])
    with pytest.raises(ValueError, match="ttl must be one of"):
        tk.renting.prompt_cache_usd("Claude Sonnet 4.5", 1, 1, 1, "1d")


@given(st.integers(2, 200), st.floats(0.0, 4.9))
def test_a_warm_cache_never_costs_more_than_writing_every_call(calls, gap):
    r = tk.renting.prompt_cache_usd("Claude Sonnet 4.5", 50_000, calls, gap, "5m")
    cold = tk.renting.prompt_cache_usd("Claude Sonnet 4.5", 50_000, calls, 6.0, "5m")
    assert r["cached_usd"] <= cold["cached_usd"]


def test_a_price_copied_from_another_providers_listing_is_not_an_offer():
    from types import SimpleNamespace

    from tokenomics.pricefeed import IMPORTED_NOTE, imported_price
    from tokenomics.renting import current_list_prices
    # genai-prices lists gpt-oss under OpenAI with OpenRouter's price ("Imported from OpenRouter pricing; verify
    # against OpenAI pricing when native API pricing is published"): OpenAI does not sell it
    copied = "Imported from OpenRouter pricing; verify against OpenAI pricing when native API pricing is published."
    assert imported_price(SimpleNamespace(price_comments=copied))
    assert not imported_price(SimpleNamespace(price_comments=copied + " Verified against OpenAI on 2026-10-15."))
    assert not imported_price(SimpleNamespace(price_comments=None))
    catalog = tk.load_api_prices()
    openai_oss = catalog[(catalog["provider"] == "OpenAI") & (catalog["model"] == "gpt-oss-120b")]
    assert len(openai_oss) == 1 and IMPORTED_NOTE in openai_oss["notes"].iloc[0]  # still prices a usage export
    offers = current_list_prices()
    assert not ((offers["provider"] == "OpenAI") & (offers["model"] == "gpt-oss-120b")).any()
    assert ((offers["provider"] == "Groq") & (offers["quality_name"] == "gpt-oss-120b")).any()  # hosts still sell it
