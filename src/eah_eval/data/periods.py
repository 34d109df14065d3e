"""School terms, academic years and the integer period index used by the estimators.

Two calendars are used, and every output states which.

**The package's standard calendar** (all measures except the three below; the rollout timing
of every measure):

* Academic year ``"YYYY/YY"`` runs 1 September to 31 August.
* Terms: autumn = 1 September-31 December, spring = 1 January-31 March,
  summer = 1 April-31 August.

**DfE's exclusions calendar** (the suspension rate, the one-or-more-suspensions rate and the
permanent exclusion rate, by default; ``MeasureOptions.exclusion_calendar`` in
:mod:`eah_eval.measures` switches them to the standard calendar):

* Academic year runs 1 August to 31 July.
* Terms: autumn = 1 August-31 December, spring = 1 January-Easter Sunday,
  summer = Easter Monday-31 July (Easter by the Gregorian computus: :func:`easter_sunday`, from
  dateutil).

This is the rule by which the school census assigns a suspension or permanent exclusion to a
term (DfE, "Pupil exclusion statistics: methodology", section 4.1 "The collection process",
for the "Suspensions and permanent exclusions in England" statistics). The two calendars name
the same school terms and differ only on the days between 1 April and Easter Sunday (spring
for DfE) and in August (autumn of the next academic year for DfE). :func:`term_of` and
:func:`exclusion_term_of` assign a single date; :func:`exclusion_term_table` gives the
exclusions calendar's boundary dates per academic year, for joins in a database.

Both calendars share:

* ``term_index``: consecutive integers, ``3 * start_year + k`` with k = 0 (autumn), 1 (spring),
  2 (summer), so that differences count terms.
* Financial year ``"YYYY-YY"`` runs 1 April to 31 March.
"""

from __future__ import annotations

import datetime as dt
import numbers
from typing import Literal

import pandas as pd
from dateutil.easter import EASTER_WESTERN, easter

from eah_eval.data.validation import show
from eah_eval.errors import OptionError, OptionTypeError

