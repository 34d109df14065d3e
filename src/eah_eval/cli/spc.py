"""`eah-eval spc`: a control chart of one series from a CSV file.

Parses, calls :mod:`eah_eval.monitor`, prints. Option values are checked by the package (one
vocabulary), so a bad value gives one line naming the allowed values and a non-zero exit.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from eah_eval.cli.options import add_data_argument, data_argument, parse_number
from eah_eval.errors import DataFileNotFoundError, OptionError, TrialLimitsWarning, check_option
from eah_eval.monitor import ControlChart, p_prime, u_prime, xmr
from eah_eval.monitor.settings import (
    CHART_TYPES,
    DIRECTIONS,
    RUN_LENGTHS,
    TWO_OF_THREE_CONVENTIONS,
)


def add_parser(sub: Any, name: str, summary: str) -> None:
    """Register the ``spc`` sub-command."""
    p = sub.add_parser(
        name,
        help=summary,
        description=(
            "Make a Making Data Count control chart of one series. Prints the chart summary, "
            "or with --json exactly {points: [{period, value, centre, lower, upper, rule}], "
            "variation, assurance}."
        ),
    )
    add_data_argument(p, metavar="SERIES.csv", help="CSV file, one row per period",
                      positional=True)
    p.add_argument("--value", metavar="COL", help="column of values (numerator with a denominator)")
    p.add_argument("--period", metavar="COL",
                   help="column of periods (default: row order 1..n)")
    p.add_argument("--denominator", metavar="COL", help="column of denominators")
    p.add_argument(
        "--chart",
        default="xmr",
        metavar="TYPE",
        help="xmr, p_prime or u_prime; xmr with a denominator charts value/denominator",
    )
    p.add_argument(
        "--direction",
        default="none",
        metavar="DIR",
        help="improvement direction: higher, lower or none",
    )
    p.add_argument("--target", metavar="X", help="target for the assurance icon")
    p.add_argument(
        "--rebase", nargs="+", default=[], metavar="PERIOD", help="periods where limits restart"
    )
    p.add_argument("--run-length", default="7", metavar="N",
                   help="points in a run that signal a shift: 7 or 6")
    p.add_argument(
        "--two-of-three",
        default="nhse_2023",
        metavar="CONVENTION",
        help="rule for two of three points near a limit: nhse_2023 or nhsr",
    )
    p.add_argument(
        "--screen-outliers",
        action="store_true",
        help="screen moving ranges >= 3.267 x mean (off by default, as NHS England's tool)",
    )
    p.add_argument("--fix-after", metavar="N",
                   help="compute limits from the first N points (default: from all points)")
    p.add_argument("--multiplier", default="1", metavar="K", help="scale for p'/u' (e.g. 100)")
    p.add_argument("--json", action="store_true", help="print the chart as JSON")


def chart_from_args(args: argparse.Namespace) -> ControlChart:
    """Build the chart the arguments ask for (raises EahEvalError subclasses on bad input)."""
    check_option("--chart", args.chart, CHART_TYPES)
    check_option("--direction", args.direction, DIRECTIONS)
    check_option("--two-of-three", args.two_of_three, TWO_OF_THREE_CONVENTIONS)
    check_option("--run-length", args.run_length, tuple(str(n) for n in RUN_LENGTHS))
    if args.value is None:
        raise OptionError("--value COL is required")
    path = Path(data_argument(args))
    if not path.is_file():
        raise DataFileNotFoundError(f"series file {str(path)!r} not found")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise OptionError(f"could not read {str(path)!r} as CSV: {exc}") from None
    if args.chart != "xmr" and args.denominator is None:
        raise OptionError(f"--chart {args.chart} needs --denominator COL")
    common: dict[str, Any] = {
        "improvement_direction": args.direction,
        "target": parse_number("--target", args.target, float),
        "run_length": parse_number("--run-length", args.run_length, int),
        "two_of_three": args.two_of_three,
        "screen_outliers": args.screen_outliers,
        "rebase": list(args.rebase),
        "fix_after_n_points": parse_number("--fix-after", args.fix_after, int),
    }
    for col in (args.value, args.period, args.denominator):
        if col is not None and col not in frame.columns:
            raise OptionError(
                f"column {col!r} not in {path.name}; columns are {', '.join(frame.columns)}"
            )
    if args.chart == "xmr":
        if args.denominator is not None:
            # read as text first: a column of true/false would otherwise stay boolean
            num = pd.to_numeric(frame[args.value].astype(str), errors="coerce")
            den = pd.to_numeric(frame[args.denominator].astype(str), errors="coerce")
            frame = frame.assign(**{"_rate": num / den})
            return xmr(frame, "_rate", args.period, measure=f"{args.value}/{args.denominator}",
                       **common)
        return xmr(frame, args.value, args.period, **common)
    builder = p_prime if args.chart == "p_prime" else u_prime
    return builder(
        frame,
        args.value,
        args.denominator,
        args.period,
        multiplier=parse_number("--multiplier", args.multiplier, float),
        **common,
    )


def run(args: argparse.Namespace) -> int:
    """Compute and print the chart; return 0."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TrialLimitsWarning)
        chart = chart_from_args(args)
    for w in caught:
        print(f"eah-eval spc: warning: {w.message}", file=sys.stderr)
    if args.json:
        print(json.dumps(chart.to_dict(), allow_nan=False))
    else:
        print(chart.summary())
    return 0
