"""One door to inference for Callaway-Sant'Anna aggregations: :func:`infer`.

Every element of an aggregation (event time, cohort or period) and its overall effect gets an
interval and a p-value under the method asked for, one of
:data:`eah_eval.inference.methods.INFERENCE_METHODS`. Where that method cannot apply to a row
the row gets a named fallback, and the table says which and why:

* ``wcr`` (the few-cluster default) and ``randomization`` impose or invert a constant effect on
  treated rows. A pre-treatment (placebo) row does not move with that effect, so it cannot be
  tested this way; it falls back. So does every row when the estimator is not linear in the
  outcome (covariates), when the rollout cannot be permuted (a cohort that varies within a
  cluster), or when too few assignments exist to reach the level.
* The fallback is ``small_sample_t`` by default (clustered standard error times
  ``sqrt(G/(G-1))``, ``t(G-1)`` reference: the closest to nominal of the methods without
  resampling in the coverage study), or ``analytic``.
* ``cr2`` needs a regression design, which a group-time aggregation does not have: asking for it
  is an error (use :func:`eah_eval.inference.few_cluster_inference` on an imputation fit).

Several aggregations of one fit share the re-estimations the restricted bootstrap and
randomisation inference need: :func:`infer_many`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from eah_eval.did.aggregate import AggregateResult
from eah_eval.errors import EstimationError, OptionError, OptionTypeError, check_option
from eah_eval.inference.analytic import normal_interval, small_sample_t_interval
from eah_eval.inference.budget import check_draw_budget, check_seed
from eah_eval.inference.cs_refit import (
    Refit,
    aggregation_rows,
    att_gt_options,
    cs_refit,
    stacked_estimator,
)
from eah_eval.inference.methods import (
    DEFAULT_INFERENCE,
    FALLBACK_METHODS,
    WILD_WEIGHTS,
    FallbackMethod,
    InferenceMethod,
    WildWeights,
    check_method,
    describe_method,
)
from eah_eval.inference.randomization import randomization_inference_many
from eah_eval.inference.restricted import wild_restricted
from eah_eval.inference.wild import wild_aggregate

__all__ = ["InferenceRow", "InferenceTable", "infer", "infer_many", "recorded_seed"]

_RANDOM_METHODS = ("multiplier", "wild", "wcr", "randomization")
_INDEX_NAMES = {"simple": "aggregation", "event": "event_time", "group": "group",
                "calendar": "time"}

PRE_TREATMENT_REASON = (
    "pre-treatment (placebo) row: a constant effect on treated rows does not move it, so the "
    "null cannot be imposed or inverted"
)
CR2_UNAVAILABLE = (
    "inference 'cr2' needs a linear model design (a regression working model, as with the "
    "imputation estimator) and is not available for group-time aggregations; use 'wcr', "
    "'wild' or 'randomization' (or eah_eval.inference.cr2_twfe on a two-way fixed-effects fit)"
)


def _frozen(values: Any) -> NDArray[np.float64]:
    out = np.array(values, dtype=float)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class InferenceRow:
    """One row of an :class:`InferenceTable`.

    Attributes
    ----------
    label : object
        Event time, cohort or period; ``"overall"`` for the overall effect.
    estimate, ci_low, ci_high, p_value : float
        Point estimate, interval and p-value (of ``effect = null``).
    method : str
        Method actually used for the row.
    fallback_reason : str
        Why the requested method was not used (empty when it was).
    """

    label: Any
    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    method: str
    fallback_reason: str


@dataclass(frozen=True)
class InferenceTable:
    """Intervals and p-values for every row of an aggregation and its overall effect.

    Attributes
    ----------
    kind : str
        Aggregation kind (``simple``, ``event``, ``group``, ``calendar``).
    labels : tuple
        Row labels, the overall effect last (``"overall"``).
    index_name : str
        Name of the labels (``event_time``, ``group``, ``time`` or ``aggregation``).
    estimates, ci_low, ci_high, pvalues : numpy.ndarray
        Per row; intervals are pointwise.
    methods : tuple of str
        Method used for each row.
    fallback_reasons : tuple of str
        Why a row did not get the requested method (empty strings otherwise).
    level : float
        Confidence level.
    null : float
        Hypothesised effect of the p-values.
    record : mapping
        ``method`` (requested), ``kind``, ``weights``, ``draws``, ``requested_draws``,
        ``enumerated``, ``seed``, ``n_clusters``, ``level``, ``null``, ``fallback``,
        ``fallback_rows``, ``note`` (:func:`eah_eval.inference.describe_method`), and for
        randomisation ``exact``, ``total_assignments`` and ``assumption``.
    """

    kind: str
    labels: tuple[Any, ...]
    index_name: str
    estimates: NDArray[np.float64]
    ci_low: NDArray[np.float64]
    ci_high: NDArray[np.float64]
    pvalues: NDArray[np.float64]
    methods: tuple[str, ...]
    fallback_reasons: tuple[str, ...]
    level: float
    null: float
    record: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def to_frame(self) -> pd.DataFrame:
        """Return one row per element and the overall row.

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate``, ``ci_low``, ``ci_high``, ``p_value``, ``method``,
            ``fallback_reason``; indexed by the labels.
        """
        return pd.DataFrame(
            {"estimate": self.estimates, "ci_low": self.ci_low, "ci_high": self.ci_high,
             "p_value": self.pvalues, "method": list(self.methods),
             "fallback_reason": list(self.fallback_reasons)},
            index=pd.Index(list(self.labels), name=self.index_name, dtype=object),
        )

    def row(self, position: int) -> InferenceRow:
        """Return one row by position (``-1`` is the overall effect).

        Parameters
        ----------
        position : int
            Row position.

        Returns
        -------
        InferenceRow
        """
        i = range(len(self.labels))[position]
        return InferenceRow(self.labels[i], float(self.estimates[i]), float(self.ci_low[i]),
                            float(self.ci_high[i]), float(self.pvalues[i]), self.methods[i],
                            self.fallback_reasons[i])

    @property
    def overall(self) -> InferenceRow:
        """The overall effect's row."""
        return self.row(-1)

    def info(self) -> dict[str, Any]:
        """Return the record as a plain dict (for JSON and reports)."""
        return dict(self.record)

    def caption(self) -> str:
        """Return the plain-words description of how the intervals were obtained."""
        return describe_method(self.record)

    def summary(self) -> str:
        """Return the caption and the table as plain text."""
        return (f"{self.caption()}\n"
                f"{self.to_frame().to_string(float_format=lambda v: f'{v:.6g}')}")

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return (f"<p>{self.caption()}</p>"
                + self.to_frame().to_html(float_format=lambda v: f"{v:.6g}"))


