"""Run the impact report notebook and check the written report before it counts as final.

:func:`run_report` executes ``analyses/impact_report.ipynb`` with papermill (through the
publishing core's :func:`~eah_eval.reporting.runner.run_notebook`) into a staging folder,
checking the parameters against the data (:func:`check_data`, as ``eah-eval report`` does)
while the kernel starts, before the report computes anything,
and runs the consistency check (:func:`~eah_eval.reporting.impact.check.check_report`) on the
staged files before they are moved into the output folder. How the run ends is recorded in
``results.json`` (``status`` and ``run_status``):

* ``"final"``: the check passed; the report replaces the previous one as a whole;
* ``"draft"``: the check failed and ``allow_draft`` is true; the report, marked "DRAFT - FAILED
  CHECKS" with the reasons at the top of the HTML, replaces the previous one as a whole;
* ``"failed checks"``: the check failed and ``allow_draft`` is false. The report is complete
  but must not be used, so it never replaces a report: the output folder is left as it was,
  and the failing run is kept whole in its ``FAILED-CHECKS`` sub-folder (the page renamed
  ``impact_report.FAILED-CHECKS.html`` and marked DRAFT, its ``results.json``, its notebook),
  replacing any earlier failed run there; :class:`ReportCheckError` is raised with every
  failure. The next report that is published removes that sub-folder.

A run that fails before it is checked (an error in a cell, Ctrl-C, a kernel that dies) leaves
the output folder as it was (:mod:`eah_eval.reporting.staging`).

Run by hand (Jupyter, or papermill without the runner), the notebook ends with
:func:`write_report`, which writes the same page from the built report and applies the same
check in place: a hand run writes straight into its ``output_dir`` and is not atomic.
"""

from __future__ import annotations

import dataclasses
import tempfile
from concurrent.futures import ThreadPoolExecutor
from html import escape
from pathlib import Path
from typing import Any

from eah_eval.data.snapshot import SNAPSHOT_ENV, load_and_snapshot
from eah_eval.reporting.impact.build import ImpactReport
from eah_eval.reporting.impact.check import DRAFT_MARK, CheckResult, ReportCheckError, check_report
from eah_eval.reporting.impact.params import ReportParams, check_report_data
from eah_eval.reporting.notebook import ReportNotebook
from eah_eval.reporting.params import with_absolute_paths
from eah_eval.reporting.runner import (
    BatchResult,
    ReportOutputs,
    run_batch,
    run_notebook,
)
from eah_eval.reporting.staging import RunStatus, publish, record_status

#: The impact report's notebook; run by hand, it writes to ``reports/demo`` like ``make demo``.
IMPACT_NOTEBOOK = ReportNotebook("impact_report.ipynb", ReportParams, output_dir="reports/demo")

#: Name of a page that failed its consistency check.
FAILED_PAGE = "impact_report.FAILED-CHECKS.html"
#: Sub-folder of the output folder that keeps the last run that failed its check, whole.
FAILED_CHECKS_DIR = "FAILED-CHECKS"


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


def record_check(results: Path, result: CheckResult, *, status: RunStatus) -> None:
    """Write the check's outcome into ``results.json`` (``checks``, ``status``, ``run_status``)."""
    record_status(results, status, checks=result.to_dict(), status=status)


def run_report(params: ReportParams, out_dir: str | Path, *, timeout: int = 600) -> ReportOutputs:
    """Run the governance impact report, check it, and move it into ``out_dir`` when complete.

    Parameters
    ----------
    params : ReportParams
        Validated parameters; their selections are checked against the data
        (:func:`~eah_eval.reporting.impact.params.check_report_data`) while the kernel starts,
        before the report computes anything.
    out_dir : path
        Output folder. Only the report's own files in it are replaced, and only by a complete
        report (see the module notes).
    timeout : int
        Seconds allowed per cell.

    Returns
    -------
    ReportOutputs
        The files in ``out_dir``.

    Raises
    ------
    ParameterError
        If ``clusters``, ``waves``, ``first_year`` or ``last_year`` select nothing in the data.
    NotebookExecutionError
        If a cell fails or the kernel dies (``out_dir`` is left as it was).
    ReportCheckError
        When the report fails its consistency check and ``params.allow_draft`` is false
        (``out_dir`` is left as it was; the run is kept in ``out_dir/FAILED-CHECKS``).
    """
    return _run_checked(params, Path(out_dir), stem=IMPACT_NOTEBOOK.stem, title=params.title,
                        timeout=timeout)


def check_data(params: ReportParams, snapshot: Path) -> None:
    """Load and validate the council's data and check the parameters' selections against it.

    The loaded council is written to ``snapshot``
    (:func:`eah_eval.data.snapshot.load_and_snapshot`) for the report's kernel, which then
    need not load and validate the same files again.

    Raises
    ------
    DataValidationError
        When the data fail validation.
    ParameterError
        When a selection selects nothing (:func:`check_report_data`).
    """
    check_report_data(params, load_and_snapshot(params.data, snapshot))


