"""Build the finance report: evaluate once, then render every section from the result.

:func:`build_finance_report` is the one call ``analyses/finance_report.ipynb`` makes. It
validates the parameters (:class:`~eah_eval.reporting.finance.params.FinanceReportParams`),
computes the :class:`~eah_eval.reporting.finance.model.FinanceEvaluation` (with
:func:`~eah_eval.reporting.finance.evaluate.evaluate_finance`), renders the sections in reading
order (:data:`~eah_eval.reporting.finance.sections.SECTION_TITLES`) and returns a
:class:`FinanceReport` whose ``results`` dictionary is written to ``results.json``.
:func:`report_from_evaluation` renders an evaluation made elsewhere (the tests build one from
known draws).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eah_eval.reporting.document import Section, SectionedReport
from eah_eval.reporting.finance.assurance import finance_assurance
from eah_eval.reporting.finance.evaluate import evaluate_finance
from eah_eval.reporting.finance.model import FinanceEvaluation
from eah_eval.reporting.finance.params import FinanceReportParams
from eah_eval.reporting.finance.sections import SECTION_TITLES, render_sections
from eah_eval.reporting.glossary import expand_abbreviations_in
from eah_eval.reporting.params import params_to_dict, parse_params
from eah_eval.reporting.qa import QARecord, now_iso

__all__ = ["SECTION_IDS", "FinanceReport", "build_finance_report", "report_from_evaluation"]

#: Section ids in reading order.
SECTION_IDS: tuple[str, ...] = tuple(SECTION_TITLES)


@dataclass(frozen=True)
class FinanceReport(SectionedReport):
    """The built finance report: parameters, the evaluation, sections, results.

    Attributes
    ----------
    params : FinanceReportParams
    evaluation : FinanceEvaluation
    sections : tuple of Section
        In reading order (:data:`SECTION_IDS`).
    results : dict
        JSON-ready dictionary written to ``results.json``.
    """

    params: FinanceReportParams
    evaluation: FinanceEvaluation
    sections: tuple[Section, ...]
    results: dict[str, Any]


def report_from_evaluation(ev: FinanceEvaluation, *, started: str | None = None,
                           seconds: float = 0.0) -> FinanceReport:
    """Render a finance evaluation as the report (sections and ``results.json``).

    Parameters
    ----------
    ev : FinanceEvaluation
    started : str, optional
        When the run started (ISO 8601, UTC); default now.
    seconds : float
        Run time so far, for the run record.

    Returns
    -------
    FinanceReport
    """
    started = started or now_iso()
    p = ev.params
    parameters = params_to_dict(p)
    seeds: dict[str, Any] = {"seed": p.seed, "projection_draws": p.n_draws}
    if ev.effect is not None and ev.effect.origin == "estimated":
        seeds["effect_bootstrap_reps"] = p.bootstrap_reps
    qa = QARecord(
        commissioner=p.commissioner, analyst=p.analyst, assurer=p.assurer,
        approver=p.approver, data_fingerprint=ev.data_fingerprint, data_source=str(p.data),
        parameters=parameters, seeds=seeds, started=started, seconds=seconds)
    record = finance_assurance(ev)
    html = render_sections(ev, started=started, qa=qa, record=record)
    expanded = expand_abbreviations_in(list(html.values()))
    sections = tuple(Section(k, SECTION_TITLES[k], h)
                     for k, h in zip(html, expanded, strict=True))
    numbers = ev.to_dict()
    status = "complete" if not ev.unavailable else (
        "unavailable" if not ev.available else "partial")
    results: dict[str, Any] = {
        "report": "finance",
        "title": p.title,
        "council": p.council,
        "generated": started,
        "sections": list(SECTION_IDS),
        "status": status,
        "parameters": parameters,
        **numbers,
        "assurance": record,
        "qa": qa.to_dict(),
        "versions": qa.versions,
    }
    return FinanceReport(params=p, evaluation=ev, sections=sections, results=results)


def build_finance_report(raw: Mapping[str, Any] | FinanceReportParams) -> FinanceReport:
    """Build the finance report from parameters.

    Parameters
    ----------
    raw : mapping or FinanceReportParams
        Report parameters; a mapping is validated with
        :func:`eah_eval.reporting.params.parse_params`.

    Returns
    -------
    FinanceReport
        Sections in reading order (:data:`SECTION_IDS`) and the ``results.json`` dictionary.

    Raises
    ------
    ParameterError, ParameterTypeError
        For bad parameters.
    DataValidationError
        When the input data fail validation.
    """
    started = now_iso()
    t0 = time.perf_counter()
    params = (raw if isinstance(raw, FinanceReportParams)
              else parse_params(FinanceReportParams, raw))
    ev = evaluate_finance(params)
    return report_from_evaluation(ev, started=started, seconds=time.perf_counter() - t0)
