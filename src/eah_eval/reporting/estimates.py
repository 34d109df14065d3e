"""Estimates for the impact report: headline table, by wave, robustness, value for money.

This module only *calls* the estimators (``eah_eval.did``), the inference and sensitivity
layers and the measures panel; it turns their results into disclosure-controlled tables,
charts and wording. When a piece is missing from the installation or cannot run on the data,
the section says so with the reason.

The work is split by concern: :mod:`~eah_eval.reporting.measure_estimates` estimates each
measure, :mod:`~eah_eval.reporting.estimate_sections` renders the headline, by-wave and
robustness sections and :mod:`~eah_eval.reporting.value_for_money` the value-for-money
section; this module runs them in order and gathers the results. Names that used to live here
are re-exported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eah_eval.errors import EahEvalError
from eah_eval.reporting.estimate_sections import (
    _detail,
    _fmt,
    _headline,
    _robustness_section,
)
from eah_eval.reporting.html import section
from eah_eval.reporting.measure_estimates import ATTAINMENT as ATTAINMENT
from eah_eval.reporting.measure_estimates import MeasureEstimate as MeasureEstimate
from eah_eval.reporting.measure_estimates import _estimate_measure
from eah_eval.reporting.measure_estimates import _restricted_interval as _restricted_interval
from eah_eval.reporting.narrative import Finding
from eah_eval.reporting.value_for_money import NOT_PROGRAMME_COSTS as NOT_PROGRAMME_COSTS
from eah_eval.reporting.value_for_money import VALUED as VALUED
from eah_eval.reporting.value_for_money import _vfm

if TYPE_CHECKING:  # pragma: no cover
    from eah_eval.reporting.impact import _Context


@dataclass
class Estimates:
    """The estimate sections of the report and their numbers."""

    findings: list[Finding]
    certainty_text: str
    headline_html: str
    detail_html: str
    equality_html: str
    robustness_html: str
    vfm_html: str
    results: dict[str, Any]


def estimate_all(ctx: _Context) -> Estimates:
    """Estimate every measure and build the estimate sections."""
    p = ctx.params
    done: list[MeasureEstimate] = []
    failed: dict[str, str] = {}
    try:
        import eah_eval.did  # noqa: F401
        from eah_eval.measures import rollout_panel  # noqa: F401
    except ImportError as exc:
        why = f"the estimators are not in this installation ({exc})."
        msg = ctx.note_unavailable("Estimates of change", why)
        return Estimates([], "We cannot say how sure we are: no estimates are available.",
                         section("Headline results", msg), "", "", "", "", {})
    for mid in p.measures:
        try:
            done.append(_estimate_measure(ctx, mid))
        except EahEvalError as exc:
            failed[mid] = str(exc)
    findings = [e.finding for e in done]
    headline = _headline(ctx, done, failed)
    detail = _detail(ctx, done)
    robust = _robustness_section(ctx, done)
    measures = {e.measure_id: e.to_dict() for e in done}
    from eah_eval.reporting.equality import equality_section

    equality, equality_results = equality_section(ctx, measures)
    vfm, vfm_results = _vfm(ctx, done)
    levels = sorted({e.rating.maryland_level for e in done})
    certainty = "We cannot say how sure we are: no estimates could be computed."
    if done:
        certainty = (
            f"The strength of evidence ranges from level {levels[0]} to {levels[-1]} on the "
            "Maryland Scientific Methods Scale (1 = weakest, 5 = a randomised trial); each "
            "result's rating and the reasons are under the headline table. Intervals allow for "
            f"the small number of clusters: {done[0].inference_note}. The robustness section "
            "compares other estimators and tests how far the conclusions depend on the "
            "comparison clusters having followed the same trends."
        )
        for e in done:
            ri = e.checks.get("randomization")
            if ri is not None and ri.ok and ri.value is not None:
                certainty += (
                    f" Re-running the analysis for {e.title} with every cluster's start date "
                    f"shuffled gives p = {_fmt(ri.value, 3)} (valid if the order in which "
                    "clusters started was as good as random)."
                )
    results = {
        "measures": measures,
        "not_estimated": failed,
        "equality": equality_results,
        "value_for_money": vfm_results,
    }
    return Estimates(findings, certainty, headline, detail, equality, robust, vfm, results)
