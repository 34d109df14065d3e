"""The value-for-money section: programme cost and the valued changes with their intervals."""

from __future__ import annotations

import pandas as pd

from eah_eval.reporting.html import paragraph, section, unavailable
from eah_eval.reporting.impact.model import Evaluation
from eah_eval.reporting.narrative import fmt_estimate
from eah_eval.reporting.tables import html_table


def value_for_money(ev: Evaluation) -> str:
    """Render the value-for-money numbers of the evaluation."""
    p = ev.params
    v = ev.value_for_money
    if v.get("unavailable"):
        return section("Value for money", unavailable("Value for money", v["unavailable"]),
                       anchor="vfm")
    parts = [paragraph(
        f"Programme cost in the finance records from {v['first_month']} to {v['last_month']} "
        f"for the clusters in this report: £{v['programme_cost_gbp']:,.0f}, about "
        f"£{v['annual_cost_gbp']:,.0f} a year. This includes {100 * v['shared_share']:.0f}% "
        "of the central costs shared across clusters and leaves out "
        f"£{v['excluded_statutory_gbp']:,.0f} of statutory EHC needs assessment costs, which "
        "Experts at Hand does not fund."
    )]
    level = round(100 * (1 - p.alpha))
    rows = {}
    for r in v["valued"].values():
        unit_cost = r["unit_cost_gbp"]
        rows[r["what"][0].upper() + r["what"][1:]] = {
            "Estimate": fmt_estimate(r["estimate"], 0),
            f"{level}% interval": (f"{fmt_estimate(r['ci_lower'], 0)} to "
                                   f"{fmt_estimate(r['ci_upper'], 0)}"),
            "Unit cost (£)": fmt_estimate(unit_cost, 0) if unit_cost else "x",
            "Value (£)": (f"{fmt_estimate(r['value_gbp'], 0)} "
                          f"({fmt_estimate(r['value_ci_lower_gbp'], 0)} to "
                          f"{fmt_estimate(r['value_ci_upper_gbp'], 0)})" if unit_cost else "x"),
            "Programme cost per one (£)": fmt_estimate(r["cost_per_outcome_gbp"], 0),
        }
    if rows:
        disp = pd.DataFrame.from_dict(rows, orient="index")
        disp.index.name = "Change"
        methods = list(dict.fromkeys(r["method_text"] for r in v["valued"].values()))
        parts.append(html_table(
            disp,
            caption="Estimated changes in the clusters that started, valued at the stated unit "
            "costs; finance and school census records",
            row_header="Change",
            notes=[
                "Changes apply the estimated change to the pupils in clusters that started "
                "(the measure's own count: pupils on roll, or enrolments aged 5 to 15 for "
                "persistent absence); a fall counts as a change avoided; negative = an "
                "increase; rounded to whole numbers",
                *(f"Intervals: {m}" for m in methods),
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
            + ", ".join(f"{k} £{c:,.0f}" for k, c in p.unit_costs.items()) + "."
        ))
    return section("Value for money", "\n".join(parts), anchor="vfm")
