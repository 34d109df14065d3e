"""The finance report's assurer's record (AQuA), built by rule from the evaluation.

The same record as the other reports' (:mod:`eah_eval.reporting.assurance` describes its
fields and renders it). Limitations are graded:

* **high**: a part of the report that could not be computed, and a back-test in which the
  model did not beat the naive trend;
* **medium**: a programme effect whose range includes no change, and the effect applied to
  the whole council from the clusters where it was estimated;
* **low**: income and programme costs taken as known.
"""

from __future__ import annotations

from typing import Any

from eah_eval.reporting.assurance import assurer_record
from eah_eval.reporting.finance.model import FinanceEvaluation

__all__ = ["FINANCE_VERIFICATION", "finance_assurance"]

#: Checks of the test suite that concern the finance report, with the test file.
FINANCE_VERIFICATION: tuple[tuple[str, str], ...] = (
    ("The demo finance report is written with fan charts, breakeven and payback; its "
     "back-test beats the naive trend one to three years ahead; no small count of EHC plans "
     "is published; axe-core finds no WCAG 2.2 AA violation",
     "tests/reporting/finance/test_finance_report.py"),
    ("The programme effect estimated by the finance report equals the impact report's "
     "headline on the same data", "tests/reporting/finance/test_programme_effect.py"),
)

_ASSUMPTIONS: tuple[dict[str, str], ...] = (
    {"assumption": "New EHC plans, moves between placements and plans ending follow the "
                   "council's own recent history.",
     "checked": "back-test on held-out years, one to three years ahead, against a naive "
                "trend (How well the model forecasts)"},
    {"assumption": "The programme changes new plans in proportion to its effect on EHC needs "
                   "assessment requests, and changes nothing else.",
     "checked": "not tested here; the effect's full range is carried into every draw"},
    {"assumption": "Unit costs by placement type move as in the finance tables; High Needs "
                   "Block income is as supplied.",
     "checked": "taken from the finance tables; stated under Scenarios and assumptions"},
)


def finance_assurance(ev: FinanceEvaluation) -> dict[str, Any]:
    """Return the assurer's record of one finance report (module notes).

    Parameters
    ----------
    ev : FinanceEvaluation

    Returns
    -------
    dict
        The record, ready for ``results.json`` (fields in :mod:`eah_eval.reporting.assurance`).
    """
    p = ev.params
    limits: list[dict[str, str]] = [
        {"impact": "high", "limitation": f"{u.what} is not available: {u.reason}"}
        for u in {(u.what, u.reason): u for u in ev.unavailable}.values()]
    proj = ev.projection
    if proj is not None:
        worse = [b.horizon for b in proj.backtest if not b.mape_model < b.mape_naive]
        if worse:
            limits.append({"impact": "high", "limitation": (
                "On past years the model did not forecast plan numbers better than a naive "
                f"trend {', '.join(map(str, worse))} year(s) ahead.")})
    if ev.effect is not None:
        if not ev.effect.clear:
            limits.append({"impact": "medium", "limitation": (
                "The range of the programme's effect on EHC needs assessment requests "
                "includes no change, so the scenario with the programme may save nothing; "
                "the ranges of spend avoided and of the payback year show it.")})
        limits.append({"impact": "medium", "limitation": (
            "The effect was estimated in the clusters and years of the rollout and is applied "
            "to the whole council in every projected year.")})
    limits.append({"impact": "low", "limitation": (
        "High Needs Block income and the programme's planned cost are taken as known; a "
        "change to either moves the DSG position by the same amount.")})
    return assurer_record(p, assumptions=_ASSUMPTIONS, verification=FINANCE_VERIFICATION,
                            limitations=limits, fingerprint=ev.data_fingerprint)
