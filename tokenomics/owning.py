"""What does self-hosting cost? Monthly cost line by line, and USD per million tokens with its split.

Lines (defaults from data/owning_assumptions.csv, data/deployment_profiles.csv and data/gpu_prices.csv, each sourced):
  hardware  rented:  GPUs x USD per GPU-hour at the price basis (`gpu_price`) x hours per month
            bought:  GPUs x purchase price x (1 + server overhead) / (amortisation years x 12)
                     + hosting: GPUs x power per GPU x system power factor x colocation USD per kW-month
  power     bought only: GPUs x power per GPU x system power factor x utilisation x PUE x USD per kWh x hours
  people    FTE x loaded salary / 12, with FTE = fte_share x deployments + GPUs / gpus_per_fte (`people_fte`)
Server overhead, colocation, PUE, system power factor and the electricity price come from the deployment
profile: "data_centre" (servers in a colocation cage) or "workstation" (one card in an office PC: no
colocation, no server around it, PUE 1). Power per GPU (`gpu_power_w`) defaults to the card's TDP in
data/gpus.csv. Cost per million tokens divides by tokens served a month at the given utilisation of full-load
throughput (input + output tokens, as API volumes are counted); full load is the calibrated roofline, or the
team's own measured output tokens per second (`measured_output_tokens_per_s`).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from .catalog import DATA_DIR, SCHEMAS, CatalogError, Schema, load_catalog, load_owning_assumptions
from .checks import as_array, as_share, lookup_name, scalar_or_array
from .memory import gpu_spec
from .renting import TOKENS_PER_MTOK
from .serving import Calibration, best_at_targets, best_deployment

MODES = ("rent", "buy")
RENT_BASES = ("on_demand", "spot", "committed_1y", "committed_3y")
PRICE_BASES = RENT_BASES + ("purchase",)
PROFILE_FIELDS = ("colo_usd_per_kw_month", "server_overhead_share", "pue", "system_power_factor",
                  "electricity_usd_per_kwh")
THROUGHPUT_SOURCES = ("roofline", "measured")

# catalog.py is shared: owning registers the two catalogs it reads, with their schemas.
SCHEMAS.setdefault("gpu_prices.csv", Schema(
    required=("gpu", "basis", "usd", "provider", "as_of", "source"),
    numeric=("usd",),
    key=("gpu", "basis", "provider"),
    defaults={"notes": ""},
    choices={"basis": PRICE_BASES},
))
SCHEMAS.setdefault("deployment_profiles.csv", Schema(
    required=("profile",) + PROFILE_FIELDS + ("as_of", "source"),
    numeric=PROFILE_FIELDS,
    shares=("server_overhead_share",),
    key=("profile",),
    defaults={"notes": ""},
))


def load_gpu_prices(path=None) -> pd.DataFrame:
    """GPU prices, one row per (gpu, basis, provider): USD per GPU-hour (rent bases) or per GPU (purchase)."""
    return load_catalog("gpu_prices.csv", path)


def load_deployment_profiles(path=None) -> pd.DataFrame:
    """Where owned GPUs run: colocation, server overhead, PUE, system power factor, electricity price."""
    table = load_catalog("deployment_profiles.csv", path)
    for column in ("pue", "system_power_factor"):
        bad = table[column] < 1
        if bad.any():
            raise CatalogError(path or DATA_DIR / "deployment_profiles.csv", f"expected a ratio >= 1, got "
                               f"{table[column][bad].iloc[0]:g}", row=int(np.flatnonzero(bad)[0]) + 1, column=column)
    return table


def _stamp(name: str):
    """The catalog file's version, so the caches below follow edits to data/."""
    path = DATA_DIR / name
    return path.stat().st_mtime_ns if path.exists() else None


@lru_cache(maxsize=4)
def _assumptions(stamp) -> dict[str, float]:
    return load_owning_assumptions().set_index("parameter")["value"].astype(float).to_dict()


@lru_cache(maxsize=4)
def _profiles(stamp) -> dict[str, dict[str, float]]:
    table = load_deployment_profiles().set_index("profile")
    return {name: {k: float(table.at[name, k]) for k in PROFILE_FIELDS} for name in table.index}


def assumption(parameter: str) -> float:
    """A default from data/owning_assumptions.csv by name."""
    table = _assumptions(_stamp("owning_assumptions.csv"))
    if parameter not in table:
        raise KeyError(f"unknown assumption {parameter!r}; known: {sorted(table)}")
    return table[parameter]


