"""The true programme effects of a synthetic council, in the form estimators can be checked against.

For every measure the generator keeps one row per school-period *cell* (school lineage x term,
or x academic year for annual measures) with the cell's size and the *expected* shift of its
measure caused by the programme (expectation over the outcome draws, given the pupils on roll
and their latent propensities). This module averages those shifts the way the estimators'
targets average group-time effects.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from eah_eval.data.periods import term_label
from eah_eval.data.synthetic.effects import MEASURES, EffectSpec
from eah_eval.data.synthetic.layout import Calendar, Layout, to_date

SIMPLE_RULE = (
    "simple = mean of the cell effects over all school-period cells of mainstream schools "
    "(school lineages: a school followed across URN changes) at or after their cluster's "
    "go-live, inside the window, each cell weighted equally; this is what a group-time "
    "estimator's 'simple' aggregation targets when every treated school counts once per "
    "post-go-live period (cohort weights proportional to the number of schools)"
)
EVENT_RULE = (
    "event_time = term index of the cell - term index of the cluster's first treated term "
    "(the term that contains the go-live date); 0 is the first treated term. Annual measures "
    "use the census term (spring) or the KS2 term (summer) of the academic year, so their "
    "event times step by 3"
)


def _r(x: float) -> float:
    return float(round(float(x), 8))


def _summ(df: pd.DataFrame) -> dict[str, Any]:
    n = df["n"].to_numpy(dtype=float)
    sh = df["shift"].to_numpy(dtype=float)
    if len(df) == 0:
        return {"effect": None, "effect_pupil_weighted": None, "n_cells": 0, "n_pupils": 0}
    return {
        "effect": _r(sh.mean()),
        "effect_pupil_weighted": _r((sh * n).sum() / n.sum()) if n.sum() > 0 else None,
        "n_cells": len(df),
        "n_pupils": int(n.sum()),
    }


def measure_truth(
    measure: str,
    cells: pd.DataFrame,
    spec: EffectSpec | None,
    cal: Calendar,
    layout: Layout,
) -> dict[str, Any]:
    """Truth block of one measure (see the module docstring and ``truth.json``)."""
    info = MEASURES[measure]
    s = layout.schools
    cl = layout.clusters
    lin = cells["lin"].to_numpy()
    c = s["cluster"].to_numpy()[lin]
    df = cells.copy()
    df["wave"] = cl["wave"].to_numpy()[c]
    df["g"] = cl["g_tp"].to_numpy()[c]
    df["e"] = df["tp"] - df["g"]
    df["mainstream"] = s["phase"].to_numpy()[lin] != "special"
    g_last = int(cl["g_tp"].max())
    post = df[df["e"] >= 0]
    post_main = post[post["mainstream"]]

    rows = []
    pm_w = post_main["wave"].to_numpy()
    pm_e = post_main["e"].to_numpy()
    pm_tp = post_main["tp"].to_numpy()
    pairs = sorted({(int(a), int(b)) for a, b in zip(pm_w, pm_e, strict=True)})
    for w, e in pairs:
        sel = (pm_w == w) & (pm_e == e)
        grp = post_main[sel]
        tp = int(pm_tp[sel][0])
        row: dict[str, Any] = {
            "wave": w, "event_time": e, "period_index": int(cal.term_index(tp)),
            "period": term_label(int(cal.term_index(tp))),
        }
        if info.grain == "academic_year":
            row["event_time_years"] = int(e) // 3
        row.update(_summ(grp))
        if spec is not None and spec.scale == "absolute":
            row["nominal"] = _r(spec.size * float(spec.fraction(e))
                                * float(spec.wave_multiplier(w)))
        rows.append(row)
    by_e = [{"event_time": int(e), **_summ(post_main[pm_e == e])} for e in np.unique(pm_e)]
    by_w = [{"wave": int(w), **_summ(post_main[pm_w == w])} for w in np.unique(pm_w)]
    overall = []
    for population, frame in (("mainstream", post_main), ("all_schools", post)):
        for window, sub in (("all_post", frame), ("before_last_wave", frame[frame["tp"] < g_last])):
            res = _summ(sub)
            for weighting, key in (("equal", "effect"), ("pupils", "effect_pupil_weighted")):
                overall.append({
                    "population": population, "window": window, "weighting": weighting,
                    "effect": res[key], "n_cells": res["n_cells"],
                })
    pre = df[(df["e"] < 0) & df["mainstream"]]
    simple = _summ(post_main)["effect"]
    return {
        "title": info.title,
        "unit": info.unit,
        "grain": info.grain,
        "definition": info.definition,
        "settable": info.settable,
        "parameter": spec.to_dict() if spec is not None else None,
        "simple": simple,
        "simple_rule": SIMPLE_RULE,
        "max_abs_effect_before_go_live": _r(pre["shift"].abs().max()) if len(pre) else 0.0,
        "overall": overall,
        "by_wave": by_w,
        "by_event_time": by_e,
        "by_wave_event_time": rows,
    }


def rollout_truth(cal: Calendar, layout: Layout) -> list[dict[str, Any]]:
    """Waves with their go-live dates, first treated periods and clusters."""
    cl = layout.clusters
    out = []
    waves = cl["wave"].to_numpy()
    for w in np.unique(waves):
        grp = cl[waves == w]
        g = int(grp["g_tp"].to_numpy()[0])
        out.append({
            "wave": int(w),
            "go_live_date": to_date(int(grp["go_live"].to_numpy()[0])).isoformat(),
            "first_treated_period_index": int(cal.term_index(g)),
            "first_treated_period": term_label(int(cal.term_index(g))),
            "clusters": sorted(grp["cluster_id"].tolist()),
        })
    return out


def all_truth(
    cells: dict[str, pd.DataFrame],
    effects: dict[str, EffectSpec],
    cal: Calendar,
    layout: Layout,
) -> dict[str, Any]:
    """Truth blocks of every measure, in :data:`MEASURES` order."""
    out: dict[str, Any] = {}
    for measure in MEASURES:
        frame = cells.get(measure)
        if frame is None:
            frame = pd.DataFrame({"lin": np.zeros(0, np.int64), "tp": np.zeros(0, np.int64),
                                  "n": np.zeros(0), "shift": np.zeros(0)})
        out[measure] = measure_truth(measure, frame, effects.get(measure), cal, layout)
    return out
