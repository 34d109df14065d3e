"""User-defined scenarios: typed, frozen options that change the projection.

The two built-in scenarios are ``"without"`` (no programme) and ``"with"`` (the programme's
effect on new plans, drawn from its distribution). A :class:`Scenario` starts from one of them
and adds changes a council wants to test, for example more new plans placed in resourced
provision instead of independent special schools (:class:`PlacementShift`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from eah_eval.errors import OptionError, OptionTypeError, check_option
from eah_eval.finance.states import PLACEMENT_LABELS, PLACEMENTS, fy_label, in_sentence

ScenarioBase = Literal["with", "without"]
SCENARIO_BASES: tuple[str, ...] = ("with", "without")
BUILT_IN: tuple[str, ...] = ("without", "with")


def _share(name: str, value: object, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise OptionTypeError(f"{name} must be a number; got {type(value).__name__} {value!r}")
    if not low <= float(value) <= high:
        raise OptionError(f"{name} must be from {low:g} to {high:g}; got {value!r}")
    return float(value)


@dataclass(frozen=True)
class PlacementShift:
    """Place a share of the plans that would enter one placement type in another instead.

    Applies to new plans' first placements and to moves into ``from_placement`` from another
    placement; plans already there stay.

    Attributes
    ----------
    from_placement, to_placement : str
        Placement types (:data:`~eah_eval.finance.states.PLACEMENTS`).
    share : float
        Share moved, 0 to 1, once fully phased in.
    start_year : int or None
        First financial year of the change (default: the first projected year).
    phase_in_years : int
        Years over which the share rises linearly to ``share`` (1 = at once).
    """

    from_placement: str
    to_placement: str
    share: float
    start_year: int | None = None
    phase_in_years: int = 1

    def __post_init__(self) -> None:
        check_option("from_placement", self.from_placement, PLACEMENTS)
        check_option("to_placement", self.to_placement, PLACEMENTS)
        if self.from_placement == self.to_placement:
            raise OptionError(f"to_placement must differ from from_placement; got "
                              f"{self.to_placement!r} for both")
        _share("share", self.share, 0.0, 1.0)
        if isinstance(self.phase_in_years, bool) or not isinstance(self.phase_in_years, int) \
                or self.phase_in_years < 1:
            raise OptionError(f"phase_in_years must be a whole number of at least 1; got "
                              f"{self.phase_in_years!r}")
        if self.start_year is not None and (isinstance(self.start_year, bool) or
                                            not isinstance(self.start_year, int)):
            raise OptionTypeError(f"start_year must be a financial year (int) or None; got "
                                  f"{self.start_year!r}")

    def share_in(self, years: np.ndarray, first_year: int) -> np.ndarray:
        """Return the share applied in each year."""
        start = first_year if self.start_year is None else self.start_year
        ramp = np.clip((np.asarray(years) - start + 1) / self.phase_in_years, 0.0, 1.0)
        return self.share * ramp

    def describe(self) -> str:
        """Describe the change in words."""
        when = "from the first projected year" if self.start_year is None else \
            f"from {fy_label(self.start_year)}"
        phase = "" if self.phase_in_years == 1 else f", phased in over {self.phase_in_years} years"
        into = in_sentence(PLACEMENT_LABELS[self.from_placement])
        made = in_sentence(PLACEMENT_LABELS[self.to_placement])
        return f"{self.share:.0%} of new placements in {into} made in {made} instead {when}{phase}"


@dataclass(frozen=True)
class Scenario:
    """A user-defined scenario: a built-in one plus stated changes.

    Attributes
    ----------
    name : str
        Key in :attr:`FinanceProjection.scenarios` (not ``"with"`` or ``"without"``).
    label : str
        What the scenario is, in words for a board.
    base : {"with", "without"}
        The built-in scenario it starts from (default ``"with"``: its programme cost and
        effect carry over).
    placement_shifts : tuple of PlacementShift
        Changes of placement mix, applied in order.
    new_plans_change : float
        Further relative change in all new plans (``-0.05`` = 5% fewer), from the first
        projected year.
    """

    name: str
    label: str
    base: str = "with"
    placement_shifts: tuple[PlacementShift, ...] = ()
    new_plans_change: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise OptionTypeError(f"scenario name must be a non-empty string; got {self.name!r}")
        if self.name in BUILT_IN:
            raise OptionError(f"scenario name must not be one of the built-in scenarios "
                              f"{', '.join(map(repr, BUILT_IN))}; got {self.name!r}")
        check_option("base", self.base, SCENARIO_BASES)
        shifts = tuple(self.placement_shifts)
        for i, s in enumerate(shifts):
            if not isinstance(s, PlacementShift):
                raise OptionTypeError(f"placement_shifts[{i}] must be a PlacementShift; got "
                                      f"{type(s).__name__}")
        object.__setattr__(self, "placement_shifts", shifts)
        _share("new_plans_change", self.new_plans_change, -1.0, 10.0)

    def assumptions(self) -> tuple[str, ...]:
        """Each change in words."""
        out = [s.describe() for s in self.placement_shifts]
        if self.new_plans_change:
            out.append(f"new plans {self.new_plans_change:+.0%} from the first projected year")
        return tuple(out)


def shift_placements(array: np.ndarray, shifts: tuple[PlacementShift, ...],
                     shares: list[float], *, keep_diagonal: bool) -> np.ndarray:
    """Move probability mass on the last axis from one placement to another.

    ``array`` is ``... x placements`` (entry) or ``... x placements x placements`` (moves,
    with ``keep_diagonal=True`` so plans staying in a placement are not moved).
    """
    out = array.copy()
    for shift, share in zip(shifts, shares, strict=True):
        if share <= 0:
            continue
        i = PLACEMENTS.index(shift.from_placement)
        j = PLACEMENTS.index(shift.to_placement)
        mass = out[..., i] * share
        if keep_diagonal:  # mass is ... x from-placement: plans already in i stay
            mass[..., i] = 0.0
        out[..., i] -= mass
        out[..., j] += mass
    return out
