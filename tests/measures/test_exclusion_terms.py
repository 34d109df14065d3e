"""Suspension and exclusion measures on DfE's exclusions calendar, computed by hand.

DfE assigns a suspension or permanent exclusion to a term by its date: autumn 1 August-31
December, spring 1 January-Easter Sunday, summer Easter Monday-31 July ("Pupil exclusion
statistics: methodology", section 4.1), so its academic year runs 1 August-31 July. The
package's standard calendar (autumn 1 Sep-31 Dec, spring 1 Jan-31 Mar, summer 1 Apr-31 Aug)
stays available with ``MeasureOptions(exclusion_calendar="standard")``.

The fixture (``make_exclusion_frames`` in conftest.py) puts every event at Gamma (100004):
January headcount 4 in 2024 (P08 E, P09 K, P10 N, P11 N) and 5 in 2025 (the same four and
P17 K). Easter Sunday was 31 March 2024 and 20 April 2025.

======  =====  ==========  ================  ================
event   pupil  date        DfE term          standard term
======  =====  ==========  ================  ================
E01     P08    2024-03-30  2023/24 spring    2023/24 spring
E02     P09    2024-03-31  2023/24 spring    2023/24 spring
E03     P10    2024-04-01  2023/24 summer    2023/24 summer
E04     P17    2024-08-15  2024/25 autumn    2023/24 summer
E05     P08    2025-03-31  2024/25 spring    2024/25 spring
E06     P09    2025-04-01  2024/25 spring    2024/25 summer
E07     P09    2025-04-19  2024/25 spring    2024/25 summer
E08     P10    2025-04-20  2024/25 spring    2024/25 summer
E09     P08    2025-04-21  2024/25 summer    2024/25 summer
E10     P08    2025-07-31  2024/25 summer    2024/25 summer
E11     P17    2025-08-01  2025/26 autumn    2024/25 summer
E12     P17    2025-08-15  2025/26 autumn    2024/25 summer
X01     P11    2025-04-10  2024/25 spring    2024/25 summer   (permanent exclusion)
======  =====  ==========  ================  ================
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from eah_eval.data.periods import exclusion_term_of, term_index, term_of
from eah_eval.errors import OptionError
from eah_eval.measures import MeasureOptions, compute, compute_many, get_measure, open_tables

STANDARD = MeasureOptions(exclusion_calendar="standard")
SUSPENSION_MEASURES = ("suspension_rate", "suspension_one_plus_rate", "permanent_exclusion_rate")


def row(res, period: str, group: str = "all", unit: str = "100004") -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    f = res.frame
    sel = f[(f["unit"] == unit) & (f["period"] == period) & (f["group"] == group)]
    assert len(sel) == 1, f"expected one row for {unit} {period} {group}; got\n{f}"
    r = sel.iloc[0]
    return float(r["numerator"]), float(r["denominator"]), float(r["value"])


def approx(x: float) -> object:
    return pytest.approx(x, rel=1e-12, abs=1e-12)


def is_nan_row(res, period: str, numerator: float, group: str = "all") -> bool:  # type: ignore[no-untyped-def]
    num, den, val = row(res, period, group)
    return num == numerator and den == 0 and math.isnan(val)


@pytest.fixture(scope="module")
def xt(exclusion_frames):  # type: ignore[no-untyped-def]
    return open_tables(exclusion_frames)


def periods_of(res) -> list[str]:  # type: ignore[no-untyped-def]
    f = res.frame
    return f.loc[f["unit"] == "100004", "period"].tolist()


# ------------------------------------------------------------------------ by term


def test_suspension_rate_by_term_dfe_calendar(xt) -> None:  # type: ignore[no-untyped-def]
    s = compute(xt, "suspension_rate")  # DfE's exclusions calendar is the default
    assert s.options.exclusion_calendar == "dfe_exclusions"
    assert periods_of(s) == ["2023/24 spring", "2023/24 summer", "2024/25 autumn",
                             "2024/25 spring", "2024/25 summer", "2025/26 autumn"]
    # Easter 2024 = 31 March: E01 (30 Mar) and E02 (Easter Sunday) spring, of headcount 4
    assert row(s, "2023/24 spring") == (2, 4, 50.0)
    assert row(s, "2023/24 summer") == (1, 4, 25.0)  # E03 on Easter Monday 1 April
    # E04 on 15 August 2024 opens 2024/25 (headcount of January 2025: 5)
    assert row(s, "2024/25 autumn") == (1, 5, 20.0)
    # Easter 2025 = 20 April: 31 Mar, 1 Apr, 19 Apr (Saturday) and Easter Sunday are spring
    assert row(s, "2024/25 spring") == (4, 5, 80.0)
    assert row(s, "2024/25 summer") == (2, 5, 40.0)  # E09 Easter Monday, E10 31 July
    # 1 and 15 August 2025 are autumn 2025/26, with no January 2026 census: NaN
    assert is_nan_row(s, "2025/26 autumn", 2)


def test_suspension_rate_by_term_standard_calendar(xt) -> None:  # type: ignore[no-untyped-def]
    s = compute(xt, "suspension_rate", options=STANDARD)
    assert periods_of(s) == ["2023/24 spring", "2023/24 summer", "2024/25 autumn",
                             "2024/25 spring", "2024/25 summer"]
    assert row(s, "2023/24 spring") == (2, 4, 50.0)  # E01 E02 (31 March is spring in both)
    assert row(s, "2023/24 summer") == (2, 4, 50.0)  # E03 and E04 (August 2024)
    assert row(s, "2024/25 autumn") == (0, 5, 0.0)
    assert row(s, "2024/25 spring") == (1, 5, 20.0)  # E05 (31 March) only
    assert row(s, "2024/25 summer") == (7, 5, 140.0)  # E06-E12: 1 April to 15 August


def test_one_plus_rate_by_term(xt) -> None:  # type: ignore[no-untyped-def]
    dfe = compute(xt, "suspension_one_plus_rate")
    assert row(dfe, "2023/24 spring") == (2, 4, 50.0)  # P08 P09
    assert row(dfe, "2023/24 summer") == (1, 4, 25.0)  # P10
    assert row(dfe, "2024/25 autumn") == (1, 5, 20.0)  # P17
    assert row(dfe, "2024/25 spring") == (3, 5, 60.0)  # P08, P09 (twice), P10
    assert row(dfe, "2024/25 summer") == (1, 5, 20.0)  # P08 twice
    assert is_nan_row(dfe, "2025/26 autumn", 1)  # P17 twice
    std = compute(xt, "suspension_one_plus_rate", options=STANDARD)
    assert row(std, "2023/24 summer") == (2, 4, 50.0)  # P10, P17
    assert row(std, "2024/25 spring") == (1, 5, 20.0)  # P08
    assert row(std, "2024/25 summer") == (4, 5, 80.0)  # P09, P10, P08, P17


def test_permanent_exclusion_rate_by_term(xt) -> None:  # type: ignore[no-untyped-def]
    dfe = compute(xt, "permanent_exclusion_rate")
    assert row(dfe, "2024/25 spring") == (1, 5, 20.0)  # X01 on 10 April 2025, before Easter
    assert row(dfe, "2024/25 summer") == (0, 5, 0.0)
    std = compute(xt, "permanent_exclusion_rate", options=STANDARD)
    assert row(std, "2024/25 spring") == (0, 5, 0.0)
    assert row(std, "2024/25 summer") == (1, 5, 20.0)


# ------------------------------------------------------------------------ by academic year


def test_annual_rates_use_the_dfe_academic_year(xt) -> None:  # type: ignore[no-untyped-def]
    s = compute(xt, "suspension_rate", period="academic_year")
    assert row(s, "2023/24") == (3, 4, 75.0)  # E01-E03
    assert row(s, "2024/25") == (7, 5, 140.0)  # E04 (15 Aug 2024) to E10 (31 Jul 2025)
    assert is_nan_row(s, "2025/26", 2)  # E11 E12 (August 2025)
    std = compute(xt, "suspension_rate", period="academic_year", options=STANDARD)
    assert row(std, "2023/24") == (4, 4, 100.0)  # E01-E04
    assert row(std, "2024/25") == (8, 5, 160.0)  # E05-E12
    assert periods_of(std) == ["2023/24", "2024/25"]
    one = compute(xt, "suspension_one_plus_rate", period="academic_year")
    assert row(one, "2023/24") == (3, 4, 75.0)  # P08 P09 P10
    assert row(one, "2024/25") == (4, 5, 80.0)  # P17 P08 P09 P10
    one_std = compute(xt, "suspension_one_plus_rate", period="academic_year", options=STANDARD)
    assert row(one_std, "2023/24") == (4, 4, 100.0)  # P08 P09 P10 P17
    assert row(one_std, "2024/25") == (4, 5, 80.0)
    for options in (MeasureOptions(), STANDARD):
        pex = compute(xt, "permanent_exclusion_rate", period="academic_year", options=options)
        assert row(pex, "2024/25") == (1, 5, 20.0)


def test_pupil_groups_follow_the_calendar_year_of_the_event(xt) -> None:  # type: ignore[no-untyped-def]
    # E04 (P17, 15 Aug 2024): DfE puts it in 2024/25, so P17's January 2025 record (K) applies;
    # the standard calendar puts it in 2023/24, when P17 had no January census ('unknown')
    dfe = compute(xt, "suspension_rate", by="sen_provision")
    assert row(dfe, "2024/25 autumn", "K") == (1, 2, 50.0)  # headcount K in 2025: P09 P17
    assert not ((dfe.frame["period"] == "2024/25 autumn") & (dfe.frame["group"] == "unknown")
                ).any()
    assert is_nan_row(dfe, "2025/26 autumn", 2, "unknown")  # no January 2026 census
    std = compute(xt, "suspension_rate", by="sen_provision", options=STANDARD)
    assert is_nan_row(std, "2023/24 summer", 1, "unknown")
    assert row(std, "2023/24 summer", "N") == (1, 2, 50.0)  # E03 P10; N in 2024: P10 P11
    assert row(std, "2024/25 summer", "K") == (4, 2, 200.0)  # E06 E07 (P09), E11 E12 (P17)


# ------------------------------------------------------------------------ the rule itself


def test_every_day_lands_in_the_term_periods_py_gives(exclusion_frames) -> None:  # type: ignore[no-untyped-def]
    # one suspension on each day from 1 Aug 2019 to 31 Jul 2031: the Ibis expression (joined
    # calendar table on the backend) agrees with eah_eval.data.periods day by day
    days = pd.date_range("2019-08-01", "2031-07-31", freq="D")
    frames = dict(exclusion_frames)
    frames["suspensions"] = pd.DataFrame(
        {"exclusion_id": [f"D{i}" for i in range(len(days))], "pupil_id": "P08",
         "urn": "100004", "start_date": days, "category": "suspension", "sessions": 1.0}
    )
    ts = open_tables(frames)
    for options, rule in ((MeasureOptions(), exclusion_term_of), (STANDARD, term_of)):
        got = compute(ts, "suspension_rate", level="la", options=options).frame
        got = got.set_index("period_index")["numerator"]
        expected = pd.Series([term_index(*rule(d.date())) for d in days]).value_counts()
        pd.testing.assert_series_equal(
            got[got > 0].sort_index(), expected.sort_index().astype("float64"),
            check_names=False, check_index_type=False,
        )


def test_dates_outside_the_calendar_table_are_excluded_with_a_reason(  # type: ignore[no-untyped-def]
    exclusion_frames,
) -> None:
    frames = dict(exclusion_frames)
    old = pd.DataFrame({"exclusion_id": ["OLD"], "pupil_id": ["P08"], "urn": ["100004"],
                        "start_date": pd.to_datetime(["1949-05-02"]),
                        "category": ["suspension"], "sessions": [1.0]})
    frames["suspensions"] = pd.concat([frames["suspensions"], old], ignore_index=True)
    res = compute(frames, "suspension_rate")
    acc = res.accounting[res.accounting["table"] == "suspensions"].set_index("reason")["rows"]
    assert acc.to_dict() == {
        "permanent exclusion (not counted in this measure)": 1,
        "start date outside the exclusions calendar (academic years 1950/51 to 2149/50)": 1,
        "used": 12,
    }
    assert row(res, "2024/25 spring") == (4, 5, 80.0)  # the rest unchanged
    assert not res.frame["period"].str.startswith("1948").any()


def test_accounting_and_compute_many(xt) -> None:  # type: ignore[no-untyped-def]
    many = compute_many(xt, SUSPENSION_MEASURES, level="cluster")
    for mid in SUSPENSION_MEASURES:
        one = compute(xt, mid, level="cluster")
        pd.testing.assert_frame_equal(many[mid].frame, one.frame)
        pd.testing.assert_frame_equal(many[mid].accounting, one.accounting)
    acc = many["suspension_rate"].accounting
    acc = acc[acc["table"] == "suspensions"].set_index("reason")["rows"]
    assert acc.to_dict() == {"permanent exclusion (not counted in this measure)": 1, "used": 12}
    # cluster C2 (100004-100007): the same numerators; January 2025 headcount of C2 is 11
    assert row(many["suspension_rate"], "2024/25 spring", unit="C2") == (4, 11, approx(400 / 11))


# ------------------------------------------------------------------------ options and text


def test_option_is_validated_in_one_place() -> None:
    with pytest.raises(OptionError, match=r"exclusion_calendar must be one of.*'dfe_exclusions'"
                                          r".*'standard'.*got 'dfe'"):
        MeasureOptions(exclusion_calendar="dfe")  # type: ignore[arg-type]


def test_calendar_is_printed_with_every_output(xt) -> None:  # type: ignore[no-untyped-def]
    dfe = compute(xt, "suspension_rate")
    text = dfe.describe()
    assert "period: school term on DfE's exclusions calendar (autumn 1 Aug-31 Dec, spring " \
           "1 Jan-Easter Sunday, summer Easter Monday-31 Jul)" in text
    assert "suspension and exclusion terms = dfe_exclusions" in text
    annual = compute(xt, "permanent_exclusion_rate", period="academic_year")
    assert "academic year on DfE's exclusions calendar (1 August to 31 July" in annual.describe()
    std = compute(xt, "suspension_rate", options=STANDARD)
    assert "period: school term (autumn 1 Sep-31 Dec, spring 1 Jan-31 Mar" in std.describe()
    assert "suspension and exclusion terms = standard" in std.describe()
    # other measures keep the standard calendar whatever the option
    absence = compute(xt, "absence_overall_pct")
    assert "period: school term (autumn 1 Sep-31 Dec" in absence.describe()


def test_definitions_cite_the_dfe_rule() -> None:
    for mid in SUSPENSION_MEASURES:
        m = get_measure(mid)
        assert m.exclusion_terms
        assert "spring 1 Jan-Easter Sunday, summer Easter Monday-31 Jul" in m.numerator
        assert "section 4.1" in m.official_definition
        assert any("Easter Sunday" in note and "exclusion_calendar='standard'" in note
                   for note in m.notes)
    assert not get_measure("absence_overall_pct").exclusion_terms


def test_rollout_timing_keeps_the_standard_calendar(xt) -> None:  # type: ignore[no-untyped-def]
    from eah_eval.measures import first_treated_period, rollout_panel

    panel = rollout_panel(xt, "suspension_rate")
    # C2 goes live 15 January 2025 (mid spring): next full term = summer 2024/25 on both
    # calendars; C1 on 1 September 2024 = autumn 2024/25 (not spring, as an autumn starting
    # 1 August would make it)
    first = panel.groupby("cluster")["first_treated"].first()
    assert first["C1"] == term_index("2024/25", "autumn")
    assert first["C2"] == term_index("2024/25", "summer")
    assert first_treated_period(dt.date(2024, 9, 1), "term") == term_index("2024/25", "autumn")
    assert "suspension and exclusion terms = dfe_exclusions" in panel.attrs["options"]
