"""What does self-hosting cost? Monthly cost line by line, and USD per million tokens with its split.

Lines (defaults from data/owning_assumptions.csv, each sourced):
  hardware  rented:  GPUs x USD per GPU-hour x hours per month (power and hosting included in the rate)
            bought:  GPUs x purchase price x (1 + server overhead) / (amortisation years x 12)
                     + hosting: GPUs x TDP x system power factor x colocation USD per kW-month
  power     bought only: GPUs x TDP x system power factor x utilisation x PUE x USD per kWh x hours
  people    FTE share x loaded salary / 12
Cost per million tokens divides by tokens served a month at the given utilisation of full-load
throughput (input + output tokens, as API volumes are counted).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .catalog import load_owning_assumptions
from .checks import as_array, as_share, scalar_or_array
from .memory import gpu_spec
from .renting import TOKENS_PER_MTOK
from .serving import DEFAULT_CALIBRATION, Calibration, best_tensor_parallel, throughput_tokens_per_s

MODES = ("rent", "buy")
#: Keywords of `monthly_power_cost`; the first two belong to it alone, not to `monthly_fixed_cost`.
POWER_ONLY = {"pue", "usd_per_kwh"}
POWER_KEYS = POWER_ONLY | {"system_power_factor", "hours_per_month"}


def assumption(parameter: str) -> float:
    """A default from data/owning_assumptions.csv by name."""
    table = load_owning_assumptions().set_index("parameter")["value"]
    if parameter not in table.index:
        raise KeyError(f"unknown assumption {parameter!r}; known: {sorted(table.index)}")
    return float(table[parameter])


def _default(name: str, value):
    return assumption(name) if value is None else value


def monthly_fixed_cost(gpu: str, num_gpus=1, *, mode: str = "rent", fte_share=None, loaded_salary_usd_per_year=None,
                       rent_usd_per_gpu_hour=None, purchase_usd_per_gpu=None, amortisation_years=None,
                       server_overhead_share=None, colo_usd_per_kw_month=None, system_power_factor=None,
                       hours_per_month=None) -> dict:
    """USD per month that do not depend on traffic: hardware (incl. hosting) and people. Broadcasts."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    spec = gpu_spec(gpu)
    n = as_array("num_gpus", num_gpus, low=0.0)
    people = (as_array("fte_share", _default("fte_share", fte_share), low=0.0)
              * as_array("loaded_salary_usd_per_year", _default("loaded_salary_usd_per_year", loaded_salary_usd_per_year))
              / 12.0)
    hours = as_array("hours_per_month", _default("hours_per_month", hours_per_month), low=0.0, high=744.0)
    if mode == "rent":
        rate = spec["rent_usd_per_hour"] if rent_usd_per_gpu_hour is None else rent_usd_per_gpu_hour
        if rate is None or np.isnan(rate):
            raise ValueError(f"no rental price for {spec.name} in data/gpus.csv; pass rent_usd_per_gpu_hour")
        hardware = n * as_array("rent_usd_per_gpu_hour", rate) * hours
        hosting = np.zeros_like(hardware)
    else:
        years = as_array("amortisation_years", _default("amortisation_years", amortisation_years), low=0, low_open=True)
        hardware = capex_usd(gpu, n, purchase_usd_per_gpu=purchase_usd_per_gpu,
                             server_overhead_share=server_overhead_share) / (years * 12.0)
        kw = n * spec["tdp_w"] / 1000.0 * as_array("system_power_factor",
                                                   _default("system_power_factor", system_power_factor))
        hosting = kw * as_array("colo_usd_per_kw_month", _default("colo_usd_per_kw_month", colo_usd_per_kw_month))
    hardware, hosting, people = np.broadcast_arrays(hardware, hosting, people)
    lines = {"hardware_usd": hardware, "hosting_usd": hosting, "people_usd": people,
             "total_usd": hardware + hosting + people}
    return {k: scalar_or_array(v) for k, v in lines.items()}


