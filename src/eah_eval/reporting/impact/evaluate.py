"""The impact evaluation, computed once: every estimate, interval, sample and check of a report.

:func:`evaluate` is the one downward pass from data to the frozen
:class:`~eah_eval.reporting.impact.model.Evaluation`: load and validate the data, build each
measure's panel (one programme scope, one rollout rule), fit the group-time estimator,
aggregate it (overall, event study, waves), apply the report's *one* inference method to every
interval through the package's dispatcher (:func:`eah_eval.inference.infer`), state the
minimum detectable change from the headline interval, run the robustness checks, describe the
trends and the pupil groups, and pass every published count through the disclosure ledger.
Sections render the result and compute nothing.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from eah_eval.did import aggregate
from eah_eval.errors import EahEvalError
from eah_eval.inference import dose_response
from eah_eval.measures import cluster_dose, get_measure
from eah_eval.measures.definitions import SCALE_UNIT
from eah_eval.reporting.disclosure import DisclosureLedger
from eah_eval.reporting.document import Unavailable
from eah_eval.reporting.impact import robustness
from eah_eval.reporting.impact.assurance import assurance_record
from eah_eval.reporting.impact.data_quality import data_quality_records
from eah_eval.reporting.impact.decision import decide
from eah_eval.reporting.impact.delivery import evaluate_delivery
from eah_eval.reporting.impact.equality import (
    add_headline,
    equality_frames,
    evaluate_equality,
)
from eah_eval.reporting.impact.evidence import months_progress, rate_evidence
from eah_eval.reporting.impact.external import evaluate_external
from eah_eval.reporting.impact.high_needs import evaluate_high_needs
from eah_eval.reporting.impact.inputs import ReportInputs, load_inputs
from eah_eval.reporting.impact.intervals import (
    estimates_from_table,
    overall_estimate,
    period_label,
    run_inference,
)
from eah_eval.reporting.impact.model import (
    Estimate,
    Evaluation,
    MeasureEvaluation,
    Sample,
    WaveSample,
)
from eah_eval.reporting.impact.params import ReportParams
from eah_eval.reporting.impact.trends import evaluate_trend
from eah_eval.reporting.impact.value_for_money import evaluate_value_for_money
from eah_eval.reporting.narrative import describe_effect
from eah_eval.reporting.suppression import DisclosurePolicy
from eah_eval.sensitivity.power import mde_from_interval, se_from_interval
from eah_eval.workers import Forked, start_forked

logger = logging.getLogger(__name__)

#: Measures on the attainment scale (months' progress applies).
ATTAINMENT: frozenset[str] = frozenset({"ks2_rwm_expected_pct", "ks2_rwm_expected_sen_pct"})

#: Measure whose denominator is the January census headcount: pupils on roll.
HEADCOUNT_MEASURE = "sen_support_pct"


def pupils_on_roll(inputs: ReportInputs, measure_id: str, units: Any,
                   periods: Any | None = None) -> float:
    """Average pupils per year behind a set of schools (January census headcount).

    For attainment, pupils with results in the year. ``periods`` (period indexes of the
    measure's own grain) restricts the years to the evidence window.
    """
    source = measure_id if measure_id in ATTAINMENT else HEADCOUNT_MEASURE
    panel = inputs.panel(source)
    sub = panel[panel["unit"].isin(units)]
    if periods is not None and source == measure_id:
        sub = sub[sub["period_index"].isin(periods)]
    elif periods is not None and len(periods):
        years = {int(str(period_label(inputs.panel(measure_id).attrs.get("period", "term"),
                                      int(t)))[:4]) for t in periods}
        sub = sub[sub["period"].astype(str).str.slice(0, 4).astype(int).isin(years)]
    if sub.empty:
        return float("nan")
    return float(sub.groupby("period_index")["denominator"].sum().mean())


def partial_in_window(panel: pd.DataFrame, gt: Any) -> tuple[str, ...]:
    """Partial periods (data for part of the period only) that enter the headline estimate."""
    partial = {str(x) for x in panel.attrs.get("partial_periods", ()) or ()}
    if not partial:
        return ()
    est = np.asarray(gt.table.estimates, dtype=float)
    post = np.asarray(gt.post, dtype=bool) & np.isfinite(est)
    used = {int(t) for t in np.asarray(gt.times, dtype=float)[post]}
    rows = panel.drop_duplicates("period_index")
    return tuple(str(r) for t, r in zip(rows["period_index"], rows["period"], strict=True)
                 if int(t) in used and str(r) in partial)


def estimator_sample(inputs: ReportInputs, ledger: DisclosureLedger, measure_id: str,
                     gt: Any, panel: pd.DataFrame) -> Sample:
    """Return the sample the headline estimate rests on, read off the estimator's own cells.

    A school is *treated* when it has non-zero influence on a post-go-live group-time cell of
    its own cohort with a finite estimate (so a valid comparison existed), and *comparison*
    when it has non-zero influence on such a cell of another cohort.
    """
    period = str(panel.attrs.get("period", "term"))
    est = np.asarray(gt.table.estimates, dtype=float)
    post = np.asarray(gt.post, dtype=bool) & np.isfinite(est)
    infl = np.asarray(gt.influence, dtype=float)
    cohort = np.asarray(gt.unit_cohort, dtype=float)
    groups = np.asarray(gt.groups, dtype=float)
    times = np.asarray(gt.times, dtype=float)
    nz = np.abs(infl[:, post]) > 0
    own = cohort[:, None] == groups[post][None, :]
    treated_mask = (nz & own).any(axis=1)
    comparison_mask = (nz & ~own).any(axis=1)
    ids = pd.Index(gt.unit_ids)
    treated, comparison = ids[treated_mask], ids[comparison_mask]
    window_t = sorted({int(t) for t in times[post]})
    window = ((period_label(period, window_t[0]), period_label(period, window_t[-1]))
              if window_t else ("", ""))
    last_comp = window[1]
    n_t = pupils_on_roll(inputs, measure_id, treated, window_t)
    n_c = pupils_on_roll(inputs, measure_id, comparison, window_t)
    n_t, f_t = ledger.people(n_t, table=f"{measure_id} sample", key="pupils treated")
    n_c, f_c = ledger.people(n_c, table=f"{measure_id} sample", key="pupils comparison")
    design = inputs.design
    by_wave = []
    unit_cluster = panel.drop_duplicates("unit").set_index("unit")["cluster"]
    for g in sorted({int(c) for c in panel["first_treated"].unique() if int(c) > 0}):
        in_g = panel.loc[panel["first_treated"] == g, "unit"].unique()
        clusters = sorted(set(unit_cluster.reindex(in_g)))
        waves = sorted({str(w) for w in design.loc[design["cluster_id"].isin(clusters),
                                                     "rollout_wave"]})
        cells = post & (groups == g)
        ts = sorted({int(t) for t in times[cells]})
        ids_g = ids[(nz & own).any(axis=1) & (cohort == g)] if cells.any() else ids[:0]
        comp_g = ids[(np.abs(infl[:, cells]) > 0).any(axis=1) & (cohort != g)] \
            if cells.any() else ids[:0]
        note = "" if ts else ("no comparison remained when this wave started: every other "
                              "cluster had started, so it adds nothing to the estimate")
        by_wave.append(WaveSample(
            wave=", ".join(waves), first_treated=g, first_treated_label=period_label(period, g),
            n_clusters=len(clusters), n_schools=len(in_g),
            n_schools_treated=len(ids_g), n_schools_comparison=len(comp_g),
            treated_periods=tuple(period_label(period, t) for t in ts), note=note))
    return Sample(
        n_schools_treated=int(treated_mask.sum()),
        n_schools_comparison=int(comparison_mask.sum()),
        n_schools_both=int((treated_mask & comparison_mask).sum()),
        n_pupils_treated=n_t, n_pupils_comparison=n_c,
        pupils_flag_treated=f_t, pupils_flag_comparison=f_c,
        window=window, last_comparison_period=last_comp,
        excluded=dict(panel.attrs.get("excluded_not_served", {}) or {}),
        by_wave=tuple(by_wave),
    )


def cluster_estimates(inputs: ReportInputs, ledger: DisclosureLedger, measure_id: str,
                      panel: pd.DataFrame) -> list[Estimate]:
    """Point estimate of the change in each cluster that started, against the same comparison.

    Each cluster keeps its go-live; the other clusters of its wave are left out, so the
    comparison is the clusters not yet started (as for the headline). No interval: one
    cluster cannot support one. Each estimate enters the ledger with the pupils on roll
    behind it, so a cluster of fewer pupils than the threshold is hidden.
    """
    p = inputs.params
    rows = []
    for cl, g in panel.groupby("cluster", sort=True):
        cohort = int(g["first_treated"].iloc[0])
        if cohort <= 0:
            continue
        sub = panel[~((panel["first_treated"] == cohort) & (panel["cluster"] != cl))]
        note = ""
        value = float("nan")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                grp = aggregate(robustness.fit_group_time(sub, p.comparison_group), "group")
            cohorts = [int(g) for g in grp.table.index]
            if cohort in cohorts:
                value = float(grp.table.estimates[cohorts.index(cohort)])
            else:
                note = "no comparison clusters remain after this wave started"
        except EahEvalError as exc:
            note = str(exc)
        pupils = pupils_on_roll(inputs, measure_id, g["unit"].unique())
        shown, flag = ledger.value(value, table=f"{measure_id} by cluster", key=str(cl),
                                   people=pupils)
        rows.append(Estimate(
            label=str(cl), estimate=shown, ci_low=float("nan"), ci_high=float("nan"),
            p_value=float("nan"), method="none",
            method_text="point estimate only: one cluster is too few for an interval",
            flag=flag, note=note if flag == "x" else ""))
    return rows


def dose_evaluation(inputs: ReportInputs, simple: Any, panel: pd.DataFrame,
                    window_end: str) -> Forked:
    """Dose-response of one measure: change against expert days delivered, by cluster.

    The dose is expert days against the 40/160 yardstick from go-live to the end of the
    evidence window (:func:`eah_eval.measures.cluster_dose`); the slope and its interval come
    from :func:`eah_eval.inference.dose_response` (within waves, restricted wild cluster
    bootstrap). Each cluster's own change is not published here (it can be hidden in the
    by-cluster table); only its dose and wave are.

    Returns
    -------
    Forked
        The dose is read from the database here; the slope is then estimated on another core
        while the caller goes on (:func:`eah_eval.workers.start_forked`), and
        :meth:`~eah_eval.workers.Forked.result` gives the dictionary for ``results.json``.
    """
    p = inputs.params
    if window_end == "":
        return Forked.of({"unavailable": "no evidence window"})
    year = int(window_end[:4])
    until = window_end[:7] if "/" in window_end else f"{year - 1}/{str(year)[2:]}"
    try:
        dose = cluster_dose(inputs.tableset, until=until, scope=inputs.scope,
                            mid_period_rule=p.mid_period_rule)
    except EahEvalError as exc:
        return Forked.of({"unavailable": str(exc)})

    def slope() -> dict[str, Any]:
        try:
            res = dose_response(simple, panel, dose, rng=p.seed, draws=p.bootstrap_reps,
                                level=1 - p.alpha)
        except EahEvalError as exc:
            return {"unavailable": str(exc)}
        out = res.to_dict()
        out["points"] = [{"cluster": q["cluster"], "wave": q.get("wave"), "dose": q["dose"]}
                         for q in out["points"]]
        out["until"] = until
        # As printed: the change per 10 percentage points more of the yardstick.
        out["per_10_points"] = {k: (None if out[k] is None else round(10 * out[k], 2))
                                for k in ("slope", "ci_low", "ci_high")}
        return out

    return start_forked(slope)


def evaluate_measure(inputs: ReportInputs, ledger: DisclosureLedger,
                     measure_id: str) -> MeasureEvaluation:
    """Estimate one measure's change and everything shown about it."""
    ev, dose = start_measure(inputs, ledger, measure_id)
    return dataclasses.replace(ev, dose=dose.result())


