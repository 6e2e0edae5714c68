"""The whole company's plan: which teams move to which model, from when, on one shared fleet.

Every team brings options (`Option`): stay on its API, switch to another API (or an open model rented by the
token), or self-host an open model on a kind of deployment from one of a few start months. Teams that
self-host the same model on the same deployment share one pool of replicas. A mixed-integer programme
(`scipy.optimize.milp`, HiGHS) chooses each team's option and each pool's replicas month by month:

    minimise  sum_t sum_k d_k [ y_t,stay rent_t,k + sum_(j,s) y_t,j,s (rent_t,k if k < s else api_t,j,k
                                                                          or power_t,j,k) ]
              + sum_(P,k) d_k [n_P,k (hardware_P,k + people_per_replica_P) + z_P,k people_fixed_P]
    s.t.      y_t,stay + sum_(j,s) y_t,j,s = 1                      every team takes one path
              sum_(t, j in P, s <= k) y_t,j,s load_t,k <= capacity_P n_P,k   pools cover their teams' load
              n_P,k <= N z_P,k                                       a pool's own engineers, while it runs
              y, z binary; n whole replicas >= 0

with d_k the monthly discount factor, load in output tokens at peak. Costs per month are the kit's own
(renting, OwnCost), so a team alone in the programme gets exactly its standalone best, and pooling can
only lower the total: the plan never costs more than the teams' standalone bests summed (if the solver
stops short of that, the standalone combination is returned), which never cost more than renting all.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from . import present
from .advice import SHARES, _discount, draw_factors
from .scenario import Scenario

#: Months a move may start (besides never): now, then quarterly for the first year, then half-yearly.
START_MONTHS = (0, 3, 6, 9, 12, 18, 24)
SOLVER_TIME_LIMIT_S = 60.0
#: The month a plan is read at (its saving a month, the gateway's prices): a year in, when moves have settled.
REFERENCE_MONTH = 12


@dataclass(frozen=True)
class Option:
    """One thing a team could do instead of staying. Monthly arrays run over the team's horizon."""

    team: str
    kind: str  # "api" (switch API model, incl. open models rented by the token) or "own"
    label: str  # what it is, in words
    model: str  # the model served (catalog name)
    quality: float  # its score on the team's task class (NaN: unknown)
    monthly_usd: np.ndarray  # api: the bill per month; own: the per-token (power) cost per month
    pool: str = ""  # own: the shared-fleet key (model, GPU, format, deployment, price basis)
    load: np.ndarray | None = None  # own: output tokens per month at peak the team puts on the pool
    gpu: str = ""
    gpus_per_replica: float = 0.0
    share: float = 1.0  # own: the share of the team's traffic self-hosted (the rest stays on its API)
    floor: float = np.nan  # the team's quality floor on its task class (its current model's score - tolerance)
    own_input_tokens: np.ndarray | None = None  # own: input tokens per month the team self-hosts (cached included)
    own_output_tokens: np.ndarray | None = None  # own: output tokens per month the team self-hosts
    power_usd: np.ndarray | None = None  # own: power of bought GPUs per month for those tokens
    prefill_share: float = np.nan  # own: share of the deployment's GPU time spent on prefill for this mix
    variable_usd_per_mtok: float = 0.0  # own: power per million tokens served (bought GPUs; 0 when rented)
    peak_to_average: float = 1.0  # own: the team's peak hour over its average hour


@dataclass(frozen=True)
class Pool:
    """A kind of self-hosted deployment teams can share: its capacity and what each replica costs, in cash."""

    key: str
    capacity_output_tokens_per_month: float  # one replica at the target utilisation
    running_usd_per_replica_month: np.ndarray  # by month: the rent, or hosting when bought (GPU prices fall)
    people_usd_per_replica_month: float  # engineers that grow with the fleet
    people_fixed_usd_per_month: float  # engineers for the deployment as such, paid once per pool
    gpus_per_replica: float
    capex_usd_per_replica: np.ndarray = field(default_factory=lambda: np.zeros(0))  # by month bought (0: rented)
    life_months: float = np.inf  # straight-line life of bought hardware

    @property
    def bought(self) -> bool:
        return bool(len(self.capex_usd_per_replica)) and bool(np.any(self.capex_usd_per_replica > 0))

    def _running_usd(self, replicas: np.ndarray, people_factor=1.0, price_factor=1.0) -> np.ndarray:
        """Rent (or hosting when bought) and engineers each month for `replicas` (months on the last axis)."""
        horizon = replicas.shape[-1]
        running = replicas * (self.running_usd_per_replica_month[:horizon] * price_factor
                              + self.people_usd_per_replica_month * people_factor)
        return running + (replicas > 0) * self.people_fixed_usd_per_month * people_factor

    def _hardware_usd(self, replicas: np.ndarray, price_factor=1.0) -> tuple[np.ndarray, np.ndarray]:
        """Bought hardware's cash each month and the book value credited at the end (`projection._hardware_cash`,
        the team projection's own rule)."""
        from types import SimpleNamespace

        from .projection import _hardware_cash

        horizon = replicas.shape[-1]
        hardware = SimpleNamespace(amortisation_months=self.life_months,
                                   capex_usd_per_replica=self.capex_usd_per_replica[:horizon] * price_factor)
        return _hardware_cash(hardware, replicas, replicas > 0, 1.0, np.arange(horizon))

    def cash_usd(self, replicas: np.ndarray, people_factor=1.0, price_factor=1.0) -> np.ndarray:
        """The pool's cash each month for `replicas` in service (months on the last axis): running cost and
        engineers, plus bought hardware when first needed and its book value credited at the end."""
        running = self._running_usd(replicas, people_factor, price_factor)
        if not self.bought:
            return running
        capex, book = self._hardware_usd(replicas, price_factor)
        return running + capex - book

    def amortised_usd(self, replicas: np.ndarray) -> np.ndarray:
        """The pool's cost each month with bought hardware spread straight-line over its life from the month each
        replica was bought (the same purchases `cash_usd` pays up front); rented pools: equal to `cash_usd`."""
        running = self._running_usd(replicas)
        if not self.bought:
            return running
        capex, _ = self._hardware_usd(replicas)
        life = int(round(self.life_months))
        return running + np.convolve(capex, np.ones(life))[:replicas.shape[-1]] / life

    def purchase_usd(self, month: int, horizon: int, d: np.ndarray) -> float:
        """Present value of buying one replica in `month`: its price, again at each life's end within the
        horizon, less the straight-line book value left at the horizon's end (`projection._hardware_cash`)."""
        total, life = 0.0, self.life_months
        k = month
        while k < horizon:
            price = float(self.capex_usd_per_replica[k])
            remaining = float(np.clip(1 - (horizon - k) / life, 0.0, 1.0))
            total += price * (d[k] - remaining * d[horizon - 1])
            if not np.isfinite(life):
                break
            k += int(round(life))
        return total


