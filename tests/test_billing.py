"""Billing: usage priced per row equals genai-prices' calc_price; tiers per mean request; gaps and unknowns named."""

import warnings
from datetime import UTC, datetime, time

import numpy as np
import pandas as pd
import pytest
from genai_prices import Usage, calc_price, data_snapshot
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tokenomics as tk


def usage_row(model, provider="", date="2026-11-20", team="t", requests=1.0, uncached=0, read=0, write=0,
              write_1h=0, output=0, **extra):
    return {"date": date, "team": team, "provider": provider, "model": model, "requests": requests,
            "input_uncached_tokens": uncached, "input_cache_read_tokens": read, "input_cache_write_tokens": write,
            "input_cache_write_1h_tokens": write_1h, "output_tokens": output, **extra}


def priced(*rows):
    return tk.price_usage(pd.DataFrame(list(rows)))


def _clause_ref(clause):
    """A model reference genai-prices' own match rule accepts (for entries whose id is not one)."""
    for attr in ("equals", "starts_with", "ends_with", "contains"):
        if hasattr(clause, attr):
            return getattr(clause, attr)
    for inner in getattr(clause, "or_", None) or getattr(clause, "and_", None) or []:
        return _clause_ref(inner)
    return None


def _reference(provider_id, model_id):
    snap = data_snapshot.get_snapshot()
    provider = next(p for p in snap.providers if p.id == provider_id)
    info = next(m for m in provider.models if m.id == model_id)
    for ref in (model_id, _clause_ref(info.match)):
        try:
            snap.find_provider_model(ref, None, provider_id, None)
            return ref
        except LookupError:
            continue
    raise AssertionError(f"genai-prices matches no reference to {provider_id}/{model_id}")


def random_usage(n: int, seed: int = 11) -> pd.DataFrame:
    """n one-request rows: random catalog rows (so every provider and price period), dates inside each
    row's period, token counts past the tier thresholds, cache reads, 5-minute and 1-hour writes."""
    rng = np.random.default_rng(seed)
    listed = tk.load_api_prices().query("price_basis == 'list'").reset_index(drop=True)
    key = listed["provider_id"] + "/" + listed["provider_model_id"]
    ends = listed.assign(key=key).sort_values(["key", "valid_from"], na_position="first").groupby("key")[
        "valid_from"].shift(-1).reindex(listed.index)
    pick = rng.integers(0, len(listed), n)
    lo = listed["valid_from"].fillna(pd.Timestamp("2024-01-01")).to_numpy()[pick]
    hi = ends.fillna(pd.Timestamp("2028-01-01")).to_numpy()[pick]
    days = (rng.random(n) * ((hi - lo) / np.timedelta64(1, "D"))).astype(int)
    writes = rng.integers(0, 100_000, n) * (rng.random(n) < 0.5)
    refs = {k: _reference(*k) for k in set(zip(listed["provider_id"].to_numpy()[pick],
                                                listed["provider_model_id"].to_numpy()[pick]))}
    provider = listed["provider_id"].to_numpy()[pick]
    return pd.DataFrame({
        "date": lo + days * np.timedelta64(1, "D"), "team": "t", "provider": provider,
        "model": [refs[k] for k in zip(provider, listed["provider_model_id"].to_numpy()[pick])], "requests": 1.0,
        "input_uncached_tokens": np.where(rng.random(n) < 0.3, rng.integers(0, 1_500_000, n), rng.integers(0, 50_000, n)),
        "input_cache_read_tokens": rng.integers(0, 300_000, n) * (rng.random(n) < 0.6),
        "input_cache_write_tokens": writes,
        "input_cache_write_1h_tokens": (writes * rng.random(n) * (rng.random(n) < 0.5)).astype(int),
        "output_tokens": rng.integers(0, 60_000, n)})


