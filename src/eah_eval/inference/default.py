"""The package's default inference for few clusters, chosen by the coverage study.

:data:`DEFAULT_FEW_CLUSTER_INFERENCE` (the same as :data:`eah_eval.inference.DEFAULT_INFERENCE`)
names the method and :data:`DEFAULT_FEW_CLUSTER_ESTIMATOR` the estimator it goes with;
:func:`few_cluster_inference` applies a method to the overall effect of a fitted result and
returns the estimate, interval, p-value and a record of how they were obtained. For a
Callaway-Sant'Anna aggregation it is :func:`eah_eval.inference.infer` (one path), without the
fallbacks.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from eah_eval.did.table_delegation import FrameDisplay
from eah_eval.errors import EstimationError, EstimationWarning, OptionError, check_option
from eah_eval.inference.analytic import normal_interval, small_sample_t_interval
from eah_eval.inference.cr2 import cr2_imputation
from eah_eval.inference.dispatch import infer
from eah_eval.inference.methods import (
    DEFAULT_INFERENCE,
    WILD_WEIGHTS,
    InferenceMethod,
    WildWeights,
    check_method,
    describe_method,
)
from eah_eval.inference.restricted import wild_imputation_restricted
from eah_eval.inference.wild import wild_imputation

__all__ = [
    "DEFAULT_FEW_CLUSTER_ESTIMATOR",
    "DEFAULT_FEW_CLUSTER_INFERENCE",
    "IMPUTATION_METHODS",
    "FewClusterInference",
    "few_cluster_inference",
]

IMPUTATION_METHODS: tuple[str, ...] = ("wcr", "cr2", "small_sample_t", "analytic", "wild")
"""Methods :func:`few_cluster_inference` applies to an imputation fit (a Callaway-Sant'Anna
simple aggregation takes those of :func:`eah_eval.inference.infer`, which has no ``cr2``)."""

DEFAULT_FEW_CLUSTER_INFERENCE: InferenceMethod = DEFAULT_INFERENCE
"""Default inference with few (8-12) clusters: the restricted wild cluster bootstrap.

The same constant as :data:`eah_eval.inference.DEFAULT_INFERENCE` (this name is kept for the
reports that import it).

Null imposed (a constant effect, through a unit + period fit of ``Y - tau0 D``), Rademacher
weights (all ``2^G`` sign patterns enumerated when ``2^G <= draws``), studentised with the
estimator's own standard error, interval by test inversion
(:func:`eah_eval.inference.wild_imputation_restricted`, :func:`eah_eval.inference.wild_restricted`).

Chosen by the coverage study in ``docs/inference.md`` (``benchmarks/coverage_study.py``: 400
synthetic councils per cell at 8, 10 and 12 clusters, effects varying by wave and event time,
cluster and cluster x term shocks, Monte Carlo SE about 1.1 points). Coverage of 95% intervals
for the average effect on the treated, no effect / effect 0.5:

* imputation + WCR (Rademacher): 94.5 / 94.2 (8 clusters), 94.5 / 95.2 (10), 93.8 / 95.5 (12);
  rejection of a true null 5.5, 5.5, 6.2%;
* Callaway-Sant'Anna simple ATT, not-yet-treated comparison, + WCR: 96.2 / 94.8, 94.0 / 96.8,
  95.5 / 95.2; rejection 3.8, 6.0, 4.5%;

while the same estimators' analytic and wild score-bootstrap intervals covered 78-91%
(the multiplier bootstrap under-covered likewise in the earlier constant-effect study).
CR2 + Satterthwaite on the imputation estimator and randomisation inference also stayed in the
band; WCR was preferred because it needs neither a random rollout order nor a second working
model, and costs a few estimator calls at most. Not studied: the never-treated comparison
group and estimators with covariates (WCR refuses covariates).
"""

DEFAULT_FEW_CLUSTER_ESTIMATOR: str = "imputation"
"""Estimator the default few-cluster inference goes with.