@dataclass
class Plan:
    """The chosen path of every team, the fleet by month, and the present values it is judged by."""

    choices: pd.DataFrame  # team, path, model, pool, start_month, option index
    fleet: pd.DataFrame  # month x pool: replicas
    npv_usd: float
    standalone_best_usd: float
    all_rent_usd: float
    status: str
    notes: list[str] = field(default_factory=list)


def _option_options(teams: dict[str, Scenario], options: list[Option], pools: dict[str, Pool]):
    """Column layout of the programme: y (team, option, start), stay per team, z per pool, n per (pool, month)."""
    horizon = max(s.horizon_months for s in teams.values())
    ys = [(o_i, s) for o_i, o in enumerate(options) for s in START_MONTHS if s < teams[o.team].horizon_months]
    return horizon, ys


def solve(teams: dict[str, Scenario], options: list[Option], pools: dict[str, Pool],
          rent_usd: dict[str, np.ndarray], time_limit_s: float = SOLVER_TIME_LIMIT_S) -> tuple[str, dict]:
    """Solve the programme; returns the solver status and the chosen (option, start) per team and replicas."""
    names = list(teams)
    horizon, ys = _option_options(teams, options, pools)
    pool_keys = list(pools)
    rate = {t: teams[t].discount_rate_per_year for t in names}
    n_y, n_stay, n_z, n_n = len(ys), len(names), len(pool_keys) * horizon, len(pool_keys) * horizon
    n_b = n_n  # purchases per (pool, month): only bought pools use them
    size = n_y + n_stay + n_z + n_n + n_b
    b0 = n_y + n_stay + n_z + n_n
    cost = np.zeros(size)
    for c, (o_i, s) in enumerate(ys):
        o = options[o_i]
        d = _discount(teams[o.team].horizon_months, rate[o.team])
        k = np.arange(len(d))
        cost[c] = float(np.sum(d * np.where(k < s, rent_usd[o.team], o.monthly_usd)))
    for i, t in enumerate(names):
        cost[n_y + i] = float(np.sum(_discount(teams[t].horizon_months, rate[t]) * rent_usd[t]))
    company_rate = float(np.mean(list(rate.values())))
    d_company = _discount(horizon, company_rate)
    for p_i, key in enumerate(pool_keys):
        pool = pools[key]
        z0 = n_y + n_stay + p_i * horizon
        cost[z0:z0 + horizon] = d_company * pool.people_fixed_usd_per_month
        start = n_y + n_stay + n_z + p_i * horizon
        cost[start:start + horizon] = d_company * (pool.running_usd_per_replica_month[:horizon]
                                                   + pool.people_usd_per_replica_month)
        if pool.bought:
            cost[b0 + p_i * horizon:b0 + (p_i + 1) * horizon] = [pool.purchase_usd(k, horizon, d_company)
                                                                 for k in range(horizon)]
    rows, lower, upper = [], [], []
    for i, t in enumerate(names):  # one path per team
        row = np.zeros(size)
        row[[c for c, (o_i, _) in enumerate(ys) if options[o_i].team == t]] = 1
        row[n_y + i] = 1
        rows.append(row), lower.append(1), upper.append(1)
    big = {}
    for p_i, key in enumerate(pool_keys):
        pool = pools[key]
        peak_load = 0.0
        for k in range(horizon):  # the pool's replicas cover the load of the teams started on it
            row = np.zeros(size)
            for c, (o_i, s) in enumerate(ys):
                o = options[o_i]
                if o.kind == "own" and o.pool == key and s <= k < len(o.load):
                    # in replicas, not tokens: coefficients near 1 keep HiGHS's presolve exact (in tokens, a
                    # 1-to-1e10 range made it declare a dearer plan optimal)
                    row[c] = o.load[k] / pool.capacity_output_tokens_per_month
                    peak_load = max(peak_load, o.load[k])
            row[n_y + n_stay + n_z + p_i * horizon + k] = -1.0
            rows.append(row), lower.append(-np.inf), upper.append(0)
        total = sum(float(np.max(o.load)) for o in options if o.kind == "own" and o.pool == key)
        big[key] = max(1.0, np.ceil(total / pool.capacity_output_tokens_per_month) + 1)
        for k in range(horizon):  # people per deployment, in the months the pool has any replica
            row = np.zeros(size)
            row[n_y + n_stay + n_z + p_i * horizon + k] = 1
            row[n_y + n_stay + p_i * horizon + k] = -big[key]
            rows.append(row), lower.append(-np.inf), upper.append(0)
        if pool.bought:
            for k in range(horizon):  # bought replicas in service were bought by then (and stay owned)
                row = np.zeros(size)
                row[n_y + n_stay + n_z + p_i * horizon + k] = 1
                row[b0 + p_i * horizon: b0 + p_i * horizon + k + 1] = -1
                rows.append(row), lower.append(-np.inf), upper.append(0)
    upper_bounds = np.ones(size)
    if pool_keys:
        upper_bounds[n_y + n_stay + n_z:b0] = np.repeat([big[k] for k in pool_keys], horizon)
        upper_bounds[b0:] = np.repeat([big[k] if pools[k].bought else 0 for k in pool_keys], horizon)
    result = milp(cost, constraints=LinearConstraint(np.array(rows), lower, upper), integrality=np.ones(size),
                  bounds=Bounds(np.zeros(size), upper_bounds),
                  options={"time_limit": time_limit_s, "mip_rel_gap": 1e-7, "disp": False})
    if result.x is None:
        return result.message, {}
    x = np.round(result.x)
    chosen = {options[ys[c][0]].team: (ys[c][0], ys[c][1]) for c in range(n_y) if x[c] > 0.5}
    replicas = {key: x[n_y + n_stay + n_z + p_i * horizon: n_y + n_stay + n_z + (p_i + 1) * horizon]
                for p_i, key in enumerate(pool_keys)}
    return "optimal" if result.status == 0 else result.message, {
        "chosen": chosen, "replicas": replicas, "npv_usd": float(result.fun)}


