"""Run the finance report notebook, and write its page when the notebook is run by hand.

:func:`run_finance_report` runs :data:`FINANCE_NOTEBOOK` with the publishing core's runner
(:func:`eah_eval.reporting.runner.run_notebook`) into a staging folder, judges the staged
report (:func:`settle_staged`: every section present or listed as unavailable, with its
reason) and moves it into the output folder in one step; a run that fails leaves the output
folder as it was. ``results.json`` records how the run ended (``run_status``). Run by hand
(Jupyter, or papermill without the runner), the notebook ends with :func:`write_report`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eah_eval.errors import EahEvalError
from eah_eval.reporting.finance.build import SECTION_IDS, FinanceReport
from eah_eval.reporting.finance.params import FinanceReportParams
from eah_eval.reporting.notebook import ReportNotebook
from eah_eval.reporting.runner import ReportOutputs, run_notebook
from eah_eval.reporting.staging import record_status

__all__ = ["FINANCE_NOTEBOOK", "FinanceReportError", "run_finance_report", "settle_staged",
           "write_report"]

#: The finance report's notebook; run by hand, it writes where ``make demo`` does.
FINANCE_NOTEBOOK = ReportNotebook(
    "finance_report.ipynb", FinanceReportParams, output_dir="reports/demo/finance")


class FinanceReportError(EahEvalError):
    """A written finance report is incomplete (the message says what is missing)."""


def missing_sections(html: str, results: dict[str, Any]) -> list[str]:
    """Section ids neither in the page (as an anchor) nor listed as unavailable."""
    listed = results.get("sections_unavailable", [])
    gone = {str(u.get("section")) for u in listed if isinstance(u, dict)} \
        if isinstance(listed, list) else set()
    return [s for s in SECTION_IDS if f'id="{s}"' not in html and s not in gone]


def settle_staged(staged: ReportOutputs, out: Path) -> ReportOutputs:
    """Judge a staged finance report before it is moved into ``out`` (the runner's ``settle``).

    Raises
    ------
    FinanceReportError
        When the notebook wrote no ``results.json``, or a section is neither in the page nor
        listed as unavailable; ``out`` is then left as it was.
    """
    if staged.results is None:
        raise FinanceReportError(f"{out}: the finance report wrote no results.json")
    results = json.loads(staged.results.read_text(encoding="utf-8"))
    missing = missing_sections(staged.html.read_text(encoding="utf-8"), results)
    if missing:
        raise FinanceReportError(
            f"{out}: the finance report lacks section(s) {', '.join(missing)}, which are not "
            "listed as unavailable either")
    record_status(staged.results, "final")
    return staged


def run_finance_report(params: FinanceReportParams, out_dir: str | Path, *,
                       timeout: int = 900) -> ReportOutputs:
    """Run the finance report notebook and move the report into ``out_dir`` when complete.

    Parameters
    ----------
    params : FinanceReportParams
        Validated parameters.
    out_dir : path
        Output folder; only the report's own files in it are replaced, and only by a complete
        report.
    timeout : int
        Seconds allowed per notebook cell.

    Returns
    -------
    ReportOutputs
        The files in ``out_dir``.

    Raises
    ------
    NotebookExecutionError
        If a cell fails or the kernel dies (``out_dir`` is left as it was).
    FinanceReportError
        If the written report is incomplete (module notes).
    """
    return run_notebook(FINANCE_NOTEBOOK.path(), params, out_dir, stem=FINANCE_NOTEBOOK.stem,
                        title=params.title, pdf=params.pdf, timeout=timeout,
                        settle=settle_staged)


def write_report(report: FinanceReport, out_dir: str | Path) -> Path:
    """Write a built report's page into ``out_dir`` (for a notebook run by hand).

    Returns
    -------
    Path
        The HTML page.
    """
    out = Path(out_dir)
    html = report.write_html(out / FINANCE_NOTEBOOK.html_name, title=report.params.title)
    if report.params.pdf:
        from eah_eval.reporting.pdf import print_pdf

        print_pdf(html, out / f"{FINANCE_NOTEBOOK.stem}.pdf")
    return html
