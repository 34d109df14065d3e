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

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from eah_eval.errors import EstimationError

__all__ = ["Prepared2x2", "TwoByTwo", "estimate_2x2", "finish_2x2", "logit_fit", "prepare_2x2"]

TRIM_LEVEL = 0.995
OVERLAP_LIMIT = 0.999


class TwoByTwo(NamedTuple):
    """ATT of one 2x2 comparison and its influence function."""

    att: float
    influence: np.ndarray


def logit_fit(x: np.ndarray, d: np.ndarray, w: np.ndarray, *, max_iter: int = 100,
              tol: float = 1e-12) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
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
        Convergence tolerance on the largest (relative) Newton step.

    Returns
    -------
    beta : ndarray, shape (k,)
        Coefficients.
    p : ndarray, shape (n,)
        Fitted probabilities at ``beta``.
    info : ndarray, shape (k, k)
        Information matrix ``x' diag(w p (1-p)) x`` at ``beta``.
    resid : ndarray, shape (n,)
        Score contributions ``w (d - p)`` (the logit's influence function is
        ``resid * x @ inv(info / n)``).

    Raises
    ------
    EstimationError
        If the information matrix is singular or the fit diverges.
    """
    k = x.shape[1]
    design = _Design(x)
    beta = np.zeros(k)
    pbar = float(np.dot(w, d) / np.sum(w))
    pbar = min(max(pbar, 1e-10), 1 - 1e-10)
    beta[0] = np.log(pbar / (1 - pbar))  # the intercept-only MLE: often already the answer
    for _ in range(max_iter):
        eta = design.xv(beta)
        p = 1.0 / (1.0 + np.exp(-eta)) if np.ndim(eta) else np.full(d.shape, 1.0 / (
            1.0 + np.exp(-eta)))
        resid = w * (d - p)
        info = design.gram(w * p * (1.0 - p))
        try:
            step = np.linalg.solve(info, design.xtv(resid))
        except np.linalg.LinAlgError as exc:
            raise EstimationError("propensity-score information matrix is singular") from exc
        if np.max(np.abs(step)) < tol * (1.0 + np.max(np.abs(beta))):
            break  # beta is the MLE to within tol; p, info and resid belong to it
        beta = beta + step
        if not np.all(np.isfinite(beta)):
            raise EstimationError("propensity-score logit diverged")
    else:
        raise EstimationError(f"propensity-score logit did not converge in {max_iter} steps")
    return beta, p, info, resid


class _Design:
    """Products with a design matrix whose first column is the intercept.

    With the intercept alone (no covariates) every product collapses to a sum or a scalar;
    the same formulas then run without n x 1 temporaries.
    """

    def __init__(self, x: np.ndarray) -> None:
        self.x = x
        self.intercept_only = x.shape[1] == 1

    def xv(self, v: np.ndarray) -> np.ndarray | float:
        """``x @ v`` (a scalar when the design is the intercept alone)."""
        return float(v[0]) if self.intercept_only else np.asarray(self.x @ v)

    def xtv(self, u: np.ndarray) -> np.ndarray:
        """``x.T @ u``."""
        return np.array([np.sum(u)]) if self.intercept_only else np.asarray(self.x.T @ u)

    def gram(self, wts: np.ndarray) -> np.ndarray:
        """``x.T @ diag(wts) @ x``."""
        if self.intercept_only:
            return np.array([[np.sum(wts)]])
        return np.asarray((self.x.T * wts) @ self.x)


def _wsum(w: np.ndarray, v: np.ndarray | float) -> float:
    return float(v) * float(np.sum(w)) if np.ndim(v) == 0 else float(np.dot(w, v))


@dataclass(frozen=True, eq=False)
class Prepared2x2:
    """The parts of a 2x2 comparison that do not depend on the outcome change.

    Cells that share their units, treatment indicator, design and weights (for example every
    period of one cohort against the never treated in a balanced panel) share these parts:
    the propensity-score fit, the comparison weights and the regression's normal equations.
    """

    method: str
    design: _Design
    d: np.ndarray
    w: np.ndarray
    w_t: np.ndarray
    mean_wt: float
    w_c0: np.ndarray | None = None
    ols_gram: np.ndarray | None = None
    ols_inv: np.ndarray | None = None
    w_c: np.ndarray | None = None
    mean_wc: float = 0.0
    ps_resid: np.ndarray | None = None
    ps_hess: np.ndarray | None = None


def prepare_2x2(d: np.ndarray, x: np.ndarray, w: np.ndarray, method: str) -> Prepared2x2:
    """Fit the outcome-independent nuisance parts of a 2x2 comparison.

    Parameters
    ----------
    d : ndarray, shape (n,)
        1 for the treated cohort, 0 for comparison units.
    x : ndarray, shape (n, k)
        Design matrix, first column the intercept.
    w : ndarray, shape (n,)
        Sampling weights (normalised here to mean one).
    method : {"dr", "ipw", "reg"}
        Estimator.

    Returns
    -------
    Prepared2x2
        Input to :func:`finish_2x2`.

    Raises
    ------
    EstimationError
        If there are no treated or comparison units, overlap fails (a fitted propensity score
        of at least 0.999) or the comparison units' design is singular.
    """
    n = d.shape[0]
    n_treated = int(np.count_nonzero(d))
    if n_treated == 0 or n_treated == n:
        raise EstimationError("no treated units" if n_treated == 0 else "no comparison units")
    w = w * (n / np.sum(w))  # normalised to mean one
    c = 1.0 - d
    w_t = w * d
    design = _Design(x)
    parts: dict[str, object] = {}
    if method in ("dr", "reg"):
        w_c0 = w * c
        gram = design.gram(w_c0)
        if np.linalg.cond(gram) > 1.0 / np.finfo(float).eps:
            raise EstimationError("control-unit covariate matrix is singular or ill-conditioned")
        parts.update(w_c0=w_c0, ols_gram=gram, ols_inv=np.linalg.inv(gram / n))
    if method in ("dr", "ipw"):
        _, p, info, ps_resid = logit_fit(x, d, w)
        if np.max(p) >= OVERLAP_LIMIT:
            raise EstimationError("overlap condition violated (a propensity score >= 0.999)")
        # p < 0.999 here, so R DRDID's cap of p at 1 - 1e-6 never binds
        w_c = w * c * (p / (1.0 - p))
        trimmed = p >= TRIM_LEVEL
        if trimmed.any():  # comparison units with p >= 0.995 get no weight (R DRDID's trimming)
            w_c[trimmed] = 0.0
        parts.update(w_c=w_c, mean_wc=float(np.sum(w_c)) / n, ps_resid=ps_resid,
                     ps_hess=np.linalg.inv(info) * n)
    return Prepared2x2(method=method, design=design, d=d, w=w, w_t=w_t,
                       mean_wt=float(np.sum(w_t)) / n, **parts)  # type: ignore[arg-type]


def finish_2x2(dy: np.ndarray, prep: Prepared2x2) -> TwoByTwo:
    """Estimate the ATT of a prepared 2x2 comparison for one outcome change.

    Parameters
    ----------
    dy : ndarray, shape (n,)
        Outcome change between the period of interest and the base period.
    prep : Prepared2x2
        Output of :func:`prepare_2x2` for the same units.

    Returns
    -------
    TwoByTwo
        ``att`` and ``influence`` (length n).

    Notes
    -----
    With ``w`` normalised, ``w1 = w d``, ``w0 = w p(x)(1-d)/(1-p(x))`` and ``m(x)`` the control
    regression, the doubly robust estimate is
    ``mean(w1 (dy - m)) / mean(w1) - mean(w0 (dy - m)) / mean(w0)``. Estimation effects enter
    as ``psi_nuisance @ m`` for a k-vector ``m``; with ``psi_nuisance = r * (x @ A)`` this is
    ``r * (x @ (A @ m))``, computed without n x k temporaries.
    """
    n = dy.shape[0]
    design, method, w_t, mean_wt = prep.design, prep.method, prep.w_t, prep.mean_wt
    if method in ("dr", "reg"):
        assert prep.w_c0 is not None and prep.ols_gram is not None and prep.ols_inv is not None
        beta = np.linalg.solve(prep.ols_gram, design.xtv(prep.w_c0 * dy))
        fitted = design.xv(beta)
        ols_resid = prep.w_c0 * (dy - fitted)
        ols_inv = prep.ols_inv

        def ols_effect(m: np.ndarray) -> np.ndarray:
            return np.asarray(ols_resid * design.xv(ols_inv @ m))

    if method == "reg":
        eta_t = float(np.dot(w_t, dy)) / n / mean_wt
        eta_c = _wsum(w_t, fitted) / n / mean_wt
        influence = (w_t * ((dy - eta_t) - (fitted - eta_c)) - ols_effect(design.xtv(w_t) / n)) \
            / mean_wt
        return TwoByTwo(eta_t - eta_c, influence)

    assert prep.w_c is not None and prep.ps_resid is not None and prep.ps_hess is not None
    w_c, mean_wc = prep.w_c, prep.mean_wc
    resid = dy - fitted if method == "dr" else dy
    eta_t = float(np.dot(w_t, resid)) / n / mean_wt
    eta_c = float(np.dot(w_c, resid)) / n / mean_wc
    dev_c = w_c * (resid - eta_c)
    inf_treat = w_t * (resid - eta_t)
    inf_cont = dev_c + prep.ps_resid * design.xv(prep.ps_hess @ (design.xtv(dev_c) / n))
    if method == "dr":
        inf_treat -= ols_effect(design.xtv(w_t) / n)
        inf_cont -= ols_effect(design.xtv(w_c) / n)
    influence = inf_treat / mean_wt - inf_cont / mean_wc
    return TwoByTwo(eta_t - eta_c, influence)


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
    """
    return finish_2x2(dy, prepare_2x2(d, x, w, method))
