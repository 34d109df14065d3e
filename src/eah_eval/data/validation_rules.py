"""Rules that span several fields or tables (what a Frictionless Table Schema cannot say).

Field types, codes, patterns, ranges and keys live in ``data_schema/*.schema.json``. The rules
here relate fields to one another (dates in order, absence not above possible sessions, a plan
date only with a plan) or tables to one another beyond foreign keys. Each rule carries its
plain-English text; ``data_schema/README.md`` lists them from :data:`RULES`.

Plausibility policy (row-level problems, so ``on_problem="exclude_rows"`` can drop them):

* **records after closure** (``after_closure``, a *warning*: the rows are kept and counted in a
  note): a record of a school dated after the school's ``close_date`` (census, suspension,
  request and activity dates; for attendance and attainment, the start of the academic year,
  1 September). Councils' systems often keep recording against a closed URN; the URN lineage
  moves such records to a successor when one is linked, and the note asks for a look;
* **dates outside the data window** (``outside_data_window``, :func:`date_window`): every date
  is at most :data:`FUTURE_YEARS` years after the day of validation (planned go-live dates and
  closures may lie ahead, decades ahead is a typing error), and a date of a record (not a
  school's opening, closure or link date) is not before :data:`EARLIEST_RECORD`;
* ages outside school ages are a schema range (``age`` from 2 to 25).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from eah_eval.data.periods import academic_year_start
from eah_eval.errors import OptionError

FoundFn = Callable[[np.ndarray], Sequence[str]]


@dataclass(frozen=True)
class RuleHit:
    """Rows breaking a rule: mask, the column to blame, what was expected, found-text maker."""

    mask: np.ndarray
    column: str
    expected: str
    found: FoundFn


@dataclass(frozen=True)
class Rule:
    """A cross-field or cross-table validation rule.

    Attributes
    ----------
    table : str
        Table whose rows are checked.
    kind : str
        Problem kind reported.
    columns : tuple of str
        Columns the rule reads; the rule is skipped if one is absent (already reported).
    text : str
        Plain-English statement (documented in ``data_schema/README.md``).
    check : callable
        ``check(frame, tables) -> RuleHit`` where ``tables`` holds the other typed tables.
    severity : {"problem", "warning"}
        A problem fails validation (or excludes the row); a warning keeps the row and is
        reported as a note (``ValidationReport.notes``, ``Council.notes``).
    needs : tuple of str
        Other tables the rule reads (validated first; the rule is skipped if one is unusable).
    """

    table: str
    kind: str
    columns: tuple[str, ...]
    text: str
    check: Callable[[pd.DataFrame, Mapping[str, pd.DataFrame]], RuleHit]
    needs: tuple[str, ...] = ()
    severity: Literal["problem", "warning"] = "problem"


def _day(v: Any) -> str:
    return "blank" if pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d")


def _not_before(table: str, later: str, earlier: str) -> Rule:
    def check(df: pd.DataFrame, _: Mapping[str, pd.DataFrame]) -> RuleHit:
        a = df[later].reset_index(drop=True)
        b = df[earlier].reset_index(drop=True)
        mask = (a < b).fillna(False).to_numpy(dtype=bool)
        return RuleHit(
            mask, later, f"{later} on or after {earlier}",
            lambda idx: [f"{later} {_day(a[i])} is before {earlier} {_day(b[i])}" for i in idx],
        )

    return Rule(
        table, "dates_out_of_order", (later, earlier),
        f"`{later}` is not before `{earlier}` (when both are given).", check,
    )


def _absence_within_possible(df: pd.DataFrame, _: Mapping[str, pd.DataFrame]) -> RuleHit:
    pos = df["possible_sessions"].reset_index(drop=True)
    auth = df["authorised_absence"].reset_index(drop=True)
    unauth = df["unauthorised_absence"].reset_index(drop=True)
    total = auth + unauth
    mask = (total > pos).fillna(False).to_numpy(dtype=bool)
    return RuleHit(
        mask, "possible_sessions",
        "authorised_absence + unauthorised_absence <= possible_sessions",
        lambda idx: [
            f"{int(auth[i])} + {int(unauth[i])} = {int(total[i])} absence sessions but "
            f"{int(pos[i])} possible" for i in idx
        ],
    )


def _only_with_code(
    table: str, column: str, code_column: str, codes: tuple[str, ...], *, needed: bool
) -> Rule:
    """``column`` is given exactly when ``code_column`` is in ``codes`` (or only then)."""
    listed = " or ".join(repr(c) for c in codes)

    def check(df: pd.DataFrame, _: Mapping[str, pd.DataFrame]) -> RuleHit:
        value = df[column].reset_index(drop=True)
        code = df[code_column].reset_index(drop=True)
        in_codes = code.isin(codes).to_numpy()
        known = code.notna().to_numpy()
        given = value.notna().to_numpy()
        if needed:
            mask = known & in_codes & ~given
            expected = f"{column} given when {code_column} is {listed}"
            return RuleHit(
                mask, column, expected,
                lambda idx: [f"blank with {code_column} {code[i]!r}" for i in idx],
            )
        mask = known & ~in_codes & given
        expected = f"{column} blank unless {code_column} is {listed}"
        return RuleHit(
            mask, column, expected,
            lambda idx: [f"{column} given with {code_column} {code[i]!r}" for i in idx],
        )

    if needed:
        text = f"`{column}` is given when `{code_column}` is {listed}."
        kind = "missing_value"
    else:
        text = f"`{column}` is blank unless `{code_column}` is {listed}."
        kind = "inconsistent_values"
    return Rule(table, kind, (column, code_column), text, check)


def _given_together(table: str, column: str, other: str) -> Rule:
    """``column`` is given exactly when ``other`` is given."""

    def check(df: pd.DataFrame, _: Mapping[str, pd.DataFrame]) -> RuleHit:
        a = df[column].notna().to_numpy(dtype=bool)
        b = df[other].notna().to_numpy(dtype=bool)
        return RuleHit(
            a != b, column, f"{column} and {other} both given or both blank",
            lambda idx: [f"{column} {'given' if a[i] else 'blank'} with {other} "
                         f"{'given' if b[i] else 'blank'}" for i in idx],
        )

    return Rule(
        table, "inconsistent_values", (column, other),
        f"`{column}` is given exactly when `{other}` is given.", check,
    )


def _codes_imply(
    table: str, column: str, codes: tuple[str, ...], other: str, other_codes: tuple[str, ...]
) -> Rule:
    def check(df: pd.DataFrame, _: Mapping[str, pd.DataFrame]) -> RuleHit:
        a = df[column].reset_index(drop=True)
        b = df[other].reset_index(drop=True)
        mask = (a.isin(codes) & b.notna() & ~b.isin(other_codes)).to_numpy(dtype=bool)
        return RuleHit(
            mask, other, f"{other} {' or '.join(map(repr, other_codes))} when {column} is "
            f"{' or '.join(map(repr, codes))}",
            lambda idx: [f"{other} {b[i]!r} with {column} {a[i]!r}" for i in idx],
        )

    return Rule(
        table, "inconsistent_values", (column, other),
        f"When `{column}` is {' or '.join(map(repr, codes))}, `{other}` is "
        f"{' or '.join(map(repr, other_codes))}.", check,
    )


def _positive(table: str, column: str) -> Rule:
    def check(df: pd.DataFrame, _: Mapping[str, pd.DataFrame]) -> RuleHit:
        v = df[column].reset_index(drop=True)
        mask = (v <= 0).fillna(False).to_numpy(dtype=bool)
        return RuleHit(mask, column, "more than 0", lambda idx: [repr(float(v[i])) for i in idx])

    return Rule(table, "below_minimum", (column,), f"`{column}` is more than 0.", check)


def _consecutive_academic_year(table: str) -> Rule:
    def check(df: pd.DataFrame, _: Mapping[str, pd.DataFrame]) -> RuleHit:
        v = df["academic_year"].reset_index(drop=True)
        labels = pd.unique(v.dropna())
        bad_labels = set()
        for label in labels:
            try:
                academic_year_start(str(label))
            except OptionError:
                bad_labels.add(label)
        mask = v.isin(bad_labels).to_numpy(dtype=bool)
        return RuleHit(
            mask, "academic_year", "consecutive years such as 2024/25",
            lambda idx: [repr(str(v[i])) for i in idx],
        )

    return Rule(
        table, "bad_academic_year", ("academic_year",),
        "`academic_year` names two consecutive years (2024/25, not 2024/26).", check,
    )


def _finance_cluster(df: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> RuleHit:
    v = df["cluster_id"].reset_index(drop=True)
    known = set(tables["clusters"]["cluster_id"].dropna())
    known.add("central")
    mask = (v.notna() & ~v.isin(known)).to_numpy(dtype=bool)
    return RuleHit(
        mask, "cluster_id", "a cluster_id listed in clusters.csv, or 'central'",
        lambda idx: [f"{v[i]!r} is not in clusters.csv" for i in idx],
    )


def _after_closure(table: str, column: str) -> Rule:
    """Flag records of a school dated after its ``close_date`` (a year from 1 September)."""

    def check(df: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> RuleHit:
        schools = tables["schools"]
        closed = schools.loc[schools["close_date"].notna()]
        close_by_urn = dict(zip(closed["urn"], closed["close_date"], strict=True))
        urn = df["urn"].reset_index(drop=True)
        close = pd.to_datetime(urn.map(close_by_urn)).astype("datetime64[ns]")
        if column == "academic_year":
            starts = {y: _year_start(y) for y in pd.unique(df[column].dropna())}
            when = pd.to_datetime(df[column].reset_index(drop=True).map(starts))
        else:
            when = df[column].reset_index(drop=True)
        when = when.astype("datetime64[ns]")
        mask = (when > close).fillna(False).to_numpy(dtype=bool)
        word = "the start of academic year" if column == "academic_year" else column
        return RuleHit(
            mask, column, f"{column} on or before the school's close_date",
            lambda idx: [f"{word} {_day(when[i])} is after URN {urn[i]}'s close_date "
                         f"{_day(close[i])}" for i in idx],
        )

    dated = "the academic year's start" if column == "academic_year" else f"`{column}`"
    return Rule(
        table, "after_closure", ("urn", column),
        f"A record's {dated} is not after its school's `close_date` (a warning: the rows are "
        "kept and counted in a note).", check, needs=("schools",), severity="warning",
    )


def _year_start(label: object) -> pd.Timestamp | None:
    try:
        return pd.Timestamp(academic_year_start(str(label)), 9, 1)
    except OptionError:
        return None


#: Dates may lie at most this many years after the day of validation.
FUTURE_YEARS = 5
#: No record (census, absence, request, activity, ...) is dated before this day.
EARLIEST_RECORD = pd.Timestamp("1990-01-01")
#: Date columns about schools rather than records: no earliest date.
_SCHOOL_DATES = frozenset({
    ("schools", "open_date"), ("schools", "close_date"), ("school_links", "link_date"),
})


def date_window(
    table: str, column: str, today: pd.Timestamp | None = None
) -> tuple[pd.Timestamp | None, pd.Timestamp]:
    """Return the earliest and latest plausible value of a date column.

    Parameters
    ----------
    table, column : str
        The date column.
    today : pandas.Timestamp, optional
        Day of validation (default: today).

    Returns
    -------
    earliest : pandas.Timestamp or None
        :data:`EARLIEST_RECORD` for dates of records; ``None`` for a school's opening, closure
        and link dates.
    latest : pandas.Timestamp
        ``today`` plus :data:`FUTURE_YEARS` years.
    """
    day = (today if today is not None else pd.Timestamp.today()).normalize()
    latest = day + pd.DateOffset(years=FUTURE_YEARS)
    earliest = None if (table, column) in _SCHOOL_DATES else EARLIEST_RECORD
    return earliest, pd.Timestamp(latest)


def window_hit(table: str, column: str, values: pd.Series,
               today: pd.Timestamp | None = None) -> RuleHit:
    """Flag the rows of a date column outside :func:`date_window`."""
    earliest, latest = date_window(table, column, today)
    v = values.reset_index(drop=True)
    mask = (v > latest).fillna(False).to_numpy(dtype=bool)
    if earliest is not None:
        mask = mask | (v < earliest).fillna(False).to_numpy(dtype=bool)
    span = (f"from {_day(earliest)} " if earliest is not None else "") + f"to {_day(latest)}"
    return RuleHit(
        mask, column,
        f"a date {span} (at most {FUTURE_YEARS} years after the day of validation)",
        lambda idx: [_day(v[i]) for i in idx],
    )


#: Every cross-field and cross-table rule, in documentation order.
RULES: tuple[Rule, ...] = (
    _not_before("schools", "close_date", "open_date"),
    _consecutive_academic_year("attendance"),
    Rule(
        "attendance", "impossible_count",
        ("possible_sessions", "authorised_absence", "unauthorised_absence"),
        "Authorised plus unauthorised absence sessions do not exceed `possible_sessions`.",
        _absence_within_possible,
    ),
    _only_with_code("pupil_census", "primary_need", "sen_provision", ("K", "E"), needed=True),
    _only_with_code("pupil_census", "primary_need", "sen_provision", ("K", "E"), needed=False),
    _only_with_code("suspensions", "sessions", "category", ("suspension",), needed=True),
    _only_with_code("suspensions", "sessions", "category", ("suspension",), needed=False),
    _not_before("ehc_requests", "decision_date", "received_date"),
    _not_before("ehc_requests", "plan_issued_date", "received_date"),
    _not_before("ehc_requests", "plan_issued_date", "decision_date"),
    _only_with_code("ehc_requests", "decision_date", "decision", ("assess", "not_assess"),
                    needed=True),
    _only_with_code("ehc_requests", "decision_date", "decision",
                    ("assess", "not_assess", "withdrawn"), needed=False),
    _only_with_code("ehc_requests", "plan_issued_date", "outcome", ("plan_issued",),
                    needed=True),
    _only_with_code("ehc_requests", "plan_issued_date", "outcome", ("plan_issued",),
                    needed=False),
    _codes_imply("ehc_requests", "outcome", ("plan_issued",), "decision", ("assess",)),
    _not_before("eah_requests", "triaged_date", "received_date"),
    _not_before("eah_requests", "first_support_date", "received_date"),
    _not_before("eah_requests", "first_support_date", "triaged_date"),
    _not_before("eah_requests", "closed_date", "received_date"),
    _positive("eah_activity", "hours"),
    _consecutive_academic_year("attainment"),
    Rule(
        "finance", "unknown_cluster", ("cluster_id",),
        "`cluster_id` is a cluster in `clusters.csv` or `central`.", _finance_cluster,
        needs=("clusters",),
    ),
    _not_before("ehc_plans", "spell_start_date", "plan_start_date"),
    _not_before("ehc_plans", "spell_end_date", "spell_start_date"),
    _given_together("ehc_plans", "end_reason", "spell_end_date"),
    _after_closure("pupil_census", "census_date"),
    _after_closure("attendance", "academic_year"),
    _after_closure("suspensions", "start_date"),
    _after_closure("ehc_requests", "received_date"),
    _after_closure("eah_requests", "received_date"),
    _after_closure("eah_activity", "activity_date"),
    _after_closure("attainment", "academic_year"),
)


def rules_for(table: str) -> tuple[Rule, ...]:
    """Return the rules that check rows of ``table``."""
    return tuple(r for r in RULES if r.table == table)