def plan(teams: dict[str, Scenario], options: list[Option], pools: dict[str, Pool],
         rent_usd: dict[str, np.ndarray]) -> Plan:
    """The company plan, with the teams' standalone bests and all-rent beside it."""
    all_rent = sum(float(np.sum(_discount(s.horizon_months, s.discount_rate_per_year) * rent_usd[t]))
                   for t, s in teams.items())
    standalone, alone_choice, notes = 0.0, {}, []
    for t in teams:
        mine = [o for o in options if o.team == t]
        status, sol = solve({t: teams[t]}, mine, {o.pool: pools[o.pool] for o in mine if o.kind == "own"},
                            {t: rent_usd[t]})
        if not sol:
            notes.append(f"{t}: no feasible plan on its own ({status}); it stays on its API")
            sol = {"npv_usd": float(np.sum(_discount(teams[t].horizon_months, teams[t].discount_rate_per_year)
                                           * rent_usd[t])), "chosen": {}}
        standalone += sol["npv_usd"]
        if t in sol["chosen"]:
            o_i, s = sol["chosen"][t]
            alone_choice[t] = (options.index(mine[o_i]), s)
    status, joint = solve(teams, options, pools, rent_usd)
    if not joint or joint["npv_usd"] > standalone * (1 + 1e-9):
        notes.append(f"the shared-fleet programme stopped at {status!r}; each team's standalone best is the plan")
        joint = {"chosen": alone_choice, "npv_usd": standalone, "replicas": None}
    return _tabulate(teams, options, pools, rent_usd, joint, standalone, all_rent, status, notes)


def _tabulate(teams, options, pools, rent_usd, sol, standalone, all_rent, status, notes) -> Plan:
    horizon = max(s.horizon_months for s in teams.values())
    rows = []
    for t, s in teams.items():
        if t in sol["chosen"]:
            o_i, start = sol["chosen"][t]
            o = options[o_i]
            rows.append({"team": t, "path": o.kind, "label": o.label, "model": o.model, "pool": o.pool,
                         "gpu": o.gpu, "start_month": start, "option": o_i, "quality": o.quality})
        else:
            rows.append({"team": t, "path": "stay", "label": f"stay on {s.api_model}", "model": s.api_model,
                         "pool": "", "gpu": "", "start_month": None, "option": None, "quality": np.nan})
    choices = pd.DataFrame(rows)
    fleet = pd.DataFrame({key: _replicas_needed(key, choices, options, pools[key], horizon) for key in pools},
                         index=pd.RangeIndex(horizon, name="month"))
    return Plan(choices, fleet, float(sol["npv_usd"]), standalone, all_rent, status, notes)


