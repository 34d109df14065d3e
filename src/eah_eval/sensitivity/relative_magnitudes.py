"""Rambachan-Roth bounds under relative magnitudes ``Delta^RM(Mbar)``.

Every post-period first difference of the bias is at most ``Mbar`` times the largest pre-period
first difference. The identified set is a union of linear programmes; confidence sets invert the
conditional least-favourable hybrid test (:mod:`eah_eval.sensitivity.conditional_hybrid_test`,
"C-LF", HonestDiD's default) over a grid of ``theta`` values.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize

from eah_eval.errors import EstimationWarning, OptionError, check_option
from eah_eval.sensitivity.conditional_hybrid_test import (
    arp_accept,
    dual_vertices,
    lf_critical_value,
)
from eah_eval.sensitivity.honest_inputs import (
    GRID_RULES,
    GridRule,
    check_alpha,
    check_event_study,
    target_sd,
)

__all__ = ["identified_set_rm", "relative_magnitudes_ci"]


def _a_rm(k: int, t: int, mbar: float, s: int, max_positive: bool) -> NDArray[np.float64]:
    """Rows ``A delta <= 0`` for Delta^RM with the largest pre difference at period ``s``.

    Columns are ``delta`` without the reference period; ``s`` runs over ``-(k-1), ..., 0``; the
    difference for period ``r`` is ``delta_r - delta_{r-1}`` in the full vector (including 0).
    """
    n_full = k + t + 1
    atilde = np.zeros((k + t, n_full))
    for r in range(k + t):
        atilde[r, r] = -1.0
        atilde[r, r + 1] = 1.0
    v = np.zeros(n_full)
    v[k + s - 1] = -1.0
    v[k + s] = 1.0
    if not max_positive:
        v = -v
    ub = np.vstack([np.tile(v, (k, 1)), np.tile(mbar * v, (t, 1))])
    a = np.vstack([atilde - ub, -atilde - ub])
    keep = np.einsum("ij,ij->i", a, a) > 1e-10
    a = a[keep]
    return np.delete(a, k, axis=1)


def identified_set_rm(
    betahat: ArrayLike,
    *,
    num_pre_periods: int,
    num_post_periods: int,
    mbar: float,
    l_vec: ArrayLike | None = None,
) -> tuple[float, float]:
    """Return the identified set of ``l' tau_post`` under ``Delta^RM(Mbar)`` (``betahat`` known).

    Parameters
    ----------
    betahat, num_pre_periods, num_post_periods, l_vec
        As in :func:`~eah_eval.sensitivity.original_ci`.
    mbar : float
        Relative-magnitude bound.

    Returns
    -------
    tuple of float
        Lower and upper bounds (union over the location and sign of the largest pre difference).

    Raises
    ------
    OptionError
        For inputs rejected by :func:`~eah_eval.sensitivity.honest_inputs.check_event_study`.
    """
    k, t = int(num_pre_periods), int(num_post_periods)
    b, _, lv = check_event_study(betahat, np.eye(k + t), k, t, l_vec)
    target = float(lv @ b[k:])
    obj = np.concatenate([np.zeros(k), lv])
    a_eq = np.hstack([np.eye(k), np.zeros((k, t))])
    lo, hi = math.inf, -math.inf
    bounds = [(None, None)] * (k + t)
    for s in range(-(k - 1), 1):
        for pos in (True, False):
            a = _a_rm(k, t, float(mbar), s, pos)
            rmax = optimize.linprog(
                -obj, A_ub=a, b_ub=np.zeros(a.shape[0]), A_eq=a_eq, b_eq=b[:k],
                bounds=bounds, method="highs",
            )
            rmin = optimize.linprog(
                obj, A_ub=a, b_ub=np.zeros(a.shape[0]), A_eq=a_eq, b_eq=b[:k],
                bounds=bounds, method="highs",
            )
            if rmax.status != 0 and rmin.status != 0:
                lo, hi = min(lo, target), max(hi, target)
                continue
            if rmin.status == 0:
                hi = max(hi, target - float(rmin.fun))
            else:
                hi = math.inf
            if rmax.status == 0:
                lo = min(lo, target + float(rmax.fun))
            else:
                lo = -math.inf
    return lo, hi


def _null_basis(lv: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return ``u`` with ``l'u = 1`` and an orthonormal basis of the null space of ``l'``."""
    u = lv / float(lv @ lv)
    if lv.shape[0] == 1:
        return u, np.zeros((1, 0))
    _, _, vt = np.linalg.svd(lv.reshape(1, -1))
    return u, vt[1:].T


@dataclass(frozen=True)
class _RMSetup:
    vertices: NDArray[np.float64]
    y0: NDArray[np.float64]
    a1: NDArray[np.float64]
    sigma_y: NDArray[np.float64]


def _rm_setups(
    b: NDArray[np.float64], s: NDArray[np.float64], lv: NDArray[np.float64], k: int, t: int,
    mbar: float,
) -> list[_RMSetup]:
    u, null = _null_basis(lv)
    out = []
    for sidx in range(-(k - 1), 1):
        for pos in (True, False):
            a = _a_rm(k, t, mbar, sidx, pos)
            # only moments involving post-period coefficients (HonestDiD postPeriodMomentsOnly)
            rows = np.flatnonzero(np.any(a[:, k:] != 0, axis=1))
            a = a[rows]
            a_post = a[:, k:]
            y0 = a @ b
            sigma_y = a @ s @ a.T
            sd = np.sqrt(np.clip(np.diag(sigma_y), 0, None))
            x = a_post @ null
            out.append(_RMSetup(dual_vertices(sd, x), y0, a_post @ u, sigma_y))
    return out


