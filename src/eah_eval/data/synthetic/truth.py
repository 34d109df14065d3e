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

from eah_eval.data.periods import academic_year_label, term_label
from eah_eval.data.synthetic.effects import MEASURES, EffectSpec
from eah_eval.data.synthetic.layout import Calendar, Layout, to_date

#: measures whose cell effect equals the nominal size x build-up x wave multiplier when absolute
_NOMINAL = ("absence_overall_pct", "sen_support_pct", "ks2_rwm_expected_pct")

SIMPLE_RULE = (
    "simple = mean of the cell effects over all school-period cells of mainstream schools "
    "(school lineages: a school followed across URN changes) at or after their cluster's "
    "go-live, inside the window, each cell weighted equally; this is what a group-time "
    "estimator's 'simple' aggregation targets when every treated school counts once per "
    "post-go-live period (cohort weights proportional to the number of schools)"
)
EVENT_RULE = (
    "termly measures: event_time = term index of the cell - term index of the cluster's first "
    "treated term (the term starting on the go-live date, which is a term start); annual "
    "measures (grain academic_year): event_time = academic-year start of the cell - start of "
    "the first academic year that begins on or after go-live (next-full-period rule), and "
    "period_index is the academic year's start year. 0 is the first treated period. Within an "
    "academic year the build-up is evaluated at the January census term (SEN support), the "
    "summer term (KS2) or term by term (EHC requests)"
)


def _r(x: float) -> float:
    return float(round(float(x), 8))


def _summ(n: np.ndarray, sh: np.ndarray) -> dict[str, Any]:
    if len(n) == 0:
        return {"effect": None, "effect_pupil_weighted": None, "n_cells": 0, "n_pupils": 0}
    return {
        "effect": _r(sh.mean()),
        "effect_pupil_weighted": _r((sh * n).sum() / n.sum()) if n.sum() > 0 else None,
        "n_cells": len(n),
        "n_pupils": int(n.sum()),
    }


def measure_truth(
    measure: str,
    cells: pd.DataFrame,
    spec: EffectSpec | None,
    cal: Calendar,
    layout: Layout,
    *,
    grain: str | None = None,
) -> dict[str, Any]:
    """Truth block of one measure (see the module docstring and ``truth.json``).

    ``cells`` has columns ``lin``, ``tp`` (a term position inside the cell's period), ``n`` and
    ``shift``; for ``grain="calendar_year"`` ``tp`` is replaced by ``year`` (calendar year).
    """
    info = MEASURES[measure]
    grain = grain or info.grain
    s = layout.schools
    cl = layout.clusters
    lin = cells["lin"].to_numpy(dtype=np.int64)
    calendar = grain == "calendar_year"
    if calendar:
        # a calendar year's first term position: its spring term
        tp = 3 * (cells["year"].to_numpy(dtype=np.int64) - cal.first_year - 1) + 1
    else:
        tp = cells["tp"].to_numpy(dtype=np.int64)
    n = cells["n"].to_numpy(dtype=float)
    sh = cells["shift"].to_numpy(dtype=float)
    c = s["cluster"].to_numpy()[lin]
    wave = cl["wave"].to_numpy()[c]
    annual = grain == "academic_year"
    g_tp = cl["g_tp"].to_numpy()
    if calendar:
        # first calendar year starting on or after go-live; term position 3k+1 is 1 January
        g_all = -(-(g_tp - 1) // 3)
        t_cell = (tp - 1) // 3
    elif annual:
        # first academic year starting on or after go-live (the next-full-period rule)
        g_all = -(-g_tp // 3)
        t_cell = tp // 3
    else:
        g_all = g_tp
        t_cell = tp
    e = t_cell - g_all[c]
    main = s["phase"].to_numpy()[lin] != "special"
    g_last = int(g_all.max())
    post = e >= 0
    pm = post & main

    rows = []
    pairs = sorted({(int(a), int(b)) for a, b in zip(wave[pm], e[pm], strict=True)})
    for w, ev in pairs:
        sel = pm & (wave == w) & (e == ev)
        t0 = int(t_cell[sel][0])
        if calendar:
            index = cal.first_year + 1 + t0
            row: dict[str, Any] = {"wave": w, "event_time": ev, "period_index": index,
                                   "period": str(index)}
            ref_e = ev
        elif annual:
            index = cal.first_year + t0
            row = {"wave": w, "event_time": ev, "period_index": index,
                   "period": academic_year_label(index)}
            ref_e = int(tp[sel][0]) - int(g_tp[c[sel][0]])
        else:
            index = int(cal.term_index(t0))
            row = {"wave": w, "event_time": ev, "period_index": index,
                   "period": term_label(index)}
            ref_e = ev
        row.update(_summ(n[sel], sh[sel]))
        if spec is not None and spec.scale == "absolute" and measure in _NOMINAL:
            row["nominal"] = _r(spec.size * float(spec.fraction(ref_e))
                                * float(spec.wave_multiplier(w)))
        rows.append(row)
    by_e = [{"event_time": int(v), **_summ(n[pm & (e == v)], sh[pm & (e == v)])}
            for v in np.unique(e[pm])]
    by_w = [{"wave": int(v), **_summ(n[pm & (wave == v)], sh[pm & (wave == v)])}
            for v in np.unique(wave[pm])]
    overall = []
    for population, base in (("mainstream", pm), ("all_schools", post)):
        for window, sel in (("all_post", base), ("before_last_wave", base & (t_cell < g_last))):
            res = _summ(n[sel], sh[sel])
            for weighting, key in (("equal", "effect"), ("pupils", "effect_pupil_weighted")):
                overall.append({
                    "population": population, "window": window, "weighting": weighting,
                    "effect": res[key], "n_cells": res["n_cells"],
                })
    pre = (e < 0) & main
    return {
        "title": info.title,
        "unit": info.unit,
        "grain": grain,
        "definition": info.definition,
        "settable": info.settable,
        "parameter": spec.to_dict() if spec is not None else None,
        "simple": _summ(n[pm], sh[pm])["effect"],
        "simple_rule": SIMPLE_RULE,
        "max_abs_effect_before_go_live": _r(np.abs(sh[pre]).max()) if pre.any() else 0.0,
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
            "first_treated_academic_year_index": cal.first_year - (-g // 3),
            "first_treated_academic_year": academic_year_label(cal.first_year - (-g // 3)),
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
