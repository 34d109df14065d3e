"""Estimates for the impact report: headline table, by wave, robustness, value for money.

This module only *calls* the estimators (``eah_eval.did``), the inference and sensitivity
layers and the measures panel; it turns their results into disclosure-controlled tables,
charts and wording. When a piece is missing from the installation or cannot run on the data,
the section says so with the reason.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from eah_eval.errors import EahEvalError
from eah_eval.reporting import robustness
from eah_eval.reporting.charts import Series, interval_chart, line_chart
from eah_eval.reporting.evidence import EvidenceRating, months_progress, rate_evidence
from eah_eval.reporting.html import bullet_list, paragraph, section
from eah_eval.reporting.narrative import Finding, describe_effect
from eah_eval.reporting.tables import html_table

if TYPE_CHECKING:  # pragma: no cover
    from eah_eval.reporting.impact import _Context

#: Measures on the attainment scale (months' progress applies).
ATTAINMENT: frozenset[str] = frozenset({"ks2_rwm_expected_pct", "ks2_rwm_expected_sen_pct"})


@dataclass
class MeasureEstimate:
    """Everything the report shows about one measure's estimated change."""

    measure_id: str
    title: str
    unit: str
    direction: str
    estimate: float
    lower: float
    upper: float
    pvalue: float
    se: float
    mde: float
    n_schools_treated: int
    n_schools_comparison: int
    n_pupils_treated: float
    n_pupils_comparison: float
    effect_size: float | None
    months: int | None
    rating: EvidenceRating
    finding: Finding
    pretrend_p: float | None
    inference_note: str
    event: pd.DataFrame
    by_wave: pd.DataFrame
    robustness: dict[str, Any] = field(default_factory=dict)
    checks: dict[str, Any] = field(default_factory=dict)
    by_cluster: pd.DataFrame = field(default_factory=pd.DataFrame)
    period: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for ``results.json``."""
        return {
            "measure": self.measure_id,
            "title": self.title,
            "unit": self.unit,
            "estimate": self.estimate,
            "ci_lower": self.lower,
            "ci_upper": self.upper,
            "p_value": self.pvalue,
            "std_error": self.se,
            "mde": self.mde,
            "n_schools_treated": self.n_schools_treated,
            "n_schools_comparison": self.n_schools_comparison,
            "n_pupils_treated": self.n_pupils_treated,
            "n_pupils_comparison": self.n_pupils_comparison,
            "effect_size": self.effect_size,
            "months_progress": self.months,
            "evidence": self.rating.to_dict(),
            "finding": self.finding.headline,
            "pretrend_p": self.pretrend_p,
            "inference": self.inference_note,
            "event_study": self.event.to_dict(orient="records"),
            "by_wave": self.by_wave.to_dict(orient="records"),
            "robustness": self.robustness,
            "checks": {k: c.to_dict() for k, c in self.checks.items()},
            "by_cluster": self.by_cluster.to_dict(orient="records"),
        }


@dataclass
class Estimates:
    """The estimate sections of the report and their numbers."""

    findings: list[Finding]
    certainty_text: str
    headline_html: str
    detail_html: str
    equality_html: str
    robustness_html: str
    vfm_html: str
    results: dict[str, Any]


def _ci(est: float, se: float, alpha: float) -> tuple[float, float]:
    z = stats.norm.ppf(1 - alpha / 2)
    return est - z * se, est + z * se


def _round_people(n: float, threshold: int) -> float:
    """Return a count of pupils for the headline table, NaN (suppressed) below the threshold."""
    if n is None or not np.isfinite(n) or (0 < n < threshold):
        return float("nan")
    return float(round(n))


def _pupils(ctx: _Context, measure_id: str, units: Any) -> float:
    """Average pupils per period behind a set of schools.

    Pupils on roll at the January census (from the SEN support panel, whose denominator is the
    census headcount); for attainment, pupils with results in the year.
    """
    if measure_id in ATTAINMENT:
        panel = ctx.panel(measure_id)
    else:
        try:
            panel = ctx.panel("sen_support_pct")
        except EahEvalError:
            panel = ctx.panel(measure_id)
    sub = panel[panel["unit"].isin(units)]
    if sub.empty:
        return float("nan")
    return float(sub.groupby("period_index")["denominator"].sum().mean())


def _restricted_interval(
    p: Any, simple: Any, panel: pd.DataFrame, n_cl: int,
    fallback: tuple[float, float, float, str],
) -> tuple[float, float, float, str]:
    """Few-cluster default: restricted wild cluster bootstrap, interval by test inversion.

    Falls back to the analytic interval (and says so) when the estimator is not linear in the
    outcome, e.g. with covariates, where the null cannot be imposed this way.
    """
    from eah_eval.inference import few_cluster_inference

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = few_cluster_inference(
                simple, panel, outcome="y", unit="unit", time="period_index",
                cohort="first_treated", cluster="cluster", method="wcr",
                draws=p.bootstrap_reps, rng=p.seed, level=1 - p.alpha,
            )
    except EahEvalError as exc:
        lo, hi, pval, note = fallback
        return lo, hi, pval, (
            f"{note}; the restricted wild cluster bootstrap could not be applied ({exc}), so "
            "these intervals may be too narrow with this few clusters"
        )
    rec = dict(res.record)
    draws = rec.get("draws")
    how = ("all sign patterns enumerated" if rec.get("enumerated")
           else f"{draws} draws")
    weights = str(rec.get("weights", "")).capitalize()
    note = (
        f"restricted wild cluster bootstrap (null imposed; {weights} "
        f"weights, {how}, seed {p.seed}, {n_cl} clusters; interval by test inversion), the "
        "method whose 95% intervals kept 93-97% coverage with 8-12 clusters in the package's "
        "coverage study"
    )
    return float(res.ci_low), float(res.ci_high), float(res.pvalue), note


def _estimate_measure(ctx: _Context, measure_id: str) -> MeasureEstimate:
    from eah_eval.did import aggregate
    from eah_eval.measures import get_measure
    from eah_eval.measures.definitions import SCALE_UNIT

    p = ctx.params
    m = get_measure(measure_id)
    panel = ctx.panel(measure_id)
    if panel["first_treated"].nunique() < 2:
        raise EahEvalError("fewer than two rollout timings in the data: nothing to compare")
    gt = robustness.fit_group_time(panel, p.comparison_group)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        simple = aggregate(gt, "simple")
        event = aggregate(gt, "event")
        group = aggregate(gt, "group")
    n_cl = int(panel["cluster"].nunique())
    inference_note = (
        "analytic standard errors clustered by cluster (influence functions summed within "
        "clusters)"
    )
    se = float(simple.overall_se)
    est = float(simple.overall_att)
    lo, hi = _ci(est, se, p.alpha)
    pval = float(2 * stats.norm.sf(abs(est / se))) if se > 0 else float("nan")
    if p.inference == "restricted_wild_bootstrap":
        lo, hi, pval, inference_note = _restricted_interval(p, simple, panel, n_cl,
                                                            (lo, hi, pval, inference_note))
    elif p.inference == "wild_cluster_bootstrap":
        try:
            from eah_eval.inference.wild import wild_aggregate

            weight_type = "webb" if n_cl < 12 else "rademacher"
            wb = wild_aggregate(
                simple, weight_type=weight_type, draws=p.bootstrap_reps, rng=p.seed,
                level=1 - p.alpha,
            )
            lo, hi = float(wb.ci_low[-1]), float(wb.ci_high[-1])
            pval = float(wb.pvalues[-1])
            inference_note = (
                f"wild cluster bootstrap ({weight_type.capitalize()} weights, {wb.draws} draws, "
                f"seed {p.seed}, {n_cl} clusters)"
            )
        except ImportError:
            inference_note += " (the wild cluster bootstrap is not in this installation)"
    elif p.inference == "multiplier_bootstrap":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            boot = simple.with_bootstrap(p.bootstrap_reps, rng=p.seed, level=1 - p.alpha)
        se = float(boot.overall_se)
        lo, hi = _ci(est, se, p.alpha)
        pval = float(2 * stats.norm.sf(abs(est / se))) if se > 0 else float("nan")
        inference_note = (
            f"multiplier bootstrap clustered by cluster, {p.bootstrap_reps} draws, seed {p.seed}"
        )
    ev = event.table.to_frame(level=1 - p.alpha)
    grp = group.table.to_frame(level=1 - p.alpha)

    first = panel.loc[panel["first_treated"] > 0, "first_treated"]
    treated_units = panel.loc[panel["first_treated"] > 0, "unit"].unique()
    is_comp = (panel["first_treated"] == 0) | (panel["first_treated"] > first.min())
    comparison_units = panel.loc[is_comp, "unit"].unique()
    n_pup_t = _round_people(_pupils(ctx, measure_id, treated_units), p.disclosure_threshold)
    n_pup_c = _round_people(_pupils(ctx, measure_id, comparison_units), p.disclosure_threshold)
    n_comp_clusters = int(panel.loc[is_comp, "cluster"].nunique())

    effect_size: float | None = None
    months: int | None = None
    if m.scale == "percent" and m.pupil_based:
        pre = panel["period_index"] < panel["first_treated"].where(
            panel["first_treated"] > 0, np.inf)
        base = panel.loc[pre]
        pbar = (float(np.average(base["y"], weights=base["weight"])) / 100
                if len(base) and base["weight"].sum() > 0 else float("nan"))
        if 0 < pbar < 1:
            effect_size = est / (100 * math.sqrt(pbar * (1 - pbar)))
            if measure_id in ATTAINMENT:
                months = months_progress(effect_size)

    checks: dict[str, robustness.Check] = {}
    fits = robustness.RolloutFits(panel, p.comparison_group, est)
    # The pre-trend p-value that drives the rating is the randomisation one over rollout order
    # (right size with few clusters); the F-reference p-value stays in the check's note.
    checks["pretrend"] = robustness.pretrend_check(
        event, n_clusters=n_cl, fits=fits, draws=p.randomization_draws, seed=p.seed)
    checks["breakdown"] = robustness.breakdown_check(event, alpha=p.alpha, seed=p.seed)
    if measure_id in p.randomization_measures:
        checks["randomization"] = robustness.randomization_check(
            fits, draws=p.randomization_draws, alpha=p.alpha, seed=p.seed)
    checks["mde"] = robustness.minimum_detectable_effect(
        fits, n_sims=p.power_sims, alpha=p.alpha, seed=p.seed, scale=se)
    mde = checks["mde"].value
    pretrend_p = checks["pretrend"].value
    breakdown = checks["breakdown"].value
    rating = rate_evidence(
        pretrend_p=pretrend_p,
        n_comparison_clusters=n_comp_clusters,
        breakdown_value=breakdown,
        alpha=p.alpha,
    )
    unit = SCALE_UNIT[m.scale]
    finding = describe_effect(
        measure_title=m.title,
        estimate=est,
        lower=lo,
        upper=hi,
        unit=unit,
        direction=m.direction,
        mde=mde,
        level=1 - p.alpha,
    )
    comp = robustness.comparators(panel, est)
    by_cluster = _by_cluster(ctx, panel, p.comparison_group)
    return MeasureEstimate(
        measure_id=measure_id,
        title=m.title,
        unit=unit,
        direction=m.direction,
        estimate=est,
        lower=lo,
        upper=hi,
        pvalue=pval,
        se=se,
        mde=float("nan") if mde is None else mde,
        n_schools_treated=len(treated_units),
        n_schools_comparison=len(comparison_units),
        n_pupils_treated=n_pup_t,
        n_pupils_comparison=n_pup_c,
        effect_size=effect_size,
        months=months,
        rating=rating,
        finding=finding,
        pretrend_p=pretrend_p,
        inference_note=inference_note,
        event=_tidy(ev),
        by_wave=_tidy(grp),
        robustness=comp,
        checks=checks,
        by_cluster=by_cluster,
        period=str(panel.attrs.get("period", "")),
    )


def _by_cluster(ctx: _Context, panel: pd.DataFrame, comparison_group: str) -> pd.DataFrame:
    """Point estimate of the change in each cluster that started, against the same comparison.

    Each cluster keeps its go-live; the other clusters of its wave are left out, so the
    comparison is the clusters not yet started (as for the headline). No interval is given:
    one cluster cannot support one. A cluster's estimate is suppressed when its average count
    per period (numerator or denominator) is below the disclosure threshold.
    """
    from eah_eval.did import aggregate

    rows = []
    thr = ctx.policy.threshold
    for cl, g in panel.groupby("cluster", sort=True):
        cohort = int(g["first_treated"].iloc[0])
        if cohort <= 0:
            continue
        same_wave = (panel["first_treated"] == cohort) & (panel["cluster"] != cl)
        sub = panel[~same_wave]
        per = g.groupby("period_index")[["numerator", "denominator"]].sum().mean()
        small = bool(min(per["numerator"], per["denominator"]) < thr)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                # The cluster is the only one of its wave left, so its wave's estimate is
                # the cluster's own.
                by_group = aggregate(robustness.fit_group_time(sub, comparison_group),
                                     "group").table.to_frame().reset_index()
            hit = by_group[_col(by_group, "group", "cohort").astype(int) == cohort]
            if len(hit):
                value, why = float(_col(hit, "estimate").iloc[0]), ""
            else:
                value, why = float("nan"), ("no comparison clusters remain after this wave "
                                            "started")
        except EahEvalError as exc:
            value, why = float("nan"), str(exc)
        rows.append({"cluster": cl, "first_treated": cohort,
                     "estimate": float("nan") if small else value,
                     "flag": "c" if small else ("x" if why or not np.isfinite(value) else ""),
                     "note": why})
    return pd.DataFrame(rows, columns=["cluster", "first_treated", "estimate", "flag", "note"])


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reset_index() if frame.index.name is not None else frame.copy()
    return out


def _col(frame: pd.DataFrame, *names: str) -> pd.Series:
    for n in names:
        if n in frame.columns:
            return frame[n]
    for c in frame.columns:
        if any(n in str(c) for n in names):
            return frame[c]
    raise KeyError(f"none of {names} in {list(frame.columns)}")


# --------------------------------------------------------------------------------------------
# Sections


def _fmt(v: float | None, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "x"
    return f"{v:,.{digits}f}"


def _people(v: float) -> str:
    return "c" if not np.isfinite(v) else f"{v:,.0f}"


def estimate_all(ctx: _Context) -> Estimates:
    """Estimate every measure and build the estimate sections."""
    p = ctx.params
    done: list[MeasureEstimate] = []
    failed: dict[str, str] = {}
    try:
        import eah_eval.did  # noqa: F401
        from eah_eval.measures import rollout_panel  # noqa: F401
    except ImportError as exc:
        why = f"the estimators are not in this installation ({exc})."
        msg = ctx.note_unavailable("Estimates of change", why)
        return Estimates([], "We cannot say how sure we are: no estimates are available.",
                         section("Headline results", msg), "", "", "", "", {})
    for mid in p.measures:
        try:
            done.append(_estimate_measure(ctx, mid))
        except EahEvalError as exc:
            failed[mid] = str(exc)
    findings = [e.finding for e in done]
    headline = _headline(ctx, done, failed)
    detail = _detail(ctx, done)
    robust = _robustness_section(ctx, done)
    measures = {e.measure_id: e.to_dict() for e in done}
    from eah_eval.reporting.equality import equality_section

    equality, equality_results = equality_section(ctx, measures)
    vfm, vfm_results = _vfm(ctx, done)
    levels = sorted({e.rating.maryland_level for e in done})
    certainty = "We cannot say how sure we are: no estimates could be computed."
    if done:
        certainty = (
            f"The strength of evidence ranges from level {levels[0]} to {levels[-1]} on the "
            "Maryland Scientific Methods Scale (1 = weakest, 5 = a randomised trial); each "
            "result's rating and the reasons are under the headline table. Intervals allow for "
            f"the small number of clusters: {done[0].inference_note}. The robustness section "
            "compares other estimators and tests how far the conclusions depend on the "
            "comparison clusters having followed the same trends."
        )
        for e in done:
            ri = e.checks.get("randomization")
            if ri is not None and ri.ok and ri.value is not None:
                certainty += (
                    f" Re-running the analysis for {e.title} with every cluster's start date "
                    f"shuffled gives p = {_fmt(ri.value, 3)} (valid if the order in which "
                    "clusters started was as good as random)."
                )
    results = {
        "measures": measures,
        "not_estimated": failed,
        "equality": equality_results,
        "value_for_money": vfm_results,
    }
    return Estimates(findings, certainty, headline, detail, equality, robust, vfm, results)


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


#: Finance cost lines that are not Experts at Hand spending (statutory EHC needs assessments
#: are funded separately and kept out of the programme's inputs).
NOT_PROGRAMME_COSTS: frozenset[str] = frozenset({"statutory_assessment"})

#: Measures valued in the value-for-money section: (unit cost key, what one unit of change is,
#: multiplier from the measure's unit to a count per pupil).
VALUED: dict[str, tuple[str, str, float]] = {
    "ehc_requests_per_1000": ("ehc_needs_assessment",
                              "EHC needs assessment requests avoided (per year)", 1 / 1000),
    "absence_persistent_pct": ("persistent_absence_case",
                               "pupils no longer persistently absent (per term)", 1 / 100),
}


def _vfm(ctx: _Context, done: list[MeasureEstimate]) -> tuple[str, dict[str, Any]]:
    p = ctx.params
    fin = ctx.tables.get("finance")
    if fin is None or fin.empty:
        return section("Value for money", ctx.note_unavailable(
            "Value for money", "there is no finance table in the data."), anchor="vfm"), {}
    all_clusters = set(ctx.tables["clusters"]["cluster_id"])
    chosen = set(ctx.design["cluster_id"])
    spend = fin[~fin["cost_line"].isin(NOT_PROGRAMME_COSTS)]
    excluded = float(fin.loc[fin["cost_line"].isin(NOT_PROGRAMME_COSTS), "amount_gbp"].sum())
    cluster_cost = float(spend.loc[spend["cluster_id"].isin(chosen), "amount_gbp"].sum())
    shared = float(spend.loc[~spend["cluster_id"].isin(all_clusters), "amount_gbp"].sum())
    schools = ctx.tables["schools"]
    share = (float(schools["cluster_id"].isin(chosen).sum())
             / max(float(schools["cluster_id"].isin(all_clusters).sum()), 1.0))
    total = cluster_cost + share * shared
    months = pd.PeriodIndex(spend["month"].astype(str), freq="M")
    years = max((months.max() - months.min()).n + 1, 1) / 12.0
    annual = total / years
    out: dict[str, Any] = {
        "programme_cost_gbp": total, "cluster_costs_gbp": cluster_cost,
        "shared_costs_gbp": share * shared, "shared_share": share,
        "excluded_statutory_gbp": excluded, "years": years, "annual_cost_gbp": annual,
        "first_month": str(months.min()), "last_month": str(months.max()),
        "unit_costs": dict(p.unit_costs), "valued": {},
    }
    parts = [paragraph(
        f"Programme cost in the finance records from {months.min()} to {months.max()} for the "
        f"clusters in this report: £{total:,.0f}, about £{annual:,.0f} a year. This includes "
        f"{100 * share:.0f}% of the central costs shared across clusters and leaves out "
        f"£{excluded:,.0f} of statutory EHC needs assessment costs, which Experts at Hand does "
        "not fund."
    )]
    rows = {}
    level = round(100 * (1 - p.alpha))
    for e in done:
        if e.measure_id not in VALUED or not np.isfinite(e.n_pupils_treated):
            continue
        key, what, per_pupil = VALUED[e.measure_id]
        panel = ctx.panel(e.measure_id)
        treated = panel[panel["first_treated"] > 0]
        records = float(treated.groupby("period_index")["denominator"].sum().mean())
        if not records >= ctx.policy.threshold:
            continue  # too few pupils to value without showing a small count
        scale = records * per_pupil
        per_year = 3.0 if panel.attrs.get("period") == "term" else 1.0
        # A fall in the measure is a change avoided; carry the interval through.
        change = [-v * scale for v in (e.estimate, e.upper, e.lower)]
        unit_cost = float(p.unit_costs.get(key, float("nan")))
        valued = [c * unit_cost for c in change] if unit_cost > 0 else [float("nan")] * 3
        per_outcome = annual / per_year / change[0] if change[0] > 0 else float("nan")
        rows[what[0].upper() + what[1:]] = {
            "Estimate": _fmt(change[0], 1),
            f"{level}% interval": f"{_fmt(change[1], 1)} to {_fmt(change[2], 1)}",
            "Unit cost (£)": _fmt(unit_cost, 0) if unit_cost > 0 else "x",
            "Value (£)": (f"{_fmt(valued[0], 0)} ({_fmt(valued[1], 0)} to "
                          f"{_fmt(valued[2], 0)})" if unit_cost > 0 else "x"),
            "Programme cost per one (£)": _fmt(per_outcome, 0),
        }
        out["valued"][e.measure_id] = {
            "what": what, "estimate": change[0], "ci_lower": change[1], "ci_upper": change[2],
            "records_per_period": records, "unit_cost_gbp": unit_cost if unit_cost > 0 else None,
            "value_gbp": valued[0], "value_ci_lower_gbp": valued[1],
            "value_ci_upper_gbp": valued[2], "cost_per_outcome_gbp": per_outcome,
        }
    if rows:
        disp = pd.DataFrame.from_dict(rows, orient="index")
        disp.index.name = "Change"
        parts.append(html_table(
            disp,
            caption="Estimated changes in the clusters that started, valued at the stated unit "
            "costs; finance and school census records",
            row_header="Change",
            notes=[
                "Changes apply the estimated change to the pupils in clusters that started "
                "(the measure's own count: pupils on roll, or enrolments aged 5 to 15 for "
                "persistent absence); a fall counts as a change avoided; negative = an increase",
                "Unit costs are report parameters (unit_costs); x = no unit cost stated",
                "Programme cost per one: programme cost over the same period (a year, or a "
                "third of a year for a term) divided by the estimated change; x when the "
                "estimate is not a reduction",
                "Intervals carry the uncertainty of the estimate through; cost figures "
                "themselves are taken as known",
            ]))
    else:
        parts.append(paragraph(
            "No measure with a stated unit cost has an estimate in this report, so changes "
            "are not valued. Unit costs used when available: "
            + ", ".join(f"{k} £{v:,.0f}" for k, v in p.unit_costs.items()) + "."
        ))
    return section("Value for money", "\n".join(parts), anchor="vfm"), out
