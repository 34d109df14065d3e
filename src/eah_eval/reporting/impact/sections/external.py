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
        f"Below, each estimate with its comparison, evidence window and assumptions; the "
        f"other areas' data come from {x['folder']} (the council is {x['la_name']}, LA code "
        f"{x['la_code']}).")]
    for m in x["measures"].values():
        rows = {}
        notes: list[str] = []
        methods: list[str] = []
        for key in _ORDER:
            r = m.get(key, {})
            if r.get("unavailable"):
                notes.append(f"Later years: not shown ({r['unavailable']})")
                continue
            rows[r["label"]] = {
                "Comparison": r["comparison"],
                "Evidence window": f"{r['window'][0]} to {r['window'][1]}",
                "Best estimate": fmt_estimate(r["estimate"]) if not r.get("flag")
                else str(r["flag"]),
                f"{level}% interval": _interval(r),
                "Assumptions": r["assumptions"],
            }
            methods.append(f"{r['label']}: {r['method']}")
            if r.get("top_weights"):
                notes.append(f"{r['label']}: largest comparison weights "
                             + ", ".join(f"{k} {v}" for k, v in r["top_weights"].items())
                             + f"; root mean square gap before the start "
                             f"{fmt_estimate(r['pre_fit_rmse'])}")
        disp = pd.DataFrame.from_dict(rows, orient="index")
        disp.index.name = "Estimate"
        parts.append(html_table(
            disp, caption=f"Internal and external estimates side by side: {m['title']}; the "
            "council's data and the national panel", row_header="Estimate",
            numeric_columns=["Best estimate", f"{level}% interval"],
            notes=["Intervals: " + "; ".join(methods), *notes]))
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
