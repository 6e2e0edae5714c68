"""When does owning pay? The volume where a fixed monthly cost is repaid by a cheaper per-token cost."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import present
from .checks import as_array, scalar_or_array
from .owning import OwnCost, assumption, capex_usd, monthly_fixed_cost, own_cost_structure, people_units  # noqa: F401
from .renting import TOKENS_PER_MTOK


def break_even_tokens(fixed_monthly_usd, api_usd_per_mtok, selfhost_variable_usd_per_mtok):
    """Tokens per month at which renting and owning cost the same.

        N* = F / ((p_api - v_own) / 1e6)

    `inf` where owning never pays (the API is no dearer per token than owning's variable cost).
    Source: the seed article's worked example, "Break-even is reached when the variable savings per
    token cover the monthly fixed cost" (3,000 / ((10 - 0.5) / 1e6) = 3.16e8 tokens per month).
    """
    fixed = as_array("fixed_monthly_usd", fixed_monthly_usd)
    api = as_array("api_usd_per_mtok", api_usd_per_mtok)
    var = as_array("selfhost_variable_usd_per_mtok", selfhost_variable_usd_per_mtok)
    saving = (api - var) / TOKENS_PER_MTOK
    with np.errstate(divide="ignore", invalid="ignore"):
        tokens = np.where(saving > 0, fixed / np.where(saving > 0, saving, 1.0), np.inf)
    return scalar_or_array(tokens)


def step_crossings(api_usd_per_mtok, own: OwnCost, max_tokens_per_month: float, max_steps: int = 10_000):
    """Every volume up to `max_tokens_per_month` where owning becomes cheaper than renting, or dearer again.

    Between capacity steps owning is linear in volume, so each crossing is exact:
    in the segment with r replicas, p V = C_r + v V  =>  V = C_r / (p - v); at a step owning jumps up
    and may cost more than renting again. Returns a DataFrame: tokens_per_month, replicas, direction
    ("own cheaper from here" / "rent cheaper again"). Scalars only; see `first_break_even` for arrays.
    """
    p = float(as_array("api_usd_per_mtok", api_usd_per_mtok)) / TOKENS_PER_MTOK
    v = float(own.variable_usd_per_mtok) / TOKENS_PER_MTOK
    per = float(own.volume_per_replica)
    steps = int(min(np.ceil(as_array("max_tokens_per_month", max_tokens_per_month, low=0, low_open=True) / per),
                    max_steps))
    r = np.arange(1, steps + 1, dtype=float)
    lo, hi = (r - 1) * per, np.minimum(r * per, max_tokens_per_month)
    fixed = r * float(own.fixed_usd_per_replica_month) + float(own.people_usd_per_month) * people_units(
        r, float(own.replicas_per_people_step))
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = np.where(p > v, fixed / (p - v), np.inf)
    rows = [{"tokens_per_month": float(c), "replicas": int(k), "direction": "own cheaper from here"}
            for c, k, a, b in zip(cross, r, lo, hi) if a < c <= b]
    # at the step into segment r (r >= 2) owning jumps; if it was cheaper just below and dearer just above
    own_below = fixed[:-1] + lo[1:] * v
    own_above = fixed[1:] + lo[1:] * v
    rent_at = p * lo[1:]
    for V, k in zip(lo[1:][(own_below <= rent_at) & (own_above > rent_at)], r[1:][(own_below <= rent_at) & (own_above > rent_at)]):
        rows.append({"tokens_per_month": float(V), "replicas": int(k), "direction": "rent cheaper again"})
    return pd.DataFrame(rows, columns=["tokens_per_month", "replicas", "direction"]).sort_values(
        "tokens_per_month", ignore_index=True)


def _first_break_even_fixed_people(api_usd_per_mtok, own: OwnCost):
    """Closed form of the first crossing when people never step: O(1) per scenario.

    With gap g = p - v, per-replica volume w and fixed cost h (hardware and the people its GPUs add), the
    crossing of segment r is (r h + P) / g;
    it lies in segment r when (r - 1) w < (r h + P) / g <= r w, i.e. for the smallest
    r >= P / (w g - h) — which exists only if a full replica earns more than it costs (w g > h).
    """
    g = (as_array("api_usd_per_mtok", api_usd_per_mtok) - np.asarray(own.variable_usd_per_mtok, dtype=float)) / TOKENS_PER_MTOK
    w = np.asarray(own.volume_per_replica, dtype=float)
    h = np.asarray(own.fixed_usd_per_replica_month, dtype=float)
    people = np.asarray(own.people_usd_per_month, dtype=float)
    margin = w * g - h
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.maximum(np.ceil(people / np.where(margin > 0, margin, 1.0) - 1e-12), 1.0)
        cross = (r * h + people) / np.where(g > 0, g, 1.0)
    ok = (g > 0) & ((margin > 0) | (cross <= w))  # a first-segment crossing needs no margin
    r1 = (h + people) / np.where(g > 0, g, 1.0)
    cross = np.where((g > 0) & (r1 <= w), r1, cross)
    return scalar_or_array(np.where(ok, cross, np.inf))


def first_break_even(api_usd_per_mtok, own: OwnCost, max_steps: int = 64):
    """Lowest volume from which owning is cheaper, per scenario (vectorised over array fields); inf if none.

    People that never step (the default) use an exact closed form; stepping people scan the first
    `max_steps` segments exactly as `step_crossings` does.
    """
    if np.all(np.isinf(own.replicas_per_people_step)):
        return _first_break_even_fixed_people(api_usd_per_mtok, own)
    p = as_array("api_usd_per_mtok", api_usd_per_mtok)[..., None] / TOKENS_PER_MTOK
    v = np.asarray(own.variable_usd_per_mtok, dtype=float)[..., None] / TOKENS_PER_MTOK
    per = np.asarray(own.volume_per_replica, dtype=float)[..., None]
    hw = np.asarray(own.fixed_usd_per_replica_month, dtype=float)[..., None]
    ppl = np.asarray(own.people_usd_per_month, dtype=float)[..., None]
    step = np.asarray(own.replicas_per_people_step, dtype=float)[..., None]
    r = np.arange(1, max_steps + 1, dtype=float)
    fixed = r * hw + ppl * people_units(r, step)
    gap = p - v
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = np.where(gap > 0, fixed / np.where(gap > 0, gap, 1.0), np.inf)
    valid = ((r - 1) * per < cross) & (cross <= r * per)
    return scalar_or_array(np.where(valid, cross, np.inf).min(axis=-1))


def never_pays_reason(api_usd_per_mtok, own: OwnCost, max_tokens_per_month: float) -> str:
    """Why owning never becomes cheaper up to `max_tokens_per_month`, in one sentence ('' if it does)."""
    p, v = float(api_usd_per_mtok), float(own.variable_usd_per_mtok)
    if p <= v:
        return (f"the API's {present.usd_per_mtok(p)} is no more than owning's power cost of "
                f"{present.usd_per_mtok(v)}, so no volume repays the fixed cost")
    if len(step_crossings(p, own, max_tokens_per_month)):
        return ""
    per_replica = float(own.fixed_usd_per_replica_month) / float(own.volume_per_replica) * TOKENS_PER_MTOK
    if per_replica + v >= p:
        what = ("hardware, power and the engineers its GPUs add, before the deployment's own"
                if float(own.people_usd_per_gpu_month) > 0 else "hardware and power, before people")
        return (f"even a fully used replica costs {present.usd_per_mtok(per_replica + v)} ({what}), more than the "
                f"API's {present.usd_per_mtok(p)}")
    first = float(first_break_even(p, own))
    where = f"from {present.tokens(first)} tokens a month" if np.isfinite(first) else "beyond the capacity steps searched"
    return f"owning pays only {where}, beyond the {present.tokens(max_tokens_per_month)} a month considered"


def payback_months(capex_usd, api_monthly_usd, own_opex_monthly_usd):
    """Months for bought hardware to pay for itself: capex / (API bill - owning's running cost); inf if never."""
    capex = as_array("capex_usd", capex_usd)
    saving = as_array("api_monthly_usd", api_monthly_usd) - as_array("own_opex_monthly_usd", own_opex_monthly_usd)
    with np.errstate(divide="ignore"):
        return scalar_or_array(np.where(saving > 0, capex / np.where(saving > 0, saving, 1.0), np.inf))


def payback_table(own_bought: OwnCost, gpu: str, api_usd_per_mtok: float, tokens_per_month) -> pd.DataFrame:
    """Payback of bought hardware at each volume: upfront cost of the replicas' GPUs in servers against the
    monthly saving over the API bill after hosting, power and people (amortisation excluded: it is the capex).

        months = capex / (API bill - (own(V) - capex / amortisation months))   (inf where running costs more)

    Capex and life are the OwnCost's (`own_cost_structure(..., mode="buy")`); an OwnCost built by hand without
    them takes `gpu`'s default purchase price and the default amortisation. The projection's cash view
    (`projection.cash_payback_months`) gives the same months for flat volume.
    """
    volumes = as_array("tokens_per_month", tokens_per_month).reshape(-1)
    lines = own_bought.lines(volumes)
    if np.all(np.asarray(own_bought.capex_usd_per_replica) > 0):
        per_replica, life = own_bought.capex_usd_per_replica, own_bought.amortisation_months
    else:
        per_replica, life = capex_usd(gpu, own_bought.gpus_per_replica), 12.0 * assumption("amortisation_years")
    capex = lines["replicas"] * np.asarray(per_replica, dtype=float)
    api = api_usd_per_mtok * volumes / TOKENS_PER_MTOK
    running = lines["total_usd"] - capex / life
    return pd.DataFrame({"tokens_per_month": volumes, "replicas": lines["replicas"], "gpus": lines["gpus"],
                         "capex_usd": capex, "api_usd_per_month": api, "own_running_usd_per_month": running,
                         "payback_months": np.asarray(payback_months(capex, api, running), dtype=float)})