def recorded_seed(rng: int | np.random.Generator | None) -> int:
    """Return one integer seed to use and record: given, drawn from a generator, or fresh.

    Parameters
    ----------
    rng : int, numpy.random.Generator or None
        A seed is used as given; a generator draws one integer seed (advancing it); None draws
        fresh entropy.

    Returns
    -------
    int
        The seed, so that a run can be repeated bit for bit from its record.

    Raises
    ------
    OptionTypeError
        If ``rng`` is of another type.
    """
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, 2**31 - 1))
    if rng is None:
        return int(np.random.SeedSequence().entropy % 2**31)  # type: ignore[operator]
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
        return check_seed(rng)
    raise OptionTypeError(
        f"rng must be an int seed, a numpy.random.Generator or None; got {type(rng).__name__}"
    )


@dataclass
class _Rows:
    """Mutable per-aggregation working arrays (frozen into an InferenceTable at the end)."""

    agg: AggregateResult
    est: NDArray[np.float64]
    se: NDArray[np.float64]
    labels: tuple[Any, ...]
    lo: NDArray[np.float64]
    hi: NDArray[np.float64]
    p: NDArray[np.float64]
    reasons: list[str]

    def set(self, lo: Any, hi: Any, p: Any) -> None:
        self.lo, self.hi, self.p = (np.asarray(lo, dtype=float), np.asarray(hi, dtype=float),
                                    np.asarray(p, dtype=float))

    def fall_back(self, which: NDArray[np.bool_], reason: str) -> None:
        for i in np.flatnonzero(which):
            if math.isfinite(self.est[i]) and not self.reasons[i]:
                self.reasons[i] = reason


