"""Equality breakdowns: the change for each pupil group, where numbers allow.

For each measure in ``equality_measures`` and each pupil characteristic in ``subgroups`` (free
school meals, SEN status, ethnicity, sex), the measure is computed for every school, period
and group (:func:`eah_eval.measures.compute` with ``by=``), on the same schools as the
headline (programme scope, rollout rule). Each group then gets:

* its level across the council in the latest complete period, through the disclosure ledger
  (hidden when about fewer pupils than the threshold);
* its estimated change, with the same estimator and the *same inference method* as the
  headline (:func:`eah_eval.inference.infer`), when numbers allow: the group must average at
  least ``equality_min_pupils`` records per period in every rollout wave. Otherwise it is
  described, not estimated, and the reason is kept.

The groups of one characteristic form a family: their p-values are adjusted for multiple
comparisons (``family_adjustment``, Holm by default) and the adjusted p-value decides whether a
group's change is called clear. Differences between groups' changes are not tested.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from eah_eval.did import aggregate
from eah_eval.errors import EahEvalError
from eah_eval.inference import adjust_pvalues
from eah_eval.measures import compute_many, get_measure
from eah_eval.measures.definitions import SCALE_MULTIPLIER, SCALE_UNIT
from eah_eval.reporting.disclosure import DisclosureLedger
from eah_eval.reporting.glossary import group_label
from eah_eval.reporting.impact import robustness
from eah_eval.reporting.impact.inputs import ReportInputs
from eah_eval.reporting.impact.intervals import overall_estimate, run_inference
from eah_eval.reporting.impact.model import Estimate
from eah_eval.reporting.impact.params import ReportParams

#: Report subgroup -> breakdown in the measures registry.
BREAKDOWN: dict[str, str] = {
    "fsm": "fsm",
    "sen_need": "sen_provision",
    "ethnicity": "ethnicity_group",
    "sex": "sex",
    "primary_need": "primary_need",
    "phase": "phase",
}
SUBGROUP_TITLE: dict[str, str] = {
    "fsm": "Free school meals",
    "sen_need": "SEN status",
    "ethnicity": "Ethnic group",
    "sex": "Sex",
    "primary_need": "Primary need",
    "phase": "School phase",
}

#: The group each characteristic's gap is measured for (against all other pupils); for a
#: characteristic not listed, every group's gap is measured.
GAP_GROUP: dict[str, tuple[str, ...]] = {
    "fsm": ("fsm",),
    "sex": ("M",),
    "sen_need": ("K", "E"),
    # School phase does not vary within a school: its difference is the change by phase
    # (breakdown table), not a within-school gap.
    "phase": (),
}
def group_frames(inputs: ReportInputs, measure_ids: list[str], subgroup: str
                 ) -> dict[str, pd.DataFrame]:
    """School x period x group frames of several measures, in one pass."""
    by = BREAKDOWN[subgroup]
    ids = [mid for mid in measure_ids if by in get_measure(mid).groups]
    if not ids:
        return {}
    res = compute_many(inputs.tableset, ids, level=inputs.params.level, by=by)
    return {mid: r.frame for mid, r in res.items()}


def group_estimate(inputs: ReportInputs, gpanel: pd.DataFrame, label: str) -> Estimate:
    """One group's change with the headline estimator and the report's inference method."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        simple = aggregate(robustness.fit_group_time(gpanel, inputs.params.comparison_group),
                           "simple")
    return overall_estimate(run_inference(inputs, simple, gpanel), label=label)


