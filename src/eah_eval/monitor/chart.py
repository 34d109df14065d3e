"""The control-chart result: points as data first, then series-level status.

:class:`ControlChart` is what :func:`~eah_eval.monitor.xmr`, :func:`~eah_eval.monitor.p_prime`
and :func:`~eah_eval.monitor.u_prime` return. It is immutable; :meth:`ControlChart.to_frame`
hands out a copy of the points table.
"""

from __future__ import annotations

import html
import math
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from eah_eval.errors import EstimationError, OptionError, TrialLimitsWarning
from eah_eval.monitor.icons import assurance_icon, assurance_of, variation_icon, variation_of
from eah_eval.monitor.rules import evaluate_rules, label_points, point_types
from eah_eval.monitor.settings import Assurance, ChartSettings, PointType

#: Columns of :attr:`ControlChart.points`, in order (Laney charts add ``numerator``,
#: ``denominator``, ``z`` and ``sigma`` after ``value``).
POINT_COLUMNS: tuple[str, ...] = (
    "period",
    "value",
    "segment",
    "centre",
    "lower",
    "upper",
    "near_lower",
    "near_upper",
    "moving_range",
    "moving_range_used",
    "baseline",
    "trial_limits",
    "side",
    "outside_limits",
    "close_to_limits",
    "beyond_near",
    "flag_outside_limits",
    "flag_trend",
    "flag_two_of_three",
    "flag_shift",
    "rule",
    "rule_direction",
    "label",
    "point_type",
)


@dataclass(frozen=True)
class ControlChart:
    """A control chart computed as data.

    Attributes
    ----------
    points : pandas.DataFrame
        One row per point (see :data:`POINT_COLUMNS`): ``period``, ``value``, ``segment``,
        ``centre``, ``lower``/``upper`` (process limits), ``near_lower``/``near_upper`` (2/3 of
        the way to a limit), ``moving_range`` (of values for XmR, of z-scores for Laney charts)
        and whether it was used for the limits, ``baseline`` (point used for the centre and
        limits), ``trial_limits``, ``side`` (-1/0/+1), ``outside_limits`` (-1/0/+1),
        ``close_to_limits``, ``beyond_near`` (-1/0/+1), one boolean ``flag_<rule>`` per rule,
        ``rule`` (highest-priority rule or None), ``rule_direction`` (``"high"``/``"low"``/None),
        ``label`` (text) and ``point_type``.
    segments : pandas.DataFrame
        One row per segment: ``segment``, ``first_period``, ``last_period``, ``n_points``,
        ``n_baseline``, ``centre``, ``mean_moving_range`` (of z for Laney charts),
        ``n_moving_ranges_used``, ``sigma_z`` (Laney only, else NaN), ``trial_limits``.
    settings : ChartSettings
        Every option the chart was made with.
    variation : str
        Latest point's type: ``common_cause``, ``special_cause_improvement``,
        ``special_cause_concern``, ``special_cause_neutral_high`` or ``special_cause_neutral_low``.
    assurance : str or None
        ``consistently_passes``, ``consistently_fails``, ``hit_and_miss``, or None without a target
        or without an improvement direction.
    trial_limits : bool
        True when any segment's limits rest on fewer than ``settings.trial_threshold`` points.
    measure : str
        Name of the measure (used in titles).
    """

    points: pd.DataFrame
    segments: pd.DataFrame
    settings: ChartSettings
    variation: PointType
    assurance: Assurance | None
    trial_limits: bool
    measure: str = "value"

    def to_frame(self) -> pd.DataFrame:
        """Return a copy of the points table."""
        return self.points.copy()

    @property
    def latest(self) -> pd.Series:
        """The latest point's row."""
        return self.points.iloc[-1].copy()

    @property
    def latest_trial_limits(self) -> bool:
        """Whether the latest segment (the one behind the icons) has trial limits."""
        return bool(self.segments["trial_limits"].iloc[-1])

    @property
    def variation_side(self) -> str | None:
        """``"high"`` or ``"low"`` for a special-cause latest point, else None."""
        value = self.points["rule_direction"].iloc[-1]
        return None if value is None or (isinstance(value, float) and math.isnan(value)) else str(
            value
        )

    def active_title(self) -> str:
        """Return a short title stating the finding (variation and, when set, assurance)."""
        v = variation_icon(self.variation).text.lower()
        side = self.variation_side
        if self.variation in ("special_cause_improvement", "special_cause_concern") and side:
            v += f" ({'higher' if side == 'high' else 'lower'} values)"
        title = f"{self.measure}: {v}"
        if self.assurance is not None:
            title += f"; {assurance_icon(self.assurance).text.lower()}"
        return title

    def notes(self) -> list[str]:
        """Return notes to print beside the chart (trial limits, recalculation, conventions)."""
        out: list[str] = []
        if self.trial_limits:
            trial = self.segments.loc[self.segments["trial_limits"]]
            firsts = ", ".join(str(p) for p in trial["first_period"])
            out.append(
                f"Trial limits: fewer than {self.settings.trial_threshold} points behind the "
                f"limits of the segment(s) starting {firsts}; treat signals with caution."
            )
        if len(self.segments) > 1:
            starts = ", ".join(str(p) for p in self.segments["first_period"].iloc[1:])
            out.append(f"Limits recalculated from {starts}.")
        out.append(self.settings.describe() + ".")
        return out

    def to_dict(self) -> dict[str, Any]:
        """Return the command-line JSON structure.

        Returns
        -------
        dict
            ``{"points": [{"period", "value", "centre", "lower", "upper", "rule"}, ...],
            "variation": str, "assurance": str | None}``.
        """
        pts = []
        for row in self.points.itertuples(index=False):
            pts.append(
                {
                    "period": _plain(row.period),
                    "value": _plain(row.value),
                    "centre": _plain(row.centre),
                    "lower": _plain(row.lower),
                    "upper": _plain(row.upper),
                    "rule": row.rule,
                }
            )
        return {"points": pts, "variation": self.variation, "assurance": self.assurance}

    def summary(self) -> str:
        """Plain-text summary: status, segments, special-cause points and settings."""
        lines = [self.active_title(), ""]
        lines.append(f"variation: {self.variation}")
        lines.append(f"assurance: {self.assurance if self.assurance is not None else 'none'}")
        lines.append(f"points: {len(self.points)}; segments: {len(self.segments)}")
        for seg in self.segments.itertuples(index=False):
            lines.append(
                f"  segment {seg.segment} ({seg.first_period} to {seg.last_period}, "
                f"{seg.n_points} points, limits from {seg.n_baseline}): centre {seg.centre:.6g}"
                + (" [trial limits]" if seg.trial_limits else "")
            )
        special = self.points.loc[self.points["rule"].notna()]
        lines.append(f"special-cause points: {len(special)}")
        for row in special.itertuples(index=False):
            lines.append(f"  {row.period}: {row.value:.6g} {row.label} ({row.point_type})")
        lines.append("")
        lines.extend(self.notes())
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        cols = ["period", "value", "centre", "lower", "upper", "label", "point_type"]
        table = self.points[cols].to_html(index=False, na_rep="", float_format="{:.4g}".format)
        notes = "".join(f"<p>{html.escape(n)}</p>" for n in self.notes())
        return f"<h4>{html.escape(self.active_title())}</h4>{table}{notes}"


