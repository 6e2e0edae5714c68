"""Headless reports: HTML without code, an index, failures listed without stopping the others."""

from pathlib import Path

from tokenomics.reports import Job, render_walkthroughs, run_jobs, walkthrough_notebooks, write_index

NB01 = Path(__file__).resolve().parent.parent / "notebooks" / "01_api_pricing.ipynb"


def test_walkthroughs_are_numbered_in_reading_order():
    names = [p.name for p in walkthrough_notebooks()]
    assert names and names == sorted(names) and names[0] == "01_api_pricing.ipynb"


def test_a_failing_notebook_is_listed_and_the_others_still_render(tmp_path):
    jobs = [Job("good", NB01, "good.html"),
            Job("bad volume", NB01, "bad.html", {"workload_volume_tokens_per_month": -1.0}),
            Job("misspelt", NB01, "misspelt.html", {"workload_volume": 1e9})]
    good, bad, misspelt = run_jobs(jobs, tmp_path, workers=2, timeout_s=300, progress=False)
    assert good.status == "ok" and bad.status == "failed"
    assert bad.error == "ValueError: parameter workload_volume_tokens_per_month must be > 0, got -1.0"
    assert misspelt.error == ("unknown parameter 'workload_volume' (did you mean 'workload_volume_tokens_per_month'?) "
                              "for 01_api_pricing.ipynb; it takes: list_prices_as_of, workload_volume_tokens_per_month")
    html = (tmp_path / "good.html").read_text()
    assert "$19,500.00" in html and "What does renting cost?" in html
    assert "tk.monthly_api_cost" not in html and "import tokenomics" not in html  # no code cells
    assert not (tmp_path / "bad.html").exists()  # all or nothing
    assert (tmp_path / "good.html").stat().st_mode & 0o777 == 0o644
    assert 'href="index.html"' in html  # back to the index
    assert not list(tmp_path.glob(".*.tmp"))
    index = write_index([good, bad], tmp_path, "t <&> test").read_text()
    assert 'href="good.html"' in index and "bad.html" not in index and "t &lt;&amp;&gt; test" in index


def test_render_walkthroughs_writes_each_notebook_and_an_index_of_decisions(tmp_path, monkeypatch):
    # nbval executes every notebook already; here two show the renderer's job: HTML per notebook, the index
    # listing them after the team decisions found beside them
    two = [p for p in walkthrough_notebooks() if p.stem.startswith(("05", "07"))]
    monkeypatch.setattr("tokenomics.reports.walkthrough_notebooks", lambda: two)
    (tmp_path / "teams").mkdir()
    (tmp_path / "teams" / "summary.csv").write_text(
        "team,status,recommendation,start_month,own_share,saving_usd,confidence,current_api_usd_per_month,report,error\n"
        "'=cmd,ok,own,3,1.0,98519.2,0.68,4540.1,x.html,\n", encoding="utf-8")
    (tmp_path / "teams" / "company.html").write_text("<p>plan</p>", encoding="utf-8")
    (tmp_path / "teams" / "company_summary.json").write_text(
        '{"saving_usd_npv": 1234567, "saving_p10_usd": 1000, "saving_p90_usd": 2e6, "teams": 7, "teams_moving": 5, '
        '"source": "teams.csv"}', encoding="utf-8")
    results = render_walkthroughs(tmp_path, workers=2)
    assert all(r.status == "ok" for r in results), [r.error for r in results]
    assert {"05_scaling_projections.html", "07_article_claims.html"} <= {p.name for p in tmp_path.iterdir()}
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert index.index("=cmd") < index.index("Walk-through notebooks")  # decisions first, the name as written
    assert "$98,519" in index and "68 %" in index and "month 3" in index and 'href="teams/x.html"' in index
    assert "Teams from teams.csv" in index and "saves $1.23 M" in index and "5 of 7 teams move" in index
