"""The comparison with other areas: internal and external estimates side by side.

Rendered from ``Evaluation.external`` (:mod:`eah_eval.reporting.impact.external`); computes
nothing.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from eah_eval.reporting.html import bullet_list, paragraph, section, unavailable
from eah_eval.reporting.impact.model import Evaluation
from eah_eval.reporting.narrative import fmt_estimate
from eah_eval.reporting.tables import html_table

TITLE = "Comparison with other areas"
_ORDER = ("internal", "external_council", "later_years", "external_national")
_KIND_COMPARISON = {
    "internal": "schools in the council's clusters not yet started",
    "external_council": "authorities not started by the end of the national panel, weighted "
                        "to match the council before it started",
    "later_years": "the same, over the periods after the council's last comparison period "
                   "only: the years the council's own design cannot cover",
    "external_national": "every authority that started, against authorities not yet started",
}


def _compared_with(key: str, r: dict[str, Any]) -> str:
    if key == "internal":
        return "clusters not yet started"
    if key == "external_national":
        return f"{r.get('n_authorities', '')} authorities"
    return f"{r.get('n_comparison', '')} authorities"


def _interval(r: dict[str, Any]) -> str:
    if r.get("flag"):
        return str(r["flag"])
    if r.get("ci_low") is None or r.get("ci_high") is None:
        return "unbounded"
    return f"{fmt_estimate(r['ci_low'])} to {fmt_estimate(r['ci_high'])}"


def external(ev: Evaluation) -> str:
    """Render internal (cluster) and external (area) estimates with windows and assumptions."""
    x = ev.external
    if not x or x.get("unavailable"):
        why = str(x.get("unavailable", "not computed")) if x else "not computed"
        return section(TITLE, unavailable(TITLE, why), anchor="external")
    level = round(100 * (1 - ev.params.alpha))
    parts = [paragraph(
        "The council's own design compares clusters that started with clusters not yet "
        "started, so it has no comparison once the last wave is live. Other authorities, "
        "starting Experts at Hand at their own dates, can be the comparison until they start. "
        f"Below, each estimate with its comparison, evidence window and assumptions. The "
        f"other authorities' figures come from the national panel supplied with the data; "
        f"the council's own figures ({x['la_name']}, LA code {x['la_code']}) are computed "
        "from its own records with the same measures and schools as the rest of this "
        "report, so the council's series here is the one the other sections show"
        + (", and replace the rows the national panel held for it"
           if (x.get("council_rows") or {}).get("replaced") else "") + ".")]
    kinds: dict[str, dict[str, str]] = {}
    rows: list[dict[str, str]] = []
    methods: dict[str, list[str]] = {}
    fits: list[str] = []
    notes: list[str] = []
    for m in x["measures"].values():
        first = True
        for key in _ORDER:
            r = m.get(key, {})
            if r.get("unavailable"):
                notes.append(f"{m['title']}, later years: not shown ({r['unavailable']})")
                continue
            kinds.setdefault(r["label"], {"Comparison": _KIND_COMPARISON[key],
                                          "Assumptions": r["assumptions"]})
            methods.setdefault(r["method"], []).append(r["label"])
            rows.append({
                "Measure": m["title"] if first else "",
                "Estimate": r["label"],
                "Compared with": _compared_with(key, r),
                "Evidence window": f"{r['window'][0]} to {r['window'][1]}",
                "Best estimate": fmt_estimate(r["estimate"]) if not r.get("flag")
                else str(r["flag"]),
                f"{level}% interval": _interval(r),
            })
            first = False
        council = m.get("external_council", {})
        if council.get("top_weights"):
            later = m.get("later_years", {})
            fits.append(
                f"{m['title']}: largest comparison weights "
                + ", ".join(f"{k} {v}" for k, v in council["top_weights"].items())
                + f"; root mean square gap before the start "
                f"{fmt_estimate(council['pre_fit_rmse'])}"
                + (f" (later years: {fmt_estimate(later['pre_fit_rmse'])})"
                   if later.get("pre_fit_rmse") is not None else ""))
    what = pd.DataFrame.from_dict(kinds, orient="index")
    what.index.name = "Estimate"
    parts.append(html_table(
        what, caption="What each estimate compares and what it assumes",
        row_header="Estimate", numeric_columns=[]))
    disp = pd.DataFrame(rows).set_index("Measure")
    parts.append(html_table(
        disp, caption="Internal and external estimates side by side, by measure: the "
        "council's data and the national panel", row_header="Measure",
        numeric_columns=["Best estimate", f"{level}% interval"],
        notes=["Intervals: " + "; ".join(f"{', '.join(dict.fromkeys(labels))}: "
                                         f"{method.rstrip('.')}"
                                         for method, labels in methods.items()),
               *fits, *notes]))
    if x.get("not_in_panel"):
        parts.append(paragraph("Not in the national panel, so shown for the council's own "
                               "design only: " + ", ".join(x["not_in_panel"]) + "."))
    parts.append(bullet_list([
        "The internal estimate rests on the council's own rollout; the external ones rest on "
        "other areas being a fair comparison. Where they agree over the same years, each "
        "supports the other; the later-years row is the only evidence for the years after "
        "the council's last comparison period.",
        "The national row is the average change where the programme started, not this "
        "council's; its interval is clustered by authority, which is valid with this many "
        "authorities.",
    ]))
    return section(TITLE, "".join(parts), anchor="external")
