"""The programme's effect carried into the money: a range, never a point.

The projection needs the change Experts at Hand makes to EHC needs assessment requests per
1,000 pupils (:data:`~eah_eval.reporting.finance.params.EFFECT_MEASURE`). The impact
evaluation can hold two estimates of it, the council's own rollout and the comparison with
other areas in the years when every cluster was live; which one is carried follows the one
rule of :func:`eah_eval.reporting.impact.money_effect.choose_effect` (the ``effect_basis``
parameter), and the other is kept beside it. They come from one of two places, chosen by the
``impact_results`` parameter:

* **an impact report's** ``results.json`` (:func:`effect_from_results`): its headline estimate
  for that measure and its later-years estimate against other areas, at that report's level,
  so the finance report uses exactly the numbers the board saw in the impact report;
* **otherwise, estimated here** (:func:`estimate_effect`) by the impact report's own
  evaluation of that one measure with the impact report's defaults
  (:func:`eah_eval.reporting.impact.evaluate.evaluate_measure` and
  :func:`eah_eval.reporting.impact.external.evaluate_external`), so with the same data and
  parameters the estimates are the impact report's (a test checks it on the demo council).

Either way the effect is an interval with its level; the projection turns it into a
distribution of draws (:meth:`eah_eval.finance.EffectDistribution.from_interval`). An
estimate that cannot be made, or whose interval is unbounded, raises
:class:`FinanceEffectError`, and the report says the projection with the programme is
unavailable and why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eah_eval.errors import EahEvalError
from eah_eval.reporting.finance.params import EFFECT_MEASURE, FinanceReportParams
from eah_eval.reporting.impact.money_effect import (
    EffectChoice,
    choose_effect,
    internal_row,
    later_years_row,
)

__all__ = ["FinanceEffectError", "ProgrammeEffect", "effect_from_results", "estimate_effect",
           "programme_effect"]


class FinanceEffectError(EahEvalError, ValueError):
    """The programme's effect cannot be had as a bounded interval (the message says why)."""


