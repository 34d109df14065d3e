"""Internal and external estimates: the council's own rollout beside other areas.

The council's staggered design compares clusters that started with clusters not yet started;
once the last wave is live it has nothing left to compare with, so the years after its last
comparison period are not covered. Other authorities, starting Experts at Hand at their own
dates, can be the comparison there. :func:`evaluate_external` reads the multi-area tables from
``<data>/national/`` (:func:`eah_eval.data.areas.load_areas`) and, for every report measure the
national panel holds, puts side by side:

* ``internal``: the headline estimate (clusters not yet started as comparison);
* ``external_council``: the council against authorities not started inside the panel's window
  (synthetic difference-in-differences, placebo interval), over all its treated periods;
* ``later_years``: the same, averaged over the periods after the internal design's last
  comparison period only (the years the internal design cannot cover);
* ``external_national``: the staggered estimator across all authorities, the authority as
  cluster (the average effect where the programme started, not the council's own).

Each carries its evidence window, comparison, assumptions, interval and method in words. Every
estimate passes through the disclosure ledger with the pupils behind it.

The council's own rows come from its own records: the folder supplies the other authorities
(any rows it holds for the council's LA code are replaced), and :func:`with_council_rows` adds
the council's authority and school rows computed from the same measure panels as the rest of
the report (:meth:`ReportInputs.panel`, :func:`eah_eval.data.areas.council_area_panel`), with
its programme start taken from its clusters' first go-live. So the comparison compares the
series every other section of the report shows.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eah_eval.data.areas import AREA_PERIOD_TYPES, AreaData, council_area_panel, load_areas
from eah_eval.did.areas import area_synthdid
from eah_eval.errors import EahEvalError
from eah_eval.inference.areas import area_staggered
from eah_eval.measures import get_measure
from eah_eval.reporting.disclosure import DisclosureLedger
from eah_eval.reporting.impact.inputs import ReportInputs
from eah_eval.reporting.impact.model import MeasureEvaluation
from eah_eval.workers import ordered_map

__all__ = ["NATIONAL_FOLDER", "evaluate_external", "with_council_rows"]

#: pupils behind a set of the council's schools over some periods (for the ledger)
PupilCount = Callable[[ReportInputs, str, Any, Any], float]
#: folder of the multi-area tables inside the report's data folder
NATIONAL_FOLDER = "national"
_PLACEBO = 200

INTERNAL_ASSUMPTIONS = (
    "without the programme, schools in clusters that started would have followed the same "
    "trend as schools in clusters not yet started; no spill-over to clusters not yet started")
COUNCIL_ASSUMPTIONS = (
    "without the programme, the council would have followed the weighted path of the "
    "comparison authorities (weights chosen to match its path before it started, plus a "
    "constant gap); nothing else changed in the council alone; the interval treats the "
    "council as exchangeable with the comparison authorities (placebo areas)")
NATIONAL_ASSUMPTIONS = (
    "without the programme, authorities that started would have followed the same trend as "
    "authorities not yet started; start dates not chosen in response to the measure's "
    "trend; the authorities without a known start date are left out")


def _num(v: float) -> float | None:
    return float(v) if v is not None and np.isfinite(v) else None


def _row(label: str, estimate: float, ci_low: float, ci_high: float, window: tuple[str, str],
         comparison: str, assumptions: str, method: str, **extra: Any) -> dict[str, Any]:
    return {"label": label, "estimate": _num(estimate), "ci_low": _num(ci_low),
            "ci_high": _num(ci_high), "window": list(window), "comparison": comparison,
            "assumptions": assumptions, "method": method, **extra}


def _council_code(inputs: ReportInputs) -> str:
    codes = inputs.tables["schools"]["la_code"].astype(str)
    return str(codes.mode().iloc[0])


def _labels(rows: pd.DataFrame) -> dict[int, str]:
    first = rows.drop_duplicates("period_index")
    return dict(zip(first["period_index"].astype(int), first["period"].astype(str),
                    strict=True))


def _pupils(rows: pd.DataFrame, la: str | None, periods: Any) -> float:
    sub = rows[rows["period_index"].isin(periods)]
    if la is not None:
        sub = sub[sub["la_code"].astype(str) == la]
    den = sub.groupby("period_index")["denominator"].sum()
    return float(den.mean()) if len(den) else float("nan")


def _sessions(mid: str) -> bool:
    return get_measure(mid).denominator.lower().startswith("possible sessions")


def _national_people(areas: AreaData, mid: str, periods: list[int]) -> float:
    """Pupils behind the national estimate (a sessions-based measure borrows pupil counts)."""
    la_rows = areas.panel[areas.panel["level"] == "local_authority"]
    if not _sessions(mid):
        return _pupils(la_rows[la_rows["measure"] == mid], None, periods)
    for other in areas.measures():
        if not _sessions(other):
            rows = la_rows[la_rows["measure"] == other]
            return _pupils(rows, None, rows["period_index"].unique())
    return float("nan")


def _synth(areas: AreaData, la: str, mid: str, seed: int, level: float,
           post_from: int | None) -> Any:
    return area_synthdid(areas.panel, areas.programme, la, measure=mid, method="sdid",
                         placebo=_PLACEBO, rng=seed, level=level, post_from=post_from)


def _measure(areas: AreaData, la: str, la_name: str, mid: str, e: MeasureEvaluation,
             inputs: ReportInputs, ledger: DisclosureLedger, pupils: PupilCount,
             ) -> dict[str, Any]:
    p = inputs.params
    level = 1 - p.alpha
    rows = areas.panel[(areas.panel["measure"] == mid)
                       & (areas.panel["level"] == "local_authority")]
    labels = _labels(rows)
    index_of = {v: k for k, v in labels.items()}
    h = e.headline
    out: dict[str, Any] = {"title": e.title, "unit": e.unit}
    out["internal"] = _row(
        "This council's rollout (clusters)", h.estimate, h.ci_low, h.ci_high,
        e.sample.window, "schools in the council's clusters not yet started",
        INTERNAL_ASSUMPTIONS, h.method_text,
        last_comparison_period=e.sample.last_comparison_period)

    def entered(key: str, res: Any, people: float) -> tuple[float, float, float, str]:
        est, flag = ledger.value(res.estimate, table=f"{mid} other areas", key=key,
                                 people=people)
        if flag:
            return est, float("nan"), float("nan"), flag
        return est, res.ci_low, res.ci_high, ""

    council_units = inputs.panel(mid)["unit"].unique()

    def council_row(key: str, label: str, res: Any) -> dict[str, Any]:
        post = res.event_effects[res.event_effects["post"]]
        times = [int(t) for t in post["time"]]
        est, lo, hi, flag = entered(key, res, pupils(inputs, mid, council_units, times))
        top = res.unit_weights[res.unit_weights > 0].sort_values(ascending=False).head(5)
        return _row(
            label, est, lo, hi, (labels[times[0]], labels[times[-1]]),
            f"{len(res.unit_weights)} authorities not started by {labels[max(labels)]}, "
            f"weighted to match {la_name} before it started",
            COUNCIL_ASSUMPTIONS,
            f"synthetic difference-in-differences (Arkhangelsky et al. 2021), normal interval "
            f"from a placebo standard error ({res.n_placebo} placebo draws, seed {res.seed})",
            flag=flag, pre_fit_rmse=_num(res.pre_fit_rmse),
            top_weights={str(k): round(float(v), 3) for k, v in top.items()},
            n_comparison=len(res.unit_weights))

    full = _synth(areas, la, mid, p.seed, level, None)
    out["external_council"] = council_row(
        "This council against other authorities", "This council against other authorities",
        full)
    last_internal = index_of.get(e.sample.last_comparison_period)
    later_from = None if last_internal is None else last_internal + 1
    if later_from is not None and later_from <= max(labels) and later_from >= int(
            full.first_treated):
        later = _synth(areas, la, mid, p.seed, level, later_from)
        out["later_years"] = council_row(
            "Later years", "This council against other authorities, years the council's own "
            "design cannot cover", later)
    else:
        out["later_years"] = {"unavailable": (
            "the national panel has no period after the council's last comparison period "
            f"({e.sample.last_comparison_period})" if later_from is not None else
            f"the council's last comparison period ({e.sample.last_comparison_period}) is not "
            "a period of the national panel")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nat = area_staggered(rows, areas.programme, measure=mid, level="local_authority",
                             kinds=("simple",), ci_level=level)
    o = nat.overall
    starts = sorted(g for g in nat.cohorts.values() if g > 0)
    shown, flag = ledger.value(float(o["estimate"]), table=f"{mid} other areas",
                               key="All authorities that started",
                               people=_national_people(areas, mid, list(labels)))
    out["external_national"] = _row(
        "All authorities that started (national)", shown,
        float(o["ci_low"]) if not flag else float("nan"),
        float(o["ci_high"]) if not flag else float("nan"),
        (labels.get(starts[0], "") if starts else "", labels[max(labels)]),
        f"authorities not yet started ({nat.n_clusters} authorities in all)",
        NATIONAL_ASSUMPTIONS, nat.method_description, flag=flag,
        n_authorities=nat.n_clusters, excluded=dict(nat.excluded))
    return out


def with_council_rows(areas: AreaData, inputs: ReportInputs, la: str,
                      measures: Any) -> tuple[AreaData, dict[str, Any]]:
    """Put the council's own rows, computed from its own records, into the national panel.

    Parameters
    ----------
    areas : AreaData
        The supplied tables (other authorities; rows for ``la`` are replaced).
    inputs : ReportInputs
        The report's inputs: the council's measure panels and clusters.
    la : str
        The council's LA code.
    measures : iterable of str
        Measures to add (those the national panel holds).

    Returns
    -------
    areas : AreaData
        With the council's authority rows (and school rows where the panel holds schools)
        and its programme start (its first go-live).
    own : dict
        ``replaced`` (rows of the supplied file for the council, dropped), ``added`` (rows
        added), ``start`` (ISO date), ``problems`` (measure -> reason it was not added).
    """
    panel = areas.panel
    replaced = int((panel["la_code"].astype(str) == la).sum())
    keep = panel[panel["la_code"].astype(str) != la]
    parts = [keep]
    problems: dict[str, str] = {}
    for mid in measures:
        theirs = keep[keep["measure"] == mid]
        own = inputs.panel(mid)
        grain = AREA_PERIOD_TYPES.get(str(own.attrs.get("period", "term")), "")
        types = set(theirs["period_type"].astype(str))
        if types and grain not in types:
            problems[mid] = (f"the national panel holds it by {', '.join(sorted(types))}; the "
                             f"report measures it by {grain.replace('_', ' ')}")
            continue
        levels = tuple(lv for lv in ("local_authority", "school")
                       if lv in set(theirs["level"]))
        parts.append(council_area_panel(own, la, multiplier=get_measure(mid).multiplier,
                                        measure=mid, levels=levels or ("local_authority",)))
    combined = pd.concat(parts, ignore_index=True)
    start = pd.Timestamp(inputs.design["go_live_date"].min())
    programme = areas.programme.copy()
    mine = programme["la_code"].astype(str) == la
    if mine.any():
        programme.loc[mine, "programme_start"] = start
        programme.loc[mine, "start_source"] = "the council's clusters (first go-live)"
    else:
        programme = pd.concat([programme, pd.DataFrame({
            "la_code": [la], "la_name": [f"This council ({la})"], "new_la_code": [None],
            "programme_start": [start],
            "start_source": ["the council's clusters (first go-live)"]})], ignore_index=True)
    out = AreaData(panel=combined, programme=programme, neighbours=areas.neighbours,
                   files=areas.files)
    return out, {"replaced": replaced, "added": len(combined) - len(keep),
                 "start": start.date().isoformat(), "problems": problems}


def evaluate_external(inputs: ReportInputs, ledger: DisclosureLedger,
                      done: Mapping[str, MeasureEvaluation],
                      pupils: PupilCount) -> dict[str, Any]:
    """Compare the council's own estimates with estimates against other areas.

    Parameters
    ----------
    inputs : ReportInputs
        The report's inputs (its data folder holds ``national/`` when other areas are
        supplied).
    ledger : DisclosureLedger
        Every external estimate enters it (pupils behind it).
    done : mapping of str to MeasureEvaluation
        The internal estimates by measure.
    pupils : callable
        ``pupils(inputs, measure_id, schools, periods)``: pupils behind the council's
        estimates for the ledger (the report's
        :func:`eah_eval.reporting.impact.evaluate.pupils_on_roll`).

    Returns
    -------
    dict
        ``measures`` (per measure: ``internal``, ``external_council``, ``later_years``,
        ``external_national``), ``la_code``, ``la_name``, ``folder``, ``not_in_panel``; or
        ``{"unavailable": reason}`` when no national panel is supplied or it holds none of the
        report's measures.

    Raises
    ------
    DataValidationError
        When a supplied national panel fails validation (a malformed file is an error, not a
        missing part).
    """
    folder = Path(str(inputs.params.data)) / NATIONAL_FOLDER
    if not (folder / "area_panel.csv").is_file():
        return {"unavailable": (
            "no figures for other local authorities and their programme start dates were "
            "supplied with the data (the guide 'Comparison with other areas' says how to add "
            "them), so the years after the council's last comparison period are not covered")}
    areas = load_areas(folder)
    la = _council_code(inputs)
    wanted = [m for m in done if m in set(areas.measures())]
    areas, own = with_council_rows(areas, inputs, la, wanted)
    names = areas.programme.set_index("la_code")["la_name"]
    la_name = str(names.get(la, f"authority {la}"))
    have = set(areas.measures())
    out: dict[str, Any] = {"folder": f"{NATIONAL_FOLDER}/", "la_code": la, "la_name": la_name,
                           "measures": {}, "not_in_panel": [],
                           "problems": dict(own.pop("problems")), "council_rows": own}
    out["not_in_panel"] = [e.title for mid, e in done.items() if mid not in have]
    todo = [(mid, e) for mid, e in done.items() if mid in have and mid not in out["problems"]]
    for mid, _ in todo:  # the panels the comparisons read, built here (no database below)
        pupils(inputs, mid, (), None)
        inputs.panel(mid)

    def compare(item: tuple[str, MeasureEvaluation]) -> tuple[bool, Any, DisclosureLedger]:
        part = ledger.part()
        try:
            return True, _measure(areas, la, la_name, item[0], item[1], inputs, part,
                                  pupils), part
        except EahEvalError as exc:
            return False, str(exc), part

    # each measure's comparison is separate work, shared over the cores; its cells enter the
    # ledger in the order of the measures, as if computed here one after another
    for (mid, _), (ok, res, part) in zip(todo, ordered_map(compare, todo, min_calls=1),
                                         strict=True):
        ledger.merge(part)
        out["measures" if ok else "problems"][mid] = res
    if not out["measures"]:
        reasons = "; ".join(f"{k}: {v}" for k, v in out["problems"].items())
        return {"unavailable": (
            "the national panel holds none of the report's estimated measures (it holds "
            f"{', '.join(sorted(have))})" + (f"; {reasons}" if reasons else ""))}
    return out
