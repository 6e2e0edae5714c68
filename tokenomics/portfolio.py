"""Which share of the traffic goes where? The cheapest quality-feasible mix, mixed baskets, distillation.

The mix is a linear programme (scipy.optimize.linprog, HiGHS): tokens x[c, t] of task class c on tier t,
    minimise   sum_t price_t * sum_c x[c, t] / 1e6  (+ the self-hosted tier's fixed cost if it is used)
    subject to sum_t x[c, t] = demand_c                     (every class served)
               x[c, t] = 0 where quality[c, t] < floor_c    (or where quality is unknown)
               sum_c x[c, self] <= capacity                 (what the deployment serves)
The fixed cost makes "deploy or not" a yes/no choice: both programmes are solved and the cheaper kept,
so the binding constraints come with their shadow prices. Quality scores: data/quality_scores.csv.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from .catalog import load_quality_scores
from .checks import as_array, scalar_or_array

#: The article's company sizes ("Startups 1-10 M tokens monthly", "Mid-sized 10-100 M", "Enterprises 100 M+",
#: and "an enterprise processing 1 billion tokens monthly"); the class shares are an assumption to vary.
PRESETS = {
    "startup": {"tokens_per_month": 5e6},
    "mid-sized": {"tokens_per_month": 50e6},
    "enterprise": {"tokens_per_month": 1e9},
}
DEFAULT_CLASS_SHARES = {"instruction_following": 0.4, "knowledge": 0.3, "math": 0.2, "reasoning": 0.1}
#: Illustrative distillation inputs (the article gives none): "millions of Q->A pairs" as 1 M samples of
#: 1,000 tokens, a day of fine-tuning on 8 GPUs, $1,000 of evaluation. Shared by notebook 06 and the claims.
DISTILLATION_EXAMPLE = {"samples": 1e6, "tokens_per_sample": 1000.0, "finetune_gpu_hours": 8 * 24.0, "eval_usd": 1000.0}


@dataclass(frozen=True)
class Tier:
    """One place traffic can go: an API model, or a self-hosted deployment with a fixed cost and capacity."""

    name: str  # display name
    model: str  # model name in data/quality_scores.csv
    usd_per_mtok: float  # marginal price per million tokens
    fixed_usd_per_month: float = 0.0  # paid once if any traffic goes here (self-hosted)
    capacity_tokens_per_month: float = np.inf  # tokens a month it can take


@dataclass
class Mix:
    """The cheapest mix, or why there is none."""

    status: str  # "optimal" or "infeasible"
    allocation: pd.DataFrame = field(default_factory=pd.DataFrame)  # tokens, class x tier
    cost_usd_per_month: float = np.nan
    blended_usd_per_mtok: float = np.nan
    binding: list[str] = field(default_factory=list)
    reason: str = ""


def quality_matrix(classes: list[str], tiers: list[Tier]) -> pd.DataFrame:
    """Scores per (class, tier) from data/quality_scores.csv; NaN where none is published."""
    scores = load_quality_scores().pivot(index="task_class", columns="model", values="score")
    return pd.DataFrame({t.name: [scores.at[c, t.model] if (c in scores.index and t.model in scores.columns)
                                  else np.nan for c in classes] for t in tiers}, index=classes)


def _demand(tokens_per_month: float, class_shares: dict[str, float]) -> pd.Series:
    shares = pd.Series(class_shares, dtype=float)
    for name, v in shares.items():
        as_array(f"class_shares[{name!r}]", v, low=0, high=1)
    if not np.isclose(shares.sum(), 1.0, atol=1e-6):
        raise ValueError(f"class_shares must sum to 1, got {shares.sum():.6g} ({dict(shares)})")
    return shares * float(as_array("tokens_per_month", tokens_per_month))


def cheapest_mix(tokens_per_month: float, class_shares: dict[str, float], tiers: list[Tier],
                 quality_floor: dict[str, float] | float, quality: pd.DataFrame | None = None) -> Mix:
    """The cheapest allocation of each class's tokens to tiers that meet its quality floor and capacity."""
    demand = _demand(tokens_per_month, class_shares)
    classes = list(demand.index)
    if not tiers:
        raise ValueError("tiers must name at least one tier")
    floors = pd.Series(quality_floor if isinstance(quality_floor, dict) else {c: quality_floor for c in classes},
                       dtype=float).reindex(classes)
    if floors.isna().any():
        raise ValueError(f"quality_floor has no value for {list(floors[floors.isna()].index)}")
    q = quality_matrix(classes, tiers) if quality is None else quality.reindex(index=classes)
    eligible = (q.to_numpy() >= floors.to_numpy()[:, None]) & ~np.isnan(q.to_numpy())
    for i, c in enumerate(classes):
        if demand[c] > 0 and not eligible[i].any():
            best = q.loc[c].dropna()
            top = f"the best published is {best.max():g} ({best.idxmax()})" if len(best) else "no tier has a score"
            return Mix("infeasible", reason=f"quality floor: no tier reaches {floors[c]:g} on {c!r}; {top}")
    self_hosted = [j for j, t in enumerate(tiers) if np.isfinite(t.capacity_tokens_per_month) or t.fixed_usd_per_month]
    if len(self_hosted) > 6:
        raise ValueError(f"at most 6 self-hosted tiers (each is a deploy-or-not choice), got {len(self_hosted)}")
    best: Mix | None = None
    for used in itertools.chain.from_iterable(itertools.combinations(self_hosted, k)
                                              for k in range(len(self_hosted) + 1)):
        mix = _solve(demand, classes, tiers, eligible, set(used))
        if mix.status == "optimal" and (best is None or mix.cost_usd_per_month < best.cost_usd_per_month - 1e-9):
            best = mix
    if best is None:
        total_capacity = sum(tiers[j].capacity_tokens_per_month for j in self_hosted)
        return Mix("infeasible", reason=f"capacity: the classes that only self-hosted tiers can serve need more than "
                                        f"their {total_capacity:.3g} tokens a month")
    return best


