"""HTML sections of the impact report that show the estimates of change.

Headline table, results by wave and cluster (event-study chart, wave and cluster figure) and
the robustness section, rendered from the frozen evaluation
(:class:`~eah_eval.reporting.impact.model.MeasureEvaluation`); nothing is computed here. Every
table names the inference method behind its intervals.
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np
import pandas as pd

from eah_eval.measures import get_measure
from eah_eval.reporting.charts import Series, interval_chart, line_chart
from eah_eval.reporting.glossary import sources_words
from eah_eval.reporting.html import bullet_list, paragraph, section, unavailable
from eah_eval.reporting.impact.intervals import period_label
from eah_eval.reporting.impact.model import Estimate, Evaluation, MeasureEvaluation
from eah_eval.reporting.impact.robustness import PRETREND_RI_ASSUMPTION
from eah_eval.reporting.narrative import fmt_estimate, period_word, unit_words
from eah_eval.reporting.tables import html_table


def fmt(v: float | None, digits: int = 2) -> str:
    """Format a number for a table, ``x`` when missing."""
    return fmt_estimate(v, digits)


def people(v: float, flag: str) -> str:
    """Format a count of people for a table: the ledger's symbol when hidden."""
    return flag or ("x" if not np.isfinite(v) else f"{v:,.0f}")


def interval_text(e: Estimate) -> str:
    """``low to high``, or the estimate's symbol when it is not shown."""
    if e.flag:
        return e.flag
    if not (np.isfinite(e.ci_low) and np.isfinite(e.ci_high)):
        return "unbounded"
    return f"{fmt(e.ci_low)} to {fmt(e.ci_high)}"


def methods_note(rows: list[Estimate]) -> list[str]:
    """Return notes naming the inference method(s) behind a table's intervals, with any fallback."""
    texts = list(dict.fromkeys(r.method_text for r in rows if r.method != "none"))
    notes = [f"Intervals: {t}" for t in texts]
    for reason in dict.fromkeys(r.fallback_reason for r in rows if r.fallback_reason):
        used = [r.label for r in rows if r.fallback_reason == reason]
        notes.append(f"Fallback for {', '.join(used)}: {reason}")
    return notes


def partial_note(e: MeasureEvaluation) -> list[str]:
    """Return a table note naming partial periods that enter the estimates (or none)."""
    if not e.partial_in_window:
        return []
    return [f"Includes partial period(s) {', '.join(e.partial_in_window)}: data for only part "
            "of the period"]


