# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · How much GPU memory does a model need?
#
# **Question.** To serve an open model yourself, how much GPU memory do its weights take at 16, 8 and 4 bits,
# how much does the KV cache add at real context lengths and concurrency, and how many GPUs of each kind
# does that make?
#
# **At the end you will know:** where the article's VRAM table holds and where it does not (its
# mixture-of-experts row); the memory of each catalog model split into weights, KV cache and reserve; which
# GPUs fit which model; and how the GPU count steps up with context length.
#
# Architectures come from `data/open_models.csv` (each model's `config.json`), GPUs from `data/gpus.csv`.

# %% tags=["parameters"]
context_tokens: int = 8192  # tokens of context per sequence (prompt + generated)
concurrent_sequences: int = 16  # sequences served at once
kv_bits: int = 16  # bits per KV-cache element (16 = BF16 cache, 8 = FP8 cache)
formats: list = ["bf16", "fp8", "int4"]  # weight formats compared
fit_format: str = "fp8"  # weight format for the which-GPU-fits table
chart_model: str = "Llama 3.3 70B"  # model of the GPUs-against-context chart

# %%
# %matplotlib inline
import numpy as np
import pandas as pd

import tokenomics as tk
from tokenomics import claims, memory, plots, present
from tokenomics.checks import notebook_parameters

notebook_parameters(globals(), {"context_tokens": "count", "concurrent_sequences": "count", "kv_bits": "bits",
                                "formats": "list:weight_format", "fit_format": "weight_format",
                                "chart_model": "open_model"})

# %%
models = tk.load_open_models()
gpus = tk.load_gpus()
GB = memory.GB
source = (f"Source: data/open_models.csv (config.json of each model), data/gpus.csv (datasheets, as of "
          f"{gpus['as_of'].max():%Y-%m-%d}); reserve = vLLM's default 10 % of GPU memory.")

# %% [markdown]
# ## The article's table, recomputed
#
# The article sizes weights as parameters × bytes per weight (2 at FP16, 1 at 8-bit, ½ at 4-bit). For the
# dense rows that is exactly right. For "100B+ MoE" it counts only the *active* parameters (~40 B), as if
# the idle experts need not be in memory. They do: the router can send the next token to any expert, so
# every expert stays resident. Only compute scales with the active parameters.

# %%
# NBVAL_CHECK_OUTPUT
examples = {"7_8b": "Llama 3.1 8B", "30_40b": "Qwen3 30B-A3B", "70b": "Llama 3.3 70B", "moe_100b": "Qwen3-235B-A22B"}
labels = {"7_8b": "7-8B", "30_40b": "30-40B", "70b": "70B", "moe_100b": "100B+ MoE"}
rows = []
for size, model in examples.items():
    row = {"size class": labels[size], "kit model": model}
    for fmt, col in (("fp16", "FP16"), ("int8", "8-bit"), ("int4", "4-bit")):
        row[f"article {col}"] = f"{tk.article_figure(f'vram_{size}_{fmt}_gb'):g} GB"
        row[f"kit {col}"] = f"{tk.weight_bytes(model, fmt) / GB:,.1f} GB"
    row["FP16 kit / article"] = f"{tk.weight_bytes(model, 'fp16') / GB / tk.article_figure(f'vram_{size}_fp16_gb'):.1f}×"
    rows.append(row)
present.table(pd.DataFrame(rows), "Weights alone, GB: the article's VRAM table against the kit")

# %% [markdown]
# The dense rows hold (the 30B example is a little over because Qwen3 30B-A3B has 30.5 B parameters).
# The MoE row is off by a factor of about 6 for Qwen3-235B-A22B (470 GB, not 80 GB), and about 17 for
# DeepSeek V3 (1,342 GB at 16 bits).
#
# ## Done right: weights, KV cache and a reserve
#
# A served model also holds a KV cache: for every token of every sequence in flight, a key and a value per
# KV head per layer (grouped-query attention), or one compressed latent per layer (DeepSeek's multi-head
# latent attention). Per token of context:

