"""Special-cause rules of Making Data Count, their building blocks and the point labels.

The rules, in labelling priority (highest first):

1. ``outside_limits``: a point strictly above the upper or strictly below the lower limit.
2. ``trend``: N consecutive points each strictly higher (or each strictly lower) than the one
   before (N - 1 steps; a tie breaks the run); all N points are marked.
3. ``two_of_three``: two of three consecutive points beyond a near-limit line (2/3 of the way
   from the centre to a limit). Two conventions, chosen by ``two_of_three``:

   * ``"nhse_2023"`` (NHS England's 2023 reading, the default): in some window of three
     consecutive points at least two are beyond the *same* near-limit line, points beyond the
     process limit counting; the third point may lie anywhere. The points beyond the line are
     marked.
   * ``"nhsr"`` (NHSRplotthedots 0.2.2): only points strictly between the near-limit line and the
     limit are "close"; a window qualifies when at least two are close and all three points are
     on the same side of the centre. Only the close points are marked.

4. ``shift``: N consecutive points on the same side of the centre; a point exactly on the
   centre breaks the run. All N points are marked.

N (``run_length``) is 7 by default, 6 allowed. Rules are applied within each segment (rebase):
runs, trends and two-of-three windows never reach across a change point, as in NHSRplotthedots,
because each segment's points are judged against that segment's own centre and limits.

A point can be marked by several rules; its ``rule`` is the highest-priority one. The direction
of a trend mark follows NHSRplotthedots: the sign of the step to the next point when the next
point is also marked as part of a trend, otherwise the sign of the step from the previous point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike, NDArray

from eah_eval.monitor.settings import TwoOfThree

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]


def trend_ends(y: ArrayLike, run_length: int = 7) -> IntArray:
    """Flag the last point of every strictly monotone run of ``run_length`` points.

    Parameters
    ----------
    y : array_like
        Values in time order.
    run_length : int
        Number of points in the run (``run_length - 1`` strict steps).

    Returns
    -------
    numpy.ndarray of int
        ``+1`` where the point ends an increasing run, ``-1`` a decreasing run, else 0.
    """
    values = np.asarray(y, dtype=float)
    out = np.zeros(values.size, dtype=np.int64)
    steps = run_length - 1
    if values.size < run_length:
        return out
    d = np.sign(np.diff(values))
    windows = sliding_window_view(d, steps)
    up = np.all(windows > 0, axis=1)
    down = np.all(windows < 0, axis=1)
    out[run_length - 1 :] = up.astype(np.int64) - down.astype(np.int64)
    return out


def shift_ends(side: ArrayLike, run_length: int = 7) -> IntArray:
    """Flag the last point of every run of ``run_length`` points on one side of the centre.

    Parameters
    ----------
    side : array_like of int
        ``sign(value - centre)``: +1 above, -1 below, 0 on the centre (breaks a run).
    run_length : int
        Number of points in the run.

    Returns
    -------
    numpy.ndarray of int
        1 where the point ends a same-side run (either side), else 0.
    """
    s = np.asarray(side, dtype=np.int64)
    out = np.zeros(s.size, dtype=np.int64)
    if s.size < run_length:
        return out
    windows = sliding_window_view(s, run_length)
    same = np.all(windows == windows[:, :1], axis=1) & (windows[:, 0] != 0)
    out[run_length - 1 :] = same.astype(np.int64)
    return out


def mark_runs(ends: ArrayLike, run_length: int = 7) -> BoolArray:
    """Mark each flagged point and the ``run_length - 1`` points before it.

    Parameters
    ----------
    ends : array_like of int
        Non-zero where a run ends (output of :func:`trend_ends` or :func:`shift_ends`).
    run_length : int
        Number of points in a run.

    Returns
    -------
    numpy.ndarray of bool
    """
    flags = np.asarray(ends) != 0
    out = np.zeros(flags.size, dtype=bool)
    for i in np.flatnonzero(flags):
        out[max(0, i - run_length + 1) : i + 1] = True
    return out


def two_in_three_windows(close: ArrayLike, side: ArrayLike) -> BoolArray:
    """Flag every point of a qualifying window under the NHSRplotthedots convention.

    A window of three consecutive points qualifies when at least two are close to the limits and
    all three are on the same side of the centre (none on it).

    Parameters
    ----------
    close : array_like of bool
        Point strictly beyond a near-limit line but not outside the limits.
    side : array_like of int
        ``sign(value - centre)``.

    Returns
    -------
    numpy.ndarray of bool
        True for all three points of each qualifying window.
    """
    c = np.asarray(close, dtype=bool)
    s = np.asarray(side, dtype=np.int64)
    out = np.zeros(c.size, dtype=bool)
    for i in range(c.size - 2):
        w = s[i : i + 3]
        if w[0] != 0 and np.all(w == w[0]) and int(c[i : i + 3].sum()) >= 2:
            out[i : i + 3] = True
    return out


def part_of_two_in_three(close: ArrayLike, side: ArrayLike) -> BoolArray:
    """Mark the close points of qualifying windows (NHSRplotthedots convention).

    Parameters
    ----------
    close : array_like of bool
        Point strictly beyond a near-limit line but not outside the limits.
    side : array_like of int
        ``sign(value - centre)``.

    Returns
    -------
    numpy.ndarray of bool
    """
    return two_in_three_windows(close, side) & np.asarray(close, dtype=bool)


def beyond_near_two_in_three(beyond: ArrayLike) -> BoolArray:
    """Mark points in a window of three with two or more beyond the same near-limit line.

    This is the NHS England 2023 convention: ``beyond`` counts points past the near-limit line
    including those past the process limit; the third point of the window may lie anywhere.

    Parameters
    ----------
    beyond : array_like of int
        +1 beyond the upper near-limit line, -1 beyond the lower one, 0 otherwise.

    Returns
    -------
    numpy.ndarray of bool
        True for the beyond points of each qualifying window.
    """
    b = np.asarray(beyond, dtype=np.int64)
    out = np.zeros(b.size, dtype=bool)
    for sign in (1, -1):
        hit = b == sign
        for i in range(b.size - 2):
            if int(hit[i : i + 3].sum()) >= 2:
                out[i : i + 3] |= hit[i : i + 3]
    return out


@dataclass(frozen=True)
class RuleFlags:
    """Per-point rule evaluation for one chart (arrays aligned with the points).

    Attributes
    ----------
    side : numpy.ndarray of int
        ``sign(value - centre)``.
    outside_limits : numpy.ndarray of int
        +1 above the upper limit, -1 below the lower limit, else 0.
    close_to_limits : numpy.ndarray of bool
        Strictly beyond a near-limit line but not outside the limits.
    beyond_near : numpy.ndarray of int
        +1 / -1 beyond the upper / lower near-limit line (including outside), else 0.
    flag_outside_limits, flag_trend, flag_two_of_three, flag_shift : numpy.ndarray of bool
        Points marked by each rule.
    trend_direction : numpy.ndarray of int
        +1 increasing, -1 decreasing for trend-marked points, else 0.
    """

    side: IntArray
    outside_limits: IntArray
    close_to_limits: BoolArray
    beyond_near: IntArray
    flag_outside_limits: BoolArray
    flag_trend: BoolArray
    flag_two_of_three: BoolArray
    flag_shift: BoolArray
    trend_direction: IntArray


def trend_direction(y: ArrayLike, trend_marks: ArrayLike, segment: ArrayLike) -> IntArray:
    """Direction of each trend-marked point (NHSRplotthedots rule).

    The sign of the step to the next point when that point is in the same segment and also
    trend-marked, otherwise the sign of the step from the previous point.

    Parameters
    ----------
    y : array_like
        Values.
    trend_marks : array_like
        Non-zero for trend-marked points.
    segment : array_like of int
        Segment number of each point.

    Returns
    -------
    numpy.ndarray of int
    """
    v = np.asarray(y, dtype=float)
    m = np.asarray(trend_marks) != 0
    seg = np.asarray(segment)
    out = np.zeros(v.size, dtype=np.int64)
    for i in np.flatnonzero(m):
        step = 0.0
        if i + 1 < v.size and m[i + 1] and seg[i + 1] == seg[i]:
            step = v[i + 1] - v[i]
        if step == 0.0 and i > 0 and seg[i - 1] == seg[i]:
            step = v[i] - v[i - 1]
        out[i] = int(np.sign(step))
    return out


def evaluate_rules(
    values: ArrayLike,
    centre: ArrayLike,
    lower: ArrayLike,
    upper: ArrayLike,
    near_lower: ArrayLike,
    near_upper: ArrayLike,
    segment: ArrayLike,
    *,
    run_length: int = 7,
    two_of_three: TwoOfThree = "nhse_2023",
) -> RuleFlags:
    """Apply the four special-cause rules within each segment.

    Parameters
    ----------
    values, centre, lower, upper, near_lower, near_upper : array_like
        Per-point value, centre line, process limits and near-limit lines.
    segment : array_like of int
        Segment number of each point (consecutive points share a segment).
    run_length : int
        N for trend and shift.
    two_of_three : {"nhse_2023", "nhsr"}
        Two-of-three convention.

    Returns
    -------
    RuleFlags
    """
    y = np.asarray(values, dtype=float)
    c = np.asarray(centre, dtype=float)
    lo = np.asarray(lower, dtype=float)
    hi = np.asarray(upper, dtype=float)
    nlo = np.asarray(near_lower, dtype=float)
    nhi = np.asarray(near_upper, dtype=float)
    seg = np.asarray(segment)

    side = np.sign(y - c).astype(np.int64)
    outside = (y > hi).astype(np.int64) - (y < lo).astype(np.int64)
    beyond = (y > nhi).astype(np.int64) - (y < nlo).astype(np.int64)
    close = (beyond != 0) & (outside == 0)

    trend_marks = np.zeros(y.size, dtype=bool)
    two_marks = np.zeros(y.size, dtype=bool)
    shift_marks = np.zeros(y.size, dtype=bool)
    for s in np.unique(seg):
        idx = np.flatnonzero(seg == s)
        trend_marks[idx] = mark_runs(trend_ends(y[idx], run_length), run_length)
        shift_marks[idx] = mark_runs(shift_ends(side[idx], run_length), run_length)
        if two_of_three == "nhsr":
            two_marks[idx] = part_of_two_in_three(close[idx], side[idx])
        else:
            two_marks[idx] = beyond_near_two_in_three(beyond[idx])
    return RuleFlags(
        side=side,
        outside_limits=outside,
        close_to_limits=close,
        beyond_near=beyond,
        flag_outside_limits=outside != 0,
        flag_trend=trend_marks,
        flag_two_of_three=two_marks,
        flag_shift=shift_marks,
        trend_direction=trend_direction(y, trend_marks, seg),
    )


@dataclass(frozen=True)
class PointLabels:
    """Highest-priority rule per point with its direction and text label.

    Attributes
    ----------
    rule : numpy.ndarray of object
        ``"outside_limits"``, ``"trend"``, ``"two_of_three"``, ``"shift"`` or None.
    direction : numpy.ndarray of int
        +1 high (above / increasing), -1 low, 0 for common cause.
    label : numpy.ndarray of object
        Text such as ``"Above UCL"``, ``"7 Point Trend (Increasing)"``, ``"2 in 3 Below CL"``,
        ``"7 Points Above CL"`` or ``"Common Cause"``.
    """

    rule: NDArray[np.object_]
    direction: IntArray
    label: NDArray[np.object_]


def label_points(
    side: ArrayLike,
    outside_limits: ArrayLike,
    trend: ArrayLike,
    two_of_three: ArrayLike,
    shift: ArrayLike,
    trend_dir: ArrayLike,
    *,
    run_length: int = 7,
) -> PointLabels:
    """Pick each point's highest-priority rule and write its label.

    For outside-limits, two-of-three and shift the side of the centre decides high or low; for a
    trend the trend direction does.

    Parameters
    ----------
    side : array_like of int
        ``sign(value - centre)``.
    outside_limits, trend, two_of_three, shift : array_like
        Non-zero where the point is marked by the rule.
    trend_dir : array_like of int
        Direction of trend-marked points (see :func:`trend_direction`).
    run_length : int
        N, used in the label text.

    Returns
    -------
    PointLabels
    """
    s = np.asarray(side, dtype=np.int64)
    out_f = np.asarray(outside_limits) != 0
    tr_f = np.asarray(trend) != 0
    two_f = np.asarray(two_of_three) != 0
    sh_f = np.asarray(shift) != 0
    tdir = np.asarray(trend_dir, dtype=np.int64)
    n = s.size
    rule = np.full(n, None, dtype=object)
    direction = np.zeros(n, dtype=np.int64)
    label = np.full(n, "Common Cause", dtype=object)
    for i in range(n):
        above = "Above" if s[i] > 0 else "Below"
        if out_f[i]:
            rule[i], direction[i] = "outside_limits", (1 if s[i] > 0 else -1)
            label[i] = "Above UCL" if s[i] > 0 else "Below LCL"
        elif tr_f[i]:
            rule[i], direction[i] = "trend", (1 if tdir[i] > 0 else -1)
            word = "Increasing" if tdir[i] > 0 else "Decreasing"
            label[i] = f"{run_length} Point Trend ({word})"
        elif two_f[i]:
            rule[i], direction[i] = "two_of_three", (1 if s[i] > 0 else -1)
            label[i] = f"2 in 3 {above} CL"
        elif sh_f[i]:
            rule[i], direction[i] = "shift", (1 if s[i] > 0 else -1)
            label[i] = f"{run_length} Points {above} CL"
    return PointLabels(rule=rule, direction=direction, label=label)


def point_types(direction: ArrayLike, improvement_direction: str) -> NDArray[np.object_]:
    """Map rule directions to point types given the improvement direction.

    Parameters
    ----------
    direction : array_like of int
        +1 high, -1 low, 0 common cause (from :func:`label_points`).
    improvement_direction : {"higher", "lower", "none"}
        Which direction is good.

    Returns
    -------
    numpy.ndarray of object
        ``common_cause``, ``special_cause_improvement``, ``special_cause_concern``,
        ``special_cause_neutral_high`` or ``special_cause_neutral_low``.
    """
    d = np.asarray(direction, dtype=np.int64)
    out = np.full(d.size, "common_cause", dtype=object)
    if improvement_direction == "none":
        out[d > 0] = "special_cause_neutral_high"
        out[d < 0] = "special_cause_neutral_low"
    else:
        good = 1 if improvement_direction == "higher" else -1
        out[d == good] = "special_cause_improvement"
        out[d == -good] = "special_cause_concern"
    return out
