"""Robustness of each headline estimate: other estimators, sensitivity, randomisation.

Each check returns a :class:`Check`: a value when it could be computed, and always a plain
statement of what was done or why it could not be done. A check that fails never disappears
from the report; the reason is shown in the robustness table and kept in ``results.json``.

* **Comparators**: the imputation estimator (Borusyak, Jaravel and Spiess) and two-way fixed
  effects, with the Goodman-Bacon decomposition of the latter.
* **Breakdown value** (Rambachan and Roth): from the event study with a *universal* base
  period (event time -1), the largest relative departure from parallel trends, as a multiple of
  the largest departure seen before go-live, under which the interval for the average change
  over the first post-go-live periods still excludes zero.
* **Randomisation inference** over rollout order
  (:func:`eah_eval.inference.randomization_inference`), with its design-based assumption.

Re-running the estimator under many assignments is the slow part. :class:`RolloutFits` keeps
one fit per assignment and outcome and reuses it: for a given assignment the group-time
estimator and its influence function are linear in the outcome, so the fit of
``y - tau D_obs`` (the pre-trend test with the headline estimate removed) follows from fits
already made, and a constant effect added to treated cells (``D_a``) is recovered exactly with
no sampling variation (checked on the first assignment, not assumed).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from eah_eval.did import GroupTimeRefit, aggregate, bacon, imputation, twfe
from eah_eval.errors import EahEvalError
from eah_eval.inference import randomization_inference
from eah_eval.sensitivity import breakdown_value, event_study_inputs, pretrend_test

#: Event times either side of go-live used by the breakdown value.
BREAKDOWN_WINDOW = 4


@dataclass(frozen=True)
class Check:
    """Outcome of one robustness check.

    Attributes
    ----------
    name : str
        Short id (``breakdown``, ``mde``, ``randomization``, ...).
    value : float or None
        The headline number of the check (``None`` when not available).
    note : str
        Plain statement of what was computed, or why it could not be.
    ok : bool
        Whether the check ran.
    detail : dict
        Further numbers for ``results.json`` (intervals, seeds, draws, settings).
    """

    name: str
    value: float | None
    note: str
    ok: bool
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for ``results.json``."""
        return {"value": self.value, "note": self.note, "computed": self.ok, **self.detail}


def _finite(v: float) -> float | None:
    return float(v) if v is not None and math.isfinite(float(v)) else None


# --------------------------------------------------------------------------------------------
# The headline fit


def fit_group_time(panel: pd.DataFrame, comparison_group: Any, *, outcome: str = "y",
                   cohort: str = "first_treated", method: str = "dr",
                   event_window: tuple[float, float] | None = None) -> Any:
    """Group-time estimates with a universal base period, clustered by cluster.

    With a universal base period the post-go-live estimates (and so the overall change) are
    those of the varying base period; the pre-go-live ones are each measured against the
    period before go-live, which is what the pre-trend test and the breakdown value need.
    ``event_window`` estimates only the cells with event times in it (see
    :func:`eah_eval.did.att_gt`).
    """
    return group_time_refit(comparison_group, outcome=outcome, cohort=cohort,
                            method=method, event_window=event_window)(panel)


def group_time_refit(comparison_group: Any, *, outcome: str = "y",
                     cohort: str = "first_treated", method: str = "dr",
                     event_window: tuple[float, float] | None = None) -> Any:
    """Return the estimator of :func:`fit_group_time` for many outcomes on one rollout.

    Returns a callable ``fit(panel)`` (warnings silenced) that keeps the design of its last
    panel: refits with another outcome under the same rollout reuse it
    (:class:`eah_eval.did.GroupTimeRefit`).
    """
    refit = GroupTimeRefit(outcome, "unit", "period_index", cohort,
                           control_group=comparison_group, weights="weight", cluster="cluster",
                           base_period="universal", method=method, event_window=event_window)

    def fit(panel: pd.DataFrame) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return refit(panel)

    return fit


def _simple(gt: Any) -> Any:

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return aggregate(gt, "simple")


def cluster_sums(result: Any) -> NDArray[np.float64]:
    """Cluster sums of the overall influence function of an aggregation."""
    psi = np.nan_to_num(np.asarray(result.overall_influence, dtype=float))
    codes = result.cluster_codes
    if codes is None:
        return psi
    return np.bincount(np.asarray(codes), weights=psi).astype(float)


# --------------------------------------------------------------------------------------------
# Fits under re-assigned rollouts