def _needs_panel(method: str, panel: pd.DataFrame | None, columns: list[str | None]
                 ) -> pd.DataFrame:
    if panel is None:
        raise OptionError(f"method {method!r} needs panel (the frame the aggregation was "
                          "fitted on)")
    for col in columns:
        if col is not None and col not in panel.columns:
            raise OptionError(f"column {col!r} not found in panel; columns are "
                              f"{list(panel.columns)}")
    return panel


def _check_reproduces(rows: Mapping[str, _Rows], estimates: NDArray[np.float64]) -> None:
    want = np.concatenate([r.est for r in rows.values()])
    scale = max(1.0, float(np.nanmax(np.abs(want))) if np.isfinite(want).any() else 1.0)
    if want.shape != estimates.shape or not np.allclose(
            estimates, want, rtol=1e-7, atol=1e-9 * scale, equal_nan=True):
        raise OptionError(
            "re-estimating on panel does not reproduce the aggregation's estimates; pass the "
            "frame and column names (outcome, unit, time, cohort, cluster, weights) it was "
            "fitted on"
        )


def _split(rows: Mapping[str, _Rows], values: NDArray[np.float64]
           ) -> dict[str, NDArray[np.float64]]:
    out, pos = {}, 0
    for name, r in rows.items():
        m = r.est.shape[0]
        out[name] = values[pos: pos + m]
        pos += m
    return out


