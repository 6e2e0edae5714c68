"""Which model for which workload? Every path a team could take, priced over the horizon and checked for quality.

For one team (a `Scenario`): (a) staying on its API, (b) switching to another API model, (c) renting an open
model by the token, (d) owning — every open model x GPU x weight format x deployment x GPU price basis —
and, for the best owning candidates, (e) hybrids that keep part of the traffic on the API. Each candidate
gets its present value over the horizon and its quality on the team's task class (`tokenomics.quality`);
the recommendation is the cheapest candidate at or above the quality floor (the current model's score minus
a tolerance). All candidates of a kind are priced in one array operation (no Python loop per candidate).

Screening prices (b)-(d) switching now, all traffic; the few cheapest owning candidates that qualify are
then weighed exactly by `advice.decide` (every self-hosted share and start month, in cash).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from . import present, quality
from .catalog import DATA_DIR, load_api_prices
from .owning import PRICE_BASES, RENT_BASES
from .renting import TOKENS_PER_MTOK, blended_price, current_list_prices
from .scenario import Scenario

#: Owning candidates `advice.decide` weighs exactly after screening (the cheapest that qualify).
EXACT = 3


def current_quality(s: Scenario, table: pd.DataFrame) -> tuple[float, str]:
    """The current API side's score on the team's class: its model's, or for a mix of models the token-weighted
    mean over those with a score. Returns (score, basis)."""
    if not s.api_mix:
        row = quality.scores([s.api_model], s.resolved_task_class, table).iloc[0]
        return float(row["score"]), str(row["basis"])
    parts = [p.rsplit(" ", 2) for p in s.api_mix.split(", ")]
    names, weights = [p[0] for p in parts], np.array([float(p[1]) for p in parts])
    got = quality.scores(names, s.resolved_task_class, table)
    ok = ~got["score"].isna().to_numpy()
    if not ok.any():
        return float("nan"), ""
    score = float(np.average(got["score"].to_numpy()[ok], weights=weights[ok]))
    return score, "token-weighted mean of the mix (" + ", ".join(sorted(set(got["basis"][ok]))) + ")"


def api_candidates(s: Scenario) -> pd.DataFrame:
    """Every list price in force that the team could switch to: first-party API models (b) and open models sold
    by the token (c), from the providers the team allows (`Scenario.providers`; None: any), each priced per
    million tokens at the team's mix (cached input at the cache-read price, input where none is listed)."""
    rows = current_list_prices(s.prices_as_of)  # a batch price cannot serve interactive traffic: left out
    rows = rows[~((rows["provider"] == s.api_provider) & (rows["model"] == s.api_model))]  # staying is no switch
    if s.allowed_providers:
        rows = rows[rows["provider"].isin(s.allowed_providers)]
    cached = rows["cached_input_usd_per_mtok"].fillna(rows["input_usd_per_mtok"]).to_numpy()
    price = blended_price(rows["input_usd_per_mtok"].to_numpy(), rows["output_usd_per_mtok"].to_numpy(),
                          s.input_share, s.cached_share, cached)
    by_token = (rows["open_model"] != "").to_numpy()
    return pd.DataFrame({"path": np.where(by_token, "by_token", "api"), "provider": rows["provider"].to_numpy(),
                         "model": rows["model"].to_numpy(),
                         "quality_name": rows["quality_name"].to_numpy(),
                         "usd_per_mtok": np.asarray(price, dtype=float)})


def own_grid(models: list[str] | None = None, gpus: list[str] | None = None, *, input_tokens: float,
             output_tokens: float, cached_share: float = 0.0, min_output_tokens_per_s_per_user: float | None = None,
             max_ttft_s: float | None = None, engine: str | None = None) -> pd.DataFrame:
    """Every deployment worth pricing: `serving.deployment_table` (every open model x GPU x weight format x
    replica layout, at the largest batch meeting the latency target), keeping those that meet it and, per
    model x GPU x format, only the replica sizes that give more output per GPU than every smaller one — a
    bigger replica that does less per GPU costs more at every volume (hardware and people scale with GPUs,
    and a smaller replica steps capacity more finely)."""
    key = (tuple(models) if models else None, tuple(gpus) if gpus else None, float(input_tokens), float(output_tokens),
           float(cached_share), min_output_tokens_per_s_per_user or None, max_ttft_s, engine)
    return _grid(*key).copy()


