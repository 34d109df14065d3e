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

import itertools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, stats

from eah_eval.errors import EstimationWarning, OptionError, check_option

Restriction = Literal["relative_magnitudes", "smoothness"]
GridRule = Literal["identified_set", "zero"]

RESTRICTIONS: tuple[str, ...] = ("relative_magnitudes", "smoothness")
GRID_RULES: tuple[str, ...] = ("identified_set", "zero")

_TOL_VERTEX = 1e-10

__all__ = [
    "HonestDiDResult",
    "breakdown_value",
    "honest_did",
    "honest_did_event",
    "identified_set_rm",
    "original_ci",
    "relative_magnitudes_ci",
    "smoothness_flci",
]


# --------------------------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------------------------
def _prepare(
    betahat: ArrayLike,
    sigma: ArrayLike,
    num_pre_periods: int,
    num_post_periods: int,
    l_vec: ArrayLike | None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    b = np.asarray(betahat, dtype=float).reshape(-1)
    s = np.asarray(sigma, dtype=float)
    if int(num_pre_periods) < 1 or int(num_post_periods) < 1:
        raise OptionError(
            "num_pre_periods and num_post_periods must be at least 1; got "
            f"{num_pre_periods} and {num_post_periods}"
        )
    n = int(num_pre_periods) + int(num_post_periods)
    if b.shape[0] != n:
        raise OptionError(
            f"betahat must have num_pre_periods + num_post_periods = {n} entries; got {b.shape[0]}"
        )
    if s.shape != (n, n):
        raise OptionError(f"sigma must be a {n} x {n} matrix; got shape {s.shape}")
    if not np.all(np.isfinite(b)) or not np.all(np.isfinite(s)):
        raise OptionError("betahat and sigma must be finite (no NaN or infinite entries)")
    if not np.allclose(s, s.T, rtol=1e-8, atol=1e-14):
        raise OptionError("sigma must be symmetric")
    if l_vec is None:
        lv = np.zeros(int(num_post_periods))
        lv[0] = 1.0
    else:
        lv = np.asarray(l_vec, dtype=float).reshape(-1)
        if lv.shape[0] != int(num_post_periods):
            raise OptionError(
                f"l_vec must have num_post_periods = {num_post_periods} entries; got {lv.shape[0]}"
            )
        if not np.any(lv != 0):
            raise OptionError("l_vec must not be all zeros")
    return b, 0.5 * (s + s.T), lv


def _check_alpha(alpha: float) -> float:
    if not 0.0 < float(alpha) < 1.0:
        raise OptionError(f"alpha must lie strictly between 0 and 1; got {alpha}")
    return float(alpha)


def original_ci(
    betahat: ArrayLike,
    sigma: ArrayLike,
    *,
    num_pre_periods: int,
    num_post_periods: int,
    l_vec: ArrayLike | None = None,
    alpha: float = 0.05,
) -> tuple[float, float]:
    """Return the conventional interval ``l' beta_post +/- z(1 - alpha/2) se`` (parallel trends).

    Parameters
    ----------
    betahat, sigma : array_like
        Event-study coefficients (pre-periods first, reference period omitted) and covariance.
    num_pre_periods, num_post_periods : int
        Numbers of pre- and post-period coefficients.
    l_vec : array_like, optional
        Weights on the post-period coefficients; default the first post period.
    alpha : float, default 0.05
        One minus the coverage.

    Returns
    -------
    tuple of float
        Lower and upper bound.
    """
    b, s, lv = _prepare(betahat, sigma, num_pre_periods, num_post_periods, l_vec)
    alpha = _check_alpha(alpha)
    k = int(num_pre_periods)
    est = float(lv @ b[k:])
    se = float(math.sqrt(lv @ s[k:, k:] @ lv))
    z = float(stats.norm.ppf(1 - alpha / 2))
    return est - z * se, est + z * se


# --------------------------------------------------------------------------------------------
# Delta^RM: constraint matrices and identified set
# --------------------------------------------------------------------------------------------
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
    betahat : array_like
        Event-study coefficients (pre-periods first, reference period omitted).
    num_pre_periods, num_post_periods : int
        Numbers of pre- and post-period coefficients.
    mbar : float
        Relative-magnitude bound.
    l_vec : array_like, optional
        Weights on post-period coefficients (default: first post period).

    Returns
    -------
    tuple of float
        Lower and upper bounds (union over the location and sign of the largest pre difference).
    """
    k, t = int(num_pre_periods), int(num_post_periods)
    b, _, lv = _prepare(betahat, np.eye(k + t), k, t, l_vec)
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


# --------------------------------------------------------------------------------------------
# ARP conditional / hybrid test, vectorised over a grid of theta
# --------------------------------------------------------------------------------------------
def _dual_vertices(sd: NDArray[np.float64], x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Vertices of ``{lambda >= 0 : lambda' sd = 1, lambda' X = 0}`` (rows of the result)."""
    m = sd.shape[0]
    if x.shape[1] > 0:
        u, sv, _ = np.linalg.svd(x, full_matrices=False)
        rank = int(np.sum(sv > sv.max() * 1e-10)) if sv.size and sv.max() > 0 else 0
        x = u[:, :rank]
    w = np.column_stack([sd, x])
    r = w.shape[1]
    rhs = np.zeros(r)
    rhs[0] = 1.0
    out: list[NDArray[np.float64]] = []
    for support in itertools.combinations(range(m), r):
        ws = w[list(support), :]
        if abs(np.linalg.det(ws)) < 1e-12 * max(1.0, np.abs(ws).max() ** r):
            continue
        lam_s = np.linalg.solve(ws.T, rhs)
        if np.all(lam_s >= -_TOL_VERTEX):
            lam = np.zeros(m)
            lam[list(support)] = np.clip(lam_s, 0.0, None)
            out.append(lam)
    if not out:
        return np.zeros((0, m))
    return np.unique(np.round(np.vstack(out), 14), axis=0)


def _lf_critical_value(
    vertices: NDArray[np.float64], sigma_y: NDArray[np.float64], kappa: float, sims: int,
    rng: np.random.Generator,
) -> float:
    if vertices.shape[0] == 0:
        return -math.inf
    draws = rng.multivariate_normal(np.zeros(sigma_y.shape[0]), sigma_y, size=sims,
                                    method="eigh")
    eta = (draws @ vertices.T).max(axis=1)
    return float(np.quantile(eta, 1 - kappa))


def _arp_accept(
    y_grid: NDArray[np.float64],
    sigma_y: NDArray[np.float64],
    vertices: NDArray[np.float64],
    alpha: float,
    lf_cv: float | None,
    kappa: float,
) -> NDArray[np.bool_]:
    """Accept/reject of the (hybrid) ARP test at each row of ``y_grid`` (moments ``E y <= X d``)."""
    g = y_grid.shape[0]
    if vertices.shape[0] == 0:
        return np.ones(g, dtype=bool)
    vals = y_grid @ vertices.T
    idx = np.argmax(vals, axis=1)
    eta = vals[np.arange(g), idx]
    gam = vertices[idx]
    s2 = np.einsum("gi,ij,gj->g", gam, sigma_y, gam)
    mod_size = alpha if lf_cv is None else (alpha - kappa) / (1 - kappa)
    accept = np.ones(g, dtype=bool)
    first_stage = np.zeros(g, dtype=bool) if lf_cv is None else eta > lf_cv
    tiny = np.abs(s2) < np.finfo(float).eps
    accept[first_stage] = False
    accept[tiny & ~first_stage] = ~(eta[tiny & ~first_stage] > 0)
    live = ~first_stage & ~tiny
    if not live.any():
        return accept
    yl, gl, s2l, etal = y_grid[live], gam[live], s2[live], eta[live]
    bmat = (gl @ sigma_y) / s2l[:, None]
    pmat = (yl - bmat * etal[:, None]) @ vertices.T
    qmat = 1.0 - bmat @ vertices.T
    tol = 1e-9
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = pmat / qmat
    vlo = np.where(qmat > tol, ratio, -np.inf).max(axis=1)
    vup = np.where(qmat < -tol, ratio, np.inf).min(axis=1)
    if lf_cv is not None:
        vup = np.minimum(vup, lf_cv)
    sig_b = np.sqrt(s2l)
    zlo, zup, stat = vlo / sig_b, vup / sig_b, etal / sig_b
    inside = (zlo - 1e-12 <= stat) & (stat <= zup + 1e-12)
    cval = np.zeros(stat.shape[0])
    ok = inside & (zlo < zup)
    if ok.any():
        cval[ok] = stats.truncnorm.ppf(1 - mod_size, zlo[ok], zup[ok])
    degenerate = inside & ~(zlo < zup)
    cval[degenerate] = zlo[degenerate]
    cval = np.maximum(cval, 0.0)
    accept[live] = ~inside | ~(stat > cval)
    return accept


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
            out.append(_RMSetup(_dual_vertices(sd, x), y0, a_post @ u, sigma_y))
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
        # moments normalised by their standard deviation, as in the ARP statistic
        lf = (
            _lf_critical_value(st.vertices, st.sigma_y, kappa, sims, rng) if hybrid else None
        )
        y_grid = st.y0[None, :] - grid[:, None] * st.a1[None, :]
        accept |= _arp_accept(y_grid, st.sigma_y, st.vertices, alpha, lf, kappa)
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
) -> tuple[float, float]:
    """Robust confidence set for ``l' tau_post`` under ``Delta^RM(Mbar)``.

    Parameters
    ----------
    betahat, sigma : array_like
        Event-study coefficients (pre-periods first, reference period omitted) and covariance.
    num_pre_periods, num_post_periods : int
        Numbers of pre- and post-period coefficients.
    mbar : float
        Post-period first differences of the bias are at most ``mbar`` times the largest
        pre-period first difference.
    l_vec : array_like, optional
        Weights on the post-period coefficients (default: the first post period).
    alpha : float, default 0.05
        One minus the coverage.
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

    Returns
    -------
    tuple of float
        Smallest and largest accepted grid value (``nan`` if none is accepted).

    Warns
    -----
    EstimationWarning
        If the first or last grid point is accepted (the set may be open at that end).
    """
    lb, ub, _ = _rm_ci(
        betahat, sigma, num_pre_periods, num_post_periods, mbar, l_vec, alpha, method,
        grid_points, grid_rule, grid_bounds, lf_sims, rng,
    )
    return lb, ub