class RolloutFits:
    """The headline estimator re-run under re-assigned rollouts, each fit made once.

    Parameters
    ----------
    panel : pandas.DataFrame
        Rollout panel (``unit, cluster, period_index, first_treated, y, weight``).
    comparison_group : str
        As for the headline fit.
    estimate : float
        Headline estimate (removed from treated cells for the re-assignment pre-trend test).
    """

    def __init__(self, panel: pd.DataFrame, comparison_group: str, estimate: float) -> None:
        cols = ["unit", "cluster", "period_index", "first_treated", "y", "weight"]
        self.panel = panel[cols].reset_index(drop=True)
        self.panel.attrs = {}  # hundreds of refits; pandas would deep-copy metadata into each
        self.comparison_group = comparison_group
        self.tau = float(estimate)
        self.clusters = pd.Index(sorted(self.panel["cluster"].unique()))
        self.row_cluster = self.clusters.get_indexer(self.panel["cluster"])
        self.t = self.panel["period_index"].to_numpy(dtype=float)
        self.y = self.panel["y"].to_numpy(dtype=float)
        self.observed = self._per_cluster(self.panel["first_treated"].to_numpy(dtype=float))
        self.d_obs = self._treat(self.observed)
        self.n_units = int(self.panel["unit"].nunique())
        self.n_clusters = len(self.clusters)
        self.fits = 0
        self._refits: dict[str, Any] = {}  # by method: one design per assignment, many outcomes
        self._cache: dict[tuple[bytes, str], tuple[float, NDArray[np.float64]]] = {}
        self._constant_exact: bool | None = None
        # Without covariates the outcome-regression and doubly robust estimators coincide,
        # and the former is quicker; checked against the headline on the observed rollout.
        self.method = "reg"
        if abs(self._fit(self.observed, self.y)[0] - self.tau) > 1e-8 * (1 + abs(self.tau)):
            self.method = "dr"

    def _per_cluster(self, cohort_rows: NDArray[np.float64]) -> NDArray[np.float64]:
        out = np.full(len(self.clusters), np.nan)
        out[self.row_cluster] = cohort_rows
        return out

    def _treat(self, per_cluster: NDArray[np.float64]) -> NDArray[np.float64]:
        g = per_cluster[self.row_cluster]
        return ((g != 0) & (self.t >= g)).astype(float)

    def _fit(self, per_cluster: NDArray[np.float64], outcome: NDArray[np.float64]
             ) -> tuple[float, NDArray[np.float64]]:
        frame = self.panel.assign(
            y=outcome, first_treated=per_cluster[self.row_cluster].astype("int64"))
        if self.method not in self._refits:
            # the overall change reads only the cells from go-live on: the others are not
            # estimated (each cell, and so the overall change, is as in a full fit)
            self._refits[self.method] = group_time_refit(self.comparison_group,
                                                         method=self.method,
                                                         event_window=(0, math.inf))
        res = _simple(self._refits[self.method](frame))
        self.fits += 1
        return float(res.overall_att), cluster_sums(res)

    def component(self, per_cluster: NDArray[np.float64], tag: str
                  ) -> tuple[float, NDArray[np.float64]]:
        """Estimate and influence cluster sums for outcome ``tag`` under an assignment.

        ``tag`` is ``"y"`` (observed outcome), ``"d_obs"`` (observed treatment indicator),
        ``"d_a"`` (the assignment's own treatment indicator) or ``"y0"`` (``y - tau d_obs``).
        """
        key = (per_cluster.tobytes(), tag)
        if key in self._cache:
            return self._cache[key]
        if tag == "d_a" and self._constant_exact:
            out: tuple[float, NDArray[np.float64]] = (1.0, np.zeros(self.n_clusters))
        elif tag == "y0" and all((per_cluster.tobytes(), k) in self._cache
                                 for k in ("y", "d_obs")):
            ey, sy = self._cache[(per_cluster.tobytes(), "y")]
            ed, sd = self._cache[(per_cluster.tobytes(), "d_obs")]
            out = (ey - self.tau * ed, sy - self.tau * sd)
        else:
            outcome = {
                "y": self.y,
                "d_obs": self.d_obs,
                "d_a": self._treat(per_cluster),
                "y0": self.y - self.tau * self.d_obs,
            }[tag]
            out = self._fit(per_cluster, outcome)
            if tag == "d_a" and self._constant_exact is None:
                self._constant_exact = bool(
                    abs(out[0] - 1.0) < 1e-8 and np.max(np.abs(out[1]), initial=0.0) < 1e-8)
        self._cache[key] = out
        return out

    def estimate(self, frame: pd.DataFrame) -> float:
        """Estimator for randomisation inference (outcome ``y``, cohort ``first_treated``)."""
        a = self._per_cluster(frame["first_treated"].to_numpy(dtype=float))
        yy = frame["y"].to_numpy(dtype=float)
        for tag, ref in (("y", self.y), ("d_obs", self.d_obs), ("d_a", self._treat(a))):
            if np.array_equal(yy, ref):
                return self.component(a, tag)[0]
        return self._fit(a, yy)[0]