def _default(name: str, value):
    return assumption(name) if value is None else value


def deployment_profile(profile: str = "data_centre") -> dict[str, float]:
    """The profile's row of data/deployment_profiles.csv as {parameter: value}."""
    table = _profiles(_stamp("deployment_profiles.csv"))
    if profile not in table:
        raise ValueError(f"profile must be one of {list(table)}, got {profile!r}")
    return dict(table[profile])


def _from_profile(profile: str, name: str, value):
    return deployment_profile(profile)[name] if value is None else value


@dataclass(frozen=True, eq=False)
class GpuPrice:
    """The price the kit uses for one GPU at one basis, and the catalog rows it comes from."""

    gpu: str
    basis: str
    usd: float  # per GPU-hour (rent bases) or per GPU (purchase)
    statistic: str  # how `usd` is drawn from `rows`
    rows: pd.DataFrame = field(repr=False)

    def __float__(self) -> float:
        return self.usd


def gpu_price(gpu: str, basis: str = "on_demand") -> GpuPrice:
    """The kit's price of `gpu` at `basis`: the median over the providers' rows in data/gpu_prices.csv.

    Bases: on_demand, spot (includes community / marketplace offers), committed_1y, committed_3y (USD per
    GPU-hour) and purchase (USD per bare GPU; the server around it is `server_overhead_share`). The median,
    not a reference provider, because no provider quotes every basis and list prices spread nearly 4x
    (H100 on demand: $3.20 at a neocloud to $12.29 at a hyperscaler); `rows` shows every price behind it with
    its date and source.
    """
    if basis not in PRICE_BASES:
        raise ValueError(f"price_basis must be one of {PRICE_BASES}, got {basis!r}")
    found = _gpu_prices(_stamp("gpu_prices.csv"), gpu, basis)
    return GpuPrice(found.gpu, found.basis, found.usd, found.statistic, found.rows.copy())


@lru_cache(maxsize=256)
def _gpu_prices(stamp, gpu: str, basis: str) -> GpuPrice:
    prices = load_gpu_prices()
    name = lookup_name("GPU in data/gpu_prices.csv", gpu, prices["gpu"])
    mine = prices[prices["gpu"] == name]
    rows = mine[mine["basis"] == basis].reset_index(drop=True)
    if rows.empty:
        has = [b for b in PRICE_BASES if b in set(mine["basis"])]
        raise ValueError(f"no {basis} price for {name} in data/gpu_prices.csv (it has: {', '.join(has)}); pass the "
                         "price explicitly (rent_usd_per_gpu_hour or purchase_usd_per_gpu)")
    return GpuPrice(name, basis, float(rows["usd"].median()), f"median of {len(rows)} provider row(s)", rows)


def gpu_price_table(gpus=None) -> pd.DataFrame:
    """The kit's price per GPU (rows) and basis (columns); NaN where no provider quotes that basis."""
    prices = load_gpu_prices()
    table = prices.pivot_table(index="gpu", columns="basis", values="usd", aggfunc="median")
    table = table.reindex(columns=list(PRICE_BASES))
    return table.reindex(list(dict.fromkeys(prices["gpu"])) if gpus is None else list(gpus))


def _mode_and_basis(mode, price_basis) -> tuple[str, str]:
    """(mode, price basis) from either or both: a basis implies its mode; neither means rent on demand."""
    if mode is not None and mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if price_basis is not None and price_basis not in PRICE_BASES:
        raise ValueError(f"price_basis must be one of {PRICE_BASES}, got {price_basis!r}")
    implied = None if price_basis is None else ("buy" if price_basis == "purchase" else "rent")
    mode = mode or implied or "rent"
    if implied not in (None, mode):
        kind = "bought" if implied == "buy" else "rented"
        raise ValueError(f"price_basis {price_basis!r} prices {kind} GPUs but mode is {mode!r}: rent takes "
                         f"{RENT_BASES}, buy takes ('purchase',)")
    return mode, price_basis or ("purchase" if mode == "buy" else "on_demand")


def _gpu_kw(gpu: str, gpu_power_w) -> np.ndarray:
    """kW drawn by one GPU: `gpu_power_w`, or the card's TDP from data/gpus.csv."""
    watts = gpu_spec(gpu)["tdp_w"] if gpu_power_w is None else gpu_power_w
    return as_array("gpu_power_w", watts, low=0, low_open=True) / 1000.0