#: Where the deployment grids are kept between processes (each report runs in its own kernel): a directory only
#: this user can write, files named by a hash of the catalogs, the sizing code and the arguments, in Parquet.
CACHE_DIR = Path(os.environ.get("TOKENOMICS_CACHE_DIR", Path(tempfile.gettempdir()) / f"tokenomics-{os.getuid()}"))


def _cache_file(key: tuple) -> Path | None:
    """The grid's cache file, or None where no private cache directory can be had."""
    from . import memory, serving

    try:
        CACHE_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
        if CACHE_DIR.stat().st_uid != os.getuid():
            return None
    except OSError:
        return None
    digest = hashlib.sha256(repr(key).encode())
    for name in ("open_models.csv", "gpus.csv", "serving_benchmarks.csv"):
        digest.update((DATA_DIR / name).read_bytes())
    for source in (serving.__file__, memory.__file__, __file__):  # the code that sizes and prunes
        digest.update(Path(source).read_bytes())
    return CACHE_DIR / f"deployments-{digest.hexdigest()[:32]}.parquet"


@lru_cache(maxsize=32)
def _grid(*key) -> pd.DataFrame:
    path = _cache_file(key)
    if path is not None and path.exists():
        try:
            return pd.read_parquet(path)
        except (OSError, ValueError):  # a torn or foreign file: compute afresh
            pass
    grid = _computed_grid(*key)
    if path is not None:
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        try:
            grid.to_parquet(partial, index=False)
            os.replace(partial, path)
        except OSError:
            partial.unlink(missing_ok=True)
    return grid


def _computed_grid(models, gpus, input_tokens, output_tokens, cached_share, min_tps, max_ttft, engine) -> pd.DataFrame:
    from .serving import deployment_table

    table = deployment_table(list(models) if models else None, list(gpus) if gpus else None,
                             input_tokens=input_tokens, output_tokens=output_tokens, cached_share=cached_share,
                             min_output_tokens_per_s_per_user=min_tps, max_ttft_s=max_ttft, engine=engine,
                             include_infeasible=False)
    table = table.sort_values(["model", "gpu", "weight_format", "gpus_per_replica", "output_tokens_per_s_per_gpu"],
                              ascending=[True, True, True, True, False], ignore_index=True)
    group = [table["model"], table["gpu"], table["weight_format"]]
    best_before = table.groupby(group)["output_tokens_per_s_per_gpu"].cummax().groupby(group).shift(1).fillna(0.0)
    kept = table[table["output_tokens_per_s_per_gpu"] > best_before * (1 + 1e-9)]
    return kept[["model", "gpu", "weight_format", "gpus_per_replica", "layout", "tp", "ep", "nodes",
                 "output_tokens_per_s", "tokens_per_s_per_user", "ttft_s", "batch",
                 "prefill_time_share"]].reset_index(drop=True)


@lru_cache(maxsize=4096)
def _hardware(gpu: str, basis: str, sizes: tuple, profile: str, gpu_power_w: float | None) -> tuple | None:
    """Per deployment size in `sizes`: hardware + hosting a month, power a month at full load (bought), capex
    (bought) — `owning`'s own functions, called once per GPU kind and basis; None where the basis has no price."""
    from .owning import capex_usd, monthly_fixed_cost, monthly_power_cost

    n = np.array(sizes, dtype=float)
    bought = basis == "purchase"
    try:
        fixed = monthly_fixed_cost(gpu, n, price_basis=basis, profile=profile, gpu_power_w=gpu_power_w)
    except ValueError:  # no provider quotes this GPU on this basis
        return None
    hardware = np.asarray(fixed["hardware_usd"], dtype=float) + np.asarray(fixed["hosting_usd"], dtype=float)
    power = (np.asarray(monthly_power_cost(gpu, n, 1.0, profile=profile, gpu_power_w=gpu_power_w), dtype=float)
             if bought else np.zeros(len(n)))
    capex = np.asarray(capex_usd(gpu, n, profile=profile), dtype=float) if bought else np.zeros(len(n))
    return hardware, power, capex