def randomization_check(fits: RolloutFits, *, draws: int, alpha: float, seed: int) -> Check:
    """Randomisation inference over rollout order for the headline estimate."""
    try:

        res = randomization_inference(
            fits.panel, fits.estimate, outcome="y", time="period_index", cohort="first_treated",
            cluster="cluster", never_treated_value=0, level=1 - alpha, max_exact=draws,
            draws=draws, rng=seed,
        )
    except (EahEvalError, np.linalg.LinAlgError) as exc:
        return Check("randomization", None, f"could not be computed: {exc}", False)
    how = (f"all {res.total_assignments:,} assignments enumerated" if res.exact else
           f"{res.n_assignments - 1:,} of {res.total_assignments:,} possible assignments "
           f"sampled (seed {res.seed})")
    detail = {
        "p_value": res.pvalue, "ci_low": _finite(res.ci_low), "ci_high": _finite(res.ci_high),
        "level": res.level, "assignments": res.n_assignments,
        "total_assignments": res.total_assignments, "exact": res.exact, "seed": res.seed,
        "assumption": res.assumption,
    }
    return Check("randomization", float(res.pvalue), f"{how}. {res.assumption}", True, detail)


# --------------------------------------------------------------------------------------------
# Pre-trends and breakdown value from the universal-base event study


def _pretrend_wald(event: Any, window: int) -> Any:
    """Wald pre-trend test of the event-study coefficients at ``-window-1 .. -2``."""
    e, b, v = event_study_inputs(event)
    keep = (e < -1) & (e >= -window - 1) & np.isfinite(b) & (np.diag(v) > 0)
    if not keep.any():
        raise EahEvalError("the event study has no estimated periods before go-live other "
                           "than the reference period")
    return pretrend_test(b[keep], v[np.ix_(keep, keep)], names=[f"e={int(x)}" for x in e[keep]])


def pretrend_statistic(panel: pd.DataFrame, comparison_group: Any, *,
                       window: int = BREAKDOWN_WINDOW, method: str = "dr") -> float:
    """Wald pre-trend statistic of a rollout panel (the statistic of :func:`pretrend_check`).

    Returns ``inf`` when the statistic cannot be computed for this panel (for example no
    estimable period before go-live): under randomisation inference such an assignment then
    counts as at least as extreme as the observed one, which keeps the p-value conservative.
    """
    try:
        # only the event times the statistic reads are estimated (the same numbers as from a
        # full fit: each cell and each event-time row is computed alone)
        gt = fit_group_time(panel, comparison_group, method=method,
                            event_window=(-window - 1, -2))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            event = aggregate(gt, "event")
        return float(_pretrend_wald(event, window).statistic)
    except (EahEvalError, np.linalg.LinAlgError):
        return math.inf


#: Statement of what the randomisation pre-trend p-value assumes (shown in the methods text).
PRETREND_RI_ASSUMPTION = (
    "The randomisation pre-trend p-value assumes that the order in which clusters went live "
    "was as good as random given the wave sizes (any cluster could have been in any wave), "
    "and that the real go-live changed outcomes by the headline estimate in every treated "
    "term (that estimate is removed from really-treated cells before re-assigning, so the "
    "terms before a re-assigned go-live are not contaminated by the real rollout's effect). "
    "It does not rely on the cluster-robust covariance being well estimated, so its size is "
    "right with few clusters; an effect that varies across clusters or over time, left after "
    "removing the headline estimate, can only make differences before a re-assigned go-live "
    "more common and so the test more cautious."
)


