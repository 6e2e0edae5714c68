"""What is in a model? A Hugging Face `config.json` read into one row of data/open_models.csv.

`open_model_from_config(config, name)` counts every parameter from the tensor shapes the config implies,
split into tensor groups, and records what the KV cache needs per layer: the attention kind of each layer
(full, sliding window, chunked, linear, MLA), window and chunk sizes, the linear-attention state shape,
and the checkpoint's native format per tensor group (from `quantization_config`).

Tensor groups (`GROUPS`, parameters per group in `<group>_params_b`, billions):

    embeddings        input token table (vocab x hidden)
    lm_head           output projection (0 when tied to the embeddings)
    attention         q/k/v/o projections (MLA: q_a, q_b, kv_a, kv_b, o; DSA indexer; gated q)
    linear_attention  linear-attention projections (Gated DeltaNet in_proj_qkvz, in_proj_ba, out_proj)
    dense_mlp         feed-forward of dense layers (gate, up, down)
    shared_experts    always-on experts of MoE layers
    routed_experts    routed expert weights (all experts: every one stays resident)
    router            expert gates (and their score-correction bias)
    norms             norms, biases, attention sinks, linear-attention conv/decay vectors: 1-D and tiny tensors
    vision            vision encoder and projector of multimodal checkpoints (0 where the config has none)
    mtp               multi-token-prediction modules (decoder layer and projection), kept in the checkpoint
    mtp_embeddings    the 16-bit rest of the MTP modules: embedding and output-head copies, norms, router

total_params_b is every group but the two MTP groups (engines load MTP only for speculative decoding);
active_params_b is what one text token computes with: total minus the vision encoder, minus the input
embedding (a table lookup, not a matmul; OpenAI's gpt-oss card counts active parameters this way), with
routed experts scaled by experts_per_token / num_experts.

Formulas per architecture (H hidden, L layers, V vocab, n_h / n_kv heads, d head dim, I intermediate,
E experts, k experts per token; biases and norms go to `norms`):

    GQA attention (llama, mistral, qwen2/3, phi3, smollm3, mixtral, gpt_oss, glm4_moe, llama4, gemma3,
        minimax_m2):  H x n_h d  +  2 x H x n_kv d  +  n_h d x H      (+ q/k norms, biases, gpt-oss sinks)
    Qwen3-Next gated attention: the q projection is doubled (query and gate): 2 x H x n_h d
    SwiGLU MLP: 3 x H x I;  MoE layer: E x 3 x H x I_moe + shared x 3 x H x I_shared + E x H (router)
    MLA (deepseek_v3, kimi_k2, deepseek_v32): H x r_q + r_q x n_h (d_nope + d_rope) + H x (r_kv + d_rope)
        + r_kv x n_h (d_nope + d_v) + n_h d_v x H; DSA indexer (v3.2): r_q x n_i d_i + H x d_i + H x n_i
    Gated DeltaNet (qwen3_next linear layers): H x (2 n_k d_k + 2 n_v d_v) + H x 2 n_v + n_v d_v x H,
        conv1d (2 n_k d_k + n_v d_v) x kernel
    DeepSeek/GLM MTP module: one MoE decoder layer + 2H x H + (embedding and head copies, 3 norms)

Sources: the modeling files of each architecture in huggingface/transformers (models/<type>/modeling_*.py)
and vLLM (model_executor/models/*.py); DeepSeek-V3 README_WEIGHTS.md (MTP layout); DeepSeek-V3.2-Exp
inference/model.py (indexer); where a key is absent from a config, the defaults of transformers'
configuration_<type>.py (listed in `DEFAULTS`).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

GROUPS = ("embeddings", "lm_head", "attention", "linear_attention", "dense_mlp", "shared_experts",
          "routed_experts", "router", "norms", "vision", "mtp", "mtp_embeddings")
#: Groups an engine loads for serving text (MTP only for speculative decoding).
RESIDENT_GROUPS = GROUPS[:10]
#: Groups made of linear-layer weights: what a weight-quantisation scheme converts.
LINEAR_GROUPS = ("attention", "linear_attention", "dense_mlp", "shared_experts", "routed_experts", "mtp")
LAYER_KINDS = ("full", "sliding", "chunked", "linear", "mla", "mla_dsa")

#: Columns of data/open_models.csv, in file order.
COLUMNS = (
    "model", "hf_repo", "model_type", "architecture", "total_params_b", "active_params_b", "card_total_params_b",
    "card_active_params_b", "card_source", *(f"{g}_params_b" for g in GROUPS), "num_layers", "hidden_size", "vocab_size",
    "tie_word_embeddings", "layer_pattern", "attention", "num_attention_heads", "num_kv_heads", "head_dim",
    "sliding_window_tokens", "attention_chunk_tokens", "kv_lora_rank", "qk_rope_head_dim", "index_head_dim",
    "linear_num_key_heads", "linear_num_value_heads", "linear_key_head_dim", "linear_value_head_dim",
    "linear_conv_kernel_dim", "num_experts", "experts_per_token", "num_shared_experts", "max_context_tokens",
    "native_format", "checkpoint_bytes", "checkpoint_source", "license", "as_of", "source", "notes",
)

TRANSFORMERS = "https://github.com/huggingface/transformers/blob/main/src/transformers/models"
#: Values transformers assumes where a config leaves a key out, per text model_type, with the file that says so.
DEFAULTS: dict[str, tuple[dict, str]] = {
    "gemma3_text": ({"vocab_size": 262_208, "head_dim": 256, "max_position_embeddings": 131_072,
                     "tie_word_embeddings": True, "sliding_window_pattern": 6, "sliding_window": 4096,
                     "attention_bias": False},
                    f"{TRANSFORMERS}/gemma3/configuration_gemma3.py"),
    "llama4_text": ({"no_rope_layer_interval": 4, "attention_chunk_size": 8192, "tie_word_embeddings": False,
                     "interleave_moe_layer_step": 1, "attention_bias": False},
                    f"{TRANSFORMERS}/llama4/configuration_llama4.py"),
    "smollm3": ({"tie_word_embeddings": True}, f"{TRANSFORMERS}/smollm3/configuration_smollm3.py"),
    "mistral": ({"tie_word_embeddings": False, "attention_bias": False},
                f"{TRANSFORMERS}/mistral/configuration_mistral.py"),
    "minimax_m2": ({"tie_word_embeddings": False}, f"{TRANSFORMERS}/minimax_m2/configuration_minimax_m2.py"),
}

_GQA = ("hidden_size", "num_hidden_layers", "num_attention_heads", "vocab_size", "max_position_embeddings")
_MOE = ("num_experts_per_tok",)
_MLA = ("kv_lora_rank", "q_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim", "n_routed_experts",
        "n_shared_experts", "moe_intermediate_size", "intermediate_size", "first_k_dense_replace")
#: model_type -> keys the count needs beyond what DEFAULTS supplies.
REQUIRED: dict[str, tuple[str, ...]] = {
    "llama": _GQA + ("intermediate_size",), "mistral": _GQA + ("intermediate_size",),
    "qwen2": _GQA + ("intermediate_size",), "qwen3": _GQA + ("intermediate_size",),
    "phi3": _GQA + ("intermediate_size",), "smollm3": _GQA + ("intermediate_size",),
    "mixtral": _GQA + _MOE + ("intermediate_size", "num_local_experts"),
    "qwen3_moe": _GQA + _MOE + ("moe_intermediate_size", "num_experts", "intermediate_size"),
    "qwen3_next": _GQA + _MOE + ("moe_intermediate_size", "num_experts", "full_attention_interval",
                                 "linear_num_key_heads", "linear_num_value_heads", "linear_key_head_dim",
                                 "linear_value_head_dim", "linear_conv_kernel_dim", "shared_expert_intermediate_size"),
    "gpt_oss": _GQA + _MOE + ("intermediate_size", "num_local_experts", "head_dim"),
    "deepseek_v3": _GQA + _MOE + _MLA, "kimi_k2": _GQA + _MOE + _MLA,
    "deepseek_v32": _GQA + _MOE + _MLA + ("index_n_heads", "index_head_dim"),
    "glm4_moe": _GQA + _MOE + ("intermediate_size", "moe_intermediate_size", "n_routed_experts", "n_shared_experts",
                               "first_k_dense_replace", "head_dim"),
    "llama4_text": _GQA + _MOE + ("intermediate_size", "intermediate_size_mlp", "num_local_experts", "head_dim"),
    "gemma3_text": ("hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size"),
    "minimax_m2": _GQA + _MOE + ("intermediate_size", "num_local_experts", "head_dim"),
}
_DEEPSEEK = ("deepseek_v3", "kimi_k2", "deepseek_v32")
#: Outer model_type of multimodal checkpoints -> the text model_type inside text_config.
MULTIMODAL = {"llama4": "llama4_text", "gemma3": "gemma3_text", "mistral3": "mistral"}

FORMAT_OF_DTYPE = {"bfloat16": "bf16", "float16": "fp16", "float32": "fp32"}


class UnknownArchitecture(ValueError):
    """A config the importer cannot count without guessing."""


def load_config(config) -> dict:
    """A config as a dict: the dict itself, or the JSON file at a path (ValueError naming the file if unreadable)."""
    if isinstance(config, dict):
        return config
    path = Path(os.fspath(config))
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: config file not found") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not valid JSON ({err})") from None


def _text_config(config: dict) -> tuple[str, dict, dict | None]:
    """(text model_type, text config with defaults filled, vision config or None)."""
    outer = config.get("model_type")
    if outer in MULTIMODAL:
        text = dict(config.get("text_config") or {})
        kind = text.get("model_type", MULTIMODAL[outer])
        vision = config.get("vision_config")
        for key in ("torch_dtype", "dtype", "quantization_config"):
            text.setdefault(key, config.get(key))
    else:
        kind, text, vision = outer, dict(config), None
    if kind not in REQUIRED:
        generic = [k for k in (*_GQA, "num_key_value_heads", "intermediate_size") if k not in config]
        lacking = f"it lacks {generic} that any decoder count needs, and " if generic else ""
        raise UnknownArchitecture(
            f"config model_type {outer!r} (architectures {config.get('architectures')}) is not an architecture the "
            f"importer knows (known: {', '.join(sorted(set(REQUIRED) | set(MULTIMODAL)))}); {lacking}for an unknown "
            "type no key says which layers are full, sliding, chunked, linear or recurrent, nor which tensors exist. "
            "Refusing to guess a row")
    defaults, _ = DEFAULTS.get(kind, ({}, ""))
    text = {**defaults, **{k: v for k, v in text.items() if v is not None}}
    missing = [k for k in REQUIRED[kind] if k not in text]
    if missing:
        raise UnknownArchitecture(f"config for {kind} lacks required key(s) {missing}; refusing to guess them")
    return kind, text, vision


def _head_dim(c: dict) -> int:
    return int(c.get("head_dim") or c["hidden_size"] // c["num_attention_heads"])


def _layer_kinds(kind: str, c: dict) -> list[str]:
    """The attention kind of every layer, from the config's own keys (transformers' rules where it has none)."""
    n = int(c["num_hidden_layers"])
    if kind in _DEEPSEEK[:2]:
        return ["mla"] * n
    if kind == "deepseek_v32":
        return ["mla_dsa"] * n
    if kind == "minimax_m2":
        types = c.get("attn_type_list") or [1] * n
        if any(t != 1 for t in types):
            raise UnknownArchitecture("attn_type_list has lightning-attention layers (0); the importer knows no state "
                                      "shape for them")
        return ["full"] * n
    if kind == "qwen3_next":
        every = int(c["full_attention_interval"])
        return ["full" if (i + 1) % every == 0 else "linear" for i in range(n)]
    if kind == "llama4_text":
        rope = c.get("no_rope_layers") or [int((i + 1) % int(c["no_rope_layer_interval"]) != 0) for i in range(n)]
        chunk = c.get("attention_chunk_size")
        return ["chunked" if (r and chunk) else "full" for r in rope[:n]]
    if kind == "gemma3_text" and not c.get("layer_types"):
        every = int(c["sliding_window_pattern"])
        return ["full" if (i + 1) % every == 0 else "sliding" for i in range(n)]
    named = {"full_attention": "full", "sliding_attention": "sliding", "chunked_attention": "chunked",
             "linear_attention": "linear"}
    if c.get("layer_types"):
        unknown = sorted(set(c["layer_types"]) - set(named))
        if unknown:
            raise UnknownArchitecture(f"layer_types has kinds the importer does not know: {unknown}")
        return [named[t] for t in c["layer_types"][:n]]
    window = c.get("sliding_window")
    if not window or window >= c["max_position_embeddings"]:
        return ["full"] * n  # no window, or one as long as the context: every layer sees all tokens
    if kind in ("qwen2", "qwen3", "qwen3_moe"):
        if not c.get("use_sliding_window"):
            return ["full"] * n
        first = int(c.get("max_window_layers", 0))
        return ["sliding" if i >= first else "full" for i in range(n)]
    return ["sliding"] * n  # mistral, mixtral, phi3: a set window applies to every layer


def layer_pattern(kinds: list[str]) -> str:
    """Compact, exact text of a per-layer list: 'full*80', '(sliding,full)*18', '(sliding*5,full)*10,sliding*2'."""
    def runs(seq):
        out, i = [], 0
        while i < len(seq):
            j = i
            while j < len(seq) and seq[j] == seq[i]:
                j += 1
            out.append(seq[i] if j - i == 1 else f"{seq[i]}*{j - i}")
            i = j
        return out

    best = ",".join(runs(kinds))
    for period in range(2, len(kinds) // 2 + 1):
        block = kinds[:period]
        reps = 1
        while kinds[reps * period:(reps + 1) * period] == block:
            reps += 1
        if reps < 2 or len(set(block)) < 2:
            continue
        rest = kinds[reps * period:]
        text = f"({','.join(runs(block))})*{reps}" + ("," + ",".join(runs(rest)) if rest else "")
        if len(text) < len(best):
            best = text
    return best


def parse_layer_pattern(pattern: str) -> list[str]:
    """The per-layer list back from `layer_pattern` text; ValueError naming the bad part."""
    out: list[str] = []
    i = 0
    text = pattern.replace(" ", "")
    while i < len(text):
        if text[i] == "(":
            close = text.index(")", i)
            group = parse_layer_pattern(text[i + 1:close])
            i = close + 1
            reps, i = _repeat(text, i)
            out += group * reps
        else:
            j = i
            while j < len(text) and text[j] not in ",*(":
                j += 1
            name = text[i:j]
            if name not in LAYER_KINDS:
                raise ValueError(f"layer pattern {pattern!r}: unknown layer kind {name!r}; expected one of {LAYER_KINDS}")
            reps, i = _repeat(text, j)
            out += [name] * reps
        if i < len(text) and text[i] == ",":
            i += 1
    return out


def _repeat(text: str, i: int) -> tuple[int, int]:
    if i < len(text) and text[i] == "*":
        j = i + 1
        while j < len(text) and text[j].isdigit():
            j += 1
        return int(text[i + 1:j]), j
    return 1, i


def _gqa(c: dict, *, bias_qkv=False, bias_o=False, qk_norm=0, sinks=0, gate=1) -> tuple[int, int]:
    """(weights, vectors) of one grouped-query attention layer: q (x `gate`), k, v, o, biases, norms, sinks."""
    h, d = int(c["hidden_size"]), _head_dim(c)
    q, kv = int(c["num_attention_heads"]) * d, int(c.get("num_key_value_heads") or c["num_attention_heads"]) * d
    weights = h * q * gate + 2 * h * kv + q * h
    vectors = (q + 2 * kv if bias_qkv else 0) + (h if bias_o else 0) + qk_norm + sinks
    return weights, vectors


def _mla(c: dict, indexer: bool) -> tuple[int, int]:
    """(weights, vectors) of one multi-head latent attention layer (DeepSeek-V2/V3), with the V3.2 indexer."""
    h, n = int(c["hidden_size"]), int(c["num_attention_heads"])
    rq, rkv = c.get("q_lora_rank"), int(c["kv_lora_rank"])
    nope, rope, dv = int(c["qk_nope_head_dim"]), int(c["qk_rope_head_dim"]), int(c["v_head_dim"])
    q = h * rq + rq * n * (nope + rope) if rq else h * n * (nope + rope)
    weights = q + h * (rkv + rope) + rkv * n * (nope + dv) + n * dv * h
    vectors = (rq or 0) + rkv
    if indexer:
        ni, di = int(c["index_n_heads"]), int(c["index_head_dim"])
        weights += rq * ni * di + h * di + h * ni
        vectors += 2 * di  # k_norm is a LayerNorm: weight and bias
    return weights, vectors


def _gated_deltanet(c: dict) -> tuple[int, int]:
    """(weights, vectors) of one Gated DeltaNet layer (Qwen3-Next linear attention)."""
    h = int(c["hidden_size"])
    nk, nv = int(c["linear_num_key_heads"]), int(c["linear_num_value_heads"])
    dk, dv, kernel = int(c["linear_key_head_dim"]), int(c["linear_value_head_dim"]), int(c["linear_conv_kernel_dim"])
    weights = h * (2 * nk * dk + 2 * nv * dv) + h * 2 * nv + nv * dv * h
    vectors = (2 * nk * dk + nv * dv) * kernel + 2 * nv + dv  # conv1d, dt_bias and A_log, gated norm
    return weights, vectors


def _siglip(v: dict, text_hidden: int) -> int:
    """SigLIP vision tower plus Gemma 3's projector (mm_input_projection and its soft-embedding norm)."""
    h, i, layers = int(v["hidden_size"]), int(v["intermediate_size"]), int(v["num_hidden_layers"])
    patches = (int(v["image_size"]) // int(v["patch_size"])) ** 2
    embed = 3 * int(v["patch_size"]) ** 2 * h + h + patches * h
    layer = 4 * (h * h + h) + (h * i + i) + (i * h + h) + 4 * h
    return embed + layers * layer + 2 * h + h * text_hidden + h


def _pixtral(v: dict, outer: dict, text_hidden: int) -> int:
    """Pixtral vision tower (RMSNorm, SwiGLU, no biases) plus Mistral 3's patch-merger projector."""
    h, i, layers = int(v["hidden_size"]), int(v["intermediate_size"]), int(v["num_hidden_layers"])
    merge = int(outer.get("spatial_merge_size", 2))
    bias = text_hidden * 2 if outer.get("multimodal_projector_bias") else 0
    tower = 3 * int(v["patch_size"]) ** 2 * h + h + layers * (4 * h * h + 3 * h * i + 2 * h)
    return tower + h + h * merge * merge * h + h * text_hidden + text_hidden * text_hidden + bias


def _llama4_vision(v: dict, text_hidden: int) -> int:
    """Llama 4 vision tower (LayerNorm, GELU MLP with biases), pixel-shuffle adapter and projector."""
    h, i, layers = int(v["hidden_size"]), int(v["intermediate_size"]), int(v["num_hidden_layers"])
    patches = (int(v["image_size"]) // int(v["patch_size"])) ** 2 + 1  # plus the class token
    shuffled = int(h / float(v.get("pixel_shuffle_ratio", 0.5)) ** 2)
    pin, pout = int(v.get("projector_input_dim", 4096)), int(v.get("projector_output_dim", 4096))
    embed = h + patches * h + 3 * int(v["patch_size"]) ** 2 * h + 4 * h
    layer = 4 * (h * h + h) + (h * i + i) + (i * h + h) + 4 * h
    return embed + layers * layer + shuffled * pin + pin * pout + int(v.get("vision_output_dim", pout)) * text_hidden


def _vision(kind: str, vision: dict | None, outer: dict, text_hidden: int) -> int:
    if not vision:
        return 0
    if kind == "gemma3_text":
        return _siglip(vision, text_hidden)
    if kind == "mistral":
        return _pixtral(vision, outer, text_hidden)
    return _llama4_vision(vision, text_hidden)


def _moe_layer(kind: str, c: dict, i: int) -> bool:
    """Whether layer i routes to experts (the config's own rule for each architecture)."""
    if kind in ("mixtral", "gpt_oss", "minimax_m2"):
        return True
    if kind in ("qwen3_moe", "qwen3_next"):
        step = int(c.get("decoder_sparse_step", 1))
        return i not in (c.get("mlp_only_layers") or []) and (i + 1) % step == 0
    if kind in (*_DEEPSEEK, "glm4_moe"):
        return i >= int(c["first_k_dense_replace"]) and i % int(c.get("moe_layer_freq", 1)) == 0
    if kind == "llama4_text":
        step = int(c["interleave_moe_layer_step"])
        return i in (c.get("moe_layers") or range(step - 1, int(c["num_hidden_layers"]), step))
    return False


def _mlp(kind: str, c: dict, moe: bool) -> dict[str, int]:
    """Parameters of one layer's feed-forward, by tensor group."""
    h = int(c["hidden_size"])
    if not moe:
        i = int(c["intermediate_size_mlp"] if kind == "llama4_text" else c["intermediate_size"])
        return {"dense_mlp": 3 * h * i}
    e = int(c.get("num_local_experts") or c.get("num_experts") or c.get("n_routed_experts"))
    if kind == "gpt_oss":
        i = int(c["intermediate_size"])
        return {"routed_experts": e * 3 * h * i, "norms": e * (2 * i + h) + e, "router": e * h}
    if kind in ("mixtral", "minimax_m2"):
        i = int(c["intermediate_size"])
        bias = e if kind == "minimax_m2" and c.get("use_routing_bias", True) else 0
        return {"routed_experts": e * 3 * h * i, "router": e * h + bias}
    if kind == "llama4_text":
        i = int(c["intermediate_size"])
        return {"routed_experts": e * 3 * h * i, "shared_experts": 3 * h * i, "router": e * h}
    i = int(c["moe_intermediate_size"])
    out = {"routed_experts": e * 3 * h * i, "router": e * h}
    if kind == "qwen3_next":
        out["shared_experts"] = 3 * h * int(c["shared_expert_intermediate_size"]) + h  # plus its sigmoid gate
    elif kind in (*_DEEPSEEK, "glm4_moe"):
        out["shared_experts"] = 3 * h * i * int(c["n_shared_experts"])
        out["router"] += e if c.get("topk_method", "noaux_tc") == "noaux_tc" else 0  # e_score_correction_bias
    return out


def _attention(kind: str, c: dict, layer: str) -> dict[str, int]:
    """Parameters of one layer's token mixer, by tensor group."""
    d = _head_dim(c)
    n_kv = int(c.get("num_key_value_heads") or c["num_attention_heads"])
    if layer in ("mla", "mla_dsa"):
        w, v = _mla(c, layer == "mla_dsa")
    elif layer == "linear":
        w, v = _gated_deltanet(c)
        return {"linear_attention": w, "norms": v}
    elif kind == "gpt_oss":
        w, v = _gqa(c, bias_qkv=True, bias_o=True, sinks=int(c["num_attention_heads"]))
    elif kind == "qwen2":
        w, v = _gqa(c, bias_qkv=True)
    elif kind in ("qwen3", "qwen3_moe", "gemma3_text"):
        w, v = _gqa(c, qk_norm=2 * d, bias_qkv=bool(c.get("attention_bias")))
    elif kind == "qwen3_next":
        w, v = _gqa(c, qk_norm=2 * d, gate=2)
    elif kind == "glm4_moe":
        w, v = _gqa(c, bias_qkv=bool(c.get("attention_bias")), qk_norm=2 * d if c.get("use_qk_norm") else 0)
    elif kind == "minimax_m2":
        per_layer = c.get("qk_norm_type", "per_layer") == "per_layer"
        norm = (int(c["num_attention_heads"]) + n_kv) * d if per_layer else 2 * d
        w, v = _gqa(c, qk_norm=norm if c.get("use_qk_norm", True) else 0)
    else:  # llama, mistral, phi3, smollm3, mixtral, llama4 (its QK norm is a parameter-free L2 norm)
        bias = bool(c.get("attention_bias"))
        w, v = _gqa(c, bias_qkv=bias, bias_o=bias)
    return {"attention": w, "norms": v}


def _norms_per_layer(kind: str, h: int) -> int:
    return 4 * h if kind == "gemma3_text" else 2 * h


def _native_format(c: dict, groups: dict[str, int]) -> str:
    """The checkpoint's format per tensor group: 'default[; group=format ...]' from torch_dtype and quantization_config.

    Unquantised tensors are in torch_dtype (or dtype); a config that states neither is taken as bf16, the
    format every maker in the catalog publishes. mxfp4 (gpt-oss) converts the routed-expert weights only
    (transformers' Mxfp4 quantizer; quantization_config.modules_to_not_convert keeps attention, router,
    embeddings and lm_head in bf16). fp8 with weight_block_size [128, 128] (DeepSeek, Kimi, MiniMax) converts
    linear layers, one float32 scale per 128 x 128 block, leaving embeddings, norms, lm_head and the
    modules_to_not_convert (router gate) in bf16 (DeepSeek-V3 README_WEIGHTS.md).
    """
    base = FORMAT_OF_DTYPE.get(str(c.get("torch_dtype") or c.get("dtype") or "bfloat16"), "bf16")
    q = c.get("quantization_config")
    if not q:
        return base
    method = q.get("quant_method")
    if method == "mxfp4":
        return f"{base}; routed_experts=mxfp4"
    if method == "fp8":
        block = q.get("weight_block_size")
        fmt = "fp8_block128" if block == [128, 128] else "fp8" if block is None else None
        if fmt is None:
            raise UnknownArchitecture(f"quantization_config fp8 with weight_block_size {block}: the importer knows "
                                      "[128, 128] blocks and per-tensor scales only")
        keep = [g for g in ("embeddings", "lm_head", "router", "norms", "vision", "mtp_embeddings") if groups[g]]
        return "; ".join([fmt] + [f"{g}={base}" for g in keep])
    raise UnknownArchitecture(f"quantization_config quant_method {method!r} is not one the importer knows "
                              "(known: mxfp4, fp8)")


def parse_native_format(text: str) -> dict[str, str]:
    """Format per tensor group from a `native_format` cell: {'embeddings': 'bf16', ...} for every group."""
    parts = [p.strip() for p in text.split(";") if p.strip()]
    default = parts[0]
    out = dict.fromkeys(GROUPS, default)
    for part in parts[1:]:
        group, _, fmt = part.partition("=")
        if group not in GROUPS or not fmt:
            raise ValueError(f"native format {text!r}: {part!r} is not GROUP=FORMAT with a group of {GROUPS}")
        out[group] = fmt
    return out


def count(config) -> dict:
    """Parameters per tensor group and the attention layout of a config (the numeric part of a catalog row)."""
    config = load_config(config)
    kind, c, vision = _text_config(config)
    h, n, vocab = int(c["hidden_size"]), int(c["num_hidden_layers"]), int(c["vocab_size"])
    kinds = _layer_kinds(kind, c)
    groups = dict.fromkeys(GROUPS, 0)
    tied = bool(c.get("tie_word_embeddings", False))
    groups["embeddings"] = vocab * h
    groups["lm_head"] = 0 if tied else vocab * h
    groups["norms"] = h  # final norm

    def add(parts: dict[str, int], into: dict[str, int]):
        for g, v in parts.items():
            into[g] += v

    for i, layer in enumerate(kinds):
        add(_attention(kind, c, layer), groups)
        add(_mlp(kind, c, _moe_layer(kind, c, i)), groups)
        groups["norms"] += _norms_per_layer(kind, h)
    mtp_modules = int(c.get("num_nextn_predict_layers", 0)) if kind in (*_DEEPSEEK, "glm4_moe") else 0
    for _ in range(mtp_modules):  # one MoE decoder layer + eh_proj; its embedding and head copies kept apart
        layer = {g: 0 for g in GROUPS}
        add(_attention(kind, c, kinds[-1]), layer)
        add(_mlp(kind, c, True), layer)
        groups["mtp"] += sum(layer[g] for g in LINEAR_GROUPS) + 2 * h * h
        groups["mtp_embeddings"] += layer["norms"] + layer["router"] + 2 * h + 3 * h + 2 * vocab * h
    groups["vision"] = _vision(kind, vision, config, h)
    experts = int(c.get("num_local_experts") or c.get("num_experts") or c.get("n_routed_experts") or 0)
    per_token = int(c.get("num_experts_per_tok") or 0) if experts else 0
    total = sum(groups[g] for g in RESIDENT_GROUPS)
    routed_share = per_token / experts if experts else 0.0
    active = total - groups["vision"] - (0 if tied else groups["embeddings"]) - groups["routed_experts"] * (1 - routed_share)
    attention_kind = {"mla": "mla", "mla_dsa": "mla_dsa"}.get(kinds[0], "gqa")
    linear = kind == "qwen3_next"
    return {
        "model_type": kind, "architecture": "moe" if experts else "dense",
        "total_params": total, "active_params": active, "groups": groups,
        "num_layers": n, "hidden_size": h, "vocab_size": vocab, "tie_word_embeddings": tied,
        "layer_pattern": layer_pattern(kinds), "attention": attention_kind,
        "num_attention_heads": int(c["num_attention_heads"]),
        "num_kv_heads": int(c.get("num_key_value_heads") or c["num_attention_heads"]), "head_dim": _head_dim(c),
        "sliding_window_tokens": c.get("sliding_window") if "sliding" in kinds else None,
        "attention_chunk_tokens": c.get("attention_chunk_size") if "chunked" in kinds else None,
        "kv_lora_rank": c.get("kv_lora_rank") if attention_kind != "gqa" else None,
        "qk_rope_head_dim": c.get("qk_rope_head_dim") if attention_kind != "gqa" else None,
        "index_head_dim": c.get("index_head_dim") if attention_kind == "mla_dsa" else None,
        **{k: (c[k] if linear else None) for k in ("linear_num_key_heads", "linear_num_value_heads",
                                                   "linear_key_head_dim", "linear_value_head_dim",
                                                   "linear_conv_kernel_dim")},
        "num_experts": experts, "experts_per_token": per_token,
        "num_shared_experts": _shared_experts(kind, c) if experts else 0,
        "max_context_tokens": int(c["max_position_embeddings"]),
        "native_format": _native_format(c, groups),
    }


def _shared_experts(kind: str, c: dict) -> int:
    if kind in (*_DEEPSEEK, "glm4_moe"):
        return int(c["n_shared_experts"])
    return 1 if kind in ("llama4_text", "qwen3_next") else 0


def _billions(n) -> float:
    return round(n / 1e9, 9)


def open_model_from_config(config, name: str, *, hf_repo: str = "", source: str = "", as_of: str = "",
                           license: str = "", card_total_params_b=None, card_active_params_b=None,
                           card_source: str = "", checkpoint_bytes=None, checkpoint_source: str = "",
                           notes: str = "") -> dict:
    """One row of data/open_models.csv from a Hugging Face config.json (dict or path) and what it cannot say.

    Parameters are counted from the shapes (see the module docstring for the formula per architecture);
    `card_*` are the maker's stated counts, kept beside the count (`card_difference` compares them).
    An architecture the importer does not know, or a config missing a key the count needs, raises
    `UnknownArchitecture` naming it: never a guessed row.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"name must be a non-empty model name, got {name!r}")
    n = count(config)
    row = {
        "model": name.strip(), "hf_repo": hf_repo, "model_type": n["model_type"], "architecture": n["architecture"],
        "total_params_b": _billions(n["total_params"]), "active_params_b": _billions(n["active_params"]),
        "card_total_params_b": card_total_params_b, "card_active_params_b": card_active_params_b,
        "card_source": card_source, **{f"{g}_params_b": _billions(v) for g, v in n["groups"].items()},
        "tie_word_embeddings": "yes" if n["tie_word_embeddings"] else "no",
        **{k: n[k] for k in ("num_layers", "hidden_size", "vocab_size", "layer_pattern", "attention",
                             "num_attention_heads", "num_kv_heads", "head_dim", "sliding_window_tokens",
                             "attention_chunk_tokens", "kv_lora_rank", "qk_rope_head_dim", "index_head_dim",
                             "linear_num_key_heads", "linear_num_value_heads", "linear_key_head_dim",
                             "linear_value_head_dim", "linear_conv_kernel_dim", "num_experts", "experts_per_token",
                             "num_shared_experts", "max_context_tokens", "native_format")},
        "checkpoint_bytes": checkpoint_bytes, "checkpoint_source": checkpoint_source, "license": license,
        "as_of": as_of, "source": source, "notes": notes,
    }
    return {k: ("" if row[k] is None or (isinstance(row[k], float) and math.isnan(row[k])) else row[k])
            for k in COLUMNS}


def card_difference(row) -> tuple[float, float]:
    """(total, active) counted from the shapes relative to the maker's card counts - 1; NaN where no card count."""
    def rel(counted, card):
        try:
            return float(counted) / float(card) - 1.0
        except (TypeError, ValueError, ZeroDivisionError):
            return float("nan")
    return rel(row["total_params_b"], row["card_total_params_b"]), rel(row["active_params_b"], row["card_active_params_b"])


# ------------------------------------------------------------------------------------- the generated catalog

#: data/configs/: one config.json copy per model and models.csv, what a config does not say (sourced).
CONFIGS_DIR = "configs"
METADATA_FILE = "models.csv"
METADATA_COLUMNS = ("model", "config", "hf_repo", "source", "license", "card_total_params_b", "card_active_params_b",
                    "card_source", "checkpoint_bytes", "checkpoint_source", "as_of", "notes")


def _data_dir() -> Path:
    from .catalog import DATA_DIR

    return DATA_DIR


def _number(text: str):
    """A metadata cell as a number (int where whole), or None when empty."""
    if text is None or str(text).strip() == "":
        return None
    value = float(text)
    return int(value) if value.is_integer() else value


def catalog_rows(configs_dir: Path | None = None) -> list[dict]:
    """Every row of data/open_models.csv, from data/configs/models.csv and the config each row names."""
    import csv

    configs_dir = Path(configs_dir) if configs_dir is not None else _data_dir() / CONFIGS_DIR
    meta_path = configs_dir / METADATA_FILE
    with meta_path.open(newline="", encoding="utf-8") as fh:
        meta = list(csv.DictReader(fh))
    missing = [c for c in METADATA_COLUMNS if meta and c not in meta[0]]
    if missing:
        raise ValueError(f"{meta_path}: missing column(s) {missing}; expected {list(METADATA_COLUMNS)}")
    rows = []
    for i, m in enumerate(meta, start=1):
        try:
            rows.append(open_model_from_config(
                configs_dir / m["config"], m["model"], hf_repo=m["hf_repo"], source=m["source"], as_of=m["as_of"],
                license=m["license"], card_total_params_b=_number(m["card_total_params_b"]),
                card_active_params_b=_number(m["card_active_params_b"]), card_source=m["card_source"],
                checkpoint_bytes=_number(m["checkpoint_bytes"]), checkpoint_source=m["checkpoint_source"],
                notes=m["notes"]))
        except ValueError as err:
            raise ValueError(f"{meta_path}, row {i} ({m['model']}), config {m['config']}: {err}") from None
    return rows


def write_catalog(rows: list[dict], path: Path) -> Path:
    """Write catalog rows to `path` whole or not at all (a temporary file renamed over it); validate it."""
    import csv

    from .catalog import load_catalog

    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        out = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        out.writeheader()
        out.writerows(rows)
    try:
        load_catalog("open_models.csv", tmp)
    except ValueError:
        tmp.unlink()
        raise
    tmp.replace(path)
    return path


def build_catalog(out: Path | None = None, configs_dir: Path | None = None) -> Path:
    """Regenerate data/open_models.csv (or `out`) from data/configs/ (`make models`)."""
    return write_catalog(catalog_rows(configs_dir), Path(out) if out is not None else _data_dir() / "open_models.csv")


def add_model(config, name: str, *, source: str = "", as_of: str = "", catalog: Path | None = None) -> dict:
    """Append the row of `config` named `name` to data/open_models.csv (or `catalog`), atomically.

    Refuses a name already in the catalog (case-insensitive). `source` defaults to the config file's URI and
    `as_of` to today. The row lasts until the next `make models` unless its config goes into data/configs/
    with a line in data/configs/models.csv.
    """
    import csv
    from datetime import date

    path = Path(catalog) if catalog is not None else _data_dir() / "open_models.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        existing = list(csv.DictReader(fh))
    taken = {r["model"].lower(): r["model"] for r in existing}
    if name.strip().lower() in taken:
        raise ValueError(f"{path}: a model named {taken[name.strip().lower()]!r} is already in the catalog; "
                         "choose another --name")
    if not source:
        source = Path(os.fspath(config)).resolve().as_uri() if not isinstance(config, dict) else ""
    row = open_model_from_config(config, name, source=source, as_of=as_of or date.today().isoformat())
    write_catalog([*existing, row], path)
    return row