# %%
# NBVAL_CHECK_OUTPUT
present.table(pd.DataFrame({
    "model": models["model"], "attention": models["attention"].str.upper(), "layers": models["num_layers"].map(present.count),
    "KV heads": models["num_kv_heads"].map(present.count), "head dim": models["head_dim"].map(present.count),
    "MLA latent rank": models["kv_lora_rank"].map(present.count),
    "KV cache per token": [f"{tk.kv_cache_bytes_per_token(m, kv_bits) / 1024:,.1f} KiB" for m in models["model"]]}),
    f"KV cache per token of context at {kv_bits} bits")

# %% [markdown]
# DeepSeek's latent attention caches 68.6 KiB per token for a 671 B model, less than Llama 3.1 8B's 128 KiB.
# Qwen3 4B, with 8 KV heads over 36 layers, caches more per token than Llama 3.1 8B.
#
# Memory to serve each model at the chosen context and concurrency, in each format:

# %%
# NBVAL_CHECK_OUTPUT
rows = []
for m in models["model"]:
    for fmt in formats:
        mem = tk.serving_memory(m, fmt, min(context_tokens, models.set_index("model").loc[m, "max_context_tokens"]),
                                concurrent_sequences, kv_bits)
        rows.append({"model": m, "format": fmt, **{k.replace("_bytes", "_gb"): v / GB for k, v in mem.items()}})
sizing = pd.DataFrame(rows)
present.table(sizing.assign(**{c: sizing[c].map(lambda g: f"{g:,.1f} GB") for c in sizing.columns if c.endswith("_gb")})
              .rename(columns=lambda c: c.removesuffix("_gb").replace("_", " ")),
              f"Memory to serve {concurrent_sequences} sequences × {context_tokens:,} tokens, KV cache at {kv_bits} bits")

# %%
stack = sizing[sizing["model"] != "DeepSeek R1"]  # same architecture as DeepSeek V3
stack = stack.assign(label=stack["model"] + " · " + stack["format"]).set_index("label")
fig = plots.memory_stack(stack, f"Memory to serve {concurrent_sequences} × {context_tokens:,}-token sequences",
                         source, gpu_lines={"1× H100 80 GB": 80, "8× H100 640 GB": 640})

# %% [markdown]
# ## Which GPUs fit which model
#
# The smallest tensor-parallel deployment (1, 2, 4 or 8 GPUs) whose memory holds weights, KV cache and
# reserve, at the chosen format; "—" where even eight are too small.

# %%
# NBVAL_CHECK_OUTPUT
fit = pd.DataFrame({g: [tk.gpus_needed(m, g, fit_format, min(context_tokens, mx), concurrent_sequences, kv_bits, strict=False)
                        for m, mx in zip(models["model"], models["max_context_tokens"])]
                    for g in gpus["gpu"]}, index=models["model"])
present.table(fit.map(lambda n: "—" if np.isnan(n) else f"{n:.0f}"),
              f"GPUs needed at {fit_format}, {concurrent_sequences} × {context_tokens:,} tokens", index=True)

# %% [markdown]
# Asking for a deployment that does not exist is an error that says how much memory is needed:

# %%
# NBVAL_CHECK_OUTPUT
try:
    tk.gpus_needed("DeepSeek V3", "H100 SXM", "bf16", context_tokens, concurrent_sequences)
except tk.DoesNotFit as err:
    present.paragraph(f"DoesNotFit: {err}")

# %% [markdown]
# ## GPUs needed against context length
#
# Longer contexts grow the KV cache linearly; the GPU count climbs in tensor-parallel steps until even eight
# GPUs are not enough (the line stops).

# %%
max_ctx = models.set_index("model").loc[chart_model, "max_context_tokens"]
contexts = 2.0 ** np.arange(10, np.floor(np.log2(max_ctx)) + 1)
steps = {f"{g} · {fmt}": tk.gpus_needed(chart_model, g, fmt, contexts, concurrent_sequences, kv_bits, strict=False)
         for g in ("H100 SXM", "H200", "L40S") for fmt in ("bf16", "fp8")}
fig = plots.gpus_vs_context(contexts, steps, f"{chart_model}: GPUs needed for {concurrent_sequences} concurrent sequences",
                            source)