def people_fte(num_gpus=1, deployments=1, *, fte_share=None, gpus_per_fte=None):
    """Engineers (full-time equivalents) a self-hosted fleet needs. Broadcasts.

        FTE = fte_share x deployments + GPUs / gpus_per_fte

    `fte_share`: the engineering minimum one production deployment needs whatever its size (the seed article's
    "1/4 FTE DevOps"); `gpus_per_fte`: GPUs one engineer looks after as the fleet grows (Hedgehog's DIY
    1,024-GPU cloud runs on 12 people: 85 GPUs each). Both in data/owning_assumptions.csv. More GPUs or
    deployments never mean fewer people; `gpus_per_fte=inf` drops the part that grows with the fleet.
    """
    share = as_array("fte_share", _default("fte_share", fte_share), low=0)
    per = as_array("gpus_per_fte", _default("gpus_per_fte", gpus_per_fte), low=0, low_open=True)
    return scalar_or_array(as_array("deployments", deployments, low=0) * share
                           + as_array("num_gpus", num_gpus, low=0) / per)


def monthly_people_cost(num_gpus=1, deployments=1, *, fte_share=None, gpus_per_fte=None,
                         loaded_salary_usd_per_year=None):
    """USD per month of the engineers `people_fte` counts: FTE x loaded salary / 12. Broadcasts."""
    salary = as_array("loaded_salary_usd_per_year", _default("loaded_salary_usd_per_year", loaded_salary_usd_per_year))
    return scalar_or_array(np.asarray(people_fte(num_gpus, deployments, fte_share=fte_share,
                                                 gpus_per_fte=gpus_per_fte)) * salary / 12.0)


def monthly_fixed_cost(gpu: str, num_gpus=1, *, mode: str | None = None, price_basis: str | None = None,
                       profile: str = "data_centre", deployments=1, fte_share=None, gpus_per_fte=None,
                       loaded_salary_usd_per_year=None, rent_usd_per_gpu_hour=None, purchase_usd_per_gpu=None,
                       amortisation_years=None, server_overhead_share=None, colo_usd_per_kw_month=None,
                       system_power_factor=None, gpu_power_w=None, hours_per_month=None) -> dict:
    """USD per month that do not depend on traffic: hardware (incl. hosting) and people. Broadcasts.

    `mode` "rent" or "buy", or implied by `price_basis` (rent: on_demand (default), spot, committed_1y,
    committed_3y; buy: purchase). Rented: GPUs x `gpu_price(gpu, price_basis)` (or `rent_usd_per_gpu_hour`)
    x hours. Bought: `capex_usd` / (amortisation years x 12) + GPUs x kW per GPU x system power factor x
    colocation per kW-month, the last three from the deployment `profile` unless given. People: `people_fte`
    x loaded salary / 12.
    """
    mode, basis = _mode_and_basis(mode, price_basis)
    n = as_array("num_gpus", num_gpus, low=0.0)
    people = np.asarray(monthly_people_cost(n, deployments, fte_share=fte_share, gpus_per_fte=gpus_per_fte,
                                             loaded_salary_usd_per_year=loaded_salary_usd_per_year))
    hours = as_array("hours_per_month", _default("hours_per_month", hours_per_month), low=0.0, high=744.0)
    if mode == "rent":
        rate = gpu_price(gpu, basis).usd if rent_usd_per_gpu_hour is None else rent_usd_per_gpu_hour
        hardware = n * as_array("rent_usd_per_gpu_hour", rate) * hours
        hosting = np.zeros_like(hardware)
    else:
        years = as_array("amortisation_years", _default("amortisation_years", amortisation_years), low=0, low_open=True)
        hardware = np.asarray(capex_usd(gpu, n, purchase_usd_per_gpu=purchase_usd_per_gpu,
                                        server_overhead_share=server_overhead_share, profile=profile)) / (years * 12.0)
        factor = as_array("system_power_factor", _from_profile(profile, "system_power_factor", system_power_factor),
                          low=1.0)
        colo = as_array("colo_usd_per_kw_month", _from_profile(profile, "colo_usd_per_kw_month", colo_usd_per_kw_month))
        hosting = n * _gpu_kw(gpu, gpu_power_w) * factor * colo
    hardware, hosting, people = np.broadcast_arrays(hardware, hosting, people)
    lines = {"hardware_usd": hardware, "hosting_usd": hosting, "people_usd": people,
             "total_usd": hardware + hosting + people}
    return {k: scalar_or_array(v) for k, v in lines.items()}


