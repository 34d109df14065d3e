"""Build the governance impact report: evaluate once, then render every section from the result.

:func:`build_impact_report` is the one call the notebook makes. It computes the
:class:`~eah_eval.reporting.impact.model.Evaluation` (with
:func:`eah_eval.reporting.impact.evaluate.evaluate`), renders the sections from it in
reading order, and returns an :class:`ImpactReport` whose ``results`` dictionary (the
evaluation's serialisation plus parameters, QA record and versions) is written to
``results.json``. Sections compute nothing, so a number is the same wherever it appears;
:func:`eah_eval.reporting.impact.check.check_report` verifies that on the written files.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eah_eval.reporting.document import Section, SectionedReport
from eah_eval.reporting.glossary import expand_abbreviations_in
from eah_eval.reporting.impact.evaluate import evaluate
from eah_eval.reporting.impact.model import Evaluation
from eah_eval.reporting.impact.params import ReportParams
from eah_eval.reporting.impact.sections import (
    decision,
    delivery,
    equality,
    estimates,
    external,
    front,
    trends,
)
from eah_eval.reporting.impact.sections.value_for_money import value_for_money
from eah_eval.reporting.params import params_to_dict, parse_params
from eah_eval.reporting.qa import QARecord, now_iso
from eah_eval.workers import ordered_map

#: Section ids of the main body in reading order, with their headings. Every one is in the
#: report, or listed in ``results.json`` as unavailable with its reason.
MAIN_SECTIONS: dict[str, str] = {
    "decision": "Decision page",
    "contents": "Contents",
    "headline": "Headline results",
    "delivery": "What was delivered",
    "vfm": "Value for money",
    "equality_review": "Equality review",
    "robustness": "How sure we are",
    "external": "Comparison with other areas",
    "design": "How the programme was rolled out",
}

#: Appendix section ids in order, with their headings (long tables and charts).
APPENDICES: dict[str, str] = {
    "trends": "Measures over time around go-live",
    "estimates": "Results by wave and cluster",
    "equality": "Equality breakdowns",
    "data_quality": "Data quality",
    "methods": "Methods and theory of change",
    "glossary": "Glossary",
    "qa": "Quality assurance record",
}

#: Every section id in reading order.
SECTIONS: dict[str, str] = {**MAIN_SECTIONS, "appendices": "Appendices", **APPENDICES}


@dataclass(frozen=True)
class ImpactReport(SectionedReport):
    """The built report: parameters, the evaluation, sections in reading order, results."""

    params: ReportParams
    evaluation: Evaluation
    sections: tuple[Section, ...]
    results: dict[str, Any]


def build_impact_report(raw: Mapping[str, Any] | ReportParams) -> ImpactReport:
    """Build the impact report from parameters (a mapping or :class:`ReportParams`).

    Parameters
    ----------
    raw : mapping or ReportParams
        Report parameters; a mapping is validated with
        :func:`eah_eval.reporting.params.parse_params`.

    Returns
    -------
    ImpactReport
        Sections in reading order and the results dictionary for ``results.json``.

    Raises
    ------
    ParameterError, ParameterTypeError
        For bad parameters.
    DataValidationError
        When the input data fail validation.
    """
    started = now_iso()
    t0 = time.perf_counter()
    params = raw if isinstance(raw, ReportParams) else parse_params(ReportParams, raw)
    ev = evaluate(params)
    qa = QARecord(
        commissioner=params.commissioner,
        analyst=params.analyst,
        assurer=params.assurer,
        approver=params.approver,
        data_fingerprint=str(ev.data_quality.get("fingerprint", "")),
        data_source=str(params.data),
        parameters=params_to_dict(params),
        seeds={"seed": params.seed, "bootstrap_reps": params.bootstrap_reps,
               "randomization_draws": params.randomization_draws},
        started=started,
        seconds=time.perf_counter() - t0,
    )
    qa = dataclasses.replace(qa, seconds=time.perf_counter() - t0)
    # the two appendices of charts take most of the drawing time: drawn side by side
    drawn = dict(zip(("trends", "estimates"),
                     ordered_map(lambda draw: draw(ev), [trends.trends, estimates.detail],
                                 min_calls=1), strict=True))
    html = {
        "decision": decision.decision_page(ev, params, qa),
        "contents": decision.contents(
            [(k, t) for k, t in MAIN_SECTIONS.items() if k not in ("decision", "contents")],
            list(APPENDICES.items())),
        "headline": estimates.headline(ev),
        "delivery": delivery.delivery(ev),
        "vfm": value_for_money(ev),
        "equality_review": equality.equality_review(ev),
        "robustness": estimates.robustness(ev),
        "external": external.external(ev),
        "design": front.design_section(ev),
        "appendices": '<div id="appendices" class="appendix-start"><h2>Appendices</h2>'
                      "<p>Long tables and charts behind the main report.</p></div>",
        "trends": drawn["trends"],
        "estimates": drawn["estimates"],
        "equality": equality.equality(ev),
        "data_quality": front.data_quality(ev),
        "methods": front.methods(ev),
        "glossary": decision.glossary(),
        "qa": front.qa_section(qa, ev),
    }
    html = dict(zip(html, expand_abbreviations_in(list(html.values())), strict=True))
    sections = tuple(Section(k, SECTIONS[k], html[k]) for k in SECTIONS)
    results: dict[str, Any] = {
        "report": {"title": params.title, "council": params.council, "generated": started,
                   "sections": list(SECTIONS)},
        "parameters": params_to_dict(params),
        **ev.to_dict(),
        "measures": {k: dict(v) for k, v in ev.trends.items()},
        "qa": qa.to_dict(),
        "versions": qa.versions,
    }
    return ImpactReport(params=params, evaluation=ev, sections=sections, results=results)
