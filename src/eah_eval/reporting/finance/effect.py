"""The programme's effect carried into the money: a range, never a point.

The projection needs the change Experts at Hand makes to EHC needs assessment requests per
1,000 pupils (:data:`~eah_eval.reporting.finance.params.EFFECT_MEASURE`). It comes from one of
two places, chosen by the ``impact_results`` parameter:

* **an impact report's** ``results.json`` (:func:`effect_from_results`): its headline
  estimate and interval for that measure, at that report's level, so the finance report uses
  exactly the numbers the board saw in the impact report;
* **otherwise, estimated here** (:func:`estimate_effect`) by the package's public estimation
  path with the impact report's defaults: the measure's school x year rollout panel
  (:func:`eah_eval.measures.rollout_panel`, the programme scope and the one rollout rule),
  Callaway and Sant'Anna group-time effects with a universal base period
  (:func:`eah_eval.did.att_gt`), their simple aggregation and the report's one inference
  method (:func:`eah_eval.inference.infer`). With the same data and parameters this is the
  impact report's headline for the measure (a test checks it on the demo council).

Either way the effect is an interval with its level; the projection turns it into a
distribution of draws (:meth:`eah_eval.finance.EffectDistribution.from_interval`). An
estimate that cannot be made, or whose interval is unbounded, raises
:class:`FinanceEffectError`, and the report says the projection with the programme is
unavailable and why.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eah_eval.errors import EahEvalError
from eah_eval.reporting.finance.params import EFFECT_MEASURE, FinanceReportParams

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
    """

    estimate: float
    ci_low: float
    ci_high: float
    level: float
    method_text: str
    source: str
    origin: str

    @property
    def clear(self) -> bool:
        """Whether the interval excludes no change."""
        return self.ci_low > 0 or self.ci_high < 0

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for ``results.json``."""
        return {"measure": EFFECT_MEASURE, "estimate": self.estimate, "ci_low": self.ci_low,
                "ci_high": self.ci_high, "level": self.level, "method_text": self.method_text,
                "source": self.source, "origin": self.origin, "clear": self.clear}


def _bounded(estimate: float, low: float, high: float, where: str) -> None:
    values = (estimate, low, high)
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in values):
        raise FinanceEffectError(
            f"{where}: the change in EHC needs assessment requests per 1,000 pupils has no "
            f"bounded range (estimate {estimate}, range {low} to {high}); the money cannot "
            "carry an unbounded range")
    if not low <= estimate <= high:
        raise FinanceEffectError(
            f"{where}: the estimate {estimate} lies outside its range {low} to {high}")


def effect_from_results(path: str | Path) -> ProgrammeEffect:
    """Read the programme's effect from an impact report's ``results.json``.

    Parameters
    ----------
    path : path
        The impact report's ``results.json``.

    Returns
    -------
    ProgrammeEffect
        Its headline for :data:`EFFECT_MEASURE`, at its level (``1 - alpha``).

    Raises
    ------
    FinanceEffectError
        If the file is missing or not JSON, holds no shown headline for the measure, or its
        range is unbounded.
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
    head = measures[EFFECT_MEASURE].get("headline") or {}
    if head.get("flag"):
        raise FinanceEffectError(
            f"impact results file {p}: the estimate for {EFFECT_MEASURE!r} is not shown "
            f"(symbol {head['flag']!r}: {head.get('note') or 'hidden or not available'})")
    alpha = (res.get("parameters") or {}).get("alpha", 0.05)
    est, low, high = (head.get(k) for k in ("estimate", "ci_low", "ci_high"))
    if est is None or low is None or high is None:
        raise FinanceEffectError(
            f"impact results file {p}: the estimate for {EFFECT_MEASURE!r} has no bounded "
            "range (an unbounded end is written as null)")
    _bounded(float(est), float(low), float(high), f"impact results file {p}")
    return ProgrammeEffect(
        estimate=float(est), ci_low=float(low), ci_high=float(high), level=1.0 - float(alpha),
        method_text=str(head.get("method_text", "")),
        source=f"the impact report's estimate ({p.name} in {p.parent.name or p.parent})",
        origin="impact_results")


def estimate_effect(params: FinanceReportParams, *, council: Any = None) -> ProgrammeEffect:
    """Estimate the programme's effect from the data, as the impact report does.

    Parameters
    ----------
    params : FinanceReportParams
        Data folder and the estimation settings (comparison group, inference method,
        replications, seed, alpha, programme phases, rollout rule).
    council : eah_eval.data.load.Council, optional
        The data already loaded (default: loaded from ``params.data``).

    Returns
    -------
    ProgrammeEffect

    Raises
    ------
    FinanceEffectError
        If the estimator cannot run on the data (for example fewer than two rollout timings)
        or the interval is unbounded.
    """
    from eah_eval.data.load import load_council
    from eah_eval.did import aggregate, att_gt
    from eah_eval.inference import describe_method, infer
    from eah_eval.measures import open_tables, rollout_panel
    from eah_eval.measures.programme import ProgrammeScope

    if council is None:
        council = load_council(params.data)
    scope = ProgrammeScope(phases=params.programme_phases)
    panel = rollout_panel(open_tables(council), EFFECT_MEASURE, level="school",
                          mid_period_rule=params.mid_period_rule, scope=scope)
    if panel["first_treated"].nunique() < 2:
        raise FinanceEffectError(
            "fewer than two rollout timings in the data: the programme's effect on EHC needs "
            "assessment requests cannot be estimated")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gt = att_gt(panel, "y", "unit", "period_index", "first_treated",
                        control_group=params.comparison_group, weights="weight",
                        cluster="cluster", base_period="universal", method="dr")
            simple = aggregate(gt, "simple")
            table = infer(simple, panel, method=params.inference, outcome="y", unit="unit",
                          time="period_index", cohort="first_treated", cluster="cluster",
                          weights="weight", draws=params.bootstrap_reps, rng=params.seed,
                          level=params.level)
    except EahEvalError as exc:
        raise FinanceEffectError(
            f"the programme's effect on EHC needs assessment requests cannot be estimated: "
            f"{exc}") from None
    row = table.to_frame().iloc[-1]
    est, low, high = float(row["estimate"]), float(row["ci_low"]), float(row["ci_high"])
    _bounded(est, low, high, "the estimate made from the data")
    method = describe_method({**dict(table.record), "method": str(row["method"])}).rstrip(".")
    return ProgrammeEffect(
        estimate=est, ci_low=low, ci_high=high, level=params.level, method_text=method,
        source="estimated from the data with the impact report's method (difference in "
               "differences across the rollout, all clusters)",
        origin="estimated")


def programme_effect(params: FinanceReportParams, *, council: Any = None) -> ProgrammeEffect:
    """Return the programme's effect by the route the parameters choose (module notes).

    ``council`` is the data already loaded, used when the effect is estimated here.

    Raises
    ------
    FinanceEffectError
        As :func:`effect_from_results` or :func:`estimate_effect`.
    """
    if params.impact_results:
        return effect_from_results(params.impact_results)
    return estimate_effect(params, council=council)
