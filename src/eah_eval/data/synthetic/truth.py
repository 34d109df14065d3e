"""The true programme effects of a synthetic council, in the form estimators can be checked against.

For every measure the generator keeps one row per school-period *cell* (school lineage x term,
or x academic year for annual measures) with the cell's size and the *expected* shift of its
measure caused by the programme (expectation over the outcome draws, given the pupils on roll
and their latent propensities). This module averages those shifts the way the estimators'
targets average group-time effects, over the schools the programme *serves*: the programme
scope given to :func:`~eah_eval.data.synthetic.make_council` (an
:class:`eah_eval.measures.programme.ProgrammeScope`, the object the estimation panels use), by
default the schools the generator treats, mainstream primary and secondary schools, which are
the schools ``ProgrammeScope()`` serves.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import pandas as pd

from eah_eval.data.periods import academic_year_label, term_label
from eah_eval.data.synthetic.effects import MEASURES, EffectSpec
from eah_eval.data.synthetic.layout import Calendar, Layout, to_date
from eah_eval.errors import OptionError

#: measures whose cell effect equals the nominal size x build-up x wave multiplier when absolute
_NOMINAL = ("absence_overall_pct", "sen_support_pct", "ks2_rwm_expected_pct")

SIMPLE_RULE = (
    "simple = mean of the cell effects over all school-period cells of the schools the "
    "programme serves (conventions.scope; by default mainstream primary and secondary "
    "schools; school lineages: a school followed across URN changes, its setting read from "
    "its latest URN) at or after their cluster's go-live, inside the window, each cell "
    "weighted equally: the average effect over every treated school-period. It is what a "
    "group-time 'simple' aggregation would target if every post-go-live cell had a comparison "
    "and every period before the first treated one were untreated. With clusters not yet "
    "started as the comparison, cells from the last wave's first treated period on have no "
    "comparison, and on a grain whose periods do not start on the go-live date (calendar "
    "years for a September go-live) the period before the first full one is partly treated; "
    "'estimand' gives what the estimator targets then"
)
ESTIMAND_RULE = (
    "estimand = the expected value of the report's estimator computed from the cell effects: "
    "Callaway-Sant'Anna group-time effects on this grain with cohorts g = the first period "
    "starting on or after go-live (next-full-period rule), clusters not yet treated (cohort "
    "> t, or beyond the window) as the comparison, the universal base period g - 1, each "
    "cell's units observed in both periods weighted by their pupils in the base period, and "
    "the 'simple' aggregation over the post-go-live cells that have a comparison, cohorts "
    "weighted by their pupils (each school's first period); schools the programme serves. "
    "ATT(g, t) = [effect(t) - effect(g - 1)] for cohort g minus the same for the comparison. "
    "effect_in_treated_cells is the same weighting of the treated cells' own effects; "
    "offset = effect - effect_in_treated_cells is the part of the effect that falls in periods "
    "the estimator uses as untreated (a partly treated base period, comparison clusters "
    "partly treated in their go-live period); zero when every go-live is the first day of a "
    "period"
)
POPULATION_RULE = (
    "overall populations: 'served' = the schools of conventions.scope (the population of "
    "'simple', by_wave and by_event_time); 'mainstream' = the schools the generator treats "
    "(every school but special schools); 'all_schools' = every school, special schools "
    "contributing zero effects"
)
#: What the default (``scope=None``) serves: the schools the generator treats.
GENERATOR_SCOPE_TEXT = (
    "the schools the generator treats: mainstream primary and secondary schools (special "
    "schools are never treated), the schools eah_eval.measures.programme.ProgrammeScope() "
    "serves"
)


class ServedSchools(Protocol):
    """What truth needs of a programme scope (an ``eah_eval.measures`` ``ProgrammeScope``)."""

    def serves(self, schools: pd.DataFrame) -> pd.Series:
        """Mark the served schools of a schools table (``phase``, ``establishment_type``)."""
        ...  # pragma: no cover

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form, recorded in ``truth.json``."""
        ...  # pragma: no cover


