"""Config import: counts from the shapes, layer kinds, native formats, clear refusals, and a catalog anyone can rebuild."""

import csv
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tokenomics as tk
from tokenomics import configs
from tokenomics.__main__ import main
from tokenomics.catalog import DATA_DIR, load_catalog

CONFIGS = DATA_DIR / "configs"


def config(name: str) -> dict:
    return json.loads((CONFIGS / name).read_text(encoding="utf-8"))


def test_the_committed_catalog_is_what_make_models_generates(tmp_path):
    out = configs.build_catalog(tmp_path / "open_models.csv")
    assert out.read_bytes() == (DATA_DIR / "open_models.csv").read_bytes(), "data/open_models.csv is stale: make models"


@pytest.mark.parametrize("file, total", [
    ("mixtral-8x7b.json", 46_702_792_704),  # Mistral's count in the ledger and the Mixtral paper's 46.7 B
    ("gpt-oss-20b.json", 20_914_757_184),  # KerasHub's gpt_oss_20b_en preset
    ("smollm3-3b.json", 3_075_098_624),  # model.safetensors.index.json metadata.total_parameters (tied embeddings)
])
def test_counts_equal_the_makers_exact_figures(file, total):
    assert configs.count(config(file))["total_params"] == total


def test_counts_by_hand_for_a_dense_and_a_hybrid_model():
    # Llama 3.3 70B: 2 x 128,256 x 8,192 (embed, lm_head) + 80 x (attention 2 x 8192^2 + 2 x 8192 x 1024,
    # MLP 3 x 8192 x 28672, norms 2 x 8192) + final norm
    expected = 2 * 128_256 * 8192 + 80 * (2 * 8192 ** 2 + 2 * 8192 * 1024 + 3 * 8192 * 28672 + 2 * 8192) + 8192
    row = tk.open_model_from_config(CONFIGS / "llama-3.3-70b.json", "Llama 3.3 70B")
    assert row["total_params_b"] == pytest.approx(expected / 1e9, abs=1e-9)
    assert row["active_params_b"] == pytest.approx((expected - 128_256 * 8192) / 1e9, abs=1e-9)  # no input lookup
    # Qwen3-Next: 3 Gated DeltaNet layers per full-attention layer; the state shape is in the row
    nxt = tk.open_model_from_config(config("qwen3-next-80b-a3b.json"), "Qwen3-Next-80B-A3B")
    assert nxt["layer_pattern"] == "(linear*3,full)*12"
    assert (nxt["linear_num_value_heads"], nxt["linear_key_head_dim"], nxt["linear_conv_kernel_dim"]) == (32, 128, 4)
    # its linear layers: in_proj_qkvz 2048 x (2 x 16 x 128 + 2 x 32 x 128), in_proj_ba 2048 x 64, out_proj 4096 x 2048
    assert nxt["linear_attention_params_b"] == pytest.approx(36 * (2048 * 12288 + 2048 * 64 + 4096 * 2048) / 1e9)


def test_layer_kinds_windows_and_native_formats_from_the_config():
    oss = tk.open_model_from_config(config("gpt-oss-120b.json"), "gpt-oss-120b")
    assert (oss["layer_pattern"], oss["sliding_window_tokens"]) == ("(sliding,full)*18", 128)
    assert oss["native_format"] == "bf16; routed_experts=mxfp4"  # modules_to_not_convert: attention, router, embed
    scout = tk.open_model_from_config(config("llama-4-scout.json"), "Llama 4 Scout")
    assert (scout["layer_pattern"], scout["attention_chunk_tokens"]) == ("(chunked*3,full)*12", 8192)
    gemma = tk.open_model_from_config(config("gemma-3-27b.json"), "Gemma 3 27B")
    assert (gemma["layer_pattern"], gemma["sliding_window_tokens"]) == ("(sliding*5,full)*10,sliding*2", 1024)
    ds = tk.open_model_from_config(config("deepseek-v3.json"), "DeepSeek V3")
    assert ds["attention"] == "mla" and (ds["kv_lora_rank"], ds["qk_rope_head_dim"]) == (512, 64)
    assert ds["native_format"].startswith("fp8_block128; embeddings=bf16; lm_head=bf16; router=bf16")
    assert tk.open_model_from_config(config("deepseek-v3.2.json"), "V3.2")["attention"] == "mla_dsa"
    # Phi-4's window is as long as its context: every layer sees every token
    assert tk.open_model_from_config(config("phi-4.json"), "Phi-4")["layer_pattern"] == "full*40"