def headline(ev: Evaluation) -> str:
    """Headline table: change, interval, method, the estimator's sample and the rating."""
    p = ev.params
    level = round(100 * (1 - p.alpha))
    rows = {}
    done = list(ev.measures.values())
    for e in done:
        s = e.sample
        h = e.headline
        rows[e.title] = {
            f"{level}% interval": interval_text(h),
            "Best estimate": fmt(h.estimate),
            "Unit of change": unit_words(e.unit),
            "Smallest detectable change": fmt(e.mde),
            "Effect size": fmt(e.effect_size) if e.effect_size is not None else "z",
            "Months' progress": str(e.months) if e.months is not None else "z",
            "Evidence": e.rating.label,
            "Schools (started; comparison)": f"{s.n_schools_treated}; {s.n_schools_comparison}",
            "Pupils (started; comparison)": f"{people(s.n_pupils_treated, s.pupils_flag_treated)}"
            f"; {people(s.n_pupils_comparison, s.pupils_flag_comparison)}",
        }
    parts = []
    if rows:
        disp = pd.DataFrame.from_dict(rows, orient="index")
        disp.index.name = "Measure"
        parts.append(
            html_table(
                disp,
                caption=(
                    f"Estimated change after Experts at Hand started, by measure, with {level}% "
                    "intervals and evidence strength; all clusters in this report, school-level "
                    "data"
                ),
                numeric_columns=[c for c in disp.columns if c not in ("Evidence",
                                                                       "Unit of change")],
                count_columns=["Pupils (started; comparison)"],
                notes=[
                    "Best estimate: average difference, after go-live, between schools in clusters "
                    "that had started and schools in clusters that had not started yet, over "
                    "the same periods (negative = lower)",
                    *methods_note([e.headline for e in done]),
                    "Schools: as used by the estimator: schools whose own periods after "
                    "go-live enter the estimate (started); schools that serve as the "
                    "comparison in at least one of those periods (comparison); a school can "
                    "be both (compared while waiting, counted as started afterwards): "
                    + "; ".join(f"{e.title} {e.sample.n_schools_both}" for e in done),
                    "Pupils: average pupils on roll at the January census in those schools in "
                    "the years of the evidence window (for KS2: pupils with results in a year); "
                    "the two groups can overlap as schools can",
                    f"Smallest detectable change: about 2.8 standard errors of the change "
                    f"({round(100 * p.power)}% power, {100 * p.alpha:g}% test), from the "
                    "headline interval",
                    "Interval: the range of changes consistent with the data; a range that "
                    "crosses zero means no clear evidence of change",
                    "Effect size: change divided by the pupil-level standard deviation, for "
                    "percentages of pupils only",
                    "Evidence: Maryland Scientific Methods Scale level (1 to 5) and EEF "
                    "padlocks (0 to 5); reasons below",
                    *(f"{e.title}: {note[0].lower()}{note[1:]}"
                      for e in done for note in partial_note(e)),
                ],
            )
        )
        reasons = []
        for e in done:
            why = " ".join([*e.rating.reasons, *e.rating.downgrades])
            reasons.append(f"<li><strong>{escape(e.title)}</strong>: {escape(e.rating.label)}. "
                           f"{escape(why)}</li>")
        parts.append("<h3>Why each rating</h3><ul>" + "".join(reasons) + "</ul>")
        parts.append(
            "<h3>What each result says</h3><ul>"
            + "".join(f"<li>{escape(e.finding.headline)} {escape(e.finding.detail)}</li>"
                      for e in done)
            + "</ul>"
        )
    for u in ev.unavailable_in("headline"):
        parts.append(unavailable(u.what, u.reason))
    return section("Headline results", "\n".join(parts), anchor="headline")


def sample_table(ev: Evaluation) -> str:
    """Which waves each estimate rests on: schools by wave and the periods with a comparison."""
    rows: dict[str, dict[str, str]] = {}
    for e in ev.measures.values():
        for w in e.sample.by_wave:
            periods = (f"{w.treated_periods[0]} to {w.treated_periods[-1]}"
                       if w.treated_periods else "none")
            rows[f"{e.title}: wave {w.wave}"] = {
                "Clusters": str(w.n_clusters),
                "Schools": str(w.n_schools),
                "Started schools in the estimate": str(w.n_schools_treated),
                "Comparison schools": str(w.n_schools_comparison),
                "Periods after go-live with a comparison": periods,
            }
    if not rows:
        return ""
    disp = pd.DataFrame.from_dict(rows, orient="index")
    disp.index.name = "Measure: wave"
    notes = ["A wave that started when no other cluster was still waiting has no comparison "
             "and adds nothing to the estimate"]
    for e in ev.measures.values():
        notes.append(f"{e.title}: evidence window {e.sample.window[0]} to "
                     f"{e.sample.window[1]}; last period with a not-yet-started comparison: "
                     f"{e.sample.last_comparison_period}")
        break
    return html_table(disp, caption="What each estimate rests on: schools by rollout wave and "
                      "the periods after go-live that had a comparison", row_header="Measure: "
                      "wave", numeric_columns=["Clusters", "Schools",
                                               "Started schools in the estimate",
                                               "Comparison schools"], notes=notes)