def _plain(value: Any) -> Any:
    """Convert numpy / pandas scalars to JSON-friendly Python values (NaN -> None)."""
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def prepare_periods(periods: Sequence[Any] | pd.Index | None, n: int) -> pd.Index:
    """Validate periods (unique, no missing) and return them as an index.

    Numeric and date periods must be in increasing order; text labels are taken in the order
    given (their order cannot be inferred).

    Raises
    ------
    OptionError
        If periods are missing, duplicated, of the wrong length or out of order.
    """
    if periods is None:
        return pd.RangeIndex(1, n + 1, name="period")
    idx = pd.Index(periods)
    if len(idx) != n:
        raise OptionError(f"period has {len(idx)} entries but there are {n} values")
    if idx.hasnans:
        raise OptionError("period has missing entries; every point needs a period")
    if idx.has_duplicates:
        dups = ", ".join(str(p) for p in idx[idx.duplicated()].unique()[:5])
        raise OptionError(f"period values must be unique; repeated: {dups}")
    numeric_or_date = pd.api.types.is_numeric_dtype(idx) or pd.api.types.is_datetime64_any_dtype(
        idx
    )
    if numeric_or_date and not idx.is_monotonic_increasing:
        raise OptionError("periods must be in increasing order; sort the series by period first")
    return idx


def segment_ids(periods: pd.Index, rebase: Sequence[object]) -> np.ndarray:
    """Return the segment number of each point given the rebase periods.

    Raises
    ------
    OptionError
        If a rebase period is not one of the periods.
    """
    seg = np.zeros(len(periods), dtype=np.int64)
    starts: list[int] = []
    period_list = list(periods)
    for r in rebase:
        match = [i for i, p in enumerate(period_list) if p == r or str(p) == str(r)]
        if not match:
            shown = ", ".join(str(p) for p in period_list[:3])
            raise OptionError(
                f"rebase period {r!r} is not one of the chart's periods ({shown}, ...)"
            )
        starts.append(match[0])
    for start in sorted(set(starts)):
        if start > 0:
            seg[start:] += 1
    return seg


