"""Equality breakdowns: the change for each pupil group, where numbers allow.

For each measure in ``equality_measures`` and each pupil characteristic in ``subgroups`` (free
school meals, SEN status, ethnicity, sex), the measure is computed for every school, period
and group (:func:`eah_eval.measures.compute` with ``by=``). Each group then gets:

* its level across the council in the latest period (a descriptive gap against all pupils),
  suppressed when its numerator or denominator is below the disclosure threshold;
* its estimated change, with the same estimator and few-cluster interval as the headline,
  when numbers allow: the group must average at least ``equality_min_pupils`` records (pupils,
  enrolments or possible sessions, the measure's denominator) per period in every rollout wave.
  Otherwise the table says it was not estimated and why.

Differences between groups' changes are not tested here; overlapping intervals do not show
that groups changed alike.
"""

from __future__ import annotations

import warnings
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eah_eval.errors import EahEvalError
from eah_eval.reporting import robustness
from eah_eval.reporting.html import bullet_list, paragraph, section
from eah_eval.reporting.tables import html_table

if TYPE_CHECKING:  # pragma: no cover
    from eah_eval.reporting.impact import _Context

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


def _label(group: Any) -> str:
    text = str(group)
    return GROUP_LABEL.get(text, text.replace("_", " ").capitalize())


def _fmt(v: float | None, digits: int = 2) -> str:
    if v is None or not np.isfinite(v):
        return "x"
    return f"{v:,.{digits}f}"


def _group_estimate(ctx: _Context, gpanel: pd.DataFrame) -> dict[str, Any]:
    """Estimate one group's change with the headline estimator and interval."""
    from eah_eval.did import aggregate

    p = ctx.params
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        simple = aggregate(robustness.fit_group_time(gpanel, p.comparison_group), "simple")
    est = float(simple.overall_att)
    lo = hi = pval = float("nan")
    how = "analytic, clustered by cluster"
    try:
        from eah_eval.inference.wild import wild_aggregate

        n_cl = int(gpanel["cluster"].nunique())
        wt = "webb" if n_cl < 12 else "rademacher"
        wb = wild_aggregate(simple, weight_type=wt, draws=p.bootstrap_reps, rng=p.seed,
                            level=1 - p.alpha)
        lo, hi, pval = float(wb.ci_low[-1]), float(wb.ci_high[-1]), float(wb.pvalues[-1])
        how = f"wild cluster bootstrap ({wt} weights, {wb.draws} draws, seed {p.seed})"
    except ImportError:
        from scipy import stats

        z = float(stats.norm.ppf(1 - p.alpha / 2))
        lo, hi = est - z * simple.overall_se, est + z * simple.overall_se
    return {"estimate": est, "ci_lower": lo, "ci_upper": hi, "p_value": pval, "inference": how}


def _group_frames(ctx: _Context, measure_ids: list[str], subgroup: str
                  ) -> dict[str, pd.DataFrame]:
    """School x period x group frames of several measures, in one pass where possible."""
    from eah_eval.measures import get_measure

    by = BREAKDOWN[subgroup]
    ids = [mid for mid in measure_ids if by in get_measure(mid).groups]
    if not ids:
        return {}
    try:
        from eah_eval.measures import compute_many
    except ImportError:  # pragma: no cover - older measures layer
        from eah_eval.measures import compute

        return {mid: compute(ctx.tableset, mid, level=ctx.params.level, by=by).frame
                for mid in ids}
    res = compute_many(ctx.tableset, ids, level=ctx.params.level, by=by)
    return {mid: r.frame for mid, r in res.items()}


