"""One team's answer: the cheapest path over the horizon, how sure it is, and the words the report leads with.

No cost logic of its own: it calls renting, owning, breakeven and projection through a `Scenario`.

The decision is one grid. Path (s, k): rent until month k, then self-host a share s of the traffic (the
rest stays on the API). Its present value is

    PV(s, k) = sum_{t<k} rent_t d_t + sum_{t>=k} cash_t(s, k) d_t,    d_t = (1 + r)^(-t/12)

in cash: bought hardware is paid when its replicas come online and its book value credited at the horizon's
end (the amortised view is shown beside it; for rented GPUs the two are the same).

for s in 0, 10 %, ..., 100 % and k in 0 .. horizon (k = horizon, or s = 0, is renting throughout). The
recommendation is the cheapest path; the saving is PV(rent) - PV(s*, k*); the table of the cheapest
start per share, the charts and the headline all read this one grid, so they agree.
"""

from __future__ import annotations

from functools import lru_cache

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import present
from .breakeven import first_break_even, never_pays_reason
from .projection import project_arrays
from .scenario import Scenario, ScenarioError
from .uncertainty import lognormal

TeamError = ScenarioError  # the name the report runner and older callers use
#: Self-hosted shares the decision considers (steps of 10 %).
SHARES = np.round(np.linspace(0.0, 1.0, 11), 2)
#: Spreads of the inputs the saving is uncertain in: (label, unit, 90th percentile over the median).
#: API price x/÷2 (teams switch models; price cuts), GPU price x/÷1.4 (on-demand prices moved ±40 % in
#: 2025-26), people x/÷1.6, throughput x/÷1.55 (the roofline is off by 13-15 % on average on held-out published
#: results, which alone would give x1.2, but by up to 41 % on one, 49 % with TensorRT-LLM's own calibration: the
#: wider spread keeps that tail), growth x/÷2.
UNCERTAIN = {
    "api_price": ("API price", 2.0),
    "gpu_price": ("GPU price", 1.4),
    "people": ("engineer cost", 1.6),
    "throughput": ("serving throughput", 1.55),
    "growth": ("volume growth", 2.0),
}
MONTE_CARLO_RUNS = 4000
#: A change is recommended only if it saves money in at least this share of the Monte Carlo scenarios.
MIN_P_SAVING = 0.5
MODE_WORDS = {"rent": "rented", "buy": "bought"}


@dataclass(frozen=True)
class Decision:
    """The cheapest path for one scenario and every figure the report shows about it."""

    recommendation: str  # "rent", "own" or "hybrid"
    start_month: int | None  # month owning starts (None: rent throughout)
    own_share: float  # share of traffic self-hosted from start_month (0 when renting)
    npv_rent_usd: float  # present value of renting throughout
    npv_best_usd: float  # present value of the recommended path
    api_usd_per_mtok: float  # today's blended API price at the team's mix
    current_api_usd_per_month: float
    own_usd_per_month: float  # owning all of today's traffic, today
    break_even_tokens_per_month: float  # today's prices: owning all traffic pays from this volume (inf: never)
    reason: str  # why renting wins, when it does
    monthly: pd.DataFrame  # month, tokens, rent_usd, path_usd and cumulative columns
    shares: pd.DataFrame  # per self-hosted share: cheapest start month, present value, saving
    runs: dict = field(default_factory=dict, repr=False)  # Monte Carlo: saving_usd per run

    @property
    def saving_usd(self) -> float:
        """Present value saved against renting throughout (0 when renting)."""
        return self.npv_rent_usd - self.npv_best_usd

    @property
    def dearer_months(self) -> list[int]:
        """Months after the start in which the recommended path costs more than renting (capacity steps)."""
        m = self.monthly
        return m.loc[(m["month"] >= (self.start_month or 0)) & (m["path_usd"] > m["rent_usd"] * (1 + 1e-9)),
                     "month"].tolist() if self.recommendation != "rent" else []

    @property
    def p_saving(self) -> float:
        """Probability (0..1) that the recommended path saves money over the horizon; NaN when renting."""
        return float(np.mean(self.runs["saving_usd"] > 0)) if self.recommendation != "rent" else float("nan")

    @property
    def confidence(self) -> float:
        """Probability (0..1) that the recommendation is the cheaper choice: the path saves, or, when renting,
        that the best alternative does not."""
        saving = self.runs["saving_usd"]
        return float(np.mean(saving > 0) if self.recommendation != "rent" else np.mean(saving <= 0))

    def saving_quantiles(self, q=(10, 90)) -> tuple[float, ...]:
        """Percentiles of the Monte Carlo saving (USD, present value) of the path the runs describe."""
        return tuple(float(v) for v in np.percentile(self.runs["saving_usd"], q))


def _discount(horizon: int, rate: float) -> np.ndarray:
    return (1 + rate) ** (-np.arange(horizon) / 12)


def path_grid(s: Scenario, **overrides) -> dict:
    """Every path (share s, start k) month by month, in cash: rent before k, then share s self-hosted, bought
    hardware paid up front when its replicas come online and its remaining book value credited at the end
    (`projection.project_arrays`' cash view; for rented GPUs cash and amortised are the same). Arrays are
    (start k in 0 .. horizon, share, month); PV(s, k) is `npv[k, s]`, k = horizon being renting throughout.

    `overrides` replace projection inputs.
    """
    kw = s.projection_inputs() | overrides
    starts = np.arange(s.horizon_months + 1)
    arrays = project_arrays(s.tokens_per_month, **(kw | {"hybrid_own_share": SHARES[:, None],
                                                         "own_from_month": starts[:, None, None]}))
    d = _discount(s.horizon_months, s.discount_rate_per_year)
    cash = arrays["hybrid_cash_usd"]
    return {"rent_usd": np.asarray(arrays["rent_usd"]).reshape(-1, s.horizon_months)[0], "cash_usd": cash,
            "amortised_usd": arrays["hybrid_usd"], "tokens_per_month": arrays["tokens_per_month"],
            "npv": (cash * d).sum(axis=-1), "npv_rent": float((cash[-1, 0] * d).sum())}