Term = Literal["autumn", "spring", "summer"]
TERMS: tuple[Term, ...] = ("autumn", "spring", "summer")
TERM_RULE = (
    "terms: autumn 1 Sep-31 Dec, spring 1 Jan-31 Mar, summer 1 Apr-31 Aug; "
    "academic year 1 Sep-31 Aug"
)
EXCLUSION_TERM_RULE = (
    "DfE exclusions terms: autumn 1 Aug-31 Dec, spring 1 Jan-Easter Sunday, summer Easter "
    "Monday-31 Jul; academic year 1 Aug-31 Jul"
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
        raise OptionError(f"academic year must look like '2024/25'; got {show(academic_year)}")
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
        raise OptionError(f"term must be one of {', '.join(TERMS)}; got {show(term)}")
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
    raise OptionError(f"term must be one of {', '.join(TERMS)}; got {show(term)}")


def financial_year_of(date: dt.date) -> str:
    """Return the financial year label ``"YYYY-YY"`` (1 April to 31 March) containing ``date``."""
    start = date.year if date.month >= 4 else date.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


# ---------------------------------------------------------------------------- DfE exclusions


def easter_sunday(year: int) -> dt.date:
    """Return the date of Easter Sunday (Western churches) in a Gregorian calendar year.

    Parameters
    ----------
    year : int
        Calendar year, 1583 (the first full Gregorian year) to 9999.

    Returns
    -------
    datetime.date

    Raises
    ------
    OptionTypeError
        If ``year`` is not an integer.
    OptionError
        If ``year`` is outside 1583-9999.

    Notes
    -----
    Computed by :func:`dateutil.easter.easter` with the Western (Gregorian) method, which
    implements the Gregorian computus (the Sunday after the ecclesiastical full moon on or
    after 21 March); this function adds the checks of its argument.

    Examples
    --------
    >>> easter_sunday(2025)
    datetime.date(2025, 4, 20)
    >>> easter_sunday(2024)
    datetime.date(2024, 3, 31)
    """
    if isinstance(year, bool) or not isinstance(year, numbers.Integral):
        raise OptionTypeError(f"year must be an integer; got {type(year).__name__} {show(year)}")
    year = int(year)
    if not 1583 <= year <= 9999:
        raise OptionError(f"year must be from 1583 to 9999 (Gregorian calendar); got {year}")
    return easter(year, EASTER_WESTERN)


def exclusion_academic_year_of(date: dt.date) -> str:
    """Return the academic year of ``date`` on DfE's exclusions calendar (1 Aug-31 Jul)."""
    start = date.year if date.month >= 8 else date.year - 1
    return academic_year_label(start)


def exclusion_term_of(date: dt.date) -> tuple[str, Term]:
    """Return ``(academic_year, term)`` of ``date`` on DfE's exclusions calendar.

    Autumn = 1 August-31 December, spring = 1 January-Easter Sunday, summer = Easter
    Monday-31 July (DfE, "Pupil exclusion statistics: methodology", section 4.1).

    Examples
    --------
    >>> import datetime as dt
    >>> exclusion_term_of(dt.date(2025, 4, 20))  # Easter Sunday 2025
    ('2024/25', 'spring')
    >>> exclusion_term_of(dt.date(2025, 8, 15))
    ('2025/26', 'autumn')
    """
    if isinstance(date, dt.datetime):
        date = date.date()
    if date.month >= 8:
        term: Term = "autumn"
    elif date <= easter_sunday(date.year):
        term = "spring"
    else:
        term = "summer"
    return exclusion_academic_year_of(date), term


def exclusion_term_bounds(academic_year: str, term: str) -> tuple[dt.date, dt.date]:
    """Return the first and last dates (inclusive) of a term on DfE's exclusions calendar.

    Raises
    ------
    OptionError
        For a malformed academic year or an unknown term.
    """
    start = academic_year_start(academic_year)
    if term == "autumn":
        return dt.date(start, 8, 1), dt.date(start, 12, 31)
    easter = easter_sunday(start + 1)
    if term == "spring":
        return dt.date(start + 1, 1, 1), easter
    if term == "summer":
        return easter + dt.timedelta(days=1), dt.date(start + 1, 7, 31)
    raise OptionError(f"term must be one of {', '.join(TERMS)}; got {show(term)}")


EXCLUSION_TABLE_COLUMNS: tuple[str, ...] = (
    "academic_year",
    "start_year",
    "autumn_start",
    "autumn_end",
    "spring_start",
    "spring_end",
    "summer_start",
    "summer_end",
)


def exclusion_term_table(first_year: int, last_year: int) -> pd.DataFrame:
    """Boundary dates of DfE's exclusions terms, one row per academic year.

    For use in a database: compute the exclusions academic year of a date arithmetically
    (its year if the month is August or later, else the year before), join this table on
    ``start_year``, and compare the date with ``spring_start`` and ``summer_start`` (a CASE
    expression), with no per-row work in Python.

    Parameters
    ----------
    first_year, last_year : int
        Start years of the first and last academic years (inclusive), e.g. 2024 for
        ``"2024/25"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``academic_year`` (``"2024/25"``), ``start_year`` (int64) and, as datetime64,
        ``autumn_start`` (1 August), ``autumn_end`` (31 December), ``spring_start``
        (1 January), ``spring_end`` (Easter Sunday), ``summer_start`` (Easter Monday) and
        ``summer_end`` (31 July).

    Raises
    ------
    OptionTypeError
        If a year is not an integer.
    OptionError
        If ``last_year`` is before ``first_year`` or a year is outside 1582-9998.

    Examples
    --------
    >>> exclusion_term_table(2024, 2024)["summer_start"].iloc[0]
    Timestamp('2025-04-21 00:00:00')
    """
    for name, value in (("first_year", first_year), ("last_year", last_year)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise OptionTypeError(
                f"{name} must be an integer; got {type(value).__name__} {show(value)}"
            )
    first_year, last_year = int(first_year), int(last_year)
    if last_year < first_year:
        raise OptionError(
            f"last_year must not be before first_year; got {first_year} to {last_year}"
        )
    if first_year < 1582 or last_year > 9998:
        raise OptionError(
            f"academic years must start from 1582 to 9998; got {first_year} to {last_year}"
        )
    rows = []
    for y in range(first_year, last_year + 1):
        easter = easter_sunday(y + 1)
        rows.append(
            (
                academic_year_label(y),
                y,
                dt.date(y, 8, 1),
                dt.date(y, 12, 31),
                dt.date(y + 1, 1, 1),
                easter,
                easter + dt.timedelta(days=1),
                dt.date(y + 1, 7, 31),
            )
        )
    frame = pd.DataFrame(rows, columns=list(EXCLUSION_TABLE_COLUMNS))
    frame["start_year"] = frame["start_year"].astype("int64")
    for column in EXCLUSION_TABLE_COLUMNS[2:]:
        frame[column] = pd.to_datetime(frame[column])
    return frame
