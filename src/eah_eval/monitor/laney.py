"""Laney p' and u' charts for proportions and rates with varying denominators.

With large denominators classic p and u charts have limits far too narrow (between-period
variation is real but not binomial/Poisson); XmR on the ratios ignores the denominators. Laney's
charts standardise each point to a z-score, measure the spread of the z-scores with moving ranges
(as an XmR chart does) and put that spread back on each point's own scale.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

import numpy as np
import pandas as pd

from eah_eval.errors import EstimationError, OptionError
from eah_eval.monitor.chart import (
    ControlChart,
    SegmentLimits,
    check_columns,
    check_values,
    prepare_periods,
    segment_baselines,
    segment_ids,
)
from eah_eval.monitor.settings import D2, make_settings
from eah_eval.monitor.xmr import screened_mean_moving_range


def _laney(
    kind: Literal["p_prime", "u_prime"],
    data: pd.DataFrame,
    numerator: str,
    denominator: str,
    period: str | None,
    *,
    measure: str | None,
    **options: Any,
) -> ControlChart:
    """Compute a p' or u' chart; ``options`` are validated by ``make_settings``."""
    settings = make_settings(chart=kind, **options)
    if not isinstance(data, pd.DataFrame):
        raise OptionError(f"{kind} needs a DataFrame with numerator and denominator columns")
    check_columns(data, (numerator, denominator, period))
    x = pd.to_numeric(data[numerator], errors="coerce").to_numpy(dtype=float)
    n = pd.to_numeric(data[denominator], errors="coerce").to_numpy(dtype=float)
    if x.size < 2:
        raise EstimationError(f"a {kind} chart needs at least 2 points; got {x.size}")
    periods = prepare_periods(None if period is None else pd.Index(data[period]), x.size)
    check_values(x, f"numerator column {numerator!r}", periods)
    check_values(n, f"denominator column {denominator!r}", periods)
    shown = np.asarray(periods, dtype=object)
    if np.any(n <= 0):
        raise EstimationError(
            f"denominator column {denominator!r} must be positive; not at period(s) "
            + ", ".join(str(p) for p in shown[n <= 0][:5])
        )
    if np.any(x < 0):
        raise EstimationError(
            f"numerator column {numerator!r} must not be negative; negative at period(s) "
            + ", ".join(str(p) for p in shown[x < 0][:5])
        )
    if kind == "p_prime" and np.any(x > n):
        raise EstimationError(
            f"a proportion needs numerator <= denominator; {numerator!r} exceeds "
            f"{denominator!r} at period(s) " + ", ".join(str(p) for p in shown[x > n][:5])
        )
    ratio = x / n
    segment = segment_ids(periods, settings.rebase)
    sigma = np.empty(x.size)
    z = np.empty(x.size)
    limits = SegmentLimits(periods, segment)
    for s, idx, m in segment_baselines(periods, segment, settings.fix_after_n_points):
        base = idx[:m]
        bar = float(x[base].sum() / n[base].sum())
        if kind == "p_prime":
            if bar <= 0.0 or bar >= 1.0:
                raise EstimationError(
                    f"the segment starting at period {periods[idx[0]]} has an overall "
                    f"proportion of {bar:g}; a p' chart needs events and non-events"
                )
            sig = np.sqrt(bar * (1.0 - bar) / n[idx])
        else:
            if bar <= 0.0:
                raise EstimationError(
                    f"the segment starting at period {periods[idx[0]]} has no events; a u' chart "
                    "needs a positive overall rate"
                )
            sig = np.sqrt(bar / n[idx])
        zs = (ratio[idx] - bar) / sig
        mr = np.abs(np.diff(zs))
        mean_mr, used = screened_mean_moving_range(
            mr[: m - 1], screen_outliers=settings.screen_outliers
        )
        sz = mean_mr / D2
        sigma[idx] = sig
        z[idx] = zs
        limits.add(
            s,
            idx,
            m,
            centre=bar,
            half=3.0 * sig * sz,
            moving_range=mr,
            used=used,
            mean_moving_range=mean_mr,
            shown_centre=bar * settings.multiplier,
            sigma_z=sz,
        )
    k = settings.multiplier
    return limits.chart(
        ratio,
        settings=settings,
        measure=measure if measure is not None else numerator,
        floor=0.0,
        ceiling=1.0 if kind == "p_prime" else np.inf,
        scale=k,
        extra={"numerator": x, "denominator": n, "z": z, "sigma": sigma * k},
        stacklevel=5,
    )


_SHARED_DOC = """
    Parameters
    ----------
    data : pandas.DataFrame
        One row per period.
    numerator, denominator : str
        Columns of event counts and of the population (p') or exposure (u') per period.
    period : str, optional
        Column of periods (numeric or date periods must be increasing; text labels are taken in
        the order given). Default 1..n.
    improvement_direction, target, run_length, two_of_three, screen_outliers, rebase, \