def _replicas_needed(key: str, choices: pd.DataFrame, options: list[Option], pool: Pool, horizon: int) -> np.ndarray:
    """Whole replicas a pool needs each month for the teams the plan puts on it."""
    load = np.zeros(horizon)
    for r in choices[choices["pool"] == key].itertuples():
        o = options[int(r.option)]
        k = np.arange(len(o.load))
        load[:len(o.load)] += np.where(k >= r.start_month, o.load, 0.0)
    return np.ceil(load / pool.capacity_output_tokens_per_month - 1e-9)


def fleet_gpus(plan_: Plan, pools: dict[str, Pool]) -> pd.Series:
    """GPUs in service by month across every pool."""
    return sum((plan_.fleet[key] * pools[key].gpus_per_replica for key in plan_.fleet.columns),
               pd.Series(0.0, index=plan_.fleet.index))


def pool_key(s: Scenario) -> str:
    """The shared-fleet key of a scenario's deployment: teams with the same key can share replicas."""
    return (f"{s.open_model} · {s.own.gpus_per_replica:g} × {s.gpu} · {s.weight_format} · "
            f"{s.price_basis.replace('_', ' ')} · {present.share(s.target_utilisation)} utilisation")


def searched_options(s: Scenario, runs: int = 400, switches: bool = True) -> tuple[list[Option], dict[str, Pool],
                                                                                  np.ndarray]:
    """A team's options from its search (`search.recommend`): the cheapest API switch or open model by the token
    that meets its quality floor, and every self-hosted share of the owning deployments weighed exactly — or,
    where the team names its deployment, that one (beside the best switch; `switches` False: that one alone, no
    search). Returns options, pools and the team's rent by month."""
    from .projection import rent_arrays
    from .search import api_price_columns, describe, recommend

    named = all(getattr(s, f) for f in ("open_model", "gpu", "weight_format", "gpu_mode"))
    if named and not switches:
        mine, my_pools, rent = team_options(s)
        return _scored(s, mine), my_pools, rent
    rec = recommend(s, runs=runs)
    rent = np.asarray(rent_arrays(s.tokens_per_month, **s.rent_inputs())["rent_usd"], dtype=float)
    options, pools = [], {}
    good = rec.candidates[rec.candidates["qualifies"]]
    switch = good[good["path"] != "own"].head(1)
    enough = max(s.min_saving_share * rec.candidates.attrs["stay_npv_usd"], s.min_saving_usd)
    if len(switch) and switch["saving_usd"].iloc[0] >= enough:
        row = switch.iloc[0]
        prices = api_price_columns(switch, s)
        stream = rent_arrays(s.tokens_per_month, **(s.rent_inputs() | {
            "api_input_usd_per_mtok": prices["input"][0], "api_output_usd_per_mtok": prices["output"][0],
            "cached_share": s.cached_share, "cached_input_usd_per_mtok": prices["cached"][0]}))["rent_usd"]
        options.append(Option(s.team, "api", f"{'switch to' if row['path'] == 'api' else 'rent'} {describe(row)}",
                              row["quality_name"], float(row["quality"]), np.asarray(stream, dtype=float)))
    if named:  # weighed as named, whatever its score, beside the best switch
        mine, my_pools, _ = team_options(s)
        return [dataclasses.replace(o, floor=rec.floor) for o in options] + _scored(s, mine), my_pools, rent
    owners = good[good["path"] == "own"].head(3)
    for row in owners.itertuples():
        own_s = s.replace(open_model=row.model, gpu=row.gpu, weight_format=row.weight_format, gpu_mode=row.gpu_mode,
                          gpu_price_basis=row.basis, gpus_per_replica=int(row.gpus_per_replica))
        mine, my_pools, _ = team_options(own_s)
        options += mine
        pools |= my_pools
    return [dataclasses.replace(o, quality=o.quality if np.isfinite(o.quality) else _quality(rec, o.model),
                                floor=rec.floor) for o in options], pools, rent


def _scored(s: Scenario, options: list[Option]) -> list[Option]:
    """A named deployment's options with its model's score on the team's class and the team's floor (it is
    weighed as named, whatever the score: the report says how it compares)."""
    from . import quality
    from .search import current_quality, team_scores

    table = quality.score_table(team_scores(s))
    current, _ = current_quality(s, table)
    floor = current - s.quality_tolerance_points if np.isfinite(current) else np.nan
    score = float(quality.scores([s.open_model], s.resolved_task_class, table)["score"].iloc[0])
    return [dataclasses.replace(o, quality=score, floor=floor) for o in options]


def _quality(rec, model: str) -> float:
    got = rec.candidates.loc[rec.candidates["quality_name"] == model, "quality"]
    return float(got.iloc[0]) if len(got) else float("nan")


