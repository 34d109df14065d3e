"""Power and minimum detectable effect of a cluster rollout, by simulation on pre-rollout data.

Take the council's panel from *before* the rollout (no unit treated), keep its real noise (school,
cluster and term shocks, missing terms), and repeatedly: assign clusters at random to the planned
waves (keeping the number of clusters per wave), add an effect ``delta`` to every post-go-live
cell, and run the chosen estimator and inference. Power at ``delta`` is the share of simulated
rollouts whose p-value is below ``alpha``; the minimum detectable effect (MDE) is the smallest
``delta`` with power at least ``target`` (80% by default), found by bisection using the *same*
simulated rollouts for every ``delta`` (common random numbers make power monotone in
``delta`` for the usual estimators).

Reports quote it as: "this design could detect a change of MDE or more with 80% power".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from eah_eval.did.bootstrap import resolve_rng
from eah_eval.errors import EstimationError, OptionError

__all__ = ["PowerResult", "simulate_power"]


@dataclass(frozen=True)
class PowerResult:
    """Simulated power of a rollout design.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per effect size: ``effect``, ``power``, ``mc_se`` (Monte Carlo standard error).
    mde : float
        Smallest effect with power at least ``target_power`` (``nan`` if not computed, ``inf``
        if not reached below ``mde_max``).
    target_power, alpha : float
        Settings.
    n_sims : int
        Simulated rollouts per effect size.
    seed : int or str or None
        Seed recorded.
    waves : tuple
        Wave start periods assigned to clusters (``never_treated_value`` for never treated).
    n_clusters : int
        Number of clusters.
    """

    table: pd.DataFrame
    mde: float
    target_power: float
    alpha: float
    n_sims: int
    seed: Any
    waves: tuple[Any, ...]
    n_clusters: int

    def summary(self) -> str:
        """Return a plain-text summary with the MDE sentence."""
        lines = [f"Simulated power ({self.n_sims} rollouts per effect, {self.n_clusters} "
                 f"clusters, alpha {self.alpha:g}, seed {self.seed})",
                 self.table.to_string(index=False, float_format=lambda v: f"{v:.4g}")]
        if math.isfinite(self.mde):
            lines.append(f"This design could detect a change of {self.mde:.4g} or more with "
                         f"{100 * self.target_power:.0f}% power.")
        elif not math.isnan(self.mde):
            lines.append(f"{100 * self.target_power:.0f}% power was not reached in the range "
                         "searched.")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def simulate_power(
    data: pd.DataFrame,
    test: Callable[[pd.DataFrame], float],
    *,
    outcome: str,
    time: str,
    cluster: str,
    waves: Sequence[Any],
    cohort: str = "cohort",
    never_treated_value: float = 0,
    effects: Sequence[float] = (),
    n_sims: int = 200,
    alpha: float = 0.05,
    target_power: float = 0.8,
    mde: bool = True,
    mde_max: float | None = None,
    mde_tol: float | None = None,
    rng: int | np.random.Generator | None = None,
) -> PowerResult:
    """Power at chosen effect sizes and the minimum detectable effect, by simulated rollouts.

    Parameters
    ----------
    data : pandas.DataFrame
        Pre-rollout panel (no unit treated) with outcome, period and cluster columns.
    test : callable
        ``test(frame) -> p-value`` for the null of no effect; ``frame`` is ``data`` with the
        simulated ``cohort`` column added and the effect injected into ``outcome``. Wrap the
        chosen estimator and inference method (e.g. ``att_gt`` + ``aggregate`` + wild bootstrap).
    outcome, time, cluster : str
        Column names.
    waves : sequence
        One go-live period per cluster in the planned design (``never_treated_value`` for
        clusters never treated); shuffled over clusters in each simulation.
    cohort : str, default "cohort"
        Name of the cohort column added.
    never_treated_value : float, default 0
        Code for never treated.
    effects : sequence of float
        Effect sizes at which to report power.
    n_sims : int, default 200
        Simulated rollouts (the same ones for every effect size).
    alpha : float, default 0.05
        Test level.
    target_power : float, default 0.8
        Power that defines the MDE.
    mde : bool, default True
        Compute the MDE by bisection.
    mde_max : float, optional
        Largest effect searched (default: 10 times the outcome's standard deviation).
    mde_tol : float, optional
        Bisection tolerance (default: 1% of the outcome's standard deviation).
    rng : int, numpy.random.Generator or None
        Seed or generator (recorded).

    Returns
    -------
    PowerResult

    Raises
    ------
    OptionError
        For missing columns, a wrong number of waves or bad settings.
    EstimationError
        If the outcome has no variation.
    """
    for col in (outcome, time, cluster):
        if col not in data.columns:
            raise OptionError(f"column {col!r} not found; columns are {list(data.columns)}")
    if not 0 < alpha < 1 or not 0 < target_power < 1:
        raise OptionError("alpha and target_power must lie strictly between 0 and 1")
    if int(n_sims) < 1:
        raise OptionError(f"n_sims must be a positive integer; got {n_sims}")
    clusters = pd.Index(sorted(data[cluster].unique()))
    wv = list(waves)
    if len(wv) != len(clusters):
        raise OptionError(
            f"waves must give one go-live period per cluster ({len(clusters)}); got {len(wv)}"
        )
    y = data[outcome].to_numpy(dtype=float)
    sd = float(np.nanstd(y))
    if not sd > 0:
        raise EstimationError(f"outcome {outcome!r} has no variation")
    gen, seed = resolve_rng(rng)
    row_cluster = clusters.get_indexer(data[cluster])
    t = data[time].to_numpy(dtype=float)
    assigns = [np.asarray(gen.permutation(np.asarray(wv, dtype=float))) for _ in range(n_sims)]
    frame = data.copy()
    cache: dict[float, float] = {}
    mc_se: dict[float, float] = {}

    def power(delta: float) -> float:
        if delta in cache:
            return cache[delta]
        hits = 0
        for a in assigns:
            g = a[row_cluster]
            post = (g != float(never_treated_value)) & (t >= g)
            frame[cohort] = g
            frame[outcome] = y + delta * post
            p = float(test(frame))
            hits += int(p < alpha)
        val = hits / len(assigns)
        cache[delta] = val
        mc_se[delta] = math.sqrt(val * (1 - val) / len(assigns))
        return val

    rows = [(float(d), power(float(d))) for d in effects]
    found = math.nan
    if mde:
        hi = 10 * sd if mde_max is None else float(mde_max)
        tol = 0.01 * sd if mde_tol is None else float(mde_tol)
        if power(hi) < target_power:
            found = math.inf
        else:
            lo_d = 0.0
            while hi - lo_d > tol:
                mid = 0.5 * (lo_d + hi)
                if power(mid) >= target_power:
                    hi = mid
                else:
                    lo_d = mid
            found = hi
    table = pd.DataFrame(
        {"effect": [r[0] for r in rows], "power": [r[1] for r in rows],
         "mc_se": [mc_se[r[0]] for r in rows]}
    )
    return PowerResult(table=table, mde=found, target_power=float(target_power),
                       alpha=float(alpha), n_sims=int(n_sims), seed=seed,
                       waves=tuple(wv), n_clusters=len(clusters))

