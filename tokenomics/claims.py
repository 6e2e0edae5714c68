"""Every numeric claim of the seed article, recomputed with the kit: claim, recomputation, verdict, reason.

Verdicts: "holds" (within 15 %), "off by NNx" (the stated figure against the kit's, larger over smaller),
"inconsistent" (contradicts the article's own other numbers); the `kind` column says which of the three. Where a claim needs inputs the article does
not give, the assumption is named in the reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .breakeven import break_even_tokens
from .owning import own_cost_structure
from .catalog import article_figure, load_article_claims, load_gpus, load_open_models, load_workloads
from .memory import GB, kv_cache_bytes_per_token, weight_bytes
from .owning import assumption
from .portfolio import DISTILLATION_EXAMPLE, distillation_payback_weeks, mixed_basket_price
from .renting import format_usd, monthly_api_cost

TOLERANCE = 0.15


def verdict(stated: float, kit: float) -> str:
    """'holds' within 15 %, else 'off by Nx' (ratio of the larger to the smaller)."""
    if not np.isfinite(kit) or kit <= 0:
        return "off: the kit finds no finite value"
    ratio = max(stated, kit) / min(stated, kit)
    return "holds" if ratio <= 1 + TOLERANCE else f"off by {ratio:.1f}x"


def _row(claim, stated, kit, verdict_text, reason):
    return {"claim": claim, "article says": stated, "kit recomputes": kit, "verdict": verdict_text, "reason": reason}


def _range(quantity: str) -> tuple[float, float, float]:
    """value, low, high of one of the article's figures (low = high = value where it gives no range)."""
    row = load_article_claims().set_index("quantity").loc[quantity]
    low = row["value"] if np.isnan(row["low"]) else row["low"]
    high = row["value"] if np.isnan(row["high"]) else row["high"]
    return float(row["value"]), float(low), float(high)


def cost_table_spec() -> tuple[list[str], list[float]]:
    """The models and monthly volumes of the article's cost table, as data/article_claims.csv records its cells."""
    cells = load_article_claims().query("section == 'monthly cost table'")
    spec = cells["notes"].str.extract(r"model=(?P<model>[^;]+); tokens_per_month=(?P<tokens>\S+)")
    return list(dict.fromkeys(spec["model"])), sorted(set(spec["tokens"].astype(float)))


def article_date() -> str:
    """The article's date, as data/article_claims.csv records it."""
    return f"{load_article_claims()['as_of'].max():%Y-%m-%d}"


