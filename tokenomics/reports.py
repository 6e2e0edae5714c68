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
    """The numbered walk-through notebooks (01_*.ipynb ...) in reading order, then the explorer."""
    return sorted(directory.glob("[0-9][0-9]_*.ipynb")) + sorted(directory.glob("explorer.ipynb"))


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
    """HTML of an executed notebook with code cells and prompts hidden: outputs and prose only.

    Cells tagged "report-hide" (a live widget, which a static page cannot run) are left out.
    """
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={"report-hide"}), enabled=True)
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


def write_index(results: list[Result], out_dir: Path, heading: str, links: dict[str, str] | None = None) -> Path:
    """index.html linking every HTML written, naming every failure with its error; `links` adds
    other reports (label -> relative path), such as the per-team indexes."""
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
</table>
{"<h2>Team reports</h2><ul>" + "".join(f'<li><a href="{html.escape(href, quote=True)}">{html.escape(label)}</a></li>'
                                      for label, href in (links or {}).items()) + "</ul>" if links else ""}
</body></html>
"""
    path = out_dir / "index.html"
    atomic_write_text(path, page)
    return path


def render_walkthroughs(out_dir: Path, workers: int = 2, timeout_s: float = 600) -> list[Result]:
    """Execute every numbered notebook into `out_dir`/NN_name.html, plus index.html."""
    jobs = [Job(p.stem, p, f"{p.stem}.html") for p in walkthrough_notebooks()]
    results = run_jobs(jobs, out_dir, workers, timeout_s)
    teams = {p.parent.name: p.relative_to(out_dir).as_posix() for p in sorted(out_dir.glob("*/index.html"))}
    write_index(results, out_dir, "tokenomics — walk-through notebooks", links=teams)
    (out_dir / "notebooks.json").write_text(json.dumps([r.__dict__ for r in results], indent=1))
    return results


# ---- per-team reports -------------------------------------------------------------------------------

TEAM_NOTEBOOK = NOTEBOOK_DIR / "team_report.ipynb"
MAX_NAME_CHARS = 80
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def safe_filename(name: str, taken: set[str]) -> str:
    """A file name for `name` that is safe and unique in `taken` (case-insensitive), ending in .html.

    Path separators, control and shell-special characters become '_'; no leading dots, so no '..';
    letters of any script are kept readable (NFKC); at most MAX_NAME_CHARS characters, with a short
    hash of the full name when cut or when another team already has the name.
    """
    import hashlib
    import re
    import unicodedata

    text = unicodedata.normalize("NFKC", str(name))
    text = "".join(ch if (ch.isalnum() or ch in "-_.() ") else "_" for ch in text)
    text = re.sub(r"\s+", "-", text.strip()).strip(".-_") or "team"
    digest = hashlib.sha1(str(name).encode("utf-8")).hexdigest()[:8]
    if len(text) > MAX_NAME_CHARS:
        text = f"{text[:MAX_NAME_CHARS].rstrip('.-_')}-{digest}"
    if text.lower() in _RESERVED:
        text = f"team-{text}"
    candidate, n = text, 2
    while f"{candidate}.html".lower() in taken:
        candidate = f"{text}-{digest}" if n == 2 else f"{text}-{digest}-{n}"
        n += 1
    taken.add(f"{candidate}.html".lower())
    return f"{candidate}.html"


@dataclass
class TeamResult(Result):
    summary: dict = field(default_factory=dict)


def _team_job_run(job: Job, out_dir: Path, km) -> TeamResult:
    """Execute one team's report in the worker's warm kernel and write its HTML; summarise its headline."""
    import nbformat
    import papermill as pm

    from .advice import team_parameters, team_summary

    start = time.perf_counter()
    try:
        summary = team_summary(team_parameters(job.parameters))
        nb = pm.execute_notebook(str(job.notebook), None, parameters=job.parameters, kernel_name="python3",
                                 progress_bar=False, cwd=str(job.notebook.parent), report_mode=True, km=km)
        nb = nbformat.from_dict(nb)
        nb.metadata["title"] = f"{job.name} — tokenomics team report"
        atomic_write_text(out_dir / job.html_name, to_html(nb))
        return TeamResult(job.name, job.html_name, "ok", time.perf_counter() - start, summary["headline"],
                          summary=summary)
    except Exception as exc:  # a failing team is listed, never fatal to the batch
        return TeamResult(job.name, job.html_name, "failed", time.perf_counter() - start, error=_short_error(exc))


def _team_worker(inbox, outbox, out_dir: str) -> None:
    """A worker process: one warm kernel (imports paid once), reset between teams, reports run in turn."""
    from jupyter_client import KernelManager

    km = KernelManager(kernel_name="python3")
    km.start_kernel(cwd=str(NOTEBOOK_DIR))
    outbox.put(("ready", os.getpid(), km.provisioner.process.pid))
    try:
        _run_code(km, "import tokenomics.advice, tokenomics.plots, matplotlib_inline", 300)
        while (job := inbox.get()) is not None:
            _run_code(km, "%reset -f", 60)  # a clean namespace per team; imported modules stay warm
            outbox.put(("done", job.html_name, _team_job_run(job, Path(out_dir), km)))
    finally:
        km.shutdown_kernel(now=True)


def _run_code(km, code: str, timeout_s: float) -> None:
    """Run `code` in the kernel with a fresh client (a client outlives no papermill run: its replies stop)."""
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        kc.execute_interactive(code, timeout=timeout_s)
    finally:
        kc.stop_channels()


def _kill(pids) -> None:
    import signal

    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, TypeError):
            pass


def run_team_jobs(jobs: list[Job], out_dir: Path, workers: int = 2, timeout_s: float = 300,
                  progress: bool = True) -> list[TeamResult]:
    """Run team reports on `workers` warm-kernel processes; a report over `timeout_s` is killed and listed."""
    import multiprocessing as mp
    import queue

    from tqdm import tqdm

    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = mp.get_context("spawn")
    outbox = ctx.Queue()
    pending = list(jobs)
    results: dict[str, TeamResult] = {}
    slots: dict[int, dict] = {}

    def spawn(slot: int) -> None:
        inbox = ctx.Queue()
        proc = ctx.Process(target=_team_worker, args=(inbox, outbox, str(out_dir)), daemon=True)
        proc.start()
        slots[slot] = {"proc": proc, "inbox": inbox, "job": None, "since": None, "pids": [proc.pid]}

    def feed(slot: int) -> None:
        s = slots[slot]
        if pending and s["job"] is None and len(s["pids"]) > 1:
            s["job"], s["since"] = pending.pop(0), time.monotonic()
            s["inbox"].put(s["job"])

    for slot in range(max(1, min(workers, len(jobs)))):
        spawn(slot)
    bar = tqdm(total=len(jobs), desc="team reports", unit="team", disable=not progress, file=sys.stderr)
    try:
        while len(results) < len(jobs):
            try:
                kind, key, value = outbox.get(timeout=0.2)
            except queue.Empty:
                kind = None
            if kind == "ready":
                slot = next(i for i, s in slots.items() if s["proc"].pid == key)
                slots[slot]["pids"].append(value)
            elif kind == "done":
                results[key] = value
                slot = next(i for i, s in slots.items() if s["job"] is not None and s["job"].html_name == key)
                slots[slot]["job"] = None
                bar.update(1)
            for slot, s in list(slots.items()):
                job = s["job"]
                if job is not None and time.monotonic() - s["since"] > timeout_s:
                    _kill(s["pids"][::-1])
                    results[job.html_name] = TeamResult(job.name, job.html_name, "failed", timeout_s,
                                                        error=f"timed out after {timeout_s:g} s")
                    bar.update(1)
                    if pending:
                        spawn(slot)
                    else:
                        s["job"] = None
                elif job is None and not s["proc"].is_alive() and pending:
                    spawn(slot)
                feed(slot)
    finally:
        bar.close()
        for s in slots.values():
            if s["proc"].is_alive():
                s["inbox"].put(None)
        for s in slots.values():
            s["proc"].join(timeout=20)
            if s["proc"].is_alive():
                _kill(s["pids"][::-1])
    return [results[j.html_name] for j in jobs]


SUMMARY_COLUMNS = ["team", "status", "recommendation", "start_month", "headline", "tokens_per_month",
                   "current_api_usd_per_month", "own_usd_per_month", "break_even_tokens_per_month",
                   "crossover_month_own", "best_hybrid_own_share", "report", "error"]


def write_team_index(results: list[TeamResult], out_dir: Path, heading: str) -> Path:
    """index.html (each team with its headline, failures with their error) and summary.csv, both atomic."""
    import csv
    import io

    rows = []
    for r in results:
        name = html.escape(r.name)
        if r.status == "ok":
            cell = f'<a href="{html.escape(r.html_name, quote=True)}">{name}</a>'
            detail = html.escape(r.title)
        else:
            cell, detail = name, f"<span class='failed'>failed: {html.escape(r.error)}</span>"
        rows.append(f"<tr><td>{cell}</td><td>{detail}</td></tr>")
    failed = sum(r.status != "ok" for r in results)
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{html.escape(heading)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto}}
td,th{{padding:.4rem .8rem;text-align:left;vertical-align:top}} tr:nth-child(even){{background:#f4f4f4}}
.failed{{color:#b00}}</style></head>
<body><h1>{html.escape(heading)}</h1>
<p>{len(results) - failed} of {len(results)} team reports written{f"; {failed} failed" if failed else ""}.</p>
<table><tr><th>team</th><th>headline</th></tr>
{''.join(rows)}
</table></body></html>
"""
    atomic_write_text(out_dir / "index.html", page)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUMMARY_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for r in results:
        writer.writerow(r.summary | {"team": r.name, "status": r.status, "error": r.error,
                                     "report": r.html_name if r.status == "ok" else ""})
    atomic_write_text(out_dir / "summary.csv", buffer.getvalue())
    return out_dir / "index.html"


