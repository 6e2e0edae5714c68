"""Command line: `python -m tokenomics notebooks --out DIR` · `reports --teams FILE | --usage SOURCE --out DIR`
· `company --teams FILE | --usage SOURCE --out DIR` · `prices` · `models build` ·
`models add CONFIG.json --name NAME [--source URL] [--as-of DATE]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tokenomics", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    nb = sub.add_parser("notebooks", help="execute the walk-through notebooks into HTML reports")
    nb.add_argument("--out", type=Path, required=True, help="output directory, e.g. reports/2026-11-28")
    nb.add_argument("--workers", type=int, default=2, help="parallel worker processes (default 2)")
    nb.add_argument("--timeout", type=float, default=600, help="seconds a cell may run (default 600)")

    rp = sub.add_parser("reports", help="one HTML report per team, from a teams CSV or a usage export")
    cp = sub.add_parser("company", help="the company's shared-fleet plan (company.html, plan.csv, "
                                        "company_summary.json) and every team's report")
    for p in (rp, cp):
        source = p.add_mutually_exclusive_group(required=True)
        source.add_argument("--teams", type=Path, help="teams CSV (see data/teams.csv)")
        source.add_argument("--usage", type=str, help="usage export (OpenAI, Anthropic, LiteLLM or the kit's CSV, "
                                                      "JSON lines or Parquet) or a LiteLLM database, postgresql://...")
        p.add_argument("--out", type=Path, required=True, help="output directory")
        p.add_argument("--workers", type=int, default=2, help="parallel worker processes (default 2)")
        p.add_argument("--timeout", type=float, default=300, help="seconds one team's report may take (default 300)")

    pr = sub.add_parser("prices", help="regenerate data/api_list_prices.csv and api_price_tiers.csv from genai-prices")
    pr.add_argument("--out", type=Path, help="directory to write into (default: data/)")

    md = sub.add_parser("models", help="the open-model catalog (data/open_models.csv) from config.json files")
    msub = md.add_subparsers(dest="action", required=True)
    build = msub.add_parser("build", help="regenerate data/open_models.csv from data/configs/ (make models)")
    build.add_argument("--out", type=Path, help="file to write (default: data/open_models.csv)")
    add = msub.add_parser("add", help="append one model read from its Hugging Face config.json")
    add.add_argument("config", type=Path, help="path to the model's config.json")
    add.add_argument("--name", required=True, help="catalog name, as the maker writes it (e.g. 'gpt-oss-120b')")
    add.add_argument("--source", default="", help="URL of the config (default: the file's own URI)")
    add.add_argument("--as-of", default="", help="date the config was read, YYYY-MM-DD (default: today)")
    add.add_argument("--catalog", type=Path, help="catalog file to append to (default: data/open_models.csv)")

    args = parser.parse_args(argv)
    if args.command == "notebooks":
        from .reports import render_walkthroughs

        if args.workers < 1:
            parser.error(f"--workers must be >= 1, got {args.workers}")
        results = render_walkthroughs(args.out, args.workers, args.timeout)
        failed = [r for r in results if r.status != "ok"]
        for r in failed:
            print(f"FAILED {r.name}: {r.error}", file=sys.stderr)
        print(f"{len(results) - len(failed)} of {len(results)} notebooks rendered into {args.out}/index.html")
        return 1 if failed else 0
    if args.command in ("reports", "company"):
        from .reports import read_teams, run_team_reports

        if args.workers < 1:
            parser.error(f"--workers must be >= 1, got {args.workers}")
        if args.timeout <= 0:
            parser.error(f"--timeout must be > 0, got {args.timeout}")
        try:
            if args.teams:
                rows, source_name = read_teams(args.teams), args.teams.name
            else:
                from .advice import teams_from_usage
                from .usage import mask_dsn, read_usage

                rows = teams_from_usage(read_usage(args.usage)).to_dict("records")
                source_name = "usage " + (mask_dsn(args.usage) if args.usage.startswith("postgresql")
                                          else Path(args.usage).name)
        except (OSError, ValueError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        results = run_team_reports(rows, args.out, args.workers, args.timeout,
                                   f"tokenomics — team reports from {source_name}")
        failed = [r for r in results if r.status != "ok"]
        for r in failed:
            print(f"FAILED {r.name}: {r.error}", file=sys.stderr)
        print(f"{len(results) - len(failed)} of {len(results)} team reports written to {args.out}/index.html")
        if args.command == "company":
            from .company import write_company
            from .reports import write_team_index

            summary = write_company(rows, args.out, results, f"tokenomics — company plan from {source_name}",
                                    source_name)
            write_team_index(results, args.out, f"tokenomics — team reports from {source_name}")  # now links the plan
            print(f"company plan: saves {summary['saving_usd_npv']:,.0f} USD (present value) against renting "
                  f"everything; written to {args.out}/company.html")
        return 1 if failed else 0
    if args.command == "models":
        return _models(args, parser)
    if args.command == "prices":
        from .pricefeed import write_api_prices

        print("wrote " + ", ".join(str(p) for p in write_api_prices(args.out)))
    return 0


def _models(args, parser) -> int:
    """`models build` and `models add`: errors (unknown architecture, duplicate name, bad file) exit 2, named."""
    from datetime import date

    from .configs import add_model, build_catalog

    if args.action == "build":
        try:
            print(f"wrote {build_catalog(args.out)}")
        except (OSError, ValueError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        return 0
    if args.as_of:
        try:
            date.fromisoformat(args.as_of)
        except ValueError:
            parser.error(f"--as-of must be a date YYYY-MM-DD, got {args.as_of!r}")
    try:
        row = add_model(args.config, args.name, source=args.source, as_of=args.as_of, catalog=args.catalog)
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"added {row['model']}: {row['total_params_b']:,.2f} B parameters ({row['active_params_b']:,.2f} B active), "
          f"layers {row['layer_pattern']}, native {row['native_format']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
