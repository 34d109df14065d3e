"""Partial periods: periods of a measure whose data cover only some of their school terms.

A period with incomplete data (an academic year of a termly measure with a term missing, a
first or last calendar or financial year that the data only partly span) must be flagged in
reports and kept out of before/after descriptions. The rule, printed as :data:`PARTIAL_RULE`:

**Periods are made of terms.** On the package's calendar every grain is a whole number of
school terms (autumn 1 Sep-31 Dec, spring 1 Jan-31 Mar, summer 1 Apr-31 Aug): a term is
itself; an academic year is its autumn, spring and summer; a calendar year is the spring and
summer of one academic year and the autumn of the next; a financial year is the summer of one
academic year and the autumn and spring of the next. The suspension and exclusion measures
count terms and academic years on DfE's exclusions calendar when their options say so; the
terms are numbered alike (:func:`period_terms`).

**The data cover terms.** The source tables a measure reads cover:

* termly records (``attendance``: one row per enrolment and term): the terms present;
* dated records (``suspensions`` by start date, ``ehc_requests`` and ``eah_requests`` by
  received date, ``eah_activity`` by activity date): every term from the one holding the
  earliest date to the one holding the latest; a term inside that span with no record is a
  count of zero, not missing data;
* monthly records (``workforce``, ``finance``): every term from the earliest month's to the
  latest month's;
* snapshots and annual collections (the January census, KS2 results): complete by
  definition, as is every ``census`` period.

A measure reading several such tables is covered where all of them are.

**A period is partial** when fewer terms than it spans are covered (``terms_present <
terms_expected``). With ``data_end`` (the last date the data are complete to, for example
the extract date) a term ending after that date is not covered, which catches a final term cut
short; without it the last term holding records counts as covered, because the dates of
events cannot tell a quiet end of term from missing data.

Results carry the coverage: :attr:`eah_eval.measures.MeasureResult.coverage` and the
``attrs["coverage"]`` of a panel from :func:`eah_eval.measures.rollout_panel`;
:func:`period_completeness` and :func:`partial_periods` read either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, Literal, Protocol

import pandas as pd

from eah_eval.data.periods import (
    exclusion_term_bounds,
    exclusion_term_of,
    term_bounds,
    term_from_index,
    term_index,
    term_of,
)
from eah_eval.errors import OptionError, OptionTypeError
from eah_eval.measures.definitions import Measure, MeasureOptions
from eah_eval.measures.engine import TableSet, period_label

SourceKind = Literal["termly", "dated", "monthly", "snapshot"]
Calendar = Literal["standard", "dfe_exclusions"]

#: How each record table covers terms: its kind and the column read.
SOURCE_KINDS: Mapping[str, tuple[SourceKind, str | None]] = MappingProxyType({
    "attendance": ("termly", None),
    "suspensions": ("dated", "start_date"),
    "ehc_requests": ("dated", "received_date"),
    "eah_requests": ("dated", "received_date"),
    "eah_activity": ("dated", "activity_date"),
    "workforce": ("monthly", "month"),
    "finance": ("monthly", "month"),
    "pupil_census": ("snapshot", None),
    "attainment": ("snapshot", None),
})

PARTIAL_RULE = (
    "a period is partial when its data cover fewer school terms than it spans (academic, "
    "calendar and financial years span 3 terms); termly records cover the terms present, "
    "dated and monthly records every term from the first to the last record's, census and "
    "KS2 snapshots are complete by definition, and with a data end date a term ending after "
    "it is not covered"
)

COMPLETENESS_COLUMNS: tuple[str, ...] = (
    "period_index", "period", "terms_expected", "terms_present", "complete",
)


def period_terms(period: str, index: int) -> tuple[int, ...]:
    """Term indexes a period spans (:func:`eah_eval.data.periods.term_index` numbering).

    Parameters
    ----------
    period : {"term", "academic_year", "calendar_year", "financial_year", "census"}
        Period grain (a census period is its academic year's January snapshot: the spring
        term).
    index : int
        Period index as in :func:`eah_eval.measures.engine.period_index_expr`.

    Returns
    -------
    tuple of int

    Raises
    ------
    OptionError
        For an unknown period grain.

    Examples
    --------
    >>> period_terms("calendar_year", 2025)  # spring, summer 2024/25; autumn 2025/26
    (6073, 6074, 6075)
    """
    i = int(index)
    if period == "term":
        return (i,)
    if period == "academic_year":
        return (3 * i, 3 * i + 1, 3 * i + 2)
    if period == "census":
        return (3 * i + 1,)
    if period == "calendar_year":
        return (3 * (i - 1) + 1, 3 * (i - 1) + 2, 3 * i)
    if period == "financial_year":
        return (3 * (i - 1) + 2, 3 * i, 3 * i + 1)
    raise OptionError(
        "period must be one of 'term', 'academic_year', 'calendar_year', 'financial_year', "
        f"'census'; got {period!r}"
    )


def _term_end(index: int, calendar: str) -> dt.date:
    ay, term = term_from_index(index)
    bounds = exclusion_term_bounds if calendar == "dfe_exclusions" else term_bounds
    return bounds(ay, term)[1]


def _date_term(date: dt.date, calendar: str) -> int:
    ay, term = exclusion_term_of(date) if calendar == "dfe_exclusions" else term_of(date)
    return term_index(ay, term)


@dataclass(frozen=True)
class PeriodCoverage:
    """The school terms a measure's source data cover (see the module notes).

    Attributes
    ----------
    terms : tuple of int
        Covered term indexes, ascending.
    sources : tuple of str
        Tables whose records set the coverage; empty when every period is complete by
        definition (census and KS2 measures).
    calendar : {"standard", "dfe_exclusions"}
        Calendar the terms are counted on.
    data_end : datetime.date or None
        Last date the data are complete to; terms ending after it are not covered.
    """

    terms: tuple[int, ...]
    sources: tuple[str, ...] = ()
    calendar: Calendar = "standard"
    data_end: dt.date | None = None

    @property
    def by_definition(self) -> bool:
        """True when every period is complete by definition (snapshots, annual results)."""
        return not self.sources

    def with_data_end(self, data_end: dt.date | pd.Timestamp | str | None) -> PeriodCoverage:
        """Return the coverage with terms ending after ``data_end`` taken out.

        Raises
        ------
        OptionError
            If ``data_end`` is not a date (or ISO date text).
        """
        return replace(self, data_end=_check_date(data_end))

    def covered(self) -> frozenset[int]:
        """Covered term indexes after ``data_end`` is applied."""
        if self.data_end is None:
            return frozenset(self.terms)
        end = self.data_end
        return frozenset(t for t in self.terms if _term_end(t, self.calendar) <= end)

    def completeness(self, period: str, indexes: Iterable[int]) -> pd.DataFrame:
        """Terms expected and present for each period, and whether it is complete.

        Parameters
        ----------
        period : str
            Period grain of ``indexes``.
        indexes : iterable of int
            Period indexes (duplicates are counted once).

        Returns
        -------
        pandas.DataFrame
            Columns :data:`COMPLETENESS_COLUMNS`, one row per period, ascending.
        """
        covered = self.covered()
        rows = []
        for i in sorted({int(x) for x in indexes}):
            expected = period_terms(period, i)
            if self.by_definition or period == "census":
                present = len(expected)
            else:
                present = sum(t in covered for t in expected)
            rows.append((i, period_label(period, i), len(expected), present,
                         present == len(expected)))
        frame = pd.DataFrame(rows, columns=list(COMPLETENESS_COLUMNS))
        return frame.astype({"period_index": "int64", "period": object,
                             "terms_expected": "int64", "terms_present": "int64",
                             "complete": bool})

    def describe(self) -> str:
        """One line: what the coverage rests on."""
        if self.by_definition:
            return "periods complete by definition (census snapshot or annual results)"
        if not self.terms:
            return f"no records in {', '.join(self.sources)}"
        first, last = (_label_term(self.terms[0]), _label_term(self.terms[-1]))
        text = f"data cover {first} to {last} ({', '.join(self.sources)})"
        gaps = (self.terms[-1] - self.terms[0] + 1) - len(self.terms)
        if gaps:
            text += f", with {gaps} term(s) missing in between"
        if self.data_end is not None:
            text += f"; complete to {self.data_end.isoformat()}"
        return text


def _label_term(index: int) -> str:
    ay, term = term_from_index(index)
    return f"{ay} {term}"


def _check_date(value: object) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
        raise OptionError(f"data_end must be an ISO date such as '2029-07-31'; got {value!r}")
    raise OptionTypeError(f"data_end must be a date; got {type(value).__name__} {value!r}")


def _to_date(value: Any) -> dt.date | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, str):
        return dt.date(int(value[:4]), int(value[5:7]), 1)
    return pd.Timestamp(value).date()


def _table_terms(ts: TableSet, table: str, calendar: str) -> frozenset[int]:
    """Terms covered by one record table (computed once per TableSet)."""
    kind, column = SOURCE_KINDS[table]

    def make() -> frozenset[int]:
        t = ts.raw(table)
        if kind == "termly":
            present = t.select("academic_year", "term").distinct().to_pandas()
            return frozenset(
                term_index(str(a), str(k))
                for a, k in zip(present["academic_year"], present["term"], strict=True)
            )
        assert column is not None
        span = t.aggregate(lo=t[column].min(), hi=t[column].max()).to_pandas()
        lo, hi = _to_date(span["lo"].iloc[0]), _to_date(span["hi"].iloc[0])
        if lo is None or hi is None:
            return frozenset()
        # months lie inside one term of the standard calendar; their tables use it
        cal = "standard" if kind == "monthly" else calendar
        return frozenset(range(_date_term(lo, cal), _date_term(hi, cal) + 1))

    return ts.memo(("coverage", table, calendar), make)


def measure_coverage(ts: TableSet, measure: Measure, options: MeasureOptions) -> PeriodCoverage:
    """Return the terms a measure's source tables cover (see the module notes).

    Parameters
    ----------
    ts : TableSet
        The council's tables on their backend.
    measure : Measure
        The measure; its ``source_tables`` are read.
    options : MeasureOptions
        Options (the exclusions calendar of the suspension and exclusion measures).

    Returns
    -------
    PeriodCoverage
    """
    calendar: Calendar = (
        "dfe_exclusions"
        if measure.exclusion_terms and options.exclusion_calendar == "dfe_exclusions"
        else "standard"
    )
    sources = tuple(
        t for t in measure.source_tables
        if SOURCE_KINDS.get(t, ("snapshot", None))[0] != "snapshot" and t in ts.names
    )
    if not sources:
        return PeriodCoverage(terms=(), sources=(), calendar=calendar)
    covered = frozenset.intersection(*(_table_terms(ts, t, calendar) for t in sources))
    return PeriodCoverage(terms=tuple(sorted(covered)), sources=sources, calendar=calendar)


class _Computed(Protocol):
    """A result carrying its coverage (a :class:`~eah_eval.measures.MeasureResult`)."""

    @property
    def coverage(self) -> PeriodCoverage | None: ...  # pragma: no cover

    @property
    def period(self) -> str: ...  # pragma: no cover

    @property
    def frame(self) -> pd.DataFrame: ...  # pragma: no cover


def period_completeness(
    result: pd.DataFrame | _Computed, *, data_end: dt.date | str | None = None
) -> pd.DataFrame:
    """Terms expected and present for every period of a computed measure or a panel.

    Parameters
    ----------
    result : MeasureResult or pandas.DataFrame
        What :func:`eah_eval.measures.compute` returns, or a panel from
        :func:`eah_eval.measures.rollout_panel` (its ``attrs`` carry the coverage).
    data_end : date or ISO date text, optional
        Last date the data are complete to (for example the extract date); terms ending
        after it count as not covered.

    Returns
    -------
    pandas.DataFrame
        Columns ``period_index, period, terms_expected, terms_present, complete``, one row
        per period of the result, ascending.

    Raises
    ------
    OptionTypeError
        If ``result`` carries no coverage (a frame not made by ``rollout_panel``).

    Notes
    -----
    The rule is :data:`PARTIAL_RULE` (module notes).
    """
    frame: object
    if isinstance(result, pd.DataFrame):
        coverage = result.attrs.get("coverage")
        period = result.attrs.get("period")
        frame = result
    else:
        coverage = getattr(result, "coverage", None)
        period = getattr(result, "period", None)
        frame = getattr(result, "frame", None)
    if not isinstance(coverage, PeriodCoverage) or not isinstance(period, str) \
            or not isinstance(frame, pd.DataFrame):
        raise OptionTypeError(
            "result must be a MeasureResult from compute() or a panel from rollout_panel() "
            f"(which carry their period coverage); got {type(result).__name__}"
        )
    if data_end is not None:
        coverage = coverage.with_data_end(data_end)
    return coverage.completeness(period, frame["period_index"].to_numpy())


def partial_periods(
    result: pd.DataFrame | _Computed, *, data_end: dt.date | str | None = None
) -> list[str]:
    """Labels of the partial periods of a computed measure or a panel, in period order.

    Parameters
    ----------
    result, data_end
        As for :func:`period_completeness`.

    Returns
    -------
    list of str
        Period labels as in the result's ``period`` column (``"2028/29"``, ``"2029"``...).

    Examples
    --------
    >>> from eah_eval.data.synthetic import make_council
    >>> from eah_eval.measures import compute
    >>> res = compute(make_council(1, small=True).frames, "ehc_requests_per_1000")
    >>> partial_periods(res)
    ['2021', '2029']
    """
    table = period_completeness(result, data_end=data_end)
    return table.loc[~table["complete"], "period"].astype(str).tolist()
