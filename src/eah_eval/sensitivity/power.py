"""Power and minimum detectable effect (MDE): from the headline interval, or by simulation.

**From the headline interval.** :func:`mde_from_interval` turns the interval that a report states
for its headline estimand into the minimum detectable change for the same estimand and test,
``MDE = (q_{1-alpha/2} + q_{power}) x SE``, about 2.8 standard errors at ``alpha = 0.05`` and 80%
power, where ``SE`` is the standard error the interval implies (:func:`se_from_interval`) and
``q`` are normal or Student t quantiles (:func:`mde_from_se`). Because the MDE is built from the
same interval, it shares that interval's few-cluster calibration and cannot disagree with it.

**By simulation on pre-rollout data** (:func:`simulate_power`), for planning a design.
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
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from eah_eval.did.bootstrap import resolve_rng
from eah_eval.did.table_delegation import FrameDisplay
from eah_eval.errors import EstimationError, OptionError, OptionTypeError

__all__ = ["PowerResult", "mde_from_interval", "mde_from_se", "se_from_interval", "simulate_power"]


def _real(name: str, value: object) -> float:
    """Return ``value`` as a float, or raise naming the argument if it is not a real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise OptionTypeError(
            f"{name} must be a real number; got {type(value).__name__} {value!r}"
        )
    return float(value)


def _open_unit(name: str, value: object) -> float:
    """Return ``value`` as a float after checking it lies strictly between 0 and 1."""
    v = _real(name, value)
    if not 0.0 < v < 1.0:
        raise OptionError(f"{name} must lie strictly between 0 and 1; got {value!r}")
    return v


def _degrees_of_freedom(df: object) -> float | None:
    """Return ``df`` as a positive float (``inf`` allowed), or ``None`` for the normal reference."""
    if df is None:
        return None
    v = _real("df", df)
    if not v > 0.0:
        raise OptionError(
            f"df must be a positive number of degrees of freedom (or None for the normal "
            f"reference); got {df!r}"
        )
    return v


def _quantile(p: float, df: float | None) -> float:
    """Return the ``p`` quantile of the standard normal (``df`` None) or of Student t."""
    if df is None:
        return float(stats.norm.ppf(p))
    return float(stats.t.ppf(p, df))


def se_from_interval(
    ci_low: float, ci_high: float, *, level: float = 0.95, df: float | None = None
) -> float:
    r"""Return the standard error implied by a two-sided confidence interval.

    Parameters
    ----------
    ci_low, ci_high : float
        Interval ends. ``ci_low`` may be ``-inf`` and ``ci_high`` ``+inf`` (an unbounded interval,
        as test inversion can give with very few clusters).
    level : float, default 0.95
        Coverage of the interval.
    df : float, optional
        Degrees of freedom when the interval uses a Student t reference; ``None`` (default) for a
        normal reference.

    Returns
    -------
    float
        ``SE_eff``; ``inf`` for an unbounded interval.

    Raises
    ------
    OptionTypeError
        If an argument is not a real number.
    OptionError
        If ``ci_low`` is NaN or ``+inf``, ``ci_high`` is NaN or ``-inf``, ``ci_low > ci_high``,
        ``level`` is not strictly between 0 and 1, or ``df`` is not positive.

    See Also
    --------
    mde_from_interval : The minimum detectable effect from the same interval.

    Notes
    -----
    .. math::

        SE_{eff} = \frac{ci_{high} - ci_{low}}{2\, q_{(1 + level)/2}}

    with ``q`` the standard normal quantile, or the Student t quantile with ``df`` degrees of
    freedom. For a Wald interval ``estimate +/- q se`` this returns ``se`` exactly. For a
    test-inversion interval (e.g. the restricted wild cluster bootstrap), which has no standard
    error of its own and need not be symmetric, it is the standard error of the normal (or t)
    interval of the same width: the mean of the two half-widths divided by ``q``.

    Examples
    --------
    >>> round(se_from_interval(1.0 - 1.959964 * 0.5, 1.0 + 1.959964 * 0.5), 6)
    0.5
    """
    lo, hi = _real("ci_low", ci_low), _real("ci_high", ci_high)
    if math.isnan(lo) or lo == math.inf:
        raise OptionError(f"ci_low must be a finite number or -inf; got {ci_low!r}")
    if math.isnan(hi) or hi == -math.inf:
        raise OptionError(f"ci_high must be a finite number or +inf; got {ci_high!r}")
    if lo > hi:
        raise OptionError(
            f"the interval is reversed: ci_low = {ci_low!r} is above ci_high = {ci_high!r}"
        )
    lev = _open_unit("level", level)
    dof = _degrees_of_freedom(df)
    if math.isinf(lo) or math.isinf(hi):
        return math.inf
    return (hi - lo) / (2.0 * _quantile(0.5 + lev / 2.0, dof))


