"""Inputs shared by the Rambachan-Roth bounds: checks, the target ``l' beta_post``, its interval.

Every bound in :mod:`eah_eval.sensitivity.relative_magnitudes`,
:mod:`eah_eval.sensitivity.smoothness` and :mod:`eah_eval.sensitivity.honest` takes event-study
coefficients ``betahat`` (pre-periods first, reference period omitted), their covariance ``sigma``,
the numbers of pre- and post-period coefficients and the post-period weights ``l_vec``; they are
checked here, once.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from eah_eval.errors import OptionError

Restriction = Literal["relative_magnitudes", "smoothness"]
GridRule = Literal["identified_set", "zero"]

RESTRICTIONS: tuple[str, ...] = ("relative_magnitudes", "smoothness")
GRID_RULES: tuple[str, ...] = ("identified_set", "zero")

__all__ = [
    "GRID_RULES",
    "RESTRICTIONS",
    "GridRule",
    "Restriction",
    "check_alpha",
    "check_event_study",
    "max_pre_second_difference",
    "original_ci",
    "target_sd",
]


def check_event_study(
    betahat: ArrayLike,
    sigma: ArrayLike,
    num_pre_periods: int,
    num_post_periods: int,
    l_vec: ArrayLike | None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Check the event-study inputs of a Rambachan-Roth bound and return them as arrays.

    Parameters
    ----------
    betahat : array_like
        Event-study coefficients, pre-periods first, reference period omitted.
    sigma : array_like
        Their covariance matrix.
    num_pre_periods, num_post_periods : int
        Numbers of pre- and post-period coefficients (each at least 1).
    l_vec : array_like or None
        Weights on the post-period coefficients; ``None`` means the first post period.

    Returns
    -------
    betahat : numpy.ndarray
        Coefficients as a float vector.
    sigma : numpy.ndarray
        Covariance, symmetrised as ``(sigma + sigma') / 2`` to remove rounding asymmetry.
    l_vec : numpy.ndarray
        Post-period weights as a float vector.

    Raises
    ------
    OptionError
        If a period count is below 1, ``betahat`` or ``sigma`` has the wrong size, an entry is not
        finite, ``sigma`` is not symmetric, or ``l_vec`` has the wrong length or is all zeros.
    """
    b = np.asarray(betahat, dtype=float).reshape(-1)
    s = np.asarray(sigma, dtype=float)
    if int(num_pre_periods) < 1 or int(num_post_periods) < 1:
        raise OptionError(
            "num_pre_periods and num_post_periods must be at least 1; got "
            f"{num_pre_periods} and {num_post_periods}"
        )
    n = int(num_pre_periods) + int(num_post_periods)
    if b.shape[0] != n:
        raise OptionError(
            f"betahat must have num_pre_periods + num_post_periods = {n} entries; got {b.shape[0]}"
        )
    if s.shape != (n, n):
        raise OptionError(f"sigma must be a {n} x {n} matrix; got shape {s.shape}")
    if not np.all(np.isfinite(b)) or not np.all(np.isfinite(s)):
        raise OptionError("betahat and sigma must be finite (no NaN or infinite entries)")
    if not np.allclose(s, s.T, rtol=1e-8, atol=1e-14):
        raise OptionError("sigma must be symmetric")
    if l_vec is None:
        lv = np.zeros(int(num_post_periods))
        lv[0] = 1.0
    else:
        lv = np.asarray(l_vec, dtype=float).reshape(-1)
        if lv.shape[0] != int(num_post_periods):
            raise OptionError(
                f"l_vec must have num_post_periods = {num_post_periods} entries; got {lv.shape[0]}"
            )
        if not np.any(lv != 0):
            raise OptionError("l_vec must not be all zeros")
    return b, 0.5 * (s + s.T), lv


def check_alpha(alpha: float) -> float:
    """Check that ``alpha`` (one minus the coverage) lies strictly between 0 and 1.

    Parameters
    ----------
    alpha : float
        One minus the coverage of a confidence set.

    Returns
    -------
    float
        ``alpha`` as a float.

    Raises
    ------
    OptionError
        If ``alpha`` is not strictly between 0 and 1.
    """
    if not 0.0 < float(alpha) < 1.0:
        raise OptionError(f"alpha must lie strictly between 0 and 1; got {alpha}")
    return float(alpha)


def target_sd(
    sigma: NDArray[np.float64], l_vec: NDArray[np.float64], num_pre_periods: int
) -> float:
    """Return the standard deviation of the target ``l' beta_post``.

    Parameters
    ----------
    sigma : numpy.ndarray
        Covariance of the event-study coefficients, pre-periods first (as returned by
        :func:`check_event_study`).
    l_vec : numpy.ndarray
        Weights on the post-period coefficients.
    num_pre_periods : int
        Number of pre-period coefficients that come before the post periods.

    Returns
    -------
    float
        ``sqrt(l' Sigma_post l)`` with ``Sigma_post`` the post-period block of ``sigma``.
    """
    k = int(num_pre_periods)
    return float(math.sqrt(l_vec @ sigma[k:, k:] @ l_vec))


def max_pre_second_difference(betahat: NDArray[np.float64], num_pre_periods: int) -> float:
    """Return the largest absolute second difference of the pre-period coefficients.

    Parameters
    ----------
    betahat : numpy.ndarray
        Event-study coefficients, pre-periods first, reference period omitted.
    num_pre_periods : int
        Number of pre-period coefficients (at least 2 for a second difference to exist).

    Returns
    -------
    float
        ``max_j |b_j - 2 b_{j+1} + b_{j+2}|`` over the pre-periods with the reference period
        appended as ``b = 0``; it scales the default smoothness bounds ``M``.

    Raises
    ------
    OptionError
        If ``num_pre_periods`` is below 2.
    """
    k = int(num_pre_periods)
    if k < 2:
        raise OptionError(
            f"num_pre_periods must be at least 2 for a pre-period second difference; got {k}"
        )
    pre = np.concatenate([betahat[:k], [0.0]])
    return float(np.abs(np.diff(pre, n=2)).max())


def original_ci(
    betahat: ArrayLike,
    sigma: ArrayLike,
    *,
    num_pre_periods: int,
    num_post_periods: int,
    l_vec: ArrayLike | None = None,
    alpha: float = 0.05,
) -> tuple[float, float]:
    """Return the conventional interval ``l' beta_post +/- z(1 - alpha/2) se`` (parallel trends).

    Parameters
    ----------
    betahat, sigma : array_like
        Event-study coefficients (pre-periods first, reference period omitted) and covariance.
    num_pre_periods, num_post_periods : int
        Numbers of pre- and post-period coefficients.
    l_vec : array_like, optional
        Weights on the post-period coefficients; default the first post period.
    alpha : float, default 0.05
        One minus the coverage.

    Returns
    -------
    tuple of float
        Lower and upper bound.

    Raises
    ------
    OptionError
        For inputs rejected by :func:`check_event_study` or ``alpha`` outside ``(0, 1)``.
    """
    b, s, lv = check_event_study(betahat, sigma, num_pre_periods, num_post_periods, l_vec)
    alpha = check_alpha(alpha)
    k = int(num_pre_periods)
    est = float(lv @ b[k:])
    se = target_sd(s, lv, k)
    z = float(stats.norm.ppf(1 - alpha / 2))
    return est - z * se, est + z * se
