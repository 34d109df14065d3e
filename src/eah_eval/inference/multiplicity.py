"""Adjusting p-values for a family of estimates (several measures, horizons or subgroups)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from eah_eval.errors import OptionError, check_option

__all__ = ["PVALUE_ADJUSTMENTS", "PValueAdjustment", "adjust_pvalues"]

PValueAdjustment = Literal["holm", "bonferroni"]
PVALUE_ADJUSTMENTS: tuple[str, ...] = ("holm", "bonferroni")


def adjust_pvalues(pvalues: ArrayLike, method: PValueAdjustment = "holm") -> NDArray[np.float64]:
    """Adjust p-values for testing a family of hypotheses (family-wise error rate).

    Parameters
    ----------
    pvalues : array_like
        Unadjusted p-values of the family, each in [0, 1]. NaN entries (untested rows) are
        left out of the family and stay NaN.
    method : {"holm", "bonferroni"}, default "holm"
        Holm's step-down procedure, or Bonferroni's (more conservative, never smaller).

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, same shape and order as ``pvalues``. Rejecting every hypothesis
        whose adjusted p-value is at most ``alpha`` controls the probability of any false
        rejection at ``alpha``.

    Raises
    ------
    OptionError
        For an unknown method, or a p-value outside [0, 1].

    Notes
    -----
    With ``m`` finite p-values sorted as ``p_(1) <= ... <= p_(m)``:

    * Bonferroni: ``p~_i = min(1, m p_i)``.
    * Holm (1979): ``p~_(k) = max_{j <= k} min(1, (m - j + 1) p_(j))``, the step-down
      adjustment: the smallest p-value is multiplied by ``m``, the next by ``m - 1``, and so
      on, with running maxima to keep the order.

    Both are valid under any dependence between the estimates (event times of one study share
    their comparison units). Ties get the same adjusted value.

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scandinavian
    Journal of Statistics* 6(2), 65-70.

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, 0.03, 0.2]).round(4).tolist()
    [0.04, 0.09, 0.09, 0.2]
    >>> adjust_pvalues([0.01, 0.04, 0.03, 0.2], "bonferroni").round(4).tolist()
    [0.04, 0.16, 0.12, 0.8]
    """
    check_option("method", method, PVALUE_ADJUSTMENTS)
    p = np.array(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    flat = p.reshape(-1)
    finite = np.flatnonzero(np.isfinite(flat))
    vals = flat[finite]
    if np.any((vals < 0) | (vals > 1)):
        bad = vals[(vals < 0) | (vals > 1)][0]
        raise OptionError(f"p-values must lie in [0, 1]; got {float(bad):g}")
    m = vals.size
    if m == 0:
        return out
    if method == "bonferroni":
        adj = np.minimum(1.0, m * vals)
    else:
        order = np.argsort(vals, kind="stable")
        stepped = np.minimum(1.0, (m - np.arange(m)) * vals[order])
        adj = np.empty(m)
        adj[order] = np.maximum.accumulate(stepped)
    res = out.reshape(-1)
    res[finite] = adj
    return res.reshape(p.shape)
