"""The High Needs Block consequence of the estimated change, for the value-for-money section.

When the data hold the finance tables (the EHC plan caseload, high-needs unit costs and High
Needs Block income: :func:`eah_eval.finance.load_finance_inputs`), the change in EHC needs
assessment requests per 1,000 pupils is carried into money as its interval, never as a point
(:meth:`eah_eval.finance.EffectDistribution.from_interval`), through the cohort projection with
and without the programme (:func:`eah_eval.finance.project`). Which of the evaluation's
estimates is carried follows the one rule of :mod:`eah_eval.reporting.impact.money_effect`:
the comparison with other areas in the years when every cluster was live when the report has
it, the council's own estimate otherwise. The section then states the high-needs spend avoided
in the last projected year and over the projection, the cumulative DSG position at its end
with and without the programme, and the payback year, each with its 95% range, and what the
spend avoided and the DSG position would be on the other estimate. The finance report
(``eah-eval finance``) shows the same projection in full; with the same data, seed and
defaults it gives the same numbers.

Without the finance tables, or without an estimate that can be carried, the result is
``{"unavailable": reason}`` and the section says why.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np

from eah_eval.errors import EahEvalError
from eah_eval.finance.states import fy_label
from eah_eval.reporting.glossary import file_words
from eah_eval.reporting.impact.inputs import ReportInputs
from eah_eval.reporting.impact.model import MeasureEvaluation
from eah_eval.reporting.impact.money_effect import (
    EffectChoice,
    choose_effect,
    internal_row,
    later_years_row,
)

__all__ = ["HIGH_NEEDS_DRAWS", "HIGH_NEEDS_MEASURE", "HIGH_NEEDS_YEARS", "evaluate_high_needs"]

logger = logging.getLogger(__name__)

#: The measure whose estimated change is carried into the High Needs Block.
HIGH_NEEDS_MEASURE = "ehc_requests_per_1000"
#: Financial years projected (the finance report's default).
HIGH_NEEDS_YEARS = 5
#: Draws of the projection (the finance report's default).
HIGH_NEEDS_DRAWS = 1000


def _fy(year: int | None) -> str | None:
    return None if year is None else fy_label(year)


def _interval(draws: np.ndarray, level: float = 0.95) -> dict[str, float]:
    """Median and central range of draws, in pounds and as printed (millions, 1 decimal)."""
    tail = (1 - level) / 2
    lo, med, hi = np.nanquantile(np.asarray(draws, dtype=float), [tail, 0.5, 1 - tail])
    out = {"median": float(med), "ci_low": float(lo), "ci_high": float(hi), "level": level,
           "level_pct": round(100 * level)}
    for key in ("median", "ci_low", "ci_high"):
        out[f"{key}_million"] = round(out[key] / 1e6, 1)
    return out


def _year(r: Any) -> dict[str, Any]:
    """Return a year from draws, its labels and the share (%) of draws it never comes in."""
    return {"median": r.median, "ci_low": r.ci_low, "ci_high": r.ci_high,
            "level": float(r.level), "share_never": float(r.share_never),
            "share_never_pct": round(100 * float(r.share_never)),
            "median_label": _fy(r.median), "ci_low_label": _fy(r.ci_low),
            "ci_high_label": _fy(r.ci_high)}


def _project(inputs: ReportInputs, finance: Any, choice: EffectChoice) -> Any:
    """Project with and without the programme, the effect ``choice`` carried as its range."""
    from eah_eval.finance import EffectDistribution, project

    p = inputs.params
    effect = EffectDistribution.from_interval(
        choice.estimate, choice.ci_low, choice.ci_high, level=1 - p.alpha, scale="per_1000",
        baseline_per_1000=finance.request_rate_per_1000, seed=p.seed,
        description=f"the impact report's estimate: {choice.label}")
    return project(finance, effect, years=HIGH_NEEDS_YEARS, n_draws=HIGH_NEEDS_DRAWS,
                   seed=p.seed, backtest=False)


def _effect_dict(choice: EffectChoice, level: float) -> dict[str, Any]:
    return {**choice.to_dict(), "level": level}


def evaluate_high_needs(inputs: ReportInputs, done: Mapping[str, MeasureEvaluation],
                        external: Mapping[str, Any]) -> dict[str, Any]:
    """Project the High Needs Block consequence of the estimated change (module notes).

    Parameters
    ----------
    inputs : ReportInputs
        The report's validated data (its council is passed to the finance layer).
    done : mapping of str -> MeasureEvaluation
        The measures estimated; :data:`HIGH_NEEDS_MEASURE` must be among them.
    external : mapping
        The comparison with other areas
        (:func:`eah_eval.reporting.impact.external.evaluate_external`), whose later-years
        estimate for the measure is carried when it is there.

    Returns
    -------
    dict
        Years, the estimate carried (``effect``, with its ``basis`` and why), spend avoided in
        the last year and over the projection, the programme's planned cost, the cumulative
        DSG position with and without the programme and their difference, breakeven and
        payback (each a median with its range), and ``alternative`` (the other estimate with
        its spend avoided and DSG difference, or None); or ``{"unavailable": reason}``.
    """
    from eah_eval.finance import dsg_position, load_finance_inputs, payback

    try:
        finance = load_finance_inputs(inputs.council)
    except EahEvalError as exc:
        return {"unavailable": file_words(str(exc))}
    e = done.get(HIGH_NEEDS_MEASURE)
    if e is None:
        return {"unavailable": "the change in EHC needs assessment requests per 1,000 pupils "
                               "was not estimated in this report"}
    try:
        chosen, other = choose_effect(internal_row(e),
                                      later_years_row(external, HIGH_NEEDS_MEASURE))
    except EahEvalError as exc:
        return {"unavailable": str(exc)}
    if finance.request_rate_per_1000 is None:
        return {"unavailable": "the data hold no EHC needs assessment requests from before the "
                               "first go-live, so the change per 1,000 pupils cannot be turned "
                               "into a change in new plans"}
    level = 1 - inputs.params.alpha
    logger.info("impact evaluation: High Needs Block projection, %d years", HIGH_NEEDS_YEARS)
    proj = _project(inputs, finance, chosen)
    w, wo = proj.scenarios["with"], proj.scenarios["without"]
    avoided = wo.spend_gbp - w.spend_gbp
    dsg_with, dsg_without = dsg_position(proj, "with"), dsg_position(proj, "without")
    pay = payback(proj)
    alternative = None
    if other is not None:
        alt = _project(inputs, finance, other)
        alt_avoided = alt.scenarios["without"].spend_gbp - alt.scenarios["with"].spend_gbp
        alt_dsg = dsg_position(alt, "with") - dsg_position(alt, "without")
        alternative = {"effect": _effect_dict(other, level),
                       "spend_avoided_total_gbp": _interval(alt_avoided.sum(axis=1)),
                       "dsg_difference_gbp": _interval(alt_dsg[:, -1])}
    return {
        "first_year": int(proj.years[0]),
        "last_year": int(proj.years[-1]),
        # As printed in sentences: financial years, millions to one decimal.
        "first_year_label": fy_label(int(proj.years[0])),
        "last_year_label": fy_label(int(proj.years[-1])),
        "programme_cost_total_gbp_million": round(float(np.sum(w.programme_cost_gbp)) / 1e6, 1),
        "effect": _effect_dict(chosen, level),
        "alternative": alternative,
        "spend_avoided_last_year_gbp": _interval(avoided[:, -1]),
        "spend_avoided_total_gbp": _interval(avoided.sum(axis=1)),
        "programme_cost_total_gbp": float(np.sum(w.programme_cost_gbp)),
        "dsg_with_gbp": _interval(dsg_with[:, -1]),
        "dsg_without_gbp": _interval(dsg_without[:, -1]),
        "dsg_difference_gbp": _interval(dsg_with[:, -1] - dsg_without[:, -1]),
        "payback": _year(pay.payback),
        "breakeven": _year(pay.breakeven),
        "n_draws": proj.n_draws,
        "seed": proj.seed,
    }
