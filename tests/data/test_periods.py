"""The two term calendars of eah_eval.data.periods: the standard one and DfE's exclusions one."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from eah_eval.data.periods import (
    EXCLUSION_TABLE_COLUMNS,
    academic_year_of,
    easter_sunday,
    exclusion_academic_year_of,
    exclusion_term_bounds,
    exclusion_term_of,
    exclusion_term_table,
    term_index,
    term_of,
)
from eah_eval.errors import OptionError, OptionTypeError

D = dt.date

# Easter Sundays as published in the Church of England / UK bank-holiday calendars.
KNOWN_EASTERS = {
    2019: D(2019, 4, 21),
    2020: D(2020, 4, 12),
    2021: D(2021, 4, 4),
    2022: D(2022, 4, 17),
    2023: D(2023, 4, 9),
    2024: D(2024, 3, 31),
    2025: D(2025, 4, 20),
    2026: D(2026, 4, 5),
    2027: D(2027, 3, 28),
    2028: D(2028, 4, 16),
    2029: D(2029, 4, 1),
    2030: D(2030, 4, 21),
    # the extremes of the Gregorian range of Easter: 22 March and 25 April
    1818: D(1818, 3, 22),
    2285: D(2285, 3, 22),
    1943: D(1943, 4, 25),
    2038: D(2038, 4, 25),
}


@pytest.mark.parametrize(("year", "expected"), sorted(KNOWN_EASTERS.items()))
def test_easter_sunday_known_dates(year: int, expected: dt.date) -> None:
    assert easter_sunday(year) == expected
    assert easter_sunday(year).weekday() == 6  # a Sunday


def test_easter_sunday_agrees_with_dateutil_over_the_gregorian_range() -> None:
    dateutil_easter = pytest.importorskip("dateutil.easter")
    years = range(1583, 4100)
    assert [easter_sunday(y) for y in years] == [dateutil_easter.easter(y) for y in years]


def test_easter_sunday_accepts_numpy_integers() -> None:
    assert easter_sunday(np.int64(2025)) == D(2025, 4, 20)


@pytest.mark.parametrize(
    ("year", "error", "match"),
    [
        (1582, OptionError, "from 1583 to 9999"),
        (10000, OptionError, "from 1583 to 9999"),
        (2025.0, OptionTypeError, "year must be an integer; got float"),
        ("2025", OptionTypeError, "year must be an integer; got str"),
        (True, OptionTypeError, "year must be an integer; got bool"),
    ],
)
def test_easter_sunday_bad_years(year: object, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        easter_sunday(year)  # type: ignore[arg-type]


# (date, DfE exclusions term, standard term)
CASES = [
    # 2025: Easter Sunday 20 April, so 1-20 April are spring for DfE, summer in the standard one
    (D(2025, 3, 31), ("2024/25", "spring"), ("2024/25", "spring")),
    (D(2025, 4, 1), ("2024/25", "spring"), ("2024/25", "summer")),
    (D(2025, 4, 19), ("2024/25", "spring"), ("2024/25", "summer")),
    (D(2025, 4, 20), ("2024/25", "spring"), ("2024/25", "summer")),
    (D(2025, 4, 21), ("2024/25", "summer"), ("2024/25", "summer")),
    # 2024: Easter Sunday 31 March, so both calendars split at 1 April
    (D(2024, 3, 30), ("2023/24", "spring"), ("2023/24", "spring")),
    (D(2024, 3, 31), ("2023/24", "spring"), ("2023/24", "spring")),
    (D(2024, 4, 1), ("2023/24", "summer"), ("2023/24", "summer")),
    # August: autumn of the next academic year for DfE, summer of the current one otherwise
    (D(2025, 7, 31), ("2024/25", "summer"), ("2024/25", "summer")),
    (D(2025, 8, 1), ("2025/26", "autumn"), ("2024/25", "summer")),
    (D(2025, 8, 15), ("2025/26", "autumn"), ("2024/25", "summer")),
    (D(2025, 8, 31), ("2025/26", "autumn"), ("2024/25", "summer")),
    (D(2025, 9, 1), ("2025/26", "autumn"), ("2025/26", "autumn")),
    (D(2025, 12, 31), ("2025/26", "autumn"), ("2025/26", "autumn")),
    (D(2026, 1, 1), ("2025/26", "spring"), ("2025/26", "spring")),
]


@pytest.mark.parametrize(("date", "dfe", "standard"), CASES)
def test_exclusion_term_of_against_standard(
    date: dt.date, dfe: tuple[str, str], standard: tuple[str, str]
) -> None:
    assert exclusion_term_of(date) == dfe
    assert exclusion_academic_year_of(date) == dfe[0]
    assert term_of(date) == standard  # unchanged behaviour of the standard calendar
    assert academic_year_of(date) == standard[0]


def test_exclusion_term_of_accepts_timestamps() -> None:
    assert exclusion_term_of(pd.Timestamp("2025-04-20")) == ("2024/25", "spring")


def test_exclusion_term_bounds() -> None:
    assert exclusion_term_bounds("2024/25", "autumn") == (D(2024, 8, 1), D(2024, 12, 31))
    assert exclusion_term_bounds("2024/25", "spring") == (D(2025, 1, 1), D(2025, 4, 20))
    assert exclusion_term_bounds("2024/25", "summer") == (D(2025, 4, 21), D(2025, 7, 31))
    with pytest.raises(OptionError, match="term must be one of autumn, spring, summer"):
        exclusion_term_bounds("2024/25", "winter")
    with pytest.raises(OptionError, match="academic year must look like"):
        exclusion_term_bounds("2024-25", "autumn")


def test_every_day_in_exactly_one_exclusion_term() -> None:
    # each day from 1 Aug 2019 to 31 Jul 2031 lies in the bounds of the term it is assigned
    day = D(2019, 8, 1)
    previous = None
    while day <= D(2031, 7, 31):
        ay, term = exclusion_term_of(day)
        lo, hi = exclusion_term_bounds(ay, term)
        assert lo <= day <= hi, day
        index = term_index(ay, term)
        if previous is not None:
            assert index - previous in (0, 1), day  # terms follow each other, none skipped
        previous = index
        day += dt.timedelta(days=1)


def test_exclusion_term_table() -> None:
    t = exclusion_term_table(2023, 2025)
    assert tuple(t.columns) == EXCLUSION_TABLE_COLUMNS
    assert t["academic_year"].tolist() == ["2023/24", "2024/25", "2025/26"]
    assert t["start_year"].dtype == np.int64
    assert all(pd.api.types.is_datetime64_any_dtype(t[c]) for c in EXCLUSION_TABLE_COLUMNS[2:])
    row = t.set_index("academic_year").loc["2024/25"]
    assert row["autumn_start"] == pd.Timestamp("2024-08-01")
    assert row["autumn_end"] == pd.Timestamp("2024-12-31")
    assert row["spring_start"] == pd.Timestamp("2025-01-01")
    assert row["spring_end"] == pd.Timestamp("2025-04-20")
    assert row["summer_start"] == pd.Timestamp("2025-04-21")
    assert row["summer_end"] == pd.Timestamp("2025-07-31")
    assert t.set_index("academic_year").loc["2023/24", "spring_end"] == pd.Timestamp("2024-03-31")
    # the table and exclusion_term_bounds say the same thing
    for r in t.itertuples():
        for term in ("autumn", "spring", "summer"):
            lo, hi = exclusion_term_bounds(r.academic_year, term)
            assert getattr(r, f"{term}_start").date() == lo
            assert getattr(r, f"{term}_end").date() == hi


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((2025, 2024), OptionError, "last_year must not be before first_year"),
        ((1500, 2024), OptionError, "must start from 1582 to 9998"),
        ((2024.0, 2025), OptionTypeError, "first_year must be an integer; got float"),
    ],
)
def test_exclusion_term_table_bad_arguments(args: tuple, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        exclusion_term_table(*args)
