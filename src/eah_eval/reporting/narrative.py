"""Plain-English wording tied to the evidence.

Phrases are chosen by rules, never typed by hand for a particular result:

* the interval excludes zero -> "clear evidence of an increase / a reduction", followed by
  whether that direction is the improving one for the measure (or that the direction is not
  judged, for measures where early help may first raise recorded need);
* the interval includes zero -> "no clear evidence either way", followed by the smallest
  change the design could detect when that is known ("this design could detect changes of X
  or more"), or a plain statement that it is not known.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """The wording of one result."""

    headline: str
    detail: str
    clear: bool


def fmt_number(value: float, unit: str = "", digits: int | None = None) -> str:
    """Format a number with a unit suffix (``"%"`` becomes "percentage points").

    Without ``digits``, numbers below 1 in size get two decimals and others one, so that a
    small change never reads as "0.0" or "-0.0".
    """
    if value is None or math.isnan(value):
        return "not available"
    if digits is None:
        digits = 2 if abs(value) < 1 else 1
    text = f"{value:,.{digits}f}"
    if unit in ("%", "percent"):
        return f"{text} percentage points"
    if unit:
        return f"{text} {unit}"
    return text


def describe_effect(
    *,
    measure_title: str,
    estimate: float,
    lower: float,
    upper: float,
    unit: str,
    direction: str,
    mde: float | None = None,
    level: float = 0.95,
) -> Finding:
    """Word one estimate by the rules in the module docstring.

    Parameters
    ----------
    measure_title : str
        Name of the measure (e.g. "SEN support %").
    estimate, lower, upper : float
        Point estimate and interval bounds (same unit as the measure).
    unit : str
        Unit of the measure (``"%"``, ``"per 1,000"``...).
    direction : {"higher_better", "lower_better", "none"}
        Direction of improvement.
    mde : float, optional
        Minimum detectable effect of the design (same unit), if computed.
    level : float
        Confidence level of the interval.
    """
    pct = f"{round(level * 100):d}%"
    digits = 2 if max(abs(lower), abs(upper)) < 1 else 1
    interval = (f"{pct} interval {fmt_number(lower, '', digits)} to "
                f"{fmt_number(upper, unit, digits)}")
    if any(map(math.isnan, (estimate, lower, upper))):
        return Finding(
            f"{measure_title}: the estimate is not available.",
            "The estimate could not be computed or was suppressed.",
            False,
        )
    if lower > 0 or upper < 0:
        up = lower > 0
        change = "an increase" if up else "a reduction"
        if direction == "none":
            judgement = "The direction of a good change is not judged for this measure."
            verdict = " (whether this is good is not judged for this measure)"
        elif (direction == "higher_better") == up:
            judgement = "This is the direction of improvement."
            verdict = ", an improvement"
        else:
            judgement = "This is in the direction of worsening."
            verdict = ", a worsening"
        return Finding(
            f"{measure_title}: clear evidence of {change} of "
            f"{fmt_number(abs(estimate), unit)}{verdict}.",
            f"Estimated change {fmt_number(estimate, unit)} ({interval}). {judgement}",
            True,
        )
    if mde is not None and not math.isnan(mde):
        could = f"this design could detect changes of {fmt_number(abs(mde), unit)} or more"
    else:
        could = "the smallest change this design could detect is not available"
    return Finding(
        f"{measure_title}: no clear evidence either way; {could}.",
        f"Estimated change {fmt_number(estimate, unit)} ({interval}).",
        False,
    )


def period_word(period: str, plural: bool = True) -> str:
    """Plain word for a period grain: ``"census"`` -> ``"years"``, ``"term"`` -> ``"terms"``."""
    word = {"term": "term", "census": "year", "academic_year": "year",
            "calendar_year": "calendar year", "financial_year": "financial year"}.get(
        period, "period")
    return word + ("s" if plural else "")


def with_unit(title: str, unit: str) -> str:
    """Title with its unit in brackets, unless the title already names it."""
    if "(" in title or not unit:
        return title
    return f"{title} ({unit})"


def fmt_estimate(value: float | None, digits: int = 2) -> str:
    """Format a number for a table cell (thousands separators; ``x`` when not finite)."""
    if value is None or not math.isfinite(float(value)):
        return "x"
    return f"{float(value):,.{digits}f}"


def unit_words(unit: str) -> str:
    """Return the unit of a *change* in words: a change in a percentage is in percentage points."""
    return "percentage points" if unit == "%" else unit
