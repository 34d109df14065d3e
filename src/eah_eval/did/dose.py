"""Each cluster's own change, and the least-squares line of those changes on a dose.

A dose-response question ("did the clusters that received more expert days change more?")
needs one change per cluster. :func:`cluster_effects` estimates it with the group-time
estimator of the headline (:func:`eah_eval.did.att_gt`): for cluster ``c`` that went live in
period ``g``, the other clusters of its wave are left out, so the cluster alone is cohort
``g``, and

    ATT_c = mean over t >= g of ATT_c(g, t)

where ``ATT_c(g, t)`` compares the cluster's schools with the comparison units (never treated,
or not yet treated at ``t``) between the base period and ``t`` (the ``"group"`` aggregation of
that fit). Cells without comparison units are left out, so a wave that went live after every
other cluster had started has no change to show (listed in ``excluded`` with the reason).

:func:`dose_line` is the second stage: the ordinary least-squares line of the changes on the
clusters' doses, across all clusters or within waves (clusters that went live together). Its
slope is a fixed linear combination of the changes, ``slope = w'ATT``, so everything the
inference needs (the slope, its residuals) stays linear in the outcome.

References
----------
Callaway, B., Goodman-Bacon, A. and Sant'Anna, P. H. C. (2024). Difference-in-differences with
a continuous treatment. NBER Working Paper 32117.
Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
periods. *Journal of Econometrics* 225(2), 200-230.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from eah_eval.did.aggregate import aggregate
from eah_eval.did.attgt import GroupTimeRefit
from eah_eval.errors import EahEvalError, EstimationError, OptionError

__all__ = [
    "MIN_DOSE_CLUSTERS",
    "SLOPE_FROM",
    "ClusterEffects",
    "DoseLine",
    "SlopeFrom",
    "cluster_effects",
    "dose_line",
]

SlopeFrom = Literal["within_wave", "all_clusters"]
SLOPE_FROM: tuple[str, ...] = ("within_wave", "all_clusters")
"""Where the slope's dose variation comes from: between clusters of the same wave, or all."""

MIN_DOSE_CLUSTERS = 3
"""Fewest clusters with an estimated change (and a dose) a slope is fitted through."""

NO_COMPARISON = ("no comparison units in any period after go-live (every other cluster had "
                 "started), so the cluster has no change to show")


def _frozen(values: ArrayLike, dtype: Any = float) -> NDArray[Any]:
    out = np.array(values, dtype=dtype)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class ClusterEffects:
    """The change in each cluster that started, each against the same comparison.

    Attributes
    ----------
    clusters : tuple
        Cluster labels with an estimated change, sorted.
    cohorts : numpy.ndarray
        First treated period of each.
    estimates : numpy.ndarray
        ``ATT_c``: the mean of the cluster's post-go-live group-time effects.
    first_period, last_period : numpy.ndarray
        First and last period of the cells behind each estimate.
    n_units : numpy.ndarray
        Units (schools) of the cluster in the data.
    excluded : mapping
        Clusters that started but have no estimate, with the reason.
    options : mapping
        The :func:`~eah_eval.did.att_gt` options used.
    """

    clusters: tuple[Any, ...]
    cohorts: NDArray[np.float64]
    estimates: NDArray[np.float64]
    first_period: NDArray[np.float64]
    last_period: NDArray[np.float64]
    n_units: NDArray[np.int64]
    excluded: Mapping[Any, str] = field(default_factory=lambda: MappingProxyType({}))
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def to_frame(self) -> pd.DataFrame:
        """Return one row per cluster with an estimate.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``cluster``; columns ``cohort``, ``estimate``, ``first_period``,
            ``last_period``, ``n_units``.
        """
        return pd.DataFrame(
            {"cohort": self.cohorts, "estimate": self.estimates,
             "first_period": self.first_period, "last_period": self.last_period,
             "n_units": self.n_units},
            index=pd.Index(list(self.clusters), name="cluster", dtype=object))

    def __str__(self) -> str:
        out = self.to_frame().to_string(float_format=lambda v: f"{v:.6g}")
        for c, why in self.excluded.items():
            out += f"\n{c}: not estimated: {why}"
        return out