def capex_usd(gpu: str, num_gpus=1, *, purchase_usd_per_gpu=None, server_overhead_share=None,
              profile: str = "data_centre"):
    """Upfront USD to buy `num_gpus` GPUs: GPUs x purchase price x (1 + server overhead share).

    Purchase price: `gpu_price(gpu, "purchase")` unless given; the overhead (CPUs, memory, NICs, chassis around
    the GPUs) from the deployment `profile`: none for a workstation card.
    """
    price = gpu_price(gpu, "purchase").usd if purchase_usd_per_gpu is None else purchase_usd_per_gpu
    overhead = as_array("server_overhead_share", _from_profile(profile, "server_overhead_share", server_overhead_share))
    return scalar_or_array(as_array("num_gpus", num_gpus, low=0.0) * as_array("purchase_usd_per_gpu", price)
                           * (1 + overhead))


def monthly_power_cost(gpu: str, num_gpus=1, utilisation=1.0, *, pue=None, usd_per_kwh=None,
                       system_power_factor=None, hours_per_month=None, gpu_power_w=None,
                       profile: str = "data_centre"):
    """USD per month of electricity for owned GPUs. Broadcasts.

        GPUs x kW per GPU x system power factor x utilisation x PUE x USD per kWh x hours

    kW per GPU: `gpu_power_w` / 1000 (default the card's TDP); the factor, PUE and price from the `profile`.
    """
    factor = as_array("system_power_factor", _from_profile(profile, "system_power_factor", system_power_factor),
                      low=1.0)
    kw = as_array("num_gpus", num_gpus, low=0.0) * _gpu_kw(gpu, gpu_power_w) * factor
    return scalar_or_array(kw * as_share("utilisation", utilisation)
                           * as_array("pue", _from_profile(profile, "pue", pue), low=1.0)
                           * as_array("usd_per_kwh", _from_profile(profile, "electricity_usd_per_kwh", usd_per_kwh))
                           * as_array("hours_per_month", _default("hours_per_month", hours_per_month), low=0.0))


def _keywords(function) -> set[str]:
    return {p.name for p in inspect.signature(function).parameters.values() if p.kind is p.KEYWORD_ONLY}


def _for(function, assumptions: dict) -> dict:
    """The keywords of `assumptions` that `function` takes; TypeError naming any that no cost line takes."""
    known = (_keywords(monthly_fixed_cost) | _keywords(monthly_power_cost)) - {"mode"}
    unknown = sorted(set(assumptions) - known)
    if unknown:
        raise TypeError(f"unknown keyword(s) {unknown}; the cost lines take {sorted(known)}")
    return {k: v for k, v in assumptions.items() if k in _keywords(function)}