@dataclass(frozen=True)
class ProgrammeEffect:
    """The estimated change in EHC needs assessment requests per 1,000 pupils, with its range.

    Attributes
    ----------
    estimate, ci_low, ci_high : float
        Best estimate and interval, requests per 1,000 pupils a year (negative = fewer).
    level : float
        Confidence level of the interval (0.95).
    method_text : str
        How the interval was made, in words.
    source : str
        Where the effect came from, in words (an impact report's file, or estimated here).
    origin : {"impact_results", "estimated"}
        Which route gave it.
    choice : EffectChoice
        Which of the evaluation's estimates it is (``basis``), what it compares, its window
        and why it is the one carried.
    alternative : ProgrammeEffect or None
        The evaluation's other estimate, when it too can be carried (shown beside it).
    """

    estimate: float
    ci_low: float
    ci_high: float
    level: float
    method_text: str
    source: str
    origin: str
    choice: EffectChoice
    alternative: ProgrammeEffect | None = None

    @classmethod
    def from_choice(cls, choice: EffectChoice, level: float, source: str, origin: str,
                    alternative: EffectChoice | None = None) -> ProgrammeEffect:
        """Build the effect carried from the rule's choice (and the other estimate)."""
        other = None if alternative is None else cls.from_choice(alternative, level, source,
                                                                  origin)
        return cls(estimate=choice.estimate, ci_low=choice.ci_low, ci_high=choice.ci_high,
                   level=level, method_text=choice.method_text, source=source, origin=origin,
                   choice=choice, alternative=other)

    @property
    def basis(self) -> str:
        """``"internal"`` or ``"later_years"`` (:mod:`eah_eval.reporting.impact.money_effect`)."""
        return self.choice.basis

    @property
    def clear(self) -> bool:
        """Whether the interval excludes no change."""
        return self.ci_low > 0 or self.ci_high < 0

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for ``results.json``."""
        return {"measure": EFFECT_MEASURE, "estimate": self.estimate, "ci_low": self.ci_low,
                "ci_high": self.ci_high, "level": self.level, "method_text": self.method_text,
                "source": self.source, "origin": self.origin, "clear": self.clear,
                "basis": self.basis, "label": self.choice.label,
                "window": list(self.choice.window), "why": self.choice.why,
                "alternative": None if self.alternative is None else self.alternative.to_dict()}


def _choose(internal: dict[str, Any] | None, later: dict[str, Any] | None, basis: str,
            level: float, source: str, origin: str) -> ProgrammeEffect:
    try:
        chosen, other = choose_effect(internal, later, basis)
    except EahEvalError as exc:
        raise FinanceEffectError(f"{source}: {exc}") from None
    return ProgrammeEffect.from_choice(chosen, level, source, origin, other)


def effect_from_results(path: str | Path, basis: str = "auto") -> ProgrammeEffect:
    """Read the programme's effect from an impact report's ``results.json``.

    Parameters
    ----------
    path : path
        The impact report's ``results.json``.
    basis : {"auto", "internal", "later_years"}
        Which of its estimates to carry (:func:`~eah_eval.reporting.impact.money_effect.
        choose_effect`).

    Returns
    -------
    ProgrammeEffect
        Its estimate for :data:`EFFECT_MEASURE` chosen by ``basis``, at its level
        (``1 - alpha``), with the other beside it.

    Raises
    ------
    FinanceEffectError
        If the file is missing or not JSON, holds no estimate for the measure, or the
        estimate asked for is not shown or has an unbounded range.
    """
    p = Path(path)
    if not p.is_file():
        raise FinanceEffectError(f"impact results file not found: {p}")
    try:
        res = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FinanceEffectError(f"impact results file {p} is not JSON: {exc}") from None
    measures = (res.get("estimates") or {}).get("measures") if isinstance(res, dict) else None
    if not isinstance(measures, dict) or EFFECT_MEASURE not in measures:
        raise FinanceEffectError(
            f"impact results file {p} holds no estimate for {EFFECT_MEASURE!r} (EHC needs "
            "assessment requests per 1,000 pupils); run the impact report with that measure")
    head = dict(measures[EFFECT_MEASURE].get("headline") or {})
    head.setdefault("window", (measures[EFFECT_MEASURE].get("sample") or {}).get("window"))
    if head.get("flag") and head.get("note"):
        head["unavailable"] = f"it is not shown (symbol {head['flag']!r}: {head['note']})"
    later = later_years_row(res.get("external_comparison") or {}, EFFECT_MEASURE)
    alpha = (res.get("parameters") or {}).get("alpha", 0.05)
    return _choose(head, later, basis, 1.0 - float(alpha),
                   f"the impact report's estimates ({p.name} in {p.parent.name or p.parent})",
                   "impact_results")


def estimate_effect(params: FinanceReportParams, *, council: Any = None) -> ProgrammeEffect:
    """Estimate the programme's effect from the data, as the impact report does.

    Parameters
    ----------
    params : FinanceReportParams
        Data folder and the estimation settings (comparison group, inference method,
        replications, seed, alpha, programme phases, rollout rule, effect basis).
    council : eah_eval.data.load.Council, optional
        The data already loaded (default: loaded from ``params.data``).

    Returns
    -------
    ProgrammeEffect

    Raises
    ------
    FinanceEffectError
        If the estimator cannot run on the data (for example fewer than two rollout timings)
        or the estimate asked for cannot be carried (the message says why).
    DataValidationError
        When the data, or a supplied national panel, fail validation.
    """
    from eah_eval.reporting.disclosure import DisclosureLedger
    from eah_eval.reporting.impact.evaluate import apply_ledger, evaluate_measure, pupils_on_roll
    from eah_eval.reporting.impact.external import evaluate_external
    from eah_eval.reporting.impact.inputs import load_inputs
    from eah_eval.reporting.impact.params import ReportParams

    report = ReportParams(
        data=params.data, measures=(EFFECT_MEASURE,), comparison_group=params.comparison_group,
        inference=params.inference, bootstrap_reps=params.bootstrap_reps, seed=params.seed,
        alpha=params.alpha, programme_phases=params.programme_phases,
        mid_period_rule=params.mid_period_rule, disclosure_rule=params.disclosure_rule,
        disclosure_threshold=params.disclosure_threshold)
    inputs = load_inputs(report, council=council)
    ledger = DisclosureLedger(params.policy)
    where = "estimated from the data with the impact report's method"
    try:
        ev = evaluate_measure(inputs, ledger, EFFECT_MEASURE)
    except EahEvalError as exc:
        raise FinanceEffectError(
            f"the programme's effect on EHC needs assessment requests cannot be estimated: "
            f"{exc}") from None
    external = evaluate_external(inputs, ledger, {EFFECT_MEASURE: ev}, pupils_on_roll)
    ledger.resolve()
    return _choose(internal_row(apply_ledger(ev, ledger)),
                   later_years_row(external, EFFECT_MEASURE), params.effect_basis,
                   params.level, where, "estimated")


def programme_effect(params: FinanceReportParams, *, council: Any = None) -> ProgrammeEffect:
    """Return the programme's effect by the route the parameters choose (module notes).

    ``council`` is the data already loaded, used when the effect is estimated here.

    Raises
    ------
    FinanceEffectError
        As :func:`effect_from_results` or :func:`estimate_effect`.
    """
    if params.impact_results:
        return effect_from_results(params.impact_results, params.effect_basis)
    return estimate_effect(params, council=council)