def segment_baselines(
    periods: pd.Index, segment: np.ndarray, fix_after_n_points: int | None
) -> Iterator[tuple[int, np.ndarray, int]]:
    """Yield each segment's number, point indices and count of baseline points.

    The baseline is the whole segment, or its first ``fix_after_n_points`` points when limits
    are fixed.

    Raises
    ------
    EstimationError
        If a segment has only one point.
    """
    for s in np.unique(segment):
        idx = np.flatnonzero(segment == s)
        if idx.size < 2:
            raise EstimationError(
                f"the segment starting at period {periods[idx[0]]} has 1 point; a segment needs "
                "at least 2 (check the rebase periods)"
            )
        m = idx.size if fix_after_n_points is None else min(idx.size, fix_after_n_points)
        yield int(s), idx, m


def check_columns(data: pd.DataFrame, columns: Sequence[str | None]) -> None:
    """Raise if a named column (None entries skipped) is not in ``data``.

    Raises
    ------
    OptionError
        Listing the missing columns and the columns there are.
    """
    missing = [c for c in columns if c is not None and c not in data.columns]
    if missing:
        raise OptionError(
            f"column(s) {', '.join(map(repr, missing))} not in data; "
            f"columns are {', '.join(map(str, data.columns))}"
        )


class SegmentLimits:
    """Per-point centre, limit half-widths and moving ranges, filled segment by segment.

    XmR and Laney charts differ only in how a segment's centre, half-width and moving ranges
    are computed; :meth:`add` records them and :meth:`chart` turns them into limits, near-limit
    lines and the :class:`ControlChart`.

    Parameters
    ----------
    periods : pandas.Index
        The chart's periods.
    segment : numpy.ndarray
        Segment number of each point (see :func:`segment_ids`).
    """

    def __init__(self, periods: pd.Index, segment: np.ndarray) -> None:
        size = len(periods)
        self.periods = periods
        self.segment = segment
        self.centre = np.empty(size)
        self.half = np.empty(size)
        self.moving_range = np.full(size, np.nan)
        self.moving_range_used = np.zeros(size, dtype=bool)
        self.baseline = np.zeros(size, dtype=bool)
        self.stats: list[dict[str, Any]] = []

    def add(
        self,
        segment: int,
        idx: np.ndarray,
        n_baseline: int,
        *,
        centre: float,
        half: float | np.ndarray,
        moving_range: np.ndarray,
        used: np.ndarray,
        mean_moving_range: float,
        shown_centre: float | None = None,
        sigma_z: float = np.nan,
    ) -> None:
        """Record one segment (points ``idx``, the first ``n_baseline`` of them the baseline).

        ``moving_range`` holds the segment's ``idx.size - 1`` moving ranges and ``used`` which
        of the baseline's ones were kept; ``shown_centre`` is the centre on the reported scale
        for the segments table (default ``centre``).
        """
        self.centre[idx] = centre
        self.half[idx] = half
        self.moving_range[idx[1:]] = moving_range
        self.moving_range_used[idx[1:n_baseline]] = used
        self.baseline[idx[:n_baseline]] = True
        self.stats.append(
            {
                "segment": int(segment),
                "first_period": self.periods[idx[0]],
                "last_period": self.periods[idx[-1]],
                "n_points": int(idx.size),
                "n_baseline": int(n_baseline),
                "centre": centre if shown_centre is None else shown_centre,
                "mean_moving_range": mean_moving_range,
                "n_moving_ranges_used": int(used.sum()),
                "sigma_z": sigma_z,
            }
        )

    def chart(
        self,
        values: np.ndarray,
        *,
        settings: ChartSettings,
        measure: str,
        floor: float = -np.inf,
        ceiling: float = np.inf,
        scale: float = 1.0,
        extra: dict[str, np.ndarray] | None = None,
        stacklevel: int = 4,
    ) -> ControlChart:
        """Build the chart from the recorded segments.

        Limits are ``centre +/- half`` and near lines at 2/3 of that distance, each moved out
        by ``settings.resolution`` when set (chunky data), clipped to ``[floor, ceiling]``;
        values, centre and lines are then multiplied by ``scale``.
        ``stacklevel`` is passed to the trial-limits warning (the default points at the caller
        of the function that calls this method).
        """
        step = settings.resolution or 0.0
        lower = np.maximum(self.centre - self.half - step, floor)
        upper = np.minimum(self.centre + self.half + step, ceiling)
        near_lower = np.maximum(self.centre - self.half * 2.0 / 3.0 - step, floor)
        near_upper = np.minimum(self.centre + self.half * 2.0 / 3.0 + step, ceiling)
        return assemble(
            periods=self.periods,
            values=values * scale,
            segment=self.segment,
            centre=self.centre * scale,
            lower=lower * scale,
            upper=upper * scale,
            near_lower=near_lower * scale,
            near_upper=near_upper * scale,
            moving_range=self.moving_range,
            moving_range_used=self.moving_range_used,
            baseline=self.baseline,
            segment_stats=self.stats,
            settings=settings,
            measure=measure,
            extra=extra,
            stacklevel=stacklevel,
        )