def selfhost_cost_per_mtok(model: str, gpu: str, bits_per_weight, input_tokens, output_tokens, utilisation,
                           num_gpus=None, *, mode: str | None = None, kv_bits=None, calibration: Calibration | None = None,
                           measured_output_tokens_per_s=None, engine: str | None = None, cached_share=0.0,
                           min_output_tokens_per_s_per_user=None, max_ttft_s=None, **assumptions) -> dict:
    """USD per million tokens (input + output) served by a self-hosted deployment, split by line and by token kind.

    `utilisation` is the share of full-load throughput actually used over the month (0 < u <= 1). Full load is
    the roofline's output tokens per second on the deployment `serving.best_deployment` chooses (`engine`'s
    calibration, `cached_share` of the input from the prefix cache, batch limited by the latency target
    `min_output_tokens_per_s_per_user` / `max_ttft_s`; `kv_bits` None follows the weight format), or
    `measured_output_tokens_per_s` (the whole deployment's, at its load; then `num_gpus` must be given and
    `model` is only a label). `num_gpus` None: the replica with the most output per GPU; n: the best
    deployment on n GPUs (replicas x layout). Cached input tokens count as served tokens, as API bills count them.
    Extra keywords (price_basis, profile, gpu_power_w, fte_share, ...) go to `monthly_fixed_cost` /
    `monthly_power_cost`.
    Returns arrays: num_gpus, gpus_per_replica, tokens_per_month, hardware/power/people/total USD per Mtok,
    people_share, and input_usd_per_mtok / output_usd_per_mtok: the total split by the share of GPU time spent
    on prefill (`serving.prefill_time_share`), so input x input price + output x output price = the bill (with a
    measured throughput there is no split: both prices equal the total per token).
    """
    u = as_array("utilisation", utilisation, low=0.0, high=1.0, low_open=True)
    i = as_array("input_tokens", input_tokens, low=0.0)
    o = as_array("output_tokens", output_tokens, low=0.0, low_open=True)
    if measured_output_tokens_per_s is None:
        targets = dict(kv_bits=kv_bits, calibration=calibration, engine=engine, cached_share=cached_share,
                       min_output_tokens_per_s_per_user=min_output_tokens_per_s_per_user, max_ttft_s=max_ttft_s)
        if num_gpus is None:
            num_gpus = best_deployment(model, gpu, bits_per_weight, float(np.max(i)), float(np.max(o)),
                                       **targets)["gpus_per_replica"]
        deployment = best_deployment(model, gpu, bits_per_weight, i, o, num_gpus, **targets)
        out_tps, prefill = deployment["output_tokens_per_s"], deployment["prefill_time_share"]
        per_replica = deployment["gpus_per_replica"]
    else:
        if num_gpus is None:
            raise ValueError("measured_output_tokens_per_s needs num_gpus: the GPUs of the deployment it was "
                             "measured on")
        out_tps = as_array("measured_output_tokens_per_s", measured_output_tokens_per_s, low=0, low_open=True)
        prefill, per_replica = np.nan, num_gpus
    mode, _ = _mode_and_basis(mode, assumptions.get("price_basis"))
    hours = _default("hours_per_month", assumptions.get("hours_per_month"))
    tokens = np.asarray(out_tps) * (i + o) / o * 3600.0 * hours * u
    fixed = monthly_fixed_cost(gpu, num_gpus, mode=mode, **_for(monthly_fixed_cost, assumptions))
    power = (monthly_power_cost(gpu, num_gpus, u, **_for(monthly_power_cost, assumptions))
             if mode == "buy" else np.zeros_like(tokens))
    per = TOKENS_PER_MTOK / tokens
    # no roofline (a measured throughput): no prefill split either, so every token is charged alike
    prefill = np.where(np.isnan(prefill), i / (i + o), prefill)
    hardware = (np.asarray(fixed["hardware_usd"]) + np.asarray(fixed["hosting_usd"])) * per
    power = np.asarray(power) * per
    people = np.asarray(fixed["people_usd"]) * per
    total = hardware + power + people
    out = {"num_gpus": np.broadcast_to(np.asarray(num_gpus, dtype=float), np.shape(total)),
           "gpus_per_replica": np.broadcast_to(np.asarray(per_replica, dtype=float), np.shape(total)),
           "tokens_per_month": tokens, "hardware_usd_per_mtok": hardware, "power_usd_per_mtok": power,
           "people_usd_per_mtok": people, "total_usd_per_mtok": total,
           "people_share": np.where(total > 0, people / np.where(total > 0, total, 1), 0.0),
           "input_usd_per_mtok": np.where(i > 0, total * prefill * (i + o) / np.where(i > 0, i, 1), 0.0),
           "output_usd_per_mtok": total * (1 - prefill * (i > 0)) * (i + o) / o}
    return {k: scalar_or_array(np.asarray(v, dtype=float)) for k, v in out.items()}


def people_units(replicas, replicas_per_step):
    """People units looking after `replicas`: one for the first step, one more per step after it."""
    return np.maximum(np.ceil(replicas / replicas_per_step), 1.0)