def pretrend_randomization(fits: RolloutFits, *, draws: int, seed: int,
                           window: int = BREAKDOWN_WINDOW) -> tuple[float, dict[str, Any]]:
    """Randomisation p-value of the Wald pre-trend statistic over rollout order.

    The clusters are re-assigned to the observed wave sizes (every assignment when there are
    at most ``draws`` of them, otherwise ``draws`` sampled with ``seed`` plus the observed
    one), the headline estimator is re-fitted with a universal base period on the outcome with
    the headline estimate removed from really-treated cells (``y - tau D_obs``), and the same
    Wald statistic of the coefficients at ``-window-1 .. -2`` is computed. The p-value is the
    share of assignments, the observed one included, whose statistic is at least the observed
    one. The observed statistic is unchanged by the removal: the pre-go-live coefficients of
    the real rollout only use cells not yet treated.

    Parameters
    ----------
    fits : RolloutFits
        The measure's re-assignment machinery (panel, comparison group, headline estimate).
    draws : int
        Bound on the assignments (as ``randomization_draws``).
    seed : int
        Seed of the sampled assignments.
    window : int
        Event times before go-live tested.

    Returns
    -------
    tuple
        ``(p_value, detail)`` with the assignments used, whether they were all enumerated,
        the seed and the observed statistic.
    """
    data = fits.panel.assign(y=fits.y - fits.tau * fits.d_obs)

    def statistic(frame: pd.DataFrame) -> float:
        fits.fits += 1
        return pretrend_statistic(frame, fits.comparison_group, window=window,
                                  method=fits.method)

    res = randomization_inference(
        data, statistic, outcome="y", time="period_index", cohort="first_treated",
        cluster="cluster", never_treated_value=0, conf_int=False, max_exact=draws,
        draws=draws, rng=seed,
    )
    detail = {"p_randomization": float(res.pvalue), "assignments": res.n_assignments,
              "total_assignments": res.total_assignments, "exact": res.exact,
              "seed": res.seed, "statistic_observed": float(res.estimate),
              "effect_removed": fits.tau}
    return float(res.pvalue), detail


def pretrend_check(event: Any, *, n_clusters: int, window: int = BREAKDOWN_WINDOW,
                   fits: RolloutFits | None = None, draws: int = 0, seed: int = 0) -> Check:
    """Joint pre-trend test from the universal-base event study, for few clusters.

    The coefficients at event times ``-window-1 .. -2`` (each against the period before
    go-live) are tested jointly with the Wald statistic of
    :func:`eah_eval.sensitivity.pretrend_test`. With few clusters the cluster-robust covariance
    is estimated from few independent pieces and the chi-squared reference rejects far too
    often; even the F reference ``W / df ~ F(df, G - 1)`` rejected in 15-33% of random
    re-orderings of the demo council's rollout at the 5% level. So when ``fits`` is given and
    ``draws > 0``, the value of the check is the randomisation p-value of the same statistic
    over rollout order (:func:`pretrend_randomization`, which states its assumption in
    :data:`PRETREND_RI_ASSUMPTION`); the F-reference p-value is kept in the detail and note.
    """
    try:
        res = _pretrend_wald(event, window)
        df2 = max(int(n_clusters) - 1, 1)
        p_f = float(stats.f.sf(res.statistic / res.df, res.df, df2))
    except (EahEvalError, np.linalg.LinAlgError) as exc:
        return Check("pretrend", None, f"could not be run: {exc}", False)
    wald = (f"joint Wald test of the {len(res.terms)} coefficients before go-live "
            f"({', '.join(res.terms)}; W = {res.statistic:.2f}, df = {res.df})")
    f_ref = (f"F reference with {df2} denominator degrees of freedom for {n_clusters} "
             f"clusters: p = {p_f:.3g} (chi-squared p = {res.pvalue:.3g})")
    detail: dict[str, Any] = {"statistic": res.statistic, "df": res.df,
                              "df_denominator": df2, "p_f": p_f, "p_chi2": res.pvalue,
                              "terms": list(res.terms), "reference": "F"}
    if fits is not None and draws > 0:
        try:
            p_ri, ri = pretrend_randomization(fits, draws=draws, seed=seed, window=window)
        except (EahEvalError, np.linalg.LinAlgError) as exc:
            return Check("pretrend", p_f, f"{wald}; {f_ref}. The randomisation p-value could "
                         f"not be computed ({exc}), so the F-reference p-value is used. "
                         f"{res.note}", True, detail)
        how = (f"all {ri['total_assignments']:,} assignments enumerated" if ri["exact"] else
               f"{ri['assignments'] - 1:,} of {ri['total_assignments']:,} possible assignments "
               f"sampled (seed {ri['seed']})")
        detail.update(ri)
        detail["reference"] = "randomization"
        return Check(
            "pretrend", p_ri,
            f"{wald}; randomisation p = {p_ri:.3g} over rollout order ({how}; share of "
            f"assignments, the observed one included, with a statistic at least as large). "
            f"Secondary: {f_ref}. {PRETREND_RI_ASSUMPTION}",
            True, detail)
    return Check("pretrend", p_f, f"{wald}; {f_ref}. {res.note}", True, detail)


