"""``eah-eval check-report DIR``: check that a written impact report tells one story."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_parser(sub: Any, name: str, summary: str) -> None:
    """Register the sub-command."""
    p = sub.add_parser(
        name,
        help=summary,
        description=(
            "Read DIR/impact_report.html and DIR/results.json and fail when sections disagree: "
            "a measure's estimate, interval or method differs where shown, words disagree with "
            "the interval, sample sizes differ, a hidden value can be recovered from another "
            "table, a visible count of people is below the threshold, or a section is neither "
            "shown nor listed as unavailable."
        ),
    )
    p.add_argument("folder", metavar="DIR", help="folder of a written impact report")
    p.add_argument("--json", action="store_true", help="print the outcome as JSON")


def run(args: argparse.Namespace) -> int:
    """Check the report; exit 0 when it passes, 1 when it fails."""
    from eah_eval.reporting.impact.check import check_report

    result = check_report(args.folder)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(result.summary(), file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1
