"""Restricted (null-imposed) wild cluster bootstrap for the imputation estimator.

The Borusyak-Jaravel-Spiess imputation estimator is linear in the outcome, ``tau_w = w'Y``
(:attr:`eah_eval.did.imputation.ImputationResult.weights`), and so are the cluster-level terms
of its conservative variance, ``S_g(Y) = sum_{it in g} v_it eps_it(Y)`` (untreated residuals of
the unit + period fit, and ``tau_it - tau_bar`` on treated rows). That makes the restricted wild
cluster bootstrap (WCR, Cameron, Gelbach and Miller 2008) available, with no re-estimation per
draw:

1. Impose ``H0: tau_it = tau0`` for every treated row: fit unit and period effects by (weighted)
   least squares on *all* rows to ``Y - tau0 D`` and keep the restricted residuals ``u(tau0)``.
2. Draw ``Y*_b = fit(tau0) + tau0 D + v_bg u(tau0)`` with cluster weights ``v_bg``. Because the
   estimator reproduces unit + period effects exactly and a constant treated shift ``tau0``,
   ``tau*_b - tau0 = sum_h v_bh c_h`` with ``c_h = w_h'u_h(tau0)``, and the bootstrap variance
   terms are ``S(Y*_b) = K v_b`` with ``K_gh = S_g(u(tau0) restricted to cluster h)``.
3. ``t*_b = sum_h v_bh c_h / ||K v_b||``, the statistic studentised with BJS's conservative
   standard error computed on the bootstrap sample; the p-value is the share of draws with
   ``|t*_b| >= |t|``, where ``t = (tau_hat - tau0) / se_BJS`` (the draw ``v = 1`` reproduces
   ``t`` exactly). Both ``c`` and ``K`` are affine in ``tau0``, so the confidence interval by
   test inversion needs no further fits.

A small-sample factor such as ``G/(G-1)`` would scale ``t`` and every ``t*`` alike and so does not
change the p-value.

References
----------
Borusyak, K., Jaravel, X. and Spiess, J. (2024). Revisiting event-study designs: robust and
efficient estimation. *Review of Economic Studies* 91(6), 3253-3285.
Cameron, A. C., Gelbach, J. B. and Miller, D. L. (2008). Bootstrap-based improvements for
inference with clustered errors. *Review of Economics and Statistics* 90(3), 414-427.
MacKinnon, J. G. and Webb, M. D. (2018). The wild bootstrap for few (treated) clusters.
*Econometrics Journal* 21(2), 114-135.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse

from eah_eval.did.aggregate import AggregateResult, aggregate
from eah_eval.did.attgt import GroupTimeRefit
from eah_eval.did.twfe import TwoWayFE
from eah_eval.errors import EstimationError, OptionError, check_option
from eah_eval.inference.cs_refit import stacked_estimator
from eah_eval.inference.imputation_sample import imputation_target_names, outcome_in_sample_order
from eah_eval.inference.inversion import invert_test
from eah_eval.inference.methods import WildWeights
from eah_eval.inference.wild import (
    DRAW_CHUNK,
    WildBootstrapResult,
    share_at_least,
    wild_draws,
)
from eah_eval.workers import ordered_map

__all__ = [
    "ImputationLinearMap",
    "cs_simple_estimator",
    "imputation_linear_map",
    "wild_imputation_restricted",
    "wild_restricted",
]

_TAU_BAR_GROUPS = ("cohort_horizon", "horizon", "cohort")


@dataclass(frozen=True, eq=False)
class ImputationLinearMap:
    """The imputation estimator and its variance terms as linear maps of the outcome.

    Attributes
    ----------
    y : numpy.ndarray
        Outcome in the row order of ``result.sample()``.
    weights : numpy.ndarray
        Linear weights ``w`` (rows x targets): overall first, then the horizons.
    treated : numpy.ndarray
        Treated rows (bool).
    cluster_codes : numpy.ndarray
        Cluster code of each row, in the order of ``result.influence``.
    n_clusters : int
        Number of clusters.
    unit_codes, time_codes : numpy.ndarray
        Integer codes of units and periods.
    row_weights : numpy.ndarray
        Sampling weight of each row.
    names : tuple of str
        Target names (``"overall"``, ``"e=0"``, ...).
    estimates : numpy.ndarray
        ``w'y`` per target.
    """

    y: NDArray[np.float64]
    weights: NDArray[np.float64]
    treated: NDArray[np.bool_]
    identified: NDArray[np.bool_]
    cluster_codes: NDArray[np.intp]
    n_clusters: int
    unit_codes: NDArray[np.intp]
    time_codes: NDArray[np.intp]
    row_weights: NDArray[np.float64]
    names: tuple[str, ...]
    estimates: NDArray[np.float64]
    _groups: NDArray[np.intp]
    _fe0: TwoWayFE
    _fe_all: TwoWayFE

    def variance_terms(self, values: NDArray[np.float64], target: int) -> NDArray[np.float64]:
        """Cluster terms ``S_g`` of BJS's conservative variance for each column of ``values``.

        Parameters
        ----------
        values : numpy.ndarray
            Outcome vectors, shape ``(n_rows, m)``, in sample order.
        target : int
            Column of :attr:`weights`.

        Returns
        -------
        numpy.ndarray
            Shape ``(n_clusters, m)``; ``sqrt(sum_g S_g^2)`` is BJS's standard error.
        """
        vals = np.asarray(values, dtype=float)
        if vals.ndim == 1:
            vals = vals[:, None]
        untr = ~self.treated
        r0 = vals[untr]
        theta_u, theta_s = self._fe0.coefficients(r0)
        resid0 = r0 - self._fe0.fitted(theta_u, theta_s)
        rows1 = np.flatnonzero(self.treated)
        imputed = theta_u[self.unit_codes[rows1]] + theta_s[self.time_codes[rows1]]
        tau = np.where(self.identified[rows1][:, None], vals[rows1] - imputed, 0.0)
        w0 = self.weights[untr, target]
        w1 = self.weights[rows1, target]
        grp = self._groups
        n_grp = int(grp.max()) + 1 if grp.size else 0
        den = np.bincount(grp, w1**2, minlength=n_grp)
        num = _group_sum(grp, n_grp, (w1**2)[:, None] * tau)
        tau_bar = np.divide(num, den[:, None], out=np.zeros_like(num), where=den[:, None] > 0)
        eps1 = tau - tau_bar[grp]
        g = self.n_clusters
        return (_group_sum(self.cluster_codes[untr], g, w0[:, None] * resid0)
                + _group_sum(self.cluster_codes[rows1], g, w1[:, None] * eps1))

    def restricted_residuals(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Residuals of ``Y`` and of ``D`` on unit and period effects over all rows.

        Returns
        -------
        tuple of numpy.ndarray
            ``(u_y, u_d)``; the restricted residuals under ``tau = tau0`` are ``u_y - tau0 u_d``.
        """
        d = self.treated.astype(float)
        both = self._fe_all.residualize(np.column_stack([self.y, d]))
        return both[:, 0], both[:, 1]


