"""The decision page: what a board needs to decide, worded by rule from the evaluation.

:func:`decide` turns the evaluation's numbers into the decision page's content, stored in
``results.json`` under ``decision`` and rendered by
:mod:`eah_eval.reporting.impact.sections.decision`. Nothing is typed: every sentence comes
from a rule below applied to numbers already in ``results.json``, so the audience changes
how much is shown, never the numbers.

Wording rules
-------------
* **Conclusions, range first.** A clear result (interval excluding zero) reads "X fell by
  between *a* and *b* <unit>; our best estimate is *c*". A result that is not clear reads
  "We cannot tell whether X changed: the range runs from a fall of *a* to a rise of *b*
  <unit>; a change smaller than <MDE> could have gone unseen". Clear results come first, then
  the programme's main question (``primary_measure``), then the rest.
* **One confidence grade per result** from the evidence rating's padlocks (EEF scale):
  4-5 high, 3 moderate, 2 low, 0-1 very low; the reason says what the comparison was, what
  the pre-go-live trend test showed, and each downgrade.
* **What cannot yet be answered**: every result that is not clear, the main question first,
  with its range against its usual level, its minimum detectable change and the evidence
  window (when the last comparison cluster started, after which more years of this council's
  data add nothing to this design). Where the comparison with other areas covers the later
  years, its result follows, worded by the same rule: a clear result (interval excluding
  zero) is stated as an answer for those years resting on other areas being a fair
  comparison; a range from a fall to a rise "does not settle it either".
* **Later years**: one sentence on what the external estimate is and rests on, then for
  each measure in both the report and the national panel (report order) the council against
  authorities not yet started over the periods after its last comparison period, worded by
  the conclusion rule.
* **Delivery and cost**: delivery against the 40/160 yardstick, requests met without
  escalation, waits, cost a year, cost per pupil per year and the EEF cost rating.
* **Risks**: the delivery risks of :mod:`eah_eval.reporting.impact.delivery`.
* **Next evidence point**: while a cluster has not started by the end of the data, the next
  year of data narrows the ranges; once every cluster has started, an external comparison
  (other local authorities at their own start dates) is needed, and where it is already
  there, the next year of published local-authority data adds a year to it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from eah_eval.reporting.impact.model import Evaluation, MeasureEvaluation

#: Confidence grade by EEF padlocks.
GRADES: dict[int, str] = {5: "high", 4: "high", 3: "moderate", 2: "low", 1: "very low",
                          0: "very low"}

#: Plain names of measures for sentences (lower case, abbreviations kept for the glossary).
PLAIN_NAMES: dict[str, str] = {
    "sen_support_pct": "the share of pupils on SEN support",
    "ehc_plan_pct": "the share of pupils with an EHC plan",
    "ehc_requests_per_1000": "EHC needs assessment requests",
    "ehc_new_plans_per_1000": "new EHC plans",
    "absence_overall_pct": "overall absence",
    "absence_persistent_pct": "persistent absence",
    "absence_severe_pct": "severe absence",
    "suspension_rate": "suspensions",
    "suspension_one_plus_rate": "the share of pupils suspended at least once",
    "permanent_exclusion_rate": "permanent exclusions",
    "ks2_rwm_expected_pct": "KS2 reading, writing and maths at the expected standard",
    "ks2_rwm_expected_sen_pct":
        "KS2 reading, writing and maths at the expected standard for pupils with SEN",
}


def plain_name(measure_id: str, title: str) -> str:
    """Return a measure's name for a sentence (registered plain name, else its title)."""
    if measure_id in PLAIN_NAMES:
        return PLAIN_NAMES[measure_id]
    base = title.split(" (")[0]
    return base[:1].lower() + base[1:] if not base[:3].isupper() else base


def change_unit(unit: str) -> str:
    """Return the unit of a change in words (``%`` -> percentage points)."""
    return {"%": "percentage points", "per 1,000": "per 1,000 pupils"}.get(unit, unit)


def num(v: float) -> str:
    """Format a number for a sentence: one decimal below 10, whole above."""
    a = abs(v)
    return f"{a:,.1f}" if a < 10 else f"{a:,.0f}"


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def academic_year(date: Any) -> str:
    """Return the academic year (``2025/26``) of a date."""
    d = pd.Timestamp(date)
    start = d.year if d.month >= 9 else d.year - 1
    return f"{start}/{str(start + 1)[2:]}"