def decide(s: Scenario, runs: int = MONTE_CARLO_RUNS, seed: int = 0) -> Decision:
    """The cheapest path over the horizon (see the module docstring), today's figures, and its Monte Carlo."""
    grid = path_grid(s)
    npv, npv_rent = grid["npv"], float(grid["npv_rent"])
    k, i = np.unravel_index(int(np.argmin(npv)), npv.shape)
    best = float(npv[k, i])
    renting = best >= npv_rent * (1 - 1e-9) or SHARES[i] == 0 or k == s.horizon_months
    share, start = (0.0, None) if renting else (float(SHARES[i]), int(k))
    months = np.arange(s.horizon_months)
    rent = grid["rent_usd"]
    path, amortised = (rent, rent) if renting else (grid["cash_usd"][k, i], grid["amortised_usd"][k, i])
    monthly = pd.DataFrame({"month": months, "tokens_per_month": np.ravel(grid["tokens_per_month"])[:len(months)],
                            "rent_usd": rent, "path_usd": path, "path_amortised_usd": amortised})
    for column in ("rent_usd", "path_usd", "path_amortised_usd"):
        monthly[f"cumulative_{column}"] = monthly[column].cumsum()
    best_start = np.argmin(npv, axis=0)
    shares = pd.DataFrame({"own_share": SHARES, "start_month": best_start,
                           "npv_usd": npv[best_start, np.arange(len(SHARES))]})
    shares["saving_usd"] = npv_rent - shares["npv_usd"]
    api = s.api_usd_per_mtok
    be = float(first_break_even(api, s.own))
    reason = ""
    if renting:
        top = s.tokens_per_month * s.volume_growth_per_year ** (s.horizon_months / 12)
        why = never_pays_reason(api, s.own, max(top, s.tokens_per_month)) or (
            "its fixed cost is not repaid at these growth and price-decline rates")
        reason = f"Owning {s.open_model} would not pay within {s.horizon_months} months: {why}"
    decision = Decision("rent" if renting else ("own" if share == 1 else "hybrid"), start, share, npv_rent,
                        npv_rent if renting else best, api, api * s.tokens_per_month / 1e6,
                        float(s.own.monthly_usd(s.tokens_per_month)), be, reason, monthly, shares)
    path_share, path_start = (share, start) if not renting else _best_alternative(npv, s.horizon_months)
    if renting:  # what renting was weighed against, drawn beside it
        alternative = grid["cash_usd"][path_start, list(SHARES).index(path_share)]
        monthly["alternative_usd"] = alternative
        monthly["cumulative_alternative_usd"] = np.cumsum(alternative)
        monthly.attrs["alternative_label"] = (f"not recommended: {present.share(path_share)} on {s.open_model} from "
                                              f"{present.month(path_start)}")
    draws = draw_factors(runs, seed)
    saving = saving_under(s, draws, path_share, path_start)
    if not renting and np.mean(saving > 0) < MIN_P_SAVING:  # cheaper in the central case, but a coin flip or worse
        decision = Decision("rent", None, 0.0, npv_rent, npv_rent, api, decision.current_api_usd_per_month,
                            decision.own_usd_per_month, be,
                            f"Self-hosting {present.share(share)} of traffic on {s.open_model} from "
                            f"{present.month(start)} would save {present.usd(npv_rent - best)} in the central case, "
                            f"but loses money in {present.share(float(np.mean(saving <= 0)))} of scenarios",
                            _with_alternative(monthly, rent, f"not recommended: {present.share(share)} on "
                                              f"{s.open_model} from {present.month(start)}"), shares)
    return Decision(**{**decision.__dict__, "runs": {"saving_usd": saving, "share": path_share,
                                                    "start_month": path_start, **draws}})


def _with_alternative(monthly: pd.DataFrame, rent: np.ndarray, label: str) -> pd.DataFrame:
    """The monthly frame of a path that was rejected: renting becomes the path, the rejected one the alternative."""
    out = monthly.assign(alternative_usd=monthly["path_usd"], cumulative_alternative_usd=monthly["cumulative_path_usd"],
                         path_usd=rent, cumulative_path_usd=np.cumsum(rent), path_amortised_usd=rent,
                         cumulative_path_amortised_usd=np.cumsum(rent))
    out.attrs["alternative_label"] = label
    return out


def _best_alternative(npv: np.ndarray, horizon: int) -> tuple[float, int]:
    """The cheapest path that self-hosts something (what renting is up against)."""
    owning = npv[:horizon, 1:]
    k, i = np.unravel_index(int(np.argmin(owning)), owning.shape)
    return float(SHARES[i + 1]), int(k)


