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
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from eah_eval.errors import EahEvalError
from eah_eval.reporting.charts import Series, line_chart
from eah_eval.reporting.evidence import EvidenceRating, months_progress, rate_evidence
from eah_eval.reporting.html import paragraph, section
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


def _mde(se: float, alpha: float, power: float = 0.8) -> float:
    """Minimum detectable effect: (z_{1-alpha/2} + z_{power}) x SE (Bloom 1995)."""
    return float((stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)) * se)


def _round_people(n: float, threshold: int) -> float:
    """Return a count of pupils for the headline table, NaN (suppressed) below the threshold."""
    if n is None or not np.isfinite(n) or (0 < n < threshold):
        return float("nan")
    return float(round(n))


def _estimate_measure(ctx: _Context, measure_id: str) -> MeasureEstimate:
    from eah_eval.did import aggregate, att_gt
    from eah_eval.measures import get_measure, rollout_panel
    from eah_eval.measures.definitions import SCALE_UNIT

    p = ctx.params
    m = get_measure(measure_id)
    panel = rollout_panel(ctx.tableset, measure_id, level=p.level)
    panel = panel[panel["cluster"].isin(ctx.design["cluster_id"])]
    if panel["first_treated"].nunique() < 2:
        raise EahEvalError("fewer than two rollout timings in the data: nothing to compare")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gt = att_gt(
            panel,
            "y",
            "unit",
            "period_index",
            "first_treated",
            control_group=p.comparison_group,
            weights="weight",
            cluster="cluster",
        )
        simple = aggregate(gt, "simple")
        event = aggregate(gt, "event")
        group = aggregate(gt, "group")
    inference_note = (
        "analytic standard errors clustered by cluster (influence functions summed within "
        "clusters)"
    )
    se = float(simple.overall_se)
    est = float(simple.overall_att)
    lo, hi = _ci(est, se, p.alpha)
    pval = float(2 * stats.norm.sf(abs(est / se))) if se > 0 else float("nan")
    if p.inference == "wild_cluster_bootstrap":
        try:
            from eah_eval.inference.wild import wild_aggregate

            n_cl = int(panel["cluster"].nunique())
            weight_type = "webb" if n_cl < 12 else "rademacher"
            wb = wild_aggregate(
                simple, weight_type=weight_type, draws=p.bootstrap_reps, rng=p.seed,
                level=1 - p.alpha,
            )
            lo, hi = float(wb.ci_low[-1]), float(wb.ci_high[-1])
            pval = float(wb.pvalues[-1])
            inference_note = (
                f"wild cluster bootstrap ({weight_type} weights, {wb.draws} draws, seed "
                f"{p.seed}, {n_cl} clusters)"
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
    mde = _mde(se, p.alpha)
    ev = event.table.to_frame(level=1 - p.alpha)
    grp = group.table.to_frame(level=1 - p.alpha)

    first = panel.loc[panel["first_treated"] > 0, "first_treated"]
    treated_units = panel.loc[panel["first_treated"] > 0, "unit"].unique()
    comparison_units = panel.loc[
        (panel["first_treated"] == 0) | (panel["first_treated"] > first.min()), "unit"
    ].unique()
    per_unit = panel.groupby("unit")["weight"].mean()
    n_pup_t = _round_people(float(per_unit.reindex(treated_units).sum()), p.disclosure_threshold)
    n_pup_c = _round_people(
        float(per_unit.reindex(comparison_units).sum()), p.disclosure_threshold
    )
    n_comp_clusters = int(
        panel.loc[
            (panel["first_treated"] == 0) | (panel["first_treated"] > first.min()), "cluster"
        ].nunique()
    )

    effect_size: float | None = None
    months: int | None = None
    if m.scale == "percent" and m.pupil_based:
        base = panel.loc[panel["period_index"] < panel["first_treated"].where(
            panel["first_treated"] > 0, np.inf), "y"]
        pbar = float(np.average(base, weights=None)) / 100 if len(base) else float("nan")
        if 0 < pbar < 1:
            effect_size = est / (100 * math.sqrt(pbar * (1 - pbar)))
            if measure_id in ATTAINMENT:
                months = months_progress(effect_size)

    pre_p = gt.pretest.pvalue
    pretrend_p = None if pre_p is None or not np.isfinite(pre_p) else float(pre_p)
    breakdown = _breakdown(event, p.alpha) if (lo > 0 or hi < 0) else None
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
    robustness = _robustness(panel, p, est)
    robustness["breakdown_value"] = breakdown
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
        mde=mde,
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
        robustness=robustness,
    )


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


