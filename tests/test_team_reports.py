"""Per-team reports: odd names, a bad team among good ones, a timeout, the index and summary, the CLI."""

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tokenomics.reports import read_teams, run_team_reports, safe_cell, safe_filename

ODD_NAMES = ['Quote "team" \'s', "slash/and\\back", "..", "../../etc/passwd", "<script>alert(1)</script>",
             "Équipe données 東京", "x" * 240, "007", "CON", '=HYPERLINK("http://x.example","click")', "+1+1",
             "@SUM(1+1)", "-2+3"]


#: The names rendered end to end (each one a full report): quotes, separators, dot-dot, HTML, non-ASCII, digits,
#: and spreadsheet formulas. Every name of ODD_NAMES goes through safe_filename below.
RENDERED_NAMES = [ODD_NAMES[i] for i in (0, 3, 4, 5, 7, 9)]


@pytest.mark.parametrize("value, cell", [("=SUM(1+1)", "'=SUM(1+1)"), ("+1+1", "'+1+1"), ("-2+3", "'-2+3"),
                                         ("@SUM(1)", "'@SUM(1)"), ("\tx", "'\tx"), ("team a", "team a"),
                                         (-5.0, "-5"), (3, 3), (float("nan"), ""), (None, ""),
                                         (7.178520244170767e-08, "7.17852024417e-08"), (2.2e-16, "0"),
                                         (0.1 + 0.2, "0.3")])
def test_spreadsheet_formulas_are_written_as_text(value, cell):
    assert safe_cell(value) == cell


def test_safe_filenames():
    taken: set[str] = set()
    names = [safe_filename(n, taken) for n in ODD_NAMES + ["007", "ÉQUIPE DONNÉES 東京"]]
    assert len(set(n.lower() for n in names)) == len(names)  # unique, even case-insensitively
    for n in names:
        assert "/" not in n and "\\" not in n and not n.startswith(".") and n.endswith(".html")
        assert len(n) <= 80 + 9 + 5 + 3 and "<" not in n and '"' not in n
    assert names[5].startswith("Équipe-données-東京")  # non-ASCII kept readable
    assert names[7] == "007.html" and names[8] == "team-CON.html"


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    out = tmp_path_factory.mktemp("teams")
    rows = [{"team": n, "tokens_per_month": "2e9", "workload": "chat"} for n in RENDERED_NAMES]
    rows.insert(2, {"team": "Negative", "tokens_per_month": "-5"})
    rows.insert(4, {"team": "Bad model", "api_model": "gpt-5000"})
    return out, run_team_reports(rows, out, workers=2, timeout_s=300, progress=False)


def test_bad_teams_are_listed_and_the_others_still_render(batch):
    out, results = batch
    by_name = {r.name: r for r in results}
    assert by_name["Negative"].status == "failed"
    assert by_name["Negative"].error == "tokens_per_month must be > 0, got -5.0"
    assert by_name["Bad model"].error.startswith("api_model: unknown API model 'gpt-5000'")
    good = [r for r in results if r.name not in ("Negative", "Bad model")]
    assert all(r.status == "ok" for r in good), [r.error for r in good]
    for r in good:
        assert (out / r.html_name).resolve().parent == out.resolve()  # nothing escapes the output folder
    assert sorted(p.name for p in out.iterdir()) == sorted([r.html_name for r in good] + ["index.html", "summary.csv"])


def test_names_are_escaped_and_types_kept(batch):
    out, results = batch
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in index and "&lt;script&gt;alert(1)&lt;/script&gt;" in index
    script = next(r for r in results if r.name.startswith("<script>"))
    page = (out / script.html_name).read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    bond = (out / "007.html").read_text(encoding="utf-8")
    assert "tokenomics team report · 007" in bond  # a string, not the number 7
    assert "Équipe données 東京" in index
    with (out / "summary.csv").open(encoding="utf-8") as fh:
        rows = {r["team"]: r for r in csv.DictReader(fh)}
    assert rows["007"]["status"] == "ok" and rows["Negative"]["status"] == "failed"
    assert rows["'" + '=HYPERLINK("http://x.example","click")']["status"] == "ok"  # text in a spreadsheet


def test_headline_comes_first_dated_and_linked_back(batch):
    out, _ = batch
    page = (out / "007.html").read_text(encoding="utf-8")
    body = page[page.index("<body"):]
    assert body.index("tokenomics team report") < body.index("Which model for this workload")
    assert body.index('href="index.html"') < body.index("tokenomics team report")  # back to the index, at the top
    assert "import tokenomics" not in page and "Scenario.from_row" not in page  # no code cells
    assert re.search(r"list price as of \d{4}-\d{2}-\d{2}; volume as stated", page)
    assert re.search(r"generated \d{4}-\d{2}-\d{2} by tokenomics \d", page)


def test_no_raw_numbers_on_any_page(batch):
    out, results = batch
    for r in results:
        if r.status != "ok":
            continue
        page = (out / r.html_name).read_text(encoding="utf-8")
        text = re.sub(r"<(style|script)[^>]*>.*?</\1>|<[^>]+>|data:image/png;base64,[A-Za-z0-9+/=]+", " ", page, flags=re.S)
        for raw in (r"\b\d\.\d+e[+-]\d+", r"\bNaN\b", r"\binf\b", r"\bNone\b"):
            assert not re.search(raw, text), (r.name, raw, re.search(raw, text))


def test_files_are_readable_by_others(batch):
    out, _ = batch
    for path in out.iterdir():
        assert path.stat().st_mode & 0o777 == 0o644, path.name


def test_index_is_a_decision_table(batch):
    out, results = batch
    index = (out / "index.html").read_text(encoding="utf-8")
    for column in ("recommendation", "start", "saving (present value)", "confidence"):
        assert f"<th>{column}</th>" in index
    assert "not reported: tokens_per_month must be &gt; 0, got -5.0" in index


def test_a_report_over_its_timeout_is_killed_and_listed(tmp_path):
    results = run_team_reports([{"team": "slow"}], tmp_path, workers=1, timeout_s=0.5, progress=False)
    assert results[0].status == "failed" and results[0].error == "timed out after 0.5 s"
    assert not (tmp_path / "slow.html").exists()


def test_cli_exits_non_zero_when_a_team_fails(tmp_path):
    teams = tmp_path / "teams.csv"
    teams.write_text("team,tokens_per_month\nfine,1e9\nbroken,-1\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "tokenomics", "reports", "--teams", str(teams), "--out",
                          str(tmp_path / "out"), "--workers", "1"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 1
    assert "FAILED broken: tokens_per_month must be > 0, got -1.0" in run.stderr
    assert (tmp_path / "out" / "fine.html").exists()


def test_read_teams_errors(tmp_path):
    bad = tmp_path / "t.csv"
    bad.write_text("name,x\na,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expected a header row with a 'team' column"):
        read_teams(bad)
    with pytest.raises(FileNotFoundError):
        read_teams(tmp_path / "none.csv")
    assert read_teams(Path(__file__).resolve().parent.parent / "data" / "teams.csv")[0]["team"] == "Customer support"
