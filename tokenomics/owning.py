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

import numpy as np

from .catalog import load_owning_assumptions
from .checks import as_array, as_share, scalar_or_array
from .memory import gpu_spec
from .serving import DEFAULT_CALIBRATION, Calibration, best_tensor_parallel, throughput_tokens_per_s

MODES = ("rent", "buy")


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
    hours = assumptions.get("hours_per_month") or assumption("hours_per_month")
    tokens = np.asarray(out_tps) * (i + o) / o * 3600.0 * hours * u
    power_keys = {"pue", "usd_per_kwh", "system_power_factor", "hours_per_month"}
    fixed = monthly_fixed_cost(gpu, num_gpus, mode=mode, **{k: v for k, v in assumptions.items()
                                                            if k not in power_keys - {"system_power_factor", "hours_per_month"}})
    power = (monthly_power_cost(gpu, num_gpus, u, **{k: v for k, v in assumptions.items() if k in power_keys})
             if mode == "buy" else np.zeros_like(tokens))
    per = 1e6 / tokens
    hardware = (np.asarray(fixed["hardware_usd"]) + np.asarray(fixed["hosting_usd"])) * per
    power = np.asarray(power) * per
    people = np.asarray(fixed["people_usd"]) * per
    total = hardware + power + people
    out = {"num_gpus": np.broadcast_to(np.asarray(num_gpus, dtype=float), np.shape(total)),
           "tokens_per_month": tokens, "hardware_usd_per_mtok": hardware, "power_usd_per_mtok": power,
           "people_usd_per_mtok": people, "total_usd_per_mtok": total,
           "people_share": np.where(total > 0, people / np.where(total > 0, total, 1), 0.0)}
    return {k: scalar_or_array(np.asarray(v, dtype=float)) for k, v in out.items()}


def monthly_cost_at_volume(model: str, gpu: str, bits_per_weight, input_tokens, output_tokens, tokens_per_month,
                           *, target_utilisation: float = 0.6, num_gpus=None, mode: str = "rent", kv_bits=16,
                           calibration: Calibration = DEFAULT_CALIBRATION, **assumptions) -> dict:
    """USD per month to serve `tokens_per_month` with whole replicas of a deployment, line by line.

    replicas = ceil(tokens / (full-load tokens per month of one replica x target_utilisation)), at least 1;
    hardware and hosting scale with replicas, power with the tokens served, people stay fixed.
    Broadcasts over `tokens_per_month`.
    """
    volume = as_array("tokens_per_month", tokens_per_month)
    target = float(as_array("target_utilisation", target_utilisation, low=0.0, high=1.0, low_open=True))
    one = selfhost_cost_per_mtok(model, gpu, bits_per_weight, input_tokens, output_tokens, 1.0, num_gpus,
                                 mode=mode, kv_bits=kv_bits, calibration=calibration, **assumptions)
    capacity = float(one["tokens_per_month"])
    n = float(one["num_gpus"])
    replicas = np.maximum(np.ceil(volume / (capacity * target)), 1.0)
    used = volume / (replicas * capacity)
    power_keys = {"pue", "usd_per_kwh", "system_power_factor", "hours_per_month"}
    fixed_kw = {k: v for k, v in assumptions.items() if k not in {"pue", "usd_per_kwh"}}
    per_replica = monthly_fixed_cost(gpu, n, mode=mode, **fixed_kw)
    hardware = replicas * (per_replica["hardware_usd"] + per_replica["hosting_usd"])
    power = (monthly_power_cost(gpu, replicas * n, used, **{k: v for k, v in assumptions.items() if k in power_keys})
             if mode == "buy" else np.zeros_like(volume))
    people = np.full_like(volume, per_replica["people_usd"])
    total = hardware + np.asarray(power) + people
    out = {"replicas": replicas, "gpus": replicas * n, "utilisation": used, "hardware_usd": hardware,
           "power_usd": np.asarray(power, dtype=float), "people_usd": people, "total_usd": total,
           "people_share": people / total}
    return {k: scalar_or_array(np.asarray(v, dtype=float)) for k, v in out.items()}