def team_options(s: Scenario) -> tuple[list[Option], dict[str, Pool], np.ndarray]:
    """A team's own-the-open-model options (every self-hosted share of `advice.SHARES` above 0), the pool they
    use, and its rent by month — the same costs `advice.decide` weighs, month by month."""
    from .projection import project_arrays

    kw = s.projection_inputs()
    arrays = project_arrays(s.tokens_per_month, **(kw | {"hybrid_own_share": SHARES[1:, None]}))
    rent = np.asarray(arrays["rent_usd"], dtype=float).reshape(-1, s.horizon_months)[0]
    own = s.own
    months = np.arange(s.horizon_months)
    output = np.asarray(arrays["tokens_per_month"]).reshape(-1)[:s.horizon_months] * arrays["output_share"].reshape(
        -1)[:s.horizon_months]
    tokens = np.asarray(arrays["tokens_per_month"]).reshape(-1)[:s.horizon_months]
    refresh = kw["hardware_refresh_months"]
    decline = (1 - s.gpu_price_decline_per_year) ** (months / 12 if refresh is None else
                                                     np.floor(months / refresh) * refresh / 12)
    key = pool_key(s)
    bought = s.gpu_mode == "buy"
    pool = Pool(key, own.capacity_tokens_per_month * own.target_utilisation * own.output_share,
                (own.hosting_usd_per_replica_month if bought else own.hardware_usd_per_replica_month) * decline,
                own.gpus_per_replica * own.people_usd_per_gpu_month, own.people_usd_per_month, own.gpus_per_replica,
                own.capex_usd_per_replica * decline if bought else np.zeros(s.horizon_months), own.amortisation_months)
    prefill = _prefill_share(s, own)
    options = []
    for share in SHARES[1:]:
        power = share * tokens * own.variable_usd_per_mtok / 1e6
        options.append(Option(s.team, "own", f"self-host {present.share(share)} on {s.open_model}", s.open_model,
                              np.nan, rent * (1 - share) + power, key, share * output * own.peak_to_average, s.gpu,
                              own.gpus_per_replica, float(share), own_input_tokens=share * (tokens - output),
                              own_output_tokens=share * output, power_usd=power, prefill_share=prefill,
                              variable_usd_per_mtok=float(own.variable_usd_per_mtok),
                              peak_to_average=float(own.peak_to_average)))
    return options, {key: pool}, rent


def _prefill_share(s: Scenario, own) -> float:
    """Share of the deployment's GPU time spent on prefill at the team's mix (`serving.prefill_time_share`); with a
    measured throughput the kit has no split, and every token is charged alike (input's share of the tokens)."""
    from .serving import prefill_time_share

    i, o = s.input_tokens_per_request, s.output_tokens_per_request
    if own.throughput_source == "measured" or i is None or o is None:
        return float(s.input_share)
    return float(prefill_time_share(s.open_model, s.gpu, s.weight_format, i, o, s.cached_share,
                                    num_gpus=own.gpus_per_replica, engine=s.engine,
                                    min_output_tokens_per_s_per_user=s.min_output_tokens_per_s_per_user or None,
                                    max_ttft_s=s.max_ttft_s))


@dataclass
class Company:
    """Every team's scenario and options, the shared pools, and the rent each team pays today's way."""

    teams: dict[str, Scenario]
    options: list[Option]
    pools: dict[str, Pool]
    rent_usd: dict[str, np.ndarray]
    refused: dict[str, str] = field(default_factory=dict)  # team -> why it could not be planned


def build(rows: list[dict], switches: bool = True) -> Company:
    """Scenarios and options for every team row (a teams CSV or `advice.teams_from_usage`); a team that cannot
    be planned (bad parameters, nothing priced, no volume, a duplicate name) is refused by name, the rest
    still planned. `switches` False: a team that names its deployment is weighed on it alone (no API switch)."""
    teams, options, pools, rent, refused = {}, [], {}, {}, {}
    for i, row in enumerate(rows, start=1):
        name = str(row.get("team", "")).strip()
        try:
            if not name:
                raise ValueError("team: empty name; every team needs one")
            if name in teams or name in refused:
                raise ValueError(f"team: the name {name!r} appears more than once; each team needs its own")
            if row.get("error"):
                raise ValueError(row["error"])
            s = Scenario.from_row({k: v for k, v in row.items() if k != "error"})
            mine, my_pools, my_rent = searched_options(s, switches=switches)
        except (ValueError, KeyError) as err:
            label = name or "(unnamed team)"
            refused[label if label not in teams and label not in refused else f"{label} (row {i})"] = str(
                err.args[0] if err.args else err)
            continue
        teams[name], rent[name] = s, my_rent
        options += mine
        pools |= my_pools
    return Company(teams, options, pools, rent, refused)


