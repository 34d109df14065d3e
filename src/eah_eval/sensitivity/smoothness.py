"""Rambachan-Roth bounds under smoothness ``Delta^SD(M)``: the optimal fixed-length interval.

Second differences of the bias are at most ``M`` in absolute value. The FLCI (HonestDiD's default
for this restriction) uses the exact folded-normal quantile (R simulates it with 1e6 draws) and a
bounded scalar search over the estimator's standard deviation ``h`` with an inner smooth
reformulation solved by SLSQP (R uses CVXR/ECOS and a numerical-derivative bisection).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, stats

from eah_eval.errors import OptionError
from eah_eval.sensitivity.honest_inputs import check_alpha, check_event_study

__all__ = ["smoothness_flci"]


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
    betahat, sigma, num_pre_periods, num_post_periods, l_vec, alpha
        As in :func:`~eah_eval.sensitivity.original_ci`.
    m : float
        Bound on the absolute second differences of the bias.

    Returns
    -------
    tuple of float
        Lower and upper bound.

    Raises
    ------
    OptionError
        For inputs rejected by :func:`~eah_eval.sensitivity.honest_inputs.check_event_study`,
        ``alpha`` outside ``(0, 1)`` or a negative ``m``.

    Notes
    -----
    Among affine estimators ``v' betahat`` unbiased under a linear trend, choose the one whose
    interval ``v' betahat +/- h cv_{1-alpha}(b/h)`` is shortest, where ``h`` is its standard error,
    ``b = M x`` (worst-case bias over ``Delta^SD(1)``) and ``cv`` the quantile of the folded normal
    ``|N(b/h, 1)|``. For each ``h`` the smallest bias is a convex problem; the half-length is then
    minimised over ``h`` between the minimum-variance and the minimum-bias estimators.
    """
    b, s, lv = check_event_study(betahat, sigma, num_pre_periods, num_post_periods, l_vec)
    alpha = check_alpha(alpha)
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

