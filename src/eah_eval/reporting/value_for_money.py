"""Value-for-money section of the impact report: programme cost and valued changes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eah_eval.reporting.estimate_sections import _fmt
from eah_eval.reporting.html import paragraph, section
from eah_eval.reporting.measure_estimates import MeasureEstimate
from eah_eval.reporting.tables import html_table

if TYPE_CHECKING:  # pragma: no cover
    from eah_eval.reporting.impact import _Context

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


def _vfm(ctx: _Context, done: list[MeasureEstimate]) -> tuple[str, dict[str, Any]]:
    p = ctx.params
    fin = ctx.tables.get("finance")
    if fin is None or fin.empty:
        return section("Value for money", ctx.note_unavailable(
            "Value for money", "there is no finance table in the data."), anchor="vfm"), {}
    all_clusters = set(ctx.tables["clusters"]["cluster_id"])
    chosen = set(ctx.design["cluster_id"])
    spend = fin[~fin["cost_line"].isin(NOT_PROGRAMME_COSTS)]
    excluded = float(fin.loc[fin["cost_line"].isin(NOT_PROGRAMME_COSTS), "amount_gbp"].sum())
    cluster_cost = float(spend.loc[spend["cluster_id"].isin(chosen), "amount_gbp"].sum())
    shared = float(spend.loc[~spend["cluster_id"].isin(all_clusters), "amount_gbp"].sum())
    schools = ctx.tables["schools"]
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
    parts = [paragraph(
        f"Programme cost in the finance records from {months.min()} to {months.max()} for the "
        f"clusters in this report: £{total:,.0f}, about £{annual:,.0f} a year. This includes "
        f"{100 * share:.0f}% of the central costs shared across clusters and leaves out "
        f"£{excluded:,.0f} of statutory EHC needs assessment costs, which Experts at Hand does "
        "not fund."
    )]
    rows = {}
    level = round(100 * (1 - p.alpha))
    for e in done:
        if e.measure_id not in VALUED or not np.isfinite(e.n_pupils_treated):
            continue
        key, what, per_pupil = VALUED[e.measure_id]
        panel = ctx.panel(e.measure_id)
        treated = panel[panel["first_treated"] > 0]
        records = float(treated.groupby("period_index")["denominator"].sum().mean())
        if not records >= ctx.policy.threshold:
            continue  # too few pupils to value without showing a small count
        scale = records * per_pupil
        per_year = 3.0 if panel.attrs.get("period") == "term" else 1.0
        # A fall in the measure is a change avoided; carry the interval through.
        change = [-v * scale for v in (e.estimate, e.upper, e.lower)]
        unit_cost = float(p.unit_costs.get(key, float("nan")))
        valued = [c * unit_cost for c in change] if unit_cost > 0 else [float("nan")] * 3
        per_outcome = annual / per_year / change[0] if change[0] > 0 else float("nan")
        rows[what[0].upper() + what[1:]] = {
            "Estimate": _fmt(change[0], 1),
            f"{level}% interval": f"{_fmt(change[1], 1)} to {_fmt(change[2], 1)}",
            "Unit cost (£)": _fmt(unit_cost, 0) if unit_cost > 0 else "x",
            "Value (£)": (f"{_fmt(valued[0], 0)} ({_fmt(valued[1], 0)} to "
                          f"{_fmt(valued[2], 0)})" if unit_cost > 0 else "x"),
            "Programme cost per one (£)": _fmt(per_outcome, 0),
        }
        out["valued"][e.measure_id] = {
            "what": what, "estimate": change[0], "ci_lower": change[1], "ci_upper": change[2],
            "records_per_period": records, "unit_cost_gbp": unit_cost if unit_cost > 0 else None,
            "value_gbp": valued[0], "value_ci_lower_gbp": valued[1],
            "value_ci_upper_gbp": valued[2], "cost_per_outcome_gbp": per_outcome,
        }
    if rows:
        disp = pd.DataFrame.from_dict(rows, orient="index")
        disp.index.name = "Change"
        parts.append(html_table(
            disp,
            caption="Estimated changes in the clusters that started, valued at the stated unit "
            "costs; finance and school census records",
            row_header="Change",
            notes=[
                "Changes apply the estimated change to the pupils in clusters that started "
                "(the measure's own count: pupils on roll, or enrolments aged 5 to 15 for "
                "persistent absence); a fall counts as a change avoided; negative = an increase",
                "Unit costs are report parameters (unit_costs); x = no unit cost stated",
                "Programme cost per one: programme cost over the same period (a year, or a "
                "third of a year for a term) divided by the estimated change; x when the "
                "estimate is not a reduction",
                "Intervals carry the uncertainty of the estimate through; cost figures "
                "themselves are taken as known",
            ]))
    else:
        parts.append(paragraph(
            "No measure with a stated unit cost has an estimate in this report, so changes "
            "are not valued. Unit costs used when available: "
            + ", ".join(f"{k} £{v:,.0f}" for k, v in p.unit_costs.items()) + "."
        ))
    return section("Value for money", "\n".join(parts), anchor="vfm"), out
