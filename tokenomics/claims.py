"""Every numeric claim of the seed article, recomputed with the kit: claim, recomputation, verdict, reason.

Verdicts: "holds" (within 15 %), "off by NNx" (the stated figure against the kit's, larger over smaller),
"inconsistent" (contradicts the article's own other numbers). Where a claim needs inputs the article does
not give, the assumption is named in the reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .breakeven import break_even_tokens, own_cost_structure
from .catalog import load_open_models, load_workloads
from .memory import GB, kv_cache_bytes_per_token, weight_bytes
from .catalog import load_gpus
from .owning import assumption
from .portfolio import DISTILLATION_EXAMPLE, distillation_payback_weeks, mixed_basket_price
from .renting import format_usd, monthly_api_cost

ARTICLE = "2025-05-07"
TOLERANCE = 0.15


def verdict(stated: float, kit: float) -> str:
    """'holds' within 15 %, else 'off by Nx' (ratio of the larger to the smaller)."""
    if not np.isfinite(kit) or kit <= 0:
        return "off: the kit finds no finite value"
    ratio = max(stated, kit) / min(stated, kit)
    return "holds" if ratio <= 1 + TOLERANCE else f"off by {ratio:.1f}x"


def _row(claim, stated, kit, verdict_text, reason):
    return {"claim": claim, "article says": stated, "kit recomputes": kit, "verdict": verdict_text, "reason": reason}


def article_claims() -> pd.DataFrame:
    """One row per numeric claim of the article, recomputed."""
    rows = []
    cost = lambda m, v: monthly_api_cost(m, v, 0.25, as_of=ARTICLE, basis="article")  # noqa: E731
    table = {("GPT-4.1", 3e6): 19.50, ("Claude 3.7 Sonnet", 3e6): 36.00, ("Gemini 2.5 Flash", 3e6): 1.46,
             ("GPT-4.1", 3e9): 19_500.00, ("Claude 3.7 Sonnet", 3e9): 36_000.00, ("Gemini 2.5 Flash", 3e9): 1_462.50}
    misses = [k for k, v in table.items() if format_usd(cost(*k)) != format_usd(v)]
    rows.append(_row("monthly-cost table, 3 models x 4 volumes", "$19.50 … $36,000.00",
                     "every cell to the cent" if not misses else f"{len(misses)} cells differ",
                     "holds" if not misses else "inconsistent",
                     "with 25 % input / 75 % output, a split the article never states"))
    chat = load_workloads().set_index("workload").loc["chat", "input_share"]
    rows.append(_row("the table's implied token mix", "(unstated) 25 % input", f"measured chat traffic: {chat:.0%} input",
                     "inconsistent", "Azure 2023 traces, Mooncake and agent traces are 85-99.9 % input; the article's mix "
                                     "is the most output-heavy, hence most expensive, one could pick"))
    worked = break_even_tokens(3000, 10, 0.5)
    rows.append(_row("worked break-even, 7B vs GPT-4.1", "≈316 M tokens/month", f"{worked / 1e6:.1f} M",
                     verdict(316e6, worked), "3,000 / ((10 - 0.5) / 1e6)"))
    blended = cost("GPT-4.1", 1e6)
    rows.append(_row("GPT-4.1 ≈ $10 / M tokens (input + output)", "$10.00", f"${blended:.2f} at its own 25/75 mix",
                     verdict(10, blended), "$10 adds the input price to the output price; a blended price weights them"))
    basket = break_even_tokens(3000, 5, 0.5)
    rows.append(_row("mixed basket at $5/M: break-even", "~60 M tokens/month", f"{basket / 1e6:.0f} M",
                     verdict(60e6, basket), "a lower API price shrinks the saving per token, so break-even rises; "
                                            "60 M would need a $50/M price gap"))
    half = mixed_basket_price([0.5, 0.5], [10.0, 0.5])
    rows.append(_row("half the traffic to a 7B model makes the basket", "$5 / M", f"${half:.2f} / M",
                     verdict(5, half), "0.5 x $10 + 0.5 x the article's own $0.50 variable cost"))
    for size, stated_lo, stated_hi, fixed in (("7B", 40e6, 50e6, 2500.0), ("70B", 150e6, 200e6, 17_500.0)):
        kit = break_even_tokens(fixed, 10, 0.5)
        rows.append(_row(f"break-even table, {size} (fixed ${fixed:,.0f}/month, mid-range)",
                         f"~{stated_lo / 1e6:.0f}-{stated_hi / 1e6:.0f} M tokens/month", f"{kit / 1e6:,.0f} M",
                         verdict((stated_lo + stated_hi) / 2, kit),
                         "its own formula with its own $10 and $0.50 per million tokens"))
    per_request = load_workloads().set_index("workload").loc["chat", ["input_tokens_per_request",
                                                                    "output_tokens_per_request"]].sum()
    user = 30 * 365.25 / 12 * per_request
    rows.append(_row("one active user, 30 interactions a day", "≈1 M tokens/month", f"{user / 1e6:.2f} M",
                     verdict(1e6, user), f"Azure 2023 chat trace: {per_request:,.0f} tokens per request on average"))
    users = break_even_tokens(3000, 10, 0.5) / 1e6
    rows.append(_row("40-50 such users reach break-even for small models", "40-50 users", f"{users:.0f} users",
                     "inconsistent", "at ~1 M tokens each, its own worked example needs 316 M tokens, ~316 users"))
    for label, model, stated_fp16 in (("70B dense", "Llama 3.3 70B", 140), ("7-8B dense", "Llama 3.1 8B", 16)):
        kit = weight_bytes(model, 16) / GB
        rows.append(_row(f"VRAM table, {label} at FP16", f"{stated_fp16} GB", f"{kit:.0f} GB ({model})",
                         verdict(stated_fp16, kit), "parameters x 2 bytes; weights only, before KV cache"))
    for model in ("Qwen3-235B-A22B", "DeepSeek V3"):
        kit = weight_bytes(model, 16) / GB
        rows.append(_row(f"VRAM table, 100B+ MoE at FP16 ({model})", "~80 GB (active params)", f"{kit:,.0f} GB",
                         verdict(80, kit), "every expert stays in memory; only compute scales with active parameters"))
    kv = kv_cache_bytes_per_token("Llama 3.3 70B") * 8192 * 16 / GB
    rows.append(_row("VRAM table omits the KV cache", "weights only", f"+{kv:.0f} GB for 16 x 8k-token sequences "
                     "on Llama 3.3 70B", "inconsistent", "serving needs the cache too; at long contexts it rivals the weights"))
    own = own_cost_structure("Llama 3.1 8B", "H100 SXM", "fp8", 1155, 211)
    gpus = np.array([1, 2, 4, 8, 16])
    shares = own.people_usd_per_month / (own.people_usd_per_month + gpus * own.hardware_usd_per_replica_month)
    inside = gpus[(shares >= 0.4) & (shares <= 0.6)]
    rows.append(_row("people are 40-60 % of self-hosting cost", "40-60 %",
                     ", ".join(f"{s:.0%} at {n}" for n, s in zip(gpus, shares)) + " rented H100s",
                     f"holds at {', '.join(map(str, inside))} GPU(s) only" if len(inside) else "off",
                     f"{assumption('fte_share'):g} FTE at a loaded ${assumption('loaded_salary_usd_per_year'):,.0f} a "
                     f"year against ${own.hardware_usd_per_replica_month:,.0f} a month per rented H100; a fixed team "
                     "weighs less as the fleet grows"))
    h100_hour = float(load_gpus().set_index("gpu").loc["H100 SXM", "rent_usd_per_hour"])
    distil = DISTILLATION_EXAMPLE | {"teacher_usd_per_mtok": cost("GPT-4.1", 1e6), "gpu_usd_per_hour": h100_hour,
                                     "tokens_per_month": 40e6, "moved_share": 1.0, "api_usd_per_mtok": 10.0,
                                     "student_usd_per_mtok": 0.5}
    weeks = distillation_payback_weeks(**distil)
    rows.append(_row("distillation pays back in a few weeks at ~40 M tokens/month", "a few weeks",
                     f"{weeks:.0f} weeks", verdict(3, weeks),
                     f"assumed: {DISTILLATION_EXAMPLE['samples']:,.0f} teacher samples of "
                     f"{DISTILLATION_EXAMPLE['tokens_per_sample']:,.0f} tokens on GPT-4.1, "
                     f"{DISTILLATION_EXAMPLE['finetune_gpu_hours']:.0f} H100-hours at ${h100_hour:.2f}, "
                     f"${DISTILLATION_EXAMPLE['eval_usd']:,.0f} of evaluation; all 40 M tokens moved from $10 to $0.50 per million"))
    weeks_fixed = distillation_payback_weeks(**distil, student_fixed_usd_per_month=3000)
    saving = 40 * (10 - 0.5)
    rows.append(_row("… with the student's own $3,000/month fixed cost", "a few weeks",
                     "never" if not np.isfinite(weeks_fixed) else f"{weeks_fixed:.0f} weeks", "inconsistent",
                     f"40 M tokens save ${saving:,.0f} a month against $3,000 to run the student: it never pays back"))
    enterprise = 1e9 * 12 * 10 / 1e6
    rows.append(_row("enterprise at 1 B tokens/month: API vs smart deployment differs by", "$5-10 M a year",
                     f"the whole API bill is ${enterprise / 1e6:.2f} M a year at $10/M", f"off by {7.5e6 / enterprise:.0f}x",
                     "a saving cannot exceed the bill; at the article's 25/75 mix the bill is "
                     f"${cost('GPT-4.1', 1e9) * 12 / 1e6:.3f} M a year"))
    models = load_open_models().set_index("model")
    for model, stated in (("DeepSeek V3", (671, 37)), ("Qwen3-235B-A22B", (235, 22))):
        kit = (models.at[model, "total_params_b"], models.at[model, "active_params_b"])
        rows.append(_row(f"{model} parameters, total / active", f"{stated[0]}B / {stated[1]}B",
                         f"{kit[0]:g}B / {kit[1]:g}B", "holds" if tuple(kit) == stated else "off",
                         "model card and config.json"))
    for model, label, stated, note in (
            ("Qwen3-235B-A22B", "131K", 131_072, "config.json allows 40,960; the card reaches 131,072 only with YaRN"),
            ("DeepSeek V3", "128K", 128_000, "the card says 128K; config.json allows 163,840"),
            ("DeepSeek R1", "32K", 32_768, "config.json max_position_embeddings; the article's 32K is a fraction"),
            ("Llama 3.3 70B", "128K", 131_072, "config.json max_position_embeddings")):
        kit = models.at[model, "max_context_tokens"]
        said = verdict(stated, kit)
        if "YaRN" in note:
            said = f"holds only with YaRN scaling (native: {said})"
        rows.append(_row(f"{model} context window", f"{label} tokens", f"{kit:,.0f}", said, note))
    return pd.DataFrame(rows)