def infer_many(
    aggregations: Mapping[str, AggregateResult],
    panel: pd.DataFrame | None = None,
    *,
    method: InferenceMethod = DEFAULT_INFERENCE,
    outcome: str = "y",
    unit: str = "unit",
    time: str = "period_index",
    cohort: str = "first_treated",
    cluster: str = "cluster",
    weights: str | None = None,
    never_treated_value: float = 0,
    draws: int = 9999,
    rng: int | np.random.Generator | None = None,
    level: float = 0.95,
    null: float = 0.0,
    wild_weights: WildWeights = "rademacher",
    fallback: FallbackMethod = "small_sample_t",
    refit: Refit | None = None,
) -> dict[str, InferenceTable]:
    """Apply one inference method to several aggregations of the same group-time fit.

    Same as :func:`infer`, but the ``2G + 1`` re-estimations of the restricted bootstrap (or the
    re-estimations per assignment of randomisation inference) are shared by all aggregations,
    and all of them use the same draws. Each table equals what :func:`infer` gives for that
    aggregation alone with the same seed.

    Parameters
    ----------
    aggregations : mapping of str to AggregateResult
        Aggregations of one :func:`eah_eval.did.att_gt` fit, keyed by any name (for example
        ``{"simple": ..., "event": ..., "group": ...}``).
    panel : pandas.DataFrame, optional
        The frame they were fitted on (``wcr`` and ``randomization``).
    method, outcome, unit, time, cohort, cluster, weights, never_treated_value, draws, rng, \
level, null, wild_weights, fallback
        As in :func:`infer`.
    refit : callable, optional
        ``refit(frame) -> {name: AggregateResult}`` re-estimating the aggregations (same keys)
        on a changed frame. Default: ``att_gt`` and ``aggregate`` with the options recorded in
        the aggregations' metadata.

    Returns
    -------
    dict of str to InferenceTable
        One table per aggregation, same keys.

    Raises
    ------
    OptionError
        As :func:`infer`; also if the aggregations come from fits with different options or
        clusters.
    """
    chosen = check_method(method)
    check_option("wild_weights", wild_weights, WILD_WEIGHTS)
    check_option("fallback", fallback, FALLBACK_METHODS)
    level = float(level)
    if not 0 < level < 1:
        raise OptionError(f"level must lie strictly between 0 and 1; got {level}")
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or draws < 1:
        raise OptionError(f"draws must be a positive integer; got {draws!r}")
    if not aggregations:
        raise OptionError("aggregations must not be empty")
    for name, agg in aggregations.items():
        if not isinstance(agg, AggregateResult):
            raise OptionTypeError(
                f"aggregation {name!r} must be an AggregateResult from "
                f"eah_eval.did.aggregate; got {type(agg).__name__}"
            )
    if chosen == "cr2":
        raise OptionError(CR2_UNAVAILABLE)
    first = next(iter(aggregations.values()))
    codes = first.cluster_codes
    for name, agg in aggregations.items():
        same = (codes is None and agg.cluster_codes is None) or (
            codes is not None and agg.cluster_codes is not None
            and np.array_equal(codes, agg.cluster_codes))
        if not same:
            raise OptionError(f"aggregation {name!r} has other units or clusters than the "
                              "first; pass aggregations of one group-time fit")
    n_clusters = int(first.influence.shape[0]) if codes is None else int(np.max(codes)) + 1
    rows: dict[str, _Rows] = {}
    for name, agg in aggregations.items():
        est, se, labels = aggregation_rows(agg)
        nan = np.full(est.shape, np.nan)
        rows[name] = _Rows(agg, est, se, labels, nan, nan.copy(), nan.copy(), [""] * len(est))
    if chosen in _RANDOM_METHODS:
        check_draw_budget(int(draws), n_clusters + sum(len(r.est) for r in rows.values()))
    seed = recorded_seed(rng) if chosen in _RANDOM_METHODS else None
    record: dict[str, Any] = {"method": chosen, "weights": None, "draws": None,
                              "requested_draws": None, "enumerated": None, "seed": None,
                              "n_clusters": n_clusters, "level": level, "null": float(null),
                              "fallback": fallback}

    if chosen == "analytic":
        for r in rows.values():
            r.set(*normal_interval(r.est, r.se, level, null))
    elif chosen == "small_sample_t":
        record["df"] = n_clusters - 1
        for r in rows.values():
            r.set(*small_sample_t_interval(r.est, r.se, n_clusters, level, null))
    elif chosen == "multiplier":
        record.update(weights=wild_weights, draws=int(draws), requested_draws=int(draws),
                      enumerated=False, seed=seed)
        for r in rows.values():
            b = r.agg.with_bootstrap(int(draws), weight_type=wild_weights, rng=seed, level=level)
            se_b = (np.array([b.overall_se]) if b.kind == "simple"
                    else np.r_[np.asarray(b.std_errors, dtype=float), b.overall_se])
            r.set(*normal_interval(r.est, se_b, level, null))
    elif chosen == "wild":
        for r in rows.values():
            w = wild_aggregate(r.agg, weight_type=wild_weights, draws=int(draws), rng=seed,
                               level=level, null=null)
            r.set(w.ci_low, w.ci_high, w.pvalues)
            record.update(weights=w.weight_type, draws=w.draws, requested_draws=w.requested_draws,
                          enumerated=w.enumerated, seed=w.seed)
    else:
        _resampling(chosen, rows, panel, record, outcome=outcome, unit=unit, time=time,
                    cohort=cohort, cluster=cluster if codes is not None else unit,
                    clustered=codes is not None, weights=weights,
                    never_treated_value=never_treated_value, draws=int(draws), seed=seed,
                    level=level, null=null, wild_weights=wild_weights, refit=refit)

    out: dict[str, InferenceTable] = {}
    for name, r in rows.items():
        fell = np.array([bool(x) for x in r.reasons], dtype=bool)
        if fell.any():
            if fallback == "small_sample_t":
                lo, hi, p = small_sample_t_interval(r.est, r.se, n_clusters, level, null)
            else:
                lo, hi, p = normal_interval(r.est, r.se, level, null)
            r.lo, r.hi, r.p = (np.where(fell, lo, r.lo), np.where(fell, hi, r.hi),
                               np.where(fell, p, r.p))
        methods = tuple(fallback if f else chosen for f in fell)
        rec = dict(record, kind=r.agg.kind, fallback_rows=int(fell.sum()))
        rec["note"] = describe_method(rec)
        out[name] = InferenceTable(
            kind=r.agg.kind, labels=r.labels,
            index_name=_INDEX_NAMES.get(r.agg.kind, "row"),
            estimates=_frozen(r.est), ci_low=_frozen(r.lo), ci_high=_frozen(r.hi),
            pvalues=_frozen(r.p), methods=methods, fallback_reasons=tuple(r.reasons),
            level=level, null=float(null), record=MappingProxyType(rec),
        )
    return out