def test_price_usage_equals_genai_prices_calc_price_on_10000_random_records():
    usage = random_usage(10_000)
    got = tk.price_usage(usage)
    assert (got["unpriced_reason"] == "").all()
    assert got["provider_id"].nunique() >= 25 and got["tier_above_input_tokens"].gt(0).sum() > 100
    want = np.empty(len(usage))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # genai-prices warns about price keys a text bill never uses
        for i, r in enumerate(usage.itertuples()):
            tokens = Usage(input_tokens=int(r.input_uncached_tokens + r.input_cache_read_tokens + r.input_cache_write_tokens),
                           cache_read_tokens=int(r.input_cache_read_tokens),
                           cache_write_tokens=int(r.input_cache_write_tokens),
                           cache_write_1h_tokens=int(r.input_cache_write_1h_tokens), output_tokens=int(r.output_tokens))
            # noon UTC: inside the window of the price each row holds (time-of-day prices, see pricefeed)
            stamp = datetime.combine(r.date.date(), time(12), UTC)
            want[i] = float(calc_price(tokens, r.model, provider_id=r.provider, genai_request_timestamp=stamp).total_price)
    np.testing.assert_allclose(got["total_usd"].to_numpy(), want, rtol=0, atol=1e-6)


def test_long_context_tier_applies_to_the_whole_mean_request():
    # Claude Sonnet 4.5: $3 in / $15 out; above 200k input tokens a request pays $6 / $22.50 on all its tokens
    one, two, unknown, band = priced(
        usage_row("claude-sonnet-4-5-20250929", "anthropic", uncached=300_000, output=1_000),
        usage_row("claude-sonnet-4-5-20250929", "anthropic", requests=2, uncached=300_000, output=1_000),
        usage_row("claude-sonnet-4-5-20250929", "anthropic", requests=np.nan, uncached=300_000, output=1_000),
        usage_row("claude-sonnet-4-5-20250929", "anthropic", requests=np.nan, uncached=300_000, output=1_000,
                  input_band_tokens=200_000),
    ).to_dict("records")
    assert one["total_usd"] == pytest.approx(0.3 * 6 + 0.001 * 22.5) and one["tier_above_input_tokens"] == 200_000
    assert two["total_usd"] == pytest.approx(0.3 * 3 + 0.001 * 15)  # two requests of 150k: base price
    assert unknown["total_usd"] == pytest.approx(0.3 * 3 + 0.001 * 15)
    assert "priced at the base tier, at least" in unknown["price_note"]
    assert band["total_usd"] == pytest.approx(0.3 * 6 + 0.001 * 22.5) and band["price_note"] == ""


def test_cache_prices_and_their_gaps():
    sonnet, gpt = priced(
        # Claude 3.7 Sonnet: read $0.30, 5-minute write $3.75, 1-hour write $6
        usage_row("claude-3-7-sonnet-20250219", "anthropic", read=1_000_000, write=1_000_000, write_1h=400_000),
        # GPT-4.1 states no cache-write price: genai-prices bills writes as input ($2)
        usage_row("gpt-4.1-2025-04-14", "openai", requests=10, uncached=1_000_000, write=500_000),
    ).to_dict("records")
    assert sonnet["cache_read_usd"] == pytest.approx(0.3)
    assert sonnet["cache_write_usd"] == pytest.approx(0.6 * 3.75 + 0.4 * 6)
    assert gpt["cache_write_usd"] == pytest.approx(0.5 * 2) and gpt["total_usd"] == pytest.approx(3.0)
    assert gpt["price_note"] == "no cache-write price: writes billed as input"


def test_dates_pick_the_price_period():
    before, after = priced(usage_row("gemini-4-argon", "google", date="2026-11-30", uncached=1e6),
                           usage_row("gemini-4-argon", "google", date="2026-12-01", uncached=1e6)).to_dict("records")
    assert (before["input_usd"], after["input_usd"]) == (pytest.approx(2.0), pytest.approx(4.0))
    # periods open on 2026-10-14 (genai-prices' batch price starts) and on 2026-12-01
    assert (before["price_valid_from"], after["price_valid_from"]) == (pd.Timestamp("2026-10-14"),
                                                                       pd.Timestamp("2026-12-01"))