def start_measure(inputs: ReportInputs, ledger: DisclosureLedger,
                  measure_id: str) -> tuple[MeasureEvaluation, Forked]:
    """:func:`evaluate_measure` with the dose-response still running on another core.

    Returns
    -------
    tuple
        The evaluation without its ``dose`` (empty), and the running dose-response, whose
        result goes into ``dose`` (as :func:`evaluate_measure` does).
    """
    p = inputs.params
    m = get_measure(measure_id)
    panel = inputs.panel(measure_id)
    if panel["first_treated"].nunique() < 2:
        raise EahEvalError("fewer than two rollout timings in the data: nothing to compare")
    period = str(panel.attrs.get("period", m.periods[0]))
    gt = robustness.fit_group_time(panel, p.comparison_group)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        simple = aggregate(gt, "simple")
        event = aggregate(gt, "event")
        group = aggregate(gt, "group")
    headline = overall_estimate(run_inference(inputs, simple, panel))
    ev_table = run_inference(inputs, event, panel)
    event_rows = estimates_from_table(ev_table, [f"e={int(e)}" for e in ev_table.labels[:-1]])
    gr_table = run_inference(inputs, group, panel)
    wave_rows = estimates_from_table(gr_table, [str(int(g)) for g in gr_table.labels[:-1]])
    clusters = cluster_estimates(inputs, ledger, measure_id, panel)

    # A wave's estimate is built from its clusters: declared to the ledger, so a hidden
    # cluster is not readable from its wave (e.g. a wave of one cluster).
    cluster_cohort = panel.drop_duplicates("cluster").set_index("cluster")["first_treated"]
    wave_of_cluster = dict(zip(inputs.design["cluster_id"],
                               inputs.design["rollout_wave"].astype(str), strict=True))
    for w in wave_rows:
        members = [str(c) for c, g in cluster_cohort.items() if str(int(g)) == w.label]
        pupils = pupils_on_roll(inputs, measure_id,
                                panel.loc[panel["cluster"].isin(members), "unit"].unique())
        ledger.value(w.estimate, table=f"{measure_id} by wave", key=w.label, people=pupils)
        ledger.link((f"{measure_id} by wave", w.label),
                    [(f"{measure_id} by cluster", c) for c in members])

    se = se_from_interval(headline.ci_low, headline.ci_high, level=1 - p.alpha)
    mde = mde_from_interval(headline.ci_low, headline.ci_high, level=1 - p.alpha,
                            power=p.power)
    mde_note = (f"smallest change this design would detect {round(100 * p.power)}% of the time "
                f"at the {100 * p.alpha:g}% level: (z {1 - p.alpha / 2:g} + z {p.power:g}) x "
                "the standard error implied by the headline interval "
                f"({headline.method_text})")

    first = panel.loc[panel["first_treated"] > 0, "first_treated"]
    is_comp = (panel["first_treated"] == 0) | (panel["first_treated"] > first.min())
    n_comp_clusters = int(panel.loc[is_comp, "cluster"].nunique())

    effect_size: float | None = None
    months: int | None = None
    pre = panel["period_index"] < panel["first_treated"].where(
        panel["first_treated"] > 0, np.inf)
    base = panel.loc[pre]
    baseline = (float(np.average(base["y"], weights=base["weight"]))
                if len(base) and base["weight"].sum() > 0 else float("nan"))
    if m.scale == "percent" and m.pupil_based:
        pbar = baseline / 100
        if 0 < pbar < 1:
            effect_size = headline.estimate / (100 * math.sqrt(pbar * (1 - pbar)))
            if measure_id in ATTAINMENT:
                months = months_progress(effect_size)

    n_cl = int(panel["cluster"].nunique())
    checks: dict[str, robustness.Check] = {}
    fits = robustness.RolloutFits(panel, p.comparison_group, headline.estimate)
    checks["pretrend"] = robustness.pretrend_check(
        event, n_clusters=n_cl, fits=fits, draws=p.randomization_draws, seed=p.seed)
    if headline.clear:
        checks["breakdown"] = robustness.breakdown_check(event, alpha=p.alpha, seed=p.seed)
    else:
        checks["breakdown"] = robustness.Check(
            "breakdown", None,
            "not applicable: the headline interval already includes zero, so there is no "
            "clear result whose robustness to non-parallel trends could be measured; the "
            "smallest detectable change says how large a change could have gone unseen",
            True)
    if measure_id in p.randomization_measures:
        checks["randomization"] = robustness.randomization_check(
            fits, draws=p.randomization_draws, alpha=p.alpha, seed=p.seed)
    rating = rate_evidence(
        pretrend_p=checks["pretrend"].value,
        n_comparison_clusters=n_comp_clusters,
        breakdown_value=checks["breakdown"].value,
        alpha=p.alpha,
    )
    unit = SCALE_UNIT[m.scale]
    finding = describe_effect(
        measure_title=m.title, estimate=headline.estimate, ci_low=headline.ci_low,
        ci_high=headline.ci_high, unit=unit, direction=m.direction, mde=mde, level=1 - p.alpha)
    comp = robustness.comparators(panel, headline.estimate)
    sample = estimator_sample(inputs, ledger, measure_id, gt, panel)
    dose = (dose_evaluation(inputs, simple, panel, sample.window[1])
            if "eah_activity" in inputs.tables and not inputs.tables["eah_activity"].empty
            else Forked.of({"unavailable": "the data hold no Experts at Hand activity records"}))
    return MeasureEvaluation(
        measure_id=measure_id, title=m.title, unit=unit, direction=m.direction, period=period,
        sources=inputs.sources(measure_id), span=inputs.span(measure_id), sample=sample,
        headline=headline, std_error=se, mde=mde, mde_note=mde_note, baseline=baseline,
        event=tuple(event_rows), waves=tuple(wave_rows), clusters=tuple(clusters),
        cluster_wave=wave_of_cluster, effect_size=effect_size, months=months,
        rating=rating, finding=finding, checks=checks, comparators=comp,
        partial_periods=tuple(str(x) for x in panel.attrs.get("partial_periods", ()) or ()),
        partial_in_window=partial_in_window(panel, gt),
    ), dose