def _resampling(chosen: str, rows: dict[str, _Rows], panel: pd.DataFrame | None,
                record: dict[str, Any], *, outcome: str, unit: str, time: str, cohort: str,
                cluster: str, clustered: bool, weights: str | None, never_treated_value: float,
                draws: int, seed: int | None, level: float, null: float,
                wild_weights: str, refit: Refit | None) -> None:
    """Fill ``rows`` under ``wcr`` or ``randomization`` (re-estimating on changed frames)."""
    aggs = {name: r.agg for name, r in rows.items()}
    options = att_gt_options(next(iter(aggs.values())))
    if weights is not None and weights != options["weights"]:
        raise OptionError(
            f"weights={weights!r} but the aggregation was fitted with sampling weights "
            f"{options['weights']!r}; leave weights=None to use the recorded column"
        )
    wcol = options["weights"]
    needs_unit = chosen == "wcr" or refit is None
    data = _needs_panel(chosen, panel, [outcome, unit if needs_unit else None, time, cohort,
                                        cluster, wcol])
    y = data[outcome].to_numpy(dtype=float)
    if not np.isfinite(y).all():  # att_gt leaves such rows out; so must the restricted fit
        data = data.loc[np.isfinite(y)]
    n_panel = int(data[cluster].nunique())
    if n_panel != record["n_clusters"]:
        raise OptionError(
            f"the aggregation has {record['n_clusters']} clusters but column {cluster!r} of "
            f"panel has {n_panel}; pass the frame and cluster column it was fitted on"
        )
    if refit is None:
        refit = cs_refit(aggs, outcome=outcome, unit=unit, time=time, cohort=cohort,
                         cluster=cluster if clustered else None,
                         never_treated_value=never_treated_value)
    estimator = stacked_estimator(refit, {name: r.est.shape[0] for name, r in rows.items()})
    every = {name: np.ones(r.est.shape[0], dtype=bool) for name, r in rows.items()}
    if chosen == "wcr":
        record.update(weights=wild_weights, requested_draws=draws)
        if options["covariates"]:
            for name, r in rows.items():
                r.fall_back(every[name], (
                    "the restricted wild bootstrap needs an estimator linear in the outcome "
                    f"without covariates; this fit adjusts for {options['covariates']}"))
            return
        try:
            res = wild_restricted(
                data, estimator, outcome=outcome, unit=unit, time=time, cohort=cohort,
                cluster=cluster, weights=wcol, never_treated_value=never_treated_value,
                null=null, weight_type=wild_weights,  # type: ignore[arg-type]
                draws=draws, rng=seed, level=level)
        except EstimationError as exc:
            for name, r in rows.items():
                r.fall_back(every[name], f"the restricted wild bootstrap does not apply: {exc}")
            return
        _check_reproduces(rows, res.estimates)
        record.update(draws=res.draws, enumerated=res.enumerated, seed=res.seed)
        lo, hi, p = _split(rows, res.ci_low), _split(rows, res.ci_high), _split(rows, res.pvalues)
        for name, r in rows.items():
            r.set(lo[name], hi[name], p[name])
            r.fall_back((r.se <= 0) & ~np.isfinite(r.p), "zero standard error")
            r.fall_back(~np.isfinite(r.p), PRE_TREATMENT_REASON)
        return
    # randomisation inference over rollout order
    record.update(exact=None, total_assignments=None)
    try:
        tab = randomization_inference_many(
            data, lambda f: estimator(f)[0], outcome=outcome, time=time, cohort=cohort,
            cluster=cluster, never_treated_value=never_treated_value, null=null, level=level,
            draws=draws, rng=seed)
    except EstimationError as exc:
        for name, r in rows.items():
            r.fall_back(every[name], f"randomisation inference does not apply: {exc}")
        return
    _check_reproduces(rows, tab.estimates)
    record.update(draws=tab.n_assignments, seed=tab.seed, exact=tab.exact,
                  total_assignments=tab.total_assignments, assumption=tab.assumption)
    treat = data.copy()
    tt, gg = data[time].to_numpy(dtype=float), data[cohort].to_numpy(dtype=float)
    treat[outcome] = ((gg != float(never_treated_value)) & (tt >= gg)).astype(float)
    response = _split(rows, estimator(treat)[0])
    lo, hi, p = _split(rows, tab.ci_low), _split(rows, tab.ci_high), _split(rows, tab.pvalues)
    too_few = 1.0 / tab.n_assignments > round(1 - level, 12)
    for name, r in rows.items():
        r.set(lo[name], hi[name], p[name])
        r.fall_back(np.abs(response[name] - 1.0) > 1e-7, PRE_TREATMENT_REASON)
        if too_few:
            r.fall_back(every[name], (
                f"only {tab.n_assignments} assignments of clusters to waves: the smallest "
                f"attainable p-value, 1/{tab.n_assignments}, exceeds {round(1 - level, 12):g}, "
                "so no interval at this level is bounded"))