def grade(e: MeasureEvaluation, alpha: float) -> tuple[str, str]:
    """Return the confidence grade of one result and its reason in words."""
    r = e.rating
    label = GRADES.get(int(r.padlocks), "very low")
    pre = e.checks.get("pretrend")
    parts = []
    if pre is not None and pre.value is not None:
        parts.append("no sign of different trends before go-live" if pre.value >= alpha
                     else "trends already differed before go-live")
    if r.maryland_level < 4:
        parts.append("rollout order not random")
    for d in r.downgrades:
        low = d.lower()
        if "thin comparison" in low:
            parts.append("few comparison clusters")
        elif "departed from parallel" in low:
            parts.append("sensitive to small departures from parallel trends")
        elif "could not be run" in low:
            parts.append("trends before go-live could not be tested")
    return label, "; ".join(parts)


def conclusion_text(e: MeasureEvaluation) -> str:
    """Word one result in a sentence, range first (module notes)."""
    h = e.headline
    name = plain_name(e.measure_id, e.title)
    unit = change_unit(e.unit)
    if not h.shown:
        return f"{_cap(name)}: no estimate can be shown ({h.note or 'suppressed'})."
    if h.clear:
        verb = "fell" if h.ci_high < 0 else "rose"
        lo, hi = sorted((abs(h.ci_low), abs(h.ci_high)))
        judged = ""
        if e.direction != "none":
            better = (verb == "fell") == (e.direction == "lower_better")
            judged = " (an improvement)" if better else " (a worsening)"
        return (f"{_cap(name)} {verb} by between {num(lo)} and {num(hi)} {unit}{judged}; "
                f"our best estimate is {num(h.estimate)}.")
    fall, rise = -h.ci_low, h.ci_high
    mde = (f"; a change smaller than {num(e.mde)} could have gone unseen"
           if math.isfinite(e.mde) else "")
    return (f"We cannot tell whether {name} changed: the range runs from a fall of "
            f"{num(fall)} to a rise of {num(rise)} {unit}{mde}.")


def cannot_answer_text(e: MeasureEvaluation, last_go_live: str, primary: bool,
                       later: Mapping[str, Any] | None = None) -> str:
    """Say why a result that is not clear cannot yet be answered.

    ``later`` is the comparison with other areas for the years after the council's last
    comparison period (:func:`external_later`), worded by the same rules when given.
    """
    h = e.headline
    name = plain_name(e.measure_id, e.title)
    unit = change_unit(e.unit)
    lead = (f"The programme's main question, whether it reduces {name}, cannot yet be "
            "answered" if primary else f"Whether the programme changed {name} cannot yet be "
            "answered")
    usual = (f" against a usual level of about {num(e.baseline)} {e.unit}"
             if math.isfinite(e.baseline) else "")
    text = (f"{lead}: the range ({'-' if h.ci_low < 0 else '+'}{num(h.ci_low)} to "
            f"{'-' if h.ci_high < 0 else '+'}{num(h.ci_high)} {unit}) is wide{usual}, and "
            f"only a change of {num(e.mde)} or more could have been detected. The evidence "
            f"comes from {e.sample.window[0]} to {e.sample.window[1]}: once the last wave "
            f"went live in {last_go_live}, no comparison cluster remained, so more years of "
            "this council's data add nothing to this design.")
    if later is None:
        return text
    window = f"{later['window'][0]} to {later['window'][1]}"
    if later_clear(later):
        return (text + f" For {window} the comparison with other areas gives a clear "
                f"result: {later_result_text(later, name, unit, e.direction)}. It rests on "
                "other areas being a fair comparison rather than on the council's own "
                "rollout, so it answers the question for those years only on that assumption.")
    return (text + f" The comparison with other areas does not settle it either: for {window} "
            f"{later_result_text(later, name, unit)}.")


def external_later(ev: Evaluation, measure_id: str) -> dict[str, Any] | None:
    """Return the comparison with other areas for a measure's later years, if it has a number."""
    x = ev.external or {}
    later = (x.get("measures", {}).get(measure_id) or {}).get("later_years") or {}
    if later.get("unavailable") or later.get("estimate") is None:
        return None
    return dict(later)


def later_result_text(later: Mapping[str, Any], name: str, unit: str,
                      direction: str = "none") -> str:
    """Word a later-years estimate by the conclusion rules (range first; clear or not)."""
    lo, hi, est = later.get("ci_low"), later.get("ci_high"), later["estimate"]
    if lo is None or hi is None:
        return (f"{name} changed by {'-' if est < 0 else '+'}{num(est)} {unit} (no range can "
                "be shown)")
    if lo > 0 or hi < 0:
        a, b = sorted((abs(lo), abs(hi)))
        judged = ""
        if direction != "none":
            better = (hi < 0) == (direction == "lower_better")
            judged = " (an improvement)" if better else " (a worsening)"
        return (f"{name} {'fell' if hi < 0 else 'rose'} by between {num(a)} and {num(b)} "
                f"{unit}{judged}; the best estimate is {num(est)}")
    return (f"we cannot tell whether {name} changed: the range runs from a fall of "
            f"{num(-lo)} to a rise of {num(hi)} {unit}")


