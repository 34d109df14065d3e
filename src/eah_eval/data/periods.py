"""School terms, academic years and the integer period index used by the estimators.

Conventions (stated in every output that uses them):

* Academic year ``"YYYY/YY"`` runs 1 September to 31 August.
* Terms: autumn = 1 September-31 December, spring = 1 January-31 March,
  summer = 1 April-31 August.
* ``term_index``: consecutive integers, ``3 * start_year + k`` with k = 0 (autumn), 1 (spring),
  2 (summer), so that differences count terms.
* Financial year ``"YYYY-YY"`` runs 1 April to 31 March.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from eah_eval.errors import OptionError

Term = Literal["autumn", "spring", "summer"]
TERMS: tuple[Term, ...] = ("autumn", "spring", "summer")
TERM_RULE = (
    "terms: autumn 1 Sep-31 Dec, spring 1 Jan-31 Mar, summer 1 Apr-31 Aug; "
    "academic year 1 Sep-31 Aug"
)


def academic_year_start(academic_year: str) -> int:
    """Return the calendar year in which an academic year ``"YYYY/YY"`` starts.

    Raises
    ------
    OptionError
        If the label is not of the form ``YYYY/YY`` with consecutive years.
    """
    try:
        start = int(academic_year[:4])
        end = int(academic_year[5:7])
        ok = len(academic_year) == 7 and academic_year[4] == "/" and (start + 1) % 100 == end
    except (ValueError, TypeError):
        ok = False
    if not ok:
        raise OptionError(f"academic year must look like '2024/25'; got {academic_year!r}")
    return start


def academic_year_label(start_year: int) -> str:
    """Return ``"YYYY/YY"`` for the academic year starting in ``start_year``."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def academic_year_of(date: dt.date) -> str:
    """Return the academic year label containing ``date``."""
    start = date.year if date.month >= 9 else date.year - 1
    return academic_year_label(start)


def term_of(date: dt.date) -> tuple[str, Term]:
    """Return ``(academic_year, term)`` containing ``date``."""
    if date.month >= 9:
        term: Term = "autumn"
    elif date.month <= 3:
        term = "spring"
    else:
        term = "summer"
    return academic_year_of(date), term


def term_index(academic_year: str, term: str) -> int:
    """Return the integer period index of a term (consecutive terms differ by 1)."""
    if term not in TERMS:
        raise OptionError(f"term must be one of {', '.join(TERMS)}; got {term!r}")
    return 3 * academic_year_start(academic_year) + TERMS.index(term)


def term_from_index(index: int) -> tuple[str, Term]:
    """Inverse of :func:`term_index`."""
    start, k = divmod(int(index), 3)
    return academic_year_label(start), TERMS[k]


def term_label(index: int) -> str:
    """Human label such as ``"2024/25 autumn"`` for a term index."""
    ay, term = term_from_index(index)
    return f"{ay} {term}"


def term_bounds(academic_year: str, term: str) -> tuple[dt.date, dt.date]:
    """Return the first and last calendar dates of a term (inclusive)."""
    start = academic_year_start(academic_year)
    if term == "autumn":
        return dt.date(start, 9, 1), dt.date(start, 12, 31)
    if term == "spring":
        return dt.date(start + 1, 1, 1), dt.date(start + 1, 3, 31)
    if term == "summer":
        return dt.date(start + 1, 4, 1), dt.date(start + 1, 8, 31)
    raise OptionError(f"term must be one of {', '.join(TERMS)}; got {term!r}")


def financial_year_of(date: dt.date) -> str:
    """Return the financial year label ``"YYYY-YY"`` (1 April to 31 March) containing ``date``."""
    start = date.year if date.month >= 4 else date.year - 1
    return f"{start}-{(start + 1) % 100:02d}"
