"""One team's answer: its parameters checked field by field, and the headline the report leads with.

No cost logic of its own: it calls renting, breakeven, projection and uncertainty.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd

from .breakeven import first_break_even, never_pays_reason, own_cost_structure
from .catalog import load_api_prices, load_gpus, load_open_models, load_workloads
from .checks import as_array, lookup_name
from .projection import crossover_month, npv, project, project_arrays, wait_and_see
from .renting import api_price, monthly_api_cost

#: Every report parameter with its default; a teams file may set any of them per team.
DEFAULTS = {
    "team": "",
    "workload": "chat",
    "tokens_per_month": 1e9,
    "input_share": None,  # None: from the workload profile
    "cached_share": None,
    "input_tokens_per_request": None,
    "output_tokens_per_request": None,
    "api_model": "GPT-4.1",
    "prices_as_of": None,  # None: latest list price
    "open_model": "Llama 3.1 8B",
    "gpu": "H100 SXM",
    "weight_format": "fp8",
    "gpu_mode": "rent",
    "volume_growth_per_year": 3.0,
    "api_price_decline_per_year": 0.5,
    "gpu_price_decline_per_year": 0.3,
    "reasoning_output_multiplier": 1.0,
    "peak_to_average": 2.0,
    "target_utilisation": 0.6,
    "fte_share": 0.25,
    "horizon_months": 36,
    "discount_rate_per_year": 0.10,
}
NUMBER_RULES = {  # field: (low, high, low exclusive)
    "tokens_per_month": (0, 1e15, True), "input_share": (0, 1, False), "cached_share": (0, 1, False),
    "input_tokens_per_request": (0, 1e7, False), "output_tokens_per_request": (0, 1e7, True),
    "volume_growth_per_year": (0, 1e3, True), "api_price_decline_per_year": (0, 0.999, False),
    "gpu_price_decline_per_year": (0, 0.999, False), "reasoning_output_multiplier": (1, 1e3, False),
    "peak_to_average": (1, 100, False), "target_utilisation": (0, 1, True), "fte_share": (0, 100, False),
    "horizon_months": (1, 600, False), "discount_rate_per_year": (0, 1, False),
}


class TeamError(ValueError):
    """A team's parameters are unusable: names the field and what was wrong."""


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (isinstance(value, str) and not value.strip())


def team_parameters(row: dict) -> dict:
    """A team's report parameters: defaults filled, workload resolved into shares, every field checked.

    Raises TeamError("field: what was wrong"). Text stays text (a team called 007 stays "007").
    """
    unknown = sorted(set(row) - set(DEFAULTS))
    if unknown:
        raise TeamError(f"unknown field(s) {unknown}; known: {sorted(DEFAULTS)}")
    p = {k: (DEFAULTS[k] if _blank(row.get(k)) else row[k]) for k in DEFAULTS}
    p["team"] = str(row.get("team", "")).strip()
    if not p["team"]:
        raise TeamError("team: empty name")

    def named(field, kind, known):
        try:
            return lookup_name(kind, str(p[field]), known)
        except KeyError as err:
            raise TeamError(f"{field}: {err.args[0]}") from None

    workloads = load_workloads().set_index("workload")
    if any(_blank(row.get(k)) for k in ("input_share", "cached_share", "input_tokens_per_request",
                                        "output_tokens_per_request")):
        profile = workloads.loc[named("workload", "workload", workloads.index)]
        for k in ("input_share", "cached_share", "input_tokens_per_request", "output_tokens_per_request"):
            if _blank(row.get(k)):
                p[k] = float(profile[k]) if not pd.isna(profile[k]) else None
    if p["input_tokens_per_request"] is None or p["output_tokens_per_request"] is None:
        chat = workloads.loc["chat"]
        p["input_tokens_per_request"] = p["input_tokens_per_request"] or float(chat["input_tokens_per_request"])
        p["output_tokens_per_request"] = p["output_tokens_per_request"] or float(chat["output_tokens_per_request"])
    for field, (low, high, exclusive) in NUMBER_RULES.items():
        try:
            p[field] = float(as_array(field, p[field], low=low, high=high, low_open=exclusive))
        except ValueError as err:
            raise TeamError(str(err)) from None
    if p["input_share"] >= 1:
        raise TeamError("input_share: must be < 1, a team with no output tokens has nothing to serve")
    p["horizon_months"] = int(round(p["horizon_months"]))
    p["api_model"] = named("api_model", "API model", load_api_prices()["model"])
    p["open_model"] = named("open_model", "open model", load_open_models()["model"])
    p["gpu"] = named("gpu", "GPU", load_gpus()["gpu"])
    if p["gpu_mode"] not in ("rent", "buy"):
        raise TeamError(f"gpu_mode: expected 'rent' or 'buy', got {p['gpu_mode']!r}")
    p["workload"] = str(p["workload"])
    p["weight_format"] = str(p["weight_format"])
    p["prices_as_of"] = None if _blank(p["prices_as_of"]) else str(p["prices_as_of"])
    return p