def _rm_ci(
    betahat: ArrayLike,
    sigma: ArrayLike,
    num_pre_periods: int,
    num_post_periods: int,
    mbar: float,
    l_vec: ArrayLike | None,
    alpha: float,
    method: str,
    grid_points: int,
    grid_rule: str,
    grid_bounds: tuple[float, float] | None,
    lf_sims: int,
    rng: int | np.random.Generator | None,
    warn: bool = True,
) -> tuple[float, float, NDArray[np.float64]]:
    b, s, lv = _prepare(betahat, sigma, num_pre_periods, num_post_periods, l_vec)
    alpha = _check_alpha(alpha)
    check_option("method", method, ("C-LF", "Conditional"))
    check_option("grid_rule", grid_rule, GRID_RULES)
    if float(mbar) < 0:
        raise OptionError(f"mbar must be non-negative; got {mbar}")
    if int(grid_points) < 2:
        raise OptionError(f"grid_points must be at least 2; got {grid_points}")
    k, t = int(num_pre_periods), int(num_post_periods)
    sd_theta = float(math.sqrt(lv @ s[k:, k:] @ lv))
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
        return math.nan, math.nan, grid[acc]
    if warn and (acc[0] or acc[-1]):
        warnings.warn(
            f"Delta^RM set at Mbar={mbar} is open at an end of the grid [{glo:.6g}, {ghi:.6g}]; "
            "widen grid_bounds",
            EstimationWarning,
            stacklevel=3,
        )
    return float(grid[acc].min()), float(grid[acc].max()), grid[acc]