Borusyak-Jaravel-Spiess imputation (:func:`eah_eval.did.imputation`, no covariates): with the
default WCR it had the same coverage as the Callaway-Sant'Anna simple ATT (not-yet-treated
comparison) and more power in the coverage study (power against no effect at effect 0.5:
23-31% versus 18-25% at 8-12 clusters). The CS simple ATT with a not-yet-treated comparison and
WCR is an equally valid choice (also within 93-97%); :func:`few_cluster_inference` accepts both.
"""


@dataclass(frozen=True)
class FewClusterInference(FrameDisplay):
    """Estimate, interval and p-value under one few-cluster inference method.

    Attributes
    ----------
    estimate : float
        Point estimate (overall effect).
    ci_low, ci_high : float
        Confidence interval (``-inf``/``inf`` when a test-inversion set is unbounded).
    pvalue : float
        Two-sided p-value of ``effect = null``.
    level : float
        Confidence level.
    null : float
        Hypothesised effect of the p-value.
    record : mapping
        ``method``, ``estimator``, ``weights``, ``draws``, ``enumerated``, ``seed``,
        ``n_clusters``, ``level``, ``df`` (t reference, when one is used) and ``note``.
    """

    estimate: float
    ci_low: float
    ci_high: float
    pvalue: float
    level: float
    null: float
    record: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def info(self) -> dict[str, Any]:
        """Return the record as a plain dict (for JSON and reports)."""
        return dict(self.record)

    def summary(self) -> str:
        """Return a two-line plain-text summary."""
        r = self.record
        return (
            f"{r.get('estimator', '')}: estimate {self.estimate:.6g}, "
            f"{100 * self.level:g}% interval [{self.ci_low:.6g}, {self.ci_high:.6g}], "
            f"p = {self.pvalue:.4f} (effect = {self.null:g})\n{r.get('note', '')}"
        )

    def __str__(self) -> str:
        return self.summary()


def _is_imputation(result: Any) -> bool:
    return hasattr(result, "estimate_from") and hasattr(result, "weights")


def few_cluster_inference(
    result: Any,
    data: pd.DataFrame | None = None,
    *,
    outcome: str | None = None,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    cluster: str | None = None,
    method: InferenceMethod | None = None,
    weight_type: WildWeights = "rademacher",
    draws: int = 9999,
    rng: int | np.random.Generator | None = None,
    level: float = 0.95,
    null: float = 0.0,
) -> FewClusterInference:
    """Apply few-cluster inference to an imputation fit or a CS simple aggregation.

    With the defaults this is the inference chosen by the coverage study
    (:data:`eah_eval.inference.DEFAULT_INFERENCE` on :data:`DEFAULT_FEW_CLUSTER_ESTIMATOR`).
    A Callaway-Sant'Anna simple aggregation goes through :func:`eah_eval.inference.infer`;
    unlike ``infer`` this function never falls back: if the method cannot be applied to the
    overall effect it raises.

    Parameters
    ----------
    result : ImputationResult or AggregateResult
        :func:`eah_eval.did.imputation` fit (the default estimator), or
        ``aggregate(att_gt(...), "simple")`` (Callaway-Sant'Anna simple ATT).
    data : pandas.DataFrame, optional
        The frame the result was fitted on (needed by ``wcr``, ``cr2`` and ``randomization``).
    outcome, unit, time : str, optional
        Column names used in the fit (``wcr``, ``cr2``, ``randomization``).
    cohort, cluster : str, optional
        Also needed for ``wcr`` and ``randomization`` on a CS aggregation (they re-run
        ``att_gt`` with the options recorded in the result's metadata).
    method : str, optional
        One of :data:`eah_eval.inference.INFERENCE_METHODS`; default
        :data:`eah_eval.inference.DEFAULT_INFERENCE` (``wcr``: restricted wild cluster
        bootstrap, interval by test inversion). An imputation fit takes
        :data:`IMPUTATION_METHODS` (``cr2``: CR2 standard error of ``w'y`` with a
        Satterthwaite ``t``; ``wild``: unrestricted score bootstrap); a CS simple aggregation
        every method but ``cr2``. ``small_sample_t``: the estimator's clustered standard error
        times ``sqrt(G/(G-1))`` with a ``t(G-1)`` reference. ``analytic``: the estimator's
        standard error with a normal reference (for comparison; under-covers with few
        clusters).
    weight_type : {"rademacher", "mammen", "webb"}, default "rademacher"
        Bootstrap weights (``wcr``, ``wild``, ``multiplier``).
    draws : int, default 9999
        Bootstrap draws (all ``2^G`` Rademacher patterns when ``2^G <= draws``).
    rng : int, numpy.random.Generator or None
        Seed (recorded).
    level : float, default 0.95
        Confidence level.
    null : float, default 0
        Hypothesised effect of the p-value.

    Returns
    -------
    FewClusterInference
        Estimate, interval, p-value and the record (method, estimator, weights, draws, seed,
        number of clusters, and ``note``: :func:`eah_eval.inference.describe_method`).

    Warns
    -----
    EstimationWarning
        For a CS aggregation with a never-treated comparison (not covered by the study).

    Raises
    ------
    OptionError
        For an unknown method, a method the result does not take, a result of another kind, a
        CS aggregation that is not ``"simple"``, or missing ``data`` / column names.
    EstimationError
        When the method cannot be applied (for example ``wcr`` with covariates).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> panel = pd.DataFrame([(u, u // 5, t, [0, 3, 5][(u // 5) % 3]) for u in range(40)
    ...                       for t in range(1, 7)],
    ...                      columns=["unit", "cluster", "period", "first_treated"])
    >>> treated = (panel.first_treated > 0) & (panel.period >= panel.first_treated)
    >>> panel["y"] = rng.normal(size=len(panel)) + 1.0 * treated
    >>> from eah_eval.did import imputation
    >>> fit = imputation(panel, "y", "unit", "period", "first_treated", cluster="cluster")
    >>> res = few_cluster_inference(fit, panel, outcome="y", unit="unit", time="period",
    ...                             rng=20261130)
    >>> round(res.ci_low, 2), round(res.ci_high, 2), res.pvalue, res.info()["enumerated"]
    (0.37, 1.56, 0.0234375, True)
    """
    chosen = check_method(DEFAULT_INFERENCE if method is None else method)
    check_option("weight_type", weight_type, WILD_WEIGHTS)
    if not 0 < float(level) < 1:
        raise OptionError(f"level must lie strictly between 0 and 1; got {level}")
    level = float(level)
    imp = _is_imputation(result)
    if not imp and getattr(result, "kind", None) != "simple":
        raise OptionError(
            "few_cluster_inference takes an imputation result or a 'simple' CS aggregation; "
            f"got {type(result).__name__} (kind {getattr(result, 'kind', None)!r})"
        )
    if imp and chosen not in IMPUTATION_METHODS:
        raise OptionError(
            f"method for an imputation fit must be one of "
            f"{', '.join(map(repr, IMPUTATION_METHODS))}; got {chosen!r}"
        )
    need: dict[str, Any] = {}
    if chosen in ("wcr", "cr2", "randomization") and (imp or chosen != "cr2"):
        need = {"data": data, "outcome": outcome, "unit": unit, "time": time}
        if not imp:
            need.update(cohort=cohort, cluster=cluster)
    missing = [k for k, v in need.items() if v is None]
    if missing:
        raise OptionError(f"method {chosen!r} needs {', '.join(missing)}")
    if imp:
        return _imputation(result, data, chosen, outcome=outcome, unit=unit, time=time,
                           weight_type=weight_type, draws=draws, rng=rng, level=level,
                           null=null)
    return _cs_simple(result, data, chosen, outcome=outcome, unit=unit, time=time,
                      cohort=cohort, cluster=cluster, weight_type=weight_type, draws=draws,
                      rng=rng, level=level, null=null)


def _cs_simple(result: Any, data: pd.DataFrame | None, chosen: InferenceMethod, *,
               outcome: str | None, unit: str | None, time: str | None, cohort: str | None,
               cluster: str | None, weight_type: WildWeights, draws: int,
               rng: int | np.random.Generator | None, level: float, null: float
               ) -> FewClusterInference:
    if result.metadata.get("control_group") != "not_yet_treated":
        warnings.warn(
            "the coverage study that chose the few-cluster default used the not-yet-treated "
            "comparison for the Callaway-Sant'Anna estimator; with a never-treated "
            "comparison only the never-treated clusters serve as controls and coverage was "
            "not checked",
            EstimationWarning,
            stacklevel=3,
        )
    # the column names matter only to the methods that re-estimate, which checked them
    table = infer(result, data, method=chosen, outcome=outcome or "y", unit=unit or "unit",
                  time=time or "period_index", cohort=cohort or "first_treated",
                  cluster=cluster or "cluster", draws=draws, rng=rng, level=level, null=null,
                  wild_weights=weight_type)
    row = table.overall
    if row.fallback_reason:
        raise EstimationError(
            f"method {chosen!r} could not be applied to the overall effect: "
            f"{row.fallback_reason}"
        )
    record = {k: table.record.get(k) for k in ("method", "weights", "draws", "enumerated",
                                                "seed", "n_clusters", "level", "df")}
    for k in ("exact", "total_assignments", "assumption"):
        if k in table.record:
            record[k] = table.record[k]
    record["estimator"] = (f"Callaway-Sant'Anna simple ATT "
                           f"({result.metadata.get('control_group')} comparison)")
    record["note"] = describe_method(record)
    return FewClusterInference(estimate=row.estimate, ci_low=row.ci_low, ci_high=row.ci_high,
                               pvalue=row.p_value, level=level, null=float(null),
                               record=MappingProxyType(record))


def _imputation(result: Any, data: pd.DataFrame | None, chosen: InferenceMethod, *,
                outcome: str | None, unit: str | None, time: str | None,
                weight_type: WildWeights, draws: int, rng: int | np.random.Generator | None,
                level: float, null: float) -> FewClusterInference:
    est = float(result.overall.estimates[0])
    se = float(result.overall.std_errors[0])
    n_cl = int(np.asarray(result.influence).shape[0])
    record: dict[str, Any] = {"method": chosen, "weights": None, "draws": None,
                              "enumerated": None, "seed": None, "n_clusters": n_cl,
                              "level": level, "df": None}
    if chosen == "analytic":
        lo, hi, p = (float(v) for v in normal_interval(est, se, level, null))
    elif chosen == "small_sample_t":
        lo, hi, p = (float(v) for v in small_sample_t_interval(est, se, n_cl, level, null))
        record["df"] = n_cl - 1
    elif chosen == "cr2":
        assert data is not None and outcome and unit and time
        t = cr2_imputation(result, data, outcome=outcome, unit=unit, time=time, null=null)
        lo, hi = t.conf_int(level)
        p = t.pvalue
        record["df"] = t.df
    else:
        if chosen == "wcr":
            assert data is not None and outcome and unit and time
            r = wild_imputation_restricted(result, data, outcome=outcome, unit=unit, time=time,
                                           null=null, weight_type=weight_type, draws=draws,
                                           rng=rng, level=level)
        else:
            r = wild_imputation(result, weight_type=weight_type, draws=draws, rng=rng,
                                level=level, null=null)
        lo, hi, p = float(r.ci_low[0]), float(r.ci_high[0]), float(r.pvalues[0])
        record.update(weights=r.weight_type, draws=r.draws, enumerated=r.enumerated,
                      seed=r.seed)
    record["estimator"] = "imputation (Borusyak-Jaravel-Spiess), overall effect"
    record["note"] = describe_method(record)
    return FewClusterInference(estimate=est, ci_low=float(lo), ci_high=float(hi),
                               pvalue=float(p), level=level, null=float(null),
                               record=MappingProxyType(record))