def detail(ev: Evaluation) -> str:
    """Event study, wave and cluster estimates of each measure."""
    p = ev.params
    level = round(100 * (1 - p.alpha))
    parts = [sample_table(ev)] if ev.measures else []
    name_of = dict(zip(ev.design["cluster_id"], ev.design["cluster_name"], strict=True))
    for e in ev.measures.values():
        pw = period_word(e.period)
        x = np.array([float(r.label.split("=")[1]) for r in e.event])
        y = np.array([r.estimate for r in e.event], dtype=float)
        lo = np.array([r.ci_low for r in e.event], dtype=float)
        hi = np.array([r.ci_high for r in e.event], dtype=float)
        ref = x == -1
        y = np.where(ref & ~np.isfinite(y), 0.0, y)
        disp = pd.DataFrame(
            {
                "Difference": ["0 (reference)" if r else fmt(v) for r, v in zip(ref, y,
                                                                                 strict=True)],
                f"{level}% interval": ["z" if r else f"{fmt(a)} to {fmt(b)}"
                                       for r, a, b in zip(ref, lo, hi, strict=True)],
            },
            index=pd.Index([str(int(v)) for v in x], name=f"{pw.capitalize()} from go-live"),
        )
        table = html_table(
            disp,
            caption=f"{e.title}: difference between started and not-yet-started schools "
            f"({unit_words(e.unit)}), by {pw[:-1]} from go-live, with {level}% intervals",
            notes=[f"Each difference is measured against the {pw[:-1]} before go-live (-1)",
                   *methods_note([r for r, rf in zip(e.event, ref, strict=True) if not rf]),
                   *partial_note(e)],
        )
        post = y[x >= 0]
        pre = y[x < -1]
        if e.finding.clear:
            moved = "rose" if e.headline.estimate > 0 else "fell"
            title = f"{e.title} {moved} after go-live compared with clusters not yet started"
        else:
            title = f"{e.title}: no clear change after go-live against clusters not yet started"
        parts.append(f'<h3 id="estimate-{escape(e.measure_id)}">{escape(e.title)}</h3>')
        parts.append(
            line_chart(
                [Series("Difference (started minus not yet started)", list(x), list(y),
                        list(np.where(ref, np.nan, lo)), list(np.where(ref, np.nan, hi)))],
                title=title,
                xlabel=f"{pw} from go-live (0 = first {pw[:-1]} after go-live)",
                ylabel=f"difference ({unit_words(e.unit)})",
                alt=(
                    f"Event-study chart for {e.title}: differences before go-live range from "
                    f"{fmt(float(np.nanmin(pre)) if pre.size else float('nan'))} to "
                    f"{fmt(float(np.nanmax(pre)) if pre.size else float('nan'))}, and after "
                    f"go-live from {fmt(float(np.nanmin(post)) if post.size else float('nan'))}"
                    f" to {fmt(float(np.nanmax(post)) if post.size else float('nan'))}, with "
                    f"{level}% intervals as error bars."
                ),
                caption=(
                    f"Measure: {e.title}, differences in {unit_words(e.unit)}. Difference "
                    "between schools in "
                    f"clusters that had started Experts at Hand and schools in clusters not yet "
                    f"started, by {pw[:-1]} relative to go-live, against the {pw[:-1]} before "
                    f"go-live; {level}% pointwise intervals. Source: "
                    f"{sources_words(e.sources)} records. Population: pupils "
                    f"in schools of the report's {len(ev.design)} clusters. Geography: "
                    f"{p.council}. Period: {e.span}."
                ),
                vline=-0.5,
                vline_label="go-live",
                hline=0.0,
                data_table=table,
                intervals=True,
            )
        )
        parts.append(wave_cluster_figure(ev, e, level, name_of))
    if not parts:
        return section(
            "Results by wave and cluster",
            unavailable("Results by wave", "no estimates could be computed."),
            anchor="estimates",
        )
    return section("Results by wave and cluster", "\n".join(parts), anchor="estimates")