def _solve(demand: pd.Series, classes: list[str], tiers: list[Tier], eligible: np.ndarray, used: set[int]) -> Mix:
    """The LP with self-hosted tiers in `used` switched on (fixed cost paid) and the others off."""
    n_c, n_t = len(classes), len(tiers)
    fixed_tiers = {j for j, t in enumerate(tiers) if np.isfinite(t.capacity_tokens_per_month) or t.fixed_usd_per_month}
    allowed = eligible.copy()
    for j in fixed_tiers - used:
        allowed[:, j] = False
    if any(demand.iloc[i] > 0 and not allowed[i].any() for i in range(n_c)):
        return Mix("infeasible")
    price = np.array([t.usd_per_mtok for t in tiers]) / 1e6
    cost = np.tile(price, n_c)  # x is class-major: x[i * n_t + j]
    a_eq = np.kron(np.eye(n_c), np.ones(n_t))
    caps = [j for j in used if np.isfinite(tiers[j].capacity_tokens_per_month)]
    a_ub = np.array([[1.0 if k % n_t == j else 0.0 for k in range(n_c * n_t)] for j in caps]) if caps else None
    b_ub = np.array([tiers[j].capacity_tokens_per_month for j in caps]) if caps else None
    bounds = [(0, None if allowed[k // n_t, k % n_t] else 0) for k in range(n_c * n_t)]
    res = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=demand.to_numpy(), bounds=bounds, method="highs")
    if res.status != 0:
        return Mix("infeasible")
    x = res.x.reshape(n_c, n_t)
    fixed = sum(tiers[j].fixed_usd_per_month for j in used)
    total = float(res.fun) + fixed
    binding = []
    for k, j in enumerate(caps):
        if x[:, j].sum() >= tiers[j].capacity_tokens_per_month * (1 - 1e-6):
            shadow = -res.ineqlin.marginals[k] * 1e6
            binding.append(f"capacity of {tiers[j].name}: full at {tiers[j].capacity_tokens_per_month:.3g} tokens a "
                           f"month (one more million tokens of capacity would save ${shadow:.3f})")
    for i, c in enumerate(classes):
        if x[i].sum() <= 0:
            continue
        paid = (x[i] * price).sum() / x[i].sum()  # marginal price per token this class pays on average
        cheaper = [tiers[j].name for j in range(n_t) if not eligible[i, j] and price[j] < paid]
        if cheaper:
            binding.append(f"quality floor on {c!r}: shuts out cheaper {', '.join(cheaper)}")
    allocation = pd.DataFrame(x, index=classes, columns=[t.name for t in tiers])
    volume = float(demand.sum())
    return Mix("optimal", allocation, total, total / volume * 1e6 if volume else np.nan, binding)


def blended_by_floor(tokens_per_month: float, class_shares: dict[str, float], tiers: list[Tier], floors,
                     fixed_floors: dict[str, float] | None = None) -> pd.DataFrame:
    """The cheapest blended price at each quality floor (one floor for every class, except `fixed_floors`).

    Returns floor, blended_usd_per_mtok (NaN where infeasible) and the reason where infeasible.
    """
    quality = quality_matrix(list(class_shares), tiers)
    rows = []
    for f in np.asarray(floors, dtype=float):
        per_class = {c: f for c in class_shares} | {c: min(f, v) for c, v in (fixed_floors or {}).items()}
        mix = cheapest_mix(tokens_per_month, class_shares, tiers, per_class, quality)
        rows.append({"floor": f, "blended_usd_per_mtok": mix.blended_usd_per_mtok, "reason": mix.reason})
    return pd.DataFrame(rows)


def floors_from(reference_model: str, classes: list[str], tolerance_points: float) -> dict[str, float]:
    """Per-class floors: the reference model's published score on each class minus a tolerance in points (the
    same rule a single team's search uses: a candidate may score at most `tolerance_points` below today's)."""
    t = float(as_array("tolerance_points", tolerance_points, low=0, high=100))
    got = quality_matrix(classes, [Tier(reference_model, reference_model, 0.0)])[reference_model]
    if got.isna().any():
        raise ValueError(f"{reference_model!r} has no published score on {list(got[got.isna()].index)}; "
                         "give those classes' floors by hand")
    return {c: float(v) - t for c, v in got.items()}


def blended_by_tolerance(tokens_per_month: float, class_shares: dict[str, float], tiers: list[Tier],
                         reference_model: str, tolerances) -> pd.DataFrame:
    """The cheapest blended price at each tolerance below the reference model's per-class scores.

    Returns tolerance_points, blended_usd_per_mtok (NaN where infeasible), reason and, per tier, its share.
    """
    quality = quality_matrix(list(class_shares), tiers)
    rows = []
    for t in np.asarray(tolerances, dtype=float):
        mix = cheapest_mix(tokens_per_month, class_shares, tiers, floors_from(reference_model, list(class_shares), t),
                           quality)
        shares = (mix.allocation.sum() / tokens_per_month).to_dict() if mix.status == "optimal" else {}
        rows.append({"tolerance_points": t, "blended_usd_per_mtok": mix.blended_usd_per_mtok, "reason": mix.reason,
                     **{tier.name: shares.get(tier.name, np.nan) for tier in tiers}})
    return pd.DataFrame(rows)


def mixed_basket_price(shares, usd_per_mtok):
    """Blended price of traffic split across tiers: sum share_t x price_t (shares must sum to 1)."""
    s = as_array("shares", shares, low=0, high=1)
    p = as_array("usd_per_mtok", usd_per_mtok)
    if not np.isclose(s.sum(axis=-1), 1.0).all():
        raise ValueError(f"shares must sum to 1, got {s.sum(axis=-1)}")
    return scalar_or_array((s * p).sum(axis=-1))


def distillation_payback_weeks(*, samples, tokens_per_sample, teacher_usd_per_mtok, finetune_gpu_hours,
                               gpu_usd_per_hour, eval_usd, tokens_per_month, moved_share, api_usd_per_mtok,
                               student_usd_per_mtok, student_fixed_usd_per_month=0.0):
    """Weeks until distilling a teacher into a student pays back; inf where it never does. Broadcasts.

    one-off = samples x tokens_per_sample x teacher price + fine-tuning GPU-hours x rate + evaluation
    saving per month = moved_share x tokens x (API price - student price) / 1e6 - student fixed cost
    payback = one-off / (saving per month / (365.25 / 12 / 7) weeks a month)
    """
    one_off = (as_array("samples", samples) * as_array("tokens_per_sample", tokens_per_sample)
               * as_array("teacher_usd_per_mtok", teacher_usd_per_mtok) / 1e6
               + as_array("finetune_gpu_hours", finetune_gpu_hours) * as_array("gpu_usd_per_hour", gpu_usd_per_hour)
               + as_array("eval_usd", eval_usd))
    saving = (as_array("moved_share", moved_share, low=0, high=1) * as_array("tokens_per_month", tokens_per_month)
              * (as_array("api_usd_per_mtok", api_usd_per_mtok) - as_array("student_usd_per_mtok", student_usd_per_mtok))
              / 1e6 - as_array("student_fixed_usd_per_month", student_fixed_usd_per_month))
    weeks_per_month = 365.25 / 12 / 7
    with np.errstate(divide="ignore"):
        return scalar_or_array(np.where(saving > 0, one_off / np.where(saving > 0, saving, 1.0) * weeks_per_month,
                                        np.inf))
