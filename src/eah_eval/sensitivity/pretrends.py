"""Joint Wald test of pre-period event-study coefficients.

``W = b_pre' V_pre^+ b_pre`` against a chi-squared distribution with ``rank(V_pre)`` degrees of
freedom (Moore-Penrose inverse, so a reference period reported as an exact zero with zero
variance is harmless). A large p-value is not evidence of parallel trends: pre-tests have low
power (Roth 2022) -- pair it with :func:`eah_eval.sensitivity.honest_did`.

References
----------
Roth, J. (2022). Pretest with caution: event-study estimates after testing for parallel trends.
*American Economic Review: Insights* 4(3), 305-322.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from eah_eval.did.table_delegation import FrameDisplay
from eah_eval.errors import EstimationError, OptionError

__all__ = ["PretrendTest", "event_study_inputs", "pretrend_test", "pretrend_test_event"]


@dataclass(frozen=True)
class PretrendTest(FrameDisplay):
    """Result of the joint pre-trend Wald test.

    Attributes
    ----------
    statistic : float
        Wald statistic ``W``.
    df : int
        Degrees of freedom (rank of the pre-period covariance).
    pvalue : float
        ``P(chi2_df > W)``.
    terms : tuple of str
        Pre-period coefficients tested.
    note : str
        Caveat printed with the result.
    """

    statistic: float
    df: int
    pvalue: float
    terms: tuple[str, ...]
    note: str = ("A non-significant pre-test does not show parallel trends (low power); see the "
                 "sensitivity analysis.")

    def __str__(self) -> str:
        return (f"Joint pre-trend test of {len(self.terms)} coefficients: W = "
                f"{self.statistic:.4f}, df = {self.df}, p = {self.pvalue:.4f}. {self.note}")


def pretrend_test(
    estimates: ArrayLike, covariance: ArrayLike, *, names: Sequence[str] | None = None
) -> PretrendTest:
    """Joint Wald test that all given (pre-period) coefficients are zero.

    Parameters
    ----------
    estimates : array_like
        Pre-period coefficients.
    covariance : array_like
        Their covariance matrix.
    names : sequence of str, optional
        Names of the coefficients.

    Returns
    -------
    PretrendTest

    Raises
    ------
    OptionError
        For inconsistent shapes or non-finite input.
    EstimationError
        If the covariance has rank zero.
    """
    b = np.asarray(estimates, dtype=float).reshape(-1)
    v = np.asarray(covariance, dtype=float)
    k = b.shape[0]
    if k == 0:
        raise OptionError("pretrend_test needs at least one pre-period coefficient")
    if v.shape != (k, k):
        raise OptionError(f"covariance must be {k} x {k}; got shape {v.shape}")
    if not (np.all(np.isfinite(b)) and np.all(np.isfinite(v))):
        raise OptionError("estimates and covariance must be finite")
    v = 0.5 * (v + v.T)
    lam = np.linalg.eigvalsh(v)
    rank = int(np.sum(lam > max(lam.max(), 0.0) * 1e-10)) if lam.size else 0
    if rank == 0:
        raise EstimationError("the pre-period covariance is zero; the test is not defined")
    w = float(b @ np.linalg.pinv(v, rcond=1e-10, hermitian=True) @ b)
    p = float(stats.chi2.sf(w, rank))
    label = tuple(names) if names is not None else tuple(f"pre{j}" for j in range(k))
    return PretrendTest(w, rank, p, label)


def event_study_inputs(result: Any) -> tuple[NDArray[np.int64], NDArray[np.float64],
                                              NDArray[np.float64]]:
    """Event times, estimates and covariance of an event-study aggregation.

    Parameters
    ----------
    result : eah_eval.did.aggregate.AggregateResult
        ``aggregate(gt, "event")`` output (influence functions, cluster codes).

    Returns
    -------
    tuple
        ``(event_times, estimates, covariance)``; the covariance is ``S'S / n^2`` with ``S`` the
        cluster sums of the influence functions (the package's analytic convention).
    """
    if getattr(result, "kind", None) != "event":
        raise OptionError("expected an event-study aggregation (kind='event')")
    e = np.asarray(result.table.index, dtype=np.int64)  # the event_time labels of the rows
    psi = np.nan_to_num(np.asarray(result.influence, dtype=float))
    n = psi.shape[0]
    codes = result.cluster_codes
    if codes is None:
        sums = psi
    else:
        sums = np.zeros((int(np.max(codes)) + 1, psi.shape[1]))
        np.add.at(sums, np.asarray(codes), psi)
    return e, np.asarray(result.estimates, dtype=float), sums.T @ sums / n**2


def pretrend_test_event(result: Any) -> PretrendTest:
    """Joint pre-trend test from an event-study aggregation (reference period excluded).

    Parameters
    ----------
    result : eah_eval.did.aggregate.AggregateResult
        Event-study aggregation.

    Returns
    -------
    PretrendTest
    """
    e, b, v = event_study_inputs(result)
    pre = (e < 0) & (np.diag(v) > 0) & np.isfinite(b)
    if not pre.any():
        raise EstimationError("the event study has no estimated pre-period coefficients")
    names = [f"e={int(x)}" for x in e[pre]]
    return pretrend_test(b[pre], v[np.ix_(pre, pre)], names=names)


