"""Build the monitoring report from the data: control charts by cluster, disclosure-controlled.

:func:`build_monitoring_report` is the one call ``analyses/monitoring_report.ipynb`` makes. It
validates the parameters
(:class:`~eah_eval.reporting.monitoring.params.MonitoringReportParams`), computes every series
and chart with :func:`~eah_eval.reporting.monitoring.data.monitoring_data`, applies disclosure
control to every series before anything is drawn or tabulated
(:func:`~eah_eval.reporting.monitoring.disclosure.control_disclosure`), and returns a
:class:`MonitoringReport` whose sections the notebook displays and whose ``results``
dictionary is written to ``results.json``.

The control charts come from :mod:`eah_eval.monitor`, which never imports the report.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd

from eah_eval.reporting.disclosure import DisclosureLedger
from eah_eval.reporting.document import Section, SectionedReport
from eah_eval.reporting.glossary import expand_abbreviations_in
from eah_eval.reporting.monitoring.assurance import monitoring_assurance
from eah_eval.reporting.monitoring.data import SECTIONS, monitoring_data
from eah_eval.reporting.monitoring.disclosure import control_disclosure, status_of
from eah_eval.reporting.monitoring.exceptions import exceptions, read_narrative, with_narrative
from eah_eval.reporting.monitoring.params import MonitoringReportParams
from eah_eval.reporting.monitoring.sections import (
    cover_section,
    ipr_section,
    measure_sections,
    methods_section,
    qa_section,
    summary_section,
)
from eah_eval.reporting.params import params_to_dict, parse_params
from eah_eval.reporting.qa import QARecord, now_iso

__all__ = ["SECTION_IDS", "MonitoringReport", "build_monitoring_report"]

#: Section ids in reading order.
SECTION_IDS: tuple[str, ...] = ("cover", "summary", "ipr", *SECTIONS, "methods", "qa")


@dataclass(frozen=True)
class MonitoringReport(SectionedReport):
    """The built monitoring report: parameters, sections in reading order, every number shown.

    Attributes
    ----------
    params : MonitoringReportParams
        Parameters used.
    sections : tuple of Section
        Sections in reading order (ids :data:`SECTION_IDS`).
    status : pandas.DataFrame
        Integrated-performance status of every series after disclosure control (one row per
        measure and unit, plus a ``suppressed`` column).
    results : dict
        JSON-ready dictionary written to ``results.json``.
    """

    params: MonitoringReportParams
    sections: tuple[Section, ...]
    status: pd.DataFrame
    results: dict[str, Any]

    results_indent: ClassVar[int] = 1

    def html(self, *ids: str) -> str:
        """HTML of the given sections (all when none given), in reading order.

        Raises
        ------
        KeyError
            If an id is not one of the report's sections.
        """
        unknown = [i for i in ids if i not in {s.id for s in self.sections}]
        if unknown:
            raise KeyError(f"no section(s) {unknown}; have {[s.id for s in self.sections]}")
        return super().html(*ids)


def build_monitoring_report(
    raw: Mapping[str, Any] | MonitoringReportParams,
) -> MonitoringReport:
    """Build the monitoring report from parameters.

    Parameters
    ----------
    raw : mapping or MonitoringReportParams
        Report parameters; a mapping is validated with
        :func:`eah_eval.reporting.params.parse_params` (unknown, missing and ill-typed
        parameters are refused).

    Returns
    -------
    MonitoringReport
        Sections in reading order (:data:`SECTION_IDS`) and the ``results.json`` dictionary.

    Raises
    ------
    ParameterError, ParameterTypeError
        For bad parameters.
    DataValidationError
        When the input data fail validation.

    Notes
    -----
    Disclosure control (:func:`control_disclosure`) runs before any table, chart or status is
    made; the status, the matrix, the charts and ``results.json`` all come from the controlled
    data.
    """
    started = now_iso()
    t0 = time.perf_counter()
    params = (
        raw if isinstance(raw, MonitoringReportParams)
        else parse_params(MonitoringReportParams, raw)
    )
    policy = params.policy
    ledger = DisclosureLedger(policy)
    data = monitoring_data(params)
    controlled = control_disclosure(data, ledger)
    ledger.resolve()
    status = status_of(controlled.items)
    narrative = read_narrative(params.exceptions) if params.exceptions else None
    found = with_narrative(exceptions(controlled.items, data.cost_outliers), narrative)
    parameters = params_to_dict(params)
    qa = QARecord(
        commissioner=params.commissioner,
        analyst=params.analyst,
        assurer=params.assurer,
        approver=params.approver,
        data_fingerprint=data.data_fingerprint,
        data_source=params.data,
        parameters=parameters,
        seeds={"random draws": "none (the monitoring report draws no random numbers)"},
        started=started,
        seconds=0.0,
    )
    record = monitoring_assurance(params, data, status, found, narrative is not None)
    qa = dataclasses.replace(qa, seconds=time.perf_counter() - t0)
    sections = [
        Section("cover", params.title, cover_section(params, started, qa.assured)),
        Section("summary", "Summary: exceptions first",
                summary_section(status, data, found, narrative is not None)),
        Section("ipr", "Integrated performance: all clusters", ipr_section(status)),
        *measure_sections(data, controlled, status),
        Section("methods", "Methods and conventions", methods_section(data, policy)),
        Section("qa", "Quality assurance record", qa_section(qa, record, params.data)),
    ]
    # each abbreviation written in full at its first use in the report, as in the others
    sections = [dataclasses.replace(s, html=h) for s, h in
                zip(sections, expand_abbreviations_in([s.html for s in sections]), strict=True)]
    results: dict[str, Any] = {
        "report": "monitoring",
        "title": params.title,
        "council": params.council,
        "generated": started,
        "parameters": parameters,
        "chart_settings": data.chart_settings,
        "rollout_rule": data.rollout_rule,
        "disclosure": {
            "policy": policy.to_dict(),
            "records": list(ledger.records()),
        },
        "exceptions": json.loads(found.to_json(orient="records")),
        "cost_per_expert_day": json.loads(data.cost_outliers.to_json(orient="records")),
        "baselines": {i.key: {"rule": i.baseline_rule, "by_unit": dict(i.phases),
                              "seasonal_adjustment": i.seasonal,
                              "standardisation": i.standardisation}
                      for i in controlled.items},
        "sections_unavailable": [u.to_dict() for u in data.unavailable],
        "status": json.loads(status.to_json(orient="records", default_handler=str)),
        "qa": qa.to_dict(),
        "assurance": record,
    }
    return MonitoringReport(
        params=params, sections=tuple(sections), status=status, results=results
    )