def test_llama4_vision_tower_counts_as_a_printed_config_says():
    # The Llama-4-Scout base config printed with its vision_config; the published checkpoint (217,283,738,720 B
    # of BF16 files, safetensors headers included) is 2 bytes per parameter of text and vision together.
    vision = {"hidden_size": 1408, "image_size": 336, "intermediate_size": 5632, "num_hidden_layers": 34,
              "patch_size": 14, "pixel_shuffle_ratio": 0.5, "projector_input_dim": 4096, "projector_output_dim": 4096,
              "vision_output_dim": 4096}
    n = configs.count({**config("llama-4-scout.json"), "vision_config": vision})
    assert n["groups"]["vision"] == 871_932_416
    assert 0 < 217_283_738_720 - 2 * n["total_params"] < 1e6


def test_an_unknown_architecture_is_refused_naming_what_is_missing():
    rwkv = {"model_type": "rwkv7", "architectures": ["Rwkv7ForCausalLM"], "hidden_size": 2048}
    with pytest.raises(tk.UnknownArchitecture, match=r"model_type 'rwkv7'.*not an architecture the importer knows.*"
                                                     r"lacks \['num_hidden_layers', 'num_attention_heads'"):
        tk.open_model_from_config(rwkv, "RWKV-7")
    broken = {k: v for k, v in config("gpt-oss-20b.json").items() if k != "num_local_experts"}
    with pytest.raises(tk.UnknownArchitecture, match=r"config for gpt_oss lacks required key\(s\) \['num_local_experts'\]"):
        tk.open_model_from_config(broken, "gpt-oss-20b")
    lightning = {**config("minimax-m2.5.json"), "attn_type_list": [0, 1] * 31}
    with pytest.raises(tk.UnknownArchitecture, match="lightning-attention layers"):
        tk.open_model_from_config(lightning, "MiniMax-M1-like")
    quant = {**config("llama-3.1-8b.json"), "quantization_config": {"quant_method": "gptq", "bits": 4}}
    with pytest.raises(tk.UnknownArchitecture, match="quant_method 'gptq' is not one the importer knows"):
        tk.open_model_from_config(quant, "Llama GPTQ")


@given(st.lists(st.sampled_from(configs.LAYER_KINDS), min_size=1, max_size=130))
def test_layer_pattern_text_reads_back_exactly(kinds):
    assert configs.parse_layer_pattern(configs.layer_pattern(kinds)) == kinds


def test_card_counts_kept_beside_the_count():
    models = tk.load_open_models().set_index("model")
    total, active = configs.card_difference(models.loc["gpt-oss-120b"])
    assert total == pytest.approx(116.829156672 / 117 - 1) and active == pytest.approx(5.171418432 / 5.1 - 1)
    assert models["card_total_params_b"].notna().sum() >= 15


def test_cli_adds_a_model_refuses_duplicates_and_leaves_the_file_whole(tmp_path, capsys):
    catalog = tmp_path / "open_models.csv"
    catalog.write_bytes((DATA_DIR / "open_models.csv").read_bytes())
    before = catalog.read_bytes()
    assert main(["models", "add", str(CONFIGS / "phi-4.json"), "--name", "phi-4", "--catalog", str(catalog)]) == 2
    assert "a model named 'Phi-4' is already in the catalog" in capsys.readouterr().err
    unknown = tmp_path / "config.json"
    unknown.write_text(json.dumps({"model_type": "rwkv7"}))
    assert main(["models", "add", str(unknown), "--name", "RWKV", "--catalog", str(catalog)]) == 2
    assert catalog.read_bytes() == before and not list(tmp_path.glob("*.tmp"))
    assert main(["models", "add", str(CONFIGS / "phi-4.json"), "--name", "Phi-4 again", "--catalog", str(catalog),
                 "--source", "https://huggingface.co/microsoft/phi-4/blob/main/config.json", "--as-of", "2026-11-29"]) == 0
    added = load_catalog("open_models.csv", catalog).set_index("model").loc["Phi-4 again"]
    assert added["source"].startswith("https://huggingface.co/microsoft/phi-4") and str(added["as_of"])[:10] == "2026-11-29"