def later_clear(later: Mapping[str, Any] | None) -> bool:
    """Return True when a later-years interval excludes zero (the rule for a clear result)."""
    if not later or later.get("ci_low") is None or later.get("ci_high") is None:
        return False
    return bool(later["ci_low"] > 0 or later["ci_high"] < 0)


def later_years_text(ev: Evaluation) -> list[str]:
    """Say what the comparison with other areas shows for the years the design cannot cover."""
    x = ev.external
    if not x or x.get("unavailable"):
        return ["No comparison with other areas was supplied, so the years after the council's "
                "last comparison period are not covered by any estimate: "
                + str(x.get("unavailable", "not computed") if x else "not computed") + "."]
    lines, counts = [], []
    for mid, m in x.get("measures", {}).items():
        later = m.get("later_years", {})
        name = plain_name(mid, m["title"])
        if later.get("unavailable") or later.get("estimate") is None:
            lines.append(f"For {name}, the comparison with other areas cannot cover the later "
                         f"years: {later.get('unavailable', 'the estimate is hidden')}.")
            continue
        counts.append(int(later["n_comparison"]))
        e = ev.measures.get(mid)
        result = later_result_text(later, name, change_unit(m["unit"]),
                                   e.direction if e is not None else "none")
        lines.append(f"{later['window'][0]} to {later['window'][1]}: {result}.")
    if not counts:
        return lines
    n = (f"{counts[0]}" if min(counts) == max(counts) else
         f"{min(counts)} to {max(counts)}, by measure")
    lead = ("For the years after the council's last comparison period, which its own design "
            "cannot cover, this page uses the external estimate: the council against "
            f"authorities that had not started ({n}). It rests on other areas being a fair "
            "comparison, not on the council's own rollout (see Comparison with other areas).")
    return [lead, *lines]


def delivery_text(delivery: Mapping[str, Any], vfm: Mapping[str, Any]) -> list[str]:
    """Say what was delivered and what it cost, from the delivery and cost numbers."""
    out = []
    s = delivery.get("summary") or {}
    if s.get("yardstick_pct_latest"):
        lo, hi = s["yardstick_pct_latest"]
        text = (f"Delivered in {delivery['latest_year']}: expert days at {lo:.0f}% to "
                f"{hi:.0f}% of the 40/160 yardstick across clusters")
        if s.get("met_without_escalation_pct"):
            a, b = s["met_without_escalation_pct"]
            text += (f"; {a:.0f}% to {b:.0f}% of requests met without escalation to "
                     "statutory assessment")
        if s.get("days_to_first_support_latest_year"):
            a, b = s["days_to_first_support_latest_year"]
            text += f"; a median of {a:.0f} to {b:.0f} days from request to first support"
        out.append(text + ".")
    elif delivery.get("unavailable"):
        out.append(f"Delivery cannot be described: {delivery['unavailable']}.")
    if vfm.get("annual_cost_gbp") is not None:
        span = (f"{pd.Period(vfm['first_month'], freq='M'):%B %Y} to "
                f"{pd.Period(vfm['last_month'], freq='M'):%B %Y}")
        text = (f"Cost: about £{vfm['annual_cost_gbp_million']:,.1f} million a year "
                f"(£{vfm['programme_cost_gbp_million']:,.1f} million from {span})")
        if vfm.get("cost_per_pupil_year_gbp") is not None:
            text += (f", £{vfm['cost_per_pupil_year_gbp']:,.0f} per pupil per year: a "
                     f"'{vfm['eef_cost_rating']}' cost on the EEF scale")
        out.append(text + ".")
        for key, b in (vfm.get("breakeven") or {}).items():
            if key == "ehc_needs_assessment":
                out.append(f"It pays for itself in avoided assessments alone if it avoids "
                           f"{b['outcomes_a_year']:,} EHC needs assessments a year.")
    elif vfm.get("unavailable"):
        out.append(f"Cost cannot be stated: {vfm['unavailable']}.")
    return out