# --------------------------------------------------------------------------------------------
# Delta^SD: optimal fixed-length confidence interval
# --------------------------------------------------------------------------------------------
def _folded_normal_quantile(p: float, mu: float) -> float:
    """Quantile ``p`` of ``|N(mu, 1)|``."""
    mu = abs(mu)

    def f(x: float) -> float:
        return float(stats.norm.cdf(x - mu) - stats.norm.cdf(-x - mu) - p)

    hi = mu + 10.0
    return float(optimize.brentq(f, 0.0, hi, xtol=1e-14, rtol=1e-14))


@dataclass(frozen=True)
class _FLCIProblem:
    """Affine estimators ``l_pre' beta_pre + l' beta_post`` unbiased under a linear trend.

    Parametrised by ``z`` = cumulative sums of ``w`` (``w`` = cumulative sums of ``l_pre``), with
    the last entry fixed at ``c = sum_s s l_s``; the worst-case bias over ``Delta^SD(1)`` is
    ``const + sum_j |z_j|``.
    """

    k: int
    c: float
    const: float
    m2: NDArray[np.float64]
    q_quad: NDArray[np.float64]
    q_lin: NDArray[np.float64]
    q_const: float

    def l_pre(self, zf: NDArray[np.float64]) -> NDArray[np.float64]:
        z = np.concatenate([zf, [self.c]])
        return np.asarray(self.m2 @ z, dtype=float)

    def var(self, zf: NDArray[np.float64]) -> float:
        return float(zf @ self.q_quad @ zf + self.q_lin @ zf + self.q_const)

    def bias(self, zf: NDArray[np.float64]) -> float:
        return float(self.const + abs(self.c) + np.abs(zf).sum())


