"""The value-for-money section: cost, cost per pupil, valued changes and breakeven, with ranges."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from eah_eval.finance.states import fy_label
from eah_eval.reporting.html import bullet_list, paragraph, section, unavailable
from eah_eval.reporting.impact.model import Evaluation
from eah_eval.reporting.impact.value_for_money import unit_cost_label
from eah_eval.reporting.narrative import change_range, money_millions
from eah_eval.reporting.tables import html_table


def money(v: float | None) -> str:
    """Pounds for print, as computed (figures are rounded where they are computed)."""
    return "x" if v is None else f"£{v:,.0f}"


def people(v: float | None) -> str:
    """Whole people with thousands separators (``x`` when hidden or missing)."""
    return "x" if v is None or v != v else f"{v:,.0f}"


def cost_words(v: Mapping[str, Any]) -> str:
    """Programme cost, cost per pupil per year and its EEF rating, in one paragraph."""
    text = (
        f"Programme spending from {v['first_month']} to {v['last_month']} ({v['years']:.1f} "
        f"years) for the clusters in this report: £{v['programme_cost_gbp_million']:,.1f} "
        f"million, about £{v['annual_cost_gbp_million']:,.1f} million a year. This includes "
        f"{100 * v['shared_share']:.0f}% "
        "of the central costs shared across clusters and leaves out "
        f"£{v['excluded_statutory_gbp']:,.0f} of statutory EHC needs assessment costs "
        ", which the programme does not fund.")
    if v.get("cost_per_pupil_year_gbp") is not None:
        text += (
            f" Per pupil: {money(v['cost_per_pupil_year_gbp'])} a year (spending divided by "
            f"{people(v['pupil_years'])} pupil-years on roll in clusters after go-live), a "
            f"'{v['eef_cost_rating']}' cost on the EEF "
            "Toolkit scale (very low under £80, low up to £200, moderate up to £720, high up "
            "to £1,200 per pupil per year).")
    return text


def breakeven_words(v: Mapping[str, Any]) -> list[str]:
    """One sentence per unit cost: how many outcomes a year would pay for the programme."""
    out = []
    for key, b in v.get("breakeven", {}).items():
        out.append(
            f"At {money(b['unit_cost_gbp'])} for {unit_cost_label(key)}, the programme pays "
            f"for itself on that saving alone if it avoids {people(b['outcomes_a_year'])} a "
            "year.")
    return out


def _m_range(iv: Mapping[str, Any]) -> str:
    return (f"{money_millions(iv['median'])} ({round(100 * iv['level'])}% range "
            f"{money_millions(iv['ci_low'])} to {money_millions(iv['ci_high'])})")


def _year_text(r: Mapping[str, Any], last: int) -> str:
    if r["median"] is None:
        return (f"not within the projected years (to {fy_label(last)}) in "
                f"{r['share_never_pct']}% of draws")
    high = fy_label(r["ci_high"]) if r["ci_high"] is not None else f"after {fy_label(last)}"
    return (f"{fy_label(r['median'])} ({round(100 * r['level'])}% range {fy_label(r['ci_low'])} to "
            f"{high})")


def high_needs(v: Mapping[str, Any]) -> str:
    """Render the High Needs Block consequence of the estimated change, with its ranges."""
    hn = v.get("high_needs") or {}
    title = "High Needs Block consequence"
    if not hn or hn.get("unavailable"):
        reason = hn.get("unavailable", "it was not computed")
        return section(title, unavailable("The High Needs Block consequence", str(reason)),
                       level=3)
    last, e = hn["last_year"], hn["effect"]
    level = round(100 * e["level"])
    items = [
        f"High-needs spend in {fy_label(last)} with the programme: "
        + change_range(hn["spend_avoided_last_year_gbp"], money_millions, "less", "more")
        + f"; over {fy_label(hn['first_year'])} to {fy_label(last)}: "
        + change_range(hn["spend_avoided_total_gbp"], money_millions, "less", "more")
        + f", against the programme's planned cost of "
        f"{money_millions(hn['programme_cost_total_gbp'])}.",
        f"Cumulative DSG position at the end of {fy_label(last)}: {_m_range(hn['dsg_with_gbp'])} "
        f"with the programme, {_m_range(hn['dsg_without_gbp'])} without it (negative = "
        "deficit): "
        + change_range(hn["dsg_difference_gbp"], money_millions, "better", "worse")
        + " with the programme, its cost included.",
        f"Payback (spend avoided so far covers all the programme has cost so far): "
        f"{_year_text(hn['payback'], last)}.",
    ]
    window = e.get("window") or ["", ""]
    years = f", {window[0]} to {window[-1]}" if window[0] else ""
    intro = paragraph(
        f"What the estimated change in EHC needs assessment requests means for the High Needs "
        f"Block. The estimate carried is {e['label']}{years}: {e['estimate']:+.2f} per 1,000 "
        f"pupils a year ({level}% range {e['ci_low']:+.2f} to {e['ci_high']:+.2f}), because "
        f"{e['why']}. It is carried as its whole range through a projection of EHC plans and "
        f"high-needs spend with and without the programme ({hn['n_draws']:,} draws, seed "
        f"{hn['seed']}). Medians with their 95% ranges; the finance report shows the "
        "projection in full.")
    alt = hn.get("alternative")
    if alt:
        a = alt["effect"]
        items.append(
            f"On the other estimate, {a['label']} ({a['estimate']:+.2f} per 1,000 pupils, "
            f"{level}% range {a['ci_low']:+.2f} to {a['ci_high']:+.2f}), spend over "
            f"{fy_label(hn['first_year'])} to {fy_label(last)} would be "
            + change_range(alt["spend_avoided_total_gbp"], money_millions, "less", "more")
            + " and the cumulative DSG position "
            + change_range(alt["dsg_difference_gbp"], money_millions, "better", "worse")
            + " with the programme.")
    return section(title, intro + bullet_list(items), level=3)


def value_for_money(ev: Evaluation) -> str:
    """Render the value-for-money numbers of the evaluation."""
    p = ev.params
    v = ev.value_for_money
    if v.get("unavailable"):
        return section("Value for money", unavailable("Value for money", v["unavailable"])
                       + high_needs(v), anchor="vfm")
    parts = [paragraph(cost_words(v))]
    level = round(100 * (1 - p.alpha))
    rows = {}
    notes = []
    for r in v["valued"].values():
        c = r["cost_per_outcome_gbp"]
        per = (f"{money(c['estimate'])} ({money(c['ci_low'])} to {money(c['ci_high'])})"
               if c["bounded"] else
               f"{money(c['estimate'])} (not bounded: the range includes no change)"
               if c["estimate"] is not None else "x (no reduction estimated)")
        rows[r["what"][0].upper() + r["what"][1:]] = {
            "Best estimate": people(r["estimate"]),
            f"{level}% range": f"{people(r['ci_low'])} to {people(r['ci_high'])}",
            "Clear change": "yes" if r["clear"] else "no",
            "Value a year": (f"{money(r['value_gbp'])} ({money(r['value_ci_low_gbp'])} to "
                             f"{money(r['value_ci_high_gbp'])})"
                             if r["unit_cost_gbp"] else "no unit cost stated"),
            "Yearly cost per outcome": per,
        }
        notes.append(f"Assumes {r['assumes']}.")
    if rows:
        disp = pd.DataFrame.from_dict(rows, orient="index")
        disp.index.name = "Outcome"
        methods = list(dict.fromkeys(r["method_text"] for r in v["valued"].values()))
        parts.append(html_table(
            disp,
            caption="Estimated outcomes a year, their value and the yearly cost per outcome, "
            "each with its range; finance and school census records",
            row_header="Outcome",
            notes=[
                *notes,
                "Whole people, rounded to two significant figures; negative = an increase",
                *(f"Ranges: {m}" for m in methods),
                "Yearly cost per outcome: the yearly programme cost divided by the outcomes a "
                "year at each end of the range; when the range includes no change the cost "
                "per outcome has no upper limit",
                "Cost figures are taken as known; only the estimated change is uncertain",
            ]))
    else:
        parts.append(paragraph(
            "No measure with a stated unit cost has an estimate in this report, so changes "
            "are not valued."))
    be = breakeven_words(v)
    if be:
        parts.append(bullet_list(be))
    parts.append(high_needs(v))
    return section("Value for money", "\n".join(parts), anchor="vfm")
