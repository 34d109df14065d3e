"""Variation and assurance icons of Making Data Count, as data (text, colour, marker).

The variation icon comes from the latest point's type; the assurance icon compares a target
with the latest segment's process limits (for Laney charts, the latest point's limits). Icons
carry a short text and a marker shape besides their colour, so meaning never rests on colour
alone.

Colours (NHS England Making Data Count): common cause grey ``#a6a6a6``, improvement blue
``#00b0f0``, concern orange ``#e46c0a``, neutral purple ``#490092``, target red ``#de1b1b``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from eah_eval.errors import check_option
from eah_eval.monitor.settings import ASSURANCES, DIRECTIONS, POINT_TYPES, Assurance, PointType

GREY = "#a6a6a6"
BLUE = "#00b0f0"
ORANGE = "#e46c0a"
PURPLE = "#490092"
RED = "#de1b1b"


@dataclass(frozen=True)
class Icon:
    """How a status is shown: code, words, colour, a matplotlib marker and a text symbol.

    Attributes
    ----------
    code : str
        Machine-readable status (e.g. ``"special_cause_concern"``).
    text : str
        Plain-language words shown beside the icon.
    short : str
        Two- or three-letter badge used in dense tables (e.g. ``"SC-H"``).
    colour : str
        Hex colour.
    marker : str
        Matplotlib marker for chart points.
    symbol : str
        Unicode symbol for tables (shape differs by status).
    """

    code: str
    text: str
    short: str
    colour: str
    marker: str
    symbol: str


VARIATION_ICONS: dict[str, Icon] = {
    "common_cause": Icon("common_cause", "Common cause variation", "CC", GREY, "o", "●"),
    "special_cause_improvement": Icon(
        "special_cause_improvement", "Special cause: improvement", "IMP", BLUE, "D", "◆"
    ),
    "special_cause_concern": Icon(
        "special_cause_concern", "Special cause: concern", "CON", ORANGE, "X", "✖"
    ),
    "special_cause_neutral_high": Icon(
        "special_cause_neutral_high", "Special cause: higher (no good direction)", "N-H",
        PURPLE, "^", "▲",
    ),
    "special_cause_neutral_low": Icon(
        "special_cause_neutral_low", "Special cause: lower (no good direction)", "N-L",
        PURPLE, "v", "▼",
    ),
}

ASSURANCE_ICONS: dict[str, Icon] = {
    "consistently_passes": Icon(
        "consistently_passes", "Target consistently met", "P", BLUE, "P", "✔"
    ),
    "consistently_fails": Icon(
        "consistently_fails", "Target consistently missed", "F", ORANGE, "X", "✘"
    ),
    "hit_and_miss": Icon(
        "hit_and_miss", "Target hit and miss", "?", GREY, "s", "↕"
    ),
}
NO_ASSURANCE = Icon("none", "No assurance (no target or no good direction)", "-", GREY, "", "–")


def variation_of(latest_point_type: str) -> PointType:
    """Return the series' variation status from its latest point's type.

    Parameters
    ----------
    latest_point_type : str
        One of the point types.

    Returns
    -------
    str
        The same code (the variation icon is the latest point's type).

    Raises
    ------
    OptionError
        If the point type is unknown.
    """
    return check_option("latest_point_type", latest_point_type, POINT_TYPES)  # type: ignore[return-value]


def assurance_of(
    lower: float, upper: float, target: float | None, improvement_direction: str
) -> Assurance | None:
    """Return the assurance status of a target against process limits.

    Parameters
    ----------
    lower, upper : float
        The latest process limits.
    target : float or None
        The target; None gives no assurance.
    improvement_direction : {"higher", "lower", "none"}
        Which direction is good; ``"none"`` gives no assurance.

    Returns
    -------
    {"consistently_passes", "consistently_fails", "hit_and_miss"} or None

    Notes
    -----
    With higher better, a target below the lower limit is consistently passed (every common-cause
    value exceeds it) and a target above the upper limit is consistently failed; reversed when
    lower is better. A target on or between the limits is hit and miss.
    """
    check_option("improvement_direction", improvement_direction, DIRECTIONS)
    if target is None or improvement_direction == "none":
        return None
    if math.isnan(lower) or math.isnan(upper):
        return None
    if target > upper:
        return "consistently_fails" if improvement_direction == "higher" else "consistently_passes"
    if target < lower:
        return "consistently_passes" if improvement_direction == "higher" else "consistently_fails"
    return "hit_and_miss"


def variation_icon(code: str) -> Icon:
    """Return the :class:`Icon` for a variation status."""
    check_option("variation", code, POINT_TYPES)
    return VARIATION_ICONS[code]


def assurance_icon(code: str | None) -> Icon:
    """Return the :class:`Icon` for an assurance status (None gives the 'no assurance' icon)."""
    if code is None:
        return NO_ASSURANCE
    check_option("assurance", code, ASSURANCES)
    return ASSURANCE_ICONS[code]


def icon_letter(code: str | None, side: str | None = None) -> str:
    """Return the letter inside a drawn icon: H or L, a dash, P, F or ?.

    Parameters
    ----------
    code : str or None
        A variation or assurance status (None: no assurance).
    side : {"high", "low"} or None
        For a special cause, which side it is on (neutral codes carry their side).

    Examples
    --------
    >>> icon_letter("special_cause_concern", "high"), icon_letter("hit_and_miss")
    ('H', '?')
    """
    if code in ASSURANCE_ICONS:
        return ASSURANCE_ICONS[code].short
    if code is None:
        return NO_ASSURANCE.short
    check_option("variation", code, POINT_TYPES)
    if code == "special_cause_neutral_high":
        return "H"
    if code == "special_cause_neutral_low":
        return "L"
    if code == "common_cause" or side is None:
        return "–"
    return "H" if side == "high" else "L"


def icon_svg(code: str | None, side: str | None = None, *, size: int = 16) -> str:
    """Return a Making Data Count icon as inline SVG, hidden from assistive technology.

    A white disc ringed in the status colour with its letter (:func:`icon_letter`) in dark
    grey. The SVG is ``aria-hidden``: the words or code written beside it are the text
    equivalent, so a page never depends on the drawing (or on colour) alone.

    Parameters
    ----------
    code : str or None
        A variation or assurance status (None: no assurance).
    side : {"high", "low"} or None
        Side of a special cause.
    size : int
        Width and height in CSS pixels.
    """
    icon = (NO_ASSURANCE if code is None else ASSURANCE_ICONS[code]
            if code in ASSURANCE_ICONS else variation_icon(code))
    letter = icon_letter(code, side)
    return (
        f'<svg class="mdc-icon" aria-hidden="true" focusable="false" width="{size}" '
        f'style="vertical-align:-0.3em;margin-right:0.15em" '
        f'height="{size}" viewBox="0 0 20 20"><circle cx="10" cy="10" r="8.5" fill="#ffffff" '
        f'stroke="{icon.colour}" stroke-width="3"/><text x="10" y="14" text-anchor="middle" '
        f'font-family="Arial, Helvetica, sans-serif" font-size="11" font-weight="bold" '
        f'fill="#3d3d3d">{letter}</text></svg>'
    )
