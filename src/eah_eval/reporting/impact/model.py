"""The evaluation model: one frozen object per report, computed once, rendered many times.

:func:`eah_eval.reporting.impact.evaluate.evaluate` fills these classes in one downward pass
(data -> panels -> estimators -> inference -> sensitivity -> disclosure). The report's
sections render from them and compute nothing; ``results.json`` is their serialisation
(:meth:`Evaluation.to_dict`), so a number is the same wherever it is shown.

Every estimate carries the inference that produced it (:class:`Estimate`), and every count of
people carries its disclosure flag, applied by the one ledger
(:class:`eah_eval.reporting.disclosure.DisclosureLedger`) before the model is frozen.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from eah_eval.reporting.document import Unavailable
from eah_eval.reporting.impact.evidence import EvidenceRating
from eah_eval.reporting.impact.robustness import Check
from eah_eval.reporting.narrative import Finding


def _num(v: float | None) -> float | None:
    if v is None:
        return None
    f = float(v)
    return f if math.isfinite(f) else None


@dataclass(frozen=True)
class Estimate:
    """One estimate with its interval, p-value and the inference that produced them.

    Attributes
    ----------
    label : str
        What is estimated (``"overall"``, ``"e=2"``, a wave's first period, a cluster id).
    estimate, ci_low, ci_high, p_value : float
        Point estimate, interval and two-sided p-value (NaN where not available or hidden).
    method : str
        Inference method id actually used (the package's one vocabulary, or ``"none"`` for a
        point estimate without an interval).
    method_text : str
        The method in plain words, as printed under the table that shows it.
    fallback_reason : str
        Why the requested method did not apply (empty when it did).
    flag : str
        Government symbol when the estimate is not shown (``c`` suppressed, ``x`` not
        available, ``z`` not applicable); empty when shown.
    note : str
        Why the estimate is not available, when ``flag`` is ``x``.
    """

    label: str
    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    method: str
    method_text: str
    fallback_reason: str = ""
    flag: str = ""
    note: str = ""
    p_adjusted: float | None = None

    @property
    def shown(self) -> bool:
        """Whether the estimate is published (not suppressed or unavailable)."""
        return not self.flag

    @property
    def clear(self) -> bool:
        """Whether the interval excludes zero (the report's 'clear evidence' rule)."""
        return self.shown and (self.ci_low > 0 or self.ci_high < 0)

    def hidden(self, flag: str, note: str = "") -> Estimate:
        """Return the estimate withheld under ``flag`` (numbers removed)."""
        nan = float("nan")
        return Estimate(self.label, nan, nan, nan, nan, self.method, self.method_text,
                        self.fallback_reason, flag, note or self.note, None)

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for ``results.json``."""
        out: dict[str, Any] = {
            "label": self.label,
            "estimate": _num(self.estimate),
            "ci_low": _num(self.ci_low),
            "ci_high": _num(self.ci_high),
            "p_value": _num(self.p_value),
            "method": self.method,
            "method_text": self.method_text,
            "fallback_reason": self.fallback_reason,
            "flag": self.flag,
            "note": self.note,
        }
        if self.p_adjusted is not None:
            out["p_adjusted"] = _num(self.p_adjusted)
        return out


@dataclass(frozen=True)
class WaveSample:
    """The estimator's sample for one rollout wave (cohort of first treated period)."""

    wave: str
    first_treated: int
    first_treated_label: str
    n_clusters: int
    n_schools: int
    n_schools_treated: int
    n_schools_comparison: int
    treated_periods: tuple[str, ...]
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for ``results.json`` (schools are not people: no suppression)."""
        return {
            "wave": self.wave,
            "first_treated": self.first_treated,
            "first_treated_label": self.first_treated_label,
            "n_clusters": self.n_clusters,
            "n_schools": self.n_schools,
            "n_schools_treated": self.n_schools_treated,
            "n_schools_comparison": self.n_schools_comparison,
            "treated_periods": list(self.treated_periods),
            "note": self.note,
        }


@dataclass(frozen=True)
class Sample:
    """The sample an estimate rests on, *as used by the estimator*.

    Attributes
    ----------
    n_schools_treated : int
        Schools whose own post-go-live periods enter the estimate (a treated cell with a
        valid comparison).
    n_schools_comparison : int
        Schools that serve as the comparison in at least one of those cells (not yet started,
        or never started, at the time).
    n_schools_both : int
        Schools counted on both sides (comparison before their own go-live, treated after).
    n_pupils_treated, n_pupils_comparison : float
        Average pupils on roll (January census) per year of the evidence window in those
        schools; NaN when suppressed (``pupils_flag``).
    window : tuple of str
        First and last period of the evidence window (post-go-live periods with a valid
        comparison).
    last_comparison_period : str
        The last period in which any not-yet-started comparison school remained.
    excluded : mapping
        Schools left out and why (for example not served by the programme).
    by_wave : tuple of WaveSample
    """

    n_schools_treated: int
    n_schools_comparison: int
    n_schools_both: int
    n_pupils_treated: float
    n_pupils_comparison: float
    pupils_flag_treated: str
    pupils_flag_comparison: str
    window: tuple[str, str]
    last_comparison_period: str
    excluded: Mapping[str, int]
    by_wave: tuple[WaveSample, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for ``results.json``."""
        return {
            "n_schools_treated": self.n_schools_treated,
            "n_schools_comparison": self.n_schools_comparison,
            "n_schools_both": self.n_schools_both,
            "n_pupils_treated": _num(self.n_pupils_treated),
            "n_pupils_comparison": _num(self.n_pupils_comparison),
            "pupils_flag_treated": self.pupils_flag_treated,
            "pupils_flag_comparison": self.pupils_flag_comparison,
            "window": list(self.window),
            "last_comparison_period": self.last_comparison_period,
            "excluded": dict(self.excluded),
            "by_wave": [w.to_dict() for w in self.by_wave],
        }


@dataclass(frozen=True)
class MeasureEvaluation:
    """Everything the report says about one measure's estimated change."""

    measure_id: str
    title: str
    unit: str
    direction: str
    period: str
    sources: tuple[str, ...]
    span: str
    sample: Sample
    headline: Estimate
    std_error: float
    mde: float
    mde_note: str
    event: tuple[Estimate, ...]
    waves: tuple[Estimate, ...]
    clusters: tuple[Estimate, ...]
    cluster_wave: Mapping[str, str]
    effect_size: float | None
    months: int | None
    rating: EvidenceRating
    finding: Finding
    checks: Mapping[str, Check]
    comparators: Mapping[str, Any]
    partial_periods: tuple[str, ...] = ()
    #: Partial periods that enter the headline estimate (flagged under the tables).
    partial_in_window: tuple[str, ...] = ()
    #: Level of the measure before go-live (weighted mean of every school's periods before
    #: its own go-live), for reading a change against the usual level.
    baseline: float = float("nan")
    #: Change against delivered dose across clusters (slope, interval, method), or
    #: ``unavailable`` with the reason.
    dose: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for ``results.json``."""
        return {
            "measure": self.measure_id,
            "title": self.title,
            "unit": self.unit,
            "direction": self.direction,
            "period": self.period,
            "sources": list(self.sources),
            "span": self.span,
            "sample": self.sample.to_dict(),
            "headline": self.headline.to_dict(),
            "std_error": _num(self.std_error),
            "mde": _num(self.mde),
            "mde_note": self.mde_note,
            "baseline": _num(self.baseline),
            "dose_response": dict(self.dose),
            "event_study": [e.to_dict() for e in self.event],
            "by_wave": [e.to_dict() for e in self.waves],
            "by_cluster": [
                {**e.to_dict(), "wave": self.cluster_wave.get(e.label, "")}
                for e in self.clusters
            ],
            "effect_size": _num(self.effect_size),
            "months_progress": self.months,
            "evidence": self.rating.to_dict(),
            "finding": self.finding.headline,
            "finding_detail": self.finding.detail,
            "checks": {k: c.to_dict() for k, c in self.checks.items()},
            "comparators": dict(self.comparators),
            "partial_periods": list(self.partial_periods),
            "partial_in_window": list(self.partial_in_window),
        }


@dataclass(frozen=True)
class Evaluation:
    """The whole evaluation behind one impact report (see the module notes)."""

    params: Any
    design: pd.DataFrame
    scope: Mapping[str, Any]
    rollout_rule: str
    inference: Mapping[str, Any]
    measures: Mapping[str, MeasureEvaluation]
    not_estimated: Mapping[str, str]
    trends: Mapping[str, Mapping[str, Any]]
    equality: Mapping[str, Any]
    value_for_money: Mapping[str, Any]
    data_quality: Mapping[str, Any]
    disclosure: Mapping[str, Any]
    suppression: tuple[Mapping[str, Any], ...]
    unavailable: tuple[Unavailable, ...] = field(default=())
    #: What was delivered, by cluster, and the delivery risks
    #: (:mod:`eah_eval.reporting.impact.delivery`).
    delivery: Mapping[str, Any] = field(default_factory=dict)
    #: The decision page's content (:mod:`eah_eval.reporting.impact.decision`).
    decision: Mapping[str, Any] = field(default_factory=dict)
    #: The assurer's record (:mod:`eah_eval.reporting.impact.assurance`).
    assurance: Mapping[str, Any] = field(default_factory=dict)
    #: Internal and external estimates side by side (:mod:`eah_eval.reporting.impact.external`).
    external: Mapping[str, Any] = field(default_factory=dict)

    def unavailable_in(self, section: str) -> tuple[Unavailable, ...]:
        """Parts of one section that are unavailable."""
        return tuple(u for u in self.unavailable if u.section == section)

    def to_dict(self) -> dict[str, Any]:
        """Return the numbers of ``results.json`` (build adds parameters, QA and versions)."""
        return {
            "decision": dict(self.decision),
            "assurance": dict(self.assurance),
            "delivery": dict(self.delivery),
            "disclosure": dict(self.disclosure),
            "programme_scope": dict(self.scope),
            "rollout_rule": self.rollout_rule,
            "inference": dict(self.inference),
            "design": self.design.to_dict(orient="records"),
            "trends": {k: dict(v) for k, v in self.trends.items()},
            "estimates": {
                "measures": {k: m.to_dict() for k, m in self.measures.items()},
                "not_estimated": dict(self.not_estimated),
                "equality": dict(self.equality),
                "value_for_money": dict(self.value_for_money),
            },
            "data_quality": dict(self.data_quality),
            "suppression": [dict(r) for r in self.suppression],
            "external_comparison": dict(self.external),
            "sections_unavailable": [u.to_dict() for u in self.unavailable],
        }
