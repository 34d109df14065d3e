"""Exact weighted least squares with unit and period fixed effects.

:class:`TwoWayFE` eliminates the unit block of the normal equations and solves the small
remaining system once, so large panels need no iterative demeaning. It is shared by the
two-way fixed-effects, Sun-Abraham and imputation estimators.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse

__all__ = ["TwoWayFE", "sum_by_code"]


class TwoWayFE:
    """Weighted least squares on unit dummies, period dummies and a few extra regressors.

    The normal equations have a diagonal unit block; eliminating it (the Schur complement)
    leaves a small ``q x q`` system over the period dummies and the extra regressors, solved
    once by a symmetric pseudo-inverse. The cost is linear in the number of rows for a fixed
    number of periods and extra columns, so 100,000-unit panels need no iteration.

    Parameters
    ----------
    unit_codes, time_codes : numpy.ndarray
        Integer codes of the rows entering the fit.
    weights : numpy.ndarray
        Row weights (positive).
    n_units, n_periods : int
        Number of unit and period codes (codes without rows get zero effects).
    extra : numpy.ndarray or scipy.sparse matrix, optional
        Extra regressors, shape ``(n, p)`` (e.g. cohort-by-period dummies, covariates).

    Notes
    -----
    Coefficients are returned as ``(unit effects, small)`` where ``small`` stacks the period
    effects and the extra coefficients. One period-effect direction is not identified next to the
    unit effects; the pseudo-inverse picks one solution, and fitted values (and coefficients of
    extra regressors that are identified) do not depend on that choice.
    """

    def __init__(
        self,
        unit_codes: np.ndarray,
        time_codes: np.ndarray,
        weights: np.ndarray,
        n_units: int,
        n_periods: int,
        extra: Any = None,
    ) -> None:
        n = unit_codes.shape[0]
        self.unit_codes = unit_codes
        self.time_codes = time_codes
        self.weights = weights
        self.n_units = n_units
        self.n_periods = n_periods
        rows = np.arange(n)
        times = sparse.csr_matrix((np.ones(n), (rows, time_codes)), shape=(n, n_periods))
        if extra is None:
            small = times
        else:
            small = sparse.hstack([times, sparse.csr_matrix(extra)], format="csr")
        self.small = small
        self.n_small = small.shape[1]
        self.unit_weight = np.bincount(unit_codes, weights, minlength=n_units)
        self._inv_unit = np.divide(
            1.0, self.unit_weight, out=np.zeros(n_units), where=self.unit_weight > 0
        )
        unit_w = sparse.csr_matrix((weights, (unit_codes, rows)), shape=(n_units, n))
        self._b = (unit_w @ small).tocsr()  # (n_units, q): A'WS
        sws = (small.T @ sparse.diags(weights) @ small).toarray()
        reduced = sws - (self._b.T @ sparse.diags(self._inv_unit) @ self._b).toarray()
        self.reduced = (reduced + reduced.T) / 2
        self._pinv = np.linalg.pinv(self.reduced, rcond=1e-11, hermitian=True)

    @property
    def reduced_rank(self) -> int:
        """Rank of the reduced normal matrix (``q - 1`` when everything is identified)."""
        scale = max(1.0, float(np.abs(self.reduced).max()))
        return int(np.linalg.matrix_rank(self.reduced, tol=1e-10 * scale, hermitian=True))

    @property
    def reduced_pinv(self) -> np.ndarray:
        """Pseudo-inverse of the reduced normal matrix (the bread for the small coefficients)."""
        return self._pinv

    def solve(self, r_unit: np.ndarray, r_small: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Solve the normal equations ``Z'WZ theta = r``.

        Parameters
        ----------
        r_unit : numpy.ndarray
            Right-hand side rows for the unit dummies, shape ``(n_units, m)``.
        r_small : numpy.ndarray
            Right-hand side rows for the period dummies and extra regressors, ``(q, m)``.

        Returns
        -------
        tuple of numpy.ndarray
            Unit coefficients ``(n_units, m)`` and small coefficients ``(q, m)``.
        """
        rhs = r_small - self._b.T @ (self._inv_unit[:, None] * r_unit)
        theta_s = self._pinv @ rhs
        theta_u = self._inv_unit[:, None] * (r_unit - self._b @ theta_s)
        return theta_u, theta_s

    def normal_rhs(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return ``Z'W v`` split into unit and small parts for row values ``v`` ``(n, m)``."""
        wv = self.weights[:, None] * values
        r_unit = sum_by_code(self.unit_codes, wv, self.n_units)
        r_small = np.asarray(self.small.T @ wv)
        return r_unit, r_small

    def coefficients(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the coefficients of the weighted regression of ``values`` ``(n, m)``."""
        return self.solve(*self.normal_rhs(values))

    def fitted(self, theta_u: np.ndarray, theta_s: np.ndarray) -> np.ndarray:
        """Fitted values ``Z theta`` at the rows of the fit."""
        return np.asarray(theta_u[self.unit_codes] + self.small @ theta_s)

    def cluster_influence(
        self, cluster_codes: np.ndarray, residuals: np.ndarray, n_clusters: int
    ) -> np.ndarray:
        """Cluster-level influence functions of the small coefficients.

        Parameters
        ----------
        cluster_codes : numpy.ndarray
            Cluster code (0-based) of each row of the fit.
        residuals : numpy.ndarray
            Residuals of the fit, shape ``(n,)``.
        n_clusters : int
            Number of cluster codes.

        Returns
        -------
        numpy.ndarray
            ``(sum_{i in c} w_i e_i s_i') (S'MS)^+``, shape ``(n_clusters, q)``, where ``s_i`` is
            the row of period dummies and extra regressors; the rows sum to the estimation
            error of the small coefficients, and ``psi.T @ psi`` is their cluster-robust
            covariance.
        """
        n = residuals.shape[0]
        cl_w = sparse.csr_matrix(
            (self.weights * residuals, (cluster_codes, np.arange(n))), shape=(n_clusters, n)
        )
        scores = np.asarray((cl_w @ self.small).todense())
        return np.asarray(scores @ self._pinv)

    def residualize(self, values: np.ndarray) -> np.ndarray:
        """Residuals of the weighted regression of each column of ``values`` on the design."""
        values = np.asarray(values, dtype=np.float64)
        flat = values.ndim == 1
        v2 = values[:, None] if flat else values
        out = v2 - self.fitted(*self.coefficients(v2))
        return out[:, 0] if flat else out


def sum_by_code(codes: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Sum the rows of ``values`` ``(rows, m)`` by integer code into an ``(n, m)`` array."""
    out = np.zeros((n, values.shape[1]))
    np.add.at(out, codes, values)
    return out

