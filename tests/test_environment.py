"""environment.yml (conda route) must list the same packages as pyproject.toml; the code passes its lint."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _conda_packages() -> set[str]:
    names, in_deps = set(), False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        stripped = line.split("#")[0].rstrip()
        if re.match(r"^\w", stripped):
            in_deps = stripped.startswith("dependencies:")
            continue
        if not in_deps or re.match(r"^\s*-\s*pip:\s*$", stripped):
            continue
        m = re.match(r"^(\s*)-\s*(.+)$", stripped)
        if not m:
            continue
        item = m.group(2).strip().strip('"')
        if item.startswith("-e") or item in ("pip", "python") or item.startswith("python="):
            continue
        names.add(_name(item))
    return names


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    wanted |= {_name(r) for extra in project["optional-dependencies"].values() for r in extra}
    listed = _conda_packages()
    assert listed == wanted, f"only in environment.yml: {listed - wanted}; only in pyproject.toml: {wanted - listed}"


def test_environment_yml_installs_the_package_in_editable_mode():
    assert '-e ".[test]"' in (ROOT / "environment.yml").read_text()


def test_the_code_passes_its_lint():
    # the rules in pyproject.toml [tool.ruff]: an unused import or an undefined name fails here, not in review
    run = subprocess.run([sys.executable, "-m", "ruff", "check", "tokenomics", "tests", "benchmarks"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
