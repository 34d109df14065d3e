"""Apply a chosen inference method to a set of DiD aggregations (the CLI's ``--inference``).

:func:`inference_json` returns, for each aggregation and each element of its ``by`` list,
``ci_low``, ``ci_high`` and ``p``, plus an ``inference`` record (method, weights, draws, seed,
number of clusters). :func:`merge_inference` adds them to the ``eah-eval did --json`` object.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from eah_eval.did.bootstrap import cluster_sums
from eah_eval.errors import OptionError, check_option
from eah_eval.inference.randomization import randomization_inference_many
from eah_eval.inference.restricted import wild_restricted
from eah_eval.inference.wild import WILD_WEIGHTS, wild_aggregate

InferenceMethod = Literal["analytic", "multiplier", "wild", "wcr", "cr2", "randomization"]
INFERENCE_METHODS: tuple[str, ...] = ("analytic", "multiplier", "wild", "wcr", "cr2",
                                      "randomization")
BOOTSTRAP_WEIGHTS: tuple[str, ...] = WILD_WEIGHTS

__all__ = ["INFERENCE_METHODS", "inference_json", "merge_inference"]


def _num(v: Any) -> float | None:
    x = float(v)
    return x if math.isfinite(x) else None


def _normal(est: np.ndarray, se: np.ndarray, level: float
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    z = float(stats.norm.ppf(0.5 + level / 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = 2 * stats.norm.sf(np.abs(est / se))
    return est - z * se, est + z * se, p


def _rows_and_overall(agg: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    """Estimates and analytic SEs: rows of ``by`` then overall (simple: overall only)."""
    simple = getattr(agg, "kind", "") == "simple"
    if simple:
        return (np.array([agg.overall_att]), np.array([agg.analytic_overall_se]), True)
    est = np.r_[np.asarray(agg.estimates, dtype=float), agg.overall_att]
    se = np.r_[np.asarray(agg.analytic_std_errors, dtype=float), agg.analytic_overall_se]
    return est, se, False


def _rows_and_overall_terms(agg: Any) -> np.ndarray:
    """Cluster terms (cluster sums of influence functions / n), ordered as the estimates."""
    overall = np.asarray(agg.overall_influence, dtype=float)[:, None]
    if getattr(agg, "kind", "") == "simple":
        psi = overall
    else:
        psi = np.column_stack([np.asarray(agg.influence, dtype=float), overall])
    return np.asarray(cluster_sums(np.nan_to_num(psi), agg.cluster_codes) / psi.shape[0])


def _entry(lo: np.ndarray, hi: np.ndarray, p: np.ndarray, simple: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"ci_low": _num(lo[-1]), "ci_high": _num(hi[-1]), "p": _num(p[-1])}
    if not simple:
        entry["by"] = [{"ci_low": _num(a), "ci_high": _num(b), "p": _num(c)}
                       for a, b, c in zip(lo[:-1], hi[:-1], p[:-1], strict=True)]
    return entry


def inference_json(
    aggregations: Mapping[str, Any],
    *,
    method: InferenceMethod = "analytic",
    weights: str = "webb",
    draws: int = 9999,
    seed: int | None = None,
    level: float = 0.95,
    data: pd.DataFrame | None = None,
    reestimate: Callable[[pd.DataFrame], Mapping[str, Any]] | None = None,
    columns: Mapping[str, str] | None = None,
    never_treated_value: float = 0,
) -> dict[str, Any]:
    """Confidence intervals and p-values for each aggregation under one inference method.

    Parameters
    ----------
    aggregations : mapping of str to AggregateResult
        Aggregations keyed by kind (``simple``, ``event``, ``group``, ``calendar``), all from
        the same group-time result (so they share units and clusters).
    method : {"analytic", "multiplier", "wild", "wcr", "cr2", "randomization"}
        ``analytic``: influence-function (clustered) SE, normal interval. ``multiplier``:
        multiplier-bootstrap SE (cluster level), normal interval. ``wild``: wild cluster score
        bootstrap (unrestricted, percentile-t). ``wcr``: restricted wild cluster bootstrap
        (constant effect imposed, interval by test inversion; the few-cluster default of
        :data:`eah_eval.inference.DEFAULT_FEW_CLUSTER_INFERENCE`); needs ``data``,
        ``reestimate`` and ``columns`` with ``unit`` (and ``weights`` if used), no covariates;
        pre-treatment event-time rows get null values. ``randomization``: randomisation
        inference over rollout order (needs ``data``, ``reestimate`` and ``columns``).
        ``cr2`` needs a linear model design and is not available for group-time aggregations
        (raises; use :func:`eah_eval.inference.cr2_twfe` with a two-way fixed-effects fit).
    weights : {"rademacher", "mammen", "webb"}, default "webb"
        Bootstrap weight distribution (multiplier, wild and wcr).
    draws : int, default 9999
        Bootstrap draws, or randomisation draws when the assignments are too many to enumerate.
    seed : int, optional
        Seed (recorded; a fresh one is drawn and recorded when None).
    level : float, default 0.95
        Interval level.
    data : pandas.DataFrame, optional
        The panel (randomisation only).
    reestimate : callable, optional
        ``reestimate(frame) -> {kind: AggregateResult}`` (randomisation only).
    columns : mapping, optional
        ``{"outcome", "time", "cohort", "cluster"}`` column names (randomisation; ``wcr`` also
        needs ``unit`` and takes ``weights``).
    never_treated_value : float, default 0
        Cohort code of never-treated units (randomisation only).

    Returns
    -------
    dict
        ``{"aggregations": {kind: {"ci_low", "ci_high", "p", "by": [{"ci_low", "ci_high",
        "p"}, ...]}}, "inference": {"method", "weights", "draws", "seed", "n_clusters", ...}}``;
        ``by`` follows the rows of each aggregation's table; NaN becomes None.

    Raises
    ------
    OptionError
        For an unknown method or weight type, ``cr2`` on aggregations, or missing randomisation
        inputs.
    """
    check_option("method", method, INFERENCE_METHODS)
    check_option("weights", weights, BOOTSTRAP_WEIGHTS)
    if not 0 < level < 1:
        raise OptionError(f"level must lie strictly between 0 and 1; got {level}")
    if not aggregations:
        raise OptionError("aggregations must not be empty")
    if method == "cr2":
        raise OptionError(
            "inference 'cr2' needs a linear model design and is not available for group-time "
            "aggregations; use 'wild' or 'randomization' (or eah_eval.inference.cr2_twfe on a "
            "two-way fixed-effects fit)"
        )
    first = next(iter(aggregations.values()))
    codes = first.cluster_codes
    n_clusters = int(first.influence.shape[0]) if codes is None else int(np.max(codes)) + 1
    out: dict[str, Any] = {"aggregations": {}}
    info: dict[str, Any] = {"method": method, "weights": None, "draws": None, "seed": None,
                            "n_clusters": n_clusters, "level": level}
    if seed is None and method in ("multiplier", "wild", "wcr", "randomization"):
        seed = int(np.random.SeedSequence().entropy % 2**31)  # type: ignore[operator]
    if method == "analytic":
        info["note"] = "influence-function standard errors, clustered; normal intervals"
        for kind, agg in aggregations.items():
            est, se, simple = _rows_and_overall(agg)
            out["aggregations"][kind] = _entry(*_normal(est, se, level), simple)
    elif method == "multiplier":
        info.update(weights=weights, draws=int(draws), seed=seed,
                    note="multiplier bootstrap standard errors (cluster level); normal "
                         "intervals")
        for kind, agg in aggregations.items():
            b = agg.with_bootstrap(int(draws), weight_type=weights, rng=seed)
            simple = getattr(agg, "kind", "") == "simple"
            est = np.array([b.overall_att]) if simple else np.r_[b.estimates, b.overall_att]
            se = np.array([b.overall_se]) if simple else np.r_[b.std_errors, b.overall_se]
            out["aggregations"][kind] = _entry(*_normal(est, se, level), simple)
    elif method == "wild":
        enumerated = False
        used = int(draws)
        for kind, agg in aggregations.items():
            r = wild_aggregate(agg, weight_type=weights, draws=int(draws), rng=seed, level=level)
            simple = getattr(agg, "kind", "") == "simple"
            out["aggregations"][kind] = _entry(r.ci_low, r.ci_high, r.pvalues, simple)
            enumerated, used = r.enumerated, r.draws
        info.update(weights=weights, draws=used, seed=None if enumerated else seed,
                    enumerated=enumerated,
                    note="wild cluster score bootstrap of the influence function "
                         "(unrestricted), percentile-t intervals")
    elif method == "wcr":
        if data is None or reestimate is None or columns is None:
            raise OptionError("inference 'wcr' needs data, reestimate and columns (outcome, "
                              "unit, time, cohort, cluster)")
        missing = {"outcome", "unit", "time", "cohort", "cluster"} - set(columns)
        if missing:
            raise OptionError(f"columns is missing {sorted(missing)}")
        kinds = list(aggregations)
        shapes = {k: _rows_and_overall(aggregations[k]) for k in kinds}

        def vector_terms(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
            res = reestimate(frame)
            est = np.concatenate([_rows_and_overall(res[k])[0] for k in kinds])
            terms = np.column_stack([_rows_and_overall_terms(res[k]) for k in kinds])
            return est, terms

        r = wild_restricted(data, vector_terms, outcome=columns["outcome"], unit=columns["unit"],
                            time=columns["time"], cohort=columns["cohort"],
                            cluster=columns["cluster"], weights=columns.get("weights"),
                            never_treated_value=never_treated_value,
                            weight_type=weights,  # type: ignore[arg-type]
                            draws=int(draws), rng=seed, level=level)
        pos = 0
        for k in kinds:
            m = shapes[k][0].shape[0]
            sl = slice(pos, pos + m)
            out["aggregations"][k] = _entry(r.ci_low[sl], r.ci_high[sl], r.pvalues[sl],
                                            shapes[k][2])
            pos += m
        info.update(weights=weights, draws=r.draws, seed=None if r.enumerated else seed,
                    enumerated=r.enumerated, n_clusters=r.n_clusters,
                    note="restricted wild cluster bootstrap (constant effect imposed through a "
                         "unit + period fit), studentised, intervals by test inversion; "
                         "pre-treatment rows are not tested")
    else:
        if data is None or reestimate is None or columns is None:
            raise OptionError(
                "inference 'randomization' needs data, reestimate and columns "
                "(outcome, time, cohort, cluster)"
            )
        missing = {"outcome", "time", "cohort", "cluster"} - set(columns)
        if missing:
            raise OptionError(f"columns is missing {sorted(missing)}")
        kinds = list(aggregations)
        shapes = {k: _rows_and_overall(aggregations[k]) for k in kinds}

        def vector(frame: pd.DataFrame) -> np.ndarray:
            res = reestimate(frame)
            return np.concatenate([_rows_and_overall(res[k])[0] for k in kinds])

        tab = randomization_inference_many(
            data, vector, outcome=columns["outcome"], time=columns["time"],
            cohort=columns["cohort"], cluster=columns["cluster"],
            never_treated_value=never_treated_value, level=level, draws=int(draws), rng=seed,
        )
        pos = 0
        for k in kinds:
            m = shapes[k][0].shape[0]
            sl = slice(pos, pos + m)
            out["aggregations"][k] = _entry(tab.ci_low[sl], tab.ci_high[sl], tab.pvalues[sl],
                                            shapes[k][2])
            pos += m
        info.update(draws=tab.n_assignments, seed=tab.seed, exact=tab.exact,
                    total_assignments=tab.total_assignments, n_clusters=tab.n_clusters,
                    note=tab.assumption)
    out["inference"] = info
    return out


def merge_inference(did_object: dict[str, Any], inference: dict[str, Any]) -> dict[str, Any]:
    """Add ``ci_low``, ``ci_high``, ``p`` and the ``inference`` record to a did JSON object.

    Parameters
    ----------
    did_object : dict
        Output of ``eah_eval.cli.did.did_json`` (``aggregations`` with ``att``, ``se``, ``by``).
    inference : dict
        Output of :func:`inference_json` for the same aggregations.

    Returns
    -------
    dict
        A new object (the inputs are not modified).
    """
    merged = {**did_object, "aggregations": {}}
    for kind, entry in did_object.get("aggregations", {}).items():
        add = inference["aggregations"].get(kind, {})
        new = {**entry, **{k: v for k, v in add.items() if k != "by"}}
        if "by" in entry:
            extra = add.get("by", [{}] * len(entry["by"]))
            if len(extra) != len(entry["by"]):
                raise OptionError(f"aggregation {kind!r}: {len(entry['by'])} rows in the did "
                                  f"object but {len(extra)} in the inference object")
            new["by"] = [{**a, **b} for a, b in zip(entry["by"], extra, strict=True)]
        merged["aggregations"][kind] = new
    merged["inference"] = inference["inference"]
    return merged