def test_unknown_ids_are_named_never_priced_as_another_model():
    got = priced(usage_row("gpt-99-turbo", "openai", uncached=1e6), usage_row("GPT-4.1", "acme", uncached=1e6),
                 usage_row("vertex_ai/gemini-2.5-pro", "", uncached=1e6))
    assert got["total_usd"].isna().tolist() == [True, True, False]
    assert "unknown API model 'gpt-99-turbo' at provider 'OpenAI'" in got["unpriced_reason"][0]
    assert "unknown provider 'acme'" in got["unpriced_reason"][1]
    assert got["catalog_model"][2] == "Gemini 2.5 Pro"


def test_bad_usage_tables_name_row_and_column():
    with pytest.raises(ValueError, match=r"missing column\(s\) \['output_tokens'\]"):
        tk.price_usage(pd.DataFrame([usage_row("gpt-4.1", "openai")]).drop(columns="output_tokens"))
    with pytest.raises(ValueError, match="row 1, column 'input_cache_read_tokens': expected a number >= 0, got -5"):
        priced(usage_row("gpt-4.1", "openai"), usage_row("gpt-4.1", "openai", read=-5))
    with pytest.raises(ValueError, match="row 0, column 'input_cache_write_1h_tokens': the 1-hour writes"):
        priced(usage_row("claude-3-7-sonnet-20250219", "anthropic", write=10, write_1h=20))


def test_bill_summary_per_team_and_model():
    got = tk.bill_summary(priced(
        usage_row("gpt-4.1", "openai", team="a", uncached=1e6, recorded_usd=2.5),
        usage_row("gpt-4.1-2025-04-14", "openai", team="a", uncached=1e6, output=1e6, recorded_usd=10.0),
        usage_row("gpt-99", "openai", team="a", uncached=5e5),
    ))
    gpt = got.set_index("model").loc["GPT-4.1"]
    assert (gpt["tokens"], gpt["kit_usd"], gpt["recorded_usd"]) == (3e6, pytest.approx(12.0), 12.5)
    assert gpt["difference_share"] == pytest.approx(12.0 / 12.5 - 1)
    unknown = got.set_index("model").loc["gpt-99"]
    assert unknown["unpriced_tokens"] == 5e5 and unknown["unpriced_ids"] == "openai/gpt-99"
    assert pd.isna(unknown["kit_usd"])


tokens = st.integers(0, 400_000)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["claude-sonnet-4-5-20250929", "gemini-2.5-pro", "gpt-4.1"]), tokens, tokens, tokens, tokens,
       st.floats(0.05, 0.95))
def test_cost_is_additive_over_a_split_when_the_tier_holds(model, uncached, read, write, output, share):
    whole = usage_row(model, uncached=uncached, read=read, write=write, output=output)
    part = {k: (v * share if k.startswith(("input_", "output")) else v) for k, v in whole.items()}
    rest = {k: (v - part[k] if k.startswith(("input_", "output")) else v) for k, v in whole.items()}
    got = priced(whole, part, rest)
    assume(got["tier_above_input_tokens"].nunique() == 1)
    assert got["total_usd"][0] == pytest.approx(got["total_usd"][1] + got["total_usd"][2], rel=1e-12, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["claude-sonnet-4-5-20250929", "gemini-2.5-pro", "gpt-4.1"]), tokens, tokens, tokens,
       st.integers(0, 300_000), st.sampled_from(["input_uncached_tokens", "input_cache_read_tokens",
                                                 "input_cache_write_tokens", "output_tokens"]))
def test_cost_rises_with_tokens(model, uncached, read, output, extra, column):
    low = usage_row(model, uncached=uncached, read=read, output=output)
    high = dict(low, **{column: low[column] + extra})
    got = priced(low, high)["total_usd"]
    assert got[0] <= got[1] + 1e-12