def draw_factors(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """n seeded draws of each uncertain input as a factor on its central value (lognormal, median 1)."""
    rng = np.random.default_rng(seed)
    return {name: lognormal(1.0, spread).rvs(size=n, random_state=rng) for name, (_, spread) in UNCERTAIN.items()}


def saving_under(s: Scenario, factors: dict[str, np.ndarray], share: float, start: int) -> np.ndarray:
    """Present value saved by path (share, start) against renting, for each set of input factors (vectorised)."""
    own, kw = s.own, s.projection_inputs()
    n = len(next(iter(factors.values())))
    col = {k: np.asarray(v, dtype=float).reshape(n, 1) for k, v in factors.items()}
    scaled = dataclasses.replace(
        own, capacity_tokens_per_month=own.capacity_tokens_per_month * col["throughput"],
        hardware_usd_per_replica_month=own.hardware_usd_per_replica_month * col["gpu_price"],
        capex_usd_per_replica=own.capex_usd_per_replica * col["gpu_price"],
        people_usd_per_month=own.people_usd_per_month * col["people"],
        people_usd_per_gpu_month=None if own.people_usd_per_gpu_month is None else own.people_usd_per_gpu_month * col["people"],
        variable_usd_per_mtok=own.variable_usd_per_mtok / col["throughput"])
    cached = kw["cached_input_usd_per_mtok"]
    arrays = project_arrays(s.tokens_per_month, **(kw | {
        "api_input_usd_per_mtok": kw["api_input_usd_per_mtok"] * col["api_price"],
        "api_output_usd_per_mtok": kw["api_output_usd_per_mtok"] * col["api_price"],
        "cached_input_usd_per_mtok": None if cached is None else cached * col["api_price"],
        "volume_growth_per_year": s.volume_growth_per_year * col["growth"], "own": scaled,
        "hybrid_own_share": share, "own_from_month": start}))
    d = _discount(s.horizon_months, s.discount_rate_per_year)
    return ((arrays["rent_usd"] - arrays["hybrid_cash_usd"]) * d).sum(axis=-1)


def sensitivity(s: Scenario, decision: Decision, low_q: float = 0.1, high_q: float = 0.9) -> pd.DataFrame:
    """What moves the saving of the recommended path (or, when renting, of the best alternative) most:
    each uncertain input at its `low_q` and `high_q` quantile, the others at their median. Widest first."""
    share, start = decision.runs["share"], decision.runs["start_month"]
    rows = []
    for name, (label, spread) in UNCERTAIN.items():
        dist = lognormal(1.0, spread)
        factors = {k: np.ones(2) for k in UNCERTAIN} | {name: np.array([dist.ppf(low_q), dist.ppf(high_q)])}
        low, high = saving_under(s, factors, share, start)
        rows.append({"input": label, "low_factor": factors[name][0], "high_factor": factors[name][1],
                     "saving_at_low_usd": low, "saving_at_high_usd": high})
    table = pd.DataFrame(rows)
    table["swing_usd"] = (table["saving_at_high_usd"] - table["saving_at_low_usd"]).abs()
    table.attrs |= {"median_saving_usd": float(saving_under(s, {k: np.ones(1) for k in UNCERTAIN}, share, start)[0]),
                    "low_q": low_q, "high_q": high_q}
    return table.sort_values("swing_usd", ascending=False, ignore_index=True)


def headline(s: Scenario, d: Decision) -> str:
    """The one sentence a report leads with: path, model (and GPU when owning), when, saving, how sure."""
    years = f"{s.horizon_months} months"
    rate = present.share(s.discount_rate_per_year)
    if d.recommendation == "rent":
        return (f"Rent: stay on {api_label(s)}. {d.reason}. Renting stays the cheaper choice in "
                f"{present.share(d.confidence)} of scenarios.")
    when = "now" if d.start_month == 0 else f"in month {d.start_month}"
    hosting = f"{s.open_model} on {s.gpu} ({MODE_WORDS[s.gpu_mode]} GPUs)"
    what = (f"self-host {hosting} for all traffic" if d.recommendation == "own"
            else f"self-host {present.share(d.own_share)} of traffic on {hosting}, the rest on {api_label(s)}")
    p10, p90 = d.saving_quantiles()
    return (f"{d.recommendation.capitalize()}: start {when} — {what}. Saves {present.usd(d.saving_usd)} over {years} "
            f"against staying on {api_label(s)} (present value at {rate}); it saves money in "
            f"{present.share(d.p_saving)} of scenarios (P10–P90 {present.usd(p10)} to {present.usd(p90)}).")


def summary_row(s: Scenario, d: Decision) -> dict:
    """The team's line in summary.csv and the index: plain values (numbers as numbers)."""
    p10, p90 = d.saving_quantiles()
    return {"team": s.team, "recommendation": d.recommendation, "start_month": d.start_month,
            "own_share": d.own_share, "headline": headline(s, d), "saving_usd": d.saving_usd,
            "p_saving": d.p_saving, "confidence": d.confidence, "saving_p10_usd": p10, "saving_p90_usd": p90,
            "api_model": f"mixed: {s.api_mix}" if s.api_mix else s.api_model, "api_provider": s.api_provider,
            "open_model": s.open_model, "gpu": s.gpu, "gpu_mode": s.gpu_mode,
            "tokens_per_month": s.tokens_per_month, "current_api_usd_per_month": d.current_api_usd_per_month,
            "recorded_api_usd_per_month": s.recorded_api_usd_per_month, "bill_difference_share": bill_difference(s, d),
            "unpriced_share": s.unpriced_share,
            "own_usd_per_month": d.own_usd_per_month, "break_even_tokens_per_month": d.break_even_tokens_per_month,
            "prices_as_of": price_date(s), "usage_first_date": s.usage_first_date, "usage_last_date": s.usage_last_date,
            "usage_days_observed": s.usage_days_observed}


def bill_difference(s: Scenario, d: Decision) -> float | None:
    """Kit-priced API bill against the spend the export records: kit / recorded - 1 (None where not recorded)."""
    if not s.recorded_api_usd_per_month:
        return None
    return d.current_api_usd_per_month / s.recorded_api_usd_per_month - 1


def price_date(s: Scenario) -> str:
    """The date the API price in use was stated (its catalog row's as_of)."""
    return present.day(s.api_row["as_of"])


def volume_note(s: Scenario) -> str:
    """Where the monthly volume comes from, in words: stated, or observed and scaled."""
    if not s.from_usage:
        return "as stated (not measured from usage)"
    factor = s.tokens_per_month / s.usage_tokens_observed if s.usage_tokens_observed else float("nan")
    sizes = (f"; request sizes from the {s.workload} profile (the export counts no requests)"
             if "input_tokens_per_request" in s.profiled else "")
    return (f"usage export, {s.usage_first_date} to {s.usage_last_date} ({present.plural(s.usage_days_observed, 'day')} "
            "with usage): "
            f"{present.tokens(s.usage_tokens_observed)} tokens scaled ×{factor:.2f} to a month{sizes}")


USAGE_WORKLOAD = "usage export"


def teams_from_usage(usage: pd.DataFrame, **overrides) -> pd.DataFrame:
    """A teams table from a normalised usage table (`usage.read_usage`): per team, its latest month scaled to a
    full month, and its API side as the usage says — its models in their proportions, each row priced on its
    date (`billing.price_usage`), folded into the bill's effective input and output prices.

    A team none of whose tokens can be priced gets an `error` naming the ids (it is listed, not reported); a
    team with some unpriced ids is reported with that share stated (priced at the bill's average). Teams whose
    export counts no requests take the chat profile's request sizes, and say so.
    """
    from .billing import price_usage

    priced = price_usage(usage)
    priced["month"] = priced["date"].dt.to_period("M").dt.to_timestamp()
    priced = priced[priced["month"] == priced.groupby("team")["month"].transform("max")]
    inputs = priced[["input_uncached_tokens", "input_cache_read_tokens", "input_cache_write_tokens"]].sum(axis=1)
    ok = (priced["unpriced_reason"] == "").to_numpy()
    tokens = inputs + priced["output_tokens"]
    priced = priced.assign(
        input_tokens=inputs, tokens=tokens, priced_tokens=np.where(ok, tokens, 0.0),
        priced_input_tokens=np.where(ok, inputs, 0.0), priced_output_tokens=np.where(ok, priced["output_tokens"], 0.0),
        input_side_usd=priced[["input_usd", "cache_read_usd", "cache_write_usd", "request_usd"]].sum(axis=1),
        unpriced_id=np.where(ok, "", priced["provider"].astype(str) + "/" + priced["model"].astype(str)))
    teams = priced.groupby("team", sort=False).agg(
        month=("month", "first"), first=("date", "min"), last=("date", "max"), days=("date", "nunique"),
        tokens=("tokens", "sum"), input_tokens=("input_tokens", "sum"), cached=("input_cache_read_tokens", "sum"),
        output_tokens=("output_tokens", "sum"), requests=("requests", lambda r: r.sum(min_count=len(r))),
        priced_tokens=("priced_tokens", "sum"), priced_input=("priced_input_tokens", "sum"),
        priced_output=("priced_output_tokens", "sum"), input_usd=("input_side_usd", "sum"),
        output_usd=("output_usd", "sum"), recorded=("recorded_usd", lambda r: r.sum(min_count=1)),
        unpriced_ids=("unpriced_id", lambda ids: ", ".join(sorted({i for i in ids if i}))))
    mix = priced[ok].groupby(["team", "catalog_provider", "catalog_model"], sort=False)["tokens"].sum()
    rows = []
    for team, t in teams.iterrows():
        scale = t["month"].days_in_month / t["days"]
        row = {"team": str(team), "usage_first_date": present.day(t["first"]), "usage_last_date": present.day(t["last"]),
               "usage_days_observed": int(t["days"]), "usage_tokens_observed": float(t["tokens"])}
        if t["tokens"] <= 0:
            rows.append(row | {"error": "no tokens in its latest month of usage: nothing to plan"})
            continue
        if t["priced_tokens"] <= 0:
            rows.append(row | {"error": f"no token of this team could be priced: model id(s) {t['unpriced_ids']} are "
                                        "in no price catalog"})
            continue
        models = mix.loc[team].sort_values(ascending=False)
        (provider, model), share = models.index[0], models / models.sum()
        counted = np.isfinite(t["requests"]) and t["requests"] > 0
        row |= {"workload": USAGE_WORKLOAD if counted else "chat",
                "tokens_per_month": t["tokens"] * scale, "input_share": t["input_tokens"] / t["tokens"],
                "cached_share": t["cached"] / t["input_tokens"] if t["input_tokens"] else 0.0,
                "input_tokens_per_request": t["input_tokens"] / t["requests"] if counted else None,
                "output_tokens_per_request": t["output_tokens"] / t["requests"] if counted else None,
                "api_model": model, "api_provider": provider,
                "api_mix": ", ".join(f"{m} {present.share(v)}" for (_, m), v in share.items()) if len(share) > 1 else None,
                "api_input_usd_per_mtok": t["input_usd"] / t["priced_input"] * 1e6,
                "api_output_usd_per_mtok": t["output_usd"] / t["priced_output"] * 1e6 if t["priced_output"] else 0.0,
                "unpriced_share": 1 - t["priced_tokens"] / t["tokens"],
                "recorded_api_usd_per_month": t["recorded"] * scale if np.isfinite(t["recorded"]) else None}
        rows.append(row | overrides)
    return pd.DataFrame(rows)


def api_label(s: Scenario) -> str:
    """The API side in words: the model, or its mix of models from the team's usage."""
    return f"its current models ({s.api_mix})" if s.api_mix else s.api_model


def assumptions_text(s: Scenario | list[Scenario]) -> str:
    """The assumptions that drive the verdict, in one line people read; for several teams, a value that differs
    between them is given as its range, 'by team'."""
    teams = s if isinstance(s, list) else [s]

    def said(field: str, show) -> str:
        values = sorted({getattr(t, field) for t in teams})
        return show(values[0]) if len(values) == 1 else f"{show(values[0])} to {show(values[-1])} (by team)"

    return (f"Assumptions behind this verdict: volume {said('volume_growth_per_year', lambda v: f'×{v:g}')} a year, "
            f"API prices {said('api_price_decline_per_year', lambda v: '-' + present.share(v))} a year, GPU prices "
            f"{said('gpu_price_decline_per_year', lambda v: '-' + present.share(v))} a year, peak hour "
            f"{said('peak_to_average', lambda v: f'{v:g}×')} the average, replicas filled to "
            f"{said('target_utilisation', present.share)} at peak, {said('fte_share', lambda v: f'{v:g}')} FTE per "
            f"deployment, {said('horizon_months', lambda v: f'{v}')} months, discount "
            f"{said('discount_rate_per_year', present.share)} a year.")


def provenance_text(s: Scenario, generated: str | None = None) -> str:
    """Dates behind the page: prices as of, where the volume comes from, kit version and generation date."""
    from datetime import date
    from importlib.metadata import version

    row = s.api_row
    basis = "the article's table" if row["price_basis"] == "article" else "list price"
    prices = (f"the team's usage priced row by row at the list prices in force on each day (catalog as of "
              f"{price_date(s)})" if s.from_bill else f"{s.api_model} {basis} as of {price_date(s)}")
    return (f"Dates: {prices}; volume {volume_note(s)}; "
            f"generated {generated or date.today().isoformat()} by tokenomics {version('tokenomics-kit')}.")


def today_text(s: Scenario, d: Decision) -> str:
    """Today's bill both ways, in one sentence."""
    own = s.own.lines(s.tokens_per_month)
    return (f"Today: {present.tokens(s.tokens_per_month)} tokens a month on {api_label(s)} cost "
            f"{present.usd(d.current_api_usd_per_month)} a month; self-hosting all of it on "
            f"{present.count(float(own['gpus']))} × {s.gpu} ({MODE_WORDS[s.gpu_mode]}) would cost {present.usd(d.own_usd_per_month)}.")


def standing(s: Scenario, d: Decision) -> present.Table:
    """Where the team stands today: volume, mix, both bills, the one break-even and the team against it."""
    own = s.own.lines(s.tokens_per_month)
    be = d.break_even_tokens_per_month
    row = s.api_row
    return present.key_values({
        "tokens a month": f"{present.tokens(s.tokens_per_month)}, {volume_note(s)}",
        "token mix": f"{present.share(s.input_share)} input, of which {present.share(s.cached_share)} read from cache",
        **({"models in use": s.api_mix} if s.api_mix else {}),
        (f"API price, {s.api_model}" if not s.from_bill else "API price, the team's own bill"):
            (f"{present.usd_per_mtok(d.api_usd_per_mtok)} at this mix (as of {price_date(s)}, {row['price_basis']} price)"
             if not s.from_bill else f"{present.usd_per_mtok(d.api_usd_per_mtok)}: its usage priced row by row at the "
                                     f"list prices in force each day (catalog as of {price_date(s)})"),
        "API bill today": f"{present.usd(d.current_api_usd_per_month)} a month",
        **({"spend the export records": f"{present.usd(s.recorded_api_usd_per_month)} a month, scaled like the tokens; "
                                        f"the kit's price is {_signed_share(bill_difference(s, d))} of it"}
           if s.recorded_api_usd_per_month else {}),
        **({"tokens no catalog prices": f"{present.share(s.unpriced_share)}, priced at the bill's average"}
           if s.unpriced_share else {}),
        "self-hosting it all today": (f"{present.usd(d.own_usd_per_month)} a month: "
                                      f"{present.plural(float(own['replicas']), 'replica')} of {s.own.gpus_per_replica:g} × {s.gpu} ({MODE_WORDS[s.gpu_mode]}) — hardware "
                                      f"{present.usd(float(own['hardware_usd']))}, people {present.usd(float(own['people_usd']))}, "
                                      f"power {present.usd(float(own['power_usd']))}"),
        "break-even volume": (f"{present.tokens(be)} tokens a month" if np.isfinite(be) else "never at today's prices"),
        "this team against it": (f"{present.share(s.tokens_per_month / be)} of the break-even volume" if np.isfinite(be)
                                 else DASH_REASON.format(reason=never_pays_reason(d.api_usd_per_mtok, s.own, 1e15))),
    })


DASH_REASON = "— ({reason})"


def _signed_share(x: float) -> str:
    """+3.2 % / -0.4 % / 0 %: a difference as a signed percentage."""
    return "0 %" if abs(x) < 5e-4 else f"{'+' if x > 0 else '-'}{present.share(abs(x), digits=1)}"


def path_text(s: Scenario, d: Decision) -> str:
    """What the recommended path does month by month, and where it costs more than renting."""
    if d.recommendation == "rent":
        return f"Renting stays the cheapest path over {s.horizon_months} months. {d.reason}."
    what = "all traffic" if d.recommendation == "own" else f"{present.share(d.own_share)} of the traffic"
    when = (f"self-host {what} from now" if d.start_month == 0 else
            f"stay on {api_label(s)} until {present.month(d.start_month)}, then self-host {what}")
    text = (f"The owning path: {when}. Over {s.horizon_months} months it saves {present.usd(d.saving_usd)} in present value "
            f"({present.usd(d.monthly['rent_usd'].sum() - d.monthly['path_usd'].sum())} undiscounted).")
    dearer = d.dearer_months
    if dearer:
        text += (f" In {present.plural(len(dearer), 'month')} ({_ranges(dearer)}) it costs more than renting, while a newly added "
                 "replica waits for traffic to fill it; the saving is over the whole horizon.")
    return text


def _ranges(months: list[int]) -> str:
    """[10, 11, 12, 20] -> 'months 10–12, 20'."""
    parts, start = [], months[0]
    for prev, cur in zip(months, months[1:] + [None]):
        if cur != prev + 1:
            parts.append(f"{start}–{prev}" if prev > start else f"{start}")
            start = cur
    return "months " + ", ".join(parts)


def shares_table(d: Decision, mark: str = "← recommended") -> present.Table:
    """Every self-hosted share with its cheapest start and saving; the chosen row marked with `mark`."""
    rows = []
    for r in d.shares.itertuples():
        pays = r.saving_usd > 1e-6 and r.own_share > 0
        chosen = d.recommendation != "rent" and np.isclose(r.own_share, d.own_share)
        rows.append({"self-hosted share": present.share(r.own_share),
                     "cheapest start": present.month(r.start_month) if pays else "—",
                     "present value": present.usd(r.npv_usd), "saving against renting": present.usd(r.saving_usd),
                     "": mark if chosen else ""})
    return present.table(pd.DataFrame(rows), "Present value over the horizon of each self-hosted share, "
                                             "starting in its cheapest month")


def certainty_table(d: Decision, what: str | None = None) -> present.Table:
    """The Monte Carlo of the path in the headline (or, when renting, of the best alternative)."""
    p10, p50, p90 = d.saving_quantiles((10, 50, 90))
    runs = len(d.runs["saving_usd"])
    what = what or ("the recommended path" if d.recommendation != "rent" else "the best self-hosting alternative")
    return present.key_values({
        "scenarios drawn": present.count(runs),
        f"{what} saves money in": present.share(float(np.mean(d.runs["saving_usd"] > 0))),
        "saving, 10th percentile": present.usd(p10),
        "saving, median": present.usd(p50),
        "saving, 90th percentile": present.usd(p90),
    }, caption=f"Saving of {what} against renting, present value over the horizon")


COLOURS = {"rent": "#c0504d", "own": "#1f4e79", "hybrid": "#4f7f2f"}


def headline_card(s: Scenario, d: Decision, generated: str | None = None) -> present.Card:
    """The report's first block: headline, today's bills, the assumptions behind it, and the dates."""
    return present.headline_card(f"tokenomics team report · {s.team}", headline(s, d),
                                 [today_text(s, d), assumptions_text(s), provenance_text(s, generated)],
                                 COLOURS[d.recommendation])


def source_line(s: Scenario) -> str:
    """Footnote of every chart of a team report: sources and dates."""
    return (f"Source: tokenomics catalogs (data/*.csv); {s.api_model} price as of {price_date(s)}; "
            f"{s.open_model} on {s.gpu}, {s.weight_format}, {MODE_WORDS[s.gpu_mode]}; growth ×{s.volume_growth_per_year:g}/yr, "
            f"API price -{present.share(s.api_price_decline_per_year)}/yr.")


def path_label(s: Scenario, d: Decision) -> str:
    """Legend label of the recommended path."""
    if d.recommendation == "rent":
        return "recommended: rent"
    what = "all traffic" if d.recommendation == "own" else f"{present.share(d.own_share)} of traffic"
    return f"recommended: {what} on {s.open_model} from {present.month(d.start_month)}"


def volume_curves(s: Scenario, d: Decision) -> dict:
    """Monthly cost of renting and of owning all traffic against volume (two decades either side of today),
    with today's volume and the break-even marked: the arguments of `plots.rent_vs_own`."""
    volume = np.logspace(np.log10(s.tokens_per_month) - 2, np.log10(s.tokens_per_month) + 2, 300)
    marks = {"this team today": s.tokens_per_month}
    if np.isfinite(d.break_even_tokens_per_month):
        marks["break-even"] = d.break_even_tokens_per_month
    return {"tokens_per_month": volume, "rent_usd": d.api_usd_per_mtok * volume / 1e6,
            "own_usd": {f"own: {s.open_model} on {s.gpu} ({MODE_WORDS[s.gpu_mode]})": s.own.monthly_usd(volume)},
            "marks": marks}


# ---- the recommendation across every path (search.recommend) -------------------------------------------------

PATH_WORDS = {"stay": "Stay", "api": "Switch", "by_token": "Rent by the token", "own": "Own", "hybrid": "Hybrid"}
PATH_COLOURS = {"stay": "#c0504d", "api": "#8064a2", "by_token": "#4bacc6", "own": "#1f4e79", "hybrid": "#4f7f2f"}


def quality_sentence(rec) -> str:
    """The quality the recommendation was held to, in one sentence."""
    from . import quality

    cls = quality.CLASS_WORDS[rec.quality_class]
    bench = quality.benchmarks().get(rec.quality_class, rec.quality_class)
    current = f"{rec.current_quality:.1f}"
    if rec.path == "stay":
        return (f"Quality floor: {rec.floor:.1f} on {cls} ({bench}), {rec.scenario.quality_tolerance_points:g} points "
                f"below the current {current}.")
    return (f"Quality: {rec.recommended_quality:.1f} on {cls} ({rec.chosen['quality_basis']}) against a floor of "
            f"{rec.floor:.1f} ({rec.scenario.quality_tolerance_points:g} points below the current {current}).")


def recommendation_headline(rec) -> str:
    """The sentence a team report leads with, for any path."""
    from .search import describe

    s = rec.scenario
    if rec.path in ("own", "hybrid"):
        return headline(rec.own_scenario, rec.decision) + " " + quality_sentence(rec)
    if rec.path == "stay":
        return f"Stay on {api_label(s)}: {rec.note}. " + quality_sentence(rec)
    runs = rec.saving_runs()
    p10, p90 = np.percentile(runs, [10, 90])
    verb = "Switch to" if rec.path == "api" else "Rent"
    return (f"{verb} {describe(rec.chosen)}: saves {present.usd(rec.saving_usd)} over {s.horizon_months} months against "
            f"staying on {api_label(s)} (present value at {present.share(s.discount_rate_per_year)}); it saves money in "
            f"{present.share(float(np.mean(runs > 0)))} of price scenarios (P10–P90 {present.usd(p10)} to "
            f"{present.usd(p90)}). " + quality_sentence(rec))


def recommendation_card(rec, generated: str | None = None) -> present.Card:
    """The team report's first block for any path."""
    s = rec.scenario
    today = (f"Today: {present.tokens(s.tokens_per_month)} tokens a month on {api_label(s)} cost "
             f"{present.usd(s.api_usd_per_mtok * s.tokens_per_month / 1e6)} a month.")
    return present.headline_card(f"tokenomics team report · {s.team}", recommendation_headline(rec),
                                 [today, assumptions_text(s), provenance_text(s, generated)], PATH_COLOURS[rec.path])


def candidates_table(rec, per_path: int = 3) -> present.Table:
    """The best few candidates of each path against the floor: what each would cost and how good it is."""
    from .search import describe

    c = rec.candidates
    picks = []
    for p in ("api", "by_token", "own"):  # the cheapest that qualify, and the closest that does not
        mine = c[c["path"] == p].sort_values("npv_usd")
        picks += [mine[mine["qualifies"]].head(per_path),
                  mine[~mine["qualifies"] & mine["quality"].notna()].sort_values("quality", ascending=False).head(1)]
    shown = pd.concat(picks)
    rows = [{"path": "stay (today)", "candidate": api_label(rec.scenario),
             "present value": present.usd(c.attrs["stay_npv_usd"]), "saving": "—",
             "quality": f"{rec.current_quality:.1f}", "meets the floor": "—"}]
    for r in shown.itertuples():
        row = pd.Series(r._asdict())
        rows.append({"path": PATH_WORDS[r.path].lower(), "candidate": describe(row), "present value": present.usd(r.npv_usd),
                     "saving": present.usd(r.saving_usd),
                     "quality": "no score" if np.isnan(r.quality) else f"{r.quality:.1f}",
                     "meets the floor": "yes" if r.qualifies else "no"})
    unscored = int(c["quality"].isna().sum())
    return present.table(pd.DataFrame(rows), f"The cheapest candidates of each path that meet the quality floor of "
                                             f"{rec.floor:.1f}, and the closest that does not, over "
                                             f"{rec.scenario.horizon_months} months (switching now, all traffic); "
                                             f"{present.count(unscored)} of {present.count(len(c))} candidates have no "
                                             "published score and are left out")


def recommendation_row(rec) -> dict:
    """The team's line in summary.csv and the index, for any path."""
    from .search import describe

    s = rec.scenario
    runs = rec.saving_runs()
    row = {"team": s.team, "recommendation": rec.path if rec.path != "by_token" else "by_token",
           "headline": recommendation_headline(rec), "saving_usd": rec.saving_usd,
           "p_saving": float(np.mean(runs > 0)) if rec.path != "stay" else float("nan"),
           "saving_p10_usd": float(np.percentile(runs, 10)), "saving_p90_usd": float(np.percentile(runs, 90)),
           "recommended_model": rec.chosen["quality_name"] if rec.chosen is not None else s.api_model,
           "quality_class": rec.quality_class, "quality_floor": rec.floor, "current_quality": rec.current_quality,
           "recommended_quality": rec.recommended_quality,
           "api_model": f"mixed: {s.api_mix}" if s.api_mix else s.api_model, "api_provider": s.api_provider,
           "tokens_per_month": s.tokens_per_month, "current_api_usd_per_month": s.api_usd_per_mtok * s.tokens_per_month / 1e6,
           "recorded_api_usd_per_month": s.recorded_api_usd_per_month, "unpriced_share": s.unpriced_share,
           "prices_as_of": price_date(s), "usage_first_date": s.usage_first_date, "usage_last_date": s.usage_last_date,
           "usage_days_observed": s.usage_days_observed, "candidate": describe(rec.chosen) if rec.chosen is not None else ""}
    if rec.path in ("own", "hybrid"):
        d = rec.decision
        row |= {"start_month": d.start_month, "own_share": d.own_share, "confidence": d.confidence,
                "open_model": rec.own_scenario.open_model, "gpu": rec.own_scenario.gpu,
                "deployment": f"{rec.own_scenario.own.gpus_per_replica:g} × {rec.own_scenario.gpu}, "
                              f"{rec.own_scenario.weight_format}, {rec.own_scenario.price_basis}",
                "gpu_mode": rec.own_scenario.gpu_mode, "own_usd_per_month": d.own_usd_per_month,
                "break_even_tokens_per_month": d.break_even_tokens_per_month}
    else:
        row |= {"start_month": 0 if rec.path != "stay" else None, "own_share": 0.0,
                "confidence": float(np.mean(runs > 0)) if rec.path != "stay" else _stay_confidence(rec)}
    if s.recorded_api_usd_per_month:
        row["bill_difference_share"] = row["current_api_usd_per_month"] / s.recorded_api_usd_per_month - 1
    return row


def _stay_confidence(rec) -> float:
    """When staying: the share of scenarios in which the best owning alternative would not have saved money."""
    if rec.decision is None:
        return float("nan")
    return float(np.mean(rec.decision.runs["saving_usd"] <= 0))


def chart_marks(rec) -> dict:
    """What the cost-against-quality chart marks: the floor, today's path, the chosen candidate."""
    c = rec.candidates
    marks = {"floor": rec.floor, "today": (rec.current_quality, c.attrs["stay_npv_usd"])}
    if rec.chosen is not None:
        marks["chosen"] = (float(rec.chosen["quality"]), float(rec.chosen["npv_usd"]))
    return marks


def quality_axis_label(rec) -> str:
    from . import quality

    return (f"quality on {quality.CLASS_WORDS[rec.quality_class]} "
            f"({quality.benchmarks().get(rec.quality_class, rec.quality_class)}, 0-100)")


def quality_source(rec) -> str:
    return ("Source: quality from Artificial Analysis' evaluations (data/quality_scores.csv, dated) or the team's own; "
            "prices from data/api_list_prices.csv; owning from the kit's roofline and data/gpu_prices.csv.")


def search_text(rec) -> str:
    """What was searched and why the answer is what it is, in two or three sentences."""
    from .search import describe

    c = rec.candidates
    counts = c.groupby("path").size()
    qualifies = c.groupby("path")["qualifies"].sum()
    parts = [f"{present.count(counts.get(p, 0))} {w} ({present.count(qualifies.get(p, 0))} meet the floor)"
             for p, w in (("api", "API models"), ("by_token", "open models sold by the token"),
                          ("own", "owning deployments"))]
    allowed = rec.scenario.allowed_providers
    text = f"Searched {', '.join(parts)}" + (f" (tokens bought only from {', '.join(allowed)})" if allowed else "") + ". "
    if rec.path == "stay":
        text += f"Staying: {rec.note}."
    else:
        text += f"The cheapest that meets the floor and saves enough: {describe(rec.chosen)}."
    note = c.attrs.get("named_model_note", "")
    return text + (f" {note}" if note else "")


def deployment_text(rec) -> str:
    """How the owning deployment weighed exactly is sized: the latency target it is held to, its layout, and
    what one replica then does (`serving.deployment_table`, the calibrated roofline)."""
    s = rec.own_scenario
    if s is None:
        return ""
    c = rec.candidates
    row = c[(c["path"] == "own") & (c["model"] == s.open_model) & (c["gpu"] == s.gpu)
            & (c["weight_format"] == s.weight_format) & (c["gpus_per_replica"] == s.gpus_per_replica)]
    if not len(row):
        return ""
    r = row.iloc[0]
    target = []
    if s.min_output_tokens_per_s_per_user:
        target.append(f"at least {s.min_output_tokens_per_s_per_user:g} output tokens/s per user")
    if s.max_ttft_s:
        target.append(f"first token within {s.max_ttft_s:g} s")
    held = (f"for the {s.workload} workload's latency target ({' and '.join(target)})" if target
            else "with no latency target (batch work: the largest batch memory allows)")
    layout = (f"expert-parallel over {r['ep']:g} GPUs" if r["layout"] == "dep"
              else f"tensor-parallel over {r['tp']:g} GPU{'s' if r['tp'] > 1 else ''}")
    engine = s.engine or "pooled"
    error = _held_out_error(engine)
    return (f"Sized {held}: one replica of {r['gpus_per_replica']:g} × {s.gpu}, {layout}, {s.weight_format} weights, "
            f"serves {r['output_tokens_per_s']:,.0f} output tokens/s at a batch of {r['batch']:,.0f}, each user seeing "
            f"{r['tokens_per_s_per_user']:,.1f} tokens/s and a first token in {r['ttft_s']:.2f} s. The roofline behind "
            f"it ({engine} fit) is off by {present.share(error)} on average on published results it was not fitted "
            "on; the Monte Carlo below draws the throughput around it.")


@lru_cache(maxsize=8)
def _held_out_error(engine: str) -> float:
    from .serving import engine_errors

    return float(engine_errors().at[engine, "held_out_mean"])


def basis_table(s: Scenario, runs: int = 400) -> present.Table:
    """The owning verdict under each GPU price basis the GPU is quoted on (the basis can flip it)."""
    from .owning import PRICE_BASES, load_gpu_prices

    quoted = set(load_gpu_prices().query("gpu == @s.gpu")["basis"]) if s.gpu else set()
    rows = []
    for basis in (b for b in PRICE_BASES if b in quoted):
        d = decide(s.replace(gpu_mode="buy" if basis == "purchase" else "rent", gpu_price_basis=basis), runs=runs)
        rows.append({"GPU price basis": basis.replace("_", " "), "verdict": d.recommendation,
                     "start": present.month(d.start_month, never="—"),
                     "saving (present value)": present.usd(d.saving_usd) if d.recommendation != "rent" else "—",
                     "confidence": present.share(d.confidence)})
    return present.table(pd.DataFrame(rows), f"{s.open_model} on {s.gpu}: the verdict under each GPU price basis")


def owning_role(rec) -> str:
    """How the report names the owning path it weighs: the recommendation, or what it was weighed against."""
    return "the recommended path" if rec.path in ("own", "hybrid") else "the owning path (not recommended)"