def _group_sum(codes: NDArray[np.intp], n: int, values: NDArray[np.float64]
               ) -> NDArray[np.float64]:
    """Column sums of ``values`` within groups ``codes`` (a sparse indicator product)."""
    ind = sparse.csr_matrix((np.ones(codes.size), (codes, np.arange(codes.size))),
                            shape=(n, codes.size))
    return np.asarray(ind @ values)


def imputation_linear_map(
    result: Any,
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    tau_bar_groups: str = "cohort_horizon",
) -> ImputationLinearMap:
    """Rebuild an imputation fit as linear maps of the outcome (estimate and variance terms).

    Parameters
    ----------
    result : eah_eval.did.imputation.ImputationResult
        Imputation fit without covariates.
    data : pandas.DataFrame
        The frame it was fitted on.
    outcome, unit, time : str
        Column names used in the fit.
    tau_bar_groups : {"cohort_horizon", "horizon", "cohort"}, default "cohort_horizon"
        As passed to :func:`eah_eval.did.imputation`.

    Returns
    -------
    ImputationLinearMap

    Raises
    ------
    OptionError
        For missing columns or rows, or a different ``tau_bar_groups``.
    EstimationError
        If the fit used covariates, or the rebuilt maps do not reproduce the fit's estimates
        and variance terms (wrong outcome or options).
    """
    check_option("tau_bar_groups", tau_bar_groups, _TAU_BAR_GROUPS)
    model = str(result.table.metadata.get("untreated model", ""))
    if model != "unit + period effects":
        raise EstimationError(
            f"the restricted wild bootstrap needs an imputation fit without covariates; the "
            f"untreated model was {model!r}"
        )
    y = outcome_in_sample_order(result, data, outcome, unit, time)
    s = result.sample()
    w = np.asarray(result.weights, dtype=float)
    est_fit = np.r_[np.asarray(result.overall.estimates, dtype=float),
                    np.asarray(result.estimates, dtype=float)]
    est = w.T @ y
    scale = max(1.0, float(np.nanmax(np.abs(y))))
    if not np.allclose(est, est_fit, rtol=1e-8, atol=1e-10 * scale, equal_nan=True):
        raise EstimationError(
            f"the outcome {outcome!r} does not reproduce the imputation estimates; pass the frame "
            "and outcome the estimator was fitted on"
        )
    treated = np.asarray(s["treated"], dtype=bool)
    identified = np.asarray(s["identified"], dtype=bool)
    unit_codes = np.asarray(pd.factorize(s["unit"])[0], dtype=np.intp)
    time_codes = np.asarray(pd.factorize(s["time"], sort=True)[0], dtype=np.intp)
    labels = pd.Index(result.cluster_labels)
    cl = np.asarray(labels.get_indexer(s["cluster"]), dtype=np.intp)
    n_cl = len(labels)
    rw = np.asarray(s["weight"], dtype=float)
    n_u, n_t = int(unit_codes.max()) + 1, int(time_codes.max()) + 1
    untr = ~treated
    fe0 = TwoWayFE(unit_codes[untr], time_codes[untr], rw[untr], n_u, n_t)
    fe_all = TwoWayFE(unit_codes, time_codes, rw, n_u, n_t)
    rows1 = np.flatnonzero(treated)
    cohort1 = s["cohort"].to_numpy(dtype=float)[rows1]
    e1 = np.round(s["time"].to_numpy(dtype=float)[rows1] - cohort1)
    if tau_bar_groups == "cohort_horizon":
        raw: Any = pd.MultiIndex.from_arrays([cohort1, e1])
    elif tau_bar_groups == "horizon":
        raw = e1
    else:
        raw = cohort1
    groups = np.asarray(pd.factorize(raw)[0], dtype=np.intp)
    names = imputation_target_names(result)
    lmap = ImputationLinearMap(
        y=y, weights=w, treated=treated, identified=identified, cluster_codes=cl,
        n_clusters=n_cl, unit_codes=unit_codes, time_codes=time_codes, row_weights=rw,
        names=tuple(names), estimates=est, _groups=groups, _fe0=fe0, _fe_all=fe_all,
    )
    infl = np.asarray(result.influence, dtype=float)
    for j in range(w.shape[1]):
        if not np.isfinite(est[j]):
            continue
        terms = lmap.variance_terms(y[:, None], j)[:, 0]
        tol = 1e-7 * max(1.0, float(np.abs(infl[:, j]).max()))
        if not np.allclose(terms, infl[:, j], rtol=1e-6, atol=tol):
            raise OptionError(
                "the rebuilt variance terms do not match the fit's; pass the tau_bar_groups "
                "used by the estimator"
            )
    return lmap