def _breakdown(event: Any, alpha: float, window: int = 4) -> float | None:
    """Rambachan-Roth breakdown value (relative magnitudes) of the average post effect."""
    try:
        from eah_eval.sensitivity import breakdown_value
    except ImportError:
        return None
    frame = event.table.to_frame()
    e = _col(frame.reset_index(), "event_time").to_numpy(dtype=float)
    keep = (e >= -window) & (e <= window) & np.isfinite(np.asarray(event.estimates, float))
    pre = keep & (e < 0)
    post = keep & (e >= 0)
    if pre.sum() < 1 or post.sum() < 1:
        return None
    order = np.r_[np.flatnonzero(pre), np.flatnonzero(post)]
    psi = np.asarray(event.influence, dtype=float)[:, order]
    n = psi.shape[0]
    sigma = psi.T @ psi / n**2
    beta = np.asarray(event.estimates, dtype=float)[order]
    l_vec = np.full(int(post.sum()), 1.0 / post.sum())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value, _found = breakdown_value(
                beta, sigma, num_pre_periods=int(pre.sum()),
                num_post_periods=int(post.sum()), l_vec=l_vec, alpha=alpha,
            )
    except (EahEvalError, ValueError, np.linalg.LinAlgError):
        return None
    return float(value) if np.isfinite(value) else None


def _robustness(panel: pd.DataFrame, p: Any, headline: float) -> dict[str, Any]:
    """TWFE and the Bacon decomposition beside the headline (imputation when available)."""
    out: dict[str, Any] = {"headline": headline}
    try:
        from eah_eval.did.twfe import twfe

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tw = twfe(panel, "y", "unit", "period_index", "first_treated", cluster="cluster")
        out["twfe"] = float(np.asarray(tw.estimates)[0])
        out["twfe_se"] = float(np.asarray(tw.std_errors)[0])
    except (ImportError, EahEvalError, AttributeError) as exc:
        out["twfe_unavailable"] = str(exc)
    try:
        from eah_eval.did.imputation import imputation

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            imp = imputation(panel, "y", "unit", "period_index", "first_treated",
                             cluster="cluster", weights="weight")
        out["imputation"] = float(np.asarray(imp.overall.estimates)[0])
        out["imputation_se"] = float(np.asarray(imp.overall.std_errors)[0])
    except (ImportError, EahEvalError, AttributeError) as exc:
        out["imputation_unavailable"] = (
            "the imputation estimator is not in this installation"
            if isinstance(exc, ImportError)
            else str(exc)
        )
    try:
        from eah_eval.did.bacon import bacon

        balanced = _balance(panel)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bd = bacon(balanced, "y", "unit", "period_index", "first_treated")
        summ = getattr(bd, "summary_frame", None)
        frame = summ() if callable(summ) else getattr(bd, "by_type", None)
        if isinstance(frame, pd.DataFrame):
            out["bacon"] = frame.reset_index().to_dict(orient="records")
        out["bacon_twfe"] = float(getattr(bd, "twfe_estimate", getattr(bd, "estimate", np.nan)))
    except (ImportError, EahEvalError, AttributeError, ValueError) as exc:
        out["bacon_unavailable"] = str(exc)
    return out


