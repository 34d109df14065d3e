"""`eah-eval monitor`: run the monitoring report notebook.

Parameters are validated against
:class:`eah_eval.reporting.monitoring.params.MonitoringReportParams` before any kernel starts
(unknown, missing and ill-typed parameters are refused in one line); a failing notebook cell is
reported in one line with its index and error, and the exit status is non-zero.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from eah_eval.cli.notebook_options import add_parameter_arguments
from eah_eval.cli.output_paths import check_output_dir

if TYPE_CHECKING:
    from eah_eval.reporting.notebook import ReportNotebook


def monitoring_notebook() -> ReportNotebook:
    """Return the monitoring report's notebook and schema (imported only when asked for)."""
    from eah_eval.reporting.monitoring.run import MONITORING_NOTEBOOK

    return MONITORING_NOTEBOOK


def add_parser(sub: Any, name: str, summary: str) -> None:
    """Register the ``monitor`` sub-command."""
    p = sub.add_parser(
        name,
        help=summary,
        description=(
            "Run analyses/monitoring_report.ipynb with papermill and export a self-contained "
            "HTML report (code hidden) and results.json. Parameters come from --params (YAML), "
            "then --data, then --set key=value (later wins)."
        ),
    )
    add_parameter_arguments(p, set_example="run_length=6", notebook=monitoring_notebook)
    p.add_argument("--timeout", type=int, default=900, help="seconds allowed per notebook cell")


def run(args: argparse.Namespace) -> int:
    """Validate the parameters, run the notebook and print the HTML path."""
    from eah_eval.reporting.monitoring.params import MonitoringReportParams
    from eah_eval.reporting.params import build_params
    from eah_eval.reporting.runner import run_notebook

    overrides: dict[str, Any] = {}
    if args.data:
        overrides["data"] = args.data
    params = build_params(
        MonitoringReportParams, file=args.params, overrides=overrides, assignments=args.assignments
    )
    # After the parameters: a run stopped by a bad parameter leaves no folder behind.
    check_output_dir(args.out)
    notebook = monitoring_notebook()
    out = run_notebook(
        notebook.path(),
        params,
        args.out,
        stem=notebook.stem,
        title=params.title,
        timeout=args.timeout,
    )
    print(out.html)
    return 0
