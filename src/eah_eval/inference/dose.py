"""Did more delivery go with more change? A dose-response slope across clusters, honestly.

:func:`dose_response` joins each cluster's change (the headline's group-time estimator, one
cluster at a time: :func:`eah_eval.did.dose.cluster_effects`) to the cluster's dose (for
example expert days against the 40/160 yardstick after go-live:
:func:`eah_eval.measures.dose.cluster_dose`) and fits the least-squares line of change on dose
(:func:`eah_eval.did.dose.dose_line`): by default within waves, so that only clusters that went
live together, with the same comparison and the same time since go-live, are compared.

**Inference.** A council has 8-12 clusters and a slope rests on fewer. The interval is the
package's few-cluster default, the restricted wild cluster bootstrap
(:func:`eah_eval.inference.wild_restricted`, method ``wcr``), applied to the whole two-stage
estimator, which is linear in the outcome:

1. Under ``H0: slope = r`` the effect on treated rows is ``a + r d_c`` (``a`` free: one level,
   or one per wave when the slope is fitted within waves). The restricted fit regresses the
   outcome on unit and period effects and the level terms, with ``r d_c D`` as an offset.
2. The residuals of every cluster (treated and comparison alike) are sign-flipped as a block
   (all ``2^G`` patterns when ``2^G <= draws``); each bootstrap sample is re-estimated through
   both stages, which costs ``2G + 1`` fits (plus one per level term), never one per draw.
3. The statistic is ``(slope - r) / se`` with ``se^2 = sum_c (w_c e_c)^2``: ``w_c`` the
   cluster's weight in the slope and ``e_c`` its distance from the line (one term per cluster,
   the heteroskedasticity-robust standard error of the line across clusters). A single
   cluster's own standard error would miss its own shocks, which are what scatter the points.
4. The p-value of ``slope = r`` is the share of sign patterns with ``|t*| >= |t|``; the interval
   is every ``r`` not rejected. It can be unbounded: that is the honest answer when too few
   clusters inform the slope.

``small_sample_t`` (the standard error above times ``sqrt(K/(K-1))``, ``t(K-1)``, ``K``
clusters on the line) is the named fallback where the bootstrap cannot apply (covariates).

References
----------
Callaway, B., Goodman-Bacon, A. and Sant'Anna, P. H. C. (2024). Difference-in-differences with
a continuous treatment. NBER Working Paper 32117.
Cameron, A. C., Gelbach, J. B. and Miller, D. L. (2008). Bootstrap-based improvements for
inference with clustered errors. *Review of Economics and Statistics* 90(3), 414-427.
MacKinnon, J. G. and Webb, M. D. (2018). The wild bootstrap for few (treated) clusters.
*Econometrics Journal* 21(2), 114-135.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from eah_eval.did.aggregate import AggregateResult
from eah_eval.did.attgt import GroupTimeRefit
from eah_eval.did.dose import SLOPE_FROM, ClusterEffects, SlopeFrom, cluster_effects, dose_line
from eah_eval.errors import EstimationError, OptionError, OptionTypeError, check_option
from eah_eval.inference.analytic import small_sample_t_interval
from eah_eval.inference.cs_refit import att_gt_options
from eah_eval.inference.dispatch import recorded_seed
from eah_eval.inference.methods import WILD_WEIGHTS, WildWeights, describe_method
from eah_eval.inference.restricted import wild_restricted

__all__ = [
    "DOSE_ASSUMPTIONS",
    "DOSE_METHODS",
    "DoseMethod",
    "DosePoint",
    "DoseResponse",
    "dose_response",
    "dose_slope",
]

DoseMethod = Literal["wcr", "small_sample_t"]
DOSE_METHODS: tuple[str, ...] = ("wcr", "small_sample_t")
"""Inference methods for a dose-response slope (names from the package vocabulary)."""

DOSE_ASSUMPTIONS: Mapping[str, str] = MappingProxyType({
    "parallel_trends": (
        "Parallel trends at every dose: without the programme, each cluster's outcome would "
        "have moved like that of the comparison clusters, whatever the delivery it went on to "
        "receive, so each cluster's change is an effect of the programme as delivered there."),
    "strong_parallel_trends": (
        "Strong parallel trends (Callaway, Goodman-Bacon and Sant'Anna 2024), needed to read "
        "the slope as the effect of more delivery: clusters that received less would have "
        "changed as much as those that received more, had they received as much (no selection "
        "on gains). Without it the slope describes how change varied with delivery, not what "
        "more delivery would cause."),
    "dose_not_chosen_on_outcomes": (
        "Delivery was not set in response to the outcome (for example more expert days sent "
        "where absence was rising), and nothing else that moved the outcome varied with "
        "delivery between clusters."),
    "straight_line": (
        "A straight line: with this few clusters a curve (a threshold, diminishing returns) "
        "cannot be told apart from it."),
    "within_wave": (
        "Only differences in delivery between clusters that went live together are used, so "
        "the slope is not mixed up with time since go-live or with the comparison each wave "
        "had; each wave has its own level of change."),
    "all_clusters": (
        "Differences in delivery between waves are used too, so the slope also reflects time "
        "since go-live and the comparison each wave had; prefer the within-wave slope where "
        "waves have two or more clusters."),
    "wcr": (
        "The interval is the restricted wild cluster bootstrap: each candidate slope is "
        "imposed with a free level of change, whole clusters' residuals are sign-flipped, and "
        "every slope not rejected is kept. It treats clusters as independent and the doses as "
        "fixed."),
    "small_sample_t": (
        "The interval uses the standard error of the line across clusters with a t reference; "
        "it can be too narrow with few clusters."),
})
"""What a dose-response slope assumes, in words; each result lists the ones that apply."""

_EFFECT = "_dose_effect"
_LEVEL = "_dose_level_"


@dataclass(frozen=True)
class DosePoint:
    """One cluster's point: its dose and its change.

    Attributes
    ----------
    cluster : str
        Cluster label.
    cohort : float
        First treated period (the wave).
    dose : float
        Dose received.
    estimate : float
        The cluster's change (``ATT_c``).
    weight : float
        ``w_c``, its weight in the slope (``slope = sum_c w_c ATT_c``); 0 when it cannot move
        the slope (alone in its wave).
    fitted : float
        The line at its dose (its wave's line when fitted within waves).
    first_period, last_period : float
        First and last period of the cells behind the change (NaN when not known).
    """

    cluster: str
    cohort: float
    dose: float
    estimate: float
    weight: float
    fitted: float
    first_period: float = math.nan
    last_period: float = math.nan


def _num(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(float(value)) else None


@dataclass(frozen=True)
class DoseResponse:
    """Slope of the clusters' changes on their dose, with its few-cluster interval.

    Attributes
    ----------
    slope : float
        Change in the outcome's effect per unit of dose.
    ci_low, ci_high : float
        Interval at ``level`` (may be infinite: no slope could be rejected on that side).
    p_value : float
        p-value of ``slope = 0``.
    std_error : float
        Standard error of the line across clusters (the bootstrap's studentisation).
    level : float
        Confidence level.
    method : str
        Method used (``wcr`` or ``small_sample_t``).
    method_text : str
        How the slope and its interval were obtained, in words.
    fallback_reason : str
        Why the requested method was not used (empty when it was).
    slope_from : {"within_wave", "all_clusters"}
        Where the dose variation comes from.
    n_clusters : int
        Clusters in the inference (whose residuals are resampled), comparison ones included.
    points : tuple of DosePoint
        One per cluster with a change and a dose.
    dose_label : str
        What the dose is, in words (with its unit).
    assumptions : tuple of str
        What the slope and its interval assume, in words.
    record : mapping
        ``method``, ``requested``, ``weights``, ``draws``, ``requested_draws``,
        ``enumerated``, ``seed``, ``n_clusters``, ``level``, ``null``, ``fallback``,
        ``fallback_rows``, ``slope_from`` (read by :func:`eah_eval.inference.describe_method`).
    excluded : mapping
        Clusters that started but are not on the line, with the reason.
    note : str
        Why the interval is unbounded, when it is (empty otherwise).
    """

    slope: float
    ci_low: float
    ci_high: float
    p_value: float
    std_error: float
    level: float
    method: str
    method_text: str
    fallback_reason: str
    slope_from: str
    n_clusters: int
    points: tuple[DosePoint, ...]
    dose_label: str
    assumptions: tuple[str, ...]
    record: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    excluded: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    note: str = ""

    @property
    def n_points(self) -> int:
        """Clusters on the line (with a change and a dose)."""
        return len(self.points)

    @property
    def seed(self) -> int | None:
        """Seed recorded for the bootstrap (None for ``small_sample_t``).

        With every sign pattern enumerated (``record["enumerated"]``) no draw depended on it.
        """
        seed = self.record.get("seed")
        return None if seed is None else int(seed)

    @property
    def direction(self) -> Literal["positive", "negative", "unclear"]:
        """``positive`` (more dose, larger change: interval above 0), ``negative`` or ``unclear``.

        The sign says nothing about good or bad: read it with the outcome's direction of
        improvement.
        """
        if self.ci_low > 0:
            return "positive"
        if self.ci_high < 0:
            return "negative"
        return "unclear"

    def to_frame(self) -> pd.DataFrame:
        """Return the points, one row per cluster.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``cluster``; columns ``cohort``, ``dose``, ``estimate``, ``weight``,
            ``fitted``, ``first_period``, ``last_period``.
        """
        rows = [dataclasses.asdict(p) for p in self.points]
        cols = [f.name for f in dataclasses.fields(DosePoint)]
        return pd.DataFrame(rows, columns=cols).set_index("cluster")

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for JSON: non-finite numbers become None.

        ``ci_bounded`` says whether both ends are finite (an unbounded end is None).
        """
        return {
            "slope": _num(self.slope), "ci_low": _num(self.ci_low),
            "ci_high": _num(self.ci_high),
            "ci_bounded": bool(math.isfinite(self.ci_low) and math.isfinite(self.ci_high)),
            "p_value": _num(self.p_value), "std_error": _num(self.std_error),
            "level": self.level, "direction": self.direction, "method": self.method,
            "method_text": self.method_text, "fallback_reason": self.fallback_reason,
            "slope_from": self.slope_from, "n_clusters": self.n_clusters,
            "n_points": self.n_points, "dose_label": self.dose_label,
            "seed": self.seed, "record": dict(self.record),
            "assumptions": list(self.assumptions), "excluded": dict(self.excluded),
            "note": self.note,
            "points": [{k: (_num(v) if isinstance(v, float) else v)
                        for k, v in dataclasses.asdict(p).items()} for p in self.points],
        }

    def summary(self) -> str:
        """Return the slope, its interval, the method, the points and the assumptions."""
        head = (f"Dose-response slope: {self.slope:.6g} per unit of {self.dose_label} "
                f"({100 * self.level:g}% interval {self.ci_low:.6g} to {self.ci_high:.6g}; "
                f"p = {self.p_value:.4g}; {self.n_points} clusters on the line)")
        parts = [head, self.method_text] + ([self.note] if self.note else []) + [
            self.to_frame().to_string(float_format=lambda v: f"{v:.6g}")]
        parts += [f"{c}: not on the line: {why}" for c, why in self.excluded.items()]
        parts += [f"- {a}" for a in self.assumptions]
        return "\n".join(parts)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return (f"<p>{self.summary().splitlines()[0]}</p><p>{self.method_text}</p>"
                + self.to_frame().to_html(float_format=lambda v: f"{v:.6g}"))


def _dose_values(dose: Mapping[Any, Any] | pd.Series | pd.DataFrame, clusters: Sequence[Any]
                 ) -> NDArray[np.float64]:
    if isinstance(dose, pd.DataFrame):
        if not {"cluster", "dose"} <= set(dose.columns):
            raise OptionError("a dose frame needs columns 'cluster' and 'dose' (as "
                              f"eah_eval.measures.cluster_dose returns); got {list(dose.columns)}")
        lookup: dict[Any, Any] = dict(zip(dose["cluster"], dose["dose"], strict=True))
    elif isinstance(dose, pd.Series | Mapping):
        lookup = dict(dose.items())
    else:
        raise OptionTypeError(f"dose must be a mapping, a pandas Series or a frame with columns "
                              f"'cluster' and 'dose'; got {type(dose).__name__}")
    by_text = {str(k): v for k, v in lookup.items()}
    missing = [c for c in clusters if c not in lookup and str(c) not in by_text]
    if missing:
        raise OptionError(f"dose has no value for clusters {missing}, which have an estimated "
                          "change; give a dose for every one")
    return np.array([float(lookup[c] if c in lookup else by_text[str(c)]) for c in clusters])


def dose_slope(
    panel: pd.DataFrame,
    estimator: Callable[[pd.DataFrame], ArrayLike],
    clusters: Sequence[Any],
    dose: Mapping[Any, Any] | pd.Series | pd.DataFrame,
    *,
    outcome: str = "y",
    unit: str = "unit",
    time: str = "period_index",
    cohort: str = "first_treated",
    cluster: str = "cluster",
    weights: str | None = None,
    never_treated_value: float = 0,
    slope_from: SlopeFrom = "within_wave",
    method: DoseMethod = "wcr",
    draws: int = 9999,
    rng: int | np.random.Generator | None = None,
    level: float = 0.95,
    wild_weights: WildWeights = "rademacher",
    linear_in_outcome: bool = True,
    estimates: ArrayLike | None = None,
    dose_label: str = "dose",
) -> DoseResponse:
    """Slope of per-cluster changes on dose, for any per-cluster estimator linear in the outcome.

    :func:`dose_response` is this with the headline's group-time estimator; use this function
    for another per-cluster estimator (for example imputation-based).

    Parameters
    ----------
    panel : pandas.DataFrame
        Long panel the changes are estimated from.
    estimator : callable
        ``estimator(frame) -> changes``: one change per cluster of ``clusters``, in that order,
        from a frame with the columns of ``panel``. For ``wcr`` it must be linear in the
        outcome column and give 0 for unit + period effects and the same change ``a`` to every
        cluster for a constant effect ``a`` on treated rows (checked; a fallback otherwise).
    clusters : sequence
        The clusters ``estimator`` returns changes for (treated clusters of ``panel``).
    dose : mapping, pandas.Series or pandas.DataFrame
        Dose by cluster label (a frame from :func:`eah_eval.measures.cluster_dose` works).
        Every cluster of ``clusters`` needs a finite dose.
    outcome, unit, time, cohort, cluster : str
        Column names of ``panel``.
    weights : str, optional
        Sampling-weight column (the restricted fit of the bootstrap uses it).
    never_treated_value : float, default 0
        Cohort code of never-treated units.
    slope_from : {"within_wave", "all_clusters"}, default "within_wave"
        Fit the line within waves (a level per wave; only dose differences between clusters
        that went live together count) or across all clusters.
    method : {"wcr", "small_sample_t"}, default "wcr"
        Restricted wild cluster bootstrap, or the standard error of the line with a
        ``t(K-1)`` reference (``K`` clusters on the line).
    draws : int, default 9999
        Bootstrap draws; every ``2^G`` sign pattern is used when ``2^G <= draws``.
    rng : int, numpy.random.Generator or None
        Seed (a generator draws one integer seed); recorded in ``record["seed"]``.
    level : float, default 0.95
        Confidence level.
    wild_weights : {"rademacher", "mammen", "webb"}, default "rademacher"
        Bootstrap weights.
    linear_in_outcome : bool, default True
        False when the estimator is known not to be linear in the outcome (covariates): then
        ``wcr`` falls back to ``small_sample_t``, with the reason.
    estimates : array_like, optional
        ``estimator(panel)`` when already computed.
    dose_label : str, default "dose"
        What the dose is, with its unit (for captions).

    Returns
    -------
    DoseResponse

    Raises
    ------
    OptionError
        For an option outside its allowed values (the message lists them), a missing column,
        a cluster without a finite dose, or column names the method reserves.
    OptionTypeError
        For ``dose`` or ``rng`` of the wrong type.
    EstimationError
        With fewer than three clusters that can move the slope, or no variation in dose among
        them (:func:`eah_eval.did.dose.dose_line`).
    """
    check_option("slope_from", slope_from, SLOPE_FROM)
    check_option("method", method, DOSE_METHODS)
    check_option("wild_weights", wild_weights, WILD_WEIGHTS)
    level = float(level)
    if not 0 < level < 1:
        raise OptionError(f"level must lie strictly between 0 and 1; got {level}")
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or draws < 1:
        raise OptionError(f"draws must be a positive integer; got {draws!r}")
    for col in (outcome, unit, time, cohort, cluster) + ((weights,) if weights else ()):
        if col not in panel.columns:
            raise OptionError(f"column {col!r} not found in panel; columns are "
                              f"{list(panel.columns)}")
    reserved = [c for c in panel.columns if str(c).startswith((_EFFECT, _LEVEL))]
    if reserved:
        raise OptionError(f"panel columns {reserved} clash with the columns this method adds; "
                          "rename them")
    labels = list(clusters)
    d = _dose_values(dose, labels)
    data = panel.loc[np.isfinite(panel[outcome].to_numpy(dtype=float))]
    cohort_of = data.groupby(cluster, sort=True)[cohort].first().astype(float)
    missing = [c for c in labels if c not in cohort_of.index]
    if missing:
        raise OptionError(f"clusters {missing} are not in column {cluster!r} of panel")
    waves = cohort_of.loc[labels].to_numpy(dtype=float)
    line = dose_line(d, waves=waves if slope_from == "within_wave" else None, labels=labels)
    all_clusters = list(cohort_of.index)
    g = len(all_clusters)
    positions = np.array([all_clusters.index(c) for c in labels], dtype=np.intp)
    k = len(labels)

    def changes(frame: pd.DataFrame) -> NDArray[np.float64]:
        att = np.asarray(estimator(frame), dtype=float).reshape(-1)
        if att.shape != (k,):
            raise EstimationError(f"the per-cluster estimator returned {att.size} changes for "
                                  f"{k} clusters; re-estimating changed which clusters have one")
        return att

    def slope_and_terms(frame: pd.DataFrame) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        att = changes(frame)
        terms = np.zeros((g, 1))
        terms[positions, 0] = line.weights * line.residuals(att)
        return line.slope(att)[None], terms

    att_obs = changes(data) if estimates is None else np.asarray(estimates, dtype=float)
    slope = float(line.slope(att_obs))
    se = float(np.sqrt(np.sum((line.weights * line.residuals(att_obs)) ** 2)))
    record: dict[str, Any] = {
        "method": method, "requested": method, "weights": None, "draws": None,
        "requested_draws": None, "enumerated": None, "seed": None, "n_clusters": g,
        "level": level, "null": 0.0, "fallback": "small_sample_t", "fallback_rows": 0,
        "slope_from": slope_from}
    reason = ""
    lo = hi = p = math.nan
    if method == "wcr" and not linear_in_outcome:
        reason = ("the restricted wild bootstrap needs per-cluster changes linear in the "
                  "outcome (no covariates)")
    elif method == "wcr":
        frame, effect, nuisance = _restricted_design(
            data, labels, d, waves, slope_from=slope_from, time=time, cohort=cohort,
            cluster=cluster, never_treated_value=never_treated_value)
        seed = recorded_seed(rng)
        record["seed"] = seed
        try:
            res = wild_restricted(
                frame, slope_and_terms, outcome=outcome, unit=unit, time=time, cohort=cohort,
                cluster=cluster, weights=weights, never_treated_value=never_treated_value,
                name="slope", weight_type=wild_weights, draws=int(draws), rng=seed,
                level=level, effect=effect, nuisance=nuisance)
        except EstimationError as exc:
            reason = f"the restricted wild bootstrap does not apply: {exc}"
        else:
            lo, hi, p = float(res.ci_low[0]), float(res.ci_high[0]), float(res.pvalues[0])
            record.update(weights=res.weight_type, draws=res.draws,
                          requested_draws=res.requested_draws, enumerated=res.enumerated)
            if not math.isfinite(p):
                reason = ("the points lie on the line (zero standard error): the bootstrap "
                          "statistic is undefined")
    if reason or method == "small_sample_t":
        record.update(method="small_sample_t", n_clusters=line.n_contributing,
                      fallback_rows=1 if reason else 0, weights=None, draws=None,
                      enumerated=None, seed=None)
        a, b, c = small_sample_t_interval([slope], [se], line.n_contributing, level)
        lo, hi, p = float(a[0]), float(b[0]), float(c[0])
    used = str(record["method"])
    fitted = line.fitted(att_obs)
    points = tuple(
        DosePoint(cluster=str(c), cohort=float(w), dose=float(x), estimate=float(e),
                  weight=float(wt), fitted=float(f))
        for c, w, x, e, wt, f in zip(labels, waves, d, att_obs, line.weights, fitted,
                                     strict=True))
    within = slope_from == "within_wave"
    how = (f"Slope of the least-squares line of each cluster's change on its {dose_label} "
           f"({k} clusters{', within waves' if within else ''}; standard error from the "
           "clusters' distances from the line). Interval: ")
    text = how + describe_method({**record, "fallback_rows": 0})
    if reason:
        text += f" Used instead of the restricted wild cluster bootstrap because {reason}."
    note = ""
    if math.isinf(lo) or math.isinf(hi):
        side = "either side" if math.isinf(lo) and math.isinf(hi) else (
            "below" if math.isinf(lo) else "above")
        note = (f"The interval is unbounded {side}: no slope that far could be rejected at the "
                f"{100 * level:g}% level. Too few clusters inform the slope, or their points "
                "scatter too much")
        if slope_from == "within_wave":
            note += " (within waves, only clusters that went live together inform it)"
        if used == "wcr" and record["weights"] == "rademacher":
            need = math.ceil(1 + math.log2(1 / (1 - level)) - 1e-9)
            note += (f"; with sign flips at least {need} clusters must inform it to reach the "
                     f"{100 * level:g}% level")
        note += "."
    assumptions = tuple(DOSE_ASSUMPTIONS[key] for key in (
        "parallel_trends", "strong_parallel_trends", "dose_not_chosen_on_outcomes",
        "straight_line", slope_from, used))
    return DoseResponse(
        slope=slope, ci_low=lo, ci_high=hi, p_value=p, std_error=se, level=level, method=used,
        method_text=text, fallback_reason=reason, slope_from=slope_from,
        n_clusters=int(record["n_clusters"]), points=points, dose_label=dose_label,
        assumptions=assumptions, record=MappingProxyType(record), note=note)


def _restricted_design(data: pd.DataFrame, labels: list[Any], dose: NDArray[np.float64],
                       waves: NDArray[np.float64], *, slope_from: str, time: str,
                       cohort: str, cluster: str, never_treated_value: float
                       ) -> tuple[pd.DataFrame, str, tuple[str, ...]]:
    """Add the tested direction ``d_c D`` and the free level terms of ``H0: slope = r``."""
    tt = data[time].to_numpy(dtype=float)
    gg = data[cohort].to_numpy(dtype=float)
    treated = ((gg != float(never_treated_value)) & (tt >= gg)).astype(float)
    row_dose = data[cluster].map(dict(zip(labels, dose, strict=True))).to_numpy(dtype=float)
    on_line = np.isfinite(row_dose)
    row_dose = np.where(on_line, row_dose, 0.0)
    frame = data.copy()
    frame.attrs = {}  # re-estimations need no metadata; pandas copies it into every read
    frame[_EFFECT] = treated * on_line * row_dose
    levels: list[NDArray[np.float64]] = []
    if slope_from == "within_wave":
        levels += [treated * on_line * (gg == w) for w in np.unique(waves)]
    else:
        levels.append(treated * on_line)
    levels.append(treated * ~on_line)
    names = []
    for i, col in enumerate(x for x in levels if np.any(x != 0)):
        frame[f"{_LEVEL}{i}"] = col
        names.append(f"{_LEVEL}{i}")
    return frame, _EFFECT, tuple(names)


def dose_response(
    agg: AggregateResult,
    panel: pd.DataFrame,
    dose: Mapping[Any, Any] | pd.Series | pd.DataFrame,
    *,
    outcome: str = "y",
    unit: str = "unit",
    time: str = "period_index",
    cohort: str = "first_treated",
    cluster: str = "cluster",
    never_treated_value: float = 0,
    slope_from: SlopeFrom = "within_wave",
    method: DoseMethod = "wcr",
    draws: int = 9999,
    rng: int | np.random.Generator | None = None,
    level: float = 0.95,
    wild_weights: WildWeights = "rademacher",
    dose_label: str | None = None,
) -> DoseResponse:
    """Did clusters that received more change more? Slope of change on dose, with its interval.

    Parameters
    ----------
    agg : AggregateResult
        An aggregation (any kind) of the headline :func:`eah_eval.did.att_gt` fit, clustered
        by ``cluster``: each cluster's change is estimated with the same options (comparison
        group, method, base period, weights).
    panel : pandas.DataFrame
        The frame it was fitted on.
    dose : mapping, pandas.Series or pandas.DataFrame
        Dose by cluster (for example ``eah_eval.measures.cluster_dose(data, until=...)``,
        whose ``dose`` column and title are used). Every cluster with a change needs one.
    outcome, unit, time, cohort, cluster : str
        Column names (defaults: the report panels').
    never_treated_value : float, default 0
        Cohort code of never-treated units.
    slope_from : {"within_wave", "all_clusters"}, default "within_wave"
        Compare clusters that went live together only (default), or all clusters.
    method : {"wcr", "small_sample_t"}, default "wcr"
        The few-cluster default, the restricted wild cluster bootstrap, or the standard error
        of the line with a ``t`` reference (the fallback, named in the result, when the fit
        has covariates).
    draws, rng, level, wild_weights
        As for :func:`eah_eval.inference.infer`; the seed is recorded.
    dose_label : str, optional
        What the dose is, with its unit; default the dose frame's ``title`` attribute, else
        ``"dose"``.

    Returns
    -------
    DoseResponse
        Slope, interval, p-value, method in words, clusters, the points (dose, change, the
        periods behind each change), clusters left out with the reason, assumptions.

    Raises
    ------
    OptionError
        For an option outside its allowed values, an unclustered aggregation or one whose
        clusters differ from ``panel``'s, or a cluster with a change but no dose.
    OptionTypeError
        If ``agg`` is not an aggregation, or ``dose`` or ``rng`` has the wrong type.
    EstimationError
        With fewer than three clusters that can move the slope (within waves: in waves of two
        or more), or no variation in dose among them.

    Notes
    -----
    With ``ATT_c`` each cluster's change (:func:`eah_eval.did.dose.cluster_effects`) and
    ``d_c`` its dose, the slope is ``sum_c (d_c - dbar_c) ATT_c / sum_c (d_c - dbar_c)^2``,
    ``dbar_c`` the mean dose of the cluster's wave (``within_wave``) or of all clusters on the
    line. It is the change in the effect per unit of dose; read causally only under strong
    parallel trends (Callaway, Goodman-Bacon and Sant'Anna 2024), listed with the other
    assumptions in ``assumptions``. The interval is described in the module notes.

    References
    ----------
    Callaway, B., Goodman-Bacon, A. and Sant'Anna, P. H. C. (2024). Difference-in-differences
    with a continuous treatment. NBER Working Paper 32117.

    Examples
    --------
    >>> from eah_eval.did import aggregate, att_gt
    >>> from eah_eval.measures import cluster_dose, rollout_panel
    >>> panel = rollout_panel("data/", "absence_persistent_pct")  # doctest: +SKIP
    >>> gt = att_gt(panel, "y", "unit", "period_index", "first_treated", cluster="cluster",
    ...             control_group="not_yet_treated", weights="weight")  # doctest: +SKIP
    >>> dose = cluster_dose("data/", until="2024/25")  # doctest: +SKIP
    >>> res = dose_response(aggregate(gt, "simple"), panel, dose, rng=20261130)  # doctest: +SKIP
    >>> res.slope, res.ci_low, res.ci_high, res.direction  # doctest: +SKIP
    """
    if not isinstance(agg, AggregateResult):
        raise OptionTypeError(f"agg must be an AggregateResult from eah_eval.did.aggregate; got "
                              f"{type(agg).__name__}")
    options = att_gt_options(agg)
    if agg.cluster_codes is None:
        raise OptionError("the aggregation was not clustered: fit att_gt with cluster= (a dose "
                          "is given per cluster)")
    if cluster not in panel.columns:
        raise OptionError(f"column {cluster!r} not found in panel; columns are "
                          f"{list(panel.columns)}")
    n_agg = int(np.max(agg.cluster_codes)) + 1
    n_panel = int(panel[cluster].nunique())
    if n_agg != n_panel:
        raise OptionError(f"the aggregation has {n_agg} clusters but column {cluster!r} of panel "
                          f"has {n_panel}; pass the frame and cluster column it was fitted on")
    fit_options = {"control_group": options["control_group"], "method": options["method"],
                   "covariates": options["covariates"], "anticipation": options["anticipation"],
                   "base_period": options["base_period"], "weights": options["weights"],
                   "never_treated_value": never_treated_value}
    effects = cluster_effects(panel, outcome, unit, time, cohort, cluster, **fit_options)
    if dose_label is None:
        dose_label = (str(dose.attrs.get("title", "dose")) if isinstance(dose, pd.DataFrame)
                      else "dose")

    refits: dict[Any, GroupTimeRefit] = {}  # each cluster's design, kept across outcomes

    def estimator(frame: pd.DataFrame) -> NDArray[np.float64]:
        again: ClusterEffects = cluster_effects(frame, outcome, unit, time, cohort, cluster,
                                                clusters=effects.clusters, refits=refits,
                                                **fit_options)
        if again.clusters != effects.clusters:
            raise EstimationError("re-estimating changed which clusters have a change: "
                                  f"{list(again.excluded)}")
        return np.asarray(again.estimates, dtype=float)

    res = dose_slope(
        panel, estimator, effects.clusters, dose, outcome=outcome, unit=unit, time=time,
        cohort=cohort, cluster=cluster, weights=options["weights"],
        never_treated_value=never_treated_value, slope_from=slope_from, method=method,
        draws=draws, rng=rng, level=level, wild_weights=wild_weights,
        linear_in_outcome=not options["covariates"], estimates=effects.estimates,
        dose_label=dose_label)
    points = tuple(dataclasses.replace(pt, first_period=float(f), last_period=float(la))
                   for pt, f, la in zip(res.points, effects.first_period, effects.last_period,
                                        strict=True))
    excluded = MappingProxyType({str(c): why for c, why in effects.excluded.items()})
    return dataclasses.replace(res, points=points, excluded=excluded)
