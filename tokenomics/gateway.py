"""What a self-hosted model really costs per token, written for the gateway that charges teams back.

A gateway prices every request it proxies; for a self-hosted model it has no list price, so teams are charged
$0 and owning looks free. For each pool the company plan runs, this module works out the pool's cost in one
month of the plan (its reference month: a year in, or the month the pool first serves when that is later) and
splits it into a price per input token and per output token:

    C      = replicas x (running cost + engineers per replica) + engineers per deployment
             + replicas bought x price / life (straight-line amortisation, bought GPUs only)
             + power of the tokens served (bought GPUs only)
    f      = sum_t prefill_t / sum_t (prefill_t + decode_t)     GPU time on prefill, over the teams on the pool
             with decode_t ~ O_t and prefill_t = O_t x p_t / (1 - p_t), p_t the team's prefill time share
             (`serving.prefill_time_share`, the same split `owning.selfhost_cost_per_mtok` prices with)
    input  = C x f / I,  output = C x (1 - f) / O                I, O: the pool's input and output tokens

so that I x input + O x output = C: charging every request at these prices recovers the pool's cost at the
planned load. Cached input tokens are charged as input (a gateway cannot always tell cache hits from misses on
a self-hosted server), which is why the input price spreads over every input token.

Two formats: LiteLLM's proxy config (`model_list` entries with `model_info.input_cost_per_token` /
`output_cost_per_token`, https://docs.litellm.ai/docs/proxy/custom_pricing) and Langfuse model definitions
(the body of POST /api/public/models: `modelName`, `matchPattern`, `unit`, `startDate`, one default
`pricingTiers` entry with `prices.input` / `prices.output` in USD per token,
https://js.reference.langfuse.com/interfaces/_langfuse_core.CreateModelRequest.html).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from . import present
from .company import REFERENCE_MONTH  # the month a plan is read at: a year in

PRICE_COLUMNS = ["gateway_model", "model", "pool", "month", "replicas", "gpus", "input_tokens_per_month",
                 "output_tokens_per_month", "monthly_cost_usd", "prefill_time_share", "input_usd_per_token",
                 "output_usd_per_token", "input_usd_per_mtok", "output_usd_per_mtok", "teams"]


def gateway_name(model: str) -> str:
    """The name teams call a self-hosted model by at the gateway: lower case, runs of anything but letters,
    digits, dots and dashes turned into one dash, and '-self-hosted' appended (never clashes with a list price)."""
    slug = re.sub(r"[^a-z0-9.]+", "-", model.lower()).strip("-.") or "model"
    return f"{slug}-self-hosted"


def pool_monthly_cost_usd(company, plan_) -> pd.DataFrame:
    """Each pool's cost by month (month x pool), amortised (`company.Pool.amortised_usd`: replicas, engineers,
    bought hardware spread over its life), plus the power of the tokens the plan's teams serve on it. The plan's
    cash view pays bought hardware up front instead."""
    horizon = plan_.fleet.shape[0]
    out = {}
    for key, pool in company.pools.items():
        cost = pool.amortised_usd(plan_.fleet[key].to_numpy(dtype=float))
        for r in _teams_on(plan_, key):
            cost = cost + _from(r.start_month, company.options[int(r.option)].power_usd, horizon)
        out[key] = cost
    return pd.DataFrame(out, index=pd.RangeIndex(horizon, name="month"))


def _teams_on(plan_, key: str):
    return plan_.choices[(plan_.choices["path"] == "own") & (plan_.choices["pool"] == key)].itertuples()


def _from(start, values, horizon: int) -> np.ndarray:
    """`values` by month from the team's start month on, zero before, padded to the company horizon."""
    out = np.zeros(horizon)
    k = np.arange(len(values))
    out[:len(values)] = np.where(k >= start, values, 0.0)
    return out


