"""Partial periods: a period whose data cover only some of its terms is flagged.

Known truth: the small synthetic council covers autumn 2021/22 to summer 2028/29 completely
(every attendance term present; dated records from September 2021 to July/August 2029), so
its academic years are complete and its first and last calendar and financial years are not.
Partial years are then planted by removing records.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from eah_eval.errors import OptionError, OptionTypeError
from eah_eval.measures import MeasureOptions, compute, open_tables, rollout_panel
from eah_eval.measures.coverage import (
    PeriodCoverage,
    partial_periods,
    period_completeness,
    period_terms,
)

synthetic = pytest.importorskip("eah_eval.data.synthetic")


@pytest.fixture(scope="module")
def council():  # type: ignore[no-untyped-def]
    return synthetic.make_council(20261130, small=True)


def _without(council, table: str, keep) -> dict[str, pd.DataFrame]:  # type: ignore[no-untyped-def]
    frames = dict(council.tables)
    frames[table] = frames[table][keep(frames[table])].reset_index(drop=True)
    return frames


def test_period_terms() -> None:
    assert period_terms("term", 6075) == (6075,)
    assert period_terms("academic_year", 2025) == (6075, 6076, 6077)
    # calendar year 2025: spring and summer 2024/25, autumn 2025/26
    assert period_terms("calendar_year", 2025) == (6073, 6074, 6075)
    # financial year 2025-26: summer 2024/25, autumn and spring 2025/26
    assert period_terms("financial_year", 2025) == (6074, 6075, 6076)
    assert period_terms("census", 2025) == (6076,)
    with pytest.raises(OptionError, match=r"period must be one of .*got 'week'"):
        period_terms("week", 1)


def test_full_council_has_no_partial_academic_year(council) -> None:  # type: ignore[no-untyped-def]
    ts = open_tables(council)
    for mid in ("absence_overall_pct", "suspension_rate", "ehc_requests_per_1000"):
        res = compute(ts, mid, level="la", period="academic_year")
        assert res.partial_periods == (), mid
        table = res.period_completeness
        assert table["complete"].all() and (table["terms_present"] == 3).all()
    term = compute(ts, "absence_overall_pct", level="la")
    assert term.partial_periods == ()
    assert term.coverage is not None
    assert term.coverage.describe() == "data cover 2021/22 autumn to 2028/29 summer (attendance)"


def test_first_and_last_calendar_and_financial_years_are_partial(  # type: ignore[no-untyped-def]
    council,
) -> None:
    ts = open_tables(council)
    res = compute(ts, "ehc_requests_per_1000", level="la")  # natural grain: calendar year
    assert res.period == "calendar_year"
    first, last = res.frame["period"].iloc[0], res.frame["period"].iloc[-1]
    assert (first, last) == ("2021", "2029")
    assert res.partial_periods == ("2021", "2029")
    table = res.period_completeness.set_index("period")
    assert table.loc["2021", "terms_present"] == 1  # September to December only
    assert table.loc["2029", "terms_present"] == 2  # January to August only
    assert "partial periods (data cover only some of their terms): 2021, 2029" in res.describe()
    fy = compute(ts, "eah_requests_per_school", level="la", period="financial_year")
    # the programme's records start at the first go-live (September 2023), end August 2029
    assert fy.partial_periods == ("2023-24", "2029-30")


def test_census_and_ks2_are_complete_by_definition(council) -> None:  # type: ignore[no-untyped-def]
    ts = open_tables(council)
    for mid, period in (("sen_support_pct", "census"), ("sen_support_pct", "calendar_year"),
                        ("ks2_rwm_expected_pct", "academic_year")):
        res = compute(ts, mid, level="la", period=period)
        assert res.coverage is not None and res.coverage.by_definition
        assert res.partial_periods == ()
        assert res.period_completeness["complete"].all()


def test_planted_partial_final_year(council) -> None:  # type: ignore[no-untyped-def]
    frames = _without(council, "attendance", lambda a: ~(
        (a["academic_year"] == "2028/29") & (a["term"] == "summer")))
    ts = open_tables(frames)
    year = compute(ts, "absence_overall_pct", level="la", period="academic_year")
    assert year.partial_periods == ("2028/29",)
    row = year.period_completeness.set_index("period").loc["2028/29"]
    assert (row["terms_expected"], row["terms_present"], row["complete"]) == (3, 2, False)
    # by term there is no partial term: the missing term simply has no rows
    term = compute(ts, "absence_overall_pct", level="la")
    assert term.partial_periods == ()
    assert "2028/29 summer" not in set(term.frame["period"])
    # the panel carries it too
    panel = rollout_panel(ts, "absence_overall_pct", period="academic_year")
    assert panel.attrs["partial_periods"] == ["2028/29"]
    assert panel.attrs["partial_period_indexes"] == [2028]
    assert isinstance(panel.attrs["coverage"], PeriodCoverage)
    assert partial_periods(panel) == ["2028/29"]
    assert partial_periods(year) == ["2028/29"]
    assert "3 terms" in panel.attrs["partial_rule"]


def test_planted_gap_inside_the_window(council) -> None:  # type: ignore[no-untyped-def]
    frames = _without(council, "attendance", lambda a: ~(
        (a["academic_year"] == "2024/25") & (a["term"] == "spring")))
    res = compute(frames, "absence_persistent_pct", level="cluster", period="academic_year")
    assert res.partial_periods == ("2024/25",)
    assert res.coverage is not None
    assert res.coverage.describe().endswith("with 1 term(s) missing in between")


def test_dated_records_ending_early(council) -> None:  # type: ignore[no-untyped-def]
    # suspensions stop at the end of January 2029: 2028/29 is partial on both calendars
    frames = _without(council, "suspensions",
                      lambda s: s["start_date"] < pd.Timestamp("2029-02-01"))
    ts = open_tables(frames)
    for calendar in ("dfe_exclusions", "standard"):
        opts = MeasureOptions(exclusion_calendar=calendar)  # type: ignore[arg-type]
        res = compute(ts, "suspension_rate", level="la", period="academic_year", options=opts)
        assert res.partial_periods == ("2028/29",), calendar
        assert res.period_completeness.set_index("period").loc["2028/29", "terms_present"] == 2
    # an empty term inside the span is a count of zero, not missing data
    quiet = _without(council, "suspensions", lambda s: ~(
        (s["start_date"] >= pd.Timestamp("2025-01-01"))
        & (s["start_date"] < pd.Timestamp("2025-04-01"))))
    res = compute(quiet, "suspension_rate", level="la", period="academic_year")
    assert res.partial_periods == ()


def test_data_end_cuts_the_last_term(council) -> None:  # type: ignore[no-untyped-def]
    ts = open_tables(council)
    res = compute(ts, "absence_overall_pct", level="la", period="academic_year")
    assert partial_periods(res) == []
    # an extract taken on 31 July 2029: the summer term (to 31 August) is not complete
    assert partial_periods(res, data_end="2029-07-31") == ["2028/29"]
    assert partial_periods(res, data_end=dt.date(2029, 8, 31)) == []
    term = compute(ts, "absence_overall_pct", level="la")
    table = period_completeness(term, data_end=pd.Timestamp("2029-07-31"))
    assert table.loc[~table["complete"], "period"].tolist() == ["2028/29 summer"]
    with pytest.raises(OptionError, match=r"data_end must be an ISO date .*got '31/07/2029'"):
        partial_periods(res, data_end="31/07/2029")


def test_partial_periods_needs_a_result() -> None:
    with pytest.raises(OptionTypeError, match="result must be a MeasureResult from compute"):
        partial_periods(pd.DataFrame({"period_index": [1]}))