def _run_checked(params: ReportParams, out: Path, *, stem: str, title: str,
                 timeout: int) -> ReportOutputs:
    def settle(staged: ReportOutputs, destination: Path) -> ReportOutputs:
        return settle_staged(staged, destination, allow_draft=params.allow_draft)

    # The data are checked in this process while the kernel starts and imports; the report's
    # first computing cell waits for the check (the runner's gate), and a failed check stops
    # the run there with its own error. The council loaded for the check is handed to the
    # kernel in a private temporary folder.
    # papermill changes this process's working directory while the kernel starts: the check
    # and the kernel read the paths made absolute from where the caller stands
    params = with_absolute_paths(params, Path.cwd())
    with (tempfile.TemporaryDirectory(prefix="eah-eval-council-") as private,
          ThreadPoolExecutor(max_workers=1, thread_name_prefix="eah-eval-data-check") as pool):
        snapshot = Path(private) / "council.pickle"
        checked = pool.submit(check_data, params, snapshot)
        try:
            return run_notebook(IMPACT_NOTEBOOK.path(), params, out, stem=stem, title=title,
                                pdf=params.pdf, timeout=timeout, settle=settle,
                                replaces=(FAILED_PAGE, FAILED_CHECKS_DIR),
                                gate=checked.result,
                                kernel_env={SNAPSHOT_ENV: str(snapshot)})
        except Exception:
            # a run that failed before its gate (a kernel that would not start) still reports
            # bad data first: that is what the user must mend
            failure = checked.exception()
            if failure is not None:
                raise failure from None
            raise


def judge_report(folder: Path, html: Path, results: Path | None, *, allow_draft: bool,
                 shown: Path | None = None) -> tuple[RunStatus, Path, CheckResult]:
    """Check a written report in ``folder``; record the outcome; mark or rename it if it fails.

    Parameters
    ----------
    folder, html, results : path
        The folder, its page and its ``results.json`` (``None`` when the notebook wrote none).
    allow_draft : bool
        Whether a failing report is kept as a marked draft (status ``"draft"``) rather than
        renamed :data:`FAILED_PAGE` (status ``"failed checks"``).
    shown : path, optional
        Folder named in messages (the output folder of a staged report).

    Returns
    -------
    tuple
        The status, the page (renamed when the check failed without ``allow_draft``) and the
        check's result.

    Raises
    ------
    ReportCheckError
        When the report wrote no ``results.json``.
    """
    if results is None:
        raise ReportCheckError(f"{shown or folder}: the report wrote no results.json")
    result = check_report(folder)
    if result.ok:
        record_check(results, result, status="final")
        return "final", html, result
    mark_draft(html, result)
    if allow_draft:
        record_check(results, result, status="draft")
        return "draft", html, result
    record_check(results, result, status="failed checks")
    failed = html.with_name(FAILED_PAGE)
    html.replace(failed)
    return "failed checks", failed, result


def _failed_checks(folder: Path, kept: Path, result: CheckResult) -> ReportCheckError:
    return ReportCheckError(
        f"the report in {folder} failed its consistency check and was not written as final "
        f"(kept as {kept}; allow_draft=true writes it marked DRAFT):\n"
        + "\n".join(f"  - {f}" for f in result.failures))


def settle_staged(staged: ReportOutputs, out: Path, *, allow_draft: bool) -> ReportOutputs:
    """Check a staged report before it is moved into ``out`` (the runner's ``settle``).

    Returns
    -------
    ReportOutputs
        The staged outputs, to be published (status ``"final"`` or ``"draft"``).

    Raises
    ------
    ReportCheckError
        When the report wrote no ``results.json``, or failed its check and ``allow_draft``
        is false: the staged run is then moved whole into ``out/FAILED-CHECKS`` (replacing
        an earlier failed run there) and ``out`` itself is left as it was.
    """
    folder = staged.html.parent
    status, html, result = judge_report(folder, staged.html, staged.results,
                                        allow_draft=allow_draft, shown=out)
    if status != "failed checks":
        return dataclasses.replace(staged, html=html)
    kept = out / FAILED_CHECKS_DIR
    earlier = [p.name for p in kept.iterdir()] if kept.is_dir() else []
    publish(folder, kept, replaces=earlier)
    raise _failed_checks(out, kept / html.name, result)


def settle_report(folder: Path, html: Path, results: Path | None, *, allow_draft: bool) -> None:
    """Check a report written in place (a notebook run by hand); mark or rename it if it fails.

    Raises
    ------
    ReportCheckError
        When the report wrote no ``results.json``, or failed its check and ``allow_draft``
        is false (the HTML is then renamed ``impact_report.FAILED-CHECKS.html``).
    """
    status, page, result = judge_report(folder, html, results, allow_draft=allow_draft)
    if status == "failed checks":
        raise _failed_checks(folder, page, result)


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


def run_impact_batch(config: str | Path, out_dir: str | Path, *, timeout: int = 600,
                     **kwargs: Any) -> BatchResult:
    """Run a batch of impact reports (see :func:`eah_eval.reporting.runner.run_batch`).

    Each member is run as :func:`run_report` runs a report (data check, consistency check,
    atomic output) into ``out_dir/<name>/report.html``; a member that fails its check is
    listed as failed.
    """
    def run(params: ReportParams, folder: Path, title: str) -> ReportOutputs:
        return _run_checked(params, folder, stem="report", title=title, timeout=timeout)

    return run_batch(config, out_dir, schema=ReportParams, notebook=IMPACT_NOTEBOOK.path(),
                     timeout=timeout, run=run, **kwargs)