def cluster_effects(
    data: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    cluster: str,
    *,
    control_group: Literal["never_treated", "not_yet_treated"] = "never_treated",
    method: Literal["dr", "ipw", "reg"] = "dr",
    covariates: Sequence[str] | None = None,
    anticipation: int = 0,
    base_period: Literal["varying", "universal"] = "varying",
    weights: str | None = None,
    never_treated_value: float = 0,
    clusters: Sequence[Any] | None = None,
    refits: MutableMapping[Any, GroupTimeRefit] | None = None,
) -> ClusterEffects:
    """Estimate each treated cluster's own change with the group-time estimator.

    Parameters
    ----------
    data : pandas.DataFrame
        Long panel, as for :func:`eah_eval.did.att_gt`; the cohort must be constant within a
        cluster (clusters go live as a whole).
    outcome, unit, time, cohort, cluster : str
        Column names.
    control_group, method, covariates, anticipation, base_period, weights, \
never_treated_value
        As for :func:`eah_eval.did.att_gt` (use the headline's).
    clusters : sequence, optional
        Estimate these treated clusters only (default: every cluster with a cohort other than
        ``never_treated_value``).
    refits : mutable mapping, optional
        The caller's store of each cluster's :class:`eah_eval.did.attgt.GroupTimeRefit`, kept
        across calls on panels that differ only in the outcome (re-estimation for inference),
        so that each cluster's design is built once. The estimates are the same without it.

    Returns
    -------
    ClusterEffects
        Estimates for the clusters with one; the others in ``excluded`` with the reason.

    Raises
    ------
    OptionError
        For a missing column or a requested cluster that is not treated in ``data``.
    EstimationError
        If the cohort varies within a cluster.

    Notes
    -----
    For cluster ``c`` of cohort ``g`` the estimator is fitted on ``data`` without the other
    clusters of cohort ``g``, with the options given, and ``ATT_c`` is the ``"group"``
    aggregation's row for ``g``: the mean of ``ATT_c(g, t)`` over the post-go-live periods
    with a comparison. Without covariates each ``ATT_c`` is linear in the outcome. No
    standard error is given: one cluster's own shocks cannot be told apart from its effect.
    Warnings of the fits (cells without comparison units) are not repeated; the periods used
    are in ``first_period`` and ``last_period``.
    """
    for col in (outcome, unit, time, cohort, cluster) + ((weights,) if weights else ()):
        if col not in data.columns:
            raise OptionError(f"column {col!r} not found; columns are {list(data.columns)}")
    per_cluster = data.groupby(cluster, sort=True)[cohort].nunique(dropna=False)
    if (per_cluster > 1).any():
        bad = per_cluster.index[per_cluster.to_numpy() > 1][0]
        raise EstimationError(f"cohort {cohort!r} varies within cluster {bad!r}; cluster "
                              "effects need each cluster to go live as a whole")
    cohort_of = data.groupby(cluster, sort=True)[cohort].first().astype(float)
    treated = cohort_of[(cohort_of != float(never_treated_value)) & np.isfinite(cohort_of)]
    wanted = list(treated.index) if clusters is None else list(clusters)
    missing = [c for c in wanted if c not in treated.index]
    if missing:
        raise OptionError(f"clusters {missing} are not treated clusters of column {cluster!r}; "
                          f"treated clusters are {list(treated.index)}")
    options: dict[str, Any] = {
        "control_group": control_group, "method": method,
        "covariates": list(covariates) if covariates else None, "anticipation": anticipation,
        "base_period": base_period, "weights": weights,
        "never_treated_value": never_treated_value}
    coh = data[cohort].to_numpy(dtype=float)
    lab = data[cluster].to_numpy()
    units = data.groupby(cluster, sort=True)[unit].nunique()
    keep: list[tuple[Any, float, float, float, float, int]] = []
    excluded: dict[Any, str] = {}
    store: MutableMapping[Any, GroupTimeRefit] = {} if refits is None else refits
    for c in sorted(wanted, key=lambda v: list(treated.index).index(v)):
        g = float(treated[c])
        sub = data.loc[~((coh == g) & (lab != c))]
        if c not in store:
            store[c] = GroupTimeRefit(outcome, unit, time, cohort, cluster=cluster, **options)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                gt = store[c](sub)
                grp = aggregate(gt, "group")
        except EahEvalError as exc:
            excluded[c] = str(exc)
            continue
        rows = [float(v) for v in grp.table.index]
        if g not in rows or not math.isfinite(float(grp.table.estimates[rows.index(g)])):
            excluded[c] = NO_COMPARISON
            continue
        cells = (gt.groups == g) & gt.post & np.isfinite(np.asarray(gt.table.estimates))
        times = np.asarray(gt.times, dtype=float)[cells]
        keep.append((c, g, float(grp.table.estimates[rows.index(g)]), float(times.min()),
                     float(times.max()), int(units[c])))
    return ClusterEffects(
        clusters=tuple(k[0] for k in keep), cohorts=_frozen([k[1] for k in keep]),
        estimates=_frozen([k[2] for k in keep]), first_period=_frozen([k[3] for k in keep]),
        last_period=_frozen([k[4] for k in keep]),
        n_units=_frozen([k[5] for k in keep], dtype=np.int64),
        excluded=MappingProxyType(excluded), options=MappingProxyType(options))


