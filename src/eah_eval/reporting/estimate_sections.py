"""HTML sections of the impact report that show the estimates of change.

Headline table, results by wave and cluster (event-study chart, wave and cluster figure) and
the robustness section, all built from the per-measure results
(:class:`~eah_eval.reporting.measure_estimates.MeasureEstimate`).
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eah_eval.reporting import robustness
from eah_eval.reporting.charts import Series, interval_chart, line_chart
from eah_eval.reporting.html import bullet_list, paragraph, section
from eah_eval.reporting.measure_estimates import MeasureEstimate, _col
from eah_eval.reporting.tables import html_table

if TYPE_CHECKING:  # pragma: no cover
    from eah_eval.reporting.impact import _Context


def _fmt(v: float | None, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "x"
    return f"{v:,.{digits}f}"


def _people(v: float) -> str:
    return "c" if not np.isfinite(v) else f"{v:,.0f}"


def _headline(ctx: _Context, done: list[MeasureEstimate], failed: dict[str, str]) -> str:
    p = ctx.params
    level = round(100 * (1 - p.alpha))
    rows = {}
    for e in done:
        rows[e.title] = {
            "Schools (started; comparison)": f"{e.n_schools_treated}; {e.n_schools_comparison}",
            "Pupils (started; comparison)": f"{_people(e.n_pupils_treated)}; "
            f"{_people(e.n_pupils_comparison)}",
            "Unit of change": "percentage points" if e.unit == "%" else e.unit,
            "Change": _fmt(e.estimate),
            f"{level}% interval": f"{_fmt(e.lower)} to {_fmt(e.upper)}",
            "Effect size": _fmt(e.effect_size) if e.effect_size is not None else "z",
            "Months' progress": str(e.months) if e.months is not None else "z",
            "Evidence": e.rating.label,
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
                    "Change: average difference, after go-live, between schools in clusters "
                    "that had started and schools in clusters that had not started yet, over "
                    "the same periods (negative = lower)",
                    "Schools: schools in clusters that started; schools in clusters still "
                    "waiting when the first wave started (most are compared later too)",
                    "Pupils: average pupils on roll at the January census in those schools "
                    "(for KS2: pupils with results in a year)",
                    "Interval: the range of changes consistent with the data; a range that "
                    "crosses zero means no clear evidence of change",
                    "Effect size: change divided by the pupil-level standard deviation, for "
                    "percentages of pupils only",
                    "Evidence: Maryland Scientific Methods Scale level (1 to 5) and EEF "
                    "padlocks (0 to 5); reasons below",
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
    for mid, why in failed.items():
        parts.append(ctx.note_unavailable(f"The estimate for {mid}", why))
    return section("Headline results", "\n".join(parts), anchor="headline")


def _period_word(period: str, plural: bool = True) -> str:
    word = {"term": "term", "census": "year", "academic_year": "year",
            "calendar_year": "calendar year", "financial_year": "financial year"}.get(
        period, "period")
    return word + ("s" if plural else "")


def _detail(ctx: _Context, done: list[MeasureEstimate]) -> str:
    p = ctx.params
    level = round(100 * (1 - p.alpha))
    parts = []
    name_of = dict(zip(ctx.design["cluster_id"], ctx.design["cluster_name"], strict=True))
    wave_of = dict(zip(ctx.design["cluster_id"], ctx.design["rollout_wave"], strict=True))
    for e in done:
        pw = _period_word(e.period)
        ev = e.event
        x = _col(ev, "event_time", "e").to_numpy(dtype=float)
        y = _col(ev, "estimate").to_numpy(dtype=float)
        lo = _col(ev, "ci_low_pointwise", "ci_lower").to_numpy(dtype=float)
        hi = _col(ev, "ci_high_pointwise", "ci_upper").to_numpy(dtype=float)
        ref = x == -1
        y = np.where(ref & ~np.isfinite(y), 0.0, y)
        disp = pd.DataFrame(
            {
                "Difference": ["0 (reference)" if r else _fmt(v) for r, v in zip(ref, y,
                                                                                 strict=True)],
                f"{level}% interval": ["z" if r else f"{_fmt(a)} to {_fmt(b)}"
                                       for r, a, b in zip(ref, lo, hi, strict=True)],
            },
            index=pd.Index([str(int(v)) for v in x], name=f"{pw.capitalize()} from go-live"),
        )
        table = html_table(
            disp,
            caption=f"{e.title}: difference between started and not-yet-started schools "
            f"({_unit_words(e.unit)}), by {pw[:-1]} from go-live, with {level}% intervals",
            notes=[f"Each difference is measured against the {pw[:-1]} before go-live (-1)"],
        )
        post = y[x >= 0]
        pre = y[x < -1]
        if e.finding.clear:
            moved = "rose" if e.estimate > 0 else "fell"
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
                ylabel=f"difference ({_unit_words(e.unit)})",
                alt=(
                    f"Event-study chart for {e.title}: differences before go-live range from "
                    f"{_fmt(float(np.nanmin(pre)) if pre.size else float('nan'))} to "
                    f"{_fmt(float(np.nanmax(pre)) if pre.size else float('nan'))}, and after "
                    f"go-live from {_fmt(float(np.nanmin(post)) if post.size else float('nan'))}"
                    f" to {_fmt(float(np.nanmax(post)) if post.size else float('nan'))}, with "
                    f"{level}% intervals as error bars."
                ),
                caption=(
                    f"Measure: {e.title}, differences in {_unit_words(e.unit)}. Difference "
                    "between schools in "
                    f"clusters that had started Experts at Hand and schools in clusters not yet "
                    f"started, by {pw[:-1]} relative to go-live, against the {pw[:-1]} before "
                    f"go-live; {level}% pointwise intervals. Source: "
                    f"{', '.join(ctx.measure_sources(e.measure_id))} records. Population: pupils "
                    f"in schools of the report's {len(ctx.design)} clusters. Geography: "
                    f"{ctx.params.council}. Period: {ctx.period_span(e.measure_id)}."
                ),
                vline=-0.5,
                vline_label="go-live",
                hline=0.0,
                data_table=table,
                intervals=True,
            )
        )
        parts.append(_wave_cluster_figure(ctx, e, level, name_of, wave_of))
    if not parts:
        return section(
            "Results by wave and cluster",
            ctx.note_unavailable("Results by wave", "no estimates could be computed."),
            anchor="estimates",
        )
    return section("Results by wave and cluster", "\n".join(parts), anchor="estimates")


def _wave_cluster_figure(ctx: _Context, e: MeasureEstimate, level: int,
                         name_of: dict[Any, Any], wave_of: dict[Any, Any]) -> str:
    """Chart and tables of the estimated change by rollout wave and by cluster."""
    bw = e.by_wave
    g = [int(v) for v in _col(bw, "group", "cohort")]
    w_est = _col(bw, "estimate").to_numpy(dtype=float)
    w_lo = _col(bw, "ci_low_pointwise", "ci_lower").to_numpy(dtype=float)
    w_hi = _col(bw, "ci_high_pointwise", "ci_upper").to_numpy(dtype=float)
    disp_w = pd.DataFrame(
        {"Change": [_fmt(v) for v in w_est],
         f"{level}% interval": [f"{_fmt(a)} to {_fmt(b)}" for a, b in zip(w_lo, w_hi,
                                                                          strict=True)]},
        index=pd.Index([_cohort_label(e.period, v) for v in g], name="Wave"),
    )
    tables = html_table(disp_w, caption=f"{e.title}: estimated change by rollout wave "
                        f"({_unit_words(e.unit)}), all periods after each wave's go-live",
                        row_header="Wave (first period after go-live)")
    bc = e.by_cluster
    started = sorted({int(v) for v in bc["first_treated"]}) if len(bc) else []
    missing_waves = [w for w in started if w not in set(g)]
    note = ""
    if missing_waves:
        note = paragraph(
            "No estimate for the wave(s) "
            + ", ".join(_cohort_label(e.period, w) for w in missing_waves)
            + ": every other cluster had started by then, so no comparison remains.")
    labels: list[str] = []
    est: list[float] = []
    lows: list[float | None] = []
    highs: list[float | None] = []
    kinds: list[str] = []
    if len(bc):
        order = {c: k for k, c in enumerate(ctx.design["cluster_id"])}
        bc = bc.assign(_o=bc["cluster"].map(order)).sort_values("_o")
        vals = [r["flag"] if r["flag"] else _fmt(r["estimate"])
                for r in bc.to_dict(orient="records")]
        disp_c = pd.DataFrame(
            {"Wave": [str(wave_of.get(c, "?")) for c in bc["cluster"]],
             "Change (no interval)": vals},
            index=pd.Index([str(name_of.get(c, c)) for c in bc["cluster"]], name="Cluster"),
        )
        reasons = sorted({str(r) for r in bc["note"] if r})
        tables += html_table(
            disp_c,
            caption=f"{e.title}: estimated change in each cluster that started "
            f"({_unit_words(e.unit)}), against clusters not yet started",
            row_header="Cluster",
            notes=["One cluster alone is too few for a reliable interval: read these as "
                   "a guide to consistency across clusters, not as separate findings",
                   "Clusters whose average count per period is below the disclosure "
                   "threshold are suppressed",
                   *(f"x: {r}" for r in reasons)],
        )
        for cohort, grp in bc.groupby("first_treated", sort=True):
            if int(str(cohort)) in missing_waves:
                continue  # no comparison remains: stated under the chart
            hit = [k for k, v in enumerate(g) if v == int(str(cohort))]
            wave = wave_of.get(grp["cluster"].iloc[0], "?")
            labels.append(f"Wave {wave}, all its clusters ({_cohort_label(e.period, cohort)})")
            kinds.append("summary")
            if hit:
                est.append(float(w_est[hit[0]]))
                lows.append(float(w_lo[hit[0]]))
                highs.append(float(w_hi[hit[0]]))
            else:
                est.append(float("nan"))
                lows.append(None)
                highs.append(None)
            for r in grp.to_dict(orient="records"):
                labels.append(f"   {name_of.get(r['cluster'], r['cluster'])}")
                kinds.append("point")
                est.append(float(r["estimate"]) if not r["flag"] else float("nan"))
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
        xlabel=f"estimated change ({_unit_words(e.unit)})",
        alt=(f"Chart of the estimated change in {e.title} for each rollout wave (filled "
             f"squares with {level}% intervals) and each cluster within it (open circles, no "
             f"interval). {title}."),
        caption=(f"Measure: {e.title}, estimated change in {_unit_words(e.unit)} against "
                 "clusters not yet started. Source: "
                 f"{', '.join(ctx.measure_sources(e.measure_id))} records. Population: pupils "
                 f"in schools of the clusters that started. Geography: {ctx.params.council}, "
                 f"by wave and cluster. Period: {ctx.period_span(e.measure_id)}."),
        kinds=kinds,
        data_table=tables,
    )
    return figure + note


def _unit_words(unit: str) -> str:
    return "percentage points" if unit == "%" else unit


def _cohort_label(period: str, g: Any) -> str:
    try:
        from eah_eval.data.periods import academic_year_label, term_label

        gi = int(g)
    except (TypeError, ValueError):
        return str(g)
    if period == "term":
        return f"starting {term_label(gi)}"
    if period in ("census", "academic_year"):
        return f"starting {academic_year_label(gi)}"
    return f"starting {gi}"


def _robustness_section(ctx: _Context, done: list[MeasureEstimate]) -> str:
    if not done:
        return section("Robustness", ctx.note_unavailable("Robustness checks",
                                                          "no estimates could be computed."),
                       anchor="robustness")
    p = ctx.params
    level = round(100 * (1 - p.alpha))
    rows = {}
    notes: list[str] = []
    for e in done:
        r = e.robustness
        c = e.checks
        ri = c.get("randomization")
        rows[e.title] = {
            "Headline (group-time)": _fmt(e.estimate),
            "Imputation": _fmt(r.get("imputation")),
            "Two-way fixed effects": _fmt(r.get("twfe")),
            "Pre-trend test p": _fmt(e.pretrend_p, 3),
            "Breakdown value": _check_cell(c.get("breakdown")),
            "Smallest detectable change": _check_cell(c.get("mde")),
            "Randomisation p": ("z" if ri is None else _check_cell(ri, 3)),
        }
        for key, label in (("imputation_unavailable", "imputation"),
                           ("twfe_unavailable", "two-way fixed effects"),
                           ("bacon_unavailable", "Bacon decomposition")):
            if key in r:
                notes.append(f"{e.title}: {label} not shown ({r[key]})")
        for check in c.values():
            if not check.ok or check.value is None:
                notes.append(f"{e.title}: {_CHECK_NAMES[check.name]} {check.note}")
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
            "Breakdown value: how far trends after go-live could depart from parallel, as a "
            "multiple of the largest departure seen before go-live, before the conclusion "
            "would change (Rambachan and Roth); z when the interval already includes zero",
            f"Smallest detectable change: the change this design would detect 4 times in 5 "
            f"(80% power) at the {100 * p.alpha:g}% level, from {p.power_sims} simulated "
            f"rollouts on this council's own data (seed {p.seed})",
            "Randomisation p: share of re-orderings of which clusters went first that give a "
            "change at least as large; valid if the rollout order was as good as random; z = "
            "not run for this measure",
        ],
    )
    bacon_rows: dict[str, dict[str, str]] = {}
    for e in done:
        for r in e.robustness.get("bacon", []) or []:
            bacon_rows[f"{e.title}: {str(r.get('type', '')).lower()}"] = {
                "Share of weight": _fmt(r.get("weight_pct"), 0) + "%",
                "Average 2x2 estimate": _fmt(r.get("avg_estimate")),
                "Two-way fixed effects (balanced)": _fmt(e.robustness.get("bacon_twfe")),
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
            pre_text.append(f"{e.title}: randomisation p = {_fmt(e.pretrend_p, 3)} ({how}); "
                            f"F-reference p = {_fmt(d.get('p_f'), 3)}")
        else:
            pre_text.append(f"{e.title}: F-reference p = {_fmt(d.get('p_f'), 3)} (the "
                            "randomisation p-value was not computed)")
    if pre_text:
        body += paragraph(
            "Pre-trend test: joint Wald test of the event-study coefficients from five to two "
            "periods before go-live. Its p-value is computed by re-running the test over "
            "re-orderings of which clusters went live in which wave (the share, the real order "
            "included, giving a statistic at least as large), because with few clusters the "
            "usual F reference rejects too often; the F-reference p-value is shown beside it. "
            + robustness.PRETREND_RI_ASSUMPTION
        ) + bullet_list(pre_text)
    ri_rows = [e for e in done if "randomization" in e.checks and e.checks["randomization"].ok]
    for e in ri_rows:
        ri = e.checks["randomization"]
        body += paragraph(
            f"Randomisation inference for {e.title}: p = {_fmt(ri.value, 3)}, {level}% "
            f"interval {_fmt(ri.detail.get('ci_lower'))} to {_fmt(ri.detail.get('ci_upper'))} "
            f"(headline {_fmt(e.lower)} to {_fmt(e.upper)}); {ri.note}"
        )
    for mid in p.randomization_measures:
        if mid not in {e.measure_id for e in done}:
            notes.append(f"{mid}: randomisation inference was requested, but the measure has "
                         "no estimate in this report")
    if notes:
        body += paragraph("Checks not available or not applicable:") + bullet_list(notes)
    return section("Robustness", body, anchor="robustness")


_CHECK_NAMES = {
    "pretrend": "pre-trend test",
    "breakdown": "breakdown value",
    "mde": "smallest detectable change",
    "randomization": "randomisation inference",
}


def _check_cell(check: Any, digits: int = 2) -> str:
    if check is None:
        return "x"
    if check.value is None:
        # z only where the check does not apply (breakdown with an interval already
        # including zero); otherwise x, with the reason listed under the table
        return "z" if check.ok and check.name == "breakdown" else "x"
    return _fmt(check.value, digits)
