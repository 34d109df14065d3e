"""`eah-eval measures`: list, show, compute and catalogue the measures. Thin: parse, call, print."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from eah_eval.cli.output_paths import check_output_file
from eah_eval.data.csv_output import write_csv
from eah_eval.errors import OptionError


def add_parser(sub: Any, name: str, summary: str) -> None:
    """Register ``measures`` and its sub-commands."""
    from eah_eval.measures.definitions import (
        ABSENCE_BASES,
        EXCLUSION_CALENDARS,
        GROUPS,
        LEVELS,
        PERIODS,
    )

    parser = sub.add_parser(name, help=summary)
    msub = parser.add_subparsers(dest="measures_command", metavar="SUBCOMMAND")
    msub.add_parser("list", help="list the measures")
    show = msub.add_parser("show", help="print one measure's definition")
    show.add_argument("measure_id", metavar="ID")
    comp = msub.add_parser("compute", help="compute a measure into a tidy CSV")
    comp.add_argument("data_dir", metavar="DATA_DIR", help="folder of <table>.csv or .parquet")
    comp.add_argument("--measure", required=True, metavar="ID")
    comp.add_argument("--level", default="school", choices=LEVELS)
    comp.add_argument("--period", default=None, choices=PERIODS)
    comp.add_argument("--by", default=None, choices=GROUPS, metavar="GROUP",
                      help=f"pupil group: {', '.join(GROUPS)}")
    comp.add_argument("--hours-per-day", type=float, default=6.5)
    comp.add_argument("--absence-basis", default="termly", choices=ABSENCE_BASES)
    comp.add_argument("--lineage-rule", default="chain_successors",
                      choices=("chain_successors", "none"))
    comp.add_argument("--exclusion-calendar", default="dfe_exclusions", choices=EXCLUSION_CALENDARS,
                      help="terms for suspensions and exclusions: DfE's collection terms "
                           "(autumn from 1 Aug, summer from Easter Monday) or the standard ones")
    comp.add_argument("--engine", default="duckdb", choices=("duckdb", "spark"))
    comp.add_argument("--out", required=True, metavar="FILE.csv")
    cat = msub.add_parser("catalogue", help="write the generated measure catalogue (Markdown)")
    cat.add_argument("--out", default=None, metavar="FILE.md")


def _list() -> int:
    from eah_eval.measures.registry import list_measures

    measures = list_measures()
    width = max(len(m.id) for m in measures)
    for m in measures:
        print(f"{m.id:<{width}}  {m.title} [{m.unit_text}; {m.default_period}]")
    return 0


def _show(measure_id: str) -> int:
    from eah_eval.measures.catalogue import render_measure
    from eah_eval.measures.registry import get_measure

    print(render_measure(get_measure(measure_id)), end="")
    return 0


def _compute(args: argparse.Namespace) -> int:
    from eah_eval.measures.definitions import MeasureOptions
    from eah_eval.measures.engine import open_tables
    from eah_eval.measures.panel import compute
    from eah_eval.measures.registry import get_measure

    get_measure(args.measure)
    out = Path(args.out)
    if out.suffix.lower() != ".csv":
        raise OptionError(f"--out must be a .csv file; got {str(out)!r}")
    check_output_file(out)
    options = MeasureOptions(
        hours_per_day=args.hours_per_day,
        absence_basis=args.absence_basis,
        lineage_rule=args.lineage_rule,
        exclusion_calendar=args.exclusion_calendar,
    )
    ts = open_tables(Path(args.data_dir), engine=args.engine, lineage_rule=args.lineage_rule)
    result = compute(
        ts, args.measure, level=args.level, period=args.period, by=args.by, options=options
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(result.frame, out, float_format="%.10g")
    if ts.accounting is not None and len(ts.accounting):
        acc = ts.accounting
        read = int(acc["rows_read"].sum()) if "rows_read" in acc.columns else 0
        excl = int(acc["rows_excluded"].sum()) if "rows_excluded" in acc.columns else 0
        print(f"input: {read:,} rows read, {excl:,} excluded by validation", file=sys.stderr)
    print(result.describe(), file=sys.stderr)
    print(f"wrote {len(result.frame):,} rows to {out}", file=sys.stderr)
    return 0


def run(args: argparse.Namespace) -> int:
    """Run a ``measures`` sub-command."""
    command = getattr(args, "measures_command", None)
    if command == "list":
        return _list()
    if command == "show":
        return _show(args.measure_id)
    if command == "compute":
        return _compute(args)
    if command == "catalogue":
        from eah_eval.measures.catalogue import render_markdown, write_catalogue

        if args.out:
            check_output_file(args.out)
            print(f"wrote {write_catalogue(args.out)}", file=sys.stderr)
        else:
            sys.stdout.write(render_markdown())
        return 0
    print("usage: eah-eval measures {list,show,compute,catalogue} ...", file=sys.stderr)
    return 2