def own_candidates(s: Scenario, grid: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every owning candidate for the team — grid row (model x GPU x format x deployment) x GPU price basis —
    with the `OwnCost` columns that price it: one replica's capacity at the team's request sizes, its hardware
    (rent, or amortised purchase with hosting), its power per token, the engineers it needs, its capex.
    The team's stated open model, GPU, format, GPU mode or basis restrict the search to them."""
    from .owning import assumption, monthly_people_cost

    if grid is None:
        grid = own_grid([s.open_model] if s.open_model else None, [s.gpu] if s.gpu else None,
                        input_tokens=s.input_tokens_per_request, output_tokens=s.output_tokens_per_request,
                        cached_share=s.cached_share, min_output_tokens_per_s_per_user=s.min_output_tokens_per_s_per_user,
                        max_ttft_s=s.max_ttft_s, engine=s.engine)
    if s.weight_format:
        grid = grid[grid["weight_format"] == s.weight_format].reset_index(drop=True)
    if s.gpus_per_replica:
        grid = grid[grid["gpus_per_replica"] == s.gpus_per_replica].reset_index(drop=True)
    bases = [s.gpu_price_basis] if s.gpu_price_basis else {"rent": list(RENT_BASES), "buy": ["purchase"],
                                                           None: list(PRICE_BASES)}[s.gpu_mode]
    sizes = tuple(sorted(set(grid["gpus_per_replica"])))
    position = {n: i for i, n in enumerate(sizes)}
    size_index = grid["gpus_per_replica"].map(position).to_numpy()
    hours = assumption("hours_per_month")
    tokens_full = (grid["output_tokens_per_s"].to_numpy() * (s.input_tokens_per_request + s.output_tokens_per_request)
                   / s.output_tokens_per_request * 3600 * hours)
    picks, columns = [], {"hardware": [], "power": [], "capex": [], "basis": []}
    for basis in bases:
        for gpu in grid["gpu"].unique():
            table = _hardware(gpu, basis, sizes, s.deployment_profile, s.gpu_power_w)
            if table is None:
                continue
            rows = np.flatnonzero(grid["gpu"].to_numpy() == gpu)
            picks.append(rows)
            for name, values in zip(("hardware", "power", "capex"), table):
                columns[name].append(values[size_index[rows]])
            columns["basis"].append(np.full(len(rows), basis))
    if not picks:
        return grid.iloc[:0].assign(path="own")
    rows = np.concatenate(picks)
    own = grid.iloc[rows].reset_index(drop=True)
    basis = np.concatenate(columns["basis"])
    bought = basis == "purchase"
    full = tokens_full[rows]
    own = own.assign(basis=basis, gpu_mode=np.where(bought, "buy", "rent"), capacity_tokens_per_month=full,
                     hardware_usd_per_replica_month=np.concatenate(columns["hardware"]),
                     variable_usd_per_mtok=np.concatenate(columns["power"]) / full * TOKENS_PER_MTOK,
                     capex_usd_per_replica=np.concatenate(columns["capex"]),
                     amortisation_months=np.where(bought, 12 * assumption("amortisation_years"), np.inf),
                     people_usd_per_month=float(monthly_people_cost(0, 1, fte_share=s.fte_share)),
                     people_usd_per_gpu_month=float(monthly_people_cost(1, 0, fte_share=s.fte_share)),
                     path="own", quality_name=grid["model"].to_numpy()[rows])
    return own


def _discounted(streams: np.ndarray, s: Scenario) -> np.ndarray:
    return (streams * (1 + s.discount_rate_per_year) ** (-np.arange(s.horizon_months) / 12)).sum(axis=-1)


def screen(s: Scenario, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every candidate path with its present value over the horizon (switching now, all traffic; owning in
    cash), its saving against staying, and its quality on the team's task class against the floor."""
    from .projection import project_arrays, rent_arrays
    from .scenario import refresh_months

    table = quality.score_table(team_scores(s)) if table is None else table
    base = s.rent_inputs()
    stay = float(_discounted(np.asarray(rent_arrays(s.tokens_per_month, **base)["rent_usd"]), s))
    api = api_candidates(s)
    prices = api_price_columns(api, s)
    rent = rent_arrays(s.tokens_per_month, **(base | {
        "api_input_usd_per_mtok": prices["input"][:, None], "api_output_usd_per_mtok": prices["output"][:, None],
        "cached_share": s.cached_share, "cached_input_usd_per_mtok": prices["cached"][:, None]}))["rent_usd"]
    api["npv_usd"] = _discounted(np.asarray(rent), s)
    own = own_candidates(s)
    own["npv_usd"] = np.nan
    for mode, rows in own.groupby("gpu_mode"):  # bought hardware keeps its price; rented follows the market
        cost = _own_cost(rows, s)
        arrays = project_arrays(s.tokens_per_month, **(base | {
            "own": cost, "hybrid_own_share": 1.0, "gpu_price_decline_per_year": s.gpu_price_decline_per_year,
            "hardware_refresh_months": refresh_months(mode)}))
        own.loc[rows.index, "npv_usd"] = _discounted(np.asarray(arrays["own_cash_usd"]), s)
    every = pd.concat([api, own], ignore_index=True)
    got = quality.scores(every["quality_name"], s.resolved_task_class, table)
    every["quality"], every["quality_basis"] = got["score"].to_numpy(), got["basis"].to_numpy()
    current, current_basis = current_quality(s, table)
    floor = current - s.quality_tolerance_points if np.isfinite(current) else np.nan
    every["saving_usd"] = stay - every["npv_usd"]
    every["qualifies"] = every["quality"] >= floor
    every.attrs |= {"stay_npv_usd": stay, "current_quality": current, "current_basis": current_basis,
                    "floor": floor, "task_class": s.resolved_task_class}
    return every.sort_values("npv_usd", ignore_index=True)


def _own_cost(rows: pd.DataFrame, s: Scenario):
    """An `OwnCost` whose fields are columns of `rows` (one candidate each, shape (C, 1))."""
    from .owning import OwnCost

    col = {c: rows[c].to_numpy(dtype=float)[:, None] for c in (
        "capacity_tokens_per_month", "hardware_usd_per_replica_month", "people_usd_per_month", "variable_usd_per_mtok",
        "gpus_per_replica", "people_usd_per_gpu_month", "capex_usd_per_replica", "amortisation_months")}
    output_share = s.output_tokens_per_request / (s.input_tokens_per_request + s.output_tokens_per_request)
    return OwnCost(col["capacity_tokens_per_month"], col["hardware_usd_per_replica_month"], col["people_usd_per_month"],
                   col["variable_usd_per_mtok"], s.target_utilisation, s.peak_to_average, np.inf, output_share,
                   col["gpus_per_replica"], col["people_usd_per_gpu_month"], col["capex_usd_per_replica"],
                   col["amortisation_months"])


def api_price_columns(api: pd.DataFrame, s: Scenario) -> dict[str, np.ndarray]:
    """Input, cached-input and output USD per million tokens of each API candidate, aligned with `api`."""
    prices = load_api_prices().set_index(["provider", "model"])
    when = pd.Timestamp(s.prices_as_of) if s.prices_as_of else None
    rows = prices.loc[list(zip(api["provider"], api["model"]))]
    rows = rows[rows["price_basis"] == "list"]
    rows = rows[(rows["valid_from"].isna()) | (when is None) | (rows["valid_from"] <= (when or pd.Timestamp.max))]
    rows = rows.reset_index().sort_values("valid_from", na_position="first").groupby(["provider", "model"]).tail(1)
    rows = rows.set_index(["provider", "model"]).loc[list(zip(api["provider"], api["model"]))]
    inputs = rows["input_usd_per_mtok"].to_numpy(dtype=float)
    return {"input": inputs, "output": rows["output_usd_per_mtok"].to_numpy(dtype=float),
            "cached": rows["cached_input_usd_per_mtok"].fillna(rows["input_usd_per_mtok"]).to_numpy(dtype=float)}


def team_scores(s: Scenario) -> pd.DataFrame | None:
    """The team's own quality scores (`Scenario.quality_scores`, a CSV path or text), or None: the catalog's."""
    return quality.read_team_scores(s.quality_scores) if s.quality_scores else None


@dataclass
class Recommendation:
    """The path a team should take, the candidates it was chosen from, and the quality it was held to."""

    scenario: Scenario  # the team as given
    path: str  # "stay", "api", "by_token", "own" or "hybrid"
    chosen: pd.Series | None  # the candidate row (None when staying)
    decision: object | None  # advice.Decision of the owning path weighed exactly (own / hybrid), or of the best one
    own_scenario: Scenario | None  # the deployment that decision weighs
    saving_usd: float  # present value saved against staying
    candidates: pd.DataFrame  # the screened candidates (quality, present value, qualifies)
    note: str = ""  # why staying, or what was honoured

    @property
    def quality_class(self) -> str:
        return str(self.candidates.attrs["task_class"])

    @property
    def recommended_quality(self) -> float:
        """The chosen candidate's score (the current model's when staying)."""
        return float(self.chosen["quality"]) if self.chosen is not None else self.current_quality

    def saving_runs(self, runs: int = 4000, seed: int = 0) -> np.ndarray:
        """Present value saved in `runs` drawn scenarios. Owning: the decision's own Monte Carlo. An API switch:
        the current and the new price each drawn on their own (x/÷2 at the 10th/90th percentile), so the saving
        is at risk only if the two move apart. Staying: zeros."""
        from .advice import UNCERTAIN, lognormal

        if self.path in ("own", "hybrid"):
            return self.decision.runs["saving_usd"]
        if self.path == "stay":
            return np.zeros(runs)
        rng = np.random.default_rng(seed)
        spread = lognormal(1.0, UNCERTAIN["api_price"][1])
        now, new = (spread.rvs(size=runs, random_state=rng) for _ in range(2))
        return self.candidates.attrs["stay_npv_usd"] * now - float(self.chosen["npv_usd"]) * new

    @property
    def floor(self) -> float:
        return float(self.candidates.attrs["floor"])

    @property
    def current_quality(self) -> float:
        return float(self.candidates.attrs["current_quality"])


def named_model_note(s: Scenario, screened: pd.DataFrame) -> str:
    """For a team that names its open model: how it scores against the floor (it is honoured: owning is
    searched on it alone)."""
    if not s.open_model:
        return ""
    got = quality.scores([s.open_model], s.resolved_task_class, quality.score_table(team_scores(s))).iloc[0]
    floor = screened.attrs["floor"]
    if np.isnan(got["score"]):
        return f"The open model this team names, {s.open_model}, has no published score to hold to the floor."
    gap = got["score"] - floor
    where = f"{gap:.1f} points above" if gap >= 0 else f"{-gap:.1f} points below"
    return (f"The open model this team names, {s.open_model}, scores {got['score']:.1f} ({got['basis']}), {where} "
            f"the floor of {floor:.1f}; owning is weighed on it alone.")


def recommend(s: Scenario, runs: int | None = None) -> Recommendation:
    """The cheapest path whose quality on the team's class is at or above the floor: the best API switch or
    open model by the token (screened), or the best owning deployment weighed exactly by `advice.decide`
    (every share and start month, in cash, with its Monte Carlo). Staying when nothing qualifies and saves,
    naming the closest candidate and its gap."""
    from .advice import MONTE_CARLO_RUNS, decide

    runs = MONTE_CARLO_RUNS if runs is None else runs
    screened = screen(s)
    screened.attrs["named_model_note"] = named_model_note(s, screened)
    floor = screened.attrs["floor"]
    if not np.isfinite(floor):
        return Recommendation(s, "stay", None, None, None, 0.0, screened,
                              f"no published score of {s.api_model} on {quality.CLASS_WORDS[s.resolved_task_class]} "
                              "or any other class: no floor to hold candidates to")
    good = screened[screened["qualifies"]]
    switch = good[good["path"] != "own"].head(1)
    owners = good[good["path"] == "own"].head(EXACT)
    best_own, best_decision, best_saving = None, None, -np.inf
    for row in owners.itertuples():
        own_s = s.replace(open_model=row.model, gpu=row.gpu, weight_format=row.weight_format, gpu_mode=row.gpu_mode,
                          gpu_price_basis=row.basis, gpus_per_replica=int(row.gpus_per_replica))
        d = decide(own_s, runs=runs)
        saving = d.saving_usd if d.recommendation != "rent" else -np.inf
        if best_decision is None or saving > best_saving or (best_saving == -np.inf and d.confidence < best_decision.confidence):
            best_own, best_decision, best_saving = own_s, d, saving
    switch_saving = float(switch["saving_usd"].iloc[0]) if len(switch) else -np.inf
    enough = max(s.min_saving_share * screened.attrs["stay_npv_usd"], s.min_saving_usd)
    if max(switch_saving, best_saving) <= 0:
        return Recommendation(s, "stay", None, best_decision, best_own, 0.0, screened, _why_stay(screened, s))
    if max(switch_saving, best_saving) < enough:
        best = max(switch_saving, best_saving)
        return Recommendation(s, "stay", None, best_decision, best_own, 0.0, screened,
                              f"the best move that reaches the quality floor saves only {present.usd(best)} over "
                              f"{s.horizon_months} months, {present.share(best / screened.attrs['stay_npv_usd'])} of "
                              f"today's path, below what a move must save ({present.share(s.min_saving_share)} and "
                              f"{present.usd(s.min_saving_usd)})")
    if switch_saving >= best_saving:
        row = switch.iloc[0]
        return Recommendation(s, row["path"], row, best_decision, best_own, switch_saving, screened)
    row = owners[(owners["model"] == best_own.open_model) & (owners["gpu"] == best_own.gpu)
                 & (owners["weight_format"] == best_own.weight_format) & (owners["basis"] == best_own.price_basis)
                 & (owners["gpus_per_replica"] == best_own.gpus_per_replica)].iloc[0]
    return Recommendation(s, best_decision.recommendation, row, best_decision, best_own, best_saving, screened)


def _why_stay(screened: pd.DataFrame, s: Scenario) -> str:
    """Why nothing beats staying: nothing qualifies (the closest candidate that would save, and its gap), or
    nothing that qualifies saves money."""
    floor = screened.attrs["floor"]
    savers = screened[(screened["saving_usd"] > 0) & screened["quality"].notna()]
    if not len(screened[screened["qualifies"] & (screened["saving_usd"] > 0)]) and len(savers):
        closest = savers.sort_values("quality", ascending=False).iloc[0]
        return (f"nothing cheaper reaches the quality floor of {floor:.1f} on "
                f"{quality.CLASS_WORDS[s.resolved_task_class]}; the closest that would save money is "
                f"{describe(closest)} at {closest['quality']:.1f}, {floor - closest['quality']:.1f} points below")
    return "every candidate that reaches the quality floor costs more than staying over the horizon"


def describe(row: pd.Series) -> str:
    """A candidate in words: 'GPT-5 nano (OpenAI API)', 'gpt-oss-120b by the token at Groq', 'DeepSeek R1
    (deepseek/deepseek-r1-0528) by the token at OpenRouter' (a host listing one model under two ids),
    'gpt-oss-120b on 2 x H100 SXM, fp8, rented (committed 3 years)'."""
    if row["path"] == "api":
        return f"{row['model']} ({row['provider']} API)"
    if row["path"] == "by_token":  # the host's own name: it tells apart two offers of one model (ids, variants)
        return f"{row.get('model') or row['quality_name']} by the token at {row['provider']}"
    basis = {"on_demand": "rented on demand", "spot": "rented spot", "committed_1y": "rented, 1-year commitment",
             "committed_3y": "rented, 3-year commitment", "purchase": "bought"}[row["basis"]]
    layout = ", expert-parallel" if row.get("layout") == "dep" else ""
    return f"{row['model']} on {row['gpus_per_replica']:g} × {row['gpu']}{layout}, {row['weight_format']}, {basis}"