@dataclass(frozen=True)
class _Pieces:
    """``c(tau0) = c0 - tau0 cd`` and ``K(tau0) = k0 - tau0 kd`` for one target."""

    estimate: float
    se: float
    c0: NDArray[np.float64]
    cd: NDArray[np.float64]
    k0: NDArray[np.float64]
    kd: NDArray[np.float64]

    @cached_property
    def active(self) -> NDArray[np.bool_]:
        """Clusters the target depends on (nonzero ``c`` or column of ``K``)."""
        c = np.abs(self.c0) + np.abs(self.cd)
        k = np.sqrt(np.sum(self.k0**2, axis=0)) + np.sqrt(np.sum(self.kd**2, axis=0))
        return np.asarray((c > 1e-12 * max(float(c.max()), 1e-300))
                          | (k > 1e-12 * max(float(k.max()), 1e-300)))

    def pvalue(self, v: NDArray[np.float64], tau0: float) -> float:
        c = self.c0 - tau0 * self.cd
        k = self.k0 - tau0 * self.kd
        t = abs(self.estimate - tau0) / self.se
        # a draw constant on the clusters the target depends on reproduces the sample up to
        # sign (|t*| = |t| for every tau0); counting it exactly keeps the p-value, and so the
        # interval's ends, free of rounding when |tau0| is large
        va = v[:, self.active]
        tied = np.all(va == va[:, :1], axis=1) if va.shape[1] else np.ones(v.shape[0], bool)
        return share_at_least(_abs_t(v, c, k), t, tied=tied)


