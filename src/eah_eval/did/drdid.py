"""Two-group, two-period difference-in-differences with panel data (one group-time cell).

Each function takes the outcome change ``dy = y_t - y_base`` for the units of one 2x2 comparison,
the treated indicator ``d``, a design matrix ``x`` whose first column is the intercept, and
sampling weights, and returns the ATT with its influence function (one value per unit, on the
scale where ``var(att) = mean(psi**2) / n``).

* ``"reg"``: outcome regression (Heckman, Ichimura and Todd 1997) -- the control units' change is
  regressed on ``x`` by weighted least squares and predicted for the treated.
* ``"ipw"``: normalised (Hajek) inverse probability weighting (Abadie 2005), propensity by logit.
* ``"dr"``: the locally efficient doubly robust estimator of Sant'Anna and Zhao (2020), eq. 3.1,
  with a logit propensity score and a weighted least squares outcome model, as R ``DRDID``'s
  ``drdid_panel`` used by R ``did``.

Influence functions include the estimation effect of the nuisance parameters. Control units
whose propensity score is at least ``trim_level`` get zero weight (R ``DRDID``'s trimming).

References
----------
Sant'Anna, P. H. C. and Zhao, J. (2020). Doubly robust difference-in-differences estimators.
Journal of Econometrics 219(1), 101-122.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from eah_eval.errors import EstimationError

__all__ = ["TwoByTwo", "estimate_2x2", "logit_fit"]

TRIM_LEVEL = 0.995
OVERLAP_LIMIT = 0.999


class TwoByTwo(NamedTuple):
    """ATT of one 2x2 comparison and its influence function."""

    att: float
    influence: np.ndarray


def logit_fit(x: np.ndarray, d: np.ndarray, w: np.ndarray, *, max_iter: int = 100,
              tol: float = 1e-12) -> tuple[np.ndarray, np.ndarray]:
    """Weighted logistic regression by Newton-Raphson.

    Parameters
    ----------
    x : ndarray, shape (n, k)
        Design matrix whose first column is the intercept.
    d : ndarray, shape (n,)
        Binary outcome.
    w : ndarray, shape (n,)
        Non-negative weights.
    max_iter : int, default 100
        Maximum Newton steps.
    tol : float, default 1e-12
        Convergence tolerance on the largest coefficient step.

    Returns
    -------
    beta : ndarray, shape (k,)
        Coefficients.
    p : ndarray, shape (n,)
        Fitted probabilities.

    Raises
    ------
    EstimationError
        If the information matrix is singular.
    """
    k = x.shape[1]
    beta = np.zeros(k)
    pbar = float(np.sum(w * d) / np.sum(w))
    pbar = min(max(pbar, 1e-10), 1 - 1e-10)
    beta[0] = np.log(pbar / (1 - pbar))  # the intercept-only MLE: often already the answer
    for _ in range(max_iter):
        eta = x @ beta
        p = 1.0 / (1.0 + np.exp(-eta))
        score = x.T @ (w * (d - p))
        info = (x.T * (w * p * (1.0 - p))) @ x
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError as exc:
            raise EstimationError("propensity-score information matrix is singular") from exc
        beta = beta + step
        if not np.all(np.isfinite(beta)):
            raise EstimationError("propensity-score logit diverged")
        if np.max(np.abs(step)) < tol * (1.0 + np.max(np.abs(beta))):
            break
    p = 1.0 / (1.0 + np.exp(-(x @ beta)))
    return beta, p


def _wls(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    xw = x.T * w
    xtwx = xw @ x
    if np.linalg.cond(xtwx) > 1.0 / np.finfo(float).eps:
        raise EstimationError("control-unit covariate matrix is singular or ill-conditioned")
    return np.asarray(np.linalg.solve(xtwx, xw @ y))


def estimate_2x2(dy: np.ndarray, d: np.ndarray, x: np.ndarray, w: np.ndarray,
                 method: str) -> TwoByTwo:
    """Estimate one panel 2x2 ATT and its influence function.

    Parameters
    ----------
    dy : ndarray, shape (n,)
        Outcome change between the period of interest and the base period.
    d : ndarray, shape (n,)
        1 for the treated cohort, 0 for comparison units.
    x : ndarray, shape (n, k)
        Design matrix, first column the intercept; covariates from the base (earlier) period.
    w : ndarray, shape (n,)
        Sampling weights (normalised here to mean one).
    method : {"dr", "ipw", "reg"}
        Estimator.

    Returns
    -------
    TwoByTwo
        ``att`` and ``influence`` (length n).

    Raises
    ------
    EstimationError
        If the cell has no treated or comparison units, overlap fails (a fitted propensity
        score of at least 0.999) or a design matrix is singular.

    Notes
    -----
    With ``w`` normalised, ``w1 = w d``, ``w0 = w p(x)(1-d)/(1-p(x))`` and ``m(x)`` the control
    regression, the doubly robust estimate is
    ``mean(w1 (dy - m)) / mean(w1) - mean(w0 (dy - m)) / mean(w0)``.
    """
    n = dy.shape[0]
    n_treated = int(np.count_nonzero(d))
    if n_treated == 0 or n_treated == n:
        raise EstimationError("no treated units" if n_treated == 0 else "no comparison units")
    w = w / np.mean(w)
    control = d == 0

    # Estimation effects enter as psi_nuisance @ m for a k-vector m; with
    # psi_nuisance = (x * r[:, None]) @ A this is r * (x @ (A @ m)), computed without
    # forming n x k temporaries.
    ps = ps_resid = ps_hess = None
    if method in ("dr", "ipw"):
        _, p = logit_fit(x, d, w)
        if np.max(p) >= OVERLAP_LIMIT:
            raise EstimationError("overlap condition violated (a propensity score >= 0.999)")
        ps = np.minimum(p, 1 - 1e-6)
        keep = np.where(control, ps < TRIM_LEVEL, True)
        wps = ps * (1.0 - ps) * w
        ps_hess = np.linalg.inv((x.T * wps) @ x) * n
        ps_resid = w * (d - ps)
    if method in ("dr", "reg"):
        beta = _wls(x[control], dy[control], w[control])
        fitted = x @ beta
        w_ols = w * (1.0 - d)
        ols_inv = np.linalg.inv((x.T * w_ols) @ x / n)
        ols_resid = w_ols * (dy - fitted)

        def ols_effect(m: np.ndarray) -> np.ndarray:
            return np.asarray(ols_resid * (x @ (ols_inv @ m)))

    if method == "reg":
        w_t = w * d
        mean_wt = np.mean(w_t)
        eta_t = np.mean(w_t * dy) / mean_wt
        eta_c = np.mean(w_t * fitted) / mean_wt
        inf_treat = w_t * (dy - eta_t) / mean_wt
        inf_cont = (w_t * (fitted - eta_c) + ols_effect(x.T @ w_t / n)) / mean_wt
        return TwoByTwo(float(eta_t - eta_c), inf_treat - inf_cont)

    assert ps is not None and ps_resid is not None and ps_hess is not None
    w_t = keep * w * d
    w_c = keep * w * ps * (1.0 - d) / (1.0 - ps)
    resid = dy - fitted if method == "dr" else dy
    mean_wt, mean_wc = np.mean(w_t), np.mean(w_c)
    eta_t = np.mean(w_t * resid) / mean_wt
    eta_c = np.mean(w_c * resid) / mean_wc
    inf_treat = w_t * (resid - eta_t)
    inf_cont = w_c * (resid - eta_c)
    m2 = x.T @ (w_c * (resid - eta_c)) / n
    inf_cont = inf_cont + ps_resid * (x @ (ps_hess @ m2))
    if method == "dr":
        inf_treat = inf_treat - ols_effect(x.T @ w_t / n)
        inf_cont = inf_cont - ols_effect(x.T @ w_c / n)
    influence = inf_treat / mean_wt - inf_cont / mean_wc
    return TwoByTwo(float(eta_t - eta_c), influence)
