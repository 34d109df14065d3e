"""`eah-eval compare-areas`: one treated area (or block) against many, from a panel file.

Parses, calls :func:`eah_eval.did.synthdid.synthdid`, prints. Option values are checked by
the package (one vocabulary), so a bad value gives one line naming the allowed values and a
non-zero exit.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from eah_eval.cli.options import add_data_argument, data_argument, parse_number, print_json
from eah_eval.did.synthdid import SYNTH_METHODS, synthdid
from eah_eval.errors import DataFileNotFoundError, OptionError, check_option


def add_parser(sub: Any, name: str, summary: str) -> None:
    """Register the ``compare-areas`` sub-command."""
    p = sub.add_parser(
        name,
        help=summary,
        description=(
            "Compare one treated area, or a block of areas starting together, with areas "
            "never treated: synthetic difference-in-differences (sdid), synthetic control "
            "(sc) or difference-in-differences (did), with placebo standard errors. With "
            "--json prints one object: estimate, se, ci_low, ci_high, method, unit_weights, "
            "time_weights, event_effects, pre_fit_rmse and the placebo seed."
        ),
    )
    add_data_argument(p, metavar="FILE",
                      help="panel file, one row per area and period (.csv, any delimiter, "
                           "or .parquet)")
    p.add_argument("--area", metavar="COL", required=True, help="column of area codes")
    p.add_argument("--time", metavar="COL", required=True, help="column of periods")
    p.add_argument("--outcome", metavar="COL", required=True, help="column of the outcome")
    p.add_argument("--treated", metavar="COL", required=True,
                   help="0/1 column: 1 for a treated area in a treated period")
    p.add_argument("--method", default="sdid", metavar="METHOD",
                   help="sdid, sc or did")
    p.add_argument("--placebo", default="200", metavar="N",
                   help="placebo replications for the standard error (0 for none)")
    p.add_argument("--seed", metavar="S",
                   help="seed of the placebo draws (recorded in the output; fresh if absent)")
    p.add_argument("--level", default="0.95", metavar="L", help="confidence level")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")


def read_panel(path_text: str) -> pd.DataFrame:
    """Read a panel file (CSV with its delimiter sniffed, or Parquet)."""
    path = Path(path_text)
    if not path.is_file():
        raise DataFileNotFoundError(f"data file {str(path)!r} not found")
    try:
        if path.suffix.lower() == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, sep=None, engine="python")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError,
            ValueError) as exc:
        raise OptionError(f"could not read {str(path)!r} as a panel: {exc}") from None


def run(args: argparse.Namespace) -> int:
    """Estimate and print the comparison; return 0."""
    check_option("--method", args.method, SYNTH_METHODS)
    placebo = parse_number("--placebo", args.placebo, int)
    seed = parse_number("--seed", args.seed, int)
    level = parse_number("--level", args.level, float)
    frame = read_panel(data_argument(args))
    result = synthdid(frame, args.outcome, args.area, args.time, args.treated,
                      method=args.method, placebo=placebo, rng=seed, level=level)
    if args.json:
        print_json(result.to_dict())
    else:
        print(result.summary())
    return 0