def _api(p: dict) -> pd.Series:
    return api_price(p["api_model"], p["prices_as_of"])


@lru_cache(maxsize=256)
def _own(open_model, gpu, weight_format, input_tokens, output_tokens, mode, peak, utilisation, fte_share):
    """Owning's cost structure; cached because the explorer and the runner ask for the same ones often."""
    return own_cost_structure(open_model, gpu, weight_format, input_tokens, output_tokens, mode=mode,
                              peak_to_average=peak, target_utilisation=utilisation, fte_share=fte_share)


def scenario(p: dict) -> dict:
    """Keyword arguments of `projection.project` for this team."""
    price = _api(p)
    cached_price = price["cached_input_usd_per_mtok"]
    own = _own(p["open_model"], p["gpu"], p["weight_format"], p["input_tokens_per_request"],
               p["output_tokens_per_request"], p["gpu_mode"], p["peak_to_average"], p["target_utilisation"],
               p["fte_share"])
    return dict(api_input_usd_per_mtok=price["input_usd_per_mtok"], api_output_usd_per_mtok=price["output_usd_per_mtok"],
                input_share=p["input_share"], cached_share=p["cached_share"] if not np.isnan(cached_price) else 0.0,
                cached_input_usd_per_mtok=None if np.isnan(cached_price) else cached_price, own=own,
                horizon_months=p["horizon_months"], volume_growth_per_year=p["volume_growth_per_year"],
                api_price_decline_per_year=p["api_price_decline_per_year"],
                reasoning_output_multiplier=p["reasoning_output_multiplier"],
                gpu_price_decline_per_year=p["gpu_price_decline_per_year"],
                hardware_refresh_months=None if p["gpu_mode"] == "rent" else 36)


def team_summary(p: dict) -> dict:
    """The headline and the figures behind it: today's bills, break-even, crossover, best path and mix."""
    kw = scenario(p)
    own = kw["own"]
    api_per_mtok = monthly_api_cost(p["api_model"], 1e6, p["input_share"], kw["cached_share"], as_of=p["prices_as_of"])
    volume = p["tokens_per_month"]
    frame = project(volume, **kw)
    rate = p["discount_rate_per_year"]
    shares = np.linspace(0, 1, 11)
    mix = project_arrays(volume, **(kw | {"hybrid_own_share": shares[:, None]}))
    mix_npv = np.array([npv(row, rate) for row in mix["hybrid_usd"]])
    best_share = float(shares[int(np.argmin(mix_npv))])
    paths = {}
    for option in ("own", "hybrid"):
        waiting = wait_and_see(volume, discount_rate_per_year=rate, option=option, **(kw | {"hybrid_own_share": best_share or 0.5}))
        best = waiting.loc[waiting[f"npv_{option}_from_start_usd"].idxmin()]
        paths[option] = (float(best[f"npv_{option}_from_start_usd"]), int(best["start_month"]))
    rent_npv = npv(frame["rent_usd"], rate)
    horizon = p["horizon_months"]
    choice, (best_npv, start) = min(paths.items(), key=lambda kv: kv[1][0])
    if start >= horizon or best_npv >= rent_npv * (1 - 1e-9):
        verdict, start, best_npv = "rent", None, rent_npv
    else:
        verdict = choice
    be = float(first_break_even(api_per_mtok, own))
    saving = rent_npv - best_npv
    if verdict == "rent":
        why = never_pays_reason(api_per_mtok, own, volume * p["volume_growth_per_year"] ** (horizon / 12)) or \
            "owning's fixed cost is not repaid within the horizon at these rates"
        headline = f"Rent: keep using the API ({p['api_model']}) — {why}."
    else:
        what = (f"self-host {p['open_model']} on {p['gpu']}" if verdict == "own"
                else f"self-host {best_share:.0%} of traffic on {p['open_model']}, the rest on {p['api_model']}")
        when = "now" if start == 0 else f"from month {start}"
        headline = (f"{verdict.capitalize()} {when}: {what}; saves ${saving:,.0f} over {horizon} months "
                    f"(present value at {rate:.0%}) against renting.")
    return {
        "team": p["team"], "recommendation": verdict, "start_month": start, "headline": headline,
        "api_usd_per_mtok": api_per_mtok, "current_api_usd_per_month": api_per_mtok * volume / 1e6,
        "own_usd_per_month": float(own.monthly_usd(volume)), "break_even_tokens_per_month": be,
        "tokens_per_month": volume, "position_vs_break_even": volume / be if np.isfinite(be) else 0.0,
        "crossover_month_own": crossover_month(frame, "own"), "crossover_month_hybrid": crossover_month(frame, "hybrid"),
        "npv_rent_usd": rent_npv, "npv_best_usd": best_npv, "best_hybrid_own_share": best_share,
    }