def _flci_problem(s: NDArray[np.float64], lv: NDArray[np.float64], k: int) -> _FLCIProblem:
    t = lv.shape[0]
    svec = np.arange(1, t + 1, dtype=float)
    c = float(svec @ lv)
    const = sum(abs(float(np.arange(1, j + 1) @ lv[t - j:])) for j in range(1, t + 1)) - c
    d = np.eye(k) - np.eye(k, k=-1)
    m2 = d @ d
    spre, sprepost = s[:k, :k], s[:k, k:]
    spost = float(lv @ s[k:, k:] @ lv)
    mf, mc = m2[:, : k - 1], m2[:, k - 1] * c
    q_quad = mf.T @ spre @ mf
    q_lin = 2 * mf.T @ (spre @ mc) + 2 * mf.T @ (sprepost @ lv)
    q_const = float(mc @ spre @ mc + 2 * mc @ sprepost @ lv + spost)
    return _FLCIProblem(k, c, float(const), m2, q_quad, q_lin, q_const)


def _min_bias_given_h(
    pr: _FLCIProblem, h: float, z_start: NDArray[np.float64]
) -> tuple[float, NDArray[np.float64]]:
    n = pr.k - 1
    x0 = np.concatenate([z_start, np.abs(z_start) + 1e-12])
    cons: list[dict[str, Any]] = [
        {"type": "ineq", "fun": lambda x: x[n:] - x[:n], "jac": lambda x: np.hstack(
            [-np.eye(n), np.eye(n)])},
        {"type": "ineq", "fun": lambda x: x[n:] + x[:n], "jac": lambda x: np.hstack(
            [np.eye(n), np.eye(n)])},
        {"type": "ineq", "fun": lambda x: np.array([(h * h - pr.var(x[:n])) / (h * h)]),
         "jac": lambda x: np.concatenate(
             [-(2 * pr.q_quad @ x[:n] + pr.q_lin) / (h * h), np.zeros(n)])[None, :]},
    ]
    res = optimize.minimize(
        lambda x: float(x[n:].sum()), x0, jac=lambda x: np.concatenate([np.zeros(n), np.ones(n)]),
        constraints=cons, method="SLSQP", options={"ftol": 1e-15, "maxiter": 500},
    )
    zf = res.x[:n]
    return pr.bias(zf), zf


