"""How the finance report writes money, years, ranges and its terms for a board.

One place for the formats every section uses, so a number reads the same wherever it is
shown: pounds in millions to one decimal, financial years as ``2027-28``, ranges as ``(95%
range A to B)``, a year from draws with the share of draws in which it never comes
(:func:`year_words`), and the report's glossary (:data:`FINANCE_GLOSSARY`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from eah_eval.finance import PLACEMENT_LABELS
from eah_eval.finance.states import fy_label
from eah_eval.reporting.narrative import money_millions

__all__ = ["FINANCE_GLOSSARY", "millions", "money_range", "pct", "placement_label", "plans",
           "plans_range", "position_words", "sentence", "year_words"]

#: Terms a board reader meets in the finance report (term -> explanation).
FINANCE_GLOSSARY: dict[str, str] = {
    "High Needs Block": "The part of the Dedicated Schools Grant that pays for education "
    "support for children and young people with high needs, including the places and top-up "
    "funding behind EHC plans.",
    "Dedicated Schools Grant (DSG)": "The government grant that funds schools and high-needs "
    "provision; a council whose high-needs spend exceeds its grant carries a cumulative "
    "deficit.",
    "Cumulative DSG position": "The high-needs balance carried forward: the opening balance "
    "plus, each year, High Needs Block income minus high-needs spend and the programme's "
    "cost. Negative means a deficit.",
    "Placement": "Where a child or young person with an EHC plan is educated (mainstream "
    "school, special school, independent school, further education, ...), which sets most of "
    "the cost of the plan.",
    "Projection": "What the model expects, year by year, if the patterns of the council's own "
    "history continue: new plans by age and need, moves between placements, plans ending.",
    "Draw": "One run of the projection with one plausible set of model parameters and one "
    "plausible programme effect; the report summarises many draws.",
    "Median": "The middle draw: half the draws are above it, half below.",
    "95% range": "The values between which 95% of the draws fall (likewise 80% and 50%).",
    "Fan chart": "A chart of a projection whose shaded bands widen with uncertainty: the "
    "darkest band holds half the draws, the lightest 95%.",
    "Breakeven year": "The first year in which the spend avoided that year covers the "
    "programme's cost that year.",
    "Payback year": "The first year in which the spend avoided so far covers everything the "
    "programme has cost so far.",
    "Back-test": "Checking the model on past years it was not given: projecting from an "
    "earlier year and comparing with what happened.",
    "Average error": "The mean absolute percentage error of a back-test: how far, on "
    "average, a forecast was from what happened, as a percentage of what happened.",
    "Naive trend": "A straight line through the past years, carried forward: the simplest "
    "forecast, which a model should beat.",
}


def sentence(text: str) -> str:
    """Write a phrase as a sentence: a capital first letter and a full stop.

    Examples
    --------
    >>> sentence("ceasing by age band as observed")
    'Ceasing by age band as observed.'
    """
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def placement_label(code: object) -> str:
    """Return a placement type in words (the model's words; the code with spaces if unknown)."""
    text = str(code)
    return PLACEMENT_LABELS.get(text, text.replace("_", " ").capitalize())


def pct(share: float) -> str:
    """Write a share as a whole percentage (``0.034`` -> ``"3%"``; under 0.5% -> ``"<1%"``)."""
    if 0 < share < 0.005:
        return "<1%"
    return f"{100 * share:.0f}%"


def millions(v: float | None) -> str:
    """Write pounds as millions to one decimal, without the unit (``-2_340_000`` -> ``"-2.3"``)."""
    if v is None or not math.isfinite(v):
        return "x"
    return f"{v / 1e6:,.1f}"


def money_range(iv: Mapping[str, Any]) -> str:
    """Write a money interval: ``"£3.1 million (95% range £1.0 million to £5.2 million)"``."""
    level = round(100 * float(iv.get("level", 0.95)))
    return (f"{money_millions(iv['median'])} ({level}% range {money_millions(iv['ci_low'])} to "
            f"{money_millions(iv['ci_high'])})")


def plans(v: float | None) -> str:
    """Write a number of EHC plans, whole, with thousands separators (``x`` when hidden)."""
    return "x" if v is None or (isinstance(v, float) and not math.isfinite(v)) else f"{v:,.0f}"


def plans_range(iv: Mapping[str, Any]) -> str:
    """Write a number of plans with its range: ``"2,410 (95% range 2,300 to 2,530)"``."""
    level = round(100 * float(iv.get("level", 0.95)))
    return (f"{plans(iv['median'])} ({level}% range {plans(iv['ci_low'])} to "
            f"{plans(iv['ci_high'])})")


def position_words(iv: Mapping[str, Any]) -> str:
    """Write a cumulative DSG position in words: a deficit or a surplus, with its range."""
    def one(v: float) -> str:
        if round(v / 1e6, 1) == 0:
            return "balanced (£0.0 million)"
        return (f"a deficit of {money_millions(-v)}" if v < 0
                else f"a surplus of {money_millions(v)}")

    level = round(100 * float(iv.get("level", 0.95)))
    return (f"{one(iv['median'])} ({level}% range: {one(iv['ci_low'])} to "
            f"{one(iv['ci_high'])})")


def year_words(r: Mapping[str, Any] | None, last_year: int) -> str:
    """Write a year from draws: its median and range, or the share of draws it never comes in.

    Examples
    --------
    >>> year_words({"median": 2028, "ci_low": 2027, "ci_high": 2030, "level": 0.95,
    ...             "share_never": 0.0}, 2030)
    '2028-29 (95% range 2027-28 to 2030-31)'
    >>> year_words({"median": None, "ci_low": 2029, "ci_high": None, "level": 0.95,
    ...             "share_never": 0.7}, 2030)
    'not within the projected years (to 2030-31) in 70% of draws'
    """
    last = fy_label(last_year)
    if r is None:
        return "not available"
    never = float(r["share_never"])
    if r["median"] is None:
        return f"not within the projected years (to {last}) in {pct(never)} of draws"
    level = round(100 * float(r.get("level", 0.95)))
    low = fy_label(int(r["ci_low"])) if r["ci_low"] is not None else fy_label(int(r["median"]))
    high = fy_label(int(r["ci_high"])) if r["ci_high"] is not None else f"after {last}"
    text = f"{fy_label(int(r['median']))} ({level}% range {low} to {high})"
    if never > 0:
        text += f"; not within the projected years in {pct(never)} of draws"
    return text