def read_teams(path) -> list[dict]:
    """Rows of a teams CSV as dicts of text (types are checked per team by `advice.team_parameters`)."""
    import csv

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: file not found")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "team" not in reader.fieldnames:
            raise ValueError(f"{path}: expected a header row with a 'team' column, got {reader.fieldnames}")
        rows = []
        for i, row in enumerate(reader, start=1):
            if None in row:
                raise ValueError(f"{path}, row {i}: more fields than the header has")
            rows.append({k: v for k, v in row.items() if k not in ("source", "notes")})
    return rows


def run_team_reports(rows: list[dict], out_dir: Path, workers: int = 2, timeout_s: float = 300,
                     heading: str = "tokenomics — team reports", progress: bool = True) -> list[TeamResult]:
    """Check every team, run the good ones, list the bad ones with the field that was wrong; write the index."""
    from .advice import TeamError, team_parameters

    taken: set[str] = set()
    jobs, checked = [], []
    for row in rows:
        name = str(row.get("team", "")).strip() or "(unnamed team)"
        html_name = safe_filename(name, taken)
        try:
            params = team_parameters(row)  # typed: numbers as numbers, the team name stays text
        except (TeamError, ValueError, KeyError) as err:
            checked.append(TeamResult(name, html_name, "failed", 0.0, error=str(err.args[0] if err.args else err)))
            continue
        jobs.append(Job(name, TEAM_NOTEBOOK, html_name, params))
        checked.append(None)
    ran = iter(run_team_jobs(jobs, out_dir, workers, timeout_s, progress)) if jobs else iter(())
    results = [r if r is not None else next(ran) for r in checked]
    out_dir.mkdir(parents=True, exist_ok=True)
    write_team_index(results, out_dir, heading)
    return results