def team_npv(company: Company, plan_: Plan) -> pd.DataFrame:
    """Each team's present value under the plan, pooled costs shared by the load each team puts on its pool,
    against renting throughout: the team's saving and its saving per month a year in."""
    horizon = plan_.fleet.shape[0]
    pool_cost = {key: pool.cash_usd(plan_.fleet[key].to_numpy()) for key, pool in company.pools.items()}
    loads = {}
    for r in plan_.choices.itertuples():
        if r.path == "own":
            o = company.options[int(r.option)]
            k = np.arange(len(o.load))
            loads[r.team] = np.where(k >= r.start_month, o.load, 0.0)
    total_load = {key: sum((loads[t] for t in plan_.choices.loc[plan_.choices["pool"] == key, "team"]),
                           np.zeros(horizon)) for key in company.pools}
    rows = []
    for r in plan_.choices.itertuples():
        s = company.teams[r.team]
        d = _discount(s.horizon_months, s.discount_rate_per_year)
        rent = company.rent_usd[r.team]
        if r.path == "stay":
            mine = rent
        else:
            o = company.options[int(r.option)]
            k = np.arange(s.horizon_months)
            mine = np.where(k < r.start_month, rent, o.monthly_usd)
            if r.path == "own":
                share = np.divide(loads[r.team], total_load[r.pool], out=np.zeros(horizon),
                                  where=total_load[r.pool] > 0)[:s.horizon_months]
                mine = mine + share * pool_cost[r.pool][:s.horizon_months]
        month = min(REFERENCE_MONTH, s.horizon_months - 1)
        pool_share = (np.divide(loads[r.team], total_load[r.pool], out=np.zeros(horizon), where=total_load[r.pool] > 0)
                      if r.path == "own" else np.zeros(horizon))
        rows.append({"team": r.team, "npv_usd": float(np.sum(d * mine)), "rent_npv_usd": float(np.sum(d * rent)),
                     "pool_share": pool_share,
                     "saving_per_month_usd": float(rent[month] - mine[month]), "saving_month": month,
                     "monthly_usd": mine})
    out = pd.DataFrame(rows)
    out["saving_usd"] = out["rent_npv_usd"] - out["npv_usd"]
    return out


def saving_runs(company: Company, plan_: Plan, runs: int = 2000, seed: int = 0) -> np.ndarray:
    """Present value the plan saves against renting everything, under `runs` seeded draws of the uncertain
    inputs (`advice.UNCERTAIN`: API price, GPU price, engineer cost, throughput, growth), the plan's choices
    kept and each pool's replicas re-sized to the load it then carries. Vectorised over runs.

    Per team, the API side is `projection.rent_arrays` with prices and growth drawn; an API switch's bill scales
    with the drawn price and volume (its price per token does not depend on volume); a self-hosted share pays the
    rest of its rent, the power of its tokens (at the drawn throughput), and its share of the pool."""
    from .projection import rent_arrays

    f = {k: v.reshape(-1, 1) for k, v in draw_factors(runs, seed).items()}
    horizon = plan_.fleet.shape[0]
    rent_total, plan_total = np.zeros(runs), np.zeros(runs)
    load = {key: np.zeros((runs, horizon)) for key in company.pools}
    for r in plan_.choices.itertuples():
        s = company.teams[r.team]
        kw = s.rent_inputs()
        cached = kw["cached_input_usd_per_mtok"]
        a = rent_arrays(s.tokens_per_month, **(kw | {
            "api_input_usd_per_mtok": kw["api_input_usd_per_mtok"] * f["api_price"],
            "api_output_usd_per_mtok": kw["api_output_usd_per_mtok"] * f["api_price"],
            "cached_input_usd_per_mtok": None if cached is None else cached * f["api_price"],
            "volume_growth_per_year": s.volume_growth_per_year * f["growth"]}))
        d = _discount(s.horizon_months, s.discount_rate_per_year)
        rent, tokens = a["rent_usd"], a["tokens_per_month"]
        rent_total += (rent * d).sum(axis=1)
        if r.path == "stay":
            plan_total += (rent * d).sum(axis=1)
            continue
        o = company.options[int(r.option)]
        on = np.arange(s.horizon_months) >= r.start_month
        if o.kind == "api":
            base = rent_arrays(s.tokens_per_month, **kw)["tokens_per_month"]
            mine = np.where(on, o.monthly_usd * f["api_price"] * tokens / base, rent)
        else:
            power = o.share * tokens * o.variable_usd_per_mtok / f["throughput"] / 1e6
            mine = np.where(on, rent * (1 - o.share) + power, rent)
            load[r.pool][:, :s.horizon_months] += np.where(
                on, o.share * tokens * a["output_share"] * o.peak_to_average, 0.0)
        plan_total += (mine * d).sum(axis=1)
    d_company = _discount(horizon, float(np.mean([s.discount_rate_per_year for s in company.teams.values()])))
    for key, pool in company.pools.items():
        replicas = np.ceil(load[key] / (pool.capacity_output_tokens_per_month * f["throughput"]) - 1e-9)
        cost = pool.cash_usd(replicas, people_factor=f["people"], price_factor=f["gpu_price"])
        plan_total += (cost * d_company).sum(axis=1)
    return rent_total - plan_total


PLAN_COLUMNS = ["team", "path", "move", "model", "gpu", "pool", "start_month", "gpus_at_peak", "saving_usd",
                "saving_per_month_usd", "saving_month", "quality", "quality_floor", "report"]


