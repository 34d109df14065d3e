"""Bias-reduced linearisation (CR2) cluster-robust variance with Satterthwaite degrees of freedom.

For a (weighted) linear model ``y = X b + e`` with clusters ``g``, CR2 (Bell and McCaffrey 2002)
replaces each cluster's residuals ``e_g`` by ``A_g e_g`` with ``A_g = (I - H_gg)^{-1/2}`` (the
symmetric inverse square root; a Moore-Penrose version where ``I - H_gg`` is singular), ``H_gg``
the cluster's block of the hat matrix. Tests of one contrast ``c'b`` use a t reference with the
Satterthwaite degrees of freedom of Pustejovsky and Tipton (2018), computed under the working
model of independent homoskedastic errors:

``nu = (sum_g Omega_gg)^2 / sum_{g,h} Omega_gh^2``, ``Omega = diag(a_g'a_g) - Q' (X'X)^{-1} Q``,

with ``a_g = A_g X_g (X'X)^{-1} c`` and ``Q = [X_g' a_g]``.

Fixed effects. Effects that are *nested within clusters* (school effects when clustering by
cluster of schools) may be absorbed: pass their codes as ``absorb`` and include every other
regressor (including period dummies) in ``x``. Pustejovsky and Tipton (2018, Theorem 2) show
that, with the generalised inverse square root, CR2 from the within-transformed design equals
CR2 from the full dummy design in that case; the tests check this against a dense full-design
computation. Effects that cross clusters (periods) must stay in ``x``. Weights are handled as
weighted least squares, i.e. ordinary least squares on ``sqrt(w) y`` and ``sqrt(w) X``
(working model: variance inversely proportional to the weight).

References
----------
Bell, R. M. and McCaffrey, D. F. (2002). Bias reduction in standard errors for linear regression
with multi-stage samples. *Survey Methodology* 28(2), 169-181.
Pustejovsky, J. E. and Tipton, E. (2018). Small-sample methods for cluster-robust variance
estimation and hypothesis testing in fixed effects models. *Journal of Business & Economic
Statistics* 36(4), 672-683.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from eah_eval.did.table_delegation import FrameDisplay
from eah_eval.errors import EstimationError, OptionError
from eah_eval.inference.imputation_sample import outcome_in_sample_order

__all__ = [
    "CR2Fit", "ContrastTest", "LinearEstimatorTest", "cr2", "cr2_imputation", "cr2_linear",
    "cr2_twfe",
]

_EIG_TOL = 1e-10


def _t_interval(estimate: float, std_error: float, df: float, level: float) -> tuple[float, float]:
    """Return ``estimate +/- t_{df}(0.5 + level/2) * std_error``."""
    if not 0 < level < 1:
        raise OptionError(f"level must lie strictly between 0 and 1; got {level}")
    q = float(stats.t.ppf(0.5 + level / 2, df))
    return estimate - q * std_error, estimate + q * std_error


@dataclass(frozen=True)
class ContrastTest(FrameDisplay):
    """Test of one linear contrast ``c'b = null``.

    Attributes
    ----------
    estimate, std_error : float
        ``c'b`` and its standard error.
    df : float
        Reference degrees of freedom (Satterthwaite for CR2, ``G - 1`` for CR1).
    statistic, pvalue : float
        t statistic against ``null`` and its two-sided p-value.
    null : float
        Hypothesised value.
    vcov_type : str
        ``"CR2"`` or ``"CR1"``.
    n_clusters : int
        Number of clusters.
    """

    estimate: float
    std_error: float
    df: float
    statistic: float
    pvalue: float
    null: float
    vcov_type: str
    n_clusters: int

    def conf_int(self, level: float = 0.95) -> tuple[float, float]:
        """Return the ``level`` interval ``estimate +/- t_{df} se``."""
        return _t_interval(self.estimate, self.std_error, self.df, level)


@dataclass(frozen=True, eq=False)
class CR2Fit:
    """A linear fit with CR1 and CR2 cluster-robust covariances.

    Attributes
    ----------
    params : numpy.ndarray
        Coefficients on the columns of ``x``.
    vcov : numpy.ndarray
        CR2 covariance.
    vcov_cr1 : numpy.ndarray
        CR1 covariance, ``G/(G-1) (n-1)/(n-p)`` times the sandwich (``p`` = columns of ``x``;
        absorbed effects nested in clusters are not counted, as in fixest).
    columns : tuple of str
        Column names.
    n_obs, n_clusters : int
        Sizes.
    """

    params: NDArray[np.float64]
    vcov: NDArray[np.float64]
    vcov_cr1: NDArray[np.float64]
    columns: tuple[str, ...]
    n_obs: int
    n_clusters: int
    _bread: NDArray[np.float64]
    _adj_design: tuple[tuple[NDArray[np.float64], NDArray[np.float64]], ...]
    _design: tuple[NDArray[np.float64], ...]

    @property
    def std_errors(self) -> pd.Series:
        """CR2 standard errors."""
        return pd.Series(np.sqrt(np.diag(self.vcov)), index=list(self.columns))

    def _contrast(self, contrast: ArrayLike | str | int) -> NDArray[np.float64]:
        if isinstance(contrast, str):
            if contrast not in self.columns:
                raise OptionError(
                    f"contrast {contrast!r} is not a column; columns are {list(self.columns)}"
                )
            c = np.zeros(len(self.columns))
            c[self.columns.index(contrast)] = 1.0
            return c
        if isinstance(contrast, int | np.integer):
            c = np.zeros(len(self.columns))
            c[int(contrast)] = 1.0
            return c
        c = np.asarray(contrast, dtype=float).reshape(-1)
        if c.shape[0] != len(self.columns):
            raise OptionError(
                f"contrast must have {len(self.columns)} entries; got {c.shape[0]}"
            )
        return c

    def satterthwaite_df(self, contrast: ArrayLike | str | int) -> float:
        """Satterthwaite degrees of freedom of the CR2 variance of ``c'b`` (Pustejovsky-Tipton).

        Parameters
        ----------
        contrast : array_like, str or int
            Contrast vector, column name or column index.

        Returns
        -------
        float
            ``(tr Omega)^2 / ||Omega||_F^2`` (see the module notes).
        """
        c = self._contrast(contrast)
        mc = self._bread @ c
        norms = np.empty(self.n_clusters)
        q = np.empty((self.n_clusters, c.shape[0]))
        for g, (zg, ag) in enumerate(zip(self._design, self._adj_design, strict=True)):
            a = _apply(ag, zg @ mc)
            norms[g] = a @ a
            q[g] = zg.T @ a
        omega = np.diag(norms) - q @ self._bread @ q.T
        return float(np.trace(omega) ** 2 / np.sum(omega * omega))

    def test(
        self, contrast: ArrayLike | str | int, *, null: float = 0.0, vcov_type: str = "CR2"
    ) -> ContrastTest:
        """Test ``c'b = null`` with CR2 + Satterthwaite (default) or CR1 + ``t_{G-1}``.

        Parameters
        ----------
        contrast : array_like, str or int
            Contrast vector, column name or column index.
        null : float, default 0
            Hypothesised value.
        vcov_type : {"CR2", "CR1"}
            Which covariance.

        Returns
        -------
        ContrastTest
        """
        if vcov_type not in ("CR2", "CR1"):
            raise OptionError(f"vcov_type must be one of 'CR2', 'CR1'; got {vcov_type!r}")
        c = self._contrast(contrast)
        est = float(c @ self.params)
        v = self.vcov if vcov_type == "CR2" else self.vcov_cr1
        se = math.sqrt(max(float(c @ v @ c), 0.0))
        df = self.satterthwaite_df(c) if vcov_type == "CR2" else float(self.n_clusters - 1)
        tstat = (est - null) / se if se > 0 else math.nan
        p = float(2 * stats.t.sf(abs(tstat), df)) if se > 0 else math.nan
        return ContrastTest(est, se, df, tstat, p, float(null), vcov_type, self.n_clusters)


def _apply(
    adj: tuple[NDArray[np.float64], NDArray[np.float64]], v: NDArray[np.float64]
) -> NDArray[np.float64]:
    u, fm1 = adj
    return np.asarray(v + u @ (fm1 * (u.T @ v)), dtype=float)


def _codes(values: ArrayLike, name: str, n: int) -> NDArray[np.intp]:
    arr = np.asarray(values)
    if arr.shape[0] != n:
        raise OptionError(f"{name} must have one entry per row ({n}); got {arr.shape[0]}")
    if pd.isna(pd.Series(arr)).any():
        raise OptionError(f"{name} has missing values")
    return np.asarray(pd.factorize(arr, sort=True)[0], dtype=np.intp)


def _demean(values: NDArray[np.float64], codes: NDArray[np.intp], w: NDArray[np.float64]
            ) -> NDArray[np.float64]:
    n_groups = int(codes.max()) + 1
    wsum = np.bincount(codes, w, minlength=n_groups)
    out = np.empty_like(values)
    for j in range(values.shape[1]):
        means = np.bincount(codes, w * values[:, j], minlength=n_groups) / wsum
        out[:, j] = values[:, j] - means[codes]
    return out


@dataclass(frozen=True, eq=False)
class _Core:
    """Weighted fit and the per-cluster CR2 adjustments (rows of cluster ``g``: ``blocks[g]``)."""

    z: NDArray[np.float64]
    beta: NDArray[np.float64]
    e: NDArray[np.float64]
    bread: NDArray[np.float64]
    blocks: tuple[NDArray[np.intp], ...]
    designs: tuple[NDArray[np.float64], ...]
    adjusts: tuple[tuple[NDArray[np.float64], NDArray[np.float64]], ...]


def _core(xa: NDArray[np.float64], ya: NDArray[np.float64], cl: NDArray[np.intp],
          n_clusters: int, w: NDArray[np.float64]) -> _Core:
    """Fit ``sqrt(w) y`` on ``sqrt(w) x`` and build ``A_g = (I - H_gg)^{+1/2}`` per cluster."""
    p = xa.shape[1]
    sw = np.sqrt(w)
    z = xa * sw[:, None]
    yz = ya * sw
    ztz = z.T @ z
    if np.linalg.matrix_rank(ztz) < p:
        raise EstimationError(
            f"the regressors are collinear (rank {np.linalg.matrix_rank(ztz)} < {p} columns)"
        )
    bread = np.asarray(np.linalg.inv(ztz), dtype=np.float64)
    beta = bread @ (z.T @ yz)
    e = yz - z @ beta
    chol = np.linalg.cholesky(bread)
    order = np.argsort(cl, kind="stable")
    bounds = np.searchsorted(cl[order], np.arange(n_clusters + 1))
    blocks: list[NDArray[np.intp]] = []
    designs: list[NDArray[np.float64]] = []
    adjusts: list[tuple[NDArray[np.float64], NDArray[np.float64]]] = []
    for g in range(n_clusters):
        idx = order[bounds[g]: bounds[g + 1]]
        zg = z[idx]
        rg = zg @ chol
        lam, vec = np.linalg.eigh(rg.T @ rg)
        keep = lam > _EIG_TOL * max(1.0, float(lam.max()) if lam.size else 1.0)
        lam, vec = lam[keep], vec[:, keep]
        u = rg @ vec / np.sqrt(lam)
        one_minus = 1.0 - lam
        f = np.where(one_minus > 1e-10, 1.0 / np.sqrt(np.clip(one_minus, 1e-300, None)), 0.0)
        # A_g = I + U diag(f - 1) U' (low rank: never formed as an n_g x n_g matrix)
        blocks.append(idx)
        designs.append(zg)
        adjusts.append((u, f - 1.0))
    return _Core(z, beta, e, bread, tuple(blocks), tuple(designs), tuple(adjusts))


def cr2(
    x: ArrayLike,
    y: ArrayLike,
    cluster: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    absorb: ArrayLike | None = None,
    columns: tuple[str, ...] | None = None,
) -> CR2Fit:
    """Fit ``y`` on ``x`` by (weighted) least squares and compute CR1 and CR2 covariances.

    Parameters
    ----------
    x : array_like
        Regressors, shape ``(n, p)`` (include an intercept or dummies yourself; when ``absorb`` is
        given the intercept is absorbed).
    y : array_like
        Outcome, length ``n``.
    cluster : array_like
        Cluster labels, length ``n``.
    weights : array_like, optional
        Positive weights (weighted least squares).
    absorb : array_like, optional
        Codes of fixed effects nested within clusters, removed by the within transformation.
    columns : tuple of str, optional
        Names of the columns of ``x``.

    Returns
    -------
    CR2Fit

    Raises
    ------
    OptionError
        For inconsistent lengths or non-positive weights.
    EstimationError
        If ``x`` is rank deficient, fewer than two clusters, or ``absorb`` groups are not nested
        within clusters.
    """
    xa = np.asarray(x, dtype=float)
    if xa.ndim == 1:
        xa = xa[:, None]
    ya = np.asarray(y, dtype=float).reshape(-1)
    n, p = xa.shape
    if ya.shape[0] != n:
        raise OptionError(f"y must have one entry per row of x ({n}); got {ya.shape[0]}")
    cl = _codes(cluster, "cluster", n)
    n_clusters = int(cl.max()) + 1
    if n_clusters < 2:
        raise EstimationError("CR2 needs at least two clusters; got 1")
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float).reshape(-1)
    if w.shape[0] != n or np.any(~np.isfinite(w)) or np.any(w <= 0):
        raise OptionError("weights must be positive and finite, one per row")
    if absorb is not None:
        ab = _codes(absorb, "absorb", n)
        per_group = pd.Series(cl).groupby(ab).nunique()
        if (per_group > 1).any():
            bad = int(per_group.index[per_group.to_numpy() > 1][0])
            raise EstimationError(
                "absorbed effects must be nested within clusters for CR2 by absorption; "
                f"absorb group {bad} spans {int(per_group.iloc[bad])} clusters (put those "
                "effects in x as dummies instead)"
            )
        xa = _demean(xa, ab, w)
        ya = _demean(ya[:, None], ab, w)[:, 0]
    core = _core(xa, ya, cl, n_clusters, w)
    bread, p = core.bread, xa.shape[1]
    meat2 = np.zeros((p, p))
    meat1 = np.zeros((p, p))
    for idx, zg, ag in zip(core.blocks, core.designs, core.adjusts, strict=True):
        eg = core.e[idx]
        s2 = zg.T @ _apply(ag, eg)
        s1 = zg.T @ eg
        meat2 += np.outer(s2, s2)
        meat1 += np.outer(s1, s1)
    beta = core.beta
    designs, adjusts = core.designs, core.adjusts
    v2 = bread @ meat2 @ bread
    ssc = n_clusters / (n_clusters - 1) * (n - 1) / (n - p)
    v1 = ssc * bread @ meat1 @ bread
    cols = columns if columns is not None else tuple(f"x{j}" for j in range(p))
    if len(cols) != p:
        raise OptionError(f"columns must name the {p} columns of x; got {len(cols)}")
    return CR2Fit(
        params=beta, vcov=v2, vcov_cr1=v1, columns=tuple(cols), n_obs=n, n_clusters=n_clusters,
        _bread=bread, _adj_design=tuple(adjusts), _design=tuple(designs),
    )


def cr2_twfe(result: Any) -> CR2Fit:
    """CR2 for a two-way fixed-effects fit from :func:`eah_eval.did.twfe`.

    Unit effects are absorbed (they must be nested within the clusters of the fit); period
    effects enter as dummies, so the leverage adjustments use the full design.

    Parameters
    ----------
    result : eah_eval.did.twfe.TwfeResult
        A fitted TWFE model (static or event study).

    Returns
    -------
    CR2Fit
        Its first columns are the treatment terms of ``result`` (named as in its design).
    """
    d = result.design
    n = d.x.shape[0]
    n_periods = int(d.time_codes.max()) + 1
    dummies = np.zeros((n, max(n_periods - 1, 0)))
    mask = d.time_codes > 0
    dummies[np.flatnonzero(mask), d.time_codes[mask] - 1] = 1.0
    x = np.column_stack([np.asarray(d.x_raw, dtype=float), dummies])
    names = tuple(d.columns) + tuple(f"period_{k}" for k in range(1, n_periods))
    # the two-way transformed outcome gives the same treatment coefficients and residuals
    return cr2(x, d.y, d.cluster_codes, weights=d.weights, absorb=d.unit_codes, columns=names)


@dataclass(frozen=True)
class LinearEstimatorTest(FrameDisplay):
    """CR2 (with Satterthwaite df) and CR1 inference for a linear estimator ``w'y``.

    Attributes
    ----------
    estimate : float
        ``w'y``.
    std_error : float
        CR2 (bias-reduced) standard error.
    df : float
        Satterthwaite degrees of freedom of the CR2 variance.
    std_error_cr1 : float
        CR1 standard error, ``sqrt(G/(G-1) sum_g (w_g'e_g)^2)``.
    null : float
        Hypothesised value.
    statistic, pvalue : float
        CR2 t statistic and its two-sided ``t(df)`` p-value.
    n_clusters : int
        Number of clusters.
    """

    estimate: float
    std_error: float
    df: float
    std_error_cr1: float
    null: float
    statistic: float
    pvalue: float
    n_clusters: int

    def conf_int(self, level: float = 0.95) -> tuple[float, float]:
        """Return ``estimate +/- t_{df} se`` (CR2, Satterthwaite)."""
        return _t_interval(self.estimate, self.std_error, self.df, level)


def cr2_linear(
    w: ArrayLike,
    x: ArrayLike,
    y: ArrayLike,
    cluster: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    absorb: ArrayLike | None = None,
    null: float = 0.0,
) -> LinearEstimatorTest:
    """CR2 variance and Satterthwaite df of a linear estimator ``w'y`` under a working model.

    Parameters
    ----------
    w : array_like
        Estimator weights, length ``n`` (the estimate is ``w'y``).
    x : array_like
        Working-model regressors, shape ``(n, p)``; residuals ``e`` come from the (weighted) fit
        of ``y`` on ``x`` (and on ``absorb`` effects).
    y : array_like
        Outcome.
    cluster : array_like
        Cluster labels.
    weights : array_like, optional
        Regression weights of the working model (WLS).
    absorb : array_like, optional
        Codes of fixed effects nested within clusters (absorbed). ``w`` must sum to zero within
        each absorbed group (the estimator ignores those effects), as imputation weights do
        for unit effects.
    null : float, default 0
        Hypothesised value.

    Returns
    -------
    LinearEstimatorTest

    Raises
    ------
    OptionError
        For inconsistent lengths, or ``w`` not orthogonal to the absorbed effects.
    EstimationError
        As :func:`cr2`.

    Notes
    -----
    In the ``sqrt(weights)``-scaled model let ``W = w / sqrt(weights)``, ``H`` the hat matrix
    and ``A_g = (I - H_gg)^{+1/2}``. Then ``V_CR2 = sum_g (W_g' A_g e_g)^2``. Under the working
    model (independent errors of equal variance ``s^2``) ``E V_CR2 = s^2 W'W = var(w'y)``
    exactly (when each ``I - H_gg`` is non-singular), which is the bias-reduction property of
    Bell and McCaffrey. Writing ``a_g = A_g W_g`` (zero outside cluster ``g``) and
    ``p_g = (I - H) a_g``, ``V_CR2 = sum_g (p_g'y)^2`` is a quadratic form whose Satterthwaite
    degrees of freedom are ``(tr Omega)^2 / ||Omega||_F^2`` with ``Omega_gh = p_g'p_h
    = 1{g=h} a_g'a_g - q_g' (Z'Z)^{-1} q_h``, ``q_g = Z_g'a_g`` (Pustejovsky and Tipton 2018;
    the same formula as for a coefficient contrast).
    """
    xa = np.asarray(x, dtype=float)
    if xa.ndim == 1:
        xa = xa[:, None]
    ya = np.asarray(y, dtype=float).reshape(-1)
    n = xa.shape[0]
    wv = np.asarray(w, dtype=float).reshape(-1)
    if ya.shape[0] != n or wv.shape[0] != n:
        raise OptionError(f"w and y must have one entry per row of x ({n}); got "
                          f"{wv.shape[0]} and {ya.shape[0]}")
    cl = _codes(cluster, "cluster", n)
    n_clusters = int(cl.max()) + 1
    if n_clusters < 2:
        raise EstimationError("CR2 needs at least two clusters; got 1")
    rw = np.ones(n) if weights is None else np.asarray(weights, dtype=float).reshape(-1)
    if rw.shape[0] != n or np.any(~np.isfinite(rw)) or np.any(rw <= 0):
        raise OptionError("weights must be positive and finite, one per row")
    estimate = float(wv @ ya)
    if absorb is not None:
        ab = _codes(absorb, "absorb", n)
        per_group = pd.Series(cl).groupby(ab).nunique()
        if (per_group > 1).any():
            raise EstimationError("absorbed effects must be nested within clusters")
        sums = np.bincount(ab, wv)
        if np.max(np.abs(sums)) > 1e-9 * max(1.0, float(np.abs(wv).sum())):
            raise OptionError("w must sum to zero within each absorbed group (the estimator "
                              "must not depend on the absorbed effects)")
        xa = _demean(xa, ab, rw)
        ya = _demean(ya[:, None], ab, rw)[:, 0]
    core = _core(xa, ya, cl, n_clusters, rw)
    wt = wv / np.sqrt(rw)
    v2 = 0.0
    v1 = 0.0
    norms = np.empty(n_clusters)
    q = np.empty((n_clusters, xa.shape[1]))
    for g, (idx, zg, ag) in enumerate(zip(core.blocks, core.designs, core.adjusts,
                                          strict=True)):
        a = _apply(ag, wt[idx])
        eg = core.e[idx]
        v2 += float(a @ eg) ** 2
        v1 += float(wt[idx] @ eg) ** 2
        norms[g] = a @ a
        q[g] = zg.T @ a
    omega = np.diag(norms) - q @ core.bread @ q.T
    df = float(np.trace(omega) ** 2 / np.sum(omega * omega))
    se = math.sqrt(v2)
    se1 = math.sqrt(n_clusters / (n_clusters - 1) * v1)
    tstat = (estimate - null) / se if se > 0 else math.nan
    p = float(2 * stats.t.sf(abs(tstat), df)) if se > 0 else math.nan
    return LinearEstimatorTest(estimate, se, df, se1, float(null), tstat, p, n_clusters)


def cr2_imputation(
    result: Any,
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    target: int = 0,
    null: float = 0.0,
) -> LinearEstimatorTest:
    """CR2 with Satterthwaite df for the imputation (Borusyak-Jaravel-Spiess) estimator.

    The estimator is ``w'y`` (:attr:`ImputationResult.weights`). The working model for the
    residuals is unit effects (absorbed; they must be nested in clusters), period effects and
    one effect per treated (cohort, horizon) cell, fitted on all rows with the fit's sampling
    weights: it allows the effect to differ across cohorts and horizons, as the estimator does.

    Parameters
    ----------
    result : eah_eval.did.imputation.ImputationResult
        Imputation fit.
    data : pandas.DataFrame
        The frame it was fitted on (rows matched on ``unit`` and ``time``).
    outcome, unit, time : str
        Column names used in the fit.
    target : int, default 0
        Column of ``result.weights`` (0 = overall effect; ``k`` = ``k``-th horizon).
    null : float, default 0
        Hypothesised value.

    Returns
    -------
    LinearEstimatorTest

    Raises
    ------
    OptionError
        For data that do not match the fit or a bad target.
    """
    w_all = np.asarray(result.weights, dtype=float)
    if not 0 <= int(target) < w_all.shape[1]:
        raise OptionError(f"target must be in 0..{w_all.shape[1] - 1}; got {target}")
    y = outcome_in_sample_order(result, data, outcome, unit, time)
    s = result.sample()
    t_codes = np.asarray(pd.factorize(s["time"], sort=True)[0], dtype=np.intp)
    n = t_codes.shape[0]
    n_t = int(t_codes.max()) + 1
    period = np.zeros((n, max(n_t - 1, 0)))
    rows = np.flatnonzero(t_codes > 0)
    period[rows, t_codes[rows] - 1] = 1.0
    treated = np.asarray(s["treated"], dtype=bool)
    cell = pd.MultiIndex.from_arrays([s["cohort"].to_numpy(dtype=float)[treated],
                                      s["time"].to_numpy(dtype=float)[treated]])
    cell_codes = np.asarray(pd.factorize(cell)[0], dtype=np.intp)
    cells = np.zeros((n, int(cell_codes.max()) + 1))
    cells[np.flatnonzero(treated), cell_codes] = 1.0
    x = np.column_stack([period, cells])
    return cr2_linear(w_all[:, int(target)], x, y, s["cluster"].to_numpy(),
                      weights=s["weight"].to_numpy(dtype=float),
                      absorb=s["unit"].to_numpy(), null=null)
