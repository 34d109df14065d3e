"""XmR (individuals and moving range) charts in the Making Data Count style."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from eah_eval.errors import EstimationError, OptionError, OptionTypeError
from eah_eval.monitor.chart import (
    ControlChart,
    SegmentLimits,
    check_columns,
    check_values,
    prepare_periods,
    segment_baselines,
    segment_ids,
)
from eah_eval.monitor.settings import MR_SCREEN_CONSTANT, XMR_LIMIT_CONSTANT, make_settings


@dataclass(frozen=True)
class MovingRangeBaseline:
    """Centre and mean moving range of one segment's baseline.

    Attributes
    ----------
    centre : float
        Mean of the baseline values.
    mean_moving_range : float
        Mean of the moving ranges kept.
    moving_ranges : numpy.ndarray
        Moving ranges of the baseline (``n_baseline - 1`` values).
    used : numpy.ndarray of bool
        Which of those moving ranges were kept (all, unless screened).
    """

    centre: float
    mean_moving_range: float
    moving_ranges: NDArray[np.float64]
    used: NDArray[np.bool_]


def screened_mean_moving_range(
    moving_ranges: ArrayLike, *, screen_outliers: bool
) -> tuple[float, NDArray[np.bool_]]:
    """Mean moving range, optionally after dropping large moving ranges once.

    Parameters
    ----------
    moving_ranges : array_like
        Moving ranges (absolute differences of consecutive points).
    screen_outliers : bool
        If True, moving ranges that are not strictly below 3.267 x the first mean are dropped
        and the mean is recomputed once (as NHSRplotthedots does).

    Returns
    -------
    mean : float
        The mean moving range.
    used : numpy.ndarray of bool
        Which moving ranges were kept.
    """
    mr = np.asarray(moving_ranges, dtype=float)
    used = np.ones(mr.size, dtype=bool)
    first = float(mr.mean())
    if screen_outliers and first > 0:
        used = mr < MR_SCREEN_CONSTANT * first
        return float(mr[used].mean()), used
    return first, used


def xmr_baseline(values: ArrayLike, *, screen_outliers: bool) -> MovingRangeBaseline:
    """Compute the centre and mean moving range from baseline values.

    Parameters
    ----------
    values : array_like
        Baseline values of one segment, in time order (at least two).
    screen_outliers : bool
        Screen large moving ranges (see :func:`screened_mean_moving_range`).

    Returns
    -------
    MovingRangeBaseline
    """
    v = np.asarray(values, dtype=float)
    mr = np.abs(np.diff(v))
    mean_mr, used = screened_mean_moving_range(mr, screen_outliers=screen_outliers)
    return MovingRangeBaseline(float(v.mean()), mean_mr, mr, used)


def _series_input(
    data: pd.DataFrame | pd.Series | ArrayLike, value: str | None, period: str | None
) -> tuple[np.ndarray, Sequence[Any] | pd.Index | None, str]:
    """Pull values, periods and a measure name out of the accepted input shapes."""
    if isinstance(data, pd.DataFrame):
        if value is None:
            raise OptionError("value must name the column of values when data is a DataFrame")
        check_columns(data, (value, period))
        vals = pd.to_numeric(data[value], errors="coerce").to_numpy(dtype=float)
        periods = None if period is None else pd.Index(data[period])
        return vals, periods, value
    if value is not None or period is not None:
        raise OptionError("value and period name columns; pass them only with a DataFrame")
    if isinstance(data, pd.Series):
        vals = pd.to_numeric(data, errors="coerce").to_numpy(dtype=float)
        return vals, pd.Index(data.index), str(data.name) if data.name is not None else "value"
    if isinstance(data, str | bytes):
        raise OptionTypeError("data must be a DataFrame, a Series or a sequence of numbers")
    try:
        vals = np.asarray(data, dtype=float)
    except (TypeError, ValueError) as exc:
        raise OptionTypeError(f"data must be numbers; could not convert: {exc}") from None
    if vals.ndim != 1:
        raise OptionError(f"data must be one-dimensional; got shape {vals.shape}")
    return vals, None, "value"


def xmr(
    data: pd.DataFrame | pd.Series | ArrayLike,
    value: str | None = None,
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
    resolution: float | None = None,
    measure: str | None = None,
) -> ControlChart:
    r"""XmR control chart with Making Data Count rules, variation and assurance.

    Parameters
    ----------
    data : DataFrame, Series or sequence of numbers
        The series. A DataFrame needs ``value`` (and optionally ``period``) column names; a
        Series uses its index as periods; a plain sequence gets periods 1..n.
    value, period : str, optional
        Column names when ``data`` is a DataFrame. Numeric or date periods must be increasing;
        text periods are taken in the order given.
    improvement_direction : {"none", "higher", "lower"}
        Which direction is good. ``"none"`` (default) labels special causes neutral high/low
        and gives no assurance: the direction of good must be stated per measure.
    target : float, optional
        Target for the assurance icon.
    run_length : {7, 6}
        N for the trend and shift rules.
    two_of_three : {"nhse_2023", "nhsr"}
        Two-of-three convention (see :mod:`eah_eval.monitor.rules`). Default NHS England 2023.
    screen_outliers : bool
        Drop moving ranges of at least 3.267 x the mean moving range and recompute the mean
        once. Default False, as NHS England's tool (NHSRplotthedots screens by default).
    rebase : sequence of periods, optional
        Periods at which limits are recalculated (the period is the first point of the new
        segment), e.g. a cluster's go-live. Each segment gets its own centre, limits and rule
        checks; runs and trends do not continue across a rebase.
    fix_after_n_points : int, optional
        Compute each segment's centre and limits from its first n points only.
    trial_threshold : int
        Limits from fewer points than this (default 13) are trial limits: flagged on the result,
        stated on the chart, and warned with :class:`~eah_eval.errors.TrialLimitsWarning`.
    resolution : float, optional
        The increment the values are recorded to, for "chunky" data such as medians of whole
        days. Each limit (and near-limit line, at 2/3 of the new distance) is moved out by
        one increment: a recorded value may lie up to half an increment from the true one,
        both in the baseline the limits come from and in the point tested (Notes).
    measure : str, optional
        Measure name for titles (default: the value column or Series name).

    Returns
    -------
    ControlChart

    Raises
    ------
    OptionError, OptionTypeError
        For an invalid option (the message lists the allowed values).
    EstimationError
        If a value is missing, or a segment has fewer than two points.

    Notes
    -----
    Per segment, with baseline points :math:`x_1..x_m` (all points, or the first n):

    .. math::

        \bar x = \frac1m\sum x_t,\quad \overline{mR} = \operatorname{mean}|x_t-x_{t-1}|,
        \quad \text{limits} = \bar x \pm 2.66\,\overline{mR},
        \quad \text{near lines} = \bar x \pm \tfrac23 2.66\,\overline{mR}.

    With ``resolution`` :math:`\delta`, limits and near lines are moved out by :math:`\delta`:
    :math:`\bar x \pm (2.66\,\overline{mR} + \delta)` and
    :math:`\bar x \pm (\tfrac23 2.66\,\overline{mR} + \delta)`.
    Values recorded to whole units are "chunky" when :math:`\delta` exceeds
    :math:`\overline{mR}/1.128` (Wheeler): the moving ranges are mostly 0 and the limits
    collapse onto the centre, so a change of one increment, within rounding, would be called
    special cause. A point is beyond the moved limit only if it lies more than one increment
    outside the plain one, so that no true value consistent with the record (within
    :math:`\delta/2`) is inside the limits a true baseline (within :math:`\delta/2` of its
    records) would give.

    References
    ----------
    NHS England, *Making Data Count* (2019; "Strengthening your decisions", 2023).
    Wheeler D.J., *Understanding Variation* (2nd ed., 2000). NHSRplotthedots 0.2.2 (R).
    Wheeler D.J. and Chambers D.S., *Understanding Statistical Process Control* (3rd ed.,
    2010), on chunky data (inadequate measurement units).

    Examples
    --------
    >>> chart = xmr([5, 6, 5, 7, 6, 5, 6, 7, 6, 5, 6, 5, 6, 9], improvement_direction="higher")
    >>> chart.variation
    'common_cause'
    """
    vals, raw_periods, default_name = _series_input(data, value, period)
    settings = make_settings(
        chart="xmr",
        improvement_direction=improvement_direction,
        target=target,
        run_length=run_length,
        two_of_three=two_of_three,
        screen_outliers=screen_outliers,
        rebase=rebase,
        fix_after_n_points=fix_after_n_points,
        trial_threshold=trial_threshold,
        resolution=resolution,
    )
    if vals.size < 2:
        raise EstimationError(f"an XmR chart needs at least 2 points; got {vals.size}")
    periods = prepare_periods(raw_periods, vals.size)
    check_values(vals, "values", periods)
    segment = segment_ids(periods, settings.rebase)
    limits = SegmentLimits(periods, segment)
    for s, idx, m in segment_baselines(periods, segment, settings.fix_after_n_points):
        base = xmr_baseline(vals[idx[:m]], screen_outliers=settings.screen_outliers)
        limits.add(
            s,
            idx,
            m,
            centre=base.centre,
            half=XMR_LIMIT_CONSTANT * base.mean_moving_range,
            moving_range=np.abs(np.diff(vals[idx])),
            used=base.used,
            mean_moving_range=base.mean_moving_range,
        )
    return limits.chart(
        vals, settings=settings, measure=measure if measure is not None else default_name
    )