def _abs_t(v: NDArray[np.float64], c: NDArray[np.float64], k: NDArray[np.float64]
           ) -> NDArray[np.float64]:
    out = np.empty(v.shape[0])
    for start in range(0, v.shape[0], DRAW_CHUNK):
        vb = v[start: start + DRAW_CHUNK]
        z = vb @ k.T
        with np.errstate(divide="ignore", invalid="ignore"):
            out[start: start + DRAW_CHUNK] = np.abs(vb @ c) / np.sqrt(np.einsum("bg,bg->b", z, z))
    return out


def _pieces(lmap: ImputationLinearMap, target: int) -> _Pieces:
    u_y, u_d = lmap.restricted_residuals()
    g = lmap.n_clusters
    wj = lmap.weights[:, target]
    cl = lmap.cluster_codes
    c0 = np.bincount(cl, wj * u_y, minlength=g).astype(float)
    cd = np.bincount(cl, wj * u_d, minlength=g).astype(float)
    mask = cl[:, None] == np.arange(g)[None, :]
    k0 = lmap.variance_terms(mask * u_y[:, None], target)
    kd = lmap.variance_terms(mask * u_d[:, None], target)
    se = float(np.sqrt(np.sum(lmap.variance_terms(lmap.y[:, None], target) ** 2)))
    return _Pieces(float(lmap.estimates[target]), se, c0, cd, k0, kd)