def wave_cluster_figure(ev: Evaluation, e: MeasureEvaluation, level: int,
                        name_of: dict[Any, Any]) -> str:
    """Chart and tables of the estimated change by rollout wave and by cluster."""
    p = ev.params
    g = [int(w.label) for w in e.waves]
    w_est = [w.estimate for w in e.waves]
    w_lo = [w.ci_low for w in e.waves]
    w_hi = [w.ci_high for w in e.waves]
    disp_w = pd.DataFrame(
        {"Change": [w.flag or fmt(w.estimate) for w in e.waves],
         f"{level}% interval": [interval_text(w) for w in e.waves]},
        index=pd.Index([cohort_label(e.period, v) for v in g], name="Wave"),
    )
    tables = html_table(disp_w, caption=f"{e.title}: estimated change by rollout wave "
                        f"({unit_words(e.unit)}), all periods after each wave's go-live",
                        row_header="Wave (first period after go-live)",
                        notes=[*(methods_note([w for w in e.waves if not w.flag])
                                 or [f"Intervals: {e.headline.method_text}"]),
                               "c: hidden so that a suppressed cluster's estimate cannot be "
                               "read from its wave's", *partial_note(e)])
    cohort_of = {w.first_treated_label: w.first_treated for w in e.sample.by_wave}
    cluster_cohort = {c.label: next((w.first_treated for w in e.sample.by_wave
                                     if str(e.cluster_wave.get(c.label, "")) in
                                     w.wave.split(", ")), 0) for c in e.clusters}
    del cohort_of
    started = sorted({v for v in cluster_cohort.values() if v})
    missing_waves = [w for w in started if w not in set(g)]
    note = ""
    if missing_waves:
        note = paragraph(
            "No estimate for the wave(s) "
            + ", ".join(cohort_label(e.period, w) for w in missing_waves)
            + ": every other cluster had started by then, so no comparison remains.")
    labels: list[str] = []
    est: list[float] = []
    lows: list[float | None] = []
    highs: list[float | None] = []
    kinds: list[str] = []
    order = {c: k for k, c in enumerate(ev.design["cluster_id"])}
    bc = sorted(e.clusters, key=lambda c: order.get(c.label, 0))
    if bc:
        disp_c = pd.DataFrame(
            {"Wave": [str(e.cluster_wave.get(c.label, "?")) for c in bc],
             "Change (no interval)": [c.flag or fmt(c.estimate) for c in bc]},
            index=pd.Index([str(name_of.get(c.label, c.label)) for c in bc], name="Cluster"),
        )
        reasons = sorted({c.note for c in bc if c.note})
        tables += html_table(
            disp_c,
            caption=f"{e.title}: estimated change in each cluster that started "
            f"({unit_words(e.unit)}), against clusters not yet started",
            row_header="Cluster",
            notes=["One cluster alone is too few for a reliable interval: read these as "
                   "a guide to consistency across clusters, not as separate findings",
                   "Clusters with fewer pupils on roll than the disclosure threshold are "
                   "suppressed (c), and so is a further cluster where one hidden cluster could "
                   "otherwise be worked out from its wave's estimate",
                   *(f"x: {r}" for r in reasons)],
        )
        for cohort in started:
            if cohort in missing_waves:
                continue  # no comparison remains: stated under the chart
            members = [c for c in bc if cluster_cohort[c.label] == cohort]
            hit = [k for k, v in enumerate(g) if v == cohort]
            wave = e.cluster_wave.get(members[0].label, "?")
            labels.append(f"Wave {wave}, all its clusters ({cohort_label(e.period, cohort)})")
            kinds.append("summary")
            if hit and not e.waves[hit[0]].flag:
                est.append(float(w_est[hit[0]]))
                lows.append(float(w_lo[hit[0]]))
                highs.append(float(w_hi[hit[0]]))
            else:
                est.append(float("nan"))
                lows.append(None)
                highs.append(None)
            for c in members:
                labels.append(f"   {name_of.get(c.label, c.label)}")
                kinds.append("point")
                est.append(float(c.estimate) if not c.flag else float("nan"))
                lows.append(None)
                highs.append(None)
    if not labels:
        return tables + note
    shown_clusters = [v for v, k in zip(est, kinds, strict=True)
                      if k == "point" and np.isfinite(v)]
    n_down = sum(v < 0 for v in shown_clusters)
    n_up = sum(v > 0 for v in shown_clusters)
    if shown_clusters and n_down == len(shown_clusters):
        title = f"{e.title} fell in every cluster with an estimate"
    elif shown_clusters and n_up == len(shown_clusters):
        title = f"{e.title} rose in every cluster with an estimate"
    elif shown_clusters:
        title = (f"{e.title} fell in {n_down} and rose in {n_up} of "
                 f"{len(shown_clusters)} clusters with an estimate")
    else:
        title = f"{e.title}: no cluster has an estimate that can be shown"
    figure = interval_chart(
        labels, est, lows, highs,
        title=title,
        xlabel=f"estimated change ({unit_words(e.unit)})",
        alt=(f"Chart of the estimated change in {e.title} for each rollout wave (filled "
             f"squares with {level}% intervals) and each cluster within it (open circles, no "
             f"interval). {title}."),
        caption=(f"Measure: {e.title}, estimated change in {unit_words(e.unit)} against "
                 f"clusters not yet started; wave intervals: {e.headline.method_text}. Source: "
                 f"{sources_words(e.sources)} records. Population: pupils "
                 f"in schools of the clusters that started. Geography: {p.council}, "
                 f"by wave and cluster. Period: {e.span}."),
        kinds=kinds,
        data_table=tables,
    )
    return figure + note


