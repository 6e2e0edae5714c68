"""Scenario: one home for every report parameter — defaults, units, meanings, checks, and the notebooks' cells."""

import ast
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tokenomics.scenario import Scenario, ScenarioError

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def test_defaults_resolve_the_workload_profile():
    s = Scenario()
    assert (s.workload, s.input_share, s.cached_share) == ("chat", 0.8455, 0.0)  # data/workloads.csv, chat row
    assert (s.input_tokens_per_request, s.output_tokens_per_request) == (1155.0, 211.0)
    assert s.api_model == "GPT-4.1" and s.horizon_months == 36
    assert (s.open_model, s.gpu, s.weight_format, s.gpu_mode) == (None, None, None, None)  # the search chooses
    assert s.resolved_task_class == "instruction_following"  # chat is judged on instruction following
    assert isinstance(s.horizon_months, int)


def test_names_are_matched_case_insensitively_and_kept_in_catalog_spelling():
    s = Scenario(api_model="gpt-4.1 MINI", open_model="llama 3.3 70b", gpu="h200")
    assert (s.api_model, s.open_model, s.gpu) == ("GPT-4.1 mini", "Llama 3.3 70B", "H200")


def test_from_row_reads_text_and_keeps_names_as_text():
    s = Scenario.from_row({"team": "007", "tokens_per_month": "2.5e9", "workload": "rag", "horizon_months": "24",
                           "input_share": "", "api_model": " GPT-4.1 "})
    assert s.team == "007" and s.tokens_per_month == 2.5e9 and s.horizon_months == 24
    assert s.input_share == 0.9766 and s.api_model == "GPT-4.1"  # blank takes the profile's value


@pytest.mark.parametrize("row, message", [
    ({"tokens_per_month": "-5"}, "tokens_per_month must be > 0, got -5.0"),
    ({"tokens_per_month": "lots"}, "tokens_per_month: expected a number (tokens per month), got 'lots'"),
    ({"input_share": "1"}, "input_share: must be < 1, got 1.0"),
    ({"cached_share": "1.5"}, "cached_share must be <= 1, got 1.5"),
    ({"horizon_months": "12.5"}, "horizon_months: expected a whole number (months), got 12.5"),
    ({"gpu_mode": "lease"}, "gpu_mode: expected one of ('rent', 'buy'), got 'lease'"),
    ({"api_model": "gpt-5000"}, "api_model: unknown API model 'gpt-5000'; closest: "),
    ({"gpu": "TPU v5"}, "gpu: unknown GPU 'TPU v5'"),
    ({"prices_as_of": "2025-13-45"}, "prices_as_of: expected a date YYYY-MM-DD, got '2025-13-45'"),
    ({"workload": "poetry"}, "workload: unknown workload 'poetry'"),
    ({"volme": "1"}, "unknown field(s) ['volme']"),
    ({"tokens_per_mont": "1"}, "did you mean 'tokens_per_month' for 'tokens_per_mont'"),
])
def test_bad_values_name_the_field_and_the_value(row, message):
    with pytest.raises(ScenarioError) as err:
        Scenario.from_row(row)
    assert message in str(err.value)


def test_a_free_workload_label_is_fine_when_the_mix_is_given():
    s = Scenario(workload="usage export", input_share=0.9, cached_share=0.2, input_tokens_per_request=900.0,
                 output_tokens_per_request=100.0)
    assert s.workload == "usage export"


@given(st.floats(1e3, 1e13), st.floats(0.0, 0.99))
def test_replace_checks_again_and_keeps_the_rest(volume, share):
    s = Scenario().replace(tokens_per_month=volume, input_share=share)
    assert s.tokens_per_month == volume and s.input_share == share and s.api_model == "GPT-4.1"


def test_every_field_has_a_unit_or_a_name_and_a_meaning():
    table = Scenario.describe()
    assert table["meaning"].str.len().min() > 10
    numeric = table[table["range"] != ""]
    assert (numeric["unit"] != "").all()


def _parameters(notebook: Path) -> dict[str, tuple[str, str]]:
    """name -> (default literal, comment) of a notebook's parameters cell."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    out = {}
    for line in "".join(cell["source"]).splitlines():
        code, _, comment = line.partition("  # ")
        node = ast.parse(code).body[0]
        out[node.target.id] = (ast.unparse(node.value), comment)
    return out


def test_the_team_report_parameters_cell_is_the_scenario():
    assert _parameters(NOTEBOOKS / "team_report.ipynb") == _parameters_of_scenario(Scenario.field_names())


def _parameters_of_scenario(names):
    return {name: (ast.unparse(ast.parse(line.partition("  # ")[0]).body[0].value), line.partition("  # ")[2])
            for name, line in zip(names, Scenario.parameters_cell(names).splitlines())}


@pytest.mark.parametrize("notebook", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_every_notebook_parameter_named_like_a_scenario_field_agrees_with_it(notebook):
    mine = _parameters(notebook)
    shared = [n for n in mine if n in Scenario.field_names()]
    assert {n: mine[n][1] for n in shared} == {n: v[1] for n, v in _parameters_of_scenario(shared).items()}
    if notebook.stem == "team_report":  # the explorer starts on a deployment (explore.DEPLOYMENT), the search does not
        assert {n: mine[n][0] for n in shared} == {n: v[0] for n, v in _parameters_of_scenario(shared).items()}


def test_papermill_help_lists_every_field_with_its_meaning():
    import papermill as pm

    inferred = pm.inspect_notebook(str(NOTEBOOKS / "team_report.ipynb"))
    assert list(inferred) == Scenario.field_names()
    for f in Scenario.describe().itertuples():
        assert inferred[f.parameter]["help"] == f.meaning