def wild_imputation_restricted(
    result: Any,
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    targets: str = "overall",
    tau_bar_groups: str = "cohort_horizon",
    null: float = 0.0,
    weight_type: WildWeights = "rademacher",
    draws: int = 9999,
    rng: int | np.random.Generator | None = None,
    level: float = 0.95,
    conf_int: bool = True,
) -> WildBootstrapResult:
    """Restricted wild cluster bootstrap (null imposed) for the imputation estimator.

    Parameters
    ----------
    result : eah_eval.did.imputation.ImputationResult
        Imputation fit (no covariates), clustered as wanted.
    data : pandas.DataFrame
        The frame it was fitted on (rows matched on ``unit`` and ``time``).
    outcome, unit, time : str
        Column names used in the fit.
    targets : {"overall", "all"}, default "overall"
        Test the overall effect only, or also every horizon of ``result.table``.
    tau_bar_groups : {"cohort_horizon", "horizon", "cohort"}, default "cohort_horizon"
        As passed to the estimator (checked: the rebuilt variance terms must match the fit's).
    null : float, default 0
        Hypothesised effect for the p-values.
    weight_type : {"rademacher", "mammen", "webb"}, default "rademacher"
        Cluster weight distribution (Rademacher is enumerated when ``2^G <= draws``).
    draws : int, default 9999
        Requested draws.
    rng : int, numpy.random.Generator or None
        Seed or generator (recorded).
    level : float, default 0.95
        Confidence level of the interval (test inversion).
    conf_int : bool, default True
        Compute the interval.

    Returns
    -------
    WildBootstrapResult
        ``restricted`` is True; ``std_errors`` are BJS's conservative standard errors.

    Raises
    ------
    OptionError
        For bad options, or data that do not match the fit.
    EstimationError
        For a fit with covariates, or fewer than two clusters.

    Notes
    -----
    See the module docstring for the algorithm. The null imposes a constant effect ``tau0`` on
    every treated row; the interval is ``{tau0 : p(tau0) >= 1 - level}``, located by bracketing
    and bisection to ``1e-6`` standard errors (``-inf``/``inf`` when unbounded on a side).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> panel = pd.DataFrame([(u, u // 5, t, [0, 3, 5][(u // 5) % 3]) for u in range(40)
    ...                       for t in range(1, 7)],
    ...                      columns=["unit", "cluster", "period", "first_treated"])
    >>> treated = (panel.first_treated > 0) & (panel.period >= panel.first_treated)
    >>> panel["y"] = rng.normal(size=len(panel)) + 1.0 * treated
    >>> from eah_eval.did import imputation
    >>> fit = imputation(panel, "y", "unit", "period", "first_treated", cluster="cluster")
    >>> res = wild_imputation_restricted(fit, panel, outcome="y", unit="unit", time="period",
    ...                                  rng=1)
    >>> res.to_frame().loc["overall", ["estimate", "ci_low", "ci_high"]].round(2).tolist()
    [1.05, 0.37, 1.56]
    """
    check_option("targets", targets, ("overall", "all"))
    level = float(level)
    if not 0 < level < 1:
        raise OptionError(f"level must lie strictly between 0 and 1; got {level}")
    lmap = imputation_linear_map(result, data, outcome=outcome, unit=unit, time=time,
                                 tau_bar_groups=tau_bar_groups)
    g = lmap.n_clusters
    if g < 2:
        raise EstimationError(f"the wild cluster bootstrap needs at least 2 clusters; got {g}")
    wd = wild_draws(g, draws, weight_type=weight_type, rng=rng)
    which = [0] if targets == "overall" else list(range(lmap.weights.shape[1]))
    alpha = round(1 - level, 12)
    ests, ses, stats_, ps, lo, hi = [], [], [], [], [], []
    for j in which:
        pc = _pieces(lmap, j)
        ests.append(pc.estimate)
        ses.append(pc.se)
        ok = math.isfinite(pc.estimate) and pc.se > 0
        stats_.append((pc.estimate - null) / pc.se if ok else math.nan)
        ps.append(pc.pvalue(wd.v, float(null)) if ok else math.nan)
        if conf_int and ok:

            def pfun(r: float, pc: _Pieces = pc) -> float:
                return pc.pvalue(wd.v, r)

            lo.append(invert_test(pfun, pc.estimate, pc.se, alpha, -1))
            hi.append(invert_test(pfun, pc.estimate, pc.se, alpha, +1))
        else:
            lo.append(math.nan)
            hi.append(math.nan)
    return WildBootstrapResult(
        terms=tuple(lmap.names[j] for j in which), estimates=np.array(ests),
        std_errors=np.array(ses), statistics=np.array(stats_), pvalues=np.array(ps),
        ci_low=np.array(lo), ci_high=np.array(hi), level=level, null=float(null),
        weight_type=wd.weight_type, draws=int(wd.v.shape[0]), requested_draws=wd.requested,
        enumerated=wd.enumerated, seed=wd.seed, n_clusters=g, restricted=True,
        method="Wild cluster bootstrap of the imputation estimator, WCR (constant effect "
               "imposed; interval by test inversion), studentised with BJS's conservative SE",
    )


