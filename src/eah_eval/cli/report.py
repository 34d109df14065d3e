"""`eah-eval report`: run the governance impact report (or a batch of them).

Parameters are validated before any kernel starts; a failing notebook cell is reported in one
line with its index and error, and the exit status is non-zero.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from eah_eval.cli.notebook_options import add_parameter_arguments
from eah_eval.cli.output_paths import check_output_dir
from eah_eval.errors import NotebookExecutionError

if TYPE_CHECKING:
    from eah_eval.reporting.notebook import ReportNotebook


def impact_notebook() -> ReportNotebook:
    """Return the impact report's notebook and schema (imported only when asked for)."""
    from eah_eval.reporting.impact.run import IMPACT_NOTEBOOK

    return IMPACT_NOTEBOOK


def add_parser(sub: Any, name: str, summary: str) -> None:
    """Register the sub-command."""
    p = sub.add_parser(
        name,
        help=summary,
        description=(
            "Run analyses/impact_report.ipynb with papermill, export a self-contained HTML "
            "report (code hidden) and results.json beside it. Parameters come from --params "
            "(YAML), then --data, then --set key=value (later wins)."
        ),
    )
    add_parameter_arguments(p, set_example="audience=technical", notebook=impact_notebook)
    p.add_argument("--batch", metavar="CONFIG", help="YAML batch config: run many reports")
    p.add_argument("--pdf", action="store_true", help="also print a PDF (headless Chromium)")
    p.add_argument("--timeout", type=int, default=600, help="seconds allowed per notebook cell")


def run(args: argparse.Namespace) -> int:
    """Run one report or a batch; print the HTML (or index) path."""
    from eah_eval.reporting.impact.params import ReportParams
    from eah_eval.reporting.impact.run import run_impact_batch, run_report
    from eah_eval.reporting.params import build_params, parse_assignment

    overrides: dict[str, Any] = {}
    if args.data:
        overrides["data"] = args.data
    if args.pdf:
        overrides["pdf"] = True
    if args.batch:
        base: dict[str, Any] = {}
        if args.params:
            from eah_eval.reporting.params import load_params_file

            base.update(load_params_file(args.params))
        base.update(overrides)
        for text in args.assignments:
            k, v = parse_assignment(text)
            base[k] = v
        check_output_dir(args.out)
        result = run_impact_batch(
            args.batch, args.out, base=base, progress=lambda s: print(s, flush=True),
            timeout=args.timeout,
        )
        print(result.index)
        if result.failures:
            print(f"eah-eval report: {len(result.failures)} report(s) failed:", file=sys.stderr)
            for f in result.failures:
                where = f"cell {f.cell_index}" if f.cell_index is not None else "setup"
                print(f"  - {f.name}: {where}: {f.message}", file=sys.stderr)
            return 1
        return 0
    params = build_params(
        ReportParams, file=args.params, overrides=overrides, assignments=args.assignments
    )
    # After the parameters: a run stopped by a bad parameter leaves no folder behind.
    check_output_dir(args.out)
    try:  # run_report checks the selections against the data before any kernel starts
        out = run_report(params, args.out, timeout=args.timeout)
    except NotebookExecutionError as exc:
        print(f"eah-eval report: error: {exc}", file=sys.stderr)
        return 1
    print(out.html)
    return 0