def infer(
    agg: AggregateResult,
    panel: pd.DataFrame | None = None,
    *,
    method: InferenceMethod = DEFAULT_INFERENCE,
    outcome: str = "y",
    unit: str = "unit",
    time: str = "period_index",
    cohort: str = "first_treated",
    cluster: str = "cluster",
    weights: str | None = None,
    never_treated_value: float = 0,
    draws: int = 9999,
    rng: int | np.random.Generator | None = None,
    level: float = 0.95,
    null: float = 0.0,
    wild_weights: WildWeights = "rademacher",
    fallback: FallbackMethod = "small_sample_t",
) -> InferenceTable:
    """Intervals and p-values for every row of an aggregation under one inference method.

    Parameters
    ----------
    agg : AggregateResult
        ``aggregate(att_gt(...), kind)`` for any kind (``simple``, ``event``, ``group``,
        ``calendar``).
    panel : pandas.DataFrame, optional
        The frame ``att_gt`` was fitted on; needed by ``wcr`` and ``randomization``, which
        re-estimate with the options recorded in ``agg.metadata`` (checked: the re-estimate on
        ``panel`` must reproduce ``agg``).
    method : {"wcr", "wild", "multiplier", "cr2", "randomization", "analytic", \
"small_sample_t"}, default "wcr"
        :data:`eah_eval.inference.DEFAULT_INFERENCE` is the restricted wild cluster bootstrap
        (null imposed, interval by test inversion). ``wild``: unrestricted wild score bootstrap
        of the influence function, percentile-t. ``multiplier``: multiplier-bootstrap standard
        error, normal interval. ``randomization``: randomisation inference over rollout order.
        ``analytic``: clustered standard error, normal interval. ``small_sample_t``: that
        standard error times ``sqrt(G/(G-1))`` with a ``t(G-1)`` reference. ``cr2`` raises
        (no regression design).
    outcome, unit, time, cohort, cluster : str
        Column names in ``panel`` (defaults: the report panels' ``y``, ``unit``,
        ``period_index``, ``first_treated``, ``cluster``). Without clustering in ``agg`` the
        units are the clusters and ``cluster`` is not used.
    weights : str, optional
        Sampling-weight column; default the one recorded in ``agg.metadata``.
    never_treated_value : float, default 0
        Cohort code of never-treated units.
    draws : int, default 9999
        Bootstrap draws (Rademacher weights enumerate all ``2^G`` sign patterns when
        ``2^G <= draws``), or randomisation assignments sampled when there are more than
        10,000.
    rng : int, numpy.random.Generator or None
        Seed. A generator is used to draw one integer seed and None draws fresh entropy; the
        seed used is recorded (``None`` when the draws were enumerated).
    level : float, default 0.95
        Confidence level (pointwise intervals).
    null : float, default 0
        Hypothesised effect of the p-values.
    wild_weights : {"rademacher", "mammen", "webb"}, default "rademacher"
        Weights of the wild and multiplier bootstraps.
    fallback : {"small_sample_t", "analytic"}, default "small_sample_t"
        Method for rows the requested one cannot handle (named in the ``method`` column, with
        the reason in ``fallback_reason``).

    Returns
    -------
    InferenceTable
        One row per element of ``agg`` and the overall row; ``to_frame()``, ``overall``,
        ``record``.

    Raises
    ------
    OptionError
        For an unknown method, weight type, fallback or level; ``cr2``; ``wcr`` or
        ``randomization`` without ``panel`` or with a panel that does not reproduce ``agg``.
    OptionTypeError
        If ``agg`` is not an aggregation result or ``rng`` has the wrong type.

    Notes
    -----
    Under ``wcr`` the null ``tau_it = tau0`` on every treated row is imposed through a unit +
    period fit of ``Y - tau0 D`` on all rows; cluster residuals are sign-flipped, the estimator
    is studentised with its own clustered standard error on each bootstrap sample, and the
    interval is ``{tau0 : p(tau0) >= 1 - level}`` (see
    :func:`eah_eval.inference.wild_restricted`). The estimator is re-run ``2G + 1`` times,
    never once per draw.

    References
    ----------
    Cameron, A. C., Gelbach, J. B. and Miller, D. L. (2008). Bootstrap-based improvements for
    inference with clustered errors. *Review of Economics and Statistics* 90(3), 414-427.
    Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
    periods. *Journal of Econometrics* 225(2), 200-230.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> panel = pd.DataFrame([(u, u // 5, t, [0, 3, 5][(u // 5) % 3]) for u in range(40)
    ...                       for t in range(1, 7)],
    ...                      columns=["unit", "cluster", "period_index", "first_treated"])
    >>> treated = (panel.first_treated > 0) & (panel.period_index >= panel.first_treated)
    >>> panel["y"] = rng.normal(size=len(panel)) + 1.0 * treated
    >>> from eah_eval.did import aggregate, att_gt
    >>> gt = att_gt(panel, "y", "unit", "period_index", "first_treated", cluster="cluster",
    ...             control_group="not_yet_treated")
    >>> tab = infer(aggregate(gt, "event"), panel, rng=20261130)
    >>> round(float(tab.to_frame().loc["overall", "estimate"]), 2)
    0.94
    >>> tab.caption()[:40]
    'restricted wild cluster bootstrap (null '
    """
    if not isinstance(agg, AggregateResult):
        raise OptionTypeError(
            f"agg must be an AggregateResult from eah_eval.did.aggregate; got "
            f"{type(agg).__name__}"
        )
    return infer_many(
        {agg.kind: agg}, panel, method=method, outcome=outcome, unit=unit, time=time,
        cohort=cohort, cluster=cluster, weights=weights,
        never_treated_value=never_treated_value, draws=draws, rng=rng, level=level, null=null,
        wild_weights=wild_weights, fallback=fallback,
    )[agg.kind]