def capex_usd(gpu: str, num_gpus=1, *, purchase_usd_per_gpu=None, server_overhead_share=None):
    """Upfront USD to buy `num_gpus` GPUs in servers: GPUs x purchase price x (1 + server overhead share)."""
    spec = gpu_spec(gpu)
    price = spec["purchase_usd"] if purchase_usd_per_gpu is None else purchase_usd_per_gpu
    if price is None or np.isnan(price):
        raise ValueError(f"no purchase price for {spec.name} in data/gpus.csv; pass purchase_usd_per_gpu")
    overhead = as_array("server_overhead_share", _default("server_overhead_share", server_overhead_share))
    return scalar_or_array(as_array("num_gpus", num_gpus, low=0.0) * as_array("purchase_usd_per_gpu", price)
                           * (1 + overhead))


def monthly_power_cost(gpu: str, num_gpus=1, utilisation=1.0, *, pue=None, usd_per_kwh=None,
                       system_power_factor=None, hours_per_month=None):
    """USD per month of electricity for owned GPUs: TDP x factor x utilisation x PUE x price x hours."""
    spec = gpu_spec(gpu)
    kw = (as_array("num_gpus", num_gpus, low=0.0) * spec["tdp_w"] / 1000.0
          * as_array("system_power_factor", _default("system_power_factor", system_power_factor)))
    return scalar_or_array(kw * as_share("utilisation", utilisation)
                           * as_array("pue", _default("pue", pue), low=1.0)
                           * as_array("usd_per_kwh", _default("electricity_usd_per_kwh", usd_per_kwh))
                           * as_array("hours_per_month", _default("hours_per_month", hours_per_month), low=0.0))