def _balance(panel: pd.DataFrame) -> pd.DataFrame:
    counts = panel.groupby("unit")["period_index"].nunique()
    full = counts[counts == panel["period_index"].nunique()].index
    return panel[panel["unit"].isin(full)]


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
    equality = section(
        "Equality breakdowns",
        ctx.note_unavailable(
            "Estimates by pupil group (FSM, SEN need, ethnicity, sex)",
            "group-level estimates need the measures by pupil group on the rollout panel, "
            "which this version does not yet provide; the trends by cluster above cover all "
            "pupils.",
        ),
        anchor="equality",
    )
    vfm = _vfm(ctx, done)
    levels = sorted({e.rating.maryland_level for e in done})
    certainty = (
        "The strength of evidence ranges from Maryland level "
        f"{levels[0]} to {levels[-1]} (out of 5); each result's rating and reasons are in the "
        "headline table. Intervals allow for the small number of clusters: "
        f"{done[0].inference_note}."
        if done
        else "We cannot say how sure we are: no estimates could be computed."
    )
    results = {
        "measures": {e.measure_id: e.to_dict() for e in done},
        "not_estimated": failed,
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
            "Unit": "percentage points" if e.unit == "%" else e.unit,
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
                    "intervals and evidence strength"
                ),
                numeric_columns=[c for c in disp.columns if c not in ("Evidence", "Unit")],
                count_columns=["Pupils (started; comparison)"],
                notes=[
                    "Change: average difference between clusters after they started and "
                    "clusters not yet started, over the same periods",
                    "Effect size: change divided by the pupil-level standard deviation, for "
                    "percentages of pupils only",
                ],
            )
        )
        reasons = []
        for e in done:
            why = " ".join([*e.rating.reasons, *e.rating.downgrades])
            reasons.append(f"<li><strong>{e.title}</strong>: {e.rating.label}. {why}</li>")
        parts.append("<h3>Why each rating</h3><ul>" + "".join(reasons) + "</ul>")
        parts.append(
            "<h3>What each result says</h3><ul>"
            + "".join(f"<li>{e.finding.headline} {e.finding.detail}</li>" for e in done)
            + "</ul>"
        )
    for mid, why in failed.items():
        parts.append(ctx.note_unavailable(f"The estimate for {mid}", why))
    return section("Headline results", "\n".join(parts), anchor="headline")


def _detail(ctx: _Context, done: list[MeasureEstimate]) -> str:
    p = ctx.params
    level = round(100 * (1 - p.alpha))
    parts = []
    for e in done:
        ev = e.event
        x = _col(ev, "event_time", "e").to_numpy(dtype=float)
        y = _col(ev, "estimate").to_numpy(dtype=float)
        lo = _col(ev, "ci_low_pointwise", "ci_lower").to_numpy(dtype=float)
        hi = _col(ev, "ci_high_pointwise", "ci_upper").to_numpy(dtype=float)
        disp = pd.DataFrame(
            {
                "Estimate": [_fmt(v) for v in y],
                f"{level}% interval": [f"{_fmt(a)} to {_fmt(b)}" for a, b in zip(lo, hi,
                                                                                 strict=True)],
            },
            index=pd.Index([str(int(v)) for v in x], name="Periods from go-live"),
        )
        table = html_table(disp, caption=f"Event-study estimates for {e.title} ({e.unit})")
        post = y[x >= 0]
        pre = y[x < 0]
        title = (
            f"{e.title}: changes after go-live {'exceed' if e.finding.clear else 'stay within'}"
            " the range of chance"
        )
        parts.append(
            line_chart(
                [Series("Estimate", list(x), list(y), list(lo), list(hi))],
                title=title,
                xlabel="periods from go-live (0 = go-live)",
                ylabel=f"difference ({e.unit})",
                alt=(
                    f"Event-study chart for {e.title}: estimates before go-live range from "
                    f"{_fmt(float(np.nanmin(pre)) if pre.size else float('nan'))} to "
                    f"{_fmt(float(np.nanmax(pre)) if pre.size else float('nan'))}, and after "
                    f"go-live from {_fmt(float(np.nanmin(post)) if post.size else float('nan'))}"
                    f" to {_fmt(float(np.nanmax(post)) if post.size else float('nan'))}, with "
                    f"{level}% intervals as error bars."
                ),
                caption=(
                    f"Difference between started and not-yet-started clusters in {e.title}, "
                    f"by periods from go-live; {level}% pointwise intervals; all clusters in "
                    "this report."
                ),
                vline=-0.5,
                vline_label="go-live",
                hline=0.0,
                data_table=table,
                intervals=True,
            )
        )
        bw = e.by_wave
        g = _col(bw, "group", "cohort")
        disp_w = pd.DataFrame(
            {
                "Estimate": [_fmt(v) for v in _col(bw, "estimate")],
                f"{level}% interval": [
                    f"{_fmt(a)} to {_fmt(b)}"
                    for a, b in zip(
                        _col(bw, "ci_low_pointwise", "ci_lower"),
                        _col(bw, "ci_high_pointwise", "ci_upper"),
                        strict=True,
                    )
                ],
            },
            index=pd.Index([_cohort_label(ctx, v) for v in g], name="Wave (first period)"),
        )
        parts.append(
            html_table(disp_w, caption=f"{e.title} ({e.unit}): estimated change by rollout wave")
        )
    if not parts:
        return section(
            "Results by wave and cluster",
            ctx.note_unavailable("Results by wave", "no estimates could be computed."),
            anchor="estimates",
        )
    parts.append(
        paragraph(
            "Estimates for single clusters are not shown: one cluster is too few for a "
            "reliable estimate of change. Trends for each cluster are in the section above."
        )
    )
    return section("Results by wave and cluster", "\n".join(parts), anchor="estimates")


