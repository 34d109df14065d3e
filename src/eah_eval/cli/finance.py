"""`eah-eval finance`: run the finance report (High Needs Block projection) notebook.

Parameters are validated against
:class:`eah_eval.reporting.finance.params.FinanceReportParams` before any kernel starts
(unknown, missing and ill-typed parameters are refused in one line); a failing notebook cell
is reported in one line with its index and error, and the exit status is non-zero.

The programme's effect on EHC needs assessment requests comes from ``--impact-results FILE``
(an impact report's ``results.json``: its estimates and intervals) when given, and is
otherwise estimated from the data with the impact report's method
(:mod:`eah_eval.reporting.finance.effect`); which estimate is carried follows the
``effect_basis`` parameter (:mod:`eah_eval.reporting.impact.money_effect`).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from eah_eval.cli.notebook_options import add_parameter_arguments
from eah_eval.cli.output_paths import check_output_dir

if TYPE_CHECKING:
    from eah_eval.reporting.notebook import ReportNotebook


def finance_notebook() -> ReportNotebook:
    """Return the finance report's notebook and schema (imported only when asked for)."""
    from eah_eval.reporting.finance.run import FINANCE_NOTEBOOK

    return FINANCE_NOTEBOOK


def add_parser(sub: Any, name: str, summary: str) -> None:
    """Register the ``finance`` sub-command."""
    p = sub.add_parser(
        name,
        help=summary,
        description=(
            "Run analyses/finance_report.ipynb with papermill and export a self-contained HTML "
            "report (code hidden) and results.json: EHC plans, high-needs spend and the "
            "cumulative DSG position projected with and without Experts at Hand, fan charts, "
            "breakeven and payback, and the model's back-test. Parameters come from --params "
            "(YAML), then --data and --impact-results, then --set key=value (later wins)."
        ),
    )
    add_parameter_arguments(p, set_example="years=7", notebook=finance_notebook)
    p.add_argument(
        "--impact-results", metavar="FILE", default=None,
        help="an impact report's results.json whose estimates for EHC needs assessment "
             "requests per 1,000 pupils (with their intervals) give the programme's effect, "
             "the later-years comparison with other areas when it has one (--set "
             "effect_basis=internal for the council's own estimate) (default: estimated from "
             "the data with the impact report's method)")
    p.add_argument("--pdf", action="store_true", help="also print a PDF (headless Chromium)")
    p.add_argument("--timeout", type=int, default=900, help="seconds allowed per notebook cell")


def run(args: argparse.Namespace) -> int:
    """Validate the parameters, run the notebook and print the HTML path."""
    from eah_eval.reporting.finance.params import FinanceReportParams
    from eah_eval.reporting.finance.run import run_finance_report
    from eah_eval.reporting.params import build_params

    overrides: dict[str, Any] = {}
    if args.data:
        overrides["data"] = args.data
    if args.impact_results:
        overrides["impact_results"] = args.impact_results
    if args.pdf:
        overrides["pdf"] = True
    params = build_params(
        FinanceReportParams, file=args.params, overrides=overrides,
        assignments=args.assignments)
    if params.scenarios:  # a bad scenario file stops here, before any kernel starts
        from eah_eval.reporting.finance.scenarios import read_scenarios

        read_scenarios(params.scenarios)
    # After the parameters: a run stopped by a bad parameter leaves no folder behind.
    check_output_dir(args.out)
    out = run_finance_report(params, args.out, timeout=args.timeout)
    print(out.html)
    return 0
