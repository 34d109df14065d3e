"""Confidence intervals by test inversion: the set of null values a test does not reject.

Used by the restricted wild cluster bootstrap (:mod:`eah_eval.inference.wild`,
:mod:`eah_eval.inference.restricted`) and by randomisation inference
(:mod:`eah_eval.inference.randomization`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["invert_test"]


def invert_test(pvalue: Callable[[float], float], centre: float, scale: float, alpha: float,
                side: int, *, strict: bool = False) -> float:
    """Find one end of ``{r : p(r) >= alpha}`` (or ``> alpha``) on one side of ``centre``.

    Parameters
    ----------
    pvalue : callable
        ``pvalue(r)``: p-value of the test of ``effect = r``.
    centre : float
        A value inside the set (the point estimate).
    scale : float
        Step of the bracketing search (a standard error); the end is located to ``1e-6 scale``.
    alpha : float
        ``1 - level``.
    side : {-1, 1}
        Lower or upper end.
    strict : bool, default False
        Keep ``r`` when ``p(r) > alpha`` instead of ``p(r) >= alpha``.

    Returns
    -------
    float
        The end; ``-inf`` / ``inf`` when the set reaches beyond ``2^30`` scales on that side.

    Notes
    -----
    Brackets by doubling the step from ``centre`` until ``r`` is rejected, then bisects to
    ``max(1e-6 scale, 1e-13 |r|)``; the midpoint of the last bracket is returned. Assumes the
    accepted set is an interval around ``centre``.
    """

    def keep(r: float) -> bool:
        p = pvalue(r)
        return p > alpha if strict else p >= alpha

    tol = 1e-6 * scale
    inside = centre
    step = scale
    outside = centre + side * step
    tries = 0
    while keep(outside):
        inside = outside
        step *= 2
        outside = centre + side * step
        tries += 1
        if tries > 30:  # beyond 2^30 scales: the set is unbounded on this side
            return side * math.inf
    for _ in range(200):
        if abs(outside - inside) <= max(tol, 1e-13 * abs(inside)):
            break
        mid = 0.5 * (inside + outside)
        if keep(mid):
            inside = mid
        else:
            outside = mid
    return 0.5 * (inside + outside)