@dataclass(frozen=True)
class OwnCost:
    """What owning costs as volume grows, in whole replicas: the kit's one law of owning's cost at volume V.
    Fields may be arrays (one per scenario).

    replicas(V) = max(1, ceil(V_sized x peak_to_average / (capacity x target_utilisation)))
        V_sized = V, or output tokens / output_share when sized by output tokens (decode fills a replica)
    people(V)   = people_usd_per_month x ceil(replicas / replicas_per_people_step)
                  + replicas x gpus_per_replica x people_usd_per_gpu_month          (`people_fte`)
        people_usd_per_gpu_month None: the kit's rule, loaded salary / 12 / gpus_per_fte (owning_assumptions.csv)
    own(V)      = replicas x hardware_usd_per_replica_month x hardware_factor + people(V)
                  + V x variable_usd_per_mtok / 1e6
    Rented GPUs: hardware is the hourly rate; bought: amortisation (capex_usd_per_replica / amortisation_months)
    + hosting, and power is variable. The projection's cash view pays capex_usd_per_replica up front instead.
    """

    capacity_tokens_per_month: float  # one replica at full load, input + output tokens
    hardware_usd_per_replica_month: float  # rent, or amortisation + hosting
    people_usd_per_month: float  # engineers a deployment needs whatever its size (fte_share), per people step
    variable_usd_per_mtok: float = 0.0  # power of bought GPUs per million tokens served
    target_utilisation: float = 0.6  # share of full load a replica may average before adding the next
    peak_to_average: float = 1.0  # peak hour over average hour: capacity is bought for the peak
    replicas_per_people_step: float = np.inf  # replicas one people unit looks after (inf: people never step)
    output_share: float | None = None  # output share of the mix the capacity was measured at
    gpus_per_replica: float = 1.0  # GPUs in one replica (its tensor-parallel size)
    people_usd_per_gpu_month: float | None = None  # engineers each GPU adds (None: salary / 12 / gpus_per_fte)
    capex_usd_per_replica: float = 0.0  # upfront price of a bought replica's GPUs and server (0 when rented)
    amortisation_months: float = np.inf  # straight-line life of bought hardware (inf when rented)
    throughput_source: str = "roofline"  # where capacity comes from: "roofline" or "measured"

    def __post_init__(self):
        as_array("capacity_tokens_per_month", self.capacity_tokens_per_month, low=0, low_open=True)
        as_array("hardware_usd_per_replica_month", self.hardware_usd_per_replica_month)
        as_array("people_usd_per_month", self.people_usd_per_month)
        as_array("variable_usd_per_mtok", self.variable_usd_per_mtok)
        as_array("target_utilisation", self.target_utilisation, low=0, high=1, low_open=True)
        as_array("peak_to_average", self.peak_to_average, low=1)
        as_array("replicas_per_people_step", self.replicas_per_people_step, low=1)
        if self.people_usd_per_gpu_month is None:
            object.__setattr__(self, "people_usd_per_gpu_month", monthly_people_cost(1, 0))
        as_array("people_usd_per_gpu_month", self.people_usd_per_gpu_month)
        as_array("capex_usd_per_replica", self.capex_usd_per_replica)
        as_array("amortisation_months", self.amortisation_months, low=1)
        if self.output_share is not None:
            as_array("output_share", self.output_share, low=0, high=1, low_open=True)
        if self.throughput_source not in THROUGHPUT_SOURCES:
            raise ValueError(f"throughput_source must be one of {THROUGHPUT_SOURCES}, got {self.throughput_source!r}")

    @property
    def volume_per_replica(self):
        """Average monthly tokens (input + output) one replica carries before the next is added."""
        return self.capacity_tokens_per_month * self.target_utilisation / self.peak_to_average

    @property
    def fixed_usd_per_replica_month(self):
        """What one more replica adds a month whatever it serves: its hardware and the engineers its GPUs need."""
        return self.hardware_usd_per_replica_month + self.gpus_per_replica * self.people_usd_per_gpu_month

    @property
    def hosting_usd_per_replica_month(self):
        """The part of the hardware line paid month by month in cash: all of it when rented, hosting when bought."""
        return self.hardware_usd_per_replica_month - np.asarray(self.capex_usd_per_replica) / self.amortisation_months

    def replicas(self, tokens_per_month, output_tokens_per_month=None):
        """Whole replicas for the volume; sized by output tokens when they are given (the mix may drift)."""
        v = as_array("tokens_per_month", tokens_per_month)
        if output_tokens_per_month is not None:
            if self.output_share is None:
                raise ValueError("output_tokens_per_month needs the OwnCost's output_share (the mix its capacity "
                                 "was measured at)")
            v = as_array("output_tokens_per_month", output_tokens_per_month) / self.output_share
        return np.maximum(np.ceil(v / self.volume_per_replica), 1.0)

    def lines(self, tokens_per_month, output_tokens_per_month=None, hardware_factor=1.0) -> dict:
        """USD per month line by line (hardware incl. hosting, people, power), with replicas and total."""
        v = as_array("tokens_per_month", tokens_per_month)
        r = self.replicas(v, output_tokens_per_month)
        hardware = r * self.hardware_usd_per_replica_month * as_array("hardware_factor", hardware_factor)
        people = (self.people_usd_per_month * people_units(r, self.replicas_per_people_step)
                  + r * self.gpus_per_replica * self.people_usd_per_gpu_month)
        power = v * self.variable_usd_per_mtok / TOKENS_PER_MTOK
        hardware, people, power, r = np.broadcast_arrays(hardware, people, power, r)
        return {"replicas": r, "gpus": r * self.gpus_per_replica, "hardware_usd": hardware, "people_usd": people,
                "power_usd": power, "total_usd": hardware + people + power}

    def monthly_usd(self, tokens_per_month, output_tokens_per_month=None, hardware_factor=1.0):
        """USD per month to serve `tokens_per_month` (broadcast against the fields)."""
        return self.lines(tokens_per_month, output_tokens_per_month, hardware_factor)["total_usd"]


