"""Borusyak, Jaravel and Spiess (2024) imputation estimator for staggered adoption.

Fit unit and period effects (and optional covariates) on untreated observations only, impute the
untreated outcome of every treated observation, and average the differences ``tau_it`` with
target weights (all treated observations, or one horizon at a time). The estimator is linear in
the outcome, ``tau_w = sum_it v_it y_it``; the weights ``v`` are kept on the result so inference
helpers can run a wild bootstrap or CR2 from them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse, stats
from scipy.sparse.csgraph import connected_components

from eah_eval.did.panel import Panel, prepare_panel, require_nested_clusters
from eah_eval.did.results import EffectTable
from eah_eval.did.table_delegation import TableResult
from eah_eval.did.two_way_fe import TwoWayFE
from eah_eval.errors import (
    EstimationError,
    EstimationWarning,
    OptionError,
    OptionTypeError,
    check_option,
)

__all__ = [
    "TAU_BAR_GROUPS",
    "ImputationPretrend",
    "ImputationResult",
    "TauBarGroups",
    "imputation",
]

TauBarGroups = Literal["cohort_horizon", "horizon", "cohort"]
TAU_BAR_GROUPS: tuple[str, ...] = ("cohort_horizon", "horizon", "cohort")


@dataclass(frozen=True, eq=False)
class ImputationPretrend:
    """Borusyak-Jaravel-Spiess pre-trend test (Test 1) on untreated observations.

    Attributes
    ----------
    table : EffectTable
        Lead coefficients (index ``event_time``: -1-anticipation, -2-anticipation, ...).
    statistic : float
        Cluster-robust Wald statistic for all leads equal to zero.
    df : int
        Number of leads tested.
    pvalue : float
        Chi-squared p-value of the Wald statistic.
    f_statistic, f_pvalue : float
        ``statistic / df`` and its p-value from ``F(df, n_clusters - 1)`` (few clusters).
    """

    table: EffectTable
    statistic: float
    df: int
    pvalue: float
    f_statistic: float
    f_pvalue: float

    def __str__(self) -> str:
        return (
            f"{self.table.summary()}\nWald test of {self.df} leads = 0: chi2 = "
            f"{self.statistic:.4f}, p = {self.pvalue:.4f}; F = {self.f_statistic:.4f}, "
            f"p = {self.f_pvalue:.4f}"
        )


@dataclass(frozen=True, eq=False, repr=False)  # short repr from TableAccess
class ImputationResult(TableResult):
    """Imputation estimates by horizon and overall, with the linear weights behind them.

    Attributes
    ----------
    table : EffectTable
        Estimates by horizon (index ``event_time``; ``e < 0`` only with anticipation).
    overall : EffectTable
        Average effect over all identified treated observations with ``e >= 0``.
    weights : numpy.ndarray
        The linear weights ``v``, shape ``(n_obs, n_targets)``: column 0 is the overall
        estimate, then one column per row of ``table``. ``weights.T @ y`` reproduces every
        estimate, where ``y`` is the outcome in the row order of :meth:`sample`.
    influence : numpy.ndarray
        Cluster-level terms ``sum_{it in c} v_it eps_it`` of the conservative variance,
        ``(n_clusters, n_targets)``; standard errors are ``sqrt((influence**2).sum(axis=0))``.
    tau_hat : numpy.ndarray
        Imputed effect ``y_it - y_it(0)_hat`` per row (NaN on untreated and unidentified rows).
    residuals : numpy.ndarray
        Untreated residuals of the fixed-effects fit (NaN on treated rows).
    treated : numpy.ndarray
        Rows in the treated set (``t >= G_i - anticipation``).
    identified : numpy.ndarray
        Treated rows whose untreated outcome could be imputed.
    cluster_labels : numpy.ndarray
        Cluster labels in the row order of :attr:`influence`.
    pretrend : ImputationPretrend or None
        Pre-trend test, when requested.
    anticipation : int
        Anticipation periods.
    """

    table: EffectTable
    overall: EffectTable
    weights: np.ndarray
    influence: np.ndarray
    tau_hat: np.ndarray
    residuals: np.ndarray
    treated: np.ndarray
    identified: np.ndarray
    cluster_labels: np.ndarray
    pretrend: ImputationPretrend | None
    anticipation: int
    _rows: pd.DataFrame

    def sample(self) -> pd.DataFrame:
        """Rows of the estimation sample in the order used by :attr:`weights`.

        Returns
        -------
        pandas.DataFrame
            Columns ``unit``, ``time``, ``cohort``, ``cluster``, ``weight`` (sampling weight),
            ``treated``, ``identified``.
        """
        return self._rows.copy()

    def estimate_from(self, y: np.ndarray) -> np.ndarray:
        """Apply the estimator to another outcome vector (e.g. a wild-bootstrap draw).

        Parameters
        ----------
        y : numpy.ndarray
            Outcome in the row order of :meth:`sample`, shape ``(n_obs,)`` or ``(n_obs, B)``.

        Returns
        -------
        numpy.ndarray
            ``weights.T @ y``: overall estimate first, then the horizons.
        """
        y = np.asarray(y, dtype=np.float64)
        if y.shape[0] != self.weights.shape[0]:
            raise OptionError(
                f"y must have {self.weights.shape[0]} rows (the estimation sample); "
                f"got {y.shape[0]}"
            )
        return np.asarray(self.weights.T @ y)


def _components(panel: Panel, rows: np.ndarray) -> np.ndarray:
    """Connected-component label of every unit node then period node of the bipartite graph."""
    n_u, n_t = panel.n_units, panel.n_periods
    adj = sparse.csr_matrix(
        (np.ones(rows.size), (panel.unit_codes[rows], n_u + panel.time_codes[rows])),
        shape=(n_u + n_t, n_u + n_t),
    )
    _, labels = connected_components(adj, directed=False)
    return np.asarray(labels)


def _check_count(name: str, value: object) -> None:
    """Raise unless ``value`` is a non-negative integer (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise OptionTypeError(f"{name} must be an int; got {value!r}")
    if value < 0:
        raise OptionError(f"{name} must be >= 0; got {value}")


def imputation(
    data: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    *,
    cluster: str | None = None,
    weights: str | None = None,
    covariates: Sequence[str] | None = None,
    never_treated_value: float = 0,
    anticipation: int = 0,
    horizons: Sequence[int] | None = None,
    tau_bar_groups: TauBarGroups = "cohort_horizon",
    pretrend_leads: int = 0,
) -> ImputationResult:
    """Borusyak-Jaravel-Spiess imputation estimator with conservative standard errors.

    Parameters
    ----------
    data : pandas.DataFrame
        Long panel, one row per unit and period (balanced or not).
    outcome, unit, time, cohort : str
        Column names; ``cohort`` is the first treated period (``never_treated_value`` if never).
    cluster : str, optional
        Cluster column (must contain whole units); default the unit.
    weights : str, optional
        Sampling weights: weighted fixed-effects fit, and target weights proportional to them.
    covariates : sequence of str, optional
        Time-varying covariates in the untreated-outcome model.
    never_treated_value : float, default 0
        Cohort code of never-treated units.
    anticipation : int, default 0
        Periods before ``G_i`` already affected; they leave the untreated set and get their own
        horizons ``-anticipation .. -1``.
    horizons : sequence of int, optional
        Horizons ``e = t - G_i`` to report; default every identified horizon.
    tau_bar_groups : {"cohort_horizon", "horizon", "cohort"}, default "cohort_horizon"
        Groups within which ``tau_hat`` is averaged (with weights ``v^2``) for the variance's
        auxiliary residuals (BJS Section 4.3).
    pretrend_leads : int, default 0
        Number of leads in the pre-trend test on untreated observations (0 = no test).

    Returns
    -------
    ImputationResult
        Estimates, conservative standard errors, linear weights and cluster-level terms.

    Raises
    ------
    OptionError
        For bad option values.
    EstimationError
        If no treated observation can be imputed, clusters split units, or the covariates are
        collinear with the fixed effects.

    Notes
    -----
    1. On untreated rows ``Omega_0`` fit ``y_it = a_i + l_t + x_it'b + e_it`` by weighted least
       squares (exactly, by eliminating the unit block; see :class:`TwoWayFE`).
    2. For treated rows ``Omega_1`` impute ``y_it(0) = a_i + l_t + x_it'b`` and set
       ``tau_it = y_it - y_it(0)``. A treated row is identified when its unit and period lie
       in the same connected part of the untreated (unit, period) graph; others are left out of
       every target with an :class:`~eah_eval.errors.EstimationWarning`.
    3. ``tau_w = sum w_it tau_it`` with ``w_it`` the row's sampling weight over the sum in
       the target (all ``e >= 0``, or one horizon). As a linear estimator
       ``tau_w = sum v_it y_it`` with ``v = w`` on ``Omega_1`` and
       ``v_0 = -S_0 Z_0 (Z_0'S_0 Z_0)^+ Z_1'w_1`` on ``Omega_0``.
    4. Conservative variance (Theorem 3): ``sum_c (sum_{it in c} v_it eps_it)^2`` with
       ``eps`` the untreated residuals on ``Omega_0`` and ``tau_it - tau_bar_g`` on ``Omega_1``,
       ``tau_bar_g = sum v^2 tau / sum v^2`` within ``tau_bar_groups`` (no leave-out
       correction).
    5. Pre-trend test (Test 1): on ``Omega_0`` alone, add dummies for the ``pretrend_leads``
       periods before ``G_i - anticipation`` and test them jointly with a cluster-robust Wald
       test. It does not change the estimates.

    References
    ----------
    Borusyak, K., Jaravel, X. and Spiess, J. (2024). Revisiting event-study designs: robust
    and efficient estimation. Review of Economic Studies 91(6), 3253-3285.
    """
    tau_bar_groups = check_option(  # type: ignore[assignment]
        "tau_bar_groups", tau_bar_groups, TAU_BAR_GROUPS
    )
    _check_count("anticipation", anticipation)
    _check_count("pretrend_leads", pretrend_leads)
    panel = prepare_panel(
        data,
        outcome=outcome,
        unit=unit,
        time=time,
        cohort=cohort,
        cluster=cluster,
        weights=weights,
        covariates=covariates,
        never_treated_value=never_treated_value,
    )
    require_nested_clusters(panel)
    rel = np.where(np.isfinite(panel.cohort), np.round(panel.time - panel.cohort), np.nan)
    treated = np.isfinite(panel.cohort) & (rel >= -anticipation)
    untreated_rows = np.flatnonzero(~treated)
    treated_rows = np.flatnonzero(treated)
    if untreated_rows.size == 0:
        raise EstimationError("no untreated observations to fit the fixed effects on")
    if treated_rows.size == 0:
        raise EstimationError("no treated observations: every unit is untreated throughout")

    comp = _components(panel, untreated_rows)
    has_rows = np.zeros(panel.n_units + panel.n_periods, dtype=bool)
    has_rows[panel.unit_codes[untreated_rows]] = True
    has_rows[panel.n_units + panel.time_codes[untreated_rows]] = True
    u1, t1 = panel.unit_codes[treated_rows], panel.time_codes[treated_rows]
    ok = has_rows[u1] & has_rows[panel.n_units + t1] & (comp[u1] == comp[panel.n_units + t1])
    identified = np.zeros(panel.n_obs, dtype=bool)
    identified[treated_rows[ok]] = True
    n_bad = int((~ok).sum())
    if n_bad:
        warnings.warn(
            f"{n_bad} treated observation(s) cannot be imputed (their unit has no untreated "
            "period, or their period no untreated unit connected to it) and are left out",
            EstimationWarning,
            stacklevel=2,
        )
    if not ok.any():
        raise EstimationError("no treated observation can be imputed")

    x = panel.covariates
    u0, t0 = panel.unit_codes[untreated_rows], panel.time_codes[untreated_rows]
    s0 = panel.weights[untreated_rows]
    fe = TwoWayFE(u0, t0, s0, panel.n_units, panel.n_periods,
                  x[untreated_rows] if x.shape[1] else None)
    time_components = np.unique(comp[panel.n_units :][has_rows[panel.n_units :]]).size
    n_empty_periods = int((~has_rows[panel.n_units :]).sum())
    expected_rank = fe.n_small - time_components - n_empty_periods
    if fe.reduced_rank < expected_rank:
        raise EstimationError(
            f"covariates {list(panel.covariate_names)} are collinear with the unit and period "
            "effects on the untreated observations"
        )
    y0 = panel.y[untreated_rows]
    theta_u, theta_s = fe.coefficients(y0[:, None])
    resid0 = y0 - fe.fitted(theta_u, theta_s)[:, 0]
    t_n = panel.n_periods
    small1 = sparse.hstack(
        [
            sparse.csr_matrix(
                (np.ones(treated_rows.size), (np.arange(treated_rows.size), t1)),
                shape=(treated_rows.size, t_n),
            ),
            sparse.csr_matrix(x[treated_rows]),
        ],
        format="csr",
    )
    y0_hat = theta_u[u1, 0] + small1 @ theta_s[:, 0]
    tau1 = panel.y[treated_rows] - y0_hat

    # targets: overall (e >= 0), then each horizon
    e1 = rel[treated_rows].astype(np.int64)
    s1 = panel.weights[treated_rows] * ok
    available = np.unique(e1[ok])
    if horizons is None:
        chosen = available
    else:
        chosen = np.asarray(sorted({int(h) for h in horizons}), dtype=np.int64)
        missing = np.setdiff1d(chosen, available)
        if missing.size:
            raise OptionError(
                f"horizons {missing.tolist()} have no identified treated observations; "
                f"available: {available.tolist()}"
            )
    masks = [e1 >= 0, *[e1 == h for h in chosen]]
    w1 = np.column_stack([s1 * mk for mk in masks])
    totals = w1.sum(axis=0)
    empty = totals <= 0
    w1 = np.divide(w1, totals, out=np.zeros_like(w1), where=~empty)
    m = w1.shape[1]

    r_unit = np.zeros((panel.n_units, m))
    np.add.at(r_unit, u1, w1)
    r_small = np.asarray(small1.T @ w1)
    a_u, a_s = fe.solve(r_unit, r_small)
    v0 = -s0[:, None] * fe.fitted(a_u, a_s)
    v = np.zeros((panel.n_obs, m))
    v[untreated_rows] = v0
    v[treated_rows] = w1
    tau_safe = np.where(ok, tau1, 0.0)
    estimates = w1.T @ tau_safe
    estimates[empty] = np.nan

    # conservative variance with auxiliary residuals (BJS Theorem 3)
    g1 = panel.cohort[treated_rows]
    g_code = np.asarray(pd.factorize(g1)[0], dtype=np.int64)
    e_code = e1 - e1.min()
    if tau_bar_groups == "cohort_horizon":
        raw = g_code * (int(e_code.max()) + 1) + e_code
    elif tau_bar_groups == "horizon":
        raw = e_code
    else:
        raw = g_code
    grp = np.asarray(pd.factorize(raw)[0], dtype=np.int64)
    n_grp = int(grp.max()) + 1
    cl0 = panel.cluster_codes[untreated_rows]
    cl1 = panel.cluster_codes[treated_rows]
    n_cl = panel.n_clusters
    influence = np.zeros((n_cl, m))
    for j in range(m):
        vj = w1[:, j]
        num = np.bincount(grp, vj**2 * tau_safe, minlength=n_grp)
        den = np.bincount(grp, vj**2, minlength=n_grp)
        tau_bar = np.divide(num, den, out=np.zeros(n_grp), where=den > 0)
        eps1 = tau_safe - tau_bar[grp]
        influence[:, j] = np.bincount(cl0, v0[:, j] * resid0, minlength=n_cl) + np.bincount(
            cl1, vj * eps1, minlength=n_cl
        )
    se = np.sqrt((influence**2).sum(axis=0))
    se[empty] = np.nan

    n_units_h = [
        int(np.count_nonzero(np.bincount(u1[ok & mk], minlength=panel.n_units)))
        for mk in masks
    ]
    meta = {
        "estimator": "Borusyak-Jaravel-Spiess imputation",
        "outcome": outcome,
        "untreated model": "unit + period effects"
        + (f" + {', '.join(panel.covariate_names)}" if panel.covariate_names else ""),
        "comparison": "not-yet-treated and never-treated observations",
        "anticipation": anticipation,
        "standard errors": f"conservative (BJS Theorem 3), clustered by {cluster or unit} "
        f"({n_cl} clusters), tau-bar by {tau_bar_groups}",
        "weights": weights or "none",
    }
    if n_bad:
        meta["not imputable"] = f"{n_bad} treated observation(s) left out"
    table = EffectTable(
        index=pd.Index(chosen, name="event_time"),
        estimates=estimates[1:],
        std_errors=se[1:],
        title="Imputation (Borusyak-Jaravel-Spiess) event study",
        metadata=meta,
        extra={"n_units": np.asarray(n_units_h[1:], dtype=np.int64)},
    )
    overall = EffectTable(
        index=pd.Index(["ATT"], name="term"),
        estimates=estimates[:1],
        std_errors=se[:1],
        title="Imputation (Borusyak-Jaravel-Spiess) overall effect",
        metadata=meta,
        extra={"n_units": np.asarray(n_units_h[:1], dtype=np.int64)},
    )
    tau_full = np.full(panel.n_obs, np.nan)
    tau_full[treated_rows[ok]] = tau1[ok]
    resid_full = np.full(panel.n_obs, np.nan)
    resid_full[untreated_rows] = resid0
    rows = pd.DataFrame(
        {
            "unit": panel.unit_labels[panel.unit_codes],
            "time": panel.time,
            "cohort": np.where(np.isfinite(panel.cohort), panel.cohort, never_treated_value),
            "cluster": panel.cluster_labels[panel.cluster_codes],
            "weight": panel.weights,
            "treated": treated,
            "identified": identified,
        }
    )
    pretrend = (
        _pretrend_test(panel, untreated_rows, rel, anticipation, pretrend_leads, meta)
        if pretrend_leads
        else None
    )
    return ImputationResult(
        table=table,
        overall=overall,
        weights=v,
        influence=influence,
        tau_hat=tau_full,
        residuals=resid_full,
        treated=treated,
        identified=identified,
        cluster_labels=panel.cluster_labels,
        pretrend=pretrend,
        anticipation=int(anticipation),
        _rows=rows,
    )


def _pretrend_test(
    panel: Panel,
    untreated_rows: np.ndarray,
    rel: np.ndarray,
    anticipation: int,
    n_leads: int,
    meta: dict[str, object],
) -> ImputationPretrend:
    """BJS Test 1: leads added to the untreated-outcome model, tested jointly."""
    leads = -np.arange(anticipation + 1, anticipation + n_leads + 1)
    rel0 = rel[untreated_rows]
    lead_x = (rel0[:, None] == leads[None, :]).astype(np.float64)
    present = lead_x.any(axis=0)
    if not present.all():
        raise OptionError(
            f"pretrend_leads={n_leads} asks for leads {leads[~present].tolist()} that no "
            "untreated observation has; use fewer leads"
        )
    x0 = np.column_stack([panel.covariates[untreated_rows], lead_x])
    u0, t0 = panel.unit_codes[untreated_rows], panel.time_codes[untreated_rows]
    s0 = panel.weights[untreated_rows]
    fe = TwoWayFE(u0, t0, s0, panel.n_units, panel.n_periods, x0)
    y0 = panel.y[untreated_rows]
    theta_u, theta_s = fe.coefficients(y0[:, None])
    resid = y0 - fe.fitted(theta_u, theta_s)[:, 0]
    n_cl = panel.n_clusters
    psi = fe.cluster_influence(panel.cluster_codes[untreated_rows], resid, n_cl)
    k = leads.size
    cols = np.arange(fe.n_small - k, fe.n_small)
    gamma = theta_s[cols, 0]
    cov = psi[:, cols].T @ psi[:, cols]
    try:
        wald = float(gamma @ np.linalg.solve(cov, gamma))
    except np.linalg.LinAlgError as exc:
        raise EstimationError(
            "the pre-trend test's covariance is singular (too few clusters for the leads)"
        ) from exc
    table = EffectTable(
        index=pd.Index(leads, name="event_time"),
        estimates=gamma,
        std_errors=np.sqrt(np.diag(cov)),
        title="Imputation pre-trend test: lead coefficients on untreated observations",
        metadata=meta,
    )
    f_stat = wald / k
    return ImputationPretrend(
        table=table,
        statistic=wald,
        df=int(k),
        pvalue=float(stats.chi2.sf(wald, k)),
        f_statistic=f_stat,
        f_pvalue=float(stats.f.sf(f_stat, k, max(n_cl - 1, 1))),
    )