def article_claims() -> pd.DataFrame:
    """One row per numeric claim of the article, recomputed. The article's figures come from
    data/article_claims.csv (each with its quote); none is retyped here."""
    A = article_figure  # noqa: N806  (reads as "the article says")
    date = article_date()
    mix = float(load_workloads().set_index("workload").at["article_25_75", "input_share"])  # implied by its table
    claims = load_article_claims()
    rows = []
    cost = lambda m, v: monthly_api_cost(m, v, mix, as_of=date, basis="article")  # noqa: E731
    cells = claims[claims["section"] == "monthly cost table"]
    spec = cells["notes"].str.extract(r"model=(?P<model>[^;]+); tokens_per_month=(?P<tokens>\S+)")
    misses = [q for q, m, v, stated in zip(cells["quantity"], spec["model"], spec["tokens"].astype(float), cells["value"])
              if format_usd(cost(m, v)) != format_usd(stated)]
    rows.append(_row(f"monthly-cost table, {spec['model'].nunique()} models x {spec['tokens'].nunique()} volumes",
                     f"{format_usd(cells['value'].min())} … {format_usd(cells['value'].max())}",
                     "every cell to the cent" if not misses else f"{len(misses)} cells differ",
                     "holds" if not misses else "inconsistent",
                     f"with {mix:.0%} input / {1 - mix:.0%} output, a split the "
                     "article never states"))
    chat = load_workloads().set_index("workload").loc["chat", "input_share"]
    rows.append(_row("the table's implied token mix", f"(unstated) {mix:.0%} input",
                     f"measured chat traffic: {chat:.0%} input", "inconsistent",
                     "Azure 2023 traces, Mooncake and agent traces are 85-99.9 % input; the article's mix "
                     "is the most output-heavy, hence most expensive, one could pick"))
    fixed, api, var = A("worked_fixed_usd_per_month"), A("worked_api_usd_per_mtok"), A("worked_variable_usd_per_mtok")
    worked = break_even_tokens(fixed, api, var)
    rows.append(_row("worked break-even, 7B vs GPT-4.1", f"≈{A('worked_break_even_tokens') / 1e6:.0f} M tokens/month",
                     f"{worked / 1e6:.1f} M", verdict(A("worked_break_even_tokens"), worked),
                     f"{fixed:,.0f} / (({api:g} - {var:g}) / 1e6)"))
    blended = cost("GPT-4.1", 1e6)
    rows.append(_row(f"GPT-4.1 ≈ ${api:g} / M tokens (input + output)", f"${api:.2f}",
                     f"${blended:.2f} at its own {mix:.0%}/{1 - mix:.0%} mix",
                     verdict(api, blended), f"${api:g} adds the input price to the output price; a blended price "
                                            "weights them"))
    basket_price = A("basket_usd_per_mtok")
    basket = break_even_tokens(fixed, basket_price, var)
    rows.append(_row(f"mixed basket at ${basket_price:g}/M: break-even",
                     f"~{A('basket_break_even_tokens') / 1e6:.0f} M tokens/month", f"{basket / 1e6:.0f} M",
                     verdict(A("basket_break_even_tokens"), basket),
                     "a lower API price shrinks the saving per token, so break-even rises; "
                     f"{A('basket_break_even_tokens') / 1e6:.0f} M would need a "
                     f"${fixed / A('basket_break_even_tokens') * 1e6:,.0f}/M price gap"))
    moved = A("basket_share_moved")
    half = mixed_basket_price([1 - moved, moved], [api, var])
    rows.append(_row("half the traffic to a 7B model makes the basket", f"${basket_price:g} / M", f"${half:.2f} / M",
                     verdict(basket_price, half),
                     f"{1 - moved:g} x ${api:g} + {moved:g} x the article's own ${var:.2f} variable cost"))
    for size in ("7b", "70b"):
        mid, lo_fixed, hi_fixed = _range(f"fixed_{size}_usd_per_month")
        stated, lo, hi = _range(f"break_even_{size}_tokens")
        kit = break_even_tokens(mid, api, var)
        rows.append(_row(f"break-even table, {size.upper()} (fixed ${mid:,.0f}/month, mid-range)",
                         f"~{lo / 1e6:.0f}-{hi / 1e6:.0f} M tokens/month", f"{kit / 1e6:,.0f} M", verdict(stated, kit),
                         f"its own formula with its own ${api:g} and ${var:.2f} per million tokens"))
    per_request = load_workloads().set_index("workload").loc["chat", ["input_tokens_per_request",
                                                                    "output_tokens_per_request"]].sum()
    interactions = A("interactions_per_user_per_day")
    user = interactions * 365.25 / 12 * per_request
    rows.append(_row(f"one active user, {interactions:.0f} interactions a day",
                     f"≈{A('tokens_per_user_per_month') / 1e6:g} M tokens/month", f"{user / 1e6:.2f} M",
                     verdict(A("tokens_per_user_per_month"), user),
                     f"Azure 2023 chat trace: {per_request:,.0f} tokens per request on average"))
    _, lo_users, hi_users = _range("users_to_break_even")
    users = worked / A("tokens_per_user_per_month")
    rows.append(_row("40-50 such users reach break-even for small models", f"{lo_users:.0f}-{hi_users:.0f} users",
                     f"{users:.0f} users", "inconsistent",
                     f"at ~{A('tokens_per_user_per_month') / 1e6:g} M tokens each, its own worked example needs "
                     f"{worked / 1e6:.0f} M tokens, ~{users:.0f} users"))
    for label, model, size in (("70B dense", "Llama 3.3 70B", "70b"), ("7-8B dense", "Llama 3.1 8B", "7_8b")):
        stated = A(f"vram_{size}_fp16_gb")
        kit = weight_bytes(model, 16) / GB
        rows.append(_row(f"VRAM table, {label} at FP16", f"{stated:g} GB", f"{kit:.0f} GB ({model})",
                         verdict(stated, kit), "parameters x 2 bytes; weights only, before KV cache"))
    for model in ("Qwen3-235B-A22B", "DeepSeek V3"):
        stated = A("vram_moe_100b_fp16_gb")
        kit = weight_bytes(model, 16) / GB
        rows.append(_row(f"VRAM table, 100B+ MoE at FP16 ({model})", f"~{stated:g} GB (active params)",
                         f"{kit:,.0f} GB", verdict(stated, kit),
                         "every expert stays in memory; only compute scales with active parameters"))
    kv = kv_cache_bytes_per_token("Llama 3.3 70B") * 8192 * 16 / GB
    rows.append(_row("VRAM table omits the KV cache", "weights only", f"+{kv:.0f} GB for 16 x 8k-token sequences "
                     "on Llama 3.3 70B", "inconsistent", "serving needs the cache too; at long contexts it rivals the weights"))
    own = own_cost_structure("Llama 3.1 8B", "H100 SXM", "fp8", 1155, 211)
    gpus = np.array([1, 2, 4, 8, 16])
    shares = own.people_usd_per_month / (own.people_usd_per_month + gpus * own.hardware_usd_per_replica_month)
    _, lo_share, hi_share = _range("people_share_of_cost")
    inside = gpus[(shares >= lo_share) & (shares <= hi_share)]
    rows.append(_row(f"people are {lo_share:.0%}-{hi_share:.0%} of self-hosting cost", f"{lo_share:.0%}-{hi_share:.0%}",
                     ", ".join(f"{s:.0%} at {n}" for n, s in zip(gpus, shares)) + " rented H100s",
                     f"holds at {', '.join(map(str, inside))} GPU(s) only" if len(inside) else "off",
                     f"{assumption('fte_share'):g} FTE at a loaded ${assumption('loaded_salary_usd_per_year'):,.0f} a "
                     f"year against ${own.hardware_usd_per_replica_month:,.0f} a month per rented H100; a fixed team "
                     "weighs less as the fleet grows"))
    h100_hour = float(load_gpus().set_index("gpu").loc["H100 SXM", "rent_usd_per_hour"])
    volume = A("distillation_tokens_per_month")
    distil = DISTILLATION_EXAMPLE | {"teacher_usd_per_mtok": cost("GPT-4.1", 1e6), "gpu_usd_per_hour": h100_hour,
                                     "tokens_per_month": volume, "moved_share": 1.0, "api_usd_per_mtok": api,
                                     "student_usd_per_mtok": var}
    weeks = distillation_payback_weeks(**distil)
    stated_weeks, _, _ = _range("distillation_payback_weeks")
    rows.append(_row(f"distillation pays back in a few weeks at ~{volume / 1e6:.0f} M tokens/month", "a few weeks",
                     f"{weeks:.0f} weeks", verdict(stated_weeks, weeks),
                     f"assumed: {DISTILLATION_EXAMPLE['samples']:,.0f} teacher samples of "
                     f"{DISTILLATION_EXAMPLE['tokens_per_sample']:,.0f} tokens on GPT-4.1, "
                     f"{DISTILLATION_EXAMPLE['finetune_gpu_hours']:.0f} H100-hours at ${h100_hour:.2f}, "
                     f"${DISTILLATION_EXAMPLE['eval_usd']:,.0f} of evaluation; all {volume / 1e6:.0f} M tokens moved "
                     f"from ${api:g} to ${var:.2f} per million"))
    weeks_fixed = distillation_payback_weeks(**distil, student_fixed_usd_per_month=fixed)
    saving = volume / 1e6 * (api - var)
    rows.append(_row(f"… with the student's own ${fixed:,.0f}/month fixed cost", "a few weeks",
                     "never" if not np.isfinite(weeks_fixed) else f"{weeks_fixed:.0f} weeks", "inconsistent",
                     f"{volume / 1e6:.0f} M tokens save ${saving:,.0f} a month against ${fixed:,.0f} to run the student: "
                     "it never pays back"))
    big = A("enterprise_tokens_per_month")
    stated, lo_save, hi_save = _range("enterprise_saving_usd_per_year")
    enterprise = big * 12 * api / 1e6
    rows.append(_row(f"enterprise at {big / 1e9:g} B tokens/month: API vs smart deployment differs by",
                     f"${lo_save / 1e6:g}-{hi_save / 1e6:g} M a year",
                     f"the whole API bill is ${enterprise / 1e6:.2f} M a year at ${api:g}/M", verdict(stated, enterprise),
                     "a saving cannot exceed the bill; at the article's table mix the bill is "
                     f"${cost('GPT-4.1', big) * 12 / 1e6:.3f} M a year"))
    models = load_open_models().set_index("model")
    for model, key in (("DeepSeek V3", "deepseek_v3"), ("Qwen3-235B-A22B", "qwen3_235b_a22b")):
        stated = (A(f"{key}_total_params_b"), A(f"{key}_active_params_b"))
        card = (models.at[model, "card_total_params_b"], models.at[model, "card_active_params_b"])
        counted = (models.at[model, "total_params_b"], models.at[model, "active_params_b"])
        rows.append(_row(f"{model} parameters, total / active", f"{stated[0]:g}B / {stated[1]:g}B",
                         f"card {card[0]:g}B / {card[1]:g}B; config shapes {counted[0]:.1f}B / {counted[1]:.1f}B",
                         "holds" if tuple(card) == stated else "off",
                         "the model card's figures; counted from config.json's shapes they round to the same"))
    for model, key, note in (
            ("Qwen3-235B-A22B", "qwen3_235b_a22b", "config.json allows 40,960; the card reaches 131,072 only with YaRN"),
            ("DeepSeek V3", "deepseek_v3", "the card says 128K; config.json allows 163,840"),
            ("DeepSeek R1", "deepseek_r1", "config.json max_position_embeddings; the article's 32K is a fraction"),
            ("Llama 3.3 70B", "llama_3_3_70b", "config.json max_position_embeddings")):
        stated = A(f"{key}_context_tokens")
        quote = claims.set_index("quantity").at[f"{key}_context_tokens", "quote"]
        kit = models.at[model, "max_context_tokens"]
        said = verdict(stated, kit)
        if "YaRN" in note:
            said = f"holds only with YaRN scaling (native: {said})"
        rows.append(_row(f"{model} context window", quote, f"{kit:,.0f}", said, note))
    out = pd.DataFrame(rows)
    out["kind"] = out["verdict"].str.extract(r"^(holds|off|inconsistent)", expand=False)
    return out