#: open_model names in the price catalog with no config.json the kit could read, and why.
MISSING_CONFIGS = {
    "Qwen3-235B-A22B-Instruct-2507": "its config.json was not found in the stored copies (the 2507 release changes "
                                     "the context and RoPE base; the original Qwen3-235B-A22B config is not a stand-in)",
    "GLM-4.6": "its config.json was not found (only restatements and the successor GLM-4.7's file)",
}


def test_every_open_model_of_the_price_catalog_is_a_catalog_row_or_a_stated_gap():
    priced = set(tk.load_api_prices()["open_model"]) - {""}
    rows = set(tk.load_open_models()["model"])
    assert priced - rows == set(MISSING_CONFIGS), sorted(priced - rows)
    assert not set(MISSING_CONFIGS) & rows


def test_metadata_rows_name_configs_that_exist_and_sources_that_are_urls():
    with (CONFIGS / "models.csv").open(newline="", encoding="utf-8") as fh:
        meta = list(csv.DictReader(fh))
    assert all((CONFIGS / m["config"]).exists() for m in meta)
    assert all(m["source"].startswith("https://") for m in meta)
    assert {Path(p).name for p in CONFIGS.glob("*.json")} == {m["config"] for m in meta}


def _edited(tmp_path, file: str, key: str, **cells) -> tuple[Path, int]:
    """A copy of data/FILE with some cells of the row whose first column is `key` changed; (path, row number)."""
    with (DATA_DIR / file).open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    first = next(iter(rows[0]))
    row = 1 + [r[first] for r in rows].index(key)
    rows[row - 1].update({k: str(v) for k, v in cells.items()})
    path = tmp_path / file
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        out.writeheader()
        out.writerows(rows)
    return path, row


#: (file, row key, changed cells, column named, message) of rows that break a catalog rule.
MALFORMED = [("open_models.csv", "gpt-oss-120b", cells, column, message) for cells, column, message in (
    ({"layer_pattern": "(sliding,full)*17"}, "layer_pattern", "has 34 layers, num_layers says 36"),
    ({"layer_pattern": "(slide,full)*18"}, "layer_pattern", "unknown layer kind 'slide'"),
    ({"sliding_window_tokens": ""}, "sliding_window_tokens", "sliding layers need sliding_window_tokens"),
    ({"total_params_b": "117"}, "total_params_b", "not the sum of the resident groups"),
    ({"native_format": "bf16; experts=mxfp4"}, "native_format", "'experts=mxfp4' is not GROUP=FORMAT"),
    ({"native_format": "bf16; routed_experts=fp3"}, "native_format", "unknown format(s) ['fp3']"),
    ({"checkpoint_source": ""}, "checkpoint_source", "a published checkpoint size needs its source"),
)] + [("gpus.csv", "L4", cells, column, message) for cells, column, message in (
    ({"memory_reported_source": ""}, "memory_reported_source", "a reported memory figure needs its source"),
    ({"form_factor": "card"}, "form_factor", "expected one of ['sxm', 'oam'"),
)]


@pytest.mark.parametrize("file, key, cells, column, message", MALFORMED)
def test_a_malformed_row_names_row_and_column(tmp_path, file, key, cells, column, message):
    from tokenomics.catalog import CatalogError

    path, row = _edited(tmp_path, file, key, **cells)
    with pytest.raises(CatalogError) as err:
        load_catalog(file, path)
    assert f"row {row} " in str(err.value) and f"column {column!r}" in str(err.value) and message in str(err.value)