def plan_rows(company: Company, plan_: Plan, reports: dict[str, str] | None = None) -> list[dict]:
    """plan.csv: one row per team — its path, model, GPUs, start month and saving — ranked by saving."""
    npv = team_npv(company, plan_).set_index("team")
    floors = {o.team: o.floor for o in company.options if np.isfinite(o.floor)}
    rows = []
    for r in plan_.choices.itertuples():
        o = company.options[int(r.option)] if r.option is not None and not pd.isna(r.option) else None
        gpus = 0.0
        if r.path == "own":  # the team's share of its pool's GPUs, at the pool's peak month
            pool = company.pools[r.pool]
            gpus = float((npv.at[r.team, "pool_share"] * plan_.fleet[r.pool] * pool.gpus_per_replica).max())
        rows.append({"team": r.team, "path": r.path, "move": r.label, "model": r.model, "gpu": r.gpu, "pool": r.pool,
                     "start_month": r.start_month, "gpus_at_peak": gpus, "saving_usd": npv.at[r.team, "saving_usd"],
                     "saving_per_month_usd": npv.at[r.team, "saving_per_month_usd"],
                     "saving_month": int(npv.at[r.team, "saving_month"]),
                     "quality": o.quality if o is not None else _current_quality(company, r.team, floors),
                     "quality_floor": floors.get(r.team, np.nan), "report": (reports or {}).get(r.team, "")})
    return sorted(rows, key=lambda row: -row["saving_usd"])


def _current_quality(company: Company, team: str, floors: dict) -> float:
    """A staying team's quality: its current model's score, the floor plus the tolerance it was set from."""
    return floors[team] + company.teams[team].quality_tolerance_points if team in floors else np.nan


def quality_text(quality: float, floor: float) -> str:
    """'71.0 vs floor 68.0' — a move's score on the team's task class against the floor it had to reach."""
    if not np.isfinite(floor):
        return "no floor (unscored)" if not np.isfinite(quality) else f"{quality:.1f} (no floor)"
    return f"{quality:.1f} vs floor {floor:.1f}" if np.isfinite(quality) else f"unscored vs floor {floor:.1f}"


def summary(company: Company, plan_: Plan, runs: np.ndarray) -> dict:
    """company_summary.json: the three present values the plan is judged by, the saving's spread, the teams."""
    from datetime import date
    from importlib.metadata import version

    p10, p50, p90 = (float(v) for v in np.percentile(runs, [10, 50, 90]))
    return {"plan_usd_npv": plan_.npv_usd, "standalone_best_usd_npv": plan_.standalone_best_usd,
            "all_rent_usd_npv": plan_.all_rent_usd, "saving_usd_npv": plan_.all_rent_usd - plan_.npv_usd,
            "saving_p10_usd": p10, "saving_p50_usd": p50, "saving_p90_usd": p90,
            "p_saving": float(np.mean(runs > 0)), "teams": len(company.teams),
            "teams_moving": int((plan_.choices["path"] != "stay").sum()), "refused": company.refused,
            "solver_status": plan_.status, "notes": plan_.notes, "generated": date.today().isoformat(),
            "kit_version": version("tokenomics-kit")}


def page(company: Company, plan_: Plan, runs: np.ndarray, reports: dict[str, str], heading: str,
         verdicts: dict[str, str] | None = None, prices: pd.DataFrame | None = None) -> str:
    """company.html's body: headline first, then the three present values, the ranked moves, the fleet by month
    and every team with its report."""
    import html

    from . import plots
    from .advice import assumptions_text

    s = summary(company, plan_, runs)
    today = sum(float(r[0]) for r in company.rent_usd.values())
    moving = plan_.choices[plan_.choices["path"] != "stay"]
    gpus = pd.DataFrame({key: plan_.fleet[key] * pool.gpus_per_replica for key, pool in company.pools.items()})
    gpus = gpus.loc[:, gpus.max() > 0]
    horizon = plan_.fleet.shape[0]
    headline = (f"The plan saves {present.usd(s['saving_usd_npv'])} over {horizon} months against renting everything "
                f"(present value; P10–P90 {present.usd(s['saving_p10_usd'])} to {present.usd(s['saving_p90_usd'])}, "
                f"saves money in {present.share(s['p_saving'])} of scenarios): {len(moving)} of {len(company.teams)} "
                f"teams move, " + (f"on {present.count(gpus.sum(axis=1).max())} GPUs at the peak." if len(gpus.columns)
                                   else "onto no GPUs of the company's own."))
    first = next(iter(company.teams.values()), None)
    lines = [f"Today the company's API bill is {present.usd(today)} a month across {len(company.teams)} teams.",
             assumptions_text(list(company.teams.values())) if first else "",
             f"Generated {s['generated']} by tokenomics {s['kit_version']}; API list prices as of "
             f"{present.day(first.api_row['as_of']) if first else '—'}."]
    card = present.headline_card("tokenomics company plan", headline, [line for line in lines if line], "#1f4e79")
    values = present.key_values({
        "rent everything (today's path)": present.usd(plan_.all_rent_usd),
        "each team's best on its own, summed": present.usd(plan_.standalone_best_usd),
        "the shared-fleet plan": present.usd(plan_.npv_usd),
        "what sharing replicas adds": present.usd(plan_.standalone_best_usd - plan_.npv_usd),
    }, f"Present value over {horizon} months")
    ranked = plan_rows(company, plan_, reports)
    moves = present.table(pd.DataFrame([{
        "team": r["team"], "move": r["move"] if r["path"] != "stay" else "stay",
        "from": present.month(r["start_month"], never="—"),
        "its GPUs at peak": present.count(r["gpus_at_peak"]) if r["gpus_at_peak"] else "—",
        f"saving a month (month {r['saving_month']})": present.usd(r["saving_per_month_usd"]),
        "saving (present value)": present.usd(r["saving_usd"]),
        "quality on its task": quality_text(r["quality"], r["quality_floor"]),
        "the team's own report": (verdicts or {}).get(r["team"], "—")} for r in ranked]), "The moves, largest saving first")
    shared = ("A team's own report weighs its move alone, and recommends it only if it saves money in most "
              "scenarios; in the plan a team may move where its report says rent, because sharing replicas with "
              "other teams lowers its cost.")
    fleet = ("<h2>The fleet</h2><p>The plan runs no GPUs of its own: at these volumes and today's prices, no "
             "self-hosted deployment beats each team's best alternative (another API, an open model rented by the "
             "token, or staying).</p>")
    if len(gpus.columns):
        fig = plots.fleet_chart(gpus, "GPUs in service by month, by shared pool",
                                "Source: tokenomics company plan (scipy.optimize.milp); catalogs in data/.")
        fleet = f"<h2>The fleet</h2><img alt='GPUs by month' src='data:image/png;base64,{plots.png_base64(fig)}'>"
    charge = _gateway_section(prices)
    teams = "".join(f"<li><a href='{html.escape(reports[t], quote=True)}'>{html.escape(t)}</a></li>" if t in reports
                    else f"<li>{html.escape(t)}</li>" for t in company.teams)
    refused = "".join(f"<li>{html.escape(t)}: {html.escape(why)}</li>" for t, why in company.refused.items())
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in plan_.notes)
    return (card._repr_html_() + values._repr_html_() + "<h2>Ranked moves</h2>" + moves._repr_html_()
            + present.paragraph(shared)._repr_html_() + fleet + charge
            + f"<h2>Teams</h2><ul>{teams}</ul>"
            + (f"<h2>Not planned</h2><ul>{refused}</ul>" if refused else "")
            + (f"<h2>Notes</h2><ul>{notes}</ul>" if notes else ""))


