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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


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
    ci_low: float,
    ci_high: float,
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
    estimate, ci_low, ci_high : float
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
    digits = 2 if max(abs(ci_low), abs(ci_high)) < 1 else 1
    interval = (f"{pct} interval {fmt_number(ci_low, '', digits)} to "
                f"{fmt_number(ci_high, unit, digits)}")
    if any(map(math.isnan, (estimate, ci_low, ci_high))):
        return Finding(
            f"{measure_title}: the estimate is not available.",
            "The estimate could not be computed or was suppressed.",
            False,
        )
    if ci_low > 0 or ci_high < 0:
        up = ci_low > 0
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


def money_millions(value: float | None) -> str:
    """Write pounds in millions to one decimal, the sign first (``-£2.3 million``).

    Examples
    --------
    >>> money_millions(-2_340_000), money_millions(40_000), money_millions(None)
    ('-£2.3 million', '£0.0 million', 'x')
    """
    if value is None or not math.isfinite(value):
        return "x"
    sign = "-" if round(value / 1e6, 1) < 0 else ""
    return f"{sign}£{abs(value) / 1e6:,.1f} million"


def change_words(value: float | None, fmt: Callable[[float], str], up: str, down: str) -> str:
    """Write a signed change as its size and a word, so no reader meets "-15 fewer".

    Parameters
    ----------
    value : float or None
        The change: positive reads ``up``, negative ``down``; ``x`` when None.
    fmt : callable
        Writes the size (given a number of at least 0).
    up, down : str
        The words after the size for a positive and a negative change.

    Examples
    --------
    >>> change_words(-3_200_000, money_millions, "less", "more")
    '£3.2 million more'
    >>> change_words(20_000, money_millions, "less", "more")
    'no change'
    """
    if value is None or not math.isfinite(value):
        return "x"
    text = fmt(abs(value))
    if text == fmt(0.0):
        return "no change"
    return f"{text} {up if value > 0 else down}"


def change_range(interval: Mapping[str, Any], fmt: Callable[[float], str], up: str,
                 down: str) -> str:
    """Write a change and its range in words (``median``, ``ci_low``, ``ci_high``, ``level``).

    Examples
    --------
    >>> change_range({"median": 5e6, "ci_low": -1e6, "ci_high": 9e6, "level": 0.95},
    ...              money_millions, "better", "worse")
    '£5.0 million better (95% range: £1.0 million worse to £9.0 million better)'
    """
    level = round(100 * float(interval.get("level", 0.95)))
    return (f"{change_words(interval['median'], fmt, up, down)} ({level}% range: "
            f"{change_words(interval['ci_low'], fmt, up, down)} to "
            f"{change_words(interval['ci_high'], fmt, up, down)})")