def _cohort_label(ctx: _Context, g: Any) -> str:
    try:
        from eah_eval.data.periods import term_label

        gi = int(g)
        return f"starting {term_label(gi)}" if gi > 6000 else f"starting period {gi}"
    except (TypeError, ValueError):
        return str(g)


def _robustness_section(ctx: _Context, done: list[MeasureEstimate]) -> str:
    if not done:
        return section("Robustness", ctx.note_unavailable("Robustness checks",
                                                          "no estimates could be computed."),
                       anchor="robustness")
    rows = {}
    notes = []
    for e in done:
        r = e.robustness
        rows[e.title] = {
            "Headline (group-time)": _fmt(e.estimate),
            "Imputation": _fmt(r.get("imputation")),
            "Two-way fixed effects": _fmt(r.get("twfe")),
            "Pre-trend test p": _fmt(e.pretrend_p, 3),
            "Breakdown value": _fmt(r.get("breakdown_value")),
            "Smallest detectable change": _fmt(e.mde),
        }
        for key in ("imputation_unavailable", "twfe_unavailable", "bacon_unavailable"):
            if key in r:
                notes.append(f"{e.title}: {key.split('_')[0]} not shown ({r[key]})")
    disp = pd.DataFrame.from_dict(rows, orient="index")
    disp.index.name = "Measure"
    body = html_table(
        disp,
        caption="Headline estimate beside other estimators, pre-trend test, sensitivity "
        "and the smallest change the design could detect",
        notes=[
            "x = not available",
            "Smallest detectable change: 80% power at the 5% level, (1.96 + 0.84) x standard "
            "error",
            "Breakdown value: how far trends after go-live could depart from parallel "
            "(relative to the largest departure before) before the conclusion changes",
        ],
    )
    if notes:
        body += paragraph("Not available: " + "; ".join(notes) + ".")
    return section("Robustness", body, anchor="robustness")


def _vfm(ctx: _Context, done: list[MeasureEstimate]) -> str:
    p = ctx.params
    fin = ctx.tables.get("finance")
    if fin is None or fin.empty:
        return section("Value for money", ctx.note_unavailable(
            "Value for money", "there is no finance table in the data."), anchor="vfm")
    fin = fin[fin["cluster_id"].isin(ctx.design["cluster_id"]) | fin["cluster_id"].isna()]
    total = float(fin["amount_gbp"].sum())
    parts = [
        paragraph(
            f"Programme cost in the finance records for the clusters in this report: "
            f"£{total:,.0f}."
        )
    ]
    rows = {}
    for e in done:
        if e.measure_id == "ehc_requests_per_1000" and np.isfinite(e.n_pupils_treated):
            per_1000 = e.n_pupils_treated / 1000.0
            # A negative change is requests avoided; carry the interval through.
            avoided = [-v * per_1000 for v in (e.estimate, e.upper, e.lower)]
            unit_cost = p.unit_costs.get("ehc_needs_assessment", float("nan"))
            rows["EHC needs assessment requests avoided per period"] = {
                "Estimate": _fmt(avoided[0], 1),
                "Interval": f"{_fmt(avoided[1], 1)} to {_fmt(avoided[2], 1)}",
                "Unit cost (£)": _fmt(unit_cost, 0),
                "Value of estimate (£)": _fmt(avoided[0] * unit_cost, 0),
            }
    if rows:
        disp = pd.DataFrame.from_dict(rows, orient="index")
        disp.index.name = "Change"
        parts.append(html_table(disp, caption="Estimated changes valued at the stated unit costs",
                                notes=["Unit costs are report parameters, stated here"]))
    else:
        parts.append(paragraph(
            "No measure with a stated unit cost has an estimate in this report, so changes "
            "are not valued. Unit costs used when available: "
            + ", ".join(f"{k} £{v:,.0f}" for k, v in p.unit_costs.items()) + "."
        ))
    return section("Value for money", "\n".join(parts), anchor="vfm")