def lineage_schools(layout: Layout) -> pd.DataFrame:
    """One schools-table row per school lineage: the latest URN's phase and type.

    Measures follow a school across URN changes to its latest (canonical) URN and read its
    setting from that row, so truth does the same.
    """
    s = layout.schools
    converted = s["conv_tp"].to_numpy() >= 0
    special = s["phase"].to_numpy() == "special"
    etype = np.where(converted, np.where(special, "academy_special", "academy"),
                     s["etype"].to_numpy())
    urn = np.where(converted, s["urn_new"].to_numpy(), s["urn"].to_numpy())
    return pd.DataFrame({"urn": urn.astype(object), "phase": s["phase"].to_numpy(),
                         "establishment_type": etype.astype(object)})


def served_lineages(layout: Layout, scope: ServedSchools | None) -> np.ndarray:
    """Boolean per school lineage: served by ``scope`` (None: the schools the generator treats)."""
    if scope is None:
        return np.asarray(layout.schools["phase"].to_numpy() != "special", dtype=bool)
    frame = lineage_schools(layout)
    served = np.asarray(scope.serves(frame), dtype=bool)
    if served.shape != (len(frame),):
        raise OptionError(
            f"scope.serves() must return one flag per school ({len(frame)}); got shape "
            f"{served.shape}"
        )
    return served


def scope_record(layout: Layout, scope: ServedSchools | None) -> dict[str, Any]:
    """Return the scope as recorded in ``truth.json`` (``conventions.scope``), with its schools."""
    served = served_lineages(layout, scope)
    frame = lineage_schools(layout)
    if scope is None:
        phases = sorted(set(frame.loc[served, "phase"]), key=["primary", "secondary"].index)
        head: dict[str, Any] = {"phases": phases, "description": GENERATOR_SCOPE_TEXT,
                                "given": False}
    else:
        head = {**scope.to_dict(), "given": True}
    return head | {
        "schools_served": int(served.sum()),
        "schools_not_served": int((~served).sum()),
        "urns_not_served": sorted(frame.loc[~served, "urn"].astype(str)),
    }

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


def did_estimand(
    lin: np.ndarray,
    t_cell: np.ndarray,
    cohort: np.ndarray,
    n: np.ndarray,
    sh: np.ndarray,
    served: np.ndarray,
) -> dict[str, Any]:
    """Compute the expected not-yet-treated group-time 'simple' estimate from cell effects.

    Parameters
    ----------
    lin, t_cell : ndarray of int
        School lineage and period (consecutive integers on the measure's grain) of each cell.
    cohort : ndarray of int
        First treated period of each cell's school (next-full-period rule).
    n, sh : ndarray of float
        Pupils and expected effect of each cell.
    served : ndarray of bool
        Whether each cell's school is served by the programme (only those enter).

    Returns
    -------
    dict
        ``effect`` (the estimand), ``effect_in_treated_cells``, ``offset`` (their difference),
        ``n_group_time_cells`` and ``rule`` (:data:`ESTIMAND_RULE`).

    Notes
    -----
    Mirrors :func:`eah_eval.did.att_gt` with ``control_group="not_yet_treated"``,
    ``base_period="universal"``, ``weights`` = pupils and no covariates (its doubly robust
    estimate is then a difference of weighted mean changes), followed by the ``"simple"``
    aggregation, whose cohort shares use each school's weight in its first period.
    """
    keep = np.asarray(served, dtype=bool)
    lin, t_cell, cohort = lin[keep], t_cell[keep], cohort[keep]
    n, sh = n[keep], sh[keep]
    empty = {"effect": None, "effect_in_treated_cells": None, "offset": None,
             "n_group_time_cells": 0, "rule": ESTIMAND_RULE}
    if len(lin) == 0:
        return empty
    units, u = np.unique(lin, return_inverse=True)
    periods = np.arange(int(t_cell.min()), int(t_cell.max()) + 1)
    p = t_cell - periods[0]
    shape = (len(units), len(periods))
    eff = np.full(shape, np.nan)
    pupils = np.full(shape, np.nan)
    eff[u, p] = sh
    pupils[u, p] = n
    g_unit = np.zeros(len(units), dtype=np.int64)
    g_unit[u] = cohort
    first = np.argmax(np.isfinite(pupils), axis=1)
    w_first = pupils[np.arange(len(units)), first]
    num = den = num_own = 0.0
    n_cells = 0
    for g in np.unique(g_unit):
        b = int(g) - 1 - periods[0]
        if b < 0 or int(g) > periods[-1]:
            continue  # treated from the first period on, or never treated in the window
        share = float(np.sum(w_first * (g_unit == g)))
        for t in range(b + 1, len(periods)):
            both = np.isfinite(eff[:, t]) & np.isfinite(eff[:, b])
            treated = both & (g_unit == g)
            comparison = both & (g_unit > periods[t])
            if not treated.any() or not comparison.any():
                continue
            wt, wc = pupils[treated, b], pupils[comparison, b]
            if wt.sum() <= 0 or wc.sum() <= 0:
                continue
            own = float(np.average(eff[treated, t], weights=wt))
            att = (own - float(np.average(eff[treated, b], weights=wt))
                   - float(np.average(eff[comparison, t] - eff[comparison, b], weights=wc)))
            num += share * att
            num_own += share * own
            den += share
            n_cells += 1
    if den <= 0:
        return empty
    return {"effect": _r(num / den), "effect_in_treated_cells": _r(num_own / den),
            "offset": _r(num / den - num_own / den), "n_group_time_cells": n_cells,
            "rule": ESTIMAND_RULE}


