"""Re-estimating Callaway-Sant'Anna aggregations on a changed outcome or rollout.

The restricted wild bootstrap calls an estimator on ``2G + 1`` outcome vectors, and
randomisation inference on every reassignment of clusters to waves. Both need the aggregations
re-estimated exactly as they were fitted; this module rebuilds that re-estimation from the
options an :class:`eah_eval.did.aggregate.AggregateResult` records in its metadata, and stacks
the rows of several aggregations (each's rows, then its overall effect) into one vector so that
they share the re-estimations.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from eah_eval.did.aggregate import AggregateResult, aggregate
from eah_eval.did.attgt import GroupTimeRefit
from eah_eval.did.bootstrap import cluster_sums
from eah_eval.errors import EstimationError, OptionError

__all__ = [
    "Refit",
    "aggregation_cluster_terms",
    "aggregation_rows",
    "att_gt_options",
    "cells_read",
    "cs_refit",
    "stacked_estimator",
]

Refit = Callable[[pd.DataFrame], Mapping[str, AggregateResult]]
"""``refit(frame) -> {name: AggregateResult}``: the aggregations re-estimated on ``frame``."""

_ATT_GT_KEYS = ("control_group", "method", "base_period", "anticipation", "covariates",
                "weights")
_AGGREGATE_KEYS = ("min_e", "max_e", "balance_e")


def aggregation_rows(agg: AggregateResult) -> tuple[NDArray[np.float64], NDArray[np.float64],
                                                    tuple[Any, ...]]:
    """Return estimates, analytic standard errors and labels: rows, then the overall effect.

    Parameters
    ----------
    agg : AggregateResult
        An aggregation of :func:`eah_eval.did.att_gt`.

    Returns
    -------
    estimates, std_errors : numpy.ndarray
        Rows of ``agg.table`` then the overall effect (``"simple"``: the overall effect only).
        Standard errors are the influence-function (clustered) ones, also after a multiplier
        bootstrap.
    labels : tuple
        Row labels (event time, cohort or period), then ``"overall"``.
    """
    if agg.kind == "simple":
        return (np.array([agg.overall_att]), np.array([agg.analytic_overall_se]),
                ("overall",))
    est = np.r_[np.asarray(agg.estimates, dtype=float), agg.overall_att]
    se = np.r_[np.asarray(agg.analytic_std_errors, dtype=float), agg.analytic_overall_se]
    labels = (*agg.table.index.tolist(), "overall")
    return est, se, labels


def aggregation_cluster_terms(agg: AggregateResult) -> NDArray[np.float64]:
    """Return the cluster terms of the variance, ordered as :func:`aggregation_rows`.

    Parameters
    ----------
    agg : AggregateResult
        An aggregation.

    Returns
    -------
    numpy.ndarray
        Shape ``(G, m)``: cluster sums of the influence functions divided by the number of
        units, so that ``sqrt(sum_g terms^2)`` is the analytic standard error.
    """
    overall = np.asarray(agg.overall_influence, dtype=float)[:, None]
    if agg.kind == "simple":
        psi = overall
    else:
        psi = np.column_stack([np.asarray(agg.influence, dtype=float), overall])
    return np.asarray(cluster_sums(np.nan_to_num(psi), agg.cluster_codes) / psi.shape[0])


def att_gt_options(agg: AggregateResult) -> dict[str, Any]:
    """Return the :func:`eah_eval.did.att_gt` options recorded in an aggregation's metadata.

    Parameters
    ----------
    agg : AggregateResult
        An aggregation.

    Returns
    -------
    dict
        ``control_group``, ``method``, ``base_period``, ``anticipation``, ``covariates`` (None
        without), ``weights`` (the sampling-weight column, None without) and ``event_window``
        (None when every cell was estimated).

    Raises
    ------
    OptionError
        If the metadata lack one of them (not an aggregation of ``att_gt``).
    """
    meta = agg.metadata
    missing = [k for k in _ATT_GT_KEYS if k not in meta]
    if missing:
        raise OptionError(
            f"the aggregation's metadata lack {missing}: pass an aggregation of "
            "eah_eval.did.att_gt (aggregate(att_gt(...), kind))"
        )
    covariates = meta["covariates"]
    weights = meta["weights"]
    return {
        "control_group": meta["control_group"], "method": meta["method"],
        "base_period": meta["base_period"], "anticipation": int(meta["anticipation"]),
        "covariates": None if covariates in (None, "none") else list(covariates),
        "weights": None if weights in (None, "none") else str(weights),
        "event_window": (None if meta.get("event_window") is None
                         else tuple(float(v) for v in meta["event_window"])),
    }


def cells_read(kinds: Mapping[str, tuple[str, Mapping[str, Any]]],
               recorded: tuple[float, float] | None) -> tuple[float, float] | None:
    """Return the event times whose cells some aggregation reads (``None``: all of them).

    ``"simple"``, ``"group"`` and ``"calendar"`` read the cells from go-live on (up to
    ``max_e``), ``"event"`` those from ``min_e`` to ``max_e``; the window is the smallest
    interval holding them all, within the fit's own ``recorded`` window.
    """
    lo, hi = math.inf, -math.inf
    for kind, extra in kinds.values():
        top = math.inf if extra.get("max_e") is None else float(extra["max_e"])
        bottom = 0.0
        if kind == "event":
            bottom = -math.inf if extra.get("min_e") is None else float(extra["min_e"])
        lo, hi = min(lo, bottom), max(hi, top)
    if recorded is not None:
        lo, hi = max(lo, recorded[0]), min(hi, recorded[1])
    return None if (lo, hi) == (-math.inf, math.inf) else (lo, hi)


def cs_refit(aggregations: Mapping[str, AggregateResult], *, outcome: str, unit: str,
             time: str, cohort: str, cluster: str | None,
             never_treated_value: float = 0) -> Refit:
    """Build the re-estimation of aggregations of one ``att_gt`` fit from their metadata.

    Parameters
    ----------
    aggregations : mapping of str to AggregateResult
        Aggregations of the same group-time fit, keyed by any name.
    outcome, unit, time, cohort : str
        Column names of the panel they were fitted on.
    cluster : str or None
        Cluster column (None: the fit was not clustered).
    never_treated_value : float, default 0
        Cohort code of never-treated units.

    Returns
    -------
    callable
        ``refit(frame) -> {name: AggregateResult}``: ``att_gt`` once with the recorded options
        (through :class:`eah_eval.did.attgt.GroupTimeRefit`, so frames that differ only in the
        outcome share the design), then each aggregation with its recorded kind and ``min_e``,
        ``max_e``, ``balance_e``.
        Warnings of the re-estimations are silenced (the original fit raised them).

    Raises
    ------
    OptionError
        If the aggregations were fitted with different ``att_gt`` options.
    """
    items = list(aggregations.items())
    if not items:
        raise OptionError("aggregations must not be empty")
    options = att_gt_options(items[0][1])
    for name, agg in items[1:]:
        if att_gt_options(agg) != options:
            raise OptionError(
                f"aggregation {name!r} was fitted with other att_gt options than "
                f"{items[0][0]!r}; pass aggregations of one group-time fit"
            )
    kinds = {name: (agg.kind, {k: agg.metadata[k] for k in _AGGREGATE_KEYS
                               if k in agg.metadata}) for name, agg in items}
    # only the cells the aggregations read are re-estimated (each cell, and so each
    # aggregation, is as in a full fit); re-estimations on the same panel with another
    # outcome share the design
    options["event_window"] = cells_read(kinds, options["event_window"])
    fit = GroupTimeRefit(outcome, unit, time, cohort, cluster=cluster,
                         never_treated_value=never_treated_value, **options)

    def refit(frame: pd.DataFrame) -> dict[str, AggregateResult]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gt = fit(frame)
            return {name: aggregate(gt, kind, **extra)  # type: ignore[arg-type]
                    for name, (kind, extra) in kinds.items()}

    return refit


def stacked_estimator(refit: Refit, shapes: Mapping[str, int]
                      ) -> Callable[[pd.DataFrame], tuple[NDArray[np.float64],
                                                          NDArray[np.float64]]]:
    """Stack the rows of re-estimated aggregations into one estimator.

    Parameters
    ----------
    refit : callable
        ``refit(frame) -> {name: AggregateResult}``.
    shapes : mapping of str to int
        Number of rows (as :func:`aggregation_rows`) expected from each aggregation, in the
        stacking order.

    Returns
    -------
    callable
        ``estimator(frame) -> (estimates, terms)``, estimates of length ``m = sum(shapes)`` and
        cluster terms of shape ``(G, m)``, for
        :func:`eah_eval.inference.restricted.wild_restricted` and (estimates only)
        :func:`eah_eval.inference.randomization.randomization_inference_many`.

    Raises
    ------
    EstimationError
        From the estimator, when a re-estimation has other rows than expected.
    """

    def estimator(frame: pd.DataFrame) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        res = refit(frame)
        ests, terms = [], []
        for name, m in shapes.items():
            est = aggregation_rows(res[name])[0]
            if est.shape[0] != m:
                raise EstimationError(
                    f"re-estimating aggregation {name!r} gave {est.shape[0]} rows instead of "
                    f"{m}; the changed outcome or rollout changed which cells are estimable"
                )
            ests.append(est)
            terms.append(aggregation_cluster_terms(res[name]))
        return np.concatenate(ests), np.column_stack(terms)

    return estimator
