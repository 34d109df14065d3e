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