def _measure_groups(ctx: _Context, measure_id: str, subgroup: str,
                    frames: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """Levels and estimated changes of every group of one characteristic."""
    from eah_eval.measures import get_measure
    from eah_eval.measures.definitions import SCALE_MULTIPLIER

    p = ctx.params
    m = get_measure(measure_id)
    by = BREAKDOWN[subgroup]
    if by not in m.groups:
        why = ("not applicable: the measure is itself a SEN status" if subgroup == "sen_need"
               and measure_id in ("sen_support_pct", "ehc_plan_pct")
               else f"not available: the measure cannot be broken down by {by}")
        return {"by": by, "note": why, "groups": []}
    if measure_id not in frames:
        err = frames.get("__error__")
        why = str(err["message"].iloc[0]) if err is not None else "no data were returned"
        return {"by": by, "note": f"could not be computed: {why}", "groups": []}
    base = ctx.panel(measure_id)
    attrs = base[["unit", "cluster", "first_treated"]].drop_duplicates("unit")
    frame = frames[measure_id].merge(attrs, on="unit", how="inner")
    frame = frame[frame["period_index"].isin(base["period_index"].unique())]
    latest = int(frame["period_index"].max())
    latest_label = str(frame.loc[frame["period_index"] == latest, "period"].iloc[0])
    thr = ctx.policy.threshold
    mult = SCALE_MULTIPLIER[m.scale]
    groups = []

    def level_row(label: str, sub: pd.DataFrame) -> dict[str, Any]:
        last = sub[sub["period_index"] == latest]
        num, den = float(last["numerator"].sum()), float(last["denominator"].sum())
        hidden = (0 < num < thr) or (0 < den < thr) or den == 0
        return {"group": label, "level": None if hidden else num / den * mult,
                "level_flag": "c" if hidden and den > 0 else ("x" if den == 0 else "")}

    for grp, gf in frame.groupby("group", sort=True):
        row = level_row(_label(grp), gf)
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
                row.update(estimated=True, reason="", **_group_estimate(ctx, gpanel))
            except EahEvalError as exc:
                row.update(estimated=False, reason=f"could not be estimated: {exc}")
        groups.append(row)
    groups.insert(0, {**level_row("All pupils", frame), "estimated": False,
                      "reason": "see the headline table"})
    return {"by": by, "note": "", "latest_period": latest_label, "groups": groups}


def equality_section(ctx: _Context, headline: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Build the equality section and its numbers.

    Parameters
    ----------
    ctx : _Context
        The report context.
    headline : dict
        Measure id -> headline estimate (dictionary from ``MeasureEstimate.to_dict``), to
        show beside the groups.

    Returns
    -------
    tuple of (str, dict)
        Section HTML and the numbers for ``results.json``.
    """
    from eah_eval.measures import get_measure
    from eah_eval.measures.definitions import SCALE_UNIT

    p = ctx.params
    level = round(100 * (1 - p.alpha))
    parts = [paragraph(
        "Outcomes by pupil group are kept under review. For each group we show its level in "
        "the latest period and, where numbers allow, the estimated change after go-live, "
        "measured the same way as the headline result. A group's change is estimated only "
        f"when it has at least {p.equality_min_pupils} records per period in every rollout "
        "wave; otherwise it is described, not estimated. Overlapping intervals do not show "
        "that groups changed alike."
    )]
    results: dict[str, Any] = {}
    frames: dict[str, dict[str, pd.DataFrame]] = {}
    known = []
    for mid in p.equality_measures:
        try:
            get_measure(mid)
            known.append(mid)
        except EahEvalError:
            pass
    for sg in p.subgroups:
        try:
            frames[sg] = _group_frames(ctx, known, sg)
        except EahEvalError as exc:
            frames[sg] = {"__error__": pd.DataFrame({"message": [str(exc)]})}
    if not p.equality_measures or not p.subgroups:
        parts.append(ctx.note_unavailable(
            "Equality breakdowns", "no measures or pupil groups were chosen for them "
            "(report parameters equality_measures and subgroups)."))
        return section("Equality breakdowns", "\n".join(parts), anchor="equality"), results
    for mid in p.equality_measures:
        try:
            m = get_measure(mid)
        except EahEvalError as exc:
            parts.append(ctx.note_unavailable(f"Equality breakdowns for {mid}", str(exc)))
            continue
        unit = SCALE_UNIT[m.scale]
        unit_words = "percentage points" if unit == "%" else unit
        parts.append(f"<h3>{escape(m.title)}</h3>")
        results[mid] = {}
        not_shown: list[str] = []
        rows: dict[str, dict[str, str]] = {}
        latest = ""
        for sg in p.subgroups:
            try:
                out = _measure_groups(ctx, mid, sg, frames.get(sg, {}))
            except EahEvalError as exc:
                out = {"by": BREAKDOWN[sg], "note": f"could not be computed: {exc}",
                       "groups": []}
            results[mid][sg] = out
            if out["note"]:
                not_shown.append(f"{SUBGROUP_TITLE[sg]}: {out['note']}")
                continue
            latest = out.get("latest_period", latest)
            for g in out["groups"]:
                if g["group"] == "All pupils" and "All pupils" in rows:
                    continue
                name = (g["group"] if g["group"] == "All pupils" or sg != "ethnicity"
                        else f"{SUBGROUP_TITLE[sg]}: {g['group']}")
                lvl = g["level_flag"] or _fmt(g["level"], 1)
                if g["group"] == "All pupils":
                    h = headline.get(mid)
                    change = (f"{_fmt(h['estimate'])} ({_fmt(h['ci_lower'])} to "
                              f"{_fmt(h['ci_upper'])})" if h else "x")
                elif g.get("estimated"):
                    change = (f"{_fmt(g['estimate'])} ({_fmt(g['ci_lower'])} to "
                              f"{_fmt(g['ci_upper'])})")
                else:
                    change = "not estimated: " + g["reason"].split(":")[0]
                rows[name] = {f"Level, {latest} ({unit})": lvl,
                              f"Change after go-live ({level}% interval)": change}
        if rows:
            disp = pd.DataFrame.from_dict(rows, orient="index")
            disp.index.name = "Pupil group"
            parts.append(html_table(
                disp,
                caption=f"{m.title} by pupil group: level in {latest} and estimated change "
                f"after go-live ({unit_words}); all clusters in this report; source: "
                f"{', '.join(m.source_tables)}",
                row_header="Pupil group",
                notes=[f"Change: as in the headline table, for the group's pupils only, with "
                       f"{level}% intervals",
                       f"Not estimated: the group has fewer than {p.equality_min_pupils} "
                       "records per period in at least one wave"],
            ))
        if not_shown:
            parts.append(paragraph("Not shown:") + bullet_list(not_shown))
    return section("Equality breakdowns", "\n".join(parts), anchor="equality"), results
