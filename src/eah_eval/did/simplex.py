"""Simplex-constrained ridge least squares by Frank-Wolfe (the synthetic-control weights).

One solver serves the unit weights of synthetic control and synthetic difference-in-differences
and the time weights of the latter (:mod:`eah_eval.did.synthdid`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["SimplexFit", "simplex_weights", "sparsify"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class SimplexFit:
    """Weights on the simplex and how the solver stopped.

    Attributes
    ----------
    weights : numpy.ndarray
        Non-negative weights summing to one, one per column of the design (one row per
        problem for a batch).
    objective : float or numpy.ndarray
        Final value of ``zeta^2 ||w||^2 + ||A w - b||^2 / n`` (centred when fitted with an
        intercept), per problem for a batch.
    iterations : int or numpy.ndarray
        Frank-Wolfe steps taken, per problem for a batch.
    """

    weights: FloatArray
    objective: float | FloatArray
    iterations: int | NDArray[np.int_]


def sparsify(weights: FloatArray) -> FloatArray:
    """Zero the weights at or below a quarter of the largest and renormalise (row by row).

    Notes
    -----
    The synthdid heuristic: a short first solve, this thinning, then a full solve started from
    the thinned weights, which keeps the final weights sparse and easy to read.
    """
    w = np.asarray(weights, dtype=float)
    out = np.where(w <= w.max(axis=-1, keepdims=True) / 4.0, 0.0, w)
    return out / out.sum(axis=-1, keepdims=True)


def simplex_weights(
    design: FloatArray,
    target: FloatArray,
    *,
    zeta: float,
    intercept: bool,
    start: FloatArray | None = None,
    min_decrease: float = 1e-3,
    max_iter: int = 1000,
) -> SimplexFit:
    """Minimise ``zeta^2 ||w||^2 + ||A w - b||^2 / n`` over the simplex by Frank-Wolfe.

    Several problems of the same shape can be solved at once (the placebo replications):
    pass ``design`` of shape ``(B, n, k)`` and ``target`` of shape ``(B, n)``; each problem
    stops on its own rule, exactly as if solved alone.

    Parameters
    ----------
    design : numpy.ndarray
        ``A``, shape ``(n, k)`` or ``(B, n, k)``: one column per candidate weight (a control
        unit, or a pre-period).
    target : numpy.ndarray
        ``b``, shape ``(n,)`` or ``(B, n)``.
    zeta : float
        Ridge penalty scale (``n zeta^2`` multiplies ``||w||^2`` in the unscaled problem).
    intercept : bool
        Centre every column of ``A`` and ``b`` first, which allows a free constant in the fit.
    start : numpy.ndarray, optional
        Starting weights, shape ``(k,)`` or ``(B, k)`` (default: equal weights).
    min_decrease : float
        Stop when the objective falls by less than ``min_decrease ** 2`` in one step.
    max_iter : int
        Most steps to take.

    Returns
    -------
    SimplexFit
        With arrays of shape ``(k,)`` and scalars for one problem, ``(B, k)`` and ``(B,)`` for
        a batch.

    Notes
    -----
    Each step moves from ``w`` towards the vertex ``e_i`` with the smallest coordinate of the
    half gradient ``A'(A w - b) + eta w``, ``eta = n zeta^2``, by the exact line-search step
    clipped to ``[0, 1]`` (the objective is quadratic). This is the solver of the R package
    ``synthdid`` (Arkhangelsky et al. 2021), with the same stopping rule: stop after step
    ``t >= 2`` when the objective fell by at most ``min_decrease ** 2``.
    """
    a = np.asarray(design, dtype=float)
    b = np.asarray(target, dtype=float)
    single = a.ndim == 2
    if single:
        a, b = a[None], b[None]
    n_prob, n, k = a.shape
    if intercept:
        a = a - a.mean(axis=1, keepdims=True)
        b = b - b.mean(axis=1, keepdims=True)
    if start is None:
        w = np.full((n_prob, k), 1.0 / k)
    else:
        w = np.array(start, dtype=float).reshape(n_prob, k)
    eta = n * zeta**2
    gram = np.einsum("pni,pnj->pij", a, a)  # k x k per problem, computed once
    atb = np.einsum("pni,pn->pi", a, b)
    bb = np.einsum("pn,pn->p", b, b)
    threshold = min_decrease**2
    objective = np.full(n_prob, np.inf)
    iterations = np.zeros(n_prob, dtype=int)
    # the still-running problems, kept as compact copies so a step touches no finished one
    live = np.arange(n_prob)
    g, gd, c, bl = gram, np.diagonal(gram, axis1=1, axis2=2).copy(), atb, bb
    wl = w.copy()
    previous = np.full(n_prob, np.inf)
    taken = 0
    while True:
        gw = np.matmul(g, wl[:, :, None])[:, :, 0]
        wgw = (wl * gw).sum(axis=1)
        ww = (wl * wl).sum(axis=1)
        wc = (wl * c).sum(axis=1)
        # the objective after the step just taken (R synthdid's stopping rule)
        value = zeta**2 * ww + (wgw - 2.0 * wc + bl) / n
        if taken == max_iter:
            done = np.ones(live.size, dtype=bool)
        else:
            done = previous - value <= threshold if taken >= 2 else np.zeros(live.size, bool)
        if done.any():
            w[live[done]] = wl[done]
            objective[live[done]] = value[done]
            iterations[live[done]] = taken
            keep = ~done
            live, g, gd, c, bl, wl = live[keep], g[keep], gd[keep], c[keep], bl[keep], wl[keep]
            previous = previous[keep]
            if live.size == 0:
                break
            continue  # re-evaluate the remaining problems at their unchanged weights
        previous = value
        rows = np.arange(live.size)
        half_grad = gw - c + eta * wl
        i = np.argmin(half_grad, axis=1)
        w_i = wl[rows, i]
        # direction d = e_i - w: slope h'd, and ||A d||^2 = G_ii - 2 (G w)_i + w'G w
        slope = half_grad[rows, i] - (wgw - wc + eta * ww)
        curvature = (gd[rows, i] - 2.0 * gw[rows, i] + wgw
                     + eta * (1.0 - 2.0 * w_i + ww))
        # curvature is 0 only where the slope is 0 too (d = 0, or A d = 0 without penalty)
        move = np.clip(-slope / np.maximum(curvature, np.finfo(float).tiny), 0.0, 1.0)
        wl = wl * (1.0 - move)[:, None]
        wl[rows, i] += move
        taken += 1
    if single:
        return SimplexFit(weights=w[0], objective=float(objective[0]),
                          iterations=int(iterations[0]))
    return SimplexFit(weights=w, objective=objective, iterations=iterations)
