"""Wild cluster bootstrap for few-cluster inference.

Two engines:

* :func:`wild_linear` (and :func:`wild_twfe`) for estimators that are coefficients of a linear
  model with a known design, such as two-way fixed effects (static or event study). The default
  is the restricted bootstrap WCR-C ("null imposed", Cameron, Gelbach and Miller 2008; Roodman et
  al. 2019): bootstrap residuals are the restricted residuals times cluster weights, the
  bootstrap t statistic uses the CR1 variance of each bootstrap sample, and the p-value is the
  share of draws with ``|t*| >= |t|``. Confidence intervals invert the test: the interval is every
  null value whose p-value is at least ``1 - level``. Everything is precomputed at cluster level
  so that a draw costs ``O(G^2)`` and all draws are one matrix product.
* :func:`wild_influence` (and :func:`wild_aggregate`) for estimators that carry an influence
  function (group-time ATTs and their aggregations, the imputation estimator): an unrestricted
  (WCU) score bootstrap. Cluster sums of the influence function are multiplied by the weights;
  the percentile-t interval uses ``|t*|`` with ``t* = sum_g v_g Psi_g / sqrt(sum_g v_g^2
  Psi_g^2)``. No null is imposed because the restricted model is not available from the
  influence function alone.

Weights: Rademacher (+-1), Mammen's two-point and Webb's six-point distributions. With
Rademacher weights and ``2^G <= draws`` (Webb: ``6^G <= draws``) every sign pattern is enumerated
once instead of sampling, which makes the p-value exact for the bootstrap distribution.

References
----------
Cameron, A. C., Gelbach, J. B. and Miller, D. L. (2008). Bootstrap-based improvements for
inference with clustered errors. *Review of Economics and Statistics* 90(3), 414-427.
Roodman, D., MacKinnon, J. G., Nielsen, M. O. and Webb, M. D. (2019). Fast and wild: bootstrap
inference in Stata using boottest. *Stata Journal* 19(1), 4-60.
Webb, M. D. (2023). Reworking wild bootstrap-based inference for clustered errors. *Canadian
Journal of Economics* 56(3), 839-858.
Kline, P. and Santos, A. (2012). A score based approach to wild bootstrap inference. *Journal of
Econometric Methods* 1(1), 23-41.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from scipy.sparse.linalg import splu

from eah_eval.did.bootstrap import draw_multipliers, resolve_rng
from eah_eval.did.table_delegation import FrameDisplay
from eah_eval.errors import EstimationError, OptionError, check_option
from eah_eval.inference.imputation_sample import imputation_target_names
from eah_eval.inference.inversion import invert_test
from eah_eval.inference.methods import WILD_WEIGHTS, WildWeights

_WEBB = np.array([-math.sqrt(1.5), -1.0, -math.sqrt(0.5), math.sqrt(0.5), 1.0, math.sqrt(1.5)])
DRAW_CHUNK = 4096
"""Bootstrap draws processed at once (bounds the memory of a ``draws x G`` product)."""

__all__ = [
    "DRAW_CHUNK",
    "WildBootstrapResult",
    "WildDraws",
    "share_at_least",
    "wild_aggregate",
    "wild_draws",
    "wild_imputation",
    "wild_influence",
    "wild_linear",
    "wild_twfe",
]


@dataclass(frozen=True)
class WildDraws:
    """Bootstrap weights, one row per draw and one column per cluster.

    Attributes
    ----------
    v : numpy.ndarray
        Weights, shape ``(draws, n_clusters)``.
    weight_type : str
        Distribution.
    enumerated : bool
        True when every sign pattern was used once (no sampling).
    seed : int or str or None
        Seed used (``None`` when enumerated, ``"generator"`` when a generator was passed).
    requested : int
        Draws asked for.
    """

    v: NDArray[np.float64]
    weight_type: str
    enumerated: bool
    seed: Any
    requested: int


def wild_draws(
    n_clusters: int,
    draws: int = 9999,
    *,
    weight_type: WildWeights = "rademacher",
    rng: int | np.random.Generator | None = None,
) -> WildDraws:
    """Draw (or enumerate) cluster-level wild bootstrap weights.

    Parameters
    ----------
    n_clusters : int
        Number of clusters ``G``.
    draws : int, default 9999
        Requested number of draws.
    weight_type : {"rademacher", "mammen", "webb"}
        Weight distribution.
    rng : int, numpy.random.Generator or None
        Seed or generator (recorded).

    Returns
    -------
    WildDraws
        Weights; enumerated when Rademacher and ``2^G <= draws`` or Webb and ``6^G <= draws``.
    """
    check_option("weight_type", weight_type, WILD_WEIGHTS)
    if int(draws) < 1:
        raise OptionError(f"draws must be a positive integer; got {draws}")
    if int(n_clusters) < 2:
        raise EstimationError(f"the wild cluster bootstrap needs at least 2 clusters; got "
                              f"{n_clusters}")
    g = int(n_clusters)
    if weight_type == "rademacher" and 2**g <= int(draws):
        v = np.array(list(itertools.product([-1.0, 1.0], repeat=g)))
        return WildDraws(v, weight_type, True, None, int(draws))
    if weight_type == "webb" and 6**g <= int(draws):
        idx = np.array(list(itertools.product(range(6), repeat=g)))
        return WildDraws(_WEBB[idx], weight_type, True, None, int(draws))
    gen, record = resolve_rng(rng)
    v = draw_multipliers(gen, (int(draws), g), weight_type)
    return WildDraws(np.asarray(v, dtype=float), weight_type, False, record, int(draws))


@dataclass(frozen=True)
class WildBootstrapResult(FrameDisplay):
    """Wild cluster bootstrap p-values and confidence intervals.

    Attributes
    ----------
    terms : tuple of str
        Names of the tested quantities.
    estimates, std_errors : numpy.ndarray
        Point estimates and analytic cluster-robust (CR1 / influence-function) standard errors.
    statistics : numpy.ndarray
        t statistics against ``null``.
    pvalues : numpy.ndarray
        Bootstrap p-values of ``estimate = null`` (symmetric: share of ``|t*| >= |t|``).
    ci_low, ci_high : numpy.ndarray
        Bootstrap confidence interval (test inversion for WCR; percentile-t for WCU).
    level : float
        Confidence level.
    null : float
        Hypothesised value for the p-values.
    weight_type : str
        Weight distribution.
    draws : int
        Draws used (``2^G`` or ``6^G`` when enumerated).
    requested_draws : int
        Draws requested.
    enumerated : bool
        Full enumeration used.
    seed : int or str or None
        Seed recorded.
    n_clusters : int
        Number of clusters.
    restricted : bool
        Null imposed (WCR) or not (WCU).
    method : str
        One-line description.
    """

    terms: tuple[str, ...]
    estimates: NDArray[np.float64]
    std_errors: NDArray[np.float64]
    statistics: NDArray[np.float64]
    pvalues: NDArray[np.float64]
    ci_low: NDArray[np.float64]
    ci_high: NDArray[np.float64]
    level: float
    null: float
    weight_type: str
    draws: int
    requested_draws: int
    enumerated: bool
    seed: Any
    n_clusters: int
    restricted: bool
    method: str

    def to_frame(self) -> pd.DataFrame:
        """Return one row per term: estimate, std_error, statistic, p_value, ci_low, ci_high."""
        return pd.DataFrame(
            {
                "estimate": self.estimates,
                "std_error": self.std_errors,
                "statistic": self.statistics,
                "p_value": self.pvalues,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
            },
            index=pd.Index(list(self.terms), name="term"),
        )

    def info(self) -> dict[str, Any]:
        """Return the record of the inference (method, weights, draws, seed, clusters)."""
        return {
            "method": "wild",
            "variant": "WCR" if self.restricted else "WCU",
            "weights": self.weight_type,
            "draws": self.draws,
            "requested_draws": self.requested_draws,
            "enumerated": self.enumerated,
            "seed": self.seed,
            "n_clusters": self.n_clusters,
            "level": self.level,
        }

    def summary(self) -> str:
        """Return a plain-text table and the method line."""
        lines = [self.method, self.to_frame().to_string(float_format=lambda v: f"{v:.6g}")]
        how = "all sign patterns enumerated" if self.enumerated else f"seed {self.seed}"
        lines.append(
            f"{self.weight_type} weights, {self.draws} draws ({how}), {self.n_clusters} clusters"
        )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


# --------------------------------------------------------------------------------------------
# linear-model engine
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _LinearPieces:
    """Cluster-level pieces of one coefficient, affine in the null value ``r``."""

    beta: float
    rmr: float
    c0: NDArray[np.float64]  # sum_g ell_i uhat_i
    cf: NDArray[np.float64]  # sum_g ell_i^2
    k0: NDArray[np.float64]  # G x G
    kf: NDArray[np.float64]  # G x G
    se: float  # CR1 standard error

    def at(self, r: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        shift = (self.beta - r) / self.rmr
        return self.c0 + shift * self.cf, self.k0 + shift * self.kf


def _cluster_matrix(values: NDArray[np.float64], codes: NDArray[np.intp], g: int
                    ) -> sparse.csr_matrix:
    n = values.shape[0]
    return sparse.csr_matrix((values, (np.arange(n), codes)), shape=(n, g))


def _linear_pieces(
    xs: sparse.csr_matrix, ys: NDArray[np.float64], codes: NDArray[np.intp], g: int,
    terms: Sequence[int], ssc: float,
) -> list[_LinearPieces]:
    xtx = (xs.T @ xs).tocsc()
    try:
        lu = splu(xtx)
    except RuntimeError as exc:
        raise EstimationError(f"the design is singular ({exc})") from exc
    beta = lu.solve(np.asarray(xs.T @ ys).ravel())
    uhat = ys - xs @ beta
    if not np.all(np.isfinite(beta)):
        raise EstimationError("the design is singular (non-finite coefficients)")
    e0 = np.asarray((xs.T @ _cluster_matrix(uhat, codes, g)).todense())
    out = []
    for j in terms:
        ej = np.zeros(xs.shape[1])
        ej[j] = 1.0
        mr = lu.solve(ej)
        ell = xs @ mr
        rmr = float(mr[j])
        c0 = np.bincount(codes, ell * uhat, minlength=g).astype(float)
        cf = np.bincount(codes, ell * ell, minlength=g).astype(float)
        f = np.asarray((xs.T @ _cluster_matrix(ell, codes, g)).todense())
        mf = lu.solve(f)
        k0 = mf.T @ e0
        kf = mf.T @ f
        se = math.sqrt(ssc * float(c0 @ c0))
        out.append(_LinearPieces(float(beta[j]), rmr, c0, cf, k0, kf, se))
    return out


def _abs_tstar(v: NDArray[np.float64], c: NDArray[np.float64], k: NDArray[np.float64],
               ssc: float) -> NDArray[np.float64]:
    out = np.empty(v.shape[0])
    for start in range(0, v.shape[0], DRAW_CHUNK):
        vb = v[start: start + DRAW_CHUNK]
        numer = vb @ c
        z = vb * c[None, :] - vb @ k.T
        denom = ssc * np.einsum("bg,bg->b", z, z)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[start: start + DRAW_CHUNK] = np.abs(numer / np.sqrt(denom))
    return out


def share_at_least(tstar: NDArray[np.float64], t: float,
                   tied: NDArray[np.bool_] | None = None) -> float:
    """Bootstrap p-value: share of draws with ``|t*| >= |t|``, ties counted as extreme.

    Parameters
    ----------
    tstar : numpy.ndarray
        ``|t*|`` of each draw.
    t : float
        ``|t|`` of the sample.
    tied : numpy.ndarray of bool, optional
        Draws known to tie with the sample exactly (counted as extreme whatever the rounding).

    Returns
    -------
    float
        ``mean(|t*| >= |t| (1 - 1e-10) or tied)``.

    Notes
    -----
    Under the restricted bootstrap the draw with all weights equal to one reproduces the sample
    exactly, so its ``|t*|`` equals ``|t|`` up to rounding; counting ties (within 1e-10,
    relative) makes the p-value independent of rounding (and equal to ``P*(|T*| >= |t|)``).
    """
    extreme = tstar >= t * (1 - 1e-10)
    return float(np.mean(extreme if tied is None else extreme | tied))


def _pvalue_restricted(pc: _LinearPieces, v: NDArray[np.float64], r: float, ssc: float
                       ) -> float:
    c, k = pc.at(r)
    t = abs((pc.beta - r) / pc.se)
    tstar = _abs_tstar(v, c, k, ssc)
    return share_at_least(tstar, t)


def wild_linear(
    x: ArrayLike | sparse.spmatrix,
    y: ArrayLike,
    cluster: ArrayLike,
    *,
    terms: Sequence[int] = (0,),
    names: Sequence[str] | None = None,
    weights: ArrayLike | None = None,
    null: float = 0.0,
    weight_type: WildWeights = "rademacher",
    draws: int = 9999,
    rng: int | np.random.Generator | None = None,
    impose_null: bool = True,
    level: float = 0.95,
    conf_int: bool = True,
) -> WildBootstrapResult:
    """Wild cluster bootstrap tests and intervals for coefficients of a linear model.

    Parameters
    ----------
    x : array_like or scipy.sparse matrix
        Full design, shape ``(n, p)``, including every fixed-effect dummy (sparse is fine).
    y : array_like
        Outcome.
    cluster : array_like
        Cluster labels.
    terms : sequence of int, default (0,)
        Columns of ``x`` to test.
    names : sequence of str, optional
        Names of the tested terms.
    weights : array_like, optional
        Positive regression weights (WLS as OLS on ``sqrt(w)``-scaled data).
    null : float, default 0
        Hypothesised value for the p-values.
    weight_type : {"rademacher", "mammen", "webb"}, default "rademacher"
        Weight distribution.
    draws : int, default 9999
        Requested draws.
    rng : int, numpy.random.Generator or None
        Seed or generator (recorded).
    impose_null : bool, default True
        WCR (restricted) when True, WCU otherwise.
    level : float, default 0.95
        Confidence level of the interval.
    conf_int : bool, default True
        Compute the interval (test inversion under WCR).

    Returns
    -------
    WildBootstrapResult

    Notes
    -----
    For coefficient ``j`` let ``ell = X (X'X)^{-1} e_j`` (so ``b_j = ell'y``) and ``u(r)`` the
    residuals with ``b_j = r`` imposed. With ``C_g = ell_g'u_g(r)`` and
    ``K_gh = ell_g' X_g (X'X)^{-1} X_h' u_h(r)``, draw ``b`` gives
    ``t*_b = sum_g v_bg C_g / sqrt(ssc sum_g (v_bg C_g - sum_h K_gh v_bh)^2)``, the CR1 t
    statistic of the bootstrap sample ``y* = X b(r) + v * u(r)``. Both ``C`` and ``K`` are
    affine in ``r``, so inverting the test costs no new regressions. The p-value is the
    share of draws with ``|t*_b| >= |t|``, ties (to 1e-10 relative) counted as at least as
    extreme, so the p-value does not depend on rounding.
    """
    level = float(level)
    if not 0 < level < 1:
        raise OptionError(f"level must lie strictly between 0 and 1; got {level}")
    xs = sparse.csr_matrix(x, dtype=float)
    ya = np.asarray(y, dtype=float).reshape(-1)
    n, p = xs.shape
    if ya.shape[0] != n:
        raise OptionError(f"y must have one entry per row of x ({n}); got {ya.shape[0]}")
    cl = np.asarray(cluster)
    if cl.shape[0] != n:
        raise OptionError(f"cluster must have one entry per row of x ({n}); got {cl.shape[0]}")
    codes = np.asarray(pd.factorize(cl, sort=True)[0], dtype=np.intp)
    g = int(codes.max()) + 1
    if g < 2:
        raise EstimationError(f"the wild cluster bootstrap needs at least 2 clusters; got {g}")
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float).reshape(-1)
    if w.shape[0] != n or np.any(~np.isfinite(w)) or np.any(w <= 0):
        raise OptionError("weights must be positive and finite, one per row")
    terms = [int(j) for j in terms]
    for j in terms:
        if not 0 <= j < p:
            raise OptionError(f"terms must be column indices in 0..{p - 1}; got {j}")
    sw = np.sqrt(w)
    xw = sparse.diags(sw) @ xs
    yw = ya * sw
    ssc = g / (g - 1) * (n - 1) / (n - p)
    wd = wild_draws(g, draws, weight_type=weight_type, rng=rng)
    pieces = _linear_pieces(sparse.csr_matrix(xw), yw, codes, g, terms, ssc)
    alpha = round(1 - level, 12)
    ests, ses, stats_, ps, lo, hi = [], [], [], [], [], []
    for pc in pieces:
        t = (pc.beta - null) / pc.se
        if impose_null:
            pval = _pvalue_restricted(pc, wd.v, null, ssc)
            if conf_int:

                def pfun(r: float, pc: _LinearPieces = pc) -> float:
                    return _pvalue_restricted(pc, wd.v, r, ssc)

                lo.append(invert_test(pfun, pc.beta, pc.se, alpha, -1))
                hi.append(invert_test(pfun, pc.beta, pc.se, alpha, +1))
        else:
            c, k = pc.at(pc.beta)
            tstar = _abs_tstar(wd.v, c, k, ssc)
            pval = share_at_least(tstar, abs(t))
            if conf_int:
                q = float(np.quantile(tstar[np.isfinite(tstar)], level))
                lo.append(pc.beta - q * pc.se)
                hi.append(pc.beta + q * pc.se)
        ests.append(pc.beta)
        ses.append(pc.se)
        stats_.append(t)
        ps.append(pval)
    if not conf_int:
        lo = [math.nan] * len(terms)
        hi = [math.nan] * len(terms)
    label = tuple(names) if names is not None else tuple(f"x{j}" for j in terms)
    if len(label) != len(terms):
        raise OptionError(f"names must name the {len(terms)} terms; got {len(label)}")
    variant = "WCR (null imposed; interval by test inversion)" if impose_null else (
        "WCU (null not imposed; percentile-t interval)")
    return WildBootstrapResult(
        terms=label, estimates=np.array(ests), std_errors=np.array(ses),
        statistics=np.array(stats_), pvalues=np.array(ps), ci_low=np.array(lo),
        ci_high=np.array(hi), level=level, null=float(null), weight_type=wd.weight_type,
        draws=int(wd.v.shape[0]), requested_draws=wd.requested, enumerated=wd.enumerated,
        seed=wd.seed, n_clusters=g, restricted=bool(impose_null),
        method=f"Wild cluster bootstrap, {variant}, CR1-studentised",
    )


def wild_twfe(result: Any, **options: Any) -> WildBootstrapResult:
    """Wild cluster bootstrap for the treatment terms of :func:`eah_eval.did.twfe`.

    Parameters
    ----------
    result : eah_eval.did.twfe.TwfeResult
        Fitted two-way fixed-effects model (static or event study); clusters as fitted.
    **options
        Passed to :func:`wild_linear` (``weight_type``, ``draws``, ``rng``, ``impose_null``,
        ``level``, ``null``, ``conf_int``).

    Returns
    -------
    WildBootstrapResult
        One row per treatment term, named as in the result's table.
    """
    d = result.design
    n_terms = len(np.asarray(result.estimates))
    names = [str(v) for v in result.table.to_frame().index][:n_terms]
    return wild_linear(
        d.full_design(), d.y, d.cluster_codes, terms=range(n_terms), names=names,
        weights=d.weights, **options,
    )


# --------------------------------------------------------------------------------------------
# influence-function (score) engine
# --------------------------------------------------------------------------------------------
def wild_influence(
    influence: ArrayLike,
    estimates: ArrayLike,
    cluster: ArrayLike | None,
    *,
    names: Sequence[str] | None = None,
    null: float = 0.0,
    weight_type: WildWeights = "rademacher",
    draws: int = 9999,
    rng: int | np.random.Generator | None = None,
    level: float = 0.95,
) -> WildBootstrapResult:
    """Unrestricted wild cluster (score) bootstrap from influence functions.

    Parameters
    ----------
    influence : array_like
        Influence functions, shape ``(n_units, m)``, scaled so that ``var = sum(psi^2) / n^2``
        (the convention of :mod:`eah_eval.did`).
    estimates : array_like
        The ``m`` point estimates.
    cluster : array_like or None
        Cluster of each unit (None: units are the clusters).
    names : sequence of str, optional
        Names of the ``m`` quantities.
    null : float, default 0
        Hypothesised value for the p-values.
    weight_type, draws, rng, level
        As in :func:`wild_linear`.

    Returns
    -------
    WildBootstrapResult
        ``restricted`` is False; the interval is percentile-t.
    """
    psi = np.asarray(influence, dtype=float)
    if psi.ndim == 1:
        psi = psi[:, None]
    est = np.asarray(estimates, dtype=float).reshape(-1)
    n, m = psi.shape
    if est.shape[0] != m:
        raise OptionError(f"estimates must have {m} entries (columns of influence); got "
                          f"{est.shape[0]}")
    codes = np.arange(n) if cluster is None else np.asarray(
        pd.factorize(np.asarray(cluster), sort=True)[0], dtype=np.intp)
    if codes.shape[0] != n:
        raise OptionError(f"cluster must have one entry per unit ({n}); got {codes.shape[0]}")
    g = int(codes.max()) + 1
    sums = np.zeros((g, m))
    np.add.at(sums, codes, np.nan_to_num(psi))
    wd = wild_draws(g, draws, weight_type=weight_type, rng=rng)
    se = np.sqrt(np.sum(sums**2, axis=0)) / n
    se = np.where(np.isnan(psi).any(axis=0) | (se == 0), np.nan, se)
    tstat = (est - null) / se
    abs_t = np.empty((wd.v.shape[0], m))
    for start in range(0, wd.v.shape[0], DRAW_CHUNK):
        vb = wd.v[start: start + DRAW_CHUNK]
        numer = vb @ sums
        denom = np.sqrt((vb**2) @ (sums**2))
        with np.errstate(divide="ignore", invalid="ignore"):
            abs_t[start: start + DRAW_CHUNK] = np.abs(numer / denom)
    pvals = np.array([
        share_at_least(abs_t[:, j], abs(tstat[j])) if np.isfinite(tstat[j]) else math.nan
        for j in range(m)
    ])
    q = np.array([
        float(np.quantile(abs_t[np.isfinite(abs_t[:, j]), j], level))
        if np.isfinite(se[j]) else math.nan for j in range(m)
    ])
    label = tuple(names) if names is not None else tuple(f"q{j}" for j in range(m))
    return WildBootstrapResult(
        terms=label, estimates=est, std_errors=se, statistics=tstat, pvalues=pvals,
        ci_low=est - q * se, ci_high=est + q * se, level=float(level), null=float(null),
        weight_type=wd.weight_type, draws=int(wd.v.shape[0]), requested_draws=wd.requested,
        enumerated=wd.enumerated, seed=wd.seed, n_clusters=g, restricted=False,
        method="Wild cluster score bootstrap of the influence function, WCU, percentile-t",
    )


def wild_aggregate(result: Any, **options: Any) -> WildBootstrapResult:
    """Wild cluster (score) bootstrap for an :class:`eah_eval.did.aggregate.AggregateResult`.

    Parameters
    ----------
    result : AggregateResult or GroupTimeResult
        Aggregated (or group-time) effects with influence functions and cluster codes.
    **options
        Passed to :func:`wild_influence`.

    Returns
    -------
    WildBootstrapResult
        Rows of the result's table, then ``"overall"`` for aggregations.
    """
    frame = result.table.to_frame()
    label_col = frame.columns[0] if frame.columns[0] != "estimate" else None
    names = [str(v) for v in (frame[label_col] if label_col else frame.index)]
    psi = np.asarray(result.influence, dtype=float)
    est = np.asarray(result.estimates, dtype=float)
    if hasattr(result, "overall_influence") and getattr(result, "kind", "") != "simple":
        psi = np.column_stack([psi, np.asarray(result.overall_influence, dtype=float)])
        est = np.r_[est, float(result.overall_att)]
        names.append("overall")
    return wild_influence(psi, est, result.cluster_codes, names=names, **options)


def wild_imputation(result: Any, **options: Any) -> WildBootstrapResult:
    """Wild cluster (score) bootstrap for :func:`eah_eval.did.imputation` (Borusyak et al.).

    Uses the estimator's cluster-level terms ``sum_{it in c} v_it eps_it`` (its conservative
    variance's building blocks) as scores: unrestricted, percentile-t.

    Parameters
    ----------
    result : eah_eval.did.imputation.ImputationResult
        Imputation estimates.
    **options
        Passed to :func:`wild_influence`.

    Returns
    -------
    WildBootstrapResult
        ``"overall"`` first, then the horizons of the result's table.
    """
    terms = np.asarray(result.influence, dtype=float)
    g = terms.shape[0]
    est = np.r_[float(result.overall.estimates[0]), np.asarray(result.estimates, dtype=float)]
    # rows are clusters already; scale so that sqrt(sum psi^2) / n equals the package's SE
    return wild_influence(terms * g, est, None, names=imputation_target_names(result),
                          **options)