def own_cost_structure(model: str, gpu: str, bits_per_weight, input_tokens, output_tokens, *, mode: str | None = None,
                       num_gpus=None, target_utilisation: float = 0.6, peak_to_average: float = 1.0,
                       replicas_per_people_step: float = np.inf, kv_bits=None, calibration: Calibration | None = None,
                       measured_output_tokens_per_s=None, engine: str | None = None, cached_share=0.0,
                       min_output_tokens_per_s_per_user=None, max_ttft_s=None, **assumptions) -> OwnCost:
    """An `OwnCost` from the catalogs: one replica's full-load throughput (the roofline on the deployment
    `serving.best_deployment` chooses for `engine`, `cached_share` and the latency target, or the team's
    `measured_output_tokens_per_s` for the whole replica of `num_gpus`), its monthly lines from
    `monthly_fixed_cost` and `monthly_power_cost` (power per token at full load, bought GPUs only), people split by
    `people_fte` into the deployment's minimum and the part each GPU adds, and, when bought, the capex the cash
    view pays up front. A replica is one engine instance: `num_gpus` None takes the replica with the most output
    per GPU; n takes the replicas of the best deployment on n GPUs. Keywords as `selfhost_cost_per_mtok`.
    """
    options = dict(kv_bits=kv_bits, calibration=calibration, engine=engine, cached_share=cached_share,
                   min_output_tokens_per_s_per_user=min_output_tokens_per_s_per_user, max_ttft_s=max_ttft_s)
    if measured_output_tokens_per_s is None and num_gpus is not None:
        num_gpus = best_deployment(model, gpu, bits_per_weight, float(input_tokens), float(output_tokens), num_gpus,
                                   **options)["gpus_per_replica"]
    full = selfhost_cost_per_mtok(model, gpu, bits_per_weight, input_tokens, output_tokens, 1.0, num_gpus,
                                  mode=mode, measured_output_tokens_per_s=measured_output_tokens_per_s, **options,
                                  **assumptions)
    n = float(full["num_gpus"])
    mode, _ = _mode_and_basis(mode, assumptions.get("price_basis"))
    fixed = monthly_fixed_cost(gpu, n, mode=mode, **_for(monthly_fixed_cost, assumptions))
    people = {k: assumptions.get(k) for k in ("fte_share", "gpus_per_fte", "loaded_salary_usd_per_year")}
    per_deployment = monthly_people_cost(0, assumptions.get("deployments", 1), **people)
    per_gpu = monthly_people_cost(1, 0, **people)
    if mode == "buy":
        capex = capex_usd(gpu, n, **{k: assumptions.get(k) for k in ("purchase_usd_per_gpu", "server_overhead_share")},
                          profile=assumptions.get("profile", "data_centre"))
        life = 12.0 * _default("amortisation_years", assumptions.get("amortisation_years"))
    else:
        capex, life = 0.0, np.inf
    out_share = float(output_tokens) / (float(input_tokens) + float(output_tokens))
    return OwnCost(full["tokens_per_month"], fixed["hardware_usd"] + fixed["hosting_usd"], per_deployment,
                   full["power_usd_per_mtok"], target_utilisation, peak_to_average, replicas_per_people_step, out_share,
                   n, per_gpu, capex, life, "roofline" if measured_output_tokens_per_s is None else "measured")