def headline_schools(inputs: ReportInputs, measure_id: str, frames: Mapping[str, pd.DataFrame]
                     ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return the headline panel and the group frame on its schools and periods (all; complete).

    Groups are measured on the same schools, cohorts and periods as the headline; complete
    periods leave out the partial ones (data for part of the period only).
    """
    base = inputs.panel(measure_id)
    attrs = base[["unit", "cluster", "first_treated"]].drop_duplicates("unit")
    frame = frames[measure_id].merge(attrs, on="unit", how="inner")
    frame = frame[frame["period_index"].isin(base["period_index"].unique())]
    partial = {str(x) for x in base.attrs.get("partial_periods", ()) or ()}
    return base, frame, frame[~frame["period"].astype(str).isin(partial)]


def estimate_where_numbers_allow(inputs: ReportInputs, panel: pd.DataFrame, label: str,
                                 count: str, base: pd.DataFrame, row: dict[str, Any],
                                 estimates: list[Estimate], what: str) -> None:
    """Estimate a group's change (or gap) when every wave has enough of the group.

    The group must average at least ``equality_min_pupils`` of ``count`` per period in every
    rollout wave; otherwise ``row`` says why it is described, not estimated. An estimate
    that cannot be computed is recorded with its reason, never hidden.
    """
    p = inputs.params
    per_wave = (panel.groupby(["first_treated", "period_index"])[count].sum()
                .groupby(level=0).mean())
    waves = sorted(base["first_treated"].unique())
    smallest = float(per_wave.reindex(waves).fillna(0).min()) if len(per_wave) else 0.0
    if smallest < p.equality_min_pupils:
        row.update(estimated=False, reason=(
            f"numbers too small: fewer than {p.equality_min_pupils} {what} per period in at "
            "least one wave"))
        return
    try:
        estimates.append(group_estimate(inputs, panel, label))
        row.update(estimated=True, reason="")
    except EahEvalError as exc:
        row.update(estimated=False, reason=f"could not be estimated: {exc}")


def adjust_family(inputs: ReportInputs, rows: list[dict[str, Any]],
                  estimates: list[Estimate], key: str) -> None:
    """Put each estimate, with its family-adjusted p-value and verdict, on its row."""
    p = inputs.params
    raw = [e.p_value for e in estimates]
    adjusted = (adjust_pvalues(raw, method=p.family_adjustment)
                if estimates and p.family_adjustment != "none" else raw)
    by_label = {e.label: (e, float(a)) for e, a in zip(estimates, adjusted, strict=True)}
    for row in rows:
        if row["group"] in by_label:
            e, adj = by_label[row["group"]]
            row[key] = {**e.to_dict(), "p_adjusted": adj}
            row["clear"] = bool(adj < p.alpha)


def measure_groups(inputs: ReportInputs, ledger: DisclosureLedger, measure_id: str,
                   subgroup: str, frames: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """Levels and estimated changes of every group of one characteristic."""
    p = inputs.params
    m = get_measure(measure_id)
    by = BREAKDOWN[subgroup]
    if by not in m.groups:
        why = ("not applicable: the measure is itself a SEN status" if subgroup == "sen_need"
               and measure_id in ("sen_support_pct", "ehc_plan_pct")
               else f"not available: the measure cannot be broken down by {by}")
        return {"by": by, "note": why, "groups": []}
    base, frame, complete = headline_schools(inputs, measure_id, frames)
    latest = int((complete if len(complete) else frame)["period_index"].max())
    latest_label = str(frame.loc[frame["period_index"] == latest, "period"].iloc[0])
    mult = SCALE_MULTIPLIER[m.scale]
    table = f"{measure_id} by {subgroup}"

    def level_row(label: str, sub: pd.DataFrame) -> dict[str, Any]:
        last = sub[sub["period_index"] == latest]
        num, den = float(last["numerator"].sum()), float(last["denominator"].sum())
        level = num / den * mult if den > 0 else float("nan")
        people = min(num, den) if m.pupil_based and m.scale != "per_1000" else den
        value, flag = ledger.value(level, table=table, key=label, people=people,
                                   denominator=den, min_denominator=m.min_denominator)
        return {"group": label, "level": None if flag else value, "level_flag": flag}

    groups: list[dict[str, Any]] = []
    estimates: list[Estimate] = []
    for grp, gf in frame.groupby("group", sort=True):
        label = group_label(grp)
        row = level_row(label, gf)
        gpanel = gf.assign(y=gf["value"], weight=gf["denominator"])
        gpanel = gpanel[np.isfinite(gpanel["y"].to_numpy(dtype=float))
                        & (gpanel["weight"] > 0)]
        estimate_where_numbers_allow(inputs, gpanel, label, "denominator", base, row,
                                     estimates, "records")
        groups.append(row)
    adjust_family(inputs, groups, estimates, "estimate")
    groups.insert(0, {**level_row("All pupils", frame), "estimated": False,
                      "reason": "see the headline table"})
    return {"by": by, "note": "", "latest_period": latest_label, "groups": groups,
            "family": {"size": len(estimates), "adjustment": p.family_adjustment}}


def gap_panel(frame: pd.DataFrame, group: Any, mult: float) -> pd.DataFrame:
    """School x period gap between one group and all other pupils of the same school.

    ``y`` is the group's rate minus the other pupils' rate (in the measure's unit); the
    weight is ``n_g n_o / (n_g + n_o)`` (the inverse of the variance factor of a difference
    of two rates), so schools with few pupils on either side count less. Rows where either
    side has no pupils are dropped.
    """
    keys = ["unit", "cluster", "first_treated", "period_index", "period"]
    tot = frame.groupby(keys, as_index=False)[["numerator", "denominator"]].sum()
    grp = frame[frame["group"] == group][[*keys, "numerator", "denominator"]]
    both = tot.merge(grp, on=keys, suffixes=("_all", "_g"))
    n_g = both["denominator_g"].astype(float)
    n_o = both["denominator_all"].astype(float) - n_g
    keep = (n_g > 0) & (n_o > 0)
    both, n_g, n_o = both[keep], n_g[keep], n_o[keep]
    rate_g = both["numerator_g"].astype(float) / n_g
    rate_o = (both["numerator_all"].astype(float) - both["numerator_g"].astype(float)) / n_o
    out = both[keys].copy()
    out["y"] = mult * (rate_g - rate_o)
    out["weight"] = n_g * n_o / (n_g + n_o)
    out["n_group"], out["n_other"] = n_g, n_o
    return out.reset_index(drop=True)


def gap_level(panel: pd.DataFrame, periods: Any) -> tuple[float, float]:
    """Council-wide gap over some periods (pooled rates) and the smaller side's pupils."""
    sub = panel[panel["period_index"].isin(periods)]
    if sub.empty:
        return float("nan"), 0.0
    w = sub["weight"].to_numpy(dtype=float)
    gap = float(np.average(sub["y"], weights=w)) if w.sum() > 0 else float("nan")
    people = float(min(sub["n_group"].sum(), sub["n_other"].sum())) / max(
        sub["period_index"].nunique(), 1)
    return gap, people


def measure_gaps(inputs: ReportInputs, ledger: DisclosureLedger, measure_id: str,
                 subgroup: str, frames: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """Each group's gap to other pupils before and after go-live, and the effect on it.

    The effect on a gap is a triple difference: the headline estimator run on the
    within-school gap (group minus other pupils), so it compares how the gap changed after
    go-live in started clusters with how it changed in clusters not yet started, with the
    report's inference method. The gaps of one characteristic are a family (adjusted p).
    """
    p = inputs.params
    m = get_measure(measure_id)
    by = BREAKDOWN[subgroup]
    if by not in m.groups or measure_id not in frames:
        return {"gaps": [], "note": "not available for this measure"}
    base, frame, complete = headline_schools(inputs, measure_id, frames)
    first_go = int(base.loc[base["first_treated"] > 0, "first_treated"].min())
    before = sorted(t for t in complete["period_index"].unique() if t < first_go)
    latest = [int(complete["period_index"].max())] if len(complete) else []
    labels = dict(zip(frame["period_index"], frame["period"].astype(str), strict=False))
    mult = SCALE_MULTIPLIER[m.scale]
    if subgroup in GAP_GROUP and not GAP_GROUP[subgroup]:
        return {"gaps": [], "note": "not a within-school gap: see the change for each phase"}
    wanted = GAP_GROUP.get(subgroup) or tuple(sorted(frame["group"].dropna().unique()))
    table = f"{measure_id} gaps by {subgroup}"
    gaps: list[dict[str, Any]] = []
    estimates: list[Estimate] = []
    present = set(frame["group"].unique())
    for grp in wanted:
        if grp not in present:
            continue
        label = group_label(grp)
        gp = gap_panel(frame, grp, mult)
        row: dict[str, Any] = {"group": label}
        for key, periods in (("before", before), ("after", latest)):
            value, people = gap_level(gp, periods)
            shown, flag = ledger.value(value, table=table, key=f"{label} {key}", people=people)
            row[key] = None if flag else shown
            row[f"{key}_flag"] = flag
        row["before_periods"] = ([labels[before[0]], labels[before[-1]]] if before else [])
        row["after_period"] = labels[latest[0]] if latest else ""
        estimate_where_numbers_allow(inputs, gp, label, "n_group", base, row, estimates,
                                     "pupils of the group")
        gaps.append(row)
    adjust_family(inputs, gaps, estimates, "effect")
    return {"gaps": gaps, "note": "", "family": {"size": len(estimates),
                                                  "adjustment": p.family_adjustment}}


def eia_paragraph(out: Mapping[str, Any], alpha: float) -> str:
    """Return a paragraph for the council's equality impact assessment, worded by rule."""
    clear, unclear, small = [], [], []
    for mid, by_sg in out.get("gaps", {}).items():
        title = out["titles"][mid]["title"]
        for res in by_sg.values():
            for g in res.get("gaps", []):
                name = f"{g['group']} ({title.split(' (')[0].lower()})"
                if g.get("clear"):
                    e = g["effect"]
                    before = float(g.get("before") or 0.0)
                    way = "narrowed" if (e["estimate"] < 0) == (before > 0) else "widened"
                    clear.append(f"the gap for {name} {way}")
                elif g.get("estimated"):
                    unclear.append(name)
                else:
                    small.append(name)
    text = ("Equality impact (generated from this evaluation): we compared how the gap "
            "between each pupil group and other pupils changed after go-live in clusters that "
            "had started with the change in clusters that had not, adjusting for the number "
            "of groups compared. ")
    if clear:
        text += "There is clear evidence that " + "; ".join(clear) + ". "
    else:
        text += "There is no clear evidence that the programme widened or narrowed any gap. "
    if unclear:
        text += (f"For {len(unclear)} gaps the evidence is not clear either way, so a "
                 "differential effect cannot be ruled out. ")
    if small:
        text += (f"{len(small)} groups were too small to estimate and are described only. ")
    text += ("The programme should continue to monitor these gaps, in particular for pupils "
             "eligible for free school meals and pupils with SEN support.")
    return text


def equality_frames(inputs: ReportInputs) -> dict[str, dict[str, pd.DataFrame]]:
    """School x period x group frames of the equality measures, by characteristic.

    The database work of the equality breakdowns (one query per characteristic), done before
    :func:`evaluate_equality`, which then needs no database.
    """
    p = inputs.params
    if not p.equality_measures or not p.subgroups:
        return {}
    for mid in p.equality_measures:
        inputs.panel(mid)  # the headline panels the groups are measured on, built here too
    return {sg: group_frames(inputs, list(p.equality_measures), sg) for sg in p.subgroups}


def evaluate_equality(inputs: ReportInputs, ledger: DisclosureLedger,
                      frames: Mapping[str, Mapping[str, pd.DataFrame]]) -> dict[str, Any]:
    """Levels and changes by pupil group for every equality measure and characteristic.

    Parameters
    ----------
    inputs : ReportInputs
    ledger : DisclosureLedger
        Every level and gap enters it.
    frames : mapping
        The group frames by characteristic (:func:`equality_frames`).

    Returns
    -------
    dict
        ``measures`` (measure id -> characteristic -> groups), ``headline`` (filled in by
        :func:`add_headline`) and ``unavailable`` (what could not be done, why).
    """
    p = inputs.params
    out: dict[str, Any] = {"measures": {}, "unavailable": [], "headline": {},
                           "min_pupils": p.equality_min_pupils,
                           "family_adjustment": p.family_adjustment}
    if not p.equality_measures or not p.subgroups:
        out["unavailable"].append({
            "what": "Equality breakdowns",
            "reason": "no measures or pupil groups were chosen for them (report parameters "
                      "equality_measures and subgroups)"})
        return out
    known = list(p.equality_measures)
    out["titles"] = {mid: {"title": get_measure(mid).title,
                           "unit": SCALE_UNIT[get_measure(mid).scale]} for mid in known}
    out["gaps"] = {}
    for sg in p.subgroups:
        for mid in known:
            out["measures"].setdefault(mid, {})[sg] = measure_groups(
                inputs, ledger, mid, sg, frames[sg])
            out["gaps"].setdefault(mid, {})[sg] = measure_gaps(inputs, ledger, mid, sg,
                                                               frames[sg])
    out["eia_paragraph"] = eia_paragraph(out, p.alpha)
    return out


def add_headline(out: dict[str, Any], params: ReportParams,
                 headline: Mapping[str, Estimate]) -> None:
    """Put the headline estimates of the equality measures beside their groups (``headline``)."""
    out["headline"] = {k: v.to_dict() for k, v in headline.items()
                       if k in params.equality_measures}