def smoothness_flci(
    betahat: ArrayLike,
    sigma: ArrayLike,
    *,
    num_pre_periods: int,
    num_post_periods: int,
    m: float,
    l_vec: ArrayLike | None = None,
    alpha: float = 0.05,
) -> tuple[float, float]:
    """Optimal fixed-length confidence interval for ``l' tau_post`` under ``Delta^SD(M)``.

    Parameters
    ----------
    betahat, sigma : array_like
        Event-study coefficients (pre-periods first, reference period omitted) and covariance.
    num_pre_periods, num_post_periods : int
        Numbers of pre- and post-period coefficients.
    m : float
        Bound on the absolute second differences of the bias.
    l_vec : array_like, optional
        Weights on the post-period coefficients (default: the first post period).
    alpha : float, default 0.05
        One minus the coverage.

    Returns
    -------
    tuple of float
        Lower and upper bound.

    Notes
    -----
    Among affine estimators ``v' betahat`` unbiased under a linear trend, choose the one whose
    interval ``v' betahat +/- h cv_{1-alpha}(b/h)`` is shortest, where ``h`` is its standard error,
    ``b = M x`` (worst-case bias over ``Delta^SD(1)``) and ``cv`` the quantile of the folded normal
    ``|N(b/h, 1)|``. For each ``h`` the smallest bias is a convex problem; the half-length is then
    minimised over ``h`` between the minimum-variance and the minimum-bias estimators.
    """
    b, s, lv = _prepare(betahat, sigma, num_pre_periods, num_post_periods, l_vec)
    alpha = _check_alpha(alpha)
    if float(m) < 0:
        raise OptionError(f"m must be non-negative; got {m}")
    k = int(num_pre_periods)
    pr = _flci_problem(s, lv, k)
    zf: NDArray[np.float64]
    if k == 1:
        zf = np.zeros(0)
        h = math.sqrt(pr.var(zf))
        half = h * _folded_normal_quantile(1 - alpha, float(m) * pr.bias(zf) / h)
    else:
        z_minvar: NDArray[np.float64] = np.asarray(
            np.linalg.solve(2 * pr.q_quad, -pr.q_lin), dtype=float
        )
        h_min = math.sqrt(max(pr.var(z_minvar), 0.0))
        z0 = np.zeros(k - 1)
        h0 = math.sqrt(pr.var(z0))
        if float(m) == 0.0 or h0 <= h_min * (1 + 1e-12):
            zf = z_minvar if float(m) == 0.0 else z0
            h = math.sqrt(pr.var(zf))
            half = h * _folded_normal_quantile(1 - alpha, float(m) * pr.bias(zf) / h)
        else:
            cache: dict[float, tuple[float, NDArray[np.float64]]] = {}

            def solve(h: float) -> tuple[float, NDArray[np.float64]]:
                if h not in cache:
                    # a feasible start on the segment between the min-variance and min-bias z
                    tt = (h0 * h0 - h * h) / (h0 * h0 - h_min * h_min)
                    cache[h] = _min_bias_given_h(pr, h, np.clip(tt, 0, 1) * z_minvar)
                return cache[h]

            def halflength(h: float) -> float:
                bias, _ = solve(h)
                return h * _folded_normal_quantile(1 - alpha, float(m) * bias / h)

            res = optimize.minimize_scalar(
                halflength, bounds=(h_min, h0), method="bounded",
                options={"xatol": 1e-12 * h0, "maxiter": 500},
            )
            cands = [(float(res.fun), float(res.x)), (halflength(h0), h0)]
            half, h = min(cands)
            zf = solve(h)[1] if h != h0 else z0
            if h == h0:
                half = h0 * _folded_normal_quantile(1 - alpha, float(m) * pr.bias(z0) / h0)
    v = np.concatenate([pr.l_pre(zf), lv])
    centre = float(v @ b)
    return centre - half, centre + half