def wild_restricted(
    data: pd.DataFrame,
    estimator: Any,
    *,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    cluster: str,
    weights: str | None = None,
    never_treated_value: float = 0,
    name: str = "estimate",
    names: Any = None,
    null: float = 0.0,
    weight_type: WildWeights = "rademacher",
    draws: int = 9999,
    rng: int | np.random.Generator | None = None,
    level: float = 0.95,
    conf_int: bool = True,
    effect: str | None = None,
    nuisance: Sequence[str] = (),
) -> WildBootstrapResult:
    """Restricted wild cluster bootstrap for any DiD estimator linear in the outcome.

    For example the Callaway-Sant'Anna simple ATT without covariates
    (:func:`cs_simple_estimator`). The estimator is called ``2G + 1`` times (on the data and on
    the restricted residuals of each cluster), never once per draw.

    Parameters
    ----------
    data : pandas.DataFrame
        Long panel.
    estimator : callable
        ``estimator(frame) -> (estimates, terms)``: one estimate (or ``m``) and the cluster
        terms of its variance, shape ``(G,)`` (or ``(G, m)``; ``se = sqrt(sum terms^2)``),
        clusters in sorted label order. It must be linear in the outcome column and give 0 for
        unit + period effects (checked on the data; raises otherwise). Estimates that move by
        ``tau0`` under a constant effect ``tau0`` on treated rows (post-treatment effects) are
        tested; pre-treatment (placebo) estimates get NaN p-values and intervals.
    outcome, unit, time, cohort, cluster : str
        Column names (cohort = first treated period, ``never_treated_value`` if never).
    weights : str, optional
        Sampling-weight column (used in the restricted unit + period fit).
    never_treated_value : float, default 0
        Cohort code of never-treated units.
    name : str, default "estimate"
        Name of the tested quantity (prefix when there are several).
    names : sequence of str, optional
        Names of the ``m`` estimates.
    null, weight_type, draws, rng, level, conf_int
        As in :func:`wild_imputation_restricted`.
    effect : str, optional
        Column giving the direction of the tested effect: under ``H0: effect = tau0`` the
        outcome is unit + period effects + the ``nuisance`` terms + ``tau0`` times this column.
        Default: the treatment dummy ``D = 1{t >= cohort}`` (a constant effect on treated
        rows). The estimator must return 1 for this column (as a slope does for
        ``dose x D``).
    nuisance : sequence of str, default ()
        Columns added to the restricted fit with free coefficients (for example ``D`` when the
        null fixes a dose slope but not the level of the effect). The estimator must return 0,
        with zero cluster terms, for each (checked; raises otherwise).

    Returns
    -------
    WildBootstrapResult
        ``restricted`` is True.

    Raises
    ------
    OptionError
        For missing columns.
    EstimationError
        If the estimator is not linear / does not reproduce the restricted model, or moves
        with a ``nuisance`` column.

    Notes
    -----
    With ``u(tau0) = u_Y - tau0 u_D`` the residuals of ``Y`` and of the treatment dummy ``D``
    (or the ``effect`` column) on unit and period effects and the ``nuisance`` columns (all
    rows), ``c_h = est(u 1_h)`` and ``K_.h = terms(u 1_h)``; then ``t*_b = v_b'c / ||K v_b||``
    as in the module notes.
    """
    nuisance = tuple(nuisance)
    for col in ((outcome, unit, time, cohort, cluster) + ((weights,) if weights else ())
                + ((effect,) if effect else ()) + nuisance):
        if col not in data.columns:
            raise OptionError(f"column {col!r} not found; columns are {list(data.columns)}")
    level = float(level)
    if not 0 < level < 1:
        raise OptionError(f"level must lie strictly between 0 and 1; got {level}")
    y = data[outcome].to_numpy(dtype=float)
    tt = data[time].to_numpy(dtype=float)
    gg = data[cohort].to_numpy(dtype=float)
    d = ((gg != float(never_treated_value)) & (tt >= gg)).astype(float)
    u_codes = np.asarray(pd.factorize(data[unit])[0], dtype=np.intp)
    t_codes = np.asarray(pd.factorize(data[time], sort=True)[0], dtype=np.intp)
    cl = np.asarray(pd.factorize(data[cluster], sort=True)[0], dtype=np.intp)
    g = int(cl.max()) + 1
    if g < 2:
        raise EstimationError(f"the wild cluster bootstrap needs at least 2 clusters; got {g}")
    rw = np.ones(y.shape[0]) if weights is None else data[weights].to_numpy(dtype=float)
    if effect is not None:
        d = data[effect].to_numpy(dtype=float)
    extra = data[list(nuisance)].to_numpy(dtype=float) if nuisance else None
    fe = TwoWayFE(u_codes, t_codes, rw, int(u_codes.max()) + 1, int(t_codes.max()) + 1,
                  extra=extra)
    res = fe.residualize(np.column_stack([y, d]))
    frame = data.copy()
    frame.attrs = {}  # re-estimations need no metadata; pandas copies it into every read

    def run(values: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        frame[outcome] = values
        est, terms = estimator(frame)
        est = np.atleast_1d(np.asarray(est, dtype=float))
        terms = np.asarray(terms, dtype=float).reshape(g, -1) if np.size(terms) == g * est.size \
            else np.asarray(terms, dtype=float)
        if terms.shape != (g, est.size):
            raise EstimationError(f"the estimator returned cluster terms of shape {terms.shape}; "
                                  f"expected ({g}, {est.size})")
        return est, terms

    est_obs, terms_obs = run(y)
    m = est_obs.size
    for pos, col in enumerate(nuisance):
        assert extra is not None
        e_n, k_n = run(extra[:, pos])
        tol = 1e-7 * max(1.0, float(np.max(np.abs(extra[:, pos]))))
        if np.nanmax(np.abs(e_n)) > tol or np.nanmax(np.abs(k_n)) > tol:
            raise EstimationError(
                f"the estimator moves with nuisance column {col!r} (estimate "
                f"{float(np.nanmax(np.abs(e_n))):.3g}); a nuisance term of the restricted fit "
                "must leave the estimate and its variance terms unchanged"
            )
    c0, cd = np.empty((g, m)), np.empty((g, m))
    k0, kd = np.empty((g, g, m)), np.empty((g, g, m))
    # the 2G re-estimations are independent (the design is cached by the call above); shared
    # over the cores when they take long enough to be worth a process
    pieces = ordered_map(run, [np.where(cl == h, res[:, j], 0.0)
                               for h in range(g) for j in (0, 1)], min_seconds=0.25)
    for h in range(g):
        c0[h], k0[:, h, :] = pieces[2 * h]
        cd[h], kd[:, h, :] = pieces[2 * h + 1]
    fin = np.isfinite(est_obs)
    scale = max(1.0, float(np.nanmax(np.abs(est_obs))) if fin.any() else 1.0,
                float(np.nanmax(np.abs(terms_obs))) if np.isfinite(terms_obs).any() else 1.0)
    with np.errstate(invalid="ignore"):
        bad = fin & ((np.abs(c0.sum(axis=0) - est_obs) > 1e-7 * scale)
                     | (np.max(np.abs(k0.sum(axis=1) - terms_obs), axis=0) > 1e-7 * scale))
    if bad.any():
        raise EstimationError(
            "the estimator is not linear in the outcome, or does not return 0 for unit + period "
            "effects (covariates? propensity weights depending on the outcome?); the restricted "
            "wild bootstrap does not apply"
        )
    # a constant effect tau0 on treated rows moves a post-treatment estimate by tau0 (sum cd = 1);
    # pre-treatment (placebo) estimates do not move (sum cd = 0) and cannot be tested this way
    d_sum = cd.sum(axis=0)
    post = fin & (np.abs(d_sum - 1.0) <= 1e-7)
    if fin.any() and not post.any():
        what = ("a constant effect tau0 on the treated rows" if effect is None
                else f"tau0 times column {effect!r}")
        raise EstimationError(
            f"the estimator does not return tau0 for {what}; the restricted wild bootstrap "
            "does not apply"
        )
    wd = wild_draws(g, draws, weight_type=weight_type, rng=rng)
    alpha = round(1 - level, 12)
    ses = np.sqrt(np.sum(terms_obs**2, axis=0))
    ps, lo, hi = np.full(m, math.nan), np.full(m, math.nan), np.full(m, math.nan)
    for j in np.flatnonzero(post & (ses > 0)):
        pc = _Pieces(float(est_obs[j]), float(ses[j]), c0[:, j], cd[:, j], k0[:, :, j],
                     kd[:, :, j])
        ps[j] = pc.pvalue(wd.v, float(null))
        if conf_int:

            def pfun(r: float, pc: _Pieces = pc) -> float:
                return pc.pvalue(wd.v, r)

            lo[j] = invert_test(pfun, pc.estimate, pc.se, alpha, -1)
            hi[j] = invert_test(pfun, pc.estimate, pc.se, alpha, +1)
    if names is None:
        labels: tuple[str, ...] = (name,) if m == 1 else tuple(f"{name}_{j}" for j in range(m))
    else:
        labels = tuple(str(v) for v in names)
        if len(labels) != m:
            raise OptionError(f"names must name the {m} estimates; got {len(labels)}")
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(post, (est_obs - null) / ses, np.nan)
    return WildBootstrapResult(
        terms=labels, estimates=est_obs, std_errors=ses, statistics=stat, pvalues=ps,
        ci_low=lo, ci_high=hi, level=level, null=float(null), weight_type=wd.weight_type,
        draws=int(wd.v.shape[0]), requested_draws=wd.requested, enumerated=wd.enumerated,
        seed=wd.seed, n_clusters=g, restricted=True,
        method=_restricted_method_text(effect, nuisance),
    )


def _restricted_method_text(effect: str | None, nuisance: tuple[str, ...]) -> str:
    imposed = "constant effect" if effect is None else f"effect along {effect!r}"
    free = f" with free {', '.join(map(repr, nuisance))}" if nuisance else ""
    return (f"Wild cluster bootstrap, WCR ({imposed} imposed through a unit + period fit{free}; "
            "interval by test inversion), studentised with the estimator's SE")


def cs_simple_estimator(**att_gt_options: Any) -> Any:
    """Callaway-Sant'Anna simple ATT as an ``estimator(frame) -> (estimate, terms)`` callable.

    Parameters
    ----------
    **att_gt_options
        Passed to :func:`eah_eval.did.att_gt` (``outcome``, ``unit``, ``time``, ``cohort``,
        ``cluster``, ``control_group``, ``method``, ``weights``, ...). No covariates: the
        restricted wild bootstrap needs an estimator linear in the outcome.

    Returns
    -------
    callable
        For :func:`wild_restricted`: ``estimator(frame) -> (estimates, terms)`` with one
        estimate; ``terms`` are the cluster sums of the simple ATT's influence function divided
        by the number of units (:func:`eah_eval.inference.cs_refit.stacked_estimator`).

    Raises
    ------
    OptionError
        If covariates are given.
    """
    if att_gt_options.get("covariates"):
        raise OptionError("the restricted wild bootstrap needs the CS estimator without "
                          "covariates (it must be linear in the outcome)")

    fit = GroupTimeRefit(**att_gt_options)  # the 2G + 1 outcomes share one design

    def refit(frame: pd.DataFrame) -> dict[str, AggregateResult]:
        return {"simple": aggregate(fit(frame), "simple")}

    return stacked_estimator(refit, {"simple": 1})
