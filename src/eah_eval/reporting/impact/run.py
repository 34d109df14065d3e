"""Run the impact report notebook and check the written report before it counts as final.

:func:`run_report` executes ``analyses/impact_report.ipynb`` with papermill (through the
publishing core's :func:`~eah_eval.reporting.runner.run_notebook`), then runs the consistency
check (:func:`~eah_eval.reporting.impact.check.check_report`) on the written files. A report
that fails is not left as final: with ``allow_draft`` it is marked "DRAFT - FAILED CHECKS"
with the reasons at the top of the HTML and in ``results.json``; without, it is renamed
``impact_report.FAILED-CHECKS.html`` (marked the same way) and :class:`ReportCheckError` is
raised with every failure.

Run by hand (Jupyter, or papermill without the runner), the notebook ends with
:func:`write_report`, which writes the same page from the built report and applies the same
check.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from eah_eval.reporting.impact.build import ImpactReport
from eah_eval.reporting.impact.check import DRAFT_MARK, CheckResult, ReportCheckError, check_report
from eah_eval.reporting.impact.params import ReportParams
from eah_eval.reporting.notebook import ReportNotebook
from eah_eval.reporting.runner import (
    BatchResult,
    ReportOutputs,
    run_batch,
    run_notebook,
)

#: The impact report's notebook; run by hand, it writes to ``reports/demo`` like ``make demo``.
IMPACT_NOTEBOOK = ReportNotebook("impact_report.ipynb", ReportParams, output_dir="reports/demo")


def mark_draft(html: Path, result: CheckResult) -> None:
    """Put the DRAFT mark and the failed checks at the top of a report's HTML."""
    text = html.read_text(encoding="utf-8")
    banner = (
        f'<div class="draft-banner" role="alert"><p><strong>{DRAFT_MARK}</strong>: this report '
        "did not pass its consistency check and must not be used as final.</p><ul>"
        + "".join(f"<li>{escape(f)}</li>" for f in result.failures) + "</ul></div>")
    marker = "<main"
    at = text.find(marker)
    at = text.find(">", at) + 1 if at >= 0 else text.find("<body>") + len("<body>")
    html.write_text(text[:at] + banner + text[at:], encoding="utf-8")


def record_check(results: Path, result: CheckResult, *, status: str) -> None:
    """Write the check's outcome into ``results.json`` (``checks`` and ``status``)."""
    data: dict[str, Any] = json.loads(results.read_text(encoding="utf-8"))
    data["checks"] = result.to_dict()
    data["status"] = status
    results.write_text(json.dumps(data, indent=2), encoding="utf-8")


def run_report(params: ReportParams, out_dir: str | Path, *, timeout: int = 600) -> ReportOutputs:
    """Run the governance impact report and check it.

    Raises
    ------
    ReportCheckError
        When the written report fails its consistency check and ``params.allow_draft`` is
        false (the HTML is then renamed ``impact_report.FAILED-CHECKS.html``).
    """
    out = run_notebook(IMPACT_NOTEBOOK.path(), params, out_dir, stem=IMPACT_NOTEBOOK.stem,
                       title=params.title, pdf=params.pdf, timeout=timeout)
    settle_report(Path(out_dir), out.html, out.results, allow_draft=params.allow_draft)
    return out


def settle_report(folder: Path, html: Path, results: Path | None, *, allow_draft: bool) -> None:
    """Check a written report; record the outcome; mark or rename it when it fails.

    Raises
    ------
    ReportCheckError
        When the report wrote no ``results.json``, or failed its check and ``allow_draft``
        is false (the HTML is then renamed ``impact_report.FAILED-CHECKS.html``).
    """
    result = check_report(folder)
    if results is None:
        raise ReportCheckError(f"{folder}: the report wrote no results.json")
    if result.ok:
        record_check(results, result, status="final")
        return
    mark_draft(html, result)
    if allow_draft:
        record_check(results, result, status="draft")
        return
    record_check(results, result, status="failed checks")
    failed = html.with_name("impact_report.FAILED-CHECKS.html")
    html.replace(failed)
    raise ReportCheckError(
        f"the report in {folder} failed its consistency check and was not written as final "
        f"(kept as {failed.name}; allow_draft=true writes it marked DRAFT):\n"
        + "\n".join(f"  - {f}" for f in result.failures))


def write_report(report: ImpactReport, out_dir: str | Path) -> Path:
    """Write a built report's page into ``out_dir`` and check it, for a notebook run by hand.

    The notebook has written ``results.json`` already. The page holds every section in reading
    order (:meth:`eah_eval.reporting.document.SectionedReport.write_html`); the check, the
    draft marking and the PDF (the ``pdf`` parameter) are those of :func:`run_report`.

    Returns
    -------
    Path
        The HTML page.

    Raises
    ------
    ReportCheckError
        As :func:`run_report`.
    """
    params = report.params
    out = Path(out_dir)
    html = report.write_html(out / IMPACT_NOTEBOOK.html_name, title=params.title)
    results = out / "results.json"
    settle_report(out, html, results if results.is_file() else None,
                  allow_draft=params.allow_draft)
    if params.pdf:
        from eah_eval.reporting.pdf import print_pdf

        print_pdf(html, out / f"{IMPACT_NOTEBOOK.stem}.pdf")
    return html


def run_impact_batch(config: str | Path, out_dir: str | Path, **kwargs: Any) -> BatchResult:
    """Run a batch of impact reports (see :func:`eah_eval.reporting.runner.run_batch`)."""
    return run_batch(config, out_dir, schema=ReportParams, notebook=IMPACT_NOTEBOOK.path(),
                     **kwargs)
