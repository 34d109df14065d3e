"""The delivery section: what was delivered in each cluster, its risks, and dose against change.

Rendered from ``Evaluation.delivery`` (:mod:`eah_eval.reporting.impact.delivery`).
"""

from __future__ import annotations

import pandas as pd

from eah_eval.reporting.html import bullet_list, paragraph, section, unavailable
from eah_eval.reporting.impact.model import Evaluation
from eah_eval.reporting.tables import html_table


def _pct(v: float | None) -> str:
    return "x" if v is None else f"{v:.0f}"


def _one(v: float | None) -> str:
    return "x" if v is None else f"{v:.1f}"


def delivery(ev: Evaluation) -> str:
    """Delivery by cluster against the yardstick and plan, and the delivery risks."""
    d = ev.delivery
    if d.get("unavailable"):
        return section("What was delivered", unavailable("Delivery", str(d["unavailable"])),
                       anchor="delivery")
    rows = {}
    for r in d["by_cluster"]:
        rows[r["cluster_name"]] = {
            "Wave": str(r["wave"]),
            "Go-live": r["go_live"],
            f"Expert days, % of yardstick ({d['latest_year']})": _pct(r["yardstick_pct_latest"]),
            "Practitioners in post, % of plan, term before go-live":
                _pct(r["fte_before_go_live_pct"]),
            "Requests per school a term, first year": _one(r["requests_per_school_first_year"]),
            "Requests per school a term, latest year":
                _one(r["requests_per_school_latest_year"]),
            "Requests met without escalation, %": _pct(r["met_without_escalation_pct"]),
            "Cost per expert day, £": ("x" if r["cost_per_expert_day_latest"] is None
                                       else f"{r['cost_per_expert_day_latest']:,.0f}"),
        }
    disp = pd.DataFrame.from_dict(rows, orient="index")
    disp.index.name = "Cluster"
    risks = d.get("risks", [])
    parts = [
        paragraph("What each cluster received, from the programme's own activity, request, "
                  "workforce and finance records (complete periods only). The 40/160 "
                  "yardstick is the planned expert time: 40 days a year for a primary school "
                  "and 160 for a secondary school."),
        html_table(disp, caption="Delivery by cluster; Experts at Hand activity, requests, "
                   "workforce and finance records", row_header="Cluster",
                   numeric_columns=[c for c in disp.columns if c != "Go-live"],
                   notes=["Cost per expert day: the latest complete financial year "
                          f"({d['by_cluster'][0]['cost_year'] if d['by_cluster'] else ''})",
                          "Requests met without escalation: since go-live",
                          "x = not available"]),
    ]
    if risks:
        parts.append("<h3>Risks seen in delivery</h3>" + bullet_list([r["text"] for r in risks]))
    else:
        parts.append(paragraph("No delivery risk met the reporting rules."))
    parts.append(dose_table(ev))
    return section("What was delivered", "\n".join(parts), anchor="delivery")


def dose_table(ev: Evaluation) -> str:
    """Each outcome's change against the expert days delivered: slope, range, plain words."""
    level = round(100 * (1 - ev.params.alpha))
    rows, methods, said = {}, [], []
    for e in ev.measures.values():
        d = e.dose
        if not d or d.get("unavailable"):
            rows[e.title] = {"Change per 10 points of the yardstick": "x",
                             f"{level}% interval": "x", "Clusters": "x",
                             "More delivery, more change?": str(d.get("unavailable", "x"))}
            continue
        ten = d["per_10_points"]
        lo, hi = ten["ci_low"], ten["ci_high"]
        clear = lo is not None and hi is not None and (lo > 0 or hi < 0)
        interval = "unbounded" if lo is None or hi is None else f"{lo:,.2f} to {hi:,.2f}"
        rows[e.title] = {
            "Change per 10 points of the yardstick": f"{ten['slope']:,.2f}",
            f"{level}% interval": interval,
            "Clusters": str(d["n_points"]),
            "More delivery, more change?": ("yes: larger change with more delivery" if clear
                                            and (lo > 0) == (e.headline.estimate > 0)
                                            else "yes: smaller change with more delivery"
                                            if clear else "no clear relationship"),
        }
        methods.append(d["method_text"])
        said.append(clear)
    if not rows:
        return ""
    disp = pd.DataFrame.from_dict(rows, orient="index")
    disp.index.name = "Measure"
    verdict = ("For no measure did more delivery go with a clearly different change: the "
               "ranges are wide because the clusters within a wave received similar amounts."
               if not any(said) else
               "For some measures more delivery went with a clearly different change (see "
               "the table); this is an association across clusters, not proof of cause.")
    return ("<h3>Did more delivery go with more change?</h3>" + paragraph(
        "Each cluster's change (as in the appendix) against the expert days it received "
        "from go-live to the end of the evidence window, as a share of the 40/160 "
        "yardstick. Clusters are compared only with clusters of the same wave, since earlier "
        "waves also had longer. " + verdict) + html_table(
        disp, caption="Change in each measure per 10 percentage points more of the expert-day "
        "yardstick, across clusters; activity and outcome records", row_header="Measure",
        numeric_columns=["Change per 10 points of the yardstick", "Clusters"],
        notes=[*(f"Intervals: {m}" for m in dict.fromkeys(methods)),
               "Assumes each dose group would have followed the same trend without the "
               "programme, and that delivery was not steered by the outcomes; wave 3 has no "
               "comparison and is not on the line"]))