def apply_ledger(ev: MeasureEvaluation, ledger: DisclosureLedger) -> MeasureEvaluation:
    """Return the measure's evaluation with the ledger's final flags on waves and clusters."""
    def final(table: str, rows: tuple[Estimate, ...]) -> tuple[Estimate, ...]:
        out = []
        for r in rows:
            flag = ledger.flag(f"{ev.measure_id} {table}", r.label)
            out.append(r.hidden("c") if flag == "c" and r.flag != "c" else r)
        return tuple(out)

    return dataclasses.replace(ev, waves=final("by wave", ev.waves),
                               clusters=final("by cluster", ev.clusters))


def evaluate(raw: ReportParams) -> Evaluation:
    """Compute the whole evaluation behind one impact report (see the module notes)."""
    params = raw
    policy = DisclosurePolicy(rule=params.disclosure_rule, threshold=params.disclosure_threshold)
    ledger = DisclosureLedger(policy)
    inputs = load_inputs(params)
    unavailable: list[Unavailable] = []
    trends: dict[str, dict[str, Any]] = {}
    n = len(params.measures)
    logger.info("impact evaluation: trends of %d measure(s)", n)
    for mid in params.measures:
        trend = evaluate_trend(inputs, ledger, mid)
        if trend.get("unavailable"):
            unavailable.append(Unavailable("trends", f"The trend in {mid}",
                                           str(trend["unavailable"])))
        trends[mid] = trend
    # The equality breakdowns use none of the estimates below (their headline is added after):
    # after their database queries here, they are computed on another core beside the
    # measures, into a ledger part merged where they come in the report.
    frames = equality_frames(inputs)
    equality_ledger = ledger.part()
    equality_run = start_forked(
        lambda: (evaluate_equality(inputs, equality_ledger, frames), equality_ledger))
    started: dict[str, tuple[MeasureEvaluation, Forked]] = {}
    failed: dict[str, str] = {}
    for k, mid in enumerate(params.measures, start=1):
        logger.info("impact evaluation: measure %d of %d, %s: estimating", k, n, mid)
        try:
            started[mid] = start_measure(inputs, ledger, mid)
        except EahEvalError as exc:
            failed[mid] = str(exc)
            unavailable.append(Unavailable("headline", f"The estimate for {mid}", str(exc)))
    done = {mid: dataclasses.replace(ev, dose=dose.result())
            for mid, (ev, dose) in started.items()}
    logger.info("impact evaluation: equality, value for money, delivery, data quality")
    equality, equality_ledger = equality_run.result()
    ledger.merge(equality_ledger)
    add_headline(equality, params, {k: v.headline for k, v in done.items()})
    for u in equality.get("unavailable", []):
        unavailable.append(Unavailable("equality", u["what"], u["reason"]))
    vfm = evaluate_value_for_money(inputs, ledger, done)
    if vfm.get("unavailable"):
        unavailable.append(Unavailable("vfm", "Value for money", str(vfm["unavailable"])))
    delivery = evaluate_delivery(inputs)
    if delivery.get("unavailable"):
        unavailable.append(Unavailable("delivery", "Delivery", str(delivery["unavailable"])))
    logger.info("impact evaluation: comparison with other areas")
    external = evaluate_external(inputs, ledger, done, pupils_on_roll)
    if external.get("unavailable"):
        unavailable.append(Unavailable("external", "Comparison with other areas",
                                       str(external["unavailable"])))
    # after the comparison with other areas: the money carries its later-years estimate
    vfm["high_needs"] = evaluate_high_needs(inputs, done, external)
    if vfm["high_needs"].get("unavailable"):
        unavailable.append(Unavailable("vfm", "The High Needs Block consequence",
                                       str(vfm["high_needs"]["unavailable"])))
    dq = data_quality_records(inputs, ledger, trends)
    ledger.resolve()
    done = {k: apply_ledger(v, ledger) for k, v in done.items()}
    first = next(iter(done.values()), None)
    inference = {
        "method": params.inference,
        "text": first.headline.method_text.rstrip(".") if first else "",
        "applies_to": "every interval: headline, event study, waves and pupil groups",
        "family_adjustment": params.family_adjustment,
    }
    ev = Evaluation(
        params=params, design=inputs.design, scope=inputs.scope.to_dict(),
        rollout_rule=inputs.rollout_rule, inference=inference, measures=done,
        not_estimated=failed, trends=trends, equality=equality, value_for_money=vfm,
        data_quality=dq, disclosure=policy.to_dict(), suppression=ledger.records(),
        unavailable=tuple(unavailable), delivery=delivery, external=external,
    )
    ev = dataclasses.replace(ev, decision=decide(ev, delivery))
    return dataclasses.replace(ev, assurance=assurance_record(ev))
