"""Notebooks as documents: each has a text twin in step with it, a question first, a parameters cell
checked in the very next cell, and no formula that needs MathJax to read."""

import json
import re
from pathlib import Path

import jupytext
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_text_twin_is_in_step(notebook):
    twin = notebook.with_suffix(".py")
    assert twin.exists(), f"{twin.name} is missing: run `make sync`"
    rendered = jupytext.writes(jupytext.read(notebook), fmt="py:percent")
    assert rendered == twin.read_text(encoding="utf-8"), f"{twin.name} is stale: run `make sync` and commit both"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_question_first_then_parameters_then_their_check(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    assert cells[0]["cell_type"] == "markdown" and "".join(cells[0]["source"]).startswith("# ")
    assert "**Question.**" in "".join(cells[0]["source"])
    assert "parameters" in cells[1]["metadata"].get("tags", [])
    check = "".join(cells[2]["source"])
    assert "notebook_parameters(globals()" in check or "Scenario.from_row(" in check


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_prose_needs_no_mathjax(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    prose = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert not re.search(r"(?<!\\)\$[^$\s][^$]*\\[a-z]+", prose), "LaTeX in markdown renders as raw text offline"
    assert "$$" not in prose
