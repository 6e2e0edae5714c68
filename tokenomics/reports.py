"""Headless reports: execute notebooks with papermill, export them as HTML without code, index them.

Each notebook runs in its own worker process with a timeout; one failure never stops the others,
and files appear whole or not at all (written to a temporary name, then renamed).
"""

from __future__ import annotations

import html
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"


@dataclass
class Job:
    """One notebook to execute into one HTML file."""

    name: str  # shown in the index
    notebook: Path
    html_name: str  # file name inside the output directory
    parameters: dict = field(default_factory=dict)


@dataclass
class Result:
    name: str
    html_name: str
    status: str  # "ok" or "failed"
    seconds: float
    title: str = ""
    error: str = ""


def walkthrough_notebooks(directory: Path = NOTEBOOK_DIR) -> list[Path]:
    """The numbered walk-through notebooks (01_*.ipynb ...), in reading order."""
    return sorted(p for p in directory.glob("[0-9][0-9]_*.ipynb"))


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temporary file in the same directory, then rename: readers never see half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def notebook_title(nb) -> str:
    """The first markdown heading of a notebook, without its #."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return ""


def to_html(nb) -> str:
    """HTML of an executed notebook with code cells and prompts hidden: outputs and prose only."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    return body


def run_job(job: Job, out_dir: Path, timeout_s: float) -> Result:
    """Execute `job` with papermill (cells time out after `timeout_s`) and write its HTML atomically."""
    import papermill as pm
    import nbformat

    start = time.perf_counter()
    try:
        nb = pm.execute_notebook(str(job.notebook), None, parameters=job.parameters, kernel_name="python3",
                                 progress_bar=False, cwd=str(job.notebook.parent),
                                 execution_timeout=timeout_s, report_mode=True)
        nb = nbformat.from_dict(nb)
        atomic_write_text(out_dir / job.html_name, to_html(nb))
        return Result(job.name, job.html_name, "ok", time.perf_counter() - start, notebook_title(nb))
    except Exception as exc:  # one failing job is reported, never fatal to the batch
        return Result(job.name, job.html_name, "failed", time.perf_counter() - start, error=_short_error(exc))


def _short_error(exc: Exception) -> str:
    """The last line of an exception, e.g. "ValueError: tokens_per_month must be >= 0, got -1"."""
    name = getattr(exc, "ename", type(exc).__name__)
    value = getattr(exc, "evalue", str(exc))
    return f"{name}: {value}".strip().splitlines()[-1][:500]


def run_jobs(jobs: list[Job], out_dir: Path, workers: int = 2, timeout_s: float = 600,
             progress: bool = True) -> list[Result]:
    """Run jobs in `workers` processes, with a progress bar; results in job order."""
    from tqdm import tqdm

    out_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Result] = {}
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(run_job, job, out_dir, timeout_s): job for job in jobs}
        for fut in tqdm(as_completed(futures), total=len(jobs), desc="reports", unit="nb",
                        disable=not progress, file=sys.stderr):
            job = futures[fut]
            try:
                results[job.html_name] = fut.result()
            except Exception as exc:  # a crashed worker process
                results[job.html_name] = Result(job.name, job.html_name, "failed", 0.0, error=_short_error(exc))
    return [results[j.html_name] for j in jobs]


def write_index(results: list[Result], out_dir: Path, heading: str) -> Path:
    """index.html linking every HTML written, and naming every failure with its error."""
    rows = []
    for r in results:
        label = html.escape(r.title or r.name)
        if r.status == "ok":
            cell = f'<a href="{html.escape(r.html_name, quote=True)}">{label}</a>'
        else:
            cell = f"{label}"
        rows.append(f"<tr><td>{cell}</td><td class='{r.status}'>{r.status}</td>"
                    f"<td>{r.seconds:.1f} s</td><td>{html.escape(r.error)}</td></tr>")
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{html.escape(heading)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto}}
td,th{{padding:.3rem .8rem;text-align:left}} .failed{{color:#b00}} .ok{{color:#070}}</style></head>
<body><h1>{html.escape(heading)}</h1>
<table><tr><th>report</th><th>status</th><th>time</th><th>error</th></tr>
{''.join(rows)}
</table></body></html>
"""
    path = out_dir / "index.html"
    atomic_write_text(path, page)
    return path


def render_walkthroughs(out_dir: Path, workers: int = 2, timeout_s: float = 600) -> list[Result]:
    """Execute every numbered notebook into `out_dir`/NN_name.html, plus index.html."""
    jobs = [Job(p.stem, p, f"{p.stem}.html") for p in walkthrough_notebooks()]
    results = run_jobs(jobs, out_dir, workers, timeout_s)
    write_index(results, out_dir, "tokenomics — walk-through notebooks")
    (out_dir / "notebooks.json").write_text(json.dumps([r.__dict__ for r in results], indent=1))
    return results
