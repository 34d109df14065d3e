"""The equality section: level and change for each pupil group, where numbers allow."""

from __future__ import annotations

from html import escape
from typing import Any

import pandas as pd

from eah_eval.reporting.html import bullet_list, paragraph, section, unavailable
from eah_eval.reporting.impact.equality import SUBGROUP_TITLE
from eah_eval.reporting.impact.model import Evaluation
from eah_eval.reporting.impact.sections.estimates import interval_text
from eah_eval.reporting.narrative import fmt_estimate, unit_words
from eah_eval.reporting.tables import html_table


def change_text(est: dict[str, Any], alpha: float) -> str:
    """``change (low to high)`` with the family-adjusted verdict."""
    text = (f"{fmt_estimate(est['estimate'])} ({fmt_estimate(est['ci_low'])} to "
            f"{fmt_estimate(est['ci_high'])})")
    adj = est.get("p_adjusted")
    if adj is not None:
        text += f"; adjusted p = {adj:.3f}" + (" (clear)" if adj < alpha else "")
    return text


def equality(ev: Evaluation) -> str:
    """Render the equality breakdowns."""
    p = ev.params
    level = round(100 * (1 - p.alpha))
    eq = ev.equality
    parts = [paragraph(
        "Outcomes by pupil group are kept under review. For each group we show its level in "
        "the latest complete period and, where numbers allow, the estimated change after "
        "go-live, measured the same way as the headline result and with the same interval "
        "method. A group's change is estimated only when it has at least "
        f"{p.equality_min_pupils} records per period in every rollout wave; otherwise it is "
        "described, not estimated. The groups of one characteristic are a family of tests: "
        f"their p-values are adjusted ({p.family_adjustment}) and a change is called clear "
        "only when its adjusted p-value is below "
        f"{p.alpha:g}. Overlapping intervals do not show that groups changed alike."
    )]
    for u in ev.unavailable_in("equality"):
        parts.append(unavailable(u.what, u.reason))
    for mid, by_sg in eq.get("measures", {}).items():
        title = eq["titles"][mid]["title"]
        unit = eq["titles"][mid]["unit"]
        parts.append(f"<h3>{escape(title)}</h3>")
        rows: dict[str, dict[str, str]] = {}
        not_shown: list[str] = []
        latest = ""
        methods: list[str] = []
        for sg, out in by_sg.items():
            if out["note"]:
                not_shown.append(f"{SUBGROUP_TITLE[sg]}: {out['note']}")
                continue
            latest = out.get("latest_period", latest)
            for g in out["groups"]:
                if g["group"] == "All pupils" and "All pupils" in rows:
                    continue
                name = (g["group"] if g["group"] == "All pupils" or sg != "ethnicity"
                        else f"{SUBGROUP_TITLE[sg]}: {g['group']}")
                lvl = g["level_flag"] or fmt_estimate(g["level"], 1)
                if g["group"] == "All pupils":
                    h = ev.measures.get(mid)
                    change = (f"{fmt_estimate(h.headline.estimate)} "
                              f"({interval_text(h.headline)})" if h else "x")
                elif g.get("estimated") and "estimate" in g:
                    change = change_text(g["estimate"], p.alpha)
                    methods.append(g["estimate"]["method_text"])
                else:
                    change = "not estimated: " + g["reason"].split(":")[0]
                rows[name] = {f"Level, {latest} ({unit})": lvl,
                              f"Change after go-live ({level}% interval)": change}
        if rows:
            disp = pd.DataFrame.from_dict(rows, orient="index")
            disp.index.name = "Pupil group"
            parts.append(html_table(
                disp,
                caption=f"{title} by pupil group: level in {latest} and estimated change "
                f"after go-live ({unit_words(unit)}); all clusters in this report",
                row_header="Pupil group",
                notes=[*(f"Intervals: {m}" for m in (dict.fromkeys(methods)
                                                     or [ev.inference.get("text", "")])),
                       f"Adjusted p: {p.family_adjustment} adjustment within each pupil "
                       "characteristic (a family of tests)",
                       f"Not estimated: the group has fewer than {p.equality_min_pupils} "
                       "records per period in at least one wave"],
            ))
        if not_shown:
            parts.append(paragraph("Not shown:") + bullet_list(not_shown))
    return section("Equality breakdowns", "\n".join(parts), anchor="equality")


