"""Every measure against values computed by hand from the fixture in conftest.py.

Each expected number is worked out in the comment beside it from the fixture rows, following
the DfE definition the measure cites. Edge cases covered: zero denominators (NaN, not an
error), a pupil who moves school mid-year, a URN change mid-panel (100002 -> 100003), a school
that closes (100006, 31 March 2025), records excluded with reasons.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from eah_eval.errors import OptionError
from eah_eval.measures import MeasureOptions, compute


def row(res, unit: str, period: str, group: str = "all") -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    f = res.frame
    sel = f[(f["unit"] == unit) & (f["period"] == period) & (f["group"] == group)]
    assert len(sel) == 1, f"expected one row for {unit} {period} {group}; got\n{f}"
    r = sel.iloc[0]
    return float(r["numerator"]), float(r["denominator"]), float(r["value"])


def approx(x: float) -> object:
    return pytest.approx(x, rel=1e-12, abs=1e-12)


def has_row(res, unit: str, period: str) -> bool:  # type: ignore[no-untyped-def]
    f = res.frame
    return bool(((f["unit"] == unit) & (f["period"] == period)).any())


# ------------------------------------------------------------------------ census measures


def test_sen_support_pct(tables) -> None:  # type: ignore[no-untyped-def]
    school = compute(tables, "sen_support_pct", level="school")
    # 100003 in 2023/24 is Beta Primary's census under its successor URN: P05 K of 3
    assert row(school, "100003", "2023/24") == (1, 3, approx(100 / 3))
    assert row(school, "100003", "2024/25") == (0, 3, 0.0)
    assert not (school.frame["unit"] == "100002").any()  # the old URN never appears
    # 100001 Jan 2025: P01 K, P04 K of 5 pupils
    assert row(school, "100001", "2024/25") == (2, 5, 40.0)
    cluster = compute(tables, "sen_support_pct", level="cluster")
    assert row(cluster, "C1", "2023/24") == (2, 7, approx(200 / 7))  # P01, P05 of 4 + 3
    assert row(cluster, "C2", "2024/25") == (3, 11, approx(300 / 11))  # P09, P17, P15
    la = compute(tables, "sen_support_pct", level="la")
    assert row(la, "839", "2024/25") == (5, 19, approx(500 / 19))
    # the October census record is excluded with its reason
    acc = la.accounting.set_index("reason")["rows"]
    assert acc["not a January census"] == 1 and acc["used"] == 34


def test_sen_support_calendar_year_uses_january_of_that_year(tables) -> None:  # type: ignore[no-untyped-def]
    la = compute(tables, "sen_support_pct", level="la", period="calendar_year")
    assert row(la, "839", "2025") == (5, 19, approx(500 / 19))
    assert row(la, "839", "2024") == (4, 15, approx(400 / 15))


def test_ehc_plan_pct(tables) -> None:  # type: ignore[no-untyped-def]
    la = compute(tables, "ehc_plan_pct", level="la")
    assert row(la, "839", "2023/24") == (4, 15, approx(400 / 15))  # P03 P08 P12 P13
    assert row(la, "839", "2024/25") == (7, 19, approx(700 / 19))  # + P05 P18 P19
    wave = compute(tables, "ehc_plan_pct", level="wave")
    assert row(wave, "2", "2024/25") == (5, 11, approx(500 / 11))


def test_special_placements(tables) -> None:  # type: ignore[no-untyped-def]
    c = compute(tables, "ehc_special_placement_pct", level="cluster")
    assert row(c, "C2", "2024/25") == (4, 5, 80.0)  # P12 P13 P18 (la_special), P19 (indep.)
    assert row(c, "C1", "2024/25") == (0, 2, 0.0)  # P03, P05 in mainstream
    la = compute(tables, "ehc_special_placement_pct", level="la")
    assert row(la, "839", "2023/24") == (2, 4, 50.0)
    ind = compute(tables, "ehc_independent_special_placement_pct", level="la")
    assert row(ind, "839", "2024/25") == (1, 7, approx(100 / 7))
    with pytest.raises(OptionError, match="level 'cluster', 'wave', 'la' only; got 'school'"):
        compute(tables, "ehc_special_placement_pct", level="school")


# ------------------------------------------------------------------------ EHC requests


def test_ehc_requests_per_1000(tables) -> None:  # type: ignore[no-untyped-def]
    s = compute(tables, "ehc_requests_per_1000", level="school")
    # R3, R4 at 100004 in 2024; January 2024 headcount 4
    assert row(s, "100004", "2024") == (2, 4, 500.0)
    # R2 was made at the predecessor URN 100002: counted for 100003
    assert row(s, "100003", "2024") == (1, 3, approx(1000 / 3))
    assert row(s, "100001", "2024") == (0, 4, 0.0)
    # R1 in 2023: no January 2023 census, so a zero denominator gives NaN, not an error
    num, den, val = row(s, "100001", "2023")
    assert (num, den) == (1, 0) and math.isnan(val)
    la = compute(tables, "ehc_requests_per_1000", level="la")
    assert row(la, "839", "2024") == (4, 15, approx(4000 / 15))
    assert row(la, "839", "2025") == (1, 19, approx(1000 / 19))


def test_ehc_new_plans_per_1000(tables) -> None:  # type: ignore[no-untyped-def]
    la = compute(tables, "ehc_new_plans_per_1000", level="la")
    # plans issued in 2024: R1 (Mar), R3 (Jun), R6 (Sep), R2 (Oct)
    assert row(la, "839", "2024") == (4, 15, approx(4000 / 15))
    assert row(la, "839", "2025") == (0, 19, 0.0)
    s = compute(tables, "ehc_new_plans_per_1000", level="school", period="academic_year")
    # academic year 2023/24: R1 (Mar 2024) at 100001, January 2024 headcount 4
    assert row(s, "100001", "2023/24") == (1, 4, 250.0)


def test_ehc_decided_within_6_weeks(tables) -> None:  # type: ignore[no-untyped-def]
    la = compute(tables, "ehc_decided_within_6wk_pct", level="la")
    assert row(la, "839", "2023") == (1, 1, 100.0)  # R1 35 days
    # 2024 decisions: R2 50 days, R3 exactly 42 (within), R4 35, R6 60; R5 pending excluded
    assert row(la, "839", "2024") == (2, 4, 50.0)
    acc = la.accounting.set_index("reason")["rows"]
    assert acc["no decision (pending or withdrawn)"] == 1


def test_ehc_20_week_timeliness(tables) -> None:  # type: ignore[no-untyped-def]
    inc = compute(tables, "ehc_20wk_incl_exceptions_pct", level="la")
    # plans issued 2024: R1 130 days, R3 exactly 140 (within), R2 153, R6 213
    assert row(inc, "839", "2024") == (2, 4, 50.0)
    exc = compute(tables, "ehc_20wk_excl_exceptions_pct", level="la")
    # R2 has an exception: removed from both sides
    assert row(exc, "839", "2024") == (2, 3, approx(200 / 3))
    with pytest.raises(OptionError, match=r"level 'la' only; got 'cluster'"):
        compute(tables, "ehc_20wk_incl_exceptions_pct", level="cluster")


# ------------------------------------------------------------------------ absence


def test_overall_absence_termly(tables) -> None:  # type: ignore[no-untyped-def]
    s = compute(tables, "absence_overall_pct", level="school")
    # autumn 2024/25 at 100001: P01 10 of 100, P02 0 of 100; P03 (age 4) and P04 (zero
    # possible sessions) excluded
    assert row(s, "100001", "2024/25 autumn") == (10, 200, 5.0)
    # the mover P06: 60 of 100 at 100003 in autumn, 4 of 80 at 100001 in summer
    assert row(s, "100003", "2024/25 autumn") == (60, 100, 60.0)
    assert row(s, "100001", "2024/25 summer") == (4, 80, 5.0)
    # predecessor URN's record (100002, summer 2023/24) counted for 100003
    assert row(s, "100003", "2023/24 summer") == (12, 120, 10.0)
    # 100006 closed on 31 March 2025: no summer row
    assert not has_row(s, "100006", "2024/25 summer")
    la = compute(tables, "absence_overall_pct", level="la")
    assert row(la, "839", "2024/25 autumn") == (133, 540, approx(13300 / 540))
    acc = la.accounting.set_index("reason")["rows"]
    assert acc["age outside 5-15"] == 1 and acc["zero possible sessions"] == 1


def test_overall_absence_academic_year(tables) -> None:  # type: ignore[no-untyped-def]
    la = compute(tables, "absence_overall_pct", level="la", period="academic_year")
    # 2024/25: (10+2+0+60+4+14+0+49+50) / (200+100+100+80+140+120+100+100)
    assert row(la, "839", "2024/25") == (189, 940, approx(18900 / 940))


def test_persistent_and_severe_absence_termly(tables) -> None:  # type: ignore[no-untyped-def]
    pa = compute(tables, "absence_persistent_pct", level="school")
    assert row(pa, "100001", "2024/25 autumn") == (1, 2, 50.0)  # P01 exactly 10%
    assert row(pa, "100004", "2024/25 autumn") == (1, 1, 100.0)  # P10 14/140 = 10%
    assert row(pa, "100006", "2024/25 spring") == (1, 1, 100.0)
    sa = compute(tables, "absence_severe_pct", level="school")
    assert row(sa, "100006", "2024/25 autumn") == (0, 1, 0.0)  # 49%
    assert row(sa, "100006", "2024/25 spring") == (1, 1, 100.0)  # exactly 50%
    la = compute(tables, "absence_persistent_pct", level="la")
    assert row(la, "839", "2024/25 autumn") == (4, 5, 80.0)  # P01 P06 P10 P14 of 5


def test_persistent_absence_academic_year_is_enrolment_based(tables) -> None:  # type: ignore[no-untyped-def]
    pa = compute(tables, "absence_persistent_pct", level="la", period="academic_year")
    # enrolments 2024/25: P01@100001 12/200, P02@100001 0/100, P06@100001 4/80,
    # P06@100003 60/100, P10@100004 14/260, P14@100006 99/200 -> P06@100003 and P14 persist
    assert row(pa, "839", "2024/25") == (2, 6, approx(200 / 6))
    sa = compute(tables, "absence_severe_pct", level="la", period="academic_year")
    assert row(sa, "839", "2024/25") == (1, 6, approx(100 / 6))  # P06@100003 (60%)
    s = compute(tables, "absence_persistent_pct", level="school", period="academic_year")
    assert row(s, "100001", "2024/25") == (0, 3, 0.0)  # the mover is one of 3 enrolments


def test_absence_cumulative_basis(tables) -> None:  # type: ignore[no-untyped-def]
    opts = MeasureOptions(absence_basis="cumulative")
    o = compute(tables, "absence_overall_pct", level="school", options=opts)
    # 100001 year to date at spring: P01 12 of 200 and P02 0 of 100
    assert row(o, "100001", "2024/25 spring") == (12, 300, 4.0)
    assert row(o, "100001", "2024/25 summer") == (16, 380, approx(1600 / 380))
    p = compute(tables, "absence_persistent_pct", level="school", options=opts)
    assert row(p, "100006", "2024/25 spring") == (1, 1, 100.0)  # 99 of 200
    s = compute(tables, "absence_severe_pct", level="school", options=opts)
    assert row(s, "100006", "2024/25 spring") == (0, 1, 0.0)  # 49.5%, not severe
    # the closed school carries no cumulative summer row beyond its last data? it does:
    # cumulative summer = its autumn + spring sessions (the enrolment existed that year)
    assert row(o, "100006", "2024/25 summer") == (99, 200, 49.5)


# ------------------------------------------------------------------------ suspensions


def test_suspension_rates_termly(tables) -> None:  # type: ignore[no-untyped-def]
    s = compute(tables, "suspension_rate", level="school")
    # S1, S2 in autumn at 100004; January 2025 headcount 5
    assert row(s, "100004", "2024/25 autumn") == (2, 5, 40.0)
    assert row(s, "100004", "2024/25 summer") == (0, 5, 0.0)
    # the mover P06 suspended at 100001 in summer: counts for 100001 (headcount 5)
    assert row(s, "100001", "2024/25 summer") == (1, 5, 20.0)
    # S6 at the predecessor URN in spring 2023/24, headcount of Beta Primary's census (3)
    assert row(s, "100003", "2023/24 spring") == (1, 3, approx(100 / 3))
    # S7 at 100007 before it had a census: zero denominator -> NaN
    num, den, val = row(s, "100007", "2023/24 autumn")
    assert (num, den) == (1, 0) and math.isnan(val)
    one = compute(tables, "suspension_one_plus_rate", level="school")
    assert row(one, "100004", "2024/25 autumn") == (1, 5, 20.0)  # P09 twice = 1 pupil


def test_suspension_rates_annual(tables) -> None:  # type: ignore[no-untyped-def]
    s = compute(tables, "suspension_rate", level="la", period="academic_year")
    assert row(s, "839", "2024/25") == (4, 19, approx(400 / 19))  # S1 S2 S3 S5
    one = compute(tables, "suspension_one_plus_rate", level="la", period="academic_year")
    assert row(one, "839", "2024/25") == (3, 19, approx(300 / 19))  # P09 P10 P06
    pex = compute(tables, "permanent_exclusion_rate", level="school", period="academic_year")
    assert row(pex, "100004", "2024/25") == (1, 5, 20.0)  # S4
    assert row(pex, "100001", "2024/25") == (0, 5, 0.0)


# ------------------------------------------------------------------------ attainment


def test_ks2(tables) -> None:  # type: ignore[no-untyped-def]
    s = compute(tables, "ks2_rwm_expected_pct", level="school")
    assert row(s, "100001", "2023/24") == (3, 4, 75.0)  # P01 P03 P20 met; P02 not
    la = compute(tables, "ks2_rwm_expected_pct", level="la")
    assert row(la, "839", "2023/24") == (4, 6, approx(400 / 6))  # 2020/21 row excluded
    sen = compute(tables, "ks2_rwm_expected_sen_pct", level="la")
    assert row(sen, "839", "2023/24") == (3, 4, 75.0)  # P01 P03 P15 met, P05 not
    by = compute(tables, "ks2_rwm_expected_pct", level="la", by="sen_provision")
    assert row(by, "839", "2023/24", "K") == (2, 3, approx(200 / 3))
    assert row(by, "839", "2023/24", "E") == (1, 1, 100.0)
    assert row(by, "839", "2023/24", "N") == (0, 1, 0.0)
    assert row(by, "839", "2023/24", "unknown") == (1, 1, 100.0)  # P20: no census record


# ------------------------------------------------------------------------ EaH process


def test_requests_per_school(tables) -> None:  # type: ignore[no-untyped-def]
    la = compute(tables, "eah_requests_per_school", level="la", period="academic_year")
    # 2023/24: Q6 (at 100002 -> 100003); mainstream schools open: 100001, 100002/100003
    # (one school), 100004, 100006 -> 4
    assert row(la, "839", "2023/24") == (1, 4, 0.25)
    # 2024/25: Q1 Q2 Q3 Q4 Q7 (Q5 at the special school excluded) over the same 4 schools
    assert row(la, "839", "2024/25") == (5, 4, 1.25)
    t = compute(tables, "eah_requests_per_school", level="la")
    assert row(t, "839", "2024/25 autumn") == (3, 4, 0.75)  # Q1 Q2 Q3; Q5 (special) excluded
    assert row(t, "839", "2024/25 summer") == (1, 3, approx(1 / 3))  # 100006 closed
    s = compute(tables, "eah_requests_per_school", level="school")
    assert row(s, "100006", "2024/25 spring") == (0, 1, 0.0)
    assert not has_row(s, "100006", "2024/25 summer")


def test_median_days(tables) -> None:  # type: ignore[no-untyped-def]
    tri = compute(tables, "eah_median_days_to_triage", level="la", period="academic_year")
    # 2024/25 triaged: Q1 2, Q2 4, Q3 1, Q5 7, Q7 2 -> median 2 of 5; Q4 not yet triaged
    n, den, val = row(tri, "839", "2024/25")
    assert math.isnan(n) and den == 5 and val == 2.0
    s = compute(tables, "eah_median_days_to_triage", level="school", period="academic_year")
    assert row(s, "100001", "2024/25")[1:] == (2, 3.0)  # 2 and 4: mean of the middle two
    sup = compute(tables, "eah_median_days_to_first_support", level="la", period="academic_year")
    assert row(sup, "839", "2024/25")[1:] == (3, 17.0)  # Q1 10, Q2 30, Q5 17


def test_met_without_escalation(tables) -> None:  # type: ignore[no-untyped-def]
    la = compute(tables, "eah_met_without_escalation_pct", level="la", period="academic_year")
    assert row(la, "839", "2024/25") == (2, 3, approx(200 / 3))  # Q1 Q5 of Q1 Q2 Q5
    assert row(la, "839", "2023/24") == (1, 1, 100.0)  # Q6


def test_expert_days(tables) -> None:  # type: ignore[no-untyped-def]
    la = compute(tables, "eah_expert_days_per_school", level="la")
    # 2024/25: A1 A2 A3 A5 (6.5 h each) + A6 3.25 h = 29.25 h = 4.5 days over 4 schools;
    # A4 (statutory) and A7 (special school) excluded
    assert row(la, "839", "2024/25") == (4.5, 4, 1.125)
    s = compute(tables, "eah_expert_days_per_school", level="school")
    assert row(s, "100001", "2024/25") == (3, 1, 3.0)
    six = compute(
        tables, "eah_expert_days_per_school", level="school",
        options=MeasureOptions(hours_per_day=6.0),
    )
    assert row(six, "100001", "2024/25") == (3.25, 1, 3.25)
    y = compute(tables, "eah_expert_days_vs_yardstick_pct", level="la")
    # yardstick 2024/25: 100001, 100003, 100006 primary (40 each) + 100004 secondary (160)
    assert row(y, "839", "2024/25") == (4.5, 280, approx(450 / 280))
    ys = compute(tables, "eah_expert_days_vs_yardstick_pct", level="school")
    assert row(ys, "100004", "2024/25") == (1.5, 160, approx(150 / 160))
    with pytest.raises(OptionError, match="by period 'academic_year', 'financial_year' only"):
        compute(tables, "eah_expert_days_vs_yardstick_pct", period="term")


def test_fte_in_post(tables) -> None:  # type: ignore[no-untyped-def]
    c = compute(tables, "eah_fte_in_post_pct", level="cluster", period="academic_year")
    assert row(c, "C1", "2024/25") == (3, 4, 75.0)
    assert row(c, "C2", "2024/25") == (0.5, 2, 25.0)
    la = compute(tables, "eah_fte_in_post_pct", level="la")
    assert row(la, "839", "2024/25 autumn") == (3.5, 5, 70.0)


def test_cost_per_expert_day(tables) -> None:  # type: ignore[no-untyped-def]
    c = compute(tables, "eah_cost_per_expert_day", level="cluster")
    # FY 2024-25, C1: 2000 + 500 over A8 A1 A2 A3 = 4 days
    assert row(c, "C1", "2024-25") == (2500, 4, 625.0)
    # C2: 1500 - 250 (refund); statutory 9999 excluded; A5 A6 A7 = 2.5 days (A4 excluded)
    assert row(c, "C2", "2024-25") == (1250, 2.5, 500.0)
    la = compute(tables, "eah_cost_per_expert_day", level="la")
    # central management 1300 counts at LA level
    assert row(la, "839", "2024-25") == (5050, 6.5, approx(5050 / 6.5))


# ------------------------------------------------------------------------ frame and options


def test_frame_shape_and_metadata(tables) -> None:  # type: ignore[no-untyped-def]
    res = compute(tables, "absence_overall_pct", level="cluster", by="fsm")
    assert list(res.frame.columns) == [
        "measure_id", "unit_level", "unit", "period", "period_index", "group_by", "group",
        "numerator", "denominator", "value",
    ]
    assert set(res.frame["group_by"]) == {"fsm"}
    assert res.urn_changes == 1
    assert "splits are not chained" in res.lineage_rule
    assert "canonical URNs" in res.lineage_rule
    assert "rows read" in res.describe()
    # period_index is the consecutive term index
    idx = res.frame.loc[res.frame["period"] == "2024/25 autumn", "period_index"].unique()
    assert list(idx) == [3 * 2024]


def test_lineage_rule_none_keeps_old_urn(frames) -> None:  # type: ignore[no-untyped-def]
    res = compute(frames, "sen_support_pct", options=MeasureOptions(lineage_rule="none"))
    assert row(res, "100002", "2023/24") == (1, 3, approx(100 / 3))
    assert res.urn_changes == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"level": "region"}, "level must be one of 'school', 'cluster', 'wave', 'la'; got"),
        ({"period": "month"}, "period must be one of 'term'"),
        ({"period": "calendar_year"}, "by period 'term', 'academic_year' only"),
        ({"by": "sen"}, "by must be one of 'sen_provision'"),
    ],
)
def test_bad_options_name_allowed_values(tables, kwargs, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(OptionError, match=message):
        compute(tables, "absence_overall_pct", **kwargs)


def test_unknown_measure_and_group(tables) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(OptionError, match="unknown measure 'nope'; known measures: sen_supp"):
        compute(tables, "nope")
    with pytest.raises(OptionError, match="broken down by 'phase' only; got 'fsm'"):
        compute(tables, "eah_requests_per_school", by="fsm")
    with pytest.raises(OptionError, match="broken down by none only"):
        compute(tables, "eah_fte_in_post_pct", level="la", by="phase")


def test_options_validated() -> None:
    with pytest.raises(OptionError, match="hours_per_day must be more than 0"):
        MeasureOptions(hours_per_day=0)
    with pytest.raises(OptionError, match="absence_basis must be one of 'termly', 'cumulative'"):
        MeasureOptions(absence_basis="weekly")  # type: ignore[arg-type]


def test_accepts_council_and_plain_dict(frames) -> None:  # type: ignore[no-untyped-def]
    from eah_eval.data.load import Council

    council = Council.from_frames(frames)
    a = compute(council, "ehc_plan_pct", level="la").frame
    b = compute(frames, "ehc_plan_pct", level="la").frame
    pd.testing.assert_frame_equal(a, b)


def test_missing_table_is_named(frames) -> None:  # type: ignore[no-untyped-def]
    from eah_eval.measures.engine import MissingTableError

    partial = {k: v for k, v in frames.items() if k != "attendance"}
    with pytest.raises(MissingTableError, match="needs the input table 'attendance'"):
        compute(partial, "absence_overall_pct")


def test_termly_enrolment_across_a_urn_change(frames) -> None:  # type: ignore[no-untyped-def]
    # P05 has a summer 2023/24 record at the predecessor 100002 (12 of 120) and, added here,
    # one at its successor 100003 in the same term (0 of 10): one enrolment at the canonical
    # school, 12 of 130 = 9.2%, so not a persistent absentee (two records alone would give
    # one of two)
    extra = pd.DataFrame(
        [("P05", "100003", "2023/24", "summer", 8, 10, 0, 0)],
        columns=frames["attendance"].columns,
    )
    changed = dict(frames, attendance=pd.concat([frames["attendance"], extra], ignore_index=True))
    pa = compute(changed, "absence_persistent_pct", level="school")
    assert row(pa, "100003", "2023/24 summer") == (0, 1, 0.0)
    o = compute(changed, "absence_overall_pct", level="school")
    assert row(o, "100003", "2023/24 summer") == (12, 130, approx(1200 / 130))


def test_compute_many_equals_compute_for_every_measure(tables) -> None:  # type: ignore[no-untyped-def]
    from eah_eval.measures import REGISTRY, compute_many

    for level in ("school", "cluster", "la"):
        ids = [mid for mid, m in REGISTRY.items() if level in m.levels]
        many = compute_many(tables, ids, level=level)
        assert list(many) == ids
        for mid in ids:
            one = compute(tables, mid, level=level)
            pd.testing.assert_frame_equal(many[mid].frame, one.frame)
            pd.testing.assert_frame_equal(many[mid].accounting, one.accounting)
    with pytest.raises(OptionError, match="level 'cluster', 'wave', 'la' only; got 'school'"):
        compute_many(tables, ["sen_support_pct", "ehc_special_placement_pct"], level="school")
    with pytest.raises(OptionError, match="at least one measure"):
        compute_many(tables, [])