def self_hosted_prices(company, plan_, month: int | None = None) -> pd.DataFrame:
    """One row per pool the plan runs: its reference month, the tokens served and the cost then, and the price per
    input and output token that recovers that cost (see the module docstring). `month` None: a year in
    (`REFERENCE_MONTH`), or the pool's first month in service when it starts later."""
    costs = pool_monthly_cost_usd(company, plan_)
    horizon = plan_.fleet.shape[0]
    rows = []
    for key, pool in company.pools.items():
        teams = list(_teams_on(plan_, key))
        serving = np.nonzero(plan_.fleet[key].to_numpy() > 0)[0]
        if not teams or not len(serving):
            continue
        m = month if month is not None else max(min(REFERENCE_MONTH, horizon - 1), int(serving[0]))
        if not 0 <= m < horizon:
            raise ValueError(f"month: must be within the plan's 0..{horizon - 1}, got {m}")
        i = o_ = prefill = decode = 0.0
        for r in teams:
            opt = company.options[int(r.option)]
            ti = _from(r.start_month, opt.own_input_tokens, horizon)[m]
            to = _from(r.start_month, opt.own_output_tokens, horizon)[m]
            p = float(np.clip(opt.prefill_share, 0.0, 0.999))
            i, o_ = i + ti, o_ + to
            decode += to
            prefill += to * p / (1 - p)
        if o_ <= 0:
            continue
        c = float(costs[key].iloc[m])
        f = prefill / (prefill + decode) if i > 0 else 0.0
        model = company.options[int(teams[0].option)].model
        rows.append({"gateway_model": gateway_name(model), "model": model, "pool": key, "month": m,
                     "replicas": float(plan_.fleet[key].iloc[m]),
                     "gpus": float(plan_.fleet[key].iloc[m] * pool.gpus_per_replica),
                     "input_tokens_per_month": i, "output_tokens_per_month": o_, "monthly_cost_usd": c,
                     "prefill_time_share": f, "input_usd_per_token": c * f / i if i > 0 else 0.0,
                     "output_usd_per_token": c * (1 - f) / o_, "teams": ", ".join(r.team for r in teams)})
    out = pd.DataFrame(rows, columns=PRICE_COLUMNS)
    out["input_usd_per_mtok"] = out["input_usd_per_token"] * 1e6
    out["output_usd_per_mtok"] = out["output_usd_per_token"] * 1e6
    # two pools of one model (different GPUs or bases) get distinct gateway names
    dup = out["gateway_model"].duplicated(keep=False)
    out.loc[dup, "gateway_model"] = [f"{g}-{k + 1}" for k, g in enumerate(out.loc[dup, "gateway_model"])]
    return out


def litellm_config(prices: pd.DataFrame, as_of: str) -> str:
    """A LiteLLM proxy config (YAML) with one `model_list` entry per self-hosted model, priced per token. The
    `api_base` is left for the platform team to fill (an environment variable per model)."""
    import yaml

    entries = []
    for r in prices.itertuples():
        env = re.sub(r"[^A-Z0-9]+", "_", r.gateway_model.upper()).strip("_") + "_API_BASE"
        entries.append({
            "model_name": r.gateway_model,
            "litellm_params": {"model": f"hosted_vllm/{r.model}", "api_base": f"os.environ/{env}"},
            "model_info": {"input_cost_per_token": float(r.input_usd_per_token),
                           "output_cost_per_token": float(r.output_usd_per_token),
                           "description": f"self-hosted: {r.pool}; priced at its cost at the planned load in "
                                          f"month {r.month} ({present.usd(r.monthly_cost_usd)} a month), tokenomics "
                                          f"{as_of}"}})
    header = (f"# Self-hosted models priced at what owning them costs (tokenomics company plan, {as_of}).\n"
              "# Merge model_list into your LiteLLM proxy config; set each api_base to your server.\n")
    return header + yaml.safe_dump({"model_list": entries}, sort_keys=False, allow_unicode=True)


def langfuse_models(prices: pd.DataFrame, as_of: str) -> list[dict]:
    """Langfuse model definitions (bodies of POST /api/public/models), one per self-hosted model, matching the
    gateway name exactly and priced per token from `as_of` on."""
    return [{"modelName": r.gateway_model, "matchPattern": f"(?i)^{re.escape(r.gateway_model)}$",
             "startDate": f"{as_of}T00:00:00Z", "unit": "TOKENS",
             "pricingTiers": [{"name": "Standard", "isDefault": True, "priority": 0, "conditions": [],
                               "prices": {"input": float(r.input_usd_per_token),
                                          "output": float(r.output_usd_per_token)}}]}
            for r in prices.itertuples()]


def write_gateway_prices(prices: pd.DataFrame, out_dir, as_of: str | None = None) -> dict[str, Path]:
    """Write `prices` (`self_hosted_prices`) as self_hosted_prices.csv, litellm_self_hosted.yaml and
    langfuse_models.json into `out_dir` (atomic, 0644). Returns their paths; with no self-hosted pool in the plan
    the files list nothing."""
    from datetime import date

    from .reports import atomic_write_text, write_safe_csv

    as_of = as_of or date.today().isoformat()
    out = Path(out_dir)
    paths = {"csv": out / "self_hosted_prices.csv", "litellm": out / "litellm_self_hosted.yaml",
             "langfuse": out / "langfuse_models.json"}
    write_safe_csv(paths["csv"], prices.to_dict("records"), PRICE_COLUMNS)
    atomic_write_text(paths["litellm"], litellm_config(prices, as_of))
    atomic_write_text(paths["langfuse"], json.dumps(langfuse_models(prices, as_of), indent=1) + "\n")
    return paths