def next_evidence(ev: Evaluation, open_ids: list[str], data_end: str) -> list[str]:
    """Say when, and with what data or design, the open questions become answerable."""
    if not open_ids:
        return ["Every result is clear; the next evidence point is the next year's data, "
                "to see whether the changes last."]
    design = ev.design
    last = pd.Timestamp(design["go_live_date"].max())
    if data_end and pd.Timestamp(data_end) < last:
        return [f"The next year of data (after {data_end}) narrows the ranges: clusters that "
                f"have not started yet still serve as comparisons until {last:%B %Y}."]
    covered = [m for m in open_ids if external_later(ev, m) is not None]
    rest = [plain_name(m, ev.measures[m].title) for m in open_ids if m not in covered]
    out = []
    if rest:
        listed = rest[0] if len(rest) == 1 else ", ".join(rest[:-1]) + " and " + rest[-1]
        out.append(
            f"For {listed}: every cluster had started by {last:%B %Y}, so this council's own "
            "rollout can say no more. The next evidence point is a comparison with other local "
            "authorities at their own start dates (the Department for Education's published "
            "local-authority data, released each year), which can cover the years this design "
            "cannot.")
    if covered:
        names = [plain_name(m, ev.measures[m].title) for m in covered]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        wide = [plain_name(m, ev.measures[m].title) for m in covered
                if not later_clear(external_later(ev, m))]
        tail = ("" if not wide else
                f" For {_listed(wide)}, whose range there still runs from a fall to a rise, "
                "only more years can narrow it.")
        out.append(
            f"For {listed}: every cluster had started by {last:%B %Y}, so this council's own "
            "rollout can say no more; the comparison with other areas now covers the later "
            "years. The next evidence point is the next year of the Department for "
            "Education's published local-authority data, which adds a year to that "
            "comparison while the comparison authorities have not yet started." + tail)
    return out


def decide(ev: Evaluation, delivery: Mapping[str, Any]) -> dict[str, Any]:
    """Return the decision page's content from the evaluation and delivery numbers.

    Returns
    -------
    dict
        ``conclusions`` (numbered; each with ``measure``, ``text``, ``grade``,
        ``grade_reason``, ``clear``), ``cannot_answer``, ``later_years`` (the external
        estimate for the years the internal design cannot cover), ``delivery``, ``risks``,
        ``next_evidence``, ``primary_measure`` and ``rules`` (the wording rules in words).
    """
    p = ev.params
    alpha = p.alpha
    measures = ev.measures
    primary = p.primary_measure
    clear = [m for m, e in measures.items() if e.headline.shown and e.headline.clear]
    not_clear = [m for m, e in measures.items() if m not in clear]
    ordered = clear + sorted(not_clear, key=lambda m: m != primary)
    conclusions = []
    for k, mid in enumerate(ordered, start=1):
        e = measures[mid]
        g, why = grade(e, alpha)
        conclusions.append({"number": k, "measure": mid, "text": conclusion_text(e),
                            "grade": g, "grade_reason": why, "clear": mid in clear,
                            "primary": mid == primary})
    last_go_live = academic_year(ev.design["go_live_date"].max()) if len(ev.design) else ""
    open_ids = [m for m in ordered if m in not_clear and measures[m].headline.shown]
    cannot = [cannot_answer_text(measures[m], last_go_live, m == primary,
                                 external_later(ev, m))
              for m in open_ids if m == primary]
    others = [m for m in open_ids if m != primary]
    settled = [m for m in others if later_clear(external_later(ev, m))]
    unsettled = [m for m in others if m not in settled]
    if unsettled:
        cannot.append("Also not yet answerable, for the same reasons: "
                      + _listed([plain_name(m, measures[m].title) for m in unsettled]) + ".")
    if settled:
        cannot.append(
            "The council's own design cannot answer for "
            + _listed([plain_name(m, measures[m].title) for m in settled])
            + " either, for the same reasons; for the later years the comparison with other "
            "areas gives a clear result for "
            + ("it" if len(settled) == 1 else "them") + " (see Later years), resting on "
            "other areas being a fair comparison.")
    if primary not in measures:
        reason = ev.not_estimated.get(primary, "it is not among the report's measures")
        cannot.insert(0, f"The programme's main question ({primary}) has no estimate: "
                         f"{reason}.")
    vfm = ev.value_for_money
    data_end = str(vfm.get("last_month", "")) if vfm else ""
    return {
        "primary_measure": primary,
        "conclusions": conclusions,
        "cannot_answer": cannot,
        "later_years": later_years_text(ev),
        "delivery": delivery_text(delivery, vfm),
        "risks": [r["text"] for r in delivery.get("risks", [])],
        "next_evidence": next_evidence(ev, open_ids, data_end),
        "rules": {
            "grades": {str(k): v for k, v in GRADES.items()},
            "clear": "a result is clear when its interval excludes zero",
        },
    }