fix_after_n_points, trial_threshold, measure
        As for :func:`eah_eval.monitor.xmr`. Screening applies to the moving ranges of z.
    multiplier : float
        Scale for values, centre and limits (100 for a percentage, 1000 per 1,000). The target
        is on this scale.

    Returns
    -------
    ControlChart
        The points table also has ``numerator``, ``denominator``, ``z`` (standardised value) and
        ``sigma`` (the point's own binomial/Poisson sigma, on the multiplier's scale);
        ``moving_range`` is that of z.

    Raises
    ------
    OptionError, OptionTypeError
        For an invalid option or a missing column.
    EstimationError
        For missing values, non-positive denominators, negative numerators (or numerators above
        denominators for p'), a segment of one point, or a segment without events.
"""


def p_prime(
    data: pd.DataFrame,
    numerator: str = "numerator",
    denominator: str = "denominator",
    period: str | None = None,
    *,
    improvement_direction: str = "none",
    target: float | None = None,
    run_length: int = 7,
    two_of_three: str = "nhse_2023",
    screen_outliers: bool = False,
    rebase: Iterable[object] | None = None,
    fix_after_n_points: int | None = None,
    trial_threshold: int = 13,
    multiplier: float = 1.0,
    measure: str | None = None,
) -> ControlChart:
    """Laney p' chart for a proportion with varying denominators."""
    # the public functions pass their own arguments (and nothing else) through unchanged
    return _laney("p_prime", **locals())


def u_prime(
    data: pd.DataFrame,
    numerator: str = "numerator",
    denominator: str = "denominator",
    period: str | None = None,
    *,
    improvement_direction: str = "none",
    target: float | None = None,
    run_length: int = 7,
    two_of_three: str = "nhse_2023",
    screen_outliers: bool = False,
    rebase: Iterable[object] | None = None,
    fix_after_n_points: int | None = None,
    trial_threshold: int = 13,
    multiplier: float = 1.0,
    measure: str | None = None,
) -> ControlChart:
    """Laney u' chart for a rate (events per unit of exposure) with varying exposure."""
    # the public functions pass their own arguments (and nothing else) through unchanged
    return _laney("u_prime", **locals())


_NOTES = r"""
    Notes
    -----
    Per segment with baseline periods B: :math:`\bar p = \sum_B x_i / \sum_B n_i`,
    :math:`\sigma_i = \sqrt{\bar p(1-\bar p)/n_i}` (p') or :math:`\sqrt{\bar u/n_i}` (u'),
    :math:`z_i = (p_i - \bar p)/\sigma_i`, :math:`\sigma_z = \overline{mR}(z)/1.128`, limits
    :math:`\bar p \pm 3\sigma_i\sigma_z` (clipped to [0, 1] for p', at 0 for u'), near-limit
    lines at 2/3 of that distance. With :math:`\sigma_z = 1` these are the classic p and u charts.

    References
    ----------
    Laney D.B. (2002), "Improved control charts for attributes", *Quality Engineering* 14(4),
    531-537.
"""

p_prime.__doc__ = (p_prime.__doc__ or "") + "\n" + _SHARED_DOC + _NOTES
u_prime.__doc__ = (u_prime.__doc__ or "") + "\n" + _SHARED_DOC + _NOTES
