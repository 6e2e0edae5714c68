"""Team-report batch speed: 8 teams with the kit's runner against papermill + nbconvert from the shell.

Baseline (what a user would script): for each team, `papermill team_report.ipynb out.ipynb -p ...` then
`jupyter nbconvert --to html --no-input out.ipynb`, one team after another. Kit: `run_team_reports` with
2 warm-kernel workers. Same run, same teams; the per-team baseline time is a median over the 8 teams.
Run: .venv/bin/python benchmarks/team_reports.py
"""

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tokenomics.advice import team_parameters
from tokenomics.reports import TEAM_NOTEBOOK, read_teams, run_team_reports

BIN = Path(sys.executable).parent
TEAMS = read_teams(Path(__file__).resolve().parent.parent / "data" / "teams.csv")
TEAMS = (TEAMS + [dict(t, team=f"{t['team']} (copy)") for t in TEAMS])[:8]


def baseline_one(team: dict, folder: Path) -> float:
    params = team_parameters(team)
    args = []
    for key, value in params.items():
        if value is not None:
            args += ["-r" if isinstance(value, str) else "-p", key, str(value)]
    out = folder / f"team{abs(hash(params['team']))}.ipynb"
    start = time.perf_counter()
    subprocess.run([str(BIN / "papermill"), str(TEAM_NOTEBOOK), str(out), "--cwd", str(TEAM_NOTEBOOK.parent),
                    "--no-progress-bar", *args], check=True, capture_output=True)
    subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(out)], check=True,
                   capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        per_team = [baseline_one(t, folder) for t in TEAMS]
        kit_runs = []
        for i in range(3):
            start = time.perf_counter()
            results = run_team_reports(TEAMS, folder / f"kit{i}", workers=2, progress=False)
            kit_runs.append(time.perf_counter() - start)
            assert all(r.status == "ok" for r in results), [r.error for r in results]
    serial = sum(per_team)
    kit = statistics.median(kit_runs)
    print(f"{len(TEAMS)} team reports on this machine:")
    print(f"  papermill + nbconvert, team after team: {serial:.1f} s (median {statistics.median(per_team):.1f} s a team)")
    print(f"  tokenomics runner, 2 workers:           {kit:.1f} s (median of {len(kit_runs)} runs)")
    print(f"  ratio shell / runner:                   {serial / kit:.1f}x (target >= 3x)")


if __name__ == "__main__":
    main()