def breakdown_check(event: Any, *, alpha: float, seed: int,
                    window: int = BREAKDOWN_WINDOW) -> Check:
    """Rambachan-Roth breakdown value (relative magnitudes) from a universal-base event study.

    The target is the average change over event times ``0 .. window`` (those estimated); the
    pre-go-live coefficients ``-window-1 .. -2`` bound the departures. The value is the largest
    ``Mbar`` at which the robust interval (conditional least-favourable hybrid, 200 simulated
    draws, grid of 200 points) still excludes zero, found to within 0.02.
    """
    try:

        meta = dict(getattr(event, "metadata", {}) or {})
        if meta.get("base_period", "universal") != "universal":
            raise EahEvalError("the event study does not have a universal base period")
        e, b, v = event_study_inputs(event)
        keep = (np.isfinite(b) & (np.diag(v) > 0) & (e != -1)
                & (e >= -window - 1) & (e <= window))
        e, b, v = e[keep], b[keep], v[np.ix_(keep, keep)]
        pre, post = e[e < 0], e[e >= 0]
        if pre.size == 0:
            raise EahEvalError("there are no estimated periods before go-live other than the "
                               "reference period, so departures cannot be bounded")
        if post.size == 0:
            raise EahEvalError("there are no estimated periods after go-live")
        if not (np.array_equal(pre, np.arange(pre.min(), -1))
                and np.array_equal(post, np.arange(0, post.max() + 1))):
            raise EahEvalError(f"event times are not consecutive around go-live: {list(e)}")
        lv = np.full(post.size, 1.0 / post.size)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value, capped = breakdown_value(
                b, v, num_pre_periods=int(pre.size), num_post_periods=int(post.size),
                l_vec=lv, alpha=alpha, tol=0.02, grid_points=200, lf_sims=200, seed=seed,
            )
    except (EahEvalError, np.linalg.LinAlgError) as exc:
        return Check("breakdown", None, f"could not be computed: {exc}", False)
    target = (f"average change over periods 0 to {int(post.max())} after go-live, departures "
              f"bounded by the {int(pre.size)} period(s) before")
    detail = {"target": target, "capped": bool(capped), "num_pre_periods": int(pre.size),
              "num_post_periods": int(post.size), "lf_sims": 200, "seed": seed}
    if math.isnan(value):
        return Check("breakdown", None, "not applicable: the interval for the "
                     f"{target.split(',')[0]} already includes zero under exactly parallel "
                     "trends.", True, detail)
    note = f"{target}" + ("; the search stopped at 10 (conclusion robust up to there)"
                          if capped else "")
    return Check("breakdown", float(value), note, True, detail)


# --------------------------------------------------------------------------------------------
# Other estimators


def comparators(panel: pd.DataFrame, headline: float) -> dict[str, Any]:
    """Imputation, two-way fixed effects and the Bacon decomposition beside the headline."""
    out: dict[str, Any] = {"headline": headline}
    try:

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tw = twfe(panel, "y", "unit", "period_index", "first_treated", cluster="cluster")
        out["twfe"] = float(np.asarray(tw.estimates)[0])
        out["twfe_se"] = float(np.asarray(tw.std_errors)[0])
    except EahEvalError as exc:
        out["twfe_unavailable"] = str(exc)
    try:

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            imp = imputation(panel, "y", "unit", "period_index", "first_treated",
                             cluster="cluster", weights="weight")
        out["imputation"] = float(np.asarray(imp.overall.estimates)[0])
        out["imputation_se"] = float(np.asarray(imp.overall.std_errors)[0])
    except EahEvalError as exc:
        out["imputation_unavailable"] = str(exc)
    try:

        counts = panel.groupby("unit")["period_index"].nunique()
        full = counts[counts == panel["period_index"].nunique()].index
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bd = bacon(panel[panel["unit"].isin(full)], "y", "unit", "period_index",
                       "first_treated")
        rows = bd.by_type().reset_index().to_dict(orient="records")
        for r in rows:
            r["weight_pct"] = 100 * float(r["weight"])
        out["bacon"] = rows
        out["bacon_twfe"] = float(bd.twfe_estimate)
    except EahEvalError as exc:
        out["bacon_unavailable"] = str(exc)
    return out
