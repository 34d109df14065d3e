"""The monitoring report's notebook, and its page when the notebook is run by hand.

``eah-eval monitor`` runs :data:`MONITORING_NOTEBOOK` with the publishing core's runner
(:func:`eah_eval.reporting.runner.run_notebook`), which exports the executed notebook. Run by
hand (Jupyter, or papermill without the runner), the notebook ends with :func:`write_report`,
which writes the page from the built report.
"""

from __future__ import annotations

from pathlib import Path

from eah_eval.reporting.monitoring.build import MonitoringReport
from eah_eval.reporting.monitoring.params import MonitoringReportParams
from eah_eval.reporting.notebook import ReportNotebook

#: The monitoring report's notebook; run by hand, it writes where ``make demo`` does.
MONITORING_NOTEBOOK = ReportNotebook(
    "monitoring_report.ipynb", MonitoringReportParams, output_dir="reports/demo/monitoring"
)


def write_report(report: MonitoringReport, out_dir: str | Path) -> Path:
    """Write a built report's page into ``out_dir`` (for a notebook run by hand).

    The page holds every section in reading order
    (:meth:`eah_eval.reporting.document.SectionedReport.write_html`).

    Returns
    -------
    Path
        The HTML page.
    """
    return report.write_html(Path(out_dir) / MONITORING_NOTEBOOK.html_name,
                             title=report.params.title)