def selfhost_cost_per_mtok(model: str, gpu: str, bits_per_weight, input_tokens, output_tokens, utilisation,
                           num_gpus=None, *, mode: str = "rent", kv_bits=16,
                           calibration: Calibration = DEFAULT_CALIBRATION, **assumptions) -> dict:
    """USD per million tokens (input + output) served by a self-hosted deployment, split by line.

    `utilisation` is the share of full-load throughput actually used over the month (0 < u <= 1).
    `num_gpus` None: the tensor-parallel size with the most throughput per GPU (`best_tensor_parallel`).
    Extra keywords override the defaults of `monthly_fixed_cost` / `monthly_power_cost`.
    Returns arrays: tokens_per_month, hardware/power/people/total USD per Mtok, people_share.
    """
    u = as_array("utilisation", utilisation, low=0.0, high=1.0, low_open=True)
    i = as_array("input_tokens", input_tokens, low=0.0)
    o = as_array("output_tokens", output_tokens, low=0.0, low_open=True)
    if num_gpus is None:
        num_gpus = best_tensor_parallel(model, gpu, bits_per_weight, float(np.max(i)), float(np.max(o)), kv_bits,
                                        calibration)
    out_tps = throughput_tokens_per_s(model, gpu, bits_per_weight, i, o, num_gpus, kv_bits, calibration=calibration)
    hours = _default("hours_per_month", assumptions.get("hours_per_month"))
    tokens = np.asarray(out_tps) * (i + o) / o * 3600.0 * hours * u
    fixed = monthly_fixed_cost(gpu, num_gpus, mode=mode, **{k: v for k, v in assumptions.items() if k not in POWER_ONLY})
    power = (monthly_power_cost(gpu, num_gpus, u, **{k: v for k, v in assumptions.items() if k in POWER_KEYS})
             if mode == "buy" else np.zeros_like(tokens))
    per = TOKENS_PER_MTOK / tokens
    hardware = (np.asarray(fixed["hardware_usd"]) + np.asarray(fixed["hosting_usd"])) * per
    power = np.asarray(power) * per
    people = np.asarray(fixed["people_usd"]) * per
    total = hardware + power + people
    out = {"num_gpus": np.broadcast_to(np.asarray(num_gpus, dtype=float), np.shape(total)),
           "tokens_per_month": tokens, "hardware_usd_per_mtok": hardware, "power_usd_per_mtok": power,
           "people_usd_per_mtok": people, "total_usd_per_mtok": total,
           "people_share": np.where(total > 0, people / np.where(total > 0, total, 1), 0.0)}
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
    own(V)      = replicas x hardware_usd_per_replica_month x hardware_factor + people(V)
                  + V x variable_usd_per_mtok / 1e6
    Rented GPUs: hardware is the hourly rate; bought: amortisation + hosting, and power is variable.
    """

    capacity_tokens_per_month: float  # one replica at full load, input + output tokens
    hardware_usd_per_replica_month: float  # rent, or amortisation + hosting
    people_usd_per_month: float  # engineers for the first `replicas_per_people_step` replicas
    variable_usd_per_mtok: float = 0.0  # power of bought GPUs per million tokens served
    target_utilisation: float = 0.6  # share of full load a replica may average before adding the next
    peak_to_average: float = 1.0  # peak hour over average hour: capacity is bought for the peak
    replicas_per_people_step: float = np.inf  # replicas one people unit looks after (inf: people never step)
    output_share: float | None = None  # output share of the mix the capacity was measured at
    gpus_per_replica: float = 1.0  # GPUs in one replica (its tensor-parallel size)

    def __post_init__(self):
        as_array("capacity_tokens_per_month", self.capacity_tokens_per_month, low=0, low_open=True)
        as_array("hardware_usd_per_replica_month", self.hardware_usd_per_replica_month)
        as_array("people_usd_per_month", self.people_usd_per_month)
        as_array("variable_usd_per_mtok", self.variable_usd_per_mtok)
        as_array("target_utilisation", self.target_utilisation, low=0, high=1, low_open=True)
        as_array("peak_to_average", self.peak_to_average, low=1)
        as_array("replicas_per_people_step", self.replicas_per_people_step, low=1)
        if self.output_share is not None:
            as_array("output_share", self.output_share, low=0, high=1, low_open=True)

    @property
    def volume_per_replica(self):
        """Average monthly tokens (input + output) one replica carries before the next is added."""
        return self.capacity_tokens_per_month * self.target_utilisation / self.peak_to_average

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
        people = self.people_usd_per_month * people_units(r, self.replicas_per_people_step)
        power = v * self.variable_usd_per_mtok / TOKENS_PER_MTOK
        hardware, people, power, r = np.broadcast_arrays(hardware, people, power, r)
        return {"replicas": r, "gpus": r * self.gpus_per_replica, "hardware_usd": hardware, "people_usd": people,
                "power_usd": power, "total_usd": hardware + people + power}

    def monthly_usd(self, tokens_per_month, output_tokens_per_month=None, hardware_factor=1.0):
        """USD per month to serve `tokens_per_month` (broadcast against the fields)."""
        return self.lines(tokens_per_month, output_tokens_per_month, hardware_factor)["total_usd"]


def own_cost_structure(model: str, gpu: str, bits_per_weight, input_tokens, output_tokens, *, mode: str = "rent",
                       num_gpus=None, target_utilisation: float = 0.6, peak_to_average: float = 1.0,
                       replicas_per_people_step: float = np.inf, kv_bits=16,
                       calibration: Calibration = DEFAULT_CALIBRATION, **assumptions) -> OwnCost:
    """An `OwnCost` from the catalogs: one replica's full-load throughput from the roofline, its monthly
    lines from `monthly_fixed_cost` and `monthly_power_cost` (power per token at full load, bought GPUs only)."""
    full = selfhost_cost_per_mtok(model, gpu, bits_per_weight, input_tokens, output_tokens, 1.0, num_gpus,
                                  mode=mode, kv_bits=kv_bits, calibration=calibration, **assumptions)
    n = float(full["num_gpus"])
    fixed = monthly_fixed_cost(gpu, n, mode=mode, **{k: v for k, v in assumptions.items() if k not in POWER_ONLY})
    power_full = monthly_power_cost(gpu, n, 1.0, **{k: v for k, v in assumptions.items() if k in POWER_KEYS})
    variable = power_full / full["tokens_per_month"] * TOKENS_PER_MTOK if mode == "buy" else 0.0
    out_share = float(output_tokens) / (float(input_tokens) + float(output_tokens))
    return OwnCost(full["tokens_per_month"], fixed["hardware_usd"] + fixed["hosting_usd"], fixed["people_usd"],
                   variable, target_utilisation, peak_to_average, replicas_per_people_step, out_share, n)


def monthly_cost_at_volume(model: str, gpu: str, bits_per_weight, input_tokens, output_tokens, tokens_per_month,
                           *, target_utilisation: float = 0.6, num_gpus=None, mode: str = "rent", kv_bits=16,
                           calibration: Calibration = DEFAULT_CALIBRATION, **assumptions) -> dict:
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
