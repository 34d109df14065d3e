"""`eah-eval measures`: list, show, compute and catalogue the measures. Thin: parse, call, print.

``measures list --json`` prints one JSON array, one object per measure
(``{"id", "title", "unit", "scale", "statistic", "default_period", "direction"}``);
``measures show ID --json`` prints one JSON object, every field of the measure's definition
plus ``unit``, ``multiplier`` and ``default_period``.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eah_eval.cli.options import add_data_argument, data_argument, print_json
from eah_eval.cli.output_paths import check_output_file
from eah_eval.data.csv_output import write_csv
from eah_eval.errors import OptionError

if TYPE_CHECKING:
    from eah_eval.measures.definitions import Measure


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
    listing = msub.add_parser("list", help="list the measures")
    listing.add_argument("--json", action="store_true",
                         help="print one JSON array, one object per measure")
    show = msub.add_parser("show", help="print one measure's definition")
    show.add_argument("measure_id", metavar="ID", help="measure id (see: eah-eval measures list)")
    show.add_argument("--json", action="store_true",
                      help="print the definition as one JSON object")
    comp = msub.add_parser("compute", help="compute a measure into a tidy CSV")
    add_data_argument(comp, positional=True)
    comp.add_argument("--measure", required=True, metavar="ID",
                      help="measure id (see: eah-eval measures list)")
    comp.add_argument("--level", default="school", choices=LEVELS,
                      help="unit level of the rows")
    comp.add_argument("--period", default=None, choices=PERIODS,
                      help="period grain (default: the measure's natural grain)")
    comp.add_argument("--by", default=None, choices=GROUPS, metavar="GROUP",
                      help=f"pupil group: {', '.join(GROUPS)} (default: no breakdown)")
    comp.add_argument("--hours-per-day", type=float, default=6.5, metavar="HOURS",
                      help="hours in a school day (turns hours into days)")
    comp.add_argument("--absence-basis", default="termly", choices=ABSENCE_BASES,
                      help="how persistent absence is judged: term by term or over the year")
    comp.add_argument("--lineage-rule", default="chain_successors",
                      choices=("chain_successors", "none"),
                      help="follow schools across URN changes, or keep each URN apart")
    comp.add_argument("--exclusion-calendar", default="dfe_exclusions", choices=EXCLUSION_CALENDARS,
                      help="terms for suspensions and exclusions: DfE's collection terms "
                           "(autumn from 1 Aug, summer from Easter Monday) or the standard ones")
    comp.add_argument("--engine", default="duckdb", choices=("duckdb", "spark"),
                      help="Ibis backend that computes the measure")
    comp.add_argument("--out", required=True, metavar="FILE.csv", help="CSV file to write")
    cat = msub.add_parser("catalogue", help="write the generated measure catalogue (Markdown)")
    cat.add_argument("--out", default=None, metavar="FILE.md",
                     help="file to write (default: print to standard output)")


def _list(as_json: bool) -> int:
    from eah_eval.measures.registry import list_measures

    measures = list_measures()
    if as_json:
        print_json([
            {"id": m.id, "title": m.title, "unit": m.unit_text, "scale": m.scale,
             "statistic": m.statistic, "default_period": m.default_period,
             "direction": m.direction}
            for m in measures
        ])
        return 0
    width = max(len(m.id) for m in measures)
    for m in measures:
        print(f"{m.id:<{width}}  {m.title} [{m.unit_text}; {m.default_period}]")
    return 0


def _show(measure_id: str, as_json: bool) -> int:
    from eah_eval.measures.catalogue import render_measure
    from eah_eval.measures.registry import get_measure

    measure = get_measure(measure_id)
    if as_json:
        print_json(measure_json(measure))
    else:
        print(render_measure(measure), end="")
    return 0


def measure_json(measure: Measure) -> dict[str, Any]:
    """Return a measure's definition as a JSON-ready object (``measures show --json``)."""
    out: dict[str, Any] = {
        k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(measure).items()
    }
    out.update(unit=measure.unit_text, multiplier=measure.multiplier,
               default_period=measure.default_period)
    return out


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
    ts = open_tables(Path(data_argument(args)), engine=args.engine, lineage_rule=args.lineage_rule)
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
        return _list(args.json)
    if command == "show":
        return _show(args.measure_id, args.json)
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