def assemble(
    *,
    periods: pd.Index,
    values: np.ndarray,
    segment: np.ndarray,
    centre: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    near_lower: np.ndarray,
    near_upper: np.ndarray,
    moving_range: np.ndarray,
    moving_range_used: np.ndarray,
    baseline: np.ndarray,
    segment_stats: list[dict[str, Any]],
    settings: ChartSettings,
    measure: str,
    extra: dict[str, np.ndarray] | None = None,
    stacklevel: int = 3,
) -> ControlChart:
    """Apply the rules to computed limits and build the :class:`ControlChart`.

    Emits :class:`~eah_eval.errors.TrialLimitsWarning` when a segment's limits rest on fewer than
    ``settings.trial_threshold`` points.
    """
    flags = evaluate_rules(
        values,
        centre,
        lower,
        upper,
        near_lower,
        near_upper,
        segment,
        run_length=settings.run_length,
        two_of_three=settings.two_of_three,
    )
    labels = label_points(
        flags.side,
        flags.outside_limits,
        flags.flag_trend,
        flags.flag_two_of_three,
        flags.flag_shift,
        flags.trend_direction,
        run_length=settings.run_length,
    )
    ptypes = point_types(labels.direction, settings.improvement_direction)
    seg_frame = pd.DataFrame(segment_stats)
    seg_frame["trial_limits"] = seg_frame["n_baseline"] < settings.trial_threshold
    trial_by_point = seg_frame.set_index("segment")["trial_limits"].reindex(segment).to_numpy()
    for row in seg_frame.loc[seg_frame["trial_limits"]].itertuples(index=False):
        warnings.warn(
            f"{measure}: the segment starting at period {row.first_period} has limits from "
            f"{row.n_baseline} points (fewer than {settings.trial_threshold}): trial limits",
            TrialLimitsWarning,
            stacklevel=stacklevel,
        )
    cols: dict[str, Any] = {"period": np.asarray(periods, dtype=object), "value": values}
    if extra:
        cols.update(extra)
    direction_text = np.full(labels.direction.size, None, dtype=object)
    direction_text[labels.direction > 0] = "high"
    direction_text[labels.direction < 0] = "low"
    cols.update(
        {
            "segment": segment,
            "centre": centre,
            "lower": lower,
            "upper": upper,
            "near_lower": near_lower,
            "near_upper": near_upper,
            "moving_range": moving_range,
            "moving_range_used": moving_range_used,
            "baseline": baseline,
            "trial_limits": trial_by_point.astype(bool),
            "side": flags.side,
            "outside_limits": flags.outside_limits,
            "close_to_limits": flags.close_to_limits,
            "beyond_near": flags.beyond_near,
            "flag_outside_limits": flags.flag_outside_limits,
            "flag_trend": flags.flag_trend,
            "flag_two_of_three": flags.flag_two_of_three,
            "flag_shift": flags.flag_shift,
            "rule": labels.rule,
            "rule_direction": direction_text,
            "label": labels.label,
            "point_type": ptypes,
        }
    )
    for name in ("rule", "rule_direction", "label", "point_type"):
        # object dtype keeps None (not NaN) for "no rule" and "no direction"
        cols[name] = pd.Series(cols[name], dtype=object)
    points = pd.DataFrame(cols)
    if pd.api.types.is_numeric_dtype(pd.Index(periods)) or pd.api.types.is_datetime64_any_dtype(
        pd.Index(periods)
    ):
        points["period"] = np.asarray(periods)
    variation = variation_of(str(ptypes[-1]))
    assurance = assurance_of(
        float(lower[-1]), float(upper[-1]), settings.target, settings.improvement_direction
    )
    return ControlChart(
        points=points,
        segments=seg_frame,
        settings=settings,
        variation=variation,
        assurance=assurance,
        trial_limits=bool(seg_frame["trial_limits"].any()),
        measure=measure,
    )


def check_values(values: np.ndarray, name: str, periods: pd.Index) -> None:
    """Raise if values are missing or infinite, naming the periods."""
    bad = ~np.isfinite(values)
    if bad.any():
        where = ", ".join(str(p) for p in np.asarray(periods, dtype=object)[bad][:5])
        raise EstimationError(
            f"{name} must be finite numbers; missing or infinite at period(s) {where}"
        )