# --------------------------------------------------------------------------------------------
# result object and front door
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HonestDiDResult:
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

    def plot(self, ax: Any = None) -> Any:
        """Draw the sensitivity plot (see :func:`eah_eval.sensitivity.plot.plot_sensitivity`)."""
        from eah_eval.sensitivity.plot import plot_sensitivity

        return plot_sensitivity(self, ax=ax)


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
    lo, hi, _ = _rm_ci(
        b, s, k, t, mval, lv, alpha, opts["method"], opts["grid_points"], opts["grid_rule"],
        None, opts["lf_sims"], opts["seed"], warn,
    )
    return lo, hi


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
    betahat, sigma : array_like
        Event-study coefficients (pre-periods first, reference period omitted) and covariance.
    num_pre_periods, num_post_periods : int
        Numbers of pre- and post-period coefficients.
    restriction : {"relative_magnitudes", "smoothness"}
        Which family of restrictions.
    l_vec : array_like, optional
        Weights on the post-period coefficients.
    alpha : float, default 0.05
        One minus the coverage.
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

    Notes
    -----
    Found by bisection, assuming the sets grow with the bound (true of the identified set;
    the hybrid sets are monotone up to grid and simulation noise).
    """
    b, s, lv = _prepare(betahat, sigma, num_pre_periods, num_post_periods, l_vec)
    check_option("restriction", restriction, RESTRICTIONS)
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
        if restriction == "relative_magnitudes":
            upper = 10.0
        else:
            pre = np.concatenate([b[:k], [0.0]])
            sd2 = np.abs(np.diff(pre, n=2)).max() if k >= 2 else 0.0
            upper = 10.0 * float(sd2) + float(math.sqrt(lv @ s[k:, k:] @ lv))
    tol = upper / 4096 if tol is None else float(tol)

    def excludes(mv: float) -> bool:
        lo, hi = _set_at(restriction, b, s, lv, k, t, mv, alpha, full_opts, warn=False)
        return not (math.isnan(lo) or lo <= 0.0 <= hi)

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
    >>> res = honest_did(b, V, num_pre_periods=5, num_post_periods=2,
    ...                  m_values=[0.5, 1, 1.5, 2])  # doctest: +SKIP
    >>> res.to_frame()  # doctest: +SKIP
    """
    b, s, lv = _prepare(betahat, sigma, num_pre_periods, num_post_periods, l_vec)
    check_option("restriction", restriction, RESTRICTIONS)
    alpha = _check_alpha(alpha)
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
            pre = np.concatenate([b[:k], [0.0]])
            top = float(np.abs(np.diff(pre, n=2)).max()) if k >= 2 else float(math.sqrt(s[0, 0]))
            m_values = list(np.linspace(0.0, top, 10))
    opts = {"method": method, "grid_points": int(grid_points), "grid_rule": grid_rule,
            "lf_sims": int(lf_sims), "seed": seed}
    rows = []
    for mv in m_values:
        lo, hi = _set_at(restriction, b, s, lv, k, t, float(mv), alpha, opts)
        rows.append(
            {"m": float(mv), "ci_low": lo, "ci_high": hi,
             "excludes_zero": bool(not (math.isnan(lo) or lo <= 0 <= hi))}
        )
    table = pd.DataFrame(rows, columns=["m", "ci_low", "ci_high", "excludes_zero"])
    orig = original_ci(b, s, num_pre_periods=k, num_post_periods=t, l_vec=lv, alpha=alpha)
    bd, capped, upper = math.nan, False, math.nan
    if breakdown:
        kw: dict[str, Any] = {} if restriction == "smoothness" else dict(opts)
        if restriction == "relative_magnitudes":
            upper = 10.0
        else:
            pre = np.concatenate([b[:k], [0.0]])
            sd2 = np.abs(np.diff(pre, n=2)).max() if k >= 2 else 0.0
            upper = 10.0 * float(sd2) + float(math.sqrt(lv @ s[k:, k:] @ lv))
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
        std_error=float(math.sqrt(lv @ s[k:, k:] @ lv)),
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
    from eah_eval.sensitivity.pretrends import event_study_inputs

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