def measure_truth(
    measure: str,
    cells: pd.DataFrame,
    spec: EffectSpec | None,
    cal: Calendar,
    layout: Layout,
    *,
    grain: str | None = None,
    served: np.ndarray | None = None,
) -> dict[str, Any]:
    """Truth block of one measure (see the module docstring and ``truth.json``).

    ``cells`` has columns ``lin``, ``tp`` (a term position inside the cell's period), ``n`` and
    ``shift``; for ``grain="calendar_year"`` ``tp`` is replaced by ``year`` (calendar year).
    ``served`` flags the school lineages the programme serves (:func:`served_lineages`;
    default the schools the generator treats).
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
    treated = s["phase"].to_numpy() != "special"
    main = treated[lin]
    srv = (treated if served is None else np.asarray(served, dtype=bool))[lin]
    g_last = int(g_all.max())
    post = e >= 0
    pm = post & srv

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
    for population, base in (("served", pm), ("mainstream", post & main), ("all_schools", post)):
        for window, sel in (("all_post", base), ("before_last_wave", base & (t_cell < g_last))):
            res = _summ(n[sel], sh[sel])
            for weighting, key in (("equal", "effect"), ("pupils", "effect_pupil_weighted")):
                overall.append({
                    "population": population, "window": window, "weighting": weighting,
                    "effect": res[key], "n_cells": res["n_cells"],
                })
    pre = (e < 0) & srv
    estimand = did_estimand(lin, t_cell, g_all[c], n, sh, srv)
    return {
        "title": info.title,
        "unit": info.unit,
        "grain": grain,
        "definition": info.definition,
        "settable": info.settable,
        "parameter": spec.to_dict() if spec is not None else None,
        "simple": _summ(n[pm], sh[pm])["effect"],
        "simple_rule": SIMPLE_RULE,
        "estimand": estimand,
        "population_rule": POPULATION_RULE,
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
    *,
    served: np.ndarray | None = None,
) -> dict[str, Any]:
    """Truth blocks of every measure, in :data:`MEASURES` order, over the ``served`` schools."""
    out: dict[str, Any] = {}
    for measure in MEASURES:
        frame = cells.get(measure)
        if frame is None:
            frame = pd.DataFrame({"lin": np.zeros(0, np.int64), "tp": np.zeros(0, np.int64),
                                  "n": np.zeros(0), "shift": np.zeros(0)})
        out[measure] = measure_truth(measure, frame, effects.get(measure), cal, layout,
                                     served=served)
    return out