def equality_review(ev: Evaluation) -> str:
    """Gaps between pupil groups before and after, the programme's effect on each, the EIA text.

    Rendered from ``equality.gaps`` (:func:`eah_eval.reporting.impact.equality.measure_gaps`).
    """
    p = ev.params
    level = round(100 * (1 - p.alpha))
    eq = ev.equality
    parts = [paragraph(
        "How far apart each pupil group and all other pupils are (the gap), before the "
        "programme and in the latest complete period, and the programme's effect on the gap: "
        "how the gap changed after go-live in clusters that had started, against clusters "
        "that had not started yet (a difference in differences of the gap, with the same "
        "interval method as the headline). A positive gap means the group's rate is higher.")]
    for u in ev.unavailable_in("equality"):
        parts.append(unavailable(u.what, u.reason))
    methods: list[str] = []
    for mid, by_sg in eq.get("gaps", {}).items():
        title = eq["titles"][mid]["title"]
        unit = unit_words(eq["titles"][mid]["unit"])
        rows: dict[str, dict[str, str]] = {}
        small: list[str] = []
        before_lab = after_lab = ""
        for sg, res in by_sg.items():
            for g in res.get("gaps", []):
                if g["before_periods"]:
                    a, b = g["before_periods"]
                    before_lab = a if a == b else f"{a} to {b}"
                after_lab = g["after_period"] or after_lab
                if g.get("estimated") and "effect" in g:
                    e = g["effect"]
                    effect = (f"{fmt_estimate(e['estimate'])} ({fmt_estimate(e['ci_low'])} to "
                              f"{fmt_estimate(e['ci_high'])})")
                    verdict = (f"{e['p_adjusted']:.3f}"
                               + (" (clear)" if g.get("clear") else ""))
                    methods.append(e["method_text"])
                else:
                    small.append(f"{SUBGROUP_TITLE[sg].lower()}: {g['group']}")
                    continue
                rows[f"{SUBGROUP_TITLE[sg]}: {g['group']}"] = {
                    "Gap before": g["before_flag"] or fmt_estimate(g["before"], 1),
                    "Gap latest": g["after_flag"] or fmt_estimate(g["after"], 1),
                    f"Effect on the gap ({level}% interval)": effect,
                    "Adjusted p": verdict,
                }
        if not rows:
            continue
        disp = pd.DataFrame.from_dict(rows, orient="index")
        disp.index.name = "Pupil group"
        parts.append(html_table(
            disp,
            caption=f"{title}: gap between each pupil group and all other pupils ({unit}), "
            f"before go-live ({before_lab}) and latest ({after_lab}), and the programme's "
            "effect on it; school census and outcome records",
            row_header="Pupil group",
            numeric_columns=["Gap before", "Gap latest"],
            notes=[*(f"Intervals: {m}" for m in dict.fromkeys(methods)),
                   f"Adjusted p: {p.family_adjustment} adjustment within each pupil "
                   "characteristic; with many characteristics and measures, an occasional "
                   "clear result is expected by chance",
                   "Effect on the gap: negative = the gap became smaller (or more negative)",
                   f"Gaps are estimated only where the group has at least "
                   f"{p.equality_min_pupils} pupils per period in every wave"
                   + ("; too few pupils to estimate (levels in the appendix): "
                      + "; ".join(small) if small else "")]))
    if eq.get("eia_paragraph"):
        parts.append("<h3>For the equality impact assessment</h3>"
                     + paragraph(str(eq["eia_paragraph"])))
    return section("Equality review", "\n".join(parts), anchor="equality-review")