@dataclass(frozen=True)
class DoseLine:
    """The least-squares line of changes on doses, as fixed linear maps of the changes.

    Attributes
    ----------
    dose : numpy.ndarray
        Dose of each cluster (the points' x).
    waves : numpy.ndarray or None
        Wave (cohort) of each cluster when the slope comes from within waves.
    weights : numpy.ndarray
        ``w`` with ``slope = w'ATT``: ``(d_c - dbar) / sum (d - dbar)^2``, ``dbar`` the mean
        dose of all clusters or of the cluster's wave.
    slope_from : {"within_wave", "all_clusters"}
        Where the dose variation comes from.
    """

    dose: NDArray[np.float64]
    waves: NDArray[np.float64] | None
    weights: NDArray[np.float64]
    slope_from: str

    @cached_property
    def _resid(self) -> NDArray[np.float64]:
        # residual maker of the line: I - P, P projecting on the wave means and the dose
        k = self.dose.size
        groups = np.zeros(k) if self.waves is None else self.waves
        means = (groups[:, None] == groups[None, :]).astype(float)
        means /= means.sum(axis=1, keepdims=True)
        dc = self.dose - means @ self.dose
        out = np.eye(k) - means - np.outer(dc, self.weights)
        out.setflags(write=False)
        return out

    @property
    def n_contributing(self) -> int:
        """Clusters whose change moves the slope (non-zero weight)."""
        return int(np.sum(np.abs(self.weights) > 0))

    def slope(self, effects: ArrayLike) -> NDArray[np.float64]:
        """Slope of the changes on dose (one per column of ``effects``)."""
        return np.asarray(self.weights @ np.asarray(effects, dtype=float), dtype=float)

    def residuals(self, effects: ArrayLike) -> NDArray[np.float64]:
        """Each point's distance from the line, ``ATT_c - fitted_c`` (same shape)."""
        return np.asarray(self._resid @ np.asarray(effects, dtype=float), dtype=float)

    def fitted(self, effects: ArrayLike) -> NDArray[np.float64]:
        """Return the line at each cluster's dose (its wave's line when fitted within waves)."""
        e = np.asarray(effects, dtype=float)
        return e - self.residuals(e)


def dose_line(dose: ArrayLike, *, waves: ArrayLike | None = None,
              labels: Sequence[Any] | None = None) -> DoseLine:
    """Build the least-squares line of per-cluster changes on their dose.

    Parameters
    ----------
    dose : array_like
        Dose of each cluster with an estimated change.
    waves : array_like, optional
        Wave (first treated period) of each: the slope then uses the dose differences
        between clusters of the same wave only (a separate intercept per wave).
    labels : sequence, optional
        Cluster labels, for messages.

    Returns
    -------
    DoseLine

    Raises
    ------
    EstimationError
        With fewer than :data:`MIN_DOSE_CLUSTERS` clusters that can move the slope (within
        waves: clusters in waves of two or more), or no variation in dose among them.
    OptionError
        If a dose is missing or not finite, or ``waves`` does not match ``dose``.

    Notes
    -----
    ``slope = sum_c (d_c - dbar_c) ATT_c / sum_c (d_c - dbar_c)^2`` with ``dbar_c`` the mean
    dose of all clusters (``waves`` None) or of cluster ``c``'s wave.
    """
    d = np.asarray(dose, dtype=float).reshape(-1)
    names = list(labels) if labels is not None else list(range(d.size))
    bad = [names[i] for i in np.flatnonzero(~np.isfinite(d))]
    if bad:
        raise OptionError(f"dose must be a finite number for every cluster with an estimated "
                          f"change; missing or not finite for {bad}")
    wv = None if waves is None else np.asarray(waves, dtype=float).reshape(-1)
    if wv is not None and wv.shape != d.shape:
        raise OptionError(f"waves must give one wave per dose ({d.size}); got {wv.size}")
    if wv is None:
        usable = d.size
        where = ""
    else:
        sizes = {w: int(np.sum(wv == w)) for w in np.unique(wv)}
        usable = sum(n for n in sizes.values() if n >= 2)
        where = " in waves of two or more (the slope is fitted within waves)"
    if usable < MIN_DOSE_CLUSTERS:
        raise EstimationError(
            f"a dose-response slope needs at least {MIN_DOSE_CLUSTERS} clusters with an "
            f"estimated change{where}; got {usable}")
    groups = np.zeros(d.size) if wv is None else wv
    dc = d - np.array([d[groups == v].mean() for v in groups])
    ss = float(dc @ dc)
    if not ss > 1e-12 * max(1.0, float(np.max(np.abs(d)))) ** 2 * d.size:
        within = "" if wv is None else " within any wave"
        raise EstimationError(
            f"no variation in dose{within} among the {d.size} clusters with an estimated "
            f"change (doses {', '.join(f'{v:g}' for v in d)}); a slope cannot be estimated")
    return DoseLine(_frozen(d), None if wv is None else _frozen(wv), _frozen(dc / ss),
                    "all_clusters" if wv is None else "within_wave")
