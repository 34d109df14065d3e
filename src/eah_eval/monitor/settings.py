"""Chart options: the one vocabulary for control charts, validated in one place.

Every option of :func:`eah_eval.monitor.xmr`, :func:`~eah_eval.monitor.p_prime` and
:func:`~eah_eval.monitor.u_prime` is checked here, and the accepted values are recorded on the
result as a :class:`ChartSettings` so that every output can state the choices it was made with.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal, get_args

from eah_eval.errors import OptionError, OptionTypeError, check_option

ChartType = Literal["xmr", "p_prime", "u_prime"]
Direction = Literal["higher", "lower", "none"]
TwoOfThree = Literal["nhse_2023", "nhsr"]
RuleName = Literal["outside_limits", "trend", "two_of_three", "shift"]
PointType = Literal[
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral_high",
    "special_cause_neutral_low",
]
Assurance = Literal["consistently_passes", "consistently_fails", "hit_and_miss"]

CHART_TYPES: tuple[str, ...] = get_args(ChartType)
DIRECTIONS: tuple[str, ...] = get_args(Direction)
TWO_OF_THREE_CONVENTIONS: tuple[str, ...] = get_args(TwoOfThree)
#: Special-cause rules in labelling priority, highest first.
RULES: tuple[str, ...] = get_args(RuleName)
POINT_TYPES: tuple[str, ...] = get_args(PointType)
ASSURANCES: tuple[str, ...] = get_args(Assurance)
RUN_LENGTHS: tuple[int, ...] = (6, 7)

#: XmR scaling constant: 3 / d2 with d2 = 1.128 for moving ranges of two, as published (2.66).
XMR_LIMIT_CONSTANT = 2.66
#: Moving-range screening constant (upper range limit of an mR chart, D4 = 3.267).
MR_SCREEN_CONSTANT = 3.267
#: d2 for moving ranges of two points, used by the Laney charts (sigma_z = mean mR / d2).
D2 = 1.128

_TWO_OF_THREE_TEXT = {
    "nhse_2023": (
        "two of three: two or three of three consecutive points beyond the same near-limit line "
        "(2/3 of the way to a limit), points beyond the limit counting (NHS England 2023)"
    ),
    "nhsr": (
        "two of three: at least two of three consecutive points strictly between a near-limit "
        "line and its limit, all three on the same side of the centre (NHSRplotthedots 0.2.2)"
    ),
}


@dataclass(frozen=True)
class ChartSettings:
    """The options a control chart was computed with (validated, recorded on the result).

    Attributes
    ----------
    chart : {"xmr", "p_prime", "u_prime"}
        Chart type.
    improvement_direction : {"higher", "lower", "none"}
        Which direction is good; ``"none"`` gives neutral special causes and no assurance.
    target : float or None
        Target used for the assurance icon.
    run_length : {7, 6}
        N for the trend and shift rules.
    two_of_three : {"nhse_2023", "nhsr"}
        Convention for the two-of-three rule (see :mod:`eah_eval.monitor.rules`).
    screen_outliers : bool
        Whether moving ranges of at least 3.267 x the mean moving range are dropped before the
        mean moving range is recomputed (once).
    rebase : tuple
        Periods at which a new segment (own centre, limits and rule checks) starts.
    fix_after_n_points : int or None
        Limits computed from the first n points of each segment only.
    trial_threshold : int
        Segments whose limits rest on fewer points than this have trial limits.
    multiplier : float
        Scale applied to Laney chart values and limits (100 for %, 1000 for per 1,000).
    resolution : float or None
        XmR only: the increment the values are recorded to (1 for medians of whole days).
        Each limit is moved out by one increment (see :func:`eah_eval.monitor.xmr`).
    """

    chart: ChartType = "xmr"
    improvement_direction: Direction = "none"
    target: float | None = None
    run_length: int = 7
    two_of_three: TwoOfThree = "nhse_2023"
    screen_outliers: bool = False
    rebase: tuple[object, ...] = ()
    fix_after_n_points: int | None = None
    trial_threshold: int = 13
    multiplier: float = 1.0
    resolution: float | None = None

    def describe(self, *, series: bool = True) -> str:
        """Return one sentence stating every choice, for chart captions and report footnotes.

        Parameters
        ----------
        series : bool
            Include the series-specific choices (chart type, improvement direction, target,
            rebase periods, fixed limits). ``False`` states only the conventions shared by
            every chart of a report.
        """
        if not series:
            parts = [
                "XmR limits mean +/- 2.66 x mean moving range; Laney p'/u' limits centre +/- "
                "3 x sigma_i x sigma_z",
            ]
        else:
            parts = [
                {"xmr": "XmR chart", "p_prime": "Laney p' chart", "u_prime": "Laney u' chart"}[
                    self.chart
                ],
                "limits mean +/- 2.66 x mean moving range"
                if self.chart == "xmr"
                else (
                    "limits centre +/- 3 x sigma_i x sigma_z "
                    "(sigma_z = mean moving range of z / 1.128)"
                ),
            ]
        parts += [
            "moving ranges screened at 3.267 x mean"
            if self.screen_outliers
            else "moving ranges not screened",
            f"run length {self.run_length} for trends and shifts",
            _TWO_OF_THREE_TEXT[self.two_of_three],
        ]
        if not series:
            parts.append(f"trial limits below {self.trial_threshold} points")
            return "; ".join(parts)
        parts.append(f"improvement direction {self.improvement_direction}")
        if self.resolution is not None:
            parts.append(
                f"values recorded to {self.resolution:g}: limits moved out by that increment"
            )
        if self.target is not None:
            parts.append(f"target {self.target:g}")
        if self.rebase:
            parts.append("limits recalculated from " + ", ".join(str(r) for r in self.rebase))
        if self.fix_after_n_points is not None:
            parts.append(f"limits fixed after {self.fix_after_n_points} points of each segment")
        parts.append(f"trial limits below {self.trial_threshold} points")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, object]:
        """Return the settings as a plain dictionary (rebase periods as given)."""
        out = asdict(self)
        out["rebase"] = list(self.rebase)
        return out


def make_settings(
    *,
    chart: str,
    improvement_direction: str,
    target: float | None,
    run_length: int,
    two_of_three: str,
    screen_outliers: bool,
    rebase: Iterable[object] | None,
    fix_after_n_points: int | None,
    trial_threshold: int,
    multiplier: float = 1.0,
    resolution: float | None = None,
) -> ChartSettings:
    """Validate chart options and return them as :class:`ChartSettings`.

    Raises
    ------
    OptionError
        If an option is outside its allowed values (the message lists them).
    OptionTypeError
        If an option has the wrong type.
    """
    check_option("chart", chart, CHART_TYPES)
    check_option("improvement_direction", improvement_direction, DIRECTIONS)
    check_option("two_of_three", two_of_three, TWO_OF_THREE_CONVENTIONS)
    if isinstance(run_length, bool) or not isinstance(run_length, int):
        raise OptionTypeError(f"run_length must be an integer, 7 or 6; got {run_length!r}")
    if run_length not in RUN_LENGTHS:
        raise OptionError(f"run_length must be one of 7, 6; got {run_length!r}")
    if not isinstance(screen_outliers, bool):
        raise OptionTypeError(f"screen_outliers must be True or False; got {screen_outliers!r}")
    if target is not None:
        if isinstance(target, bool) or not isinstance(target, int | float):
            raise OptionTypeError(f"target must be a number or None; got {target!r}")
        if not math.isfinite(float(target)):
            raise OptionError(f"target must be a finite number; got {target!r}")
        target = float(target)
    if fix_after_n_points is not None:
        if isinstance(fix_after_n_points, bool) or not isinstance(fix_after_n_points, int):
            raise OptionTypeError(
                f"fix_after_n_points must be an integer >= 2 or None; got {fix_after_n_points!r}"
            )
        if fix_after_n_points < 2:
            raise OptionError(
                f"fix_after_n_points must be at least 2 (one moving range); "
                f"got {fix_after_n_points}"
            )
    if isinstance(trial_threshold, bool) or not isinstance(trial_threshold, int):
        raise OptionTypeError(f"trial_threshold must be an integer; got {trial_threshold!r}")
    if trial_threshold < 2:
        raise OptionError(f"trial_threshold must be at least 2; got {trial_threshold}")
    if isinstance(multiplier, bool) or not isinstance(multiplier, int | float):
        raise OptionTypeError(f"multiplier must be a positive number; got {multiplier!r}")
    if not (math.isfinite(float(multiplier)) and multiplier > 0):
        raise OptionError(f"multiplier must be a positive finite number; got {multiplier!r}")
    if resolution is not None:
        if isinstance(resolution, bool) or not isinstance(resolution, int | float):
            raise OptionTypeError(f"resolution must be a positive number or None; got "
                                  f"{resolution!r}")
        if not (math.isfinite(float(resolution)) and resolution > 0):
            raise OptionError(f"resolution must be a positive finite number; got {resolution!r}")
        if chart != "xmr":
            raise OptionError(f"resolution applies to XmR charts only; got chart {chart!r}")
        resolution = float(resolution)
    if rebase is None:
        rebase_t: tuple[object, ...] = ()
    elif isinstance(rebase, str | bytes) or not isinstance(rebase, Iterable):
        raise OptionTypeError(
            f"rebase must be a list of periods at which limits restart; got {rebase!r}"
        )
    else:
        rebase_t = tuple(rebase)
    return ChartSettings(
        chart=chart,  # type: ignore[arg-type]
        improvement_direction=improvement_direction,  # type: ignore[arg-type]
        target=target,
        run_length=run_length,
        two_of_three=two_of_three,  # type: ignore[arg-type]
        screen_outliers=screen_outliers,
        rebase=rebase_t,
        fix_after_n_points=fix_after_n_points,
        trial_threshold=trial_threshold,
        multiplier=float(multiplier),
        resolution=resolution,
    )