def teams_from_usage(usage: pd.DataFrame, **overrides) -> pd.DataFrame:
    """A teams table from a normalised usage table: the latest month per team, scaled to a full month."""
    from .usage import monthly_usage

    monthly = monthly_usage(usage)
    latest = monthly.sort_values("month").groupby("team").tail(1)
    days_in_month = latest["month"].dt.days_in_month
    rows = []
    for r, days_total in zip(latest.itertuples(), days_in_month):
        row = {"team": str(r.team), "workload": "usage export",
               "tokens_per_month": r.tokens * days_total / r.days,
               "input_share": r.input_share, "cached_share": r.cached_share,
               "input_tokens_per_request": r.input_tokens_per_request,
               "output_tokens_per_request": r.output_tokens_per_request,
               "api_model": catalog_model(r.top_provider, r.top_model) or DEFAULTS["api_model"]}
        rows.append(row | overrides)
    return pd.DataFrame(rows)


def catalog_model(provider: str, model_id: str) -> str | None:
    """The data/api_prices.csv name of a provider's model id (e.g. gpt-4.1-2025-04-14 -> GPT-4.1), via genai-prices."""
    from genai_prices import data_snapshot

    prices = load_api_prices()
    ids = prices.dropna(subset=["provider_model_id"]).query("provider_model_id != ''")
    ref = str(model_id).split("/", 1)[-1]
    try:
        _, info = data_snapshot.get_snapshot().find_provider_model(ref, None, str(provider).lower(), None)
    except Exception:  # genai-prices raises its own LookupError subclasses for unknown models
        return None
    match = ids[ids["provider_model_id"] == info.id]
    return str(match["model"].iloc[0]) if len(match) else None


def sensitivity(p: dict, summary: dict) -> pd.DataFrame:
    """Tornado table of this team's break-even under the kit's default spreads (uncertainty.default_distributions)."""
    from .catalog import load_gpus
    from .owning import assumption
    from .uncertainty import Deployment, default_distributions, tornado

    own = scenario(p)["own"]
    n = gpus_per_replica(p)
    hourly = (float(load_gpus().set_index("gpu").loc[p["gpu"], "rent_usd_per_hour"]) if p["gpu_mode"] == "rent"
              else own.hardware_usd_per_replica_month / n / assumption("hours_per_month"))
    distributions = default_distributions(summary["api_usd_per_mtok"], hourly, own.people_usd_per_month,
                                          p["volume_growth_per_year"])
    return tornado(distributions, Deployment(n, own.capacity_tokens_per_month, p["peak_to_average"],
                                             own.variable_usd_per_mtok))


def gpus_per_replica(p: dict) -> int:
    """GPUs in one self-hosted replica for this team (the tensor-parallel size chosen for throughput)."""
    from .serving import best_tensor_parallel

    return best_tensor_parallel(p["open_model"], p["gpu"], p["weight_format"], p["input_tokens_per_request"],
                                p["output_tokens_per_request"])