def _rm_accept_grid(
    setups: list[_RMSetup], grid: NDArray[np.float64], alpha: float, hybrid: bool, kappa: float,
    sims: int, rng: np.random.Generator,
) -> NDArray[np.bool_]:
    accept = np.zeros(grid.shape[0], dtype=bool)
    for st in setups:
        sd = np.sqrt(np.clip(np.diag(st.sigma_y), 0, None))
        if np.any(sd <= 0):
            raise OptionError("sigma gives a zero-variance moment; check the covariance matrix")
        lf = (
            lf_critical_value(st.vertices, st.sigma_y, kappa=kappa, sims=sims, rng=rng)
            if hybrid else None
        )
        y_grid = st.y0[None, :] - grid[:, None] * st.a1[None, :]
        accept |= arp_accept(
            y_grid, st.sigma_y, st.vertices, alpha=alpha, lf_cv=lf, kappa=kappa
        )
    return accept


def _as_generator(rng: int | np.random.Generator | None) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)


def relative_magnitudes_ci(
    betahat: ArrayLike,
    sigma: ArrayLike,
    *,
    num_pre_periods: int,
    num_post_periods: int,
    mbar: float,
    l_vec: ArrayLike | None = None,
    alpha: float = 0.05,
    method: Literal["C-LF", "Conditional"] = "C-LF",
    grid_points: int = 1000,
    grid_rule: GridRule = "identified_set",
    grid_bounds: tuple[float, float] | None = None,
    lf_sims: int = 1000,
    rng: int | np.random.Generator | None = 0,
    warn_open: bool = True,
) -> tuple[float, float]:
    """Robust confidence set for ``l' tau_post`` under ``Delta^RM(Mbar)``.

    Parameters
    ----------
    betahat, sigma, num_pre_periods, num_post_periods, l_vec, alpha
        As in :func:`~eah_eval.sensitivity.original_ci`.
    mbar : float
        Post-period first differences of the bias are at most ``mbar`` times the largest
        pre-period first difference.
    method : {"C-LF", "Conditional"}
        Conditional least-favourable hybrid (default, as HonestDiD) or the pure conditional test.
    grid_points : int, default 1000
        Number of ``theta`` values tested.
    grid_rule : {"identified_set", "zero"}
        Grid spans the identified set widened by 20 standard errors of ``l' beta_post`` on each side
        (the rule of the published HonestDiD README), or ``0 +/- 20`` standard errors.
    grid_bounds : tuple of float, optional
        Explicit grid ends; overrides ``grid_rule``.
    lf_sims : int, default 1000
        Draws for the least-favourable critical value.
    rng : int, numpy.random.Generator or None, default 0
        Seed or generator for the least-favourable critical value.
    warn_open : bool, default True
        Warn when the accepted set touches an end of the grid. A breakdown search, which only
        asks whether zero is in the set, turns it off.

    Returns
    -------
    tuple of float
        Smallest and largest accepted grid value (``nan`` if none is accepted).

    Raises
    ------
    OptionError
        For inputs rejected by :func:`~eah_eval.sensitivity.honest_inputs.check_event_study`,
        ``alpha`` outside ``(0, 1)``, a negative ``mbar``, fewer than 2 grid points, an unknown
        ``method`` or ``grid_rule``, or a moment with zero variance.

    Warns
    -----
    EstimationWarning
        If the first or last grid point is accepted (the set may be open at that end).
    """
    b, s, lv = check_event_study(betahat, sigma, num_pre_periods, num_post_periods, l_vec)
    alpha = check_alpha(alpha)
    check_option("method", method, ("C-LF", "Conditional"))
    check_option("grid_rule", grid_rule, GRID_RULES)
    if float(mbar) < 0:
        raise OptionError(f"mbar must be non-negative; got {mbar}")
    if int(grid_points) < 2:
        raise OptionError(f"grid_points must be at least 2; got {grid_points}")
    k, t = int(num_pre_periods), int(num_post_periods)
    sd_theta = target_sd(s, lv, k)
    if grid_bounds is not None:
        glo, ghi = float(grid_bounds[0]), float(grid_bounds[1])
    elif grid_rule == "zero":
        glo, ghi = -20 * sd_theta, 20 * sd_theta
    else:
        idlo, idhi = identified_set_rm(
            b, num_pre_periods=k, num_post_periods=t, mbar=float(mbar), l_vec=lv
        )
        glo, ghi = idlo - 20 * sd_theta, idhi + 20 * sd_theta
    grid = np.linspace(glo, ghi, int(grid_points))
    gen = _as_generator(rng)
    kappa = alpha / 10
    setups = _rm_setups(b, s, lv, k, t, float(mbar))
    acc = _rm_accept_grid(setups, grid, alpha, method == "C-LF", kappa, int(lf_sims), gen)
    if not acc.any():
        return math.nan, math.nan
    if warn_open and (acc[0] or acc[-1]):
        warnings.warn(
            f"Delta^RM set at Mbar={mbar} is open at an end of the grid [{glo:.6g}, {ghi:.6g}]; "
            "widen grid_bounds",
            EstimationWarning,
            stacklevel=2,
        )
    return float(grid[acc].min()), float(grid[acc].max())
