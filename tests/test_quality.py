"""Quality per task class: the public snapshot, a team's own scores, the general-index fallback, the floor."""

import numpy as np
import pandas as pd
import pytest

from tokenomics import quality
from tokenomics.catalog import load_quality_scores


def table(**rows) -> pd.DataFrame:
    """A model x class score table built by hand (classes not given are NaN)."""
    return pd.DataFrame.from_dict(rows, orient="index").reindex(columns=list(quality.CLASSES)).astype(float)


def test_the_snapshot_has_one_dated_benchmark_per_class():
    scores = load_quality_scores()
    assert set(scores["task_class"]) == set(quality.CLASSES)
    assert scores.groupby("task_class")["benchmark"].nunique().max() == 1
    assert scores["score"].between(0, 100).all() and scores["as_of"].notna().all()
    assert scores["source"].str.startswith("https://").all()
    assert quality.benchmarks()["reasoning"] == "GPQA Diamond"
    assert quality.benchmarks()["coding"] == "LiveCodeBench"


def test_a_measured_score_is_used_as_is_with_its_benchmark():
    t = table(a={"coding": 60.0, "math": 80.0})
    got = quality.scores(["a"], "coding", t).iloc[0]
    assert (got["score"], got["basis"]) == (60.0, "LiveCodeBench")


def test_a_missing_class_falls_back_to_the_general_index_and_says_so():
    t = table(a={"coding": 60.0, "math": 80.0, "knowledge": 70.0})
    got = quality.scores(["a"], "tool_use", t).iloc[0]
    assert got["score"] == pytest.approx(70.0)  # (60 + 80 + 70) / 3
    assert got["basis"] == quality.GENERAL


def test_a_model_with_no_score_has_none_never_zero():
    got = quality.scores(["unknown model", "a"], "coding", table(a={"coding": 55.0}))
    assert np.isnan(got["score"].iloc[0]) and got["basis"].iloc[0] == ""
    assert got["score"].iloc[1] == 55.0


def test_the_floor_is_current_minus_tolerance_and_tolerance_is_checked():
    assert quality.floor(71.5, 3) == pytest.approx(68.5)
    assert quality.floor(71.5, 0) == pytest.approx(71.5)
    for bad in (-1, 101, float("nan")):
        with pytest.raises(ValueError, match="quality_tolerance_points"):
            quality.floor(70, bad)


def test_team_scores_replace_public_ones_model_by_model_and_class_by_class():
    public = quality.score_table()
    model = public["coding"].dropna().index[0]
    own = pd.DataFrame({"model": [model], "task_class": ["coding"], "score": [12.5]})
    mixed = quality.score_table(quality.read_team_scores(own))
    assert mixed.at[model, "coding"] == 12.5
    other = [c for c in quality.CLASSES if c != "coding" and pd.notna(public.at[model, c])][0]
    assert mixed.at[model, other] == public.at[model, other]  # only the class the team measured changes


@pytest.mark.parametrize("frame, message", [
    (pd.DataFrame({"model": ["x"], "score": [50]}), r"missing column\(s\) \['task_class'\]"),
    (pd.DataFrame({"model": ["x"], "task_class": ["poetry"], "score": [50]}), "row 1, column 'task_class'"),
    (pd.DataFrame({"model": ["x", "y"], "task_class": ["coding"] * 2, "score": [50, 120]}), "row 2, column 'score'"),
])
def test_bad_team_scores_name_the_row_and_column(frame, message):
    with pytest.raises(ValueError, match=message):
        quality.read_team_scores(frame)


def test_team_scores_from_a_file_name_the_file(tmp_path):
    path = tmp_path / "evals.csv"
    path.write_text("model,score\nx,50\n")
    with pytest.raises(ValueError, match="evals.csv"):
        quality.read_team_scores(str(path))


def test_workloads_map_to_classes_and_class_names_are_checked():
    assert quality.task_class_for("coding_agent") == "tool_use"
    assert quality.task_class_for("something new") == "instruction_following"
    assert quality.check_class("Coding") == "coding"
    with pytest.raises(KeyError, match="tool_use"):
        quality.check_class("tool use")
