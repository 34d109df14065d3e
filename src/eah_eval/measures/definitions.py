"""Measure definitions: one immutable, declarative record per measure, and the typed options.

A :class:`Measure` says *what* is measured (numerator, denominator, scale, grain, source tables,
the direction of improvement and why, the smallest denominator fit to publish, and the official
definition it follows). *How* it is computed lives once, in Ibis, in
:mod:`eah_eval.measures.recipes`, keyed by the measure id.

Every option used by the measures layer is a ``Literal`` whose allowed values are listed here
and validated in one place (:func:`check_level`, :func:`check_period`, :func:`check_group`,
:class:`MeasureOptions`), so error messages always list the allowed values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

from eah_eval.data.periods import EXCLUSION_TERM_RULE
from eah_eval.errors import OptionError, OptionTypeError, check_option

Level = Literal["school", "cluster", "wave", "la"]
Period = Literal["term", "academic_year", "calendar_year", "financial_year", "census"]
Group = Literal["sen_provision", "primary_need", "fsm", "sex", "ethnicity_group", "phase"]
Scale = Literal["percent", "per_100", "per_1000", "days", "count", "gbp"]
Direction = Literal["higher_better", "lower_better", "none"]
Statistic = Literal["ratio", "median"]
AbsenceBasis = Literal["termly", "cumulative"]
ExclusionCalendar = Literal["dfe_exclusions", "standard"]

LEVELS: tuple[str, ...] = get_args(Level)
PERIODS: tuple[str, ...] = get_args(Period)
GROUPS: tuple[str, ...] = get_args(Group)
SCALES: tuple[str, ...] = get_args(Scale)
DIRECTIONS: tuple[str, ...] = get_args(Direction)
STATISTICS: tuple[str, ...] = get_args(Statistic)
ABSENCE_BASES: tuple[str, ...] = get_args(AbsenceBasis)
EXCLUSION_CALENDARS: tuple[str, ...] = get_args(ExclusionCalendar)

#: Pupil characteristics available as breakdowns (from the January census) plus school phase.
PUPIL_GROUPS: tuple[Group, ...] = (
    "sen_provision",
    "primary_need",
    "fsm",
    "sex",
    "ethnicity_group",
    "phase",
)

#: Multiplier applied to numerator / denominator for each scale.
SCALE_MULTIPLIER: dict[str, float] = {
    "percent": 100.0,
    "per_100": 100.0,
    "per_1000": 1000.0,
    "days": 1.0,
    "count": 1.0,
    "gbp": 1.0,
}

SCALE_UNIT: dict[str, str] = {
    "percent": "%",
    "per_100": "per 100 pupils",
    "per_1000": "per 1,000",
    "days": "days",
    "count": "count",
    "gbp": "£",
}

PERIOD_TEXT: dict[str, str] = {
    "term": "school term (autumn 1 Sep-31 Dec, spring 1 Jan-31 Mar, summer 1 Apr-31 Aug)",
    "academic_year": "academic year (1 September to 31 August, labelled 2024/25)",
    "calendar_year": "calendar year (1 January to 31 December)",
    "financial_year": "financial year (1 April to 31 March, labelled 2024-25)",
    "census": "January school census snapshot (labelled by academic year, e.g. 2024/25)",
}

#: Period grains of the measures that follow DfE's exclusions calendar (the default of
#: ``MeasureOptions.exclusion_calendar``; see :mod:`eah_eval.data.periods`).
EXCLUSION_PERIOD_TEXT: dict[str, str] = {
    "term": (
        "school term on DfE's exclusions calendar (autumn 1 Aug-31 Dec, spring 1 Jan-Easter "
        "Sunday, summer Easter Monday-31 Jul)"
    ),
    "academic_year": (
        "academic year on DfE's exclusions calendar (1 August to 31 July, labelled 2024/25)"
    ),
}

LEVEL_TEXT: dict[str, str] = {
    "school": "school (canonical URN after following URN lineage)",
    "cluster": "Experts at Hand locality cluster",
    "wave": "rollout wave",
    "la": "local authority (three-digit LA code)",
}


@dataclass(frozen=True)
class Measure:
    """One measure, declared once.

    Attributes
    ----------
    id : str
        Stable identifier (snake_case), used on the command line and in outputs.
    title : str
        Short title.
    description : str
        Plain-English description for a newcomer.
    numerator : str
        Exactly what is counted on top.
    denominator : str
        Exactly what is counted underneath (for a median: the records it is taken over).
    scale : {"percent", "per_100", "per_1000", "days", "count", "gbp"}
        Unit of ``value``; ``value = numerator / denominator * multiplier`` for ratios.
    statistic : {"ratio", "median"}
        ``"ratio"``: sums; ``"median"``: the median of a per-record quantity.
    periods : tuple of str
        Period grains the measure may be computed for; the first is its natural grain.
    levels : tuple of str
        Unit levels allowed (e.g. 20-week timeliness is local-authority level only).
    groups : tuple of str
        Breakdowns allowed (pupil groups only for pupil-based measures).
    source_tables : tuple of str
        Input tables read.
    direction : {"higher_better", "lower_better", "none"}
        Direction of improvement.
    direction_reason : str
        Why; states the identification effect where early help may first *raise* a count.
    min_denominator : int
        Smallest denominator at which a value is fit to publish (disclosure control and
        reliability; reporting applies the suppression).
    official_definition : str
        The published definition followed (DfE statistics methodology, SEN2, local records).
    notes : tuple of str
        Further rules (exclusions, conventions).
    pupil_based : bool
        ``True`` when the records are pupils or enrolments.
    exclusion_terms : bool
        ``True`` when terms and academic years are assigned by
        ``MeasureOptions.exclusion_calendar`` (DfE's exclusions calendar by default) rather
        than by the package's standard calendar (the suspension and exclusion measures).
    """

    id: str
    title: str
    description: str
    numerator: str
    denominator: str
    scale: Scale
    statistic: Statistic
    periods: tuple[Period, ...]
    levels: tuple[Level, ...]
    groups: tuple[Group, ...]
    source_tables: tuple[str, ...]
    direction: Direction
    direction_reason: str
    min_denominator: int
    official_definition: str
    notes: tuple[str, ...] = ()
    pupil_based: bool = False
    exclusion_terms: bool = False

    def __post_init__(self) -> None:
        check_option("scale", self.scale, SCALES)
        check_option("statistic", self.statistic, STATISTICS)
        check_option("direction", self.direction, DIRECTIONS)
        for p in self.periods:
            check_option("periods", p, PERIODS)
        for lv in self.levels:
            check_option("levels", lv, LEVELS)
        for g in self.groups:
            check_option("groups", g, GROUPS)
        if not self.periods or not self.levels:
            raise OptionError(f"measure {self.id!r} must allow at least one period and level")
        if self.min_denominator < 0:
            raise OptionError(f"measure {self.id!r}: min_denominator must be >= 0")
        if self.exclusion_terms and not set(self.periods) <= set(EXCLUSION_PERIOD_TEXT):
            raise OptionError(
                f"measure {self.id!r}: a measure on the exclusions calendar allows the periods "
                f"{', '.join(map(repr, EXCLUSION_PERIOD_TEXT))} only"
            )

    def period_text(self, period: str, options: MeasureOptions | None = None) -> str:
        """Plain-English statement of a period grain as this measure uses it.

        Measures with ``exclusion_terms`` state DfE's exclusions calendar unless ``options``
        choose the standard calendar.
        """
        opts = options if options is not None else MeasureOptions()
        if self.exclusion_terms and opts.exclusion_calendar == "dfe_exclusions":
            return EXCLUSION_PERIOD_TEXT[period]
        return PERIOD_TEXT[period]

    @property
    def multiplier(self) -> float:
        """Factor applied to ``numerator / denominator`` (100 for %, 1,000 per 1,000)."""
        return SCALE_MULTIPLIER[self.scale] if self.statistic == "ratio" else 1.0

    @property
    def unit_text(self) -> str:
        """Unit of ``value`` for labels (``%``, ``per 1,000``, ``days``...)."""
        return SCALE_UNIT[self.scale]

    @property
    def default_period(self) -> Period:
        """The natural period grain (first allowed)."""
        return self.periods[0]

    def check_level(self, level: object) -> Level:
        """Validate ``level`` against this measure's allowed levels.

        Raises
        ------
        OptionError
            Naming the allowed levels when ``level`` is not one of them.
        """
        check_level(level)
        if level not in self.levels:
            raise OptionError(
                f"measure {self.id!r} can be computed at level "
                f"{', '.join(map(repr, self.levels))} only; got {level!r}"
            )
        return level

    def check_period(self, period: object) -> Period:
        """Validate ``period`` (``None`` = the natural grain) against the allowed periods."""
        if period is None:
            return self.default_period
        check_period(period)
        if period not in self.periods:
            raise OptionError(
                f"measure {self.id!r} can be computed by period "
                f"{', '.join(map(repr, self.periods))} only; got {period!r}"
            )
        return period

    def check_group(self, by: object) -> Group | None:
        """Validate a breakdown (``None`` = no breakdown) against the allowed groups."""
        if by is None:
            return None
        check_group(by)
        if by not in self.groups:
            allowed = ", ".join(map(repr, self.groups)) if self.groups else "none"
            raise OptionError(
                f"measure {self.id!r} can be broken down by {allowed} only; got {by!r}"
            )
        return by


def check_level(level: object) -> Level:
    """Validate a unit level against :data:`LEVELS`."""
    return check_option("level", level, LEVELS)  # type: ignore[return-value]


def check_period(period: object) -> Period:
    """Validate a period grain against :data:`PERIODS`."""
    return check_option("period", period, PERIODS)  # type: ignore[return-value]


def check_group(by: object) -> Group:
    """Validate a breakdown against :data:`GROUPS`."""
    return check_option("by", by, GROUPS)  # type: ignore[return-value]


@dataclass(frozen=True)
class MeasureOptions:
    """Typed options that change how some measures are computed (printed with every output).

    Attributes
    ----------
    hours_per_day : float
        Hours making one expert day (default 6.5) for the expert-day measures.
    absence_basis : {"termly", "cumulative"}
        For absence measures by term: ``"termly"`` uses each term on its own; ``"cumulative"``
        uses the academic year to date (autumn; autumn+spring; autumn+spring+summer), with
        persistent/severe absence judged on the cumulative sessions of each enrolment.
    lineage_rule : {"chain_successors", "none"}
        URN lineage rule passed to :func:`eah_eval.data.lineage.resolve_lineage`.
    exclusion_calendar : {"dfe_exclusions", "standard"}
        Calendar assigning suspensions and permanent exclusions to terms and academic years
        (the suspension, one-or-more-suspensions and permanent exclusion rates).
        ``"dfe_exclusions"`` (default) follows DfE's statistics: autumn 1 August-31 December,
        spring 1 January-Easter Sunday, summer Easter Monday-31 July, academic year 1 August-
        31 July. ``"standard"`` uses the package's calendar of every other measure (autumn
        1 September-31 December, spring 1 January-31 March, summer 1 April-31 August).
    """

    hours_per_day: float = 6.5
    absence_basis: AbsenceBasis = "termly"
    lineage_rule: Literal["chain_successors", "none"] = "chain_successors"
    exclusion_calendar: ExclusionCalendar = "dfe_exclusions"

    def __post_init__(self) -> None:
        if isinstance(self.hours_per_day, bool) or not isinstance(
            self.hours_per_day, int | float
        ):
            raise OptionTypeError(
                f"hours_per_day must be a number of hours; got "
                f"{type(self.hours_per_day).__name__} {self.hours_per_day!r}"
            )
        if not (math.isfinite(self.hours_per_day) and 0 < self.hours_per_day <= 24):
            raise OptionError(
                f"hours_per_day must be more than 0 and at most 24; got {self.hours_per_day!r}"
            )
        check_option("absence_basis", self.absence_basis, ABSENCE_BASES)
        check_option("lineage_rule", self.lineage_rule, ("chain_successors", "none"))
        check_option("exclusion_calendar", self.exclusion_calendar, EXCLUSION_CALENDARS)

    @property
    def exclusion_calendar_text(self) -> str:
        """The exclusions calendar chosen, with its rule."""
        if self.exclusion_calendar == "dfe_exclusions":
            return f"dfe_exclusions ({EXCLUSION_TERM_RULE})"
        return (
            "standard (suspensions and exclusions on the package's calendar: autumn 1 Sep-31 "
            "Dec, spring 1 Jan-31 Mar, summer 1 Apr-31 Aug; not DfE's exclusion terms)"
        )

    def describe(self) -> str:
        """One line stating the options, for outputs."""
        return (
            f"hours per expert day = {self.hours_per_day:g}; absence basis = "
            f"{self.absence_basis}; URN lineage rule = {self.lineage_rule}; suspension and "
            f"exclusion terms = {self.exclusion_calendar_text}"
        )
