"""Rambachan-Roth sensitivity of an event study to violations of parallel trends.

Given event-study coefficients ``betahat`` (pre-periods first, the reference period omitted: a
*universal* base period) and their covariance ``sigma``, the target is
``theta = l_vec' tau_post``. Two families of restrictions on the post-period bias ``delta_post``:

* **relative magnitudes** ``Delta^RM(Mbar)``: every post-period first difference of the bias is at
  most ``Mbar`` times the largest pre-period first difference. Confidence sets use the conditional
  least-favourable hybrid test of Andrews, Roth and Pakes ("C-LF", HonestDiD's default), inverted
  over a grid of ``theta`` values.
* **smoothness** ``Delta^SD(M)``: second differences of the bias are at most ``M`` in absolute
  value. Confidence intervals are the optimal fixed-length confidence intervals ("FLCI",
  HonestDiD's default for this restriction).

The breakdown value is the largest ``Mbar`` (or ``M``) at which the robust set still excludes zero.

Implementation notes (what differs from the R package, and why the numbers still agree):

The pieces live in :mod:`eah_eval.sensitivity.honest_inputs` (checks, original interval),
:mod:`eah_eval.sensitivity.relative_magnitudes` with
:mod:`eah_eval.sensitivity.conditional_hybrid_test`, and :mod:`eah_eval.sensitivity.smoothness`;
this module holds the result, the breakdown value and the front doors. The plot
(:mod:`eah_eval.sensitivity.plot`) takes the result in; the result does not import it.

* The ARP test needs ``eta = min_delta max_i (y_i - X_i delta) / sd_i`` and its dual solution. The
  dual feasible set ``{lambda >= 0, lambda' sd = 1, lambda' X = 0}`` does not depend on ``y``, so we
  enumerate its vertices once per restriction; ``eta`` is then the largest ``lambda_v' y`` and the
  conditioning interval ``[v_lo, v_up]`` is computed exactly from the vertices (R finds the same
  interval by bisection to 1e-6). Everything is vectorised over the ``theta`` grid.
* The least-favourable critical value is simulated (R: 1,000 draws, R's generator); our draws come
  from ``numpy`` so the value differs slightly and endpoints can move by a grid step.
* The FLCI uses the exact folded-normal quantile (R simulates it with 1e6 draws) and a bounded
  scalar search over the estimator's standard deviation ``h`` with an inner smooth reformulation
  solved by SLSQP (R uses CVXR/ECOS and a numerical-derivative bisection).

References
----------
Rambachan, A. and Roth, J. (2023). A more credible approach to parallel trends. *Review of
Economic Studies* 90(5), 2555-2591.
Andrews, I., Roth, J. and Pakes, A. (2023). Inference for linear conditional moment inequalities.
*Review of Economic Studies* 90(6), 2763-2791.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from eah_eval.did.table_delegation import FrameDisplay
from eah_eval.errors import OptionError, check_option
from eah_eval.sensitivity.honest_inputs import (
    RESTRICTIONS,
    GridRule,
    Restriction,
    check_alpha,
    check_event_study,
    max_pre_second_difference,
    original_ci,
    target_sd,
)
from eah_eval.sensitivity.pretrends import event_study_inputs
from eah_eval.sensitivity.relative_magnitudes import relative_magnitudes_ci
from eah_eval.sensitivity.smoothness import smoothness_flci

__all__ = ["HonestDiDResult", "breakdown_value", "honest_did", "honest_did_event"]


@dataclass(frozen=True)
class HonestDiDResult(FrameDisplay):
    """Sensitivity of an event-study target to violations of parallel trends.

    Attributes
    ----------
    restriction : str
        ``"relative_magnitudes"`` (``Delta^RM(Mbar)``) or ``"smoothness"`` (``Delta^SD(M)``).
    method : str
        ``"C-LF"`` / ``"Conditional"`` for relative magnitudes, ``"FLCI"`` for smoothness.
    table : pandas.DataFrame
        One row per bound value: ``m`` (``Mbar`` or ``M``), ``ci_low``, ``ci_high``,
        ``excludes_zero``.
    original : tuple of float
        Conventional interval under exact parallel trends.
    estimate, std_error : float
        ``l' beta_post`` and its standard error.
    breakdown : float
        Largest bound value at which the robust set still excludes zero (``nan`` if even the
        original / ``M = 0`` set contains zero). ``breakdown_capped`` is True when the search hit
        its upper limit ``breakdown_search_max`` without the set reaching zero.
    l_vec, alpha, num_pre_periods, num_post_periods
        Inputs.
    seed_info : str
        How the least-favourable critical value was simulated (relative magnitudes only).

    See Also
    --------
    eah_eval.sensitivity.plot.plot_sensitivity : Draws the table against the bound.
    """

    restriction: str
    method: str
    table: pd.DataFrame
    original: tuple[float, float]
    estimate: float
    std_error: float
    breakdown: float
    breakdown_capped: bool
    breakdown_search_max: float
    l_vec: tuple[float, ...]
    alpha: float
    num_pre_periods: int
    num_post_periods: int
    seed_info: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def bound_name(self) -> str:
        """``"Mbar"`` for relative magnitudes, ``"M"`` for smoothness."""
        return "Mbar" if self.restriction == "relative_magnitudes" else "M"

    def to_frame(self) -> pd.DataFrame:
        """Return the sensitivity table with the original interval as a first row."""
        first = pd.DataFrame(
            {
                "restriction": ["none (parallel trends)"],
                "method": ["original"],
                "m": [np.nan],
                "ci_low": [self.original[0]],
                "ci_high": [self.original[1]],
                "excludes_zero": [not (self.original[0] <= 0 <= self.original[1])],
            }
        )
        rest = self.table.assign(restriction=self.restriction, method=self.method)
        return pd.concat([first, rest[first.columns]], ignore_index=True)

    def summary(self) -> str:
        """Return a plain-text summary."""
        lines = [
            f"Sensitivity to parallel-trends violations ({self.restriction}, {self.method})",
            f"target l'tau_post, l = {list(self.l_vec)}; estimate {self.estimate:.6g} "
            f"(se {self.std_error:.6g}); {100 * (1 - self.alpha):.0f}% original CI "
            f"[{self.original[0]:.6g}, {self.original[1]:.6g}]",
            f"{self.bound_name:>6}  {'ci_low':>12}  {'ci_high':>12}",
        ]
        for row in self.table.itertuples():
            lines.append(f"{row.m:>6.4g}  {row.ci_low:>12.6g}  {row.ci_high:>12.6g}")
        if math.isnan(self.breakdown):
            lines.append("breakdown: none (the set contains zero even under parallel trends)")
        elif self.breakdown_capped:
            lines.append(
                f"breakdown {self.bound_name}: at least {self.breakdown_search_max:.4g} "
                "(search limit)"
            )
        else:
            lines.append(f"breakdown {self.bound_name}: {self.breakdown:.4g}")
        lines.extend(self.notes)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _excludes_zero(lo: float, hi: float) -> bool:
    """Return whether the set ``[lo, hi]`` excludes zero (an empty set, ``nan``, does)."""
    return bool(not (math.isnan(lo) or lo <= 0.0 <= hi))


def _default_breakdown_upper(
    restriction: str, b: NDArray[np.float64], s: NDArray[np.float64], lv: NDArray[np.float64],
    k: int,
) -> float:
    """Return the default breakdown search limit (see ``upper`` in :func:`breakdown_value`)."""
    if restriction == "relative_magnitudes":
        return 10.0
    sd2 = max_pre_second_difference(b, k) if k >= 2 else 0.0
    return 10.0 * sd2 + target_sd(s, lv, k)


def _set_at(
    restriction: str,
    b: NDArray[np.float64],
    s: NDArray[np.float64],
    lv: NDArray[np.float64],
    k: int,
    t: int,
    mval: float,
    alpha: float,
    opts: dict[str, Any],
    warn: bool = True,
) -> tuple[float, float]:
    if restriction == "smoothness":
        return smoothness_flci(
            b, s, num_pre_periods=k, num_post_periods=t, m=mval, l_vec=lv, alpha=alpha
        )
    return relative_magnitudes_ci(
        b, s, num_pre_periods=k, num_post_periods=t, mbar=mval, l_vec=lv, alpha=alpha,
        method=opts["method"], grid_points=opts["grid_points"], grid_rule=opts["grid_rule"],
        lf_sims=opts["lf_sims"], rng=opts["seed"], warn_open=warn,
    )


def breakdown_value(
    betahat: ArrayLike,
    sigma: ArrayLike,
    *,
    num_pre_periods: int,
    num_post_periods: int,
    restriction: Restriction = "relative_magnitudes",
    l_vec: ArrayLike | None = None,
    alpha: float = 0.05,
    upper: float | None = None,
    tol: float | None = None,
    **opts: Any,
) -> tuple[float, bool]:
    """Largest ``Mbar`` (or ``M``) at which the robust confidence set excludes zero.

    Parameters
    ----------
    betahat, sigma, num_pre_periods, num_post_periods, l_vec, alpha
        As in :func:`~eah_eval.sensitivity.original_ci`.
    restriction : {"relative_magnitudes", "smoothness"}
        Which family of restrictions.
    upper : float, optional
        Search limit (default 10 for ``Mbar``; for ``M``, 10 times the largest absolute pre-period
        second difference plus one standard error).
    tol : float, optional
        Bisection tolerance (default ``upper / 2**12``).
    **opts
        Passed to the relative-magnitudes interval (``method``, ``grid_points``, ``grid_rule``,
        ``lf_sims``, ``seed``).

    Returns
    -------
    tuple of (float, bool)
        The breakdown value (``nan`` if the set at zero already contains 0) and whether the search
        limit was reached without the set containing zero.

    Raises
    ------
    OptionError
        For inputs rejected by :func:`~eah_eval.sensitivity.honest_inputs.check_event_study`,
        ``alpha`` outside ``(0, 1)``, an unknown ``restriction`` or an unknown key in ``opts``.

    Notes
    -----
    Found by bisection, assuming the sets grow with the bound (true of the identified set;
    the hybrid sets are monotone up to grid and simulation noise).
    """
    b, s, lv = check_event_study(betahat, sigma, num_pre_periods, num_post_periods, l_vec)
    check_option("restriction", restriction, RESTRICTIONS)
    alpha = check_alpha(alpha)
    k, t = int(num_pre_periods), int(num_post_periods)
    full_opts = {"method": "C-LF", "grid_points": 1000, "grid_rule": "identified_set",
                 "lf_sims": 1000, "seed": 0}
    unknown = set(opts) - set(full_opts)
    if unknown:
        raise OptionError(
            f"unknown option(s) {sorted(unknown)}; allowed: {sorted(full_opts)}"
        )
    full_opts.update(opts)
    if upper is None:
        upper = _default_breakdown_upper(restriction, b, s, lv, k)
    tol = upper / 4096 if tol is None else float(tol)

    def excludes(mv: float) -> bool:
        lo, hi = _set_at(restriction, b, s, lv, k, t, mv, alpha, full_opts, warn=False)
        return _excludes_zero(lo, hi)

    if not excludes(0.0):
        return math.nan, False
    if excludes(float(upper)):
        return float(upper), True
    lo_m, hi_m = 0.0, float(upper)
    while hi_m - lo_m > tol:
        mid = 0.5 * (lo_m + hi_m)
        if excludes(mid):
            lo_m = mid
        else:
            hi_m = mid
    return lo_m, False


def honest_did(
    betahat: ArrayLike,
    sigma: ArrayLike,
    *,
    num_pre_periods: int,
    num_post_periods: int,
    restriction: Restriction = "relative_magnitudes",
    m_values: Sequence[float] | None = None,
    l_vec: ArrayLike | None = None,
    alpha: float = 0.05,
    method: str | None = None,
    grid_points: int = 1000,
    grid_rule: GridRule = "identified_set",
    lf_sims: int = 1000,
    rng: int | None = 0,
    breakdown: bool = True,
) -> HonestDiDResult:
    """Rambachan-Roth sensitivity analysis of an event-study target.

    Parameters
    ----------
    betahat : array_like
        Event-study coefficients, pre-periods first (earliest to latest), then post-periods; the
        reference period (normally event time -1, a universal base period) omitted.
    sigma : array_like
        Their covariance matrix.
    num_pre_periods, num_post_periods : int
        Numbers of pre- and post-period coefficients.
    restriction : {"relative_magnitudes", "smoothness"}
        ``Delta^RM(Mbar)`` or ``Delta^SD(M)``.
    m_values : sequence of float, optional
        Bound values; default ``0, 0.5, 1, 1.5, 2`` for ``Mbar`` and ten values from 0 to the
        largest absolute pre-period second difference for ``M``.
    l_vec : array_like, optional
        Weights on the post-period coefficients (default: first post period).
    alpha : float, default 0.05
        One minus the coverage.
    method : str, optional
        ``"C-LF"`` (default) or ``"Conditional"`` for relative magnitudes; ``"FLCI"`` (default,
        only choice) for smoothness.
    grid_points, grid_rule, lf_sims
        Relative magnitudes only: see :func:`relative_magnitudes_ci`.
    rng : int or None, default 0
        Seed for the least-favourable critical value (recorded on the result).
    breakdown : bool, default True
        Compute the breakdown value by bisection.

    Returns
    -------
    HonestDiDResult

    Raises
    ------
    OptionError
        For inconsistent dimensions, a non-symmetric ``sigma`` or options outside their sets.

    Examples
    --------
    >>> import numpy as np
    >>> b = np.array([0.05, -0.02, 0.03, 0.01, -0.04, 0.9, 1.1])  # 5 pre, 2 post
    >>> V = np.diag(np.full(7, 0.01))
    >>> res = honest_did(b, V, num_pre_periods=5, num_post_periods=2,
    ...                  m_values=[0.5, 1, 1.5, 2])
    >>> res.to_frame()[["m", "ci_low", "ci_high"]].round(2)
         m  ci_low  ci_high
    0  NaN    0.70     1.10
    1  0.5    0.66     1.14
    2  1.0    0.55     1.25
    3  1.5    0.40     1.40
    4  2.0    0.26     1.54
    """
    b, s, lv = check_event_study(betahat, sigma, num_pre_periods, num_post_periods, l_vec)
    check_option("restriction", restriction, RESTRICTIONS)
    alpha = check_alpha(alpha)
    k, t = int(num_pre_periods), int(num_post_periods)
    if restriction == "smoothness":
        method = "FLCI" if method is None else method
        check_option("method", method, ("FLCI",))
    else:
        method = "C-LF" if method is None else method
        check_option("method", method, ("C-LF", "Conditional"))
    if rng is not None and not isinstance(rng, int | np.integer):
        raise OptionError("rng must be an int seed or None here, so that it can be recorded")
    seed = None if rng is None else int(rng)
    if m_values is None:
        if restriction == "relative_magnitudes":
            m_values = [0.0, 0.5, 1.0, 1.5, 2.0]
        else:
            top = max_pre_second_difference(b, k) if k >= 2 else float(math.sqrt(s[0, 0]))
            m_values = list(np.linspace(0.0, top, 10))
    opts = {"method": method, "grid_points": int(grid_points), "grid_rule": grid_rule,
            "lf_sims": int(lf_sims), "seed": seed}
    rows = []
    for mv in m_values:
        lo, hi = _set_at(restriction, b, s, lv, k, t, float(mv), alpha, opts)
        rows.append(
            {"m": float(mv), "ci_low": lo, "ci_high": hi,
             "excludes_zero": _excludes_zero(lo, hi)}
        )
    table = pd.DataFrame(rows, columns=["m", "ci_low", "ci_high", "excludes_zero"])
    orig = original_ci(b, s, num_pre_periods=k, num_post_periods=t, l_vec=lv, alpha=alpha)
    bd, capped, upper = math.nan, False, math.nan
    if breakdown:
        kw: dict[str, Any] = {} if restriction == "smoothness" else dict(opts)
        upper = _default_breakdown_upper(restriction, b, s, lv, k)
        bd, capped = breakdown_value(
            b, s, num_pre_periods=k, num_post_periods=t, restriction=restriction, l_vec=lv,
            alpha=alpha, upper=upper, **kw,
        )
    seed_info = (
        f"least-favourable critical value simulated with {lf_sims} draws, seed {seed}"
        if restriction == "relative_magnitudes" and method == "C-LF" else ""
    )
    return HonestDiDResult(
        restriction=restriction,
        method=method,
        table=table,
        original=orig,
        estimate=float(lv @ b[k:]),
        std_error=target_sd(s, lv, k),
        breakdown=bd,
        breakdown_capped=capped,
        breakdown_search_max=upper,
        l_vec=tuple(float(x) for x in lv),
        alpha=alpha,
        num_pre_periods=k,
        num_post_periods=t,
        seed_info=seed_info,
    )


def honest_did_event(result: Any, **options: Any) -> HonestDiDResult:
    """Sensitivity analysis of an event-study aggregation with a universal base period.

    Parameters
    ----------
    result : eah_eval.did.aggregate.AggregateResult
        ``aggregate(att_gt(..., base_period="universal"), "event")``.
    **options
        Passed to :func:`honest_did` (``restriction``, ``m_values``, ``l_vec``, ...).

    Returns
    -------
    HonestDiDResult

    Raises
    ------
    OptionError
        If the base period is not universal, or event times are not consecutive around the
        reference period ``-1``.
    """
    meta = dict(getattr(result, "metadata", {}) or {})
    if meta.get("base_period", "universal") != "universal":
        raise OptionError(
            "honest_did needs an event study with a universal base period; got base_period="
            f"{meta.get('base_period')!r} (re-run att_gt with base_period='universal')"
        )
    e, b, v = event_study_inputs(result)
    keep = np.isfinite(b) & (np.diag(v) > 0) & (e != -1)
    e, b, v = e[keep], b[keep], v[np.ix_(keep, keep)]
    pre, post = e[e < 0], e[e >= 0]
    if pre.size == 0 or post.size == 0:
        raise OptionError("the event study needs at least one pre and one post period")
    if not (np.array_equal(pre, np.arange(pre.min(), -1))
            and np.array_equal(post, np.arange(0, post.max() + 1))):
        raise OptionError(
            f"event times must be consecutive around the reference -1; got {list(e)}"
        )
    return honest_did(b, v, num_pre_periods=int(pre.size), num_post_periods=int(post.size),
                      **options)
