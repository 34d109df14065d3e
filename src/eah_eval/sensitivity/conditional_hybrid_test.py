"""Conditional and hybrid (least-favourable) moment-inequality test of Andrews, Roth and Pakes.

Tests ``E y <= X delta`` for some ``delta``, vectorised over a grid of ``y`` values. The dual
feasible set ``{lambda >= 0, lambda' sd = 1, lambda' X = 0}`` does not depend on ``y``, so its
vertices are enumerated once; ``eta`` is then the largest ``lambda_v' y`` and the conditioning
interval ``[v_lo, v_up]`` is computed exactly from the vertices.

References
----------
Andrews, I., Roth, J. and Pakes, A. (2023). Inference for linear conditional moment inequalities.
*Review of Economic Studies* 90(6), 2763-2791.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from numpy.typing import NDArray
from scipy import stats

__all__ = ["arp_accept", "dual_vertices", "lf_critical_value"]

_TOL_VERTEX = 1e-10


def dual_vertices(sd: NDArray[np.float64], x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return the vertices of the dual feasible set of the ARP test.

    Parameters
    ----------
    sd : numpy.ndarray
        Standard deviations of the ``m`` moments, shape ``(m,)``.
    x : numpy.ndarray
        Moments' loadings on the nuisance parameters ``delta``, shape ``(m, p)`` (``p`` may be 0).

    Returns
    -------
    numpy.ndarray
        One vertex per row, shape ``(n_vertices, m)``; ``(0, m)`` when the set is empty.

    Notes
    -----
    The set is ``{lambda >= 0 : lambda' sd = 1, lambda' X = 0}``. ``X`` is first replaced by an
    orthonormal basis of its column space (rank ``r - 1``); each vertex then has at most ``r``
    non-zero entries and is found by solving the ``r x r`` system on every support of that size,
    keeping the non-negative solutions. The set does not depend on the moments' values, so the
    vertices serve every ``theta`` of a grid.
    """
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


def lf_critical_value(
    vertices: NDArray[np.float64],
    sigma_y: NDArray[np.float64],
    *,
    kappa: float,
    sims: int,
    rng: np.random.Generator,
) -> float:
    """Return the least-favourable critical value of the first stage of the hybrid test.

    Parameters
    ----------
    vertices : numpy.ndarray
        Vertices of the dual feasible set, from :func:`dual_vertices`.
    sigma_y : numpy.ndarray
        Covariance of the moments, shape ``(m, m)``.
    kappa : float
        Size of the first stage (HonestDiD uses ``alpha / 10``).
    sims : int
        Number of simulated draws.
    rng : numpy.random.Generator
        Source of the draws.

    Returns
    -------
    float
        The simulated ``1 - kappa`` quantile; ``-inf`` when there are no vertices.

    Notes
    -----
    At the least-favourable point every moment inequality binds, so the statistic is
    ``eta = max_v lambda_v' xi`` with ``xi ~ N(0, sigma_y)``; its ``1 - kappa`` quantile is taken
    over ``sims`` draws.
    """
    if vertices.shape[0] == 0:
        return -math.inf
    draws = rng.multivariate_normal(np.zeros(sigma_y.shape[0]), sigma_y, size=sims,
                                    method="eigh")
    eta = (draws @ vertices.T).max(axis=1)
    return float(np.quantile(eta, 1 - kappa))


def arp_accept(
    y_grid: NDArray[np.float64],
    sigma_y: NDArray[np.float64],
    vertices: NDArray[np.float64],
    *,
    alpha: float,
    lf_cv: float | None,
    kappa: float,
) -> NDArray[np.bool_]:
    """Return whether the conditional (or hybrid) ARP test accepts at each row of ``y_grid``.

    Parameters
    ----------
    y_grid : numpy.ndarray
        Moment values, one candidate per row, shape ``(g, m)``; the null is ``E y <= X delta``
        for some ``delta``.
    sigma_y : numpy.ndarray
        Covariance of the moments, shape ``(m, m)``.
    vertices : numpy.ndarray
        Vertices of the dual feasible set, from :func:`dual_vertices`.
    alpha : float
        Size of the test.
    lf_cv : float or None
        Least-favourable critical value from :func:`lf_critical_value` for the hybrid test;
        ``None`` for the pure conditional test.
    kappa : float
        Size of the least-favourable first stage (ignored when ``lf_cv`` is ``None``).

    Returns
    -------
    numpy.ndarray of bool
        Acceptance of each row, shape ``(g,)``.

    Notes
    -----
    For each row ``eta = max_v lambda_v' y`` is attained at vertex ``gamma``; conditional on
    ``gamma`` being optimal, ``eta`` is normal with variance ``s2 = gamma' sigma_y gamma``
    truncated to ``[v_lo, v_up]`` (computed exactly from the vertices). The test rejects when
    ``eta / sqrt(s2)`` exceeds the ``1 - alpha`` quantile of that truncated normal. The hybrid
    test first rejects when ``eta > lf_cv``, then caps ``v_up`` at ``lf_cv`` and uses level
    ``(alpha - kappa) / (1 - kappa)`` in the second stage.
    """
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