def gpu_time_usd_per_mtok(usd_per_gpu_hour, num_gpus, tokens_per_s):
    """USD per million tokens of GPU time alone (no people, full use): what `num_gpus` cost for the hour divided by
    the millions of tokens they serve in it, usd_per_gpu_hour x num_gpus / (3,600 x tokens_per_s / 1e6) - the
    formula InferenceX and LMSYS quote their costs by. Broadcasts; a NaN rate (a target not reached) gives NaN."""
    price = as_array("usd_per_gpu_hour", usd_per_gpu_hour)
    gpus = as_array("num_gpus", num_gpus, low=0.0, low_open=True)
    rate = np.asarray(tokens_per_s, dtype=float)
    if (rate <= 0).any():
        raise ValueError(f"tokens_per_s must be > 0, got {rate[rate <= 0].ravel()[0]!r}")
    return scalar_or_array(price * gpus / (3600 * rate / TOKENS_PER_MTOK))


def cost_at_interactivity(model: str, gpu: str, bits_per_weight, input_tokens, output_tokens,
                          min_output_tokens_per_s_per_user, *, price_basis: str = "on_demand",
                          usd_per_gpu_hour=None, engine: str | None = None, cached_share=0.0,
                          max_gpus_per_replica=8, tokens: str = "total") -> pd.DataFrame:
    """USD per million tokens of GPU time alone (no people, full utilisation) at each interactivity target:
    `gpu_time_usd_per_mtok` of one GPU, InferenceX's formula, on the deployment
    with the most output per GPU that gives each user at least the target output tokens per second.

    `tokens` "total" counts input + output tokens (InferenceX's default chart), "output" output tokens only.
    The price is `gpu_price(gpu, price_basis)` unless `usd_per_gpu_hour` is given. One row per target; a target
    no deployment meets has NaN cost and the reason.
    """
    if tokens not in ("total", "output"):
        raise ValueError(f"tokens must be 'total' or 'output', got {tokens!r}")
    rate = float(gpu_price(gpu, price_basis).usd if usd_per_gpu_hour is None else usd_per_gpu_hour)
    best = best_at_targets(model, gpu, bits_per_weight, input_tokens, output_tokens, min_output_tokens_per_s_per_user,
                           engine=engine, cached_share=cached_share, max_gpus_per_replica=max_gpus_per_replica)
    per_gpu = best["output_tokens_per_s_per_gpu"].to_numpy()
    counted = per_gpu * ((float(input_tokens) + float(output_tokens)) / float(output_tokens) if tokens == "total"
                         else 1.0)
    return pd.DataFrame({"target_tokens_per_s_per_user": best["target_tokens_per_s_per_user"],
                         "tokens_per_s_per_user": best["tokens_per_s_per_user"], "output_tokens_per_s_per_gpu": per_gpu,
                         "gpus_per_replica": best["gpus_per_replica"], "layout": best["layout"],
                         "batch": best["batch"], "usd_per_mtok": gpu_time_usd_per_mtok(rate, 1, counted),
                         "reason": best["reason"]})


def monthly_cost_at_volume(model: str, gpu: str, bits_per_weight, input_tokens, output_tokens, tokens_per_month,
                           *, target_utilisation: float = 0.6, num_gpus=None, mode: str | None = None, kv_bits=None,
                           calibration: Calibration | None = None, **assumptions) -> dict:
    """USD per month to serve `tokens_per_month` with whole replicas of a deployment, line by line
    (`OwnCost.lines` of `own_cost_structure`, capacity bought for the average hour). Broadcasts over volume.

    Adds utilisation (volume over the replicas' full-load capacity) and people_share.
    """
    own = own_cost_structure(model, gpu, bits_per_weight, input_tokens, output_tokens, mode=mode, num_gpus=num_gpus,
                             target_utilisation=target_utilisation, kv_bits=kv_bits, calibration=calibration,
                             **assumptions)
    volume = as_array("tokens_per_month", tokens_per_month)
    lines = own.lines(volume)
    out = lines | {"utilisation": volume / (lines["replicas"] * own.capacity_tokens_per_month),
                   "people_share": lines["people_usd"] / lines["total_usd"]}
    return {k: scalar_or_array(np.asarray(v, dtype=float)) for k, v in out.items()}