def _gateway_section(prices: pd.DataFrame | None) -> str:
    """The charge-back prices of the plan's self-hosted models, and the gateway files that carry them."""
    if prices is None:
        return ""
    intro = ("What each self-hosted model costs per token at the planned load (GPUs, power and engineers; bought "
             "hardware amortised), so teams are charged back what owning really costs rather than $0. "
             "<a href='litellm_self_hosted.yaml'>LiteLLM config</a> · "
             "<a href='langfuse_models.json'>Langfuse model definitions</a> · "
             "<a href='self_hosted_prices.csv'>CSV</a>.")
    if not len(prices):
        return f"<h2>Charge-back prices for the gateway</h2><p>The plan self-hosts no model, so there is nothing to " \
               f"price. {intro.split('. ', 1)[1]}</p>"
    table = present.table(pd.DataFrame([{
        "gateway model": r.gateway_model, "served on": r.pool, "month": present.month(r.month),
        "GPUs": present.count(r.gpus), "cost a month": present.usd(r.monthly_cost_usd),
        "input, per million tokens": present.usd(r.input_usd_per_mtok),
        "output, per million tokens": present.usd(r.output_usd_per_mtok), "teams": r.teams}
        for r in prices.itertuples()]), "Self-hosted prices per token, at the plan's load")
    return f"<h2>Charge-back prices for the gateway</h2><p>{intro}</p>" + table._repr_html_()


def write_company(rows: list[dict], out_dir, team_results=(), heading: str = "tokenomics — company plan",
                  source: str = "") -> dict:
    """Plan the company from team rows and write company.html, plan.csv, company_summary.json and the gateway's
    self-hosted prices into `out_dir` (atomic, 0644), linking the team reports already written there. `source`
    names where the teams came from (a teams file, a usage export). Returns the summary."""
    import json
    from pathlib import Path

    from .gateway import self_hosted_prices, write_gateway_prices
    from .reports import atomic_write_text, html_page, verdict_words, write_safe_csv

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    company = build(rows)
    plan_ = plan(company.teams, company.options, company.pools, company.rent_usd)
    runs = saving_runs(company, plan_)
    reports = {r.name: r.html_name for r in team_results if r.status == "ok"}
    verdicts = {r.name: verdict_words(r.summary) for r in team_results if r.status == "ok"}
    write_safe_csv(out / "plan.csv", plan_rows(company, plan_, reports), PLAN_COLUMNS)
    summary_ = summary(company, plan_, runs) | {"source": source}
    prices = self_hosted_prices(company, plan_)
    gateway_files = write_gateway_prices(prices, out, summary_["generated"])
    summary_["gateway_files"] = {k: p.name for k, p in gateway_files.items()}
    atomic_write_text(out / "company_summary.json", json.dumps(summary_, indent=1, default=float) + "\n")
    atomic_write_text(out / "company.html", html_page(heading, page(company, plan_, runs, reports, heading, verdicts,
                                                                    prices),
                                                      back=("all teams", "index.html")))
    return summary_
