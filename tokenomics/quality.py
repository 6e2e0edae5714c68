"""Is it good enough? Published quality per task class, for API and open models, and the floor a team sets.

Scores come from data/quality_scores.csv: one benchmark per task class, one dated snapshot where possible
(Artificial Analysis' independent evaluations, 2026-04-09), gaps left as gaps. A team may bring its own
evaluation scores; they replace the public ones model by model and class by class.

Where a class has no score for a model, the fallback is the model's general index — the mean of its scores
over the classes it has — and every answer says which was used; a model with no score at all has none
(NaN, never zero).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .catalog import load_quality_scores
from .checks import as_array, lookup_name

CLASSES = ("knowledge", "reasoning", "coding", "math", "instruction_following", "long_context", "tool_use")
CLASS_WORDS = {"knowledge": "general knowledge", "reasoning": "reasoning", "coding": "coding", "math": "math",
               "instruction_following": "instruction following", "long_context": "long context",
               "tool_use": "tool use / agentic"}
#: Workload profiles (data/workloads.csv) and the task class their traffic is judged on by default.
WORKLOAD_CLASSES = {"chat": "instruction_following", "coding": "coding", "coding_agent": "tool_use",
                    "rag": "long_context", "summarization": "long_context", "batch_classification": "knowledge",
                    "article_25_75": "knowledge"}
GENERAL = "general index"


def benchmarks() -> pd.Series:
    """The benchmark behind each task class (one per class)."""
    scores = load_quality_scores()
    return scores.groupby("task_class")["benchmark"].first().reindex(list(CLASSES))


def read_team_scores(source) -> pd.DataFrame:
    """A team's own evaluation scores (a CSV path or a frame with model, task_class, score), checked: scores in
    0..100, known task classes. They replace the public score of the same model and class."""
    frame = pd.read_csv(source, dtype={"model": str, "task_class": str}) if isinstance(source, str | Path) else source
    missing = [c for c in ("model", "task_class", "score") if c not in frame.columns]
    if missing:
        raise ValueError(f"team scores{f' {source}' if isinstance(source, str | Path) else ''}: missing column(s) "
                         f"{missing}; expected model, task_class, score")
    for i, row in enumerate(frame.itertuples(), start=1):
        if row.task_class not in CLASSES:
            raise ValueError(f"team scores, row {i}, column 'task_class': expected one of {list(CLASSES)}, "
                             f"got {row.task_class!r}")
        as_array(f"team scores, row {i}, column 'score'", row.score, low=0, high=100)
    return frame[["model", "task_class", "score"]].astype({"score": float})


def score_table(team_scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """Scores as a model x task-class table (NaN: not measured), the team's own scores replacing public ones."""
    public = load_quality_scores().pivot(index="model", columns="task_class", values="score")
    table = public.reindex(columns=list(CLASSES))
    if team_scores is not None and len(team_scores):
        own = team_scores.pivot_table(index="model", columns="task_class", values="score", aggfunc="last")
        table = own.combine_first(table).reindex(columns=list(CLASSES))
    return table


def scores(models, task_class: str, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Quality of each model on `task_class`: score, and basis ("IFBench", …, "general index", or "" with NaN
    when the model has no score at all). Vectorised over `models` (names as in the quality table)."""
    if task_class not in CLASSES:
        raise ValueError(f"task_class must be one of {list(CLASSES)}, got {task_class!r}")
    table = score_table() if table is None else table
    rows = table.reindex(list(models))
    direct = rows[task_class].to_numpy(dtype=float)
    general = rows.mean(axis=1, skipna=True).to_numpy(dtype=float)
    bench = benchmarks().get(task_class, task_class)
    basis = np.where(~np.isnan(direct), bench, np.where(~np.isnan(general), GENERAL, ""))
    return pd.DataFrame({"model": list(models), "score": np.where(np.isnan(direct), general, direct),
                         "basis": basis})


def floor(current_score: float, tolerance_points: float) -> float:
    """The quality a candidate must reach: the current model's score minus a tolerance in points (0..100)."""
    t = float(as_array("quality_tolerance_points", tolerance_points, low=0, high=100))
    return float(current_score) - t


def task_class_for(workload: str) -> str:
    """The default task class of a workload profile (instruction following where the workload is unknown)."""
    return WORKLOAD_CLASSES.get(workload, "instruction_following")


def check_class(task_class: str) -> str:
    """A task class by name (case-insensitive), or KeyError with the closest."""
    return lookup_name("task class", task_class, CLASSES)