def cohort_label(period: str, g: int) -> str:
    """Label a wave by its first treated period (``starting 2023/24 autumn``)."""
    return f"starting {period_label(period, int(g))}"


def robustness(ev: Evaluation) -> str:
    """Other estimators, pre-trend test, sensitivity and randomisation inference."""
    done = list(ev.measures.values())
    if not done:
        return section("Robustness", unavailable("Robustness checks",
                                                 "no estimates could be computed."),
                       anchor="robustness")
    p = ev.params
    level = round(100 * (1 - p.alpha))
    rows = {}
    notes: list[str] = []
    for e in done:
        r = e.comparators
        c = e.checks
        ri = c.get("randomization")
        rows[e.title] = {
            "Headline (group-time)": fmt(e.headline.estimate),
            "Imputation": fmt(r.get("imputation")),
            "Two-way fixed effects": fmt(r.get("twfe")),
            "Pre-trend test p": check_cell(c["pretrend"], 3),
            "Breakdown value": check_cell(c.get("breakdown")),
            "Smallest detectable change": fmt(e.mde),
            "Randomisation p": ("z" if ri is None else check_cell(ri, 3)),
        }
        for key, label in (("imputation_unavailable", "imputation"),
                           ("twfe_unavailable", "two-way fixed effects"),
                           ("bacon_unavailable", "Bacon decomposition")):
            if key in r:
                notes.append(f"{e.title}: {label} not shown ({r[key]})")
        for check in c.values():
            if not check.ok or check.value is None:
                notes.append(f"{e.title}: {CHECK_NAMES[check.name]} {check.note}")
    disp = pd.DataFrame.from_dict(rows, orient="index")
    disp.index.name = "Measure"
    body = paragraph(
        "These checks ask whether the headline results hold up under other reasonable ways "
        "of estimating them. Similar numbers across the first three columns and a breakdown "
        "value well above 1 make a result more trustworthy."
    )
    body += html_table(
        disp,
        caption="Headline change beside other estimators, the pre-trend test, sensitivity, "
        "the smallest change the design could detect and randomisation inference; all clusters "
        "in this report",
        notes=[
            "Imputation and two-way fixed effects: other estimators of the same change (two-way "
            "fixed effects can be biased when effects grow over time)",
            "Pre-trend test p: a small value (below 0.05) means started and not-yet-started "
            "schools were already moving differently before go-live; randomisation p-value "
            "over rollout order where it could be computed (see below)",
            "Breakdown value: for a clear result, how far trends after go-live could depart "
            "from parallel, as a multiple of the largest departure seen before go-live, "
            "before the conclusion would change (Rambachan and Roth); z where the headline "
            "interval already includes zero (no clear result to overturn)",
            f"Smallest detectable change: the change this design would detect "
            f"{round(100 * p.power)}% of the time at the {100 * p.alpha:g}% level, about 2.8 "
            "standard errors of the headline change (the standard error implied by the "
            "headline interval)",
            "Randomisation p: share of re-orderings of which clusters went first that give a "
            "change at least as large; valid if the rollout order was as good as random; z = "
            "not run for this measure",
        ],
    )
    bacon_rows: dict[str, dict[str, str]] = {}
    for e in done:
        for r in e.comparators.get("bacon", []) or []:
            bacon_rows[f"{e.title}: {str(r.get('type', '')).lower()}"] = {
                "Share of weight": fmt(r.get("weight_pct"), 0) + "%",
                "Average 2x2 estimate": fmt(r.get("avg_estimate")),
                "Two-way fixed effects (balanced)": fmt(e.comparators.get("bacon_twfe")),
            }
    if bacon_rows:
        disp_b = pd.DataFrame.from_dict(bacon_rows, orient="index")
        disp_b.index.name = "Measure: comparison"
        body += html_table(
            disp_b,
            caption="Goodman-Bacon decomposition of the two-way fixed effects estimate: the "
            "simple comparisons it averages, by type; schools observed in every period",
            row_header="Measure: comparison",
            notes=["'Later vs earlier treated' comparisons use clusters that had already "
                   "started as the comparison; when effects grow over time they pull two-way "
                   "fixed effects away from the headline, which does not use them"],
        )
    pre_rows = [e for e in done if "pretrend" in e.checks and e.checks["pretrend"].ok]
    pre_text = []
    for e in pre_rows:
        d = e.checks["pretrend"].detail
        if d.get("reference") == "randomization":
            how = (f"all {d['assignments']:,} assignments" if d.get("exact") else
                   f"{d['assignments'] - 1:,} sampled assignments, seed {d.get('seed')}")
            pre_text.append(f"{e.title}: randomisation p = "
                            f"{fmt(e.checks['pretrend'].value, 3)} ({how}); "
                            f"F-reference p = {fmt(d.get('p_f'), 3)}")
        else:
            pre_text.append(f"{e.title}: F-reference p = {fmt(d.get('p_f'), 3)} (the "
                            "randomisation p-value was not computed)")
    if pre_text:
        body += paragraph(
            "Pre-trend test: joint Wald test of the event-study coefficients from five to two "
            "periods before go-live. Its p-value is computed by re-running the test over "
            "re-orderings of which clusters went live in which wave (the share, the real order "
            "included, giving a statistic at least as large), because with few clusters the "
            "usual F reference rejects too often; the F-reference p-value is shown beside it. "
            + PRETREND_RI_ASSUMPTION
        ) + bullet_list(pre_text)
    ri_rows = [e for e in done if "randomization" in e.checks and e.checks["randomization"].ok]
    for e in ri_rows:
        ri = e.checks["randomization"]
        body += paragraph(
            f"Randomisation inference for {e.title}: p = {fmt(ri.value, 3)}, {level}% "
            f"interval {fmt(ri.detail.get('ci_low'))} to {fmt(ri.detail.get('ci_high'))} "
            f"(headline {interval_text(e.headline)}); {ri.note}"
        )
    for mid in p.randomization_measures:
        if mid not in ev.measures:
            notes.append(f"{get_measure(mid).title}: randomisation inference was requested, "
                         "but the measure has no estimate in this report")
    if notes:
        body += paragraph("Checks not available or not applicable:") + bullet_list(notes)
    return section("Robustness", body, anchor="robustness")


CHECK_NAMES = {
    "pretrend": "pre-trend test",
    "breakdown": "breakdown value",
    "mde": "smallest detectable change",
    "randomization": "randomisation inference",
}


def check_cell(check: Any, digits: int = 2) -> str:
    """Format a check's value: ``z`` where it does not apply, ``x`` where unavailable."""
    if check is None:
        return "x"
    if check.value is None:
        # z only where the check does not apply (breakdown with an interval already
        # including zero); otherwise x, with the reason listed under the table
        return "z" if check.ok and check.name == "breakdown" else "x"
    return fmt(check.value, digits)
