"""Run the impact report notebook and check the written report before it counts as final.

:func:`run_report` executes ``analyses/impact_report.ipynb`` with papermill (through the
publishing core's :func:`~eah_eval.reporting.runner.run_notebook`), then runs the consistency
check (:func:`~eah_eval.reporting.impact.check.check_report`) on the written files. A report
that fails is not left as final: with ``allow_draft`` it is marked "DRAFT - FAILED CHECKS"
with the reasons at the top of the HTML and in ``results.json``; without, it is renamed
``impact_report.FAILED-CHECKS.html`` (marked the same way) and :class:`ReportCheckError` is
raised with every failure.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from eah_eval.reporting.impact.check import DRAFT_MARK, CheckResult, ReportCheckError, check_report
from eah_eval.reporting.impact.params import ReportParams
from eah_eval.reporting.runner import (
    BatchResult,
    ReportOutputs,
    notebook_path,
    run_batch,
    run_notebook,
)

IMPACT_NOTEBOOK = "impact_report.ipynb"


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
    out = run_notebook(notebook_path(IMPACT_NOTEBOOK), params, out_dir, stem="impact_report",
                       title=params.title, pdf=params.pdf, timeout=timeout)
    result = check_report(Path(out_dir))
    if out.results is None:
        raise ReportCheckError(f"{out_dir}: the report wrote no results.json")
    if result.ok:
        record_check(out.results, result, status="final")
        return out
    mark_draft(out.html, result)
    if params.allow_draft:
        record_check(out.results, result, status="draft")
        return out
    record_check(out.results, result, status="failed checks")
    failed = out.html.with_name("impact_report.FAILED-CHECKS.html")
    out.html.replace(failed)
    raise ReportCheckError(
        f"the report in {out_dir} failed its consistency check and was not written as final "
        f"(kept as {failed.name}; allow_draft=true writes it marked DRAFT):\n"
        + "\n".join(f"  - {f}" for f in result.failures))


def run_impact_batch(config: str | Path, out_dir: str | Path, **kwargs: Any) -> BatchResult:
    """Run a batch of impact reports (see :func:`eah_eval.reporting.runner.run_batch`)."""
    return run_batch(config, out_dir, schema=ReportParams,
                     notebook=notebook_path(IMPACT_NOTEBOOK), **kwargs)
