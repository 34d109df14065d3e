"""``eah-eval validate --data DIR``: check a council's input tables and list every problem.

Prints rows read, kept and excluded per table, then ``OK`` or every problem (file, row, column,
expected, found); with ``--json`` one JSON object instead::

    {"source", "ok", "loadable", "upn_policy", "on_problem", "fingerprint",
     "tables": [{"table", "file", "rows_read", "rows_kept", "rows_excluded",
                 "rows_with_problems", "reason"}, ...],
     "notes": [str, ...],
     "problems": [{"table", "file", "row", "column", "kind", "expected", "found"}, ...]}

Exit status 0 when valid (or loadable after excluding rows), 1 otherwise; data errors never
print a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any

from eah_eval.cli.options import add_data_argument, data_argument, print_json
from eah_eval.data.load import ON_PROBLEM, ValidationReport, validate_council
from eah_eval.data.pseudonymise import UPN_POLICIES
from eah_eval.errors import DataFileNotFoundError, OptionError


def add_parser(sub: Any, name: str, summary: str) -> None:
    """Register the ``validate`` sub-command."""
    parser = sub.add_parser(
        name,
        help=summary,
        description=(
            "Check every <table>.csv or <table>.parquet in the --data folder against the "
            "schemas in "
            "data_schema/ and the "
            "cross-field rules; print rows read/kept/excluded per table and every problem. "
            "Exit status 0 when valid, 1 when any problem is found."
        ),
    )
    add_data_argument(parser, positional=True)
    parser.add_argument(
        "--upn-policy",
        choices=UPN_POLICIES,
        default="refuse",
        help="refuse real Unique Pupil Numbers or pseudonymise every pupil "
        "identifier with a keyed hash (needs --upn-key-file)",
    )
    parser.add_argument(
        "--upn-key-file",
        metavar="FILE",
        help="file holding the secret pseudonymisation key (at least 16 bytes; trailing "
        "newline ignored); the key is never printed or written",
    )
    parser.add_argument(
        "--on-problem",
        choices=ON_PROBLEM,
        default="error",
        help="'error': any problem fails; 'exclude_rows': report what would be "
        "kept if rows with row-level problems were dropped",
    )
    parser.add_argument(
        "--allow-symlinks",
        action="store_true",
        help="read table files that are symbolic links (refused by default)",
    )
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object (the accounting, notes and problems)")


def _read_key(path: str | None) -> bytes | None:
    if path is None:
        return None
    key_path = Path(path)
    if not key_path.is_file():
        raise DataFileNotFoundError(f"--upn-key-file not found: {key_path}")
    return key_path.read_bytes().rstrip(b"\r\n")


def run(args: argparse.Namespace) -> int:
    """Validate and print the report; return 0 when valid, 1 otherwise."""
    if args.upn_policy == "pseudonymise" and args.upn_key_file is None:
        raise OptionError("--upn-policy pseudonymise needs --upn-key-file FILE")
    key = _read_key(args.upn_key_file)
    report = validate_council(
        data_argument(args), upn_policy=args.upn_policy, upn_key=key, on_problem=args.on_problem,
        allow_symlinks=args.allow_symlinks,
    )
    status = 0 if report.ok or report.loadable else 1
    if args.json:
        print_json(validation_json(report, args.upn_policy, args.on_problem))
        return status
    accounting = report.accounting.copy()
    accounting["file"] = [Path(f).name for f in accounting["file"]]
    print(f"Data: {report.source}  (upn_policy={args.upn_policy}, on_problem={args.on_problem})")
    print(
        accounting[["table", "file", "rows_read", "rows_kept", "rows_excluded",
                    "rows_with_problems", "reason"]]
        .to_string(index=False)
    )
    for note in report.notes:
        print(f"note: {note}")
    if report.fingerprint:
        print(f"fingerprint (SHA-256 of the validated tables): {report.fingerprint}")
    if report.ok:
        print("OK")
        return 0
    print(f"{len(report.problems)} problem(s) found:")
    for problem in report.problems:
        print(f"  - {problem}")
    if report.loadable:
        excluded = int(report.accounting["rows_excluded"].sum())
        print(f"OK after excluding {excluded} row(s) with problems (on_problem=exclude_rows)")
        return 0
    return 1


def validation_json(report: ValidationReport, upn_policy: str, on_problem: str) -> dict[str, Any]:
    """Build the ``eah-eval validate --json`` object from a validation report."""
    columns = ["table", "file", "rows_read", "rows_kept", "rows_excluded",
               "rows_with_problems", "reason"]
    tables = json.loads(report.accounting[columns].to_json(orient="records"))
    return {
        "source": str(report.source),
        "ok": report.ok,
        "loadable": report.loadable,
        "upn_policy": upn_policy,
        "on_problem": on_problem,
        "fingerprint": report.fingerprint or None,
        "tables": tables,
        "notes": list(report.notes),
        "problems": [dataclasses.asdict(p) for p in report.problems],
    }
