"""Randomisation inference over the order in which clusters went live.

Design-based inference: the only randomness is *which* clusters were assigned to which rollout
wave. Keeping the number of clusters per wave fixed, every assignment of clusters to waves is
taken as equally likely (the assumption the output states). Under the sharp null of a constant
additive effect ``tau0`` the untreated outcomes are known (``Y - tau0 D``), so the estimate can be
recomputed under every assignment; the Fisher p-value is the share of assignments whose estimate
is at least as far from ``tau0`` as the observed one, and the interval collects every ``tau0``
not rejected.

When the number of distinct assignments (``G! / prod_w n_w!``) is at most ``max_exact`` all of
them are enumerated (exact p-value); otherwise ``draws`` assignments are sampled at random and
the observed assignment is counted once more (``p = (1 + #extreme) / (1 + draws)``).

References
----------
Fisher, R. A. (1935). *The Design of Experiments*. Edinburgh: Oliver and Boyd.
Imbens, G. W. and Rubin, D. B. (2015). *Causal Inference for Statistics, Social, and Biomedical
Sciences*, chapter 5. Cambridge University Press.
Roth, J. and Sant'Anna, P. H. C. (2023). Efficient estimation for staggered rollout designs.
*Journal of Political Economy Microeconomics* 1(4), 669-709.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from eah_eval.did.bootstrap import resolve_rng
from eah_eval.did.table_delegation import FrameDisplay
from eah_eval.errors import EstimationError, OptionError
from eah_eval.inference.inversion import invert_test
from eah_eval.workers import ordered_map

__all__ = [
    "ASSUMPTION",
    "RandomizationResult",
    "RandomizationTable",
    "count_assignments",
    "randomization_inference",
    "randomization_inference_many",
]

ASSUMPTION = (
    "Design-based randomisation inference: valid if the order in which clusters went live was "
    "as good as random (every assignment of clusters to waves with the observed wave sizes "
    "equally likely); the interval also assumes a constant additive effect."
)


@dataclass(frozen=True)
class RandomizationResult(FrameDisplay):
    """Fisher randomisation test and interval over rollout order.

    Attributes
    ----------
    estimate : float
        Estimate under the observed assignment.
    null : float
        Hypothesised constant effect of the p-value.
    pvalue : float
        Fisher p-value (two-sided, ``|T(a) - null| >= |T_obs - null|``).
    ci_low, ci_high : float
        Interval by inversion (``nan`` when not computed).
    level : float
        Interval level.
    n_assignments : int
        Assignments evaluated (all of them when ``exact``).
    total_assignments : int
        Number of distinct assignments of clusters to waves.
    exact : bool
        True when every assignment was enumerated.
    seed : int or str or None
        Seed recorded when sampling.
    n_clusters : int
        Number of clusters.
    assumption : str
        What the inference assumes (print it with the result).
    """

    estimate: float
    null: float
    pvalue: float
    ci_low: float
    ci_high: float
    level: float
    n_assignments: int
    total_assignments: int
    exact: bool
    seed: Any
    n_clusters: int
    assumption: str = ASSUMPTION

    def info(self) -> dict[str, Any]:
        """Return the record of the inference (method, draws, seed, clusters, exactness)."""
        return _inference_record(self)

    def summary(self) -> str:
        """Return a plain-text summary including the assumption."""
        how = (f"all {self.total_assignments} assignments enumerated" if self.exact else
               f"{self.n_assignments} of {self.total_assignments} assignments sampled "
               f"(seed {self.seed})")
        return (
            f"Randomisation inference over rollout order ({how}; {self.n_clusters} clusters)\n"
            f"estimate {self.estimate:.6g}; Fisher p-value for effect = {self.null:g}: "
            f"{self.pvalue:.4f}; {100 * self.level:.0f}% interval "
            f"[{self.ci_low:.6g}, {self.ci_high:.6g}]\n{self.assumption}"
        )

    def __str__(self) -> str:
        return self.summary()


@dataclass(frozen=True)
class RandomizationTable(FrameDisplay):
    """Randomisation tests of several estimates computed on the same assignments.

    Attributes are those of :class:`RandomizationResult`, with arrays ``estimates``,
    ``pvalues``, ``ci_low`` and ``ci_high`` (one entry per estimate).
    """

    estimates: NDArray[np.float64]
    null: float
    pvalues: NDArray[np.float64]
    ci_low: NDArray[np.float64]
    ci_high: NDArray[np.float64]
    level: float
    n_assignments: int
    total_assignments: int
    exact: bool
    seed: Any
    n_clusters: int
    assumption: str = ASSUMPTION

    def to_frame(self) -> pd.DataFrame:
        """Return one row per estimate: estimate, ci_low, ci_high, p_value."""
        return pd.DataFrame({"estimate": self.estimates, "ci_low": self.ci_low,
                             "ci_high": self.ci_high, "p_value": self.pvalues})

    def info(self) -> dict[str, Any]:
        """Return the record of the inference (method, draws, seed, clusters, exactness)."""
        return _inference_record(self)


def _inference_record(res: RandomizationResult | RandomizationTable) -> dict[str, Any]:
    """Return the ``info()`` record shared by single- and many-estimate results."""
    return {
        "method": "randomization",
        "weights": None,
        "draws": res.n_assignments,
        "total_assignments": res.total_assignments,
        "exact": res.exact,
        "seed": res.seed,
        "n_clusters": res.n_clusters,
        "level": res.level,
        "assumption": res.assumption,
    }


def count_assignments(wave_sizes: list[int]) -> int:
    """Count the distinct assignments of ``sum(wave_sizes)`` clusters to waves of these sizes.

    Parameters
    ----------
    wave_sizes : list of int
        Clusters per wave (include the never-treated group as a wave).

    Returns
    -------
    int
        The multinomial coefficient ``G! / prod(n_w!)``.
    """
    total = math.factorial(sum(wave_sizes))
    for k in wave_sizes:
        total //= math.factorial(k)
    return total


def _multiset_permutations(items: list[Any]) -> Iterator[tuple[Any, ...]]:
    """Distinct permutations of a multiset in lexicographic order (no duplicates)."""
    a = sorted(items)
    n = len(a)
    while True:
        yield tuple(a)
        i = n - 2
        while i >= 0 and a[i] >= a[i + 1]:
            i -= 1
        if i < 0:
            return
        j = n - 1
        while a[j] <= a[i]:
            j -= 1
        a[i], a[j] = a[j], a[i]
        a[i + 1:] = reversed(a[i + 1:])


def randomization_inference(
    data: pd.DataFrame,
    estimator: Callable[[pd.DataFrame], float],
    *,
    outcome: str,
    time: str,
    cohort: str,
    cluster: str,
    never_treated_value: float = 0,
    null: float = 0.0,
    level: float = 0.95,
    conf_int: bool = True,
    linear_in_outcome: bool = True,
    max_exact: int = 10_000,
    draws: int = 999,
    rng: int | np.random.Generator | None = None,
) -> RandomizationResult:
    """Fisher randomisation test and interval, permuting which clusters go live in which wave.

    Parameters
    ----------
    data : pandas.DataFrame
        Long panel with the outcome, period, cohort (first treated period) and cluster columns.
        The cohort must be constant within a cluster (waves are assigned to clusters).
    estimator : callable
        ``estimator(frame) -> float``: the estimate from a panel with the same columns (for
        example ``lambda d: aggregate(att_gt(d, ...), "simple").overall_att``).
    outcome, time, cohort, cluster : str
        Column names.
    never_treated_value : float, default 0
        Cohort code of never-treated clusters (they form one more "wave").
    null : float, default 0
        Constant effect tested by the p-value.
    level : float, default 0.95
        Interval level.
    conf_int : bool, default True
        Compute the interval by inversion.
    linear_in_outcome : bool, default True
        The estimator is linear in the outcome for a given assignment (difference-in-differences
        estimators without covariates are). Then three estimates per assignment give the
        statistic for every ``tau0`` exactly; otherwise each ``tau0`` tried re-estimates.
    max_exact : int, default 10000
        Enumerate every assignment when there are at most this many.
    draws : int, default 999
        Assignments sampled otherwise.
    rng : int, numpy.random.Generator or None
        Seed or generator for sampling (recorded).

    Returns
    -------
    RandomizationResult
        With the statement of the assumption.

    Raises
    ------
    OptionError
        For a missing column or bad level.
    EstimationError
        If the cohort varies within a cluster, fewer than two clusters, or one wave only.
    """
    tab = randomization_inference_many(
        data, estimator, outcome=outcome, time=time, cohort=cohort, cluster=cluster,
        never_treated_value=never_treated_value, null=null, level=level, conf_int=conf_int,
        linear_in_outcome=linear_in_outcome, max_exact=max_exact, draws=draws, rng=rng,
    )
    return RandomizationResult(
        estimate=float(tab.estimates[0]), null=tab.null, pvalue=float(tab.pvalues[0]),
        ci_low=float(tab.ci_low[0]), ci_high=float(tab.ci_high[0]), level=tab.level,
        n_assignments=tab.n_assignments, total_assignments=tab.total_assignments,
        exact=tab.exact, seed=tab.seed, n_clusters=tab.n_clusters,
    )


def randomization_inference_many(
    data: pd.DataFrame,
    estimator: Callable[[pd.DataFrame], Any],
    *,
    outcome: str,
    time: str,
    cohort: str,
    cluster: str,
    never_treated_value: float = 0,
    null: float = 0.0,
    level: float = 0.95,
    conf_int: bool = True,
    linear_in_outcome: bool = True,
    max_exact: int = 10_000,
    draws: int = 999,
    rng: int | np.random.Generator | None = None,
) -> RandomizationTable:
    """Fisher randomisation tests and intervals for several estimates at once (same draws).

    Parameters are those of :func:`randomization_inference`, with ``estimator(frame)``
    returning an array of ``m`` estimates; each gets its own p-value and interval.

    Returns
    -------
    RandomizationTable
        Arrays of estimates, p-values and interval ends, with the statement of the assumption.

    Raises
    ------
    OptionError
        For a missing column or bad level.
    EstimationError
        If the cohort varies within a cluster, fewer than two clusters, or one wave only.
    """
    for col in (outcome, time, cohort, cluster):
        if col not in data.columns:
            raise OptionError(f"column {col!r} not found; columns are {list(data.columns)}")
    if not 0 < float(level) < 1:
        raise OptionError(f"level must lie strictly between 0 and 1; got {level}")
    per_cluster = data.groupby(cluster, sort=True)[cohort].nunique()
    if (per_cluster > 1).any():
        bad = per_cluster.index[per_cluster.to_numpy() > 1][0]
        raise EstimationError(
            f"cohort {cohort!r} varies within cluster {bad!r}; randomisation over rollout "
            "order assigns waves to whole clusters"
        )
    wave_of = data.groupby(cluster, sort=True)[cohort].first()
    clusters = list(wave_of.index)
    observed = list(wave_of.to_numpy())
    if len(clusters) < 2 or len(set(observed)) < 2:
        raise EstimationError(
            "randomisation inference needs at least two clusters and two different waves"
        )
    sizes = list(Counter(observed).values())
    total = count_assignments(sizes)
    exact = total <= int(max_exact)
    seed: Any = None
    if exact:
        assignments = [list(a) for a in _multiset_permutations(observed)]
    else:
        gen, seed = resolve_rng(rng)
        assignments = [list(observed)]
        assignments += [list(gen.permutation(observed)) for _ in range(int(draws))]

    cl_index = pd.Index(clusters)
    row_cluster = cl_index.get_indexer(data[cluster])
    t = data[time].to_numpy(dtype=float)
    y = data[outcome].to_numpy(dtype=float)

    def treat(assign: list[Any]) -> NDArray[np.float64]:
        g = np.asarray(assign, dtype=float)[row_cluster]
        return ((g != float(never_treated_value)) & (t >= g)).astype(float)

    d_obs = treat(observed)
    frame = data.copy()
    frame.attrs = {}  # re-estimations need no metadata; pandas copies it into every read
    cohort_dtype = data[cohort].dtype

    def est(assign: list[Any] | None, yy: NDArray[np.float64]) -> NDArray[np.float64]:
        # yy None: keep the cohort already set for this assignment (saves a column write)
        if assign is not None:
            frame[cohort] = np.asarray(assign, dtype=float)[row_cluster].astype(
                cohort_dtype, copy=False)
        frame[outcome] = yy
        return np.atleast_1d(np.asarray(estimator(frame), dtype=float))

    obs_index = next(i for i, a in enumerate(assignments) if a == observed)
    if linear_in_outcome:
        # T_a(tau0) = est_a(Y) - tau0 est_a(D_obs) + tau0 est_a(D_a)
        shifted = conf_int or float(null) != 0.0

        def fits_of(a: list[Any]) -> list[NDArray[np.float64]]:
            return [est(a, y), est(None, d_obs), est(None, treat(a))] if shifted else [est(a, y)]

        # the first assignment here, so that what the estimator learns on its first call (a
        # design, a check) is shared by every process; the others spread over the cores
        rows = [fits_of(assignments[0]), *ordered_map(fits_of, assignments[1:])]
        e_y = np.vstack([r[0] for r in rows])
        extra = ([np.vstack([r[1] for r in rows]), np.vstack([r[2] for r in rows])]
                 if shifted else [])

        def stats_at(tau0: float) -> NDArray[np.float64]:
            if tau0 == 0.0:
                return np.asarray(e_y, dtype=float)
            return np.asarray(e_y - tau0 * extra[0] + tau0 * extra[1] - tau0, dtype=float)
    else:
        cache: dict[float, NDArray[np.float64]] = {}

        def stats_at(tau0: float) -> NDArray[np.float64]:
            if tau0 not in cache:
                y0 = y - tau0 * d_obs
                cache[tau0] = np.vstack(
                    [est(a, y0 + tau0 * treat(a)) for a in assignments]) - tau0
            return cache[tau0]

    def pvalue(tau0: float, j: int) -> float:
        s = np.abs(stats_at(tau0)[:, j])
        obs = s[obs_index]
        if not np.isfinite(obs):
            return math.nan
        extreme = int(np.sum(s >= obs * (1 - 1e-10) - 1e-14))
        # exact: share of all assignments; sampled: the observed assignment is the first entry,
        # so this is (1 + #extreme among the draws) / (1 + draws)
        return extreme / len(assignments)

    base = stats_at(0.0)
    estimate = base[obs_index]
    m = estimate.shape[0]
    pvals = np.array([pvalue(float(null), j) for j in range(m)])
    lo = np.full(m, math.nan)
    hi = np.full(m, math.nan)
    if conf_int:
        alpha = round(1 - float(level), 12)
        for j in range(m):
            if not np.isfinite(estimate[j]):
                continue
            spread = float(np.nanstd(base[:, j])) or max(abs(float(estimate[j])), 1.0)

            def pj(tau0: float, j: int = j) -> float:
                return pvalue(tau0, j)

            lo[j] = invert_test(pj, float(estimate[j]), spread, alpha, -1, strict=True)
            hi[j] = invert_test(pj, float(estimate[j]), spread, alpha, +1, strict=True)
    return RandomizationTable(
        estimates=estimate, null=float(null), pvalues=pvals, ci_low=lo, ci_high=hi,
        level=float(level), n_assignments=len(assignments), total_assignments=total,
        exact=exact, seed=seed, n_clusters=len(clusters),
    )
