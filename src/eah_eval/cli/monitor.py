"""`eah-eval monitor`: run the monitoring report notebook.

Parameters are validated against
:class:`eah_eval.reporting.monitoring.params.MonitoringReportParams` before any kernel starts
(unknown, missing and ill-typed parameters are refused in one line); a failing notebook cell is
reported in one line with its index and error, and the exit status is non-zero.
"""

from __future__ import annotations

import argparse
from typing import Any

from eah_eval.cli.notebook_options import add_parameter_arguments

MONITOR_NOTEBOOK = "monitoring_report.ipynb"


def add_parser(sub: Any, name: str) -> None:
    """Register the ``monitor`` sub-command."""
    p = sub.add_parser(
        name,
        help="run the monitoring report (control charts by cluster) and export accessible HTML",
        description=(
            "Run analyses/monitoring_report.ipynb with papermill and export a self-contained "
            "HTML report (code hidden) and results.json. Parameters come from --params (YAML), "
            "then --data, then --set key=value (later wins)."
        ),
    )
    add_parameter_arguments(p, set_example="run_length=6")
    p.add_argument("--timeout", type=int, default=900, help="seconds allowed per cell")


def run(args: argparse.Namespace) -> int:
    """Validate the parameters, run the notebook and print the HTML path."""
    from eah_eval.reporting.monitoring.params import MonitoringReportParams
    from eah_eval.reporting.params import build_params
    from eah_eval.reporting.runner import notebook_path, run_notebook

    overrides: dict[str, Any] = {}
    if args.data:
        overrides["data"] = args.data
    params = build_params(
        MonitoringReportParams, file=args.params, overrides=overrides, assignments=args.assignments
    )
    out = run_notebook(
        notebook_path(MONITOR_NOTEBOOK),
        params,
        args.out,
        stem="monitoring_report",
        title=params.title,
        timeout=args.timeout,
    )
    print(out.html)
    return 0
