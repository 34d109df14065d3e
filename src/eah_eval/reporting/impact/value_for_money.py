"""Value for money: programme cost and the estimated changes valued at stated unit costs.

Computed from the finance records and the headline estimates (with their intervals); the
section that shows it is :mod:`eah_eval.reporting.impact.sections.value_for_money`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from eah_eval.reporting.impact.inputs import ReportInputs
from eah_eval.reporting.impact.model import MeasureEvaluation

#: Finance cost lines that are not Experts at Hand spending (statutory EHC needs assessments
#: are funded separately and kept out of the programme's inputs).
NOT_PROGRAMME_COSTS: frozenset[str] = frozenset({"statutory_assessment"})

#: Measures valued in the value-for-money section: (unit cost key, what one unit of change is,
#: multiplier from the measure's unit to a count per pupil).
VALUED: dict[str, tuple[str, str, float]] = {
    "ehc_requests_per_1000": ("ehc_needs_assessment",
                              "EHC needs assessment requests avoided (per year)", 1 / 1000),
    "absence_persistent_pct": ("persistent_absence_case",
                               "pupils no longer persistently absent (per term)", 1 / 100),
}


def evaluate_value_for_money(inputs: ReportInputs,
                             done: Mapping[str, MeasureEvaluation]) -> dict[str, Any]:
    """Programme cost for the report's clusters and each valued change with its interval.

    Returns
    -------
    dict
        Costs, the period they cover, unit costs and ``valued`` (measure id -> change,
        interval, value and cost per outcome); or ``unavailable`` with the reason.
    """
    p = inputs.params
    fin = inputs.tables.get("finance")
    if fin is None or fin.empty:
        return {"unavailable": "there is no finance table in the data",
                "unit_costs": dict(p.unit_costs), "valued": {}}
    all_clusters = set(inputs.tables["clusters"]["cluster_id"])
    chosen = set(inputs.design["cluster_id"])
    spend = fin[~fin["cost_line"].isin(NOT_PROGRAMME_COSTS)]
    excluded = float(fin.loc[fin["cost_line"].isin(NOT_PROGRAMME_COSTS), "amount_gbp"].sum())
    cluster_cost = float(spend.loc[spend["cluster_id"].isin(chosen), "amount_gbp"].sum())
    shared = float(spend.loc[~spend["cluster_id"].isin(all_clusters), "amount_gbp"].sum())
    schools = inputs.tables["schools"]
    share = (float(schools["cluster_id"].isin(chosen).sum())
             / max(float(schools["cluster_id"].isin(all_clusters).sum()), 1.0))
    total = cluster_cost + share * shared
    months = pd.PeriodIndex(spend["month"].astype(str), freq="M")
    years = max((months.max() - months.min()).n + 1, 1) / 12.0
    annual = total / years
    out: dict[str, Any] = {
        "programme_cost_gbp": total, "cluster_costs_gbp": cluster_cost,
        "shared_costs_gbp": share * shared, "shared_share": share,
        "excluded_statutory_gbp": excluded, "years": years, "annual_cost_gbp": annual,
        "first_month": str(months.min()), "last_month": str(months.max()),
        "unit_costs": dict(p.unit_costs), "valued": {},
    }
    for mid, e in done.items():
        if mid not in VALUED or e.sample.pupils_flag_treated:
            continue
        key, what, per_pupil = VALUED[mid]
        panel = inputs.panel(mid)
        treated = panel[panel["first_treated"] > 0]
        records = float(treated.groupby("period_index")["denominator"].sum().mean())
        if not records >= inputs.params.disclosure_threshold:
            continue  # too few pupils to value without showing a small count
        scale = records * per_pupil
        per_year = 3.0 if panel.attrs.get("period") == "term" else 1.0
        h = e.headline
        # A fall in the measure is a change avoided; carry the interval through.
        change = [-v * scale for v in (h.estimate, h.ci_high, h.ci_low)]
        unit_cost = float(p.unit_costs.get(key, float("nan")))
        valued = [c * unit_cost for c in change] if unit_cost > 0 else [float("nan")] * 3
        per_outcome = annual / per_year / change[0] if change[0] > 0 else float("nan")
        out["valued"][mid] = {
            "what": what, "estimate": change[0], "ci_lower": change[1], "ci_upper": change[2],
            "records_per_period": records, "unit_cost_gbp": unit_cost if unit_cost > 0 else None,
            "value_gbp": valued[0], "value_ci_lower_gbp": valued[1],
            "value_ci_upper_gbp": valued[2], "cost_per_outcome_gbp": per_outcome,
            "method_text": h.method_text,
        }
    return out
