"""Command line: `python -m tokenomics notebooks --out DIR` · `python -m tokenomics prices`."""

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

    pr = sub.add_parser("prices", help="regenerate the list rows of data/api_prices.csv from genai-prices")
    pr.add_argument("--dates", nargs="*", help="dates YYYY-MM-DD (default: the article's date and today)")

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
    if args.command == "prices":
        from .pricefeed import write_api_prices

        print(f"wrote {write_api_prices(args.dates)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
