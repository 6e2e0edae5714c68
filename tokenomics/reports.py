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


FILE_MODE = 0o644  # reports are read by others: owner writes, everyone reads


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temporary file in the same directory, then rename: readers never see half a file.
    The file is readable by others (0644), whatever the umask."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, FILE_MODE)
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


def to_html(nb, back: tuple[str, str] | None = None) -> str:
    """HTML of an executed notebook with code cells and prompts hidden: outputs and prose only.

    Cells tagged "report-hide" (a live widget, which a static page cannot run) are left out. `back`
    (label, relative link) puts a link back to the index at the top of the page.
    """
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={"report-hide"}), enabled=True)
    body, _ = exporter.from_notebook_node(nb)
    if back:
        label, href = back
        nav = (f'<nav style="font-family:system-ui,sans-serif;max-width:1100px;margin:.8rem auto 0 auto;'
               f'padding:0 1rem"><a href="{html.escape(href, quote=True)}">← {html.escape(label)}</a></nav>')
        at = body.index(">", body.index("<body")) + 1
        body = body[:at] + nav + body[at:]
    return body


def html_page(heading: str, body: str, back: tuple[str, str] | None = None) -> str:
    """One house page for the kit's indexes: heading (escaped), a body of HTML, an optional link back."""
    nav = (f'<nav><a href="{html.escape(back[1], quote=True)}">← {html.escape(back[0])}</a></nav>' if back else "")
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{html.escape(heading)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;line-height:1.45}}
table{{border-collapse:collapse;margin:.6rem 0 1.4rem 0}}
td,th{{padding:.4rem .8rem;text-align:left;vertical-align:top;border-bottom:1px solid #ddd}}
th{{border-bottom:2px solid #444}} td.num{{text-align:right;white-space:nowrap}}
.failed{{color:#b00}} .rent,.stay{{color:#c0504d;font-weight:600}} .own{{color:#1f4e79;font-weight:600}}
.hybrid{{color:#4f7f2f;font-weight:600}} .api{{color:#8064a2;font-weight:600}} .by_token{{color:#2f7f8f;font-weight:600}}
.note{{color:#555;font-size:.92rem}}</style></head>
<body>{nav}<h1>{html.escape(heading)}</h1>
{body}
</body></html>
"""


def run_job(job: Job, out_dir: Path, timeout_s: float) -> Result:
    """Execute `job` with papermill (cells time out after `timeout_s`) and write its HTML atomically."""
    import papermill as pm
    import nbformat

    start = time.perf_counter()
    unknown = unknown_parameters(job.notebook, job.parameters)
    if unknown:
        return Result(job.name, job.html_name, "failed", 0.0, error=unknown)
    km = start_kernel(job.notebook.parent)
    try:
        nb = pm.execute_notebook(str(job.notebook), None, parameters=job.parameters, kernel_name="python3",
                                 progress_bar=False, cwd=str(job.notebook.parent),
                                 execution_timeout=timeout_s, report_mode=True, km=km)
        nb = nbformat.from_dict(nb)
        atomic_write_text(out_dir / job.html_name, to_html(nb, back=("all reports", "index.html")))
        return Result(job.name, job.html_name, "ok", time.perf_counter() - start, notebook_title(nb))
    except Exception as exc:  # one failing job is reported, never fatal to the batch
        return Result(job.name, job.html_name, "failed", time.perf_counter() - start, error=_short_error(exc))
    finally:
        stop_kernel(km)


def start_kernel(cwd: Path):
    """A python3 kernel on Unix-socket (IPC) transport: nothing listens on TCP, so the kernel has no reason to
    warn about unencrypted TCP on every start."""
    from jupyter_client import KernelManager

    sockets = tempfile.mkdtemp(prefix="tokenomics-kernel-")  # absolute: the kernel runs in `cwd`, clients elsewhere
    km = KernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(sockets, "kernel"))
    km.start_kernel(cwd=str(cwd))
    return km


def stop_kernel(km) -> None:
    """Shut a kernel down politely (a forced kill makes it print 'KeyboardInterrupt caught in kernel')."""
    import shutil

    try:
        km.shutdown_kernel(now=False)
    except Exception:  # a kernel that will not stop politely is killed: quiet shutdown is a nicety
        km.shutdown_kernel(now=True)
    shutil.rmtree(os.path.dirname(km.ip), ignore_errors=True)


def unknown_parameters(notebook: Path, parameters: dict) -> str:
    """'' when every parameter is one the notebook declares; else one line naming the unknown ones (papermill
    alone would only warn, and the notebook would run on its defaults)."""
    import difflib

    import papermill as pm

    known = list(pm.inspect_notebook(str(notebook)))
    unknown = [name for name in parameters if name not in known]
    if not unknown:
        return ""
    said = ", ".join(f"{name!r}" + (f" (did you mean {hint[0]!r}?)" if (hint := difflib.get_close_matches(
        name, known, n=1, cutoff=0.6)) else "") for name in unknown)
    return f"unknown parameter{'s' if len(unknown) > 1 else ''} {said} for {notebook.name}; it takes: {', '.join(known)}"


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


def _company_summary(folder: Path) -> dict:
    """The company plan's company_summary.json beside a team run ({} when there is none or it cannot be read)."""
    import json

    try:
        got = json.loads((folder / "company_summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return got if isinstance(got, dict) and (folder / "company.html").exists() else {}


def _plan_sentence(summary: dict) -> str:
    """'saves $3.46 M over the horizon against renting everything (P10–P90 …); 5 of 7 teams move.'"""
    from . import present

    try:
        return (f"every team on one shared fleet saves {present.usd(summary['saving_usd_npv'])} against renting "
                f"everything (present value; P10–P90 {present.usd(summary['saving_p10_usd'])} to "
                f"{present.usd(summary['saving_p90_usd'])}); {summary['teams_moving']} of {summary['teams']} teams "
                "move.")
    except (KeyError, TypeError, ValueError):
        return "every team on one shared fleet, which moves first and when."


def write_index(results: list[Result], out_dir: Path, heading: str, team_dirs: list[Path] | None = None) -> Path:
    """The top index.html: first the decisions of every team report run beside it (from their summary.csv),
    then the walk-through notebooks, failures named with their error."""
    sections = []
    for folder in team_dirs or []:
        rows = read_summary(folder / "summary.csv")
        if rows:
            link = f"{folder.name}/index.html"
            company = _company_summary(folder)
            plan = (f'<p><a href="{html.escape(folder.name, quote=True)}/company.html">The company plan</a>: '
                    f"{html.escape(_plan_sentence(company))}</p>" if company else "")
            title = f"Teams from {company['source']}" if company.get("source") else f"Teams: {folder.name}"
            sections.append(f'<h2><a href="{html.escape(link, quote=True)}">{html.escape(title)}</a></h2>'
                            + plan + decision_table(rows, prefix=f"{folder.name}/"))
    items = []
    for r in results:
        label = html.escape(r.title or r.name)
        if r.status == "ok":
            items.append(f'<li><a href="{html.escape(r.html_name, quote=True)}">{label}</a></li>')
        else:
            items.append(f"<li>{label} — <span class='failed'>failed: {html.escape(r.error)}</span></li>")
    body = ("".join(sections) + "<h2>Walk-through notebooks</h2><ul>" + "".join(items) + "</ul>"
            + f"<p class='note'>{html.escape(generated_note())}</p>")
    path = out_dir / "index.html"
    atomic_write_text(path, html_page(heading, body))
    return path


def generated_note() -> str:
    """'Generated YYYY-MM-DD by tokenomics X.Y.Z': the date and version every page carries."""
    from datetime import date
    from importlib.metadata import version

    return f"Generated {date.today().isoformat()} by tokenomics {version('tokenomics-kit')}."


def render_walkthroughs(out_dir: Path, workers: int = 2, timeout_s: float = 600) -> list[Result]:
    """Execute every numbered notebook into `out_dir`/NN_name.html, plus index.html."""
    jobs = [Job(p.stem, p, f"{p.stem}.html") for p in walkthrough_notebooks()]
    results = run_jobs(jobs, out_dir, workers, timeout_s)
    team_dirs = sorted(p.parent for p in out_dir.glob("*/summary.csv"))
    write_index(results, out_dir, "tokenomics — rent or own: decisions and walk-throughs", team_dirs)
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

    from .scenario import Scenario

    start = time.perf_counter()
    try:
        Scenario.from_row(job.parameters)  # a bad field fails here, in one line naming it
        nb = pm.execute_notebook(str(job.notebook), None, parameters=job.parameters, kernel_name="python3",
                                 progress_bar=False, cwd=str(job.notebook.parent), report_mode=True, km=km)
        summary = _kernel_summary(km)  # the recommendation the report shows, not a second computation of it
        nb = nbformat.from_dict(nb)
        nb.metadata["title"] = f"{job.name} — tokenomics team report"
        atomic_write_text(out_dir / job.html_name, to_html(nb, back=("all teams", "index.html")))
        return TeamResult(job.name, job.html_name, "ok", time.perf_counter() - start, summary["headline"],
                          summary=summary)
    except Exception as exc:  # a failing team is listed, never fatal to the batch
        return TeamResult(job.name, job.html_name, "failed", time.perf_counter() - start, error=_short_error(exc))


def _kernel_summary(km) -> dict:
    """The executed report's summary row (`advice.recommendation_row` of its `recommendation`), read from the
    kernel that ran it through a private temporary file."""
    handle, name = tempfile.mkstemp(suffix=".json", prefix="tokenomics-summary-")
    os.close(handle)
    try:
        _run_code(km, "import json as _json\nfrom tokenomics.advice import recommendation_row as _row\n"
                      f"with open({name!r}, 'w', encoding='utf-8') as _fh:\n"
                      "    _json.dump(_row(recommendation), _fh, default=lambda v: v.item() if hasattr(v, 'item') "
                      "else str(v))", 120)
        text = Path(name).read_text(encoding="utf-8")
        if not text:
            raise RuntimeError("the report ran but its summary could not be read from the kernel")
        return json.loads(text)
    finally:
        os.unlink(name)


def _team_worker(inbox, outbox, out_dir: str) -> None:
    """A worker process: one warm kernel (imports paid once), reset between teams, reports run in turn."""
    km = start_kernel(NOTEBOOK_DIR)
    outbox.put(("ready", os.getpid(), km.provisioner.process.pid))
    try:
        _run_code(km, "import tokenomics.advice, tokenomics.plots, matplotlib_inline", 300)
        while (job := inbox.get()) is not None:
            _run_code(km, "%reset -f", 60)  # a clean namespace per team; imported modules stay warm
            outbox.put(("done", job.html_name, _team_job_run(job, Path(out_dir), km)))
    finally:
        stop_kernel(km)


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


SUMMARY_COLUMNS = ["team", "status", "recommendation", "start_month", "own_share", "headline", "saving_usd",
                   "p_saving", "confidence", "saving_p10_usd", "saving_p90_usd", "api_model", "api_provider",
                   "recommended_model", "candidate", "quality_class", "quality_floor", "current_quality",
                   "recommended_quality", "open_model", "gpu", "deployment", "gpu_mode", "tokens_per_month",
                   "current_api_usd_per_month",
                   "recorded_api_usd_per_month", "bill_difference_share", "unpriced_share", "own_usd_per_month",
                   "break_even_tokens_per_month", "prices_as_of", "usage_first_date", "usage_last_date",
                   "usage_days_observed", "report", "error"]
#: OWASP "CSV injection": a spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A CSV cell a spreadsheet shows as text: text starting like a formula gets a leading apostrophe
    (OWASP's rule), numbers stay numbers, None and NaN become empty."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):  # no float noise (2.2e-16 for an exact match) in a file people open, but small
        return f"{0.0 if abs(value) < 1e-12 else value:.12g}"  # prices (7.2e-08 USD a token) keep their digits
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_safe_csv(path: Path, rows: list[dict], columns: list[str]) -> None:
    """Write `rows` as CSV (atomic, 0644) with every text cell neutralised by `safe_cell`."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: safe_cell(row.get(c)) for c in columns})
    atomic_write_text(path, buffer.getvalue())


def read_summary(path: Path) -> list[dict]:
    """Rows of a summary.csv this module wrote (apostrophes it added removed again), [] if absent."""
    import csv

    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        for k, v in row.items():
            if isinstance(v, str) and v.startswith("'") and v[1:].startswith(FORMULA_STARTS):
                row[k] = v[1:]
    return rows


def decision_table(rows: list[dict], prefix: str = "") -> str:
    """The decision table a manager reads: team (linked), recommendation, start, saving, confidence, bill."""
    from . import present

    def number(v):
        try:
            return float(v)
        except (TypeError, ValueError):
            return float("nan")

    body = []
    for r in rows:
        name = html.escape(r["team"])
        if r["status"] != "ok":
            body.append(f"<tr><td>{name}</td><td colspan='5' class='failed'>not reported: "
                        f"{html.escape(r['error'])}</td></tr>")
            continue
        link = f'<a href="{html.escape(prefix + r["report"], quote=True)}">{name}</a>'
        rec = r["recommendation"]
        what = verdict_words(r)
        start = present.month(number(r.get("start_month")), never="—")
        saving = present.usd(number(r.get("saving_usd"))) if rec not in ("rent", "stay") else "—"
        confidence = present.share(number(r.get("confidence")))
        body.append(f"<tr><td>{link}</td><td class='{rec}'>{html.escape(what)}</td><td>{html.escape(start)}</td>"
                    f"<td class='num'>{html.escape(saving)}</td><td class='num'>{html.escape(confidence)}</td>"
                    f"<td class='num'>{html.escape(present.usd(number(r.get('current_api_usd_per_month'))))}</td></tr>")
    return ("<table><tr><th>team</th><th>recommendation</th><th>start</th><th>saving (present value)</th>"
            "<th>confidence</th><th>API bill today, a month</th></tr>" + "".join(body) + "</table>")


def verdict_words(summary: dict) -> str:
    """A team report's recommendation in words ('switch to GPT-5 mini', 'hybrid: 40 % on gpt-oss-120b')."""
    from . import present

    rec = summary.get("recommendation", "")
    model = summary.get("recommended_model", "") or summary.get("open_model", "")
    try:
        share = float(summary.get("own_share"))
    except (TypeError, ValueError):
        share = float("nan")
    return {"rent": "rent", "stay": "stay", "api": f"switch to {model}", "by_token": f"rent {model} by the token",
            "own": f"own {model}", "hybrid": f"hybrid: {present.share(share)} on {model}"}.get(rec, rec or "—")


def write_team_index(results: list[TeamResult], out_dir: Path, heading: str) -> Path:
    """index.html (the decision table, failures with their error; the company plan linked when written beside
    it) and summary.csv, both atomic."""
    rows = [r.summary | {"team": r.name, "status": r.status, "error": r.error,
                         "report": r.html_name if r.status == "ok" else ""} for r in results]
    write_safe_csv(out_dir / "summary.csv", rows, SUMMARY_COLUMNS)
    failed = sum(r.status != "ok" for r in results)
    body = (f"<p>{len(results) - failed} of {len(results)} team reports written"
            f"{f'; {failed} not reported (listed with the reason)' if failed else ''}. Each saving is a present "
            "value over the team's horizon; confidence is the share of Monte Carlo scenarios in which the "
            "recommendation is the cheaper choice.</p>"
            + ("<p><a href='company.html'>The company plan</a>: all these teams on one shared fleet.</p>"
               if (out_dir / "company.html").exists() else "")
            + decision_table(read_summary(out_dir / "summary.csv"))
            + f"<p class='note'>{html.escape(generated_note())}</p>")
    atomic_write_text(out_dir / "index.html", html_page(heading, body, back=("all reports", "../index.html")))
    return out_dir / "index.html"


def read_teams(path) -> list[dict]:
    """Rows of a teams CSV as dicts of text (types are checked per team by `Scenario.from_row`)."""
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
    from .scenario import Scenario

    taken: set[str] = set()
    jobs, checked = [], []
    for row in rows:
        name = str(row.get("team", "")).strip() or "(unnamed team)"
        html_name = safe_filename(name, taken)
        try:
            if name == "(unnamed team)":
                raise ValueError("team: empty name; every team needs one")
            if row.get("error"):  # found unusable before any parameter was set (e.g. nothing in its usage is priced)
                raise ValueError(row["error"])
            row = {k: v for k, v in row.items() if k != "error"}
            params = Scenario.from_row(row).as_dict()  # typed: numbers as numbers, the team name stays text
        except (ValueError, KeyError) as err:
            checked.append(TeamResult(name, html_name, "failed", 0.0, error=str(err.args[0] if err.args else err)))
            continue
        jobs.append(Job(name, TEAM_NOTEBOOK, html_name, params))
        checked.append(None)
    ran = iter(run_team_jobs(jobs, out_dir, workers, timeout_s, progress)) if jobs else iter(())
    results = [r if r is not None else next(ran) for r in checked]
    out_dir.mkdir(parents=True, exist_ok=True)
    write_team_index(results, out_dir, heading)
    return results
