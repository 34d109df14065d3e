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
from eah_eval.reporting.impact import robustness
from eah_eval.reporting.impact.inputs import ReportInputs
from eah_eval.reporting.impact.intervals import overall_estimate, run_inference
from eah_eval.reporting.impact.model import Estimate

#: Report subgroup -> breakdown in the measures registry.
BREAKDOWN: dict[str, str] = {
    "fsm": "fsm",
    "sen_need": "sen_provision",
    "ethnicity": "ethnicity_group",
    "sex": "sex",
}
SUBGROUP_TITLE: dict[str, str] = {
    "fsm": "Free school meals",
    "sen_need": "SEN status",
    "ethnicity": "Ethnic group",
    "sex": "Sex",
}
GROUP_LABEL: dict[str, str] = {
    "fsm": "Eligible for free school meals",
    "not_fsm": "Not eligible for free school meals",
    "K": "Pupils with SEN support",
    "E": "Pupils with an EHC plan",
    "N": "Pupils with no identified SEN",
    "F": "Girls",
    "M": "Boys",
}


def group_label(group: Any) -> str:
    """Plain label of a pupil group code (the same words as the monitoring report)."""
    text = str(group)
    return GROUP_LABEL.get(text, text.replace("_", " ").capitalize())


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
    base = inputs.panel(measure_id)
    attrs = base[["unit", "cluster", "first_treated"]].drop_duplicates("unit")
    frame = frames[measure_id].merge(attrs, on="unit", how="inner")
    frame = frame[frame["period_index"].isin(base["period_index"].unique())]
    partial = {str(x) for x in base.attrs.get("partial_periods", ()) or ()}
    complete = frame[~frame["period"].astype(str).isin(partial)]
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
        per_wave = (gpanel.groupby(["first_treated", "period_index"])["denominator"].sum()
                    .groupby(level=0).mean())
        waves = sorted(base["first_treated"].unique())
        smallest = float(per_wave.reindex(waves).fillna(0).min()) if len(per_wave) else 0.0
        if smallest < p.equality_min_pupils:
            row.update(estimated=False, reason=(
                f"numbers too small: fewer than {p.equality_min_pupils} records per period "
                "in at least one wave"))
        else:
            try:
                est = group_estimate(inputs, gpanel, label)
                estimates.append(est)
                row.update(estimated=True, reason="")
            except EahEvalError as exc:
                row.update(estimated=False, reason=f"could not be estimated: {exc}")
        groups.append(row)
    adjusted = (adjust_pvalues([e.p_value for e in estimates], method=p.family_adjustment)
                if estimates and p.family_adjustment != "none" else
                [e.p_value for e in estimates])
    by_label = {e.label: (e, float(a)) for e, a in zip(estimates, adjusted, strict=True)}
    for row in groups:
        if row["group"] in by_label:
            e, adj = by_label[row["group"]]
            row["estimate"] = {**e.to_dict(), "p_adjusted": adj}
    groups.insert(0, {**level_row("All pupils", frame), "estimated": False,
                      "reason": "see the headline table"})
    return {"by": by, "note": "", "latest_period": latest_label, "groups": groups,
            "family": {"size": len(estimates), "adjustment": p.family_adjustment}}


def evaluate_equality(inputs: ReportInputs, ledger: DisclosureLedger,
                      headline: Mapping[str, Estimate]) -> dict[str, Any]:
    """Levels and changes by pupil group for every equality measure and characteristic.

    Returns
    -------
    dict
        ``measures`` (measure id -> characteristic -> groups), ``headline`` (the headline
        estimates shown beside the groups) and ``unavailable`` (what could not be done, why).
    """
    p = inputs.params
    out: dict[str, Any] = {"measures": {}, "unavailable": [],
                           "headline": {k: v.to_dict() for k, v in headline.items()
                                        if k in p.equality_measures},
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
    for sg in p.subgroups:
        frames = group_frames(inputs, known, sg)
        for mid in known:
            out["measures"].setdefault(mid, {})[sg] = measure_groups(
                inputs, ledger, mid, sg, frames)
    return out