def mde_from_se(
    se: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    df: float | None = None,
    two_sided: bool = True,
) -> float:
    r"""Return the minimum detectable effect of a test with a given standard error.

    Parameters
    ----------
    se : float
        Standard error of the estimate (``inf`` allowed: nothing is detectable).
    alpha : float, default 0.05
        Level of the test.
    power : float, default 0.8
        Power wanted at the MDE; must exceed ``alpha``.
    df : float, optional
        Degrees of freedom of a Student t reference; ``None`` (default) for the normal.
    two_sided : bool, default True
        Two-sided test (critical value at ``1 - alpha/2``) or one-sided (at ``1 - alpha``).

    Returns
    -------
    float
        The MDE, in the units of the estimate; ``inf`` when ``se`` is ``inf``.

    Raises
    ------
    OptionTypeError
        If an argument is not a real number, or ``two_sided`` is not a bool.
    OptionError
        If ``se`` is NaN or negative, ``alpha`` is not strictly between 0 and 1, ``power`` is not
        strictly between ``alpha`` and 1, or ``df`` is not positive.

    See Also
    --------
    mde_from_interval : The same, with the standard error read off a confidence interval.

    Notes
    -----
    .. math::

        MDE = (q_{1 - \alpha/2} + q_{power})\, SE

    (``q_{1-alpha}`` for a one-sided test), with ``q`` the standard normal quantile, or the
    Student t quantile with ``df`` degrees of freedom as in Bloom (1995). At ``alpha = 0.05``
    and 80% power the multiplier is ``1.959964 + 0.841621 = 2.8016``. A true effect of size MDE
    gives the normal test exactly the stated power in its own direction; a two-sided test also
    rejects, rarely, in the wrong direction, adding ``Phi(-2 q_{1-alpha/2} - q_{power})``, under
    ``1e-6`` at the defaults. With a t reference the multiplier is the usual approximation to
    power under the non-central t.

    References
    ----------
    Bloom, H. S. (1995). Minimum detectable effects: a simple way to report the statistical power
    of experimental designs. *Evaluation Review* 19(5), 547-556.

    Examples
    --------
    >>> round(mde_from_se(1.0), 4)
    2.8016
    """
    s = _real("se", se)
    if math.isnan(s) or s < 0.0:
        raise OptionError(f"se must be a non-negative number (or inf); got {se!r}")
    a = _open_unit("alpha", alpha)
    pw = _real("power", power)
    if not a < pw < 1.0:
        raise OptionError(
            f"power must lie strictly between alpha ({alpha!r}) and 1; got {power!r}"
        )
    if not isinstance(two_sided, bool):
        raise OptionTypeError(
            f"two_sided must be a bool; got {type(two_sided).__name__} {two_sided!r}"
        )
    dof = _degrees_of_freedom(df)
    if math.isinf(s):
        return math.inf
    crit = _quantile(1.0 - a / 2.0 if two_sided else 1.0 - a, dof)
    return (crit + _quantile(pw, dof)) * s


def mde_from_interval(
    ci_low: float,
    ci_high: float,
    *,
    level: float = 0.95,
    power: float = 0.8,
    df: float | None = None,
) -> float:
    r"""Return the minimum detectable effect implied by the headline confidence interval.

    Parameters
    ----------
    ci_low, ci_high : float
        The headline interval for the estimand (``-inf`` / ``+inf`` allowed for an unbounded
        end).
    level : float, default 0.95
        Its coverage; the test is the two-sided test at ``alpha = 1 - level``.
    power : float, default 0.8
        Power wanted at the MDE; must exceed ``1 - level``.
    df : float, optional
        Degrees of freedom when the interval uses a Student t reference; the same ``df`` gives
        both the implied standard error and the MDE's quantiles.

    Returns
    -------
    float
        The MDE, in the units of the estimand; ``inf`` for an unbounded interval.

    Raises
    ------
    OptionTypeError
        If an argument is not a real number.
    OptionError
        For an interval or ``level`` rejected by :func:`se_from_interval`, or ``power`` rejected
        by :func:`mde_from_se`.

    See Also
    --------
    se_from_interval, mde_from_se : The two steps.

    Notes
    -----
    .. math::

        MDE = (q_{1 - \alpha/2} + q_{power})\, SE_{eff}, \qquad
        SE_{eff} = \frac{ci_{high} - ci_{low}}{2\, q_{1 - \alpha/2}}, \qquad
        \alpha = 1 - level

    about 2.8 ``SE_eff`` at 95% and 80% power (Bloom 1995). The MDE inherits the interval's
    few-cluster calibration because it is built from the same interval: when the headline interval
    inverts a restricted wild cluster bootstrap test, so does the MDE's standard error, and the
    report's MDE and interval cannot disagree.

    References
    ----------
    Bloom, H. S. (1995). Minimum detectable effects: a simple way to report the statistical power
    of experimental designs. *Evaluation Review* 19(5), 547-556.

    Examples
    --------
    >>> round(mde_from_interval(-1.959964, 1.959964), 4)
    2.8016
    """
    se = se_from_interval(ci_low, ci_high, level=level, df=df)
    return mde_from_se(se, alpha=1.0 - float(level), power=power, df=df, two_sided=True)


@dataclass(frozen=True)
class PowerResult(FrameDisplay):
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

    def to_frame(self) -> pd.DataFrame:
        """Return the power table (``effect``, ``power``, ``mc_se``), one row per effect size."""
        return self.table.copy()

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

