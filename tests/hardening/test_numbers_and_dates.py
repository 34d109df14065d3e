"""Item 2: out-of-range numbers, blank trailing lines, invalid keys, dates and closures."""

from __future__ import annotations

import numpy as np
import pytest
from council_fixture import valid_frames, write_frames
from hardening_fixture import typed_frames, write_parquet

from eah_eval.data.load import Council, load_council, validate_council
from eah_eval.errors import DataValidationError


def _problems(tmp_path, change):
    frames = valid_frames()
    change(frames)
    return validate_council(write_frames(tmp_path / "d", frames)).problems


def test_integer_beyond_int64_is_refused_not_wrapped(tmp_path):
    def change(frames):
        frames["clusters"].loc[0, "rollout_wave"] = "9223372036854775808"

    (p,) = _problems(tmp_path, change)
    assert str(p).endswith("clusters.csv, row 1, column 'rollout_wave': out_of_range: expected a "
                           "whole number from -9223372036854775808 to 9223372036854775807; "
                           "found '9223372036854775808'".split("clusters.csv")[1])


def test_largest_int64_is_kept_exactly(tmp_path):
    frames = valid_frames()
    frames["clusters"].loc[1, "rollout_wave"] = "9223372036854775807"
    council = load_council(write_frames(tmp_path / "d", frames))
    assert council.tables["clusters"]["rollout_wave"].iloc[1] == 2**63 - 1


def test_float_1e20_in_an_integer_column_of_a_parquet_file_is_refused(tmp_path):
    frames = typed_frames()
    frames["clusters"]["rollout_wave"] = frames["clusters"]["rollout_wave"].astype(float)
    frames["clusters"].loc[0, "rollout_wave"] = 1e20
    with pytest.raises(DataValidationError, match=r"clusters\.parquet, row 1, column "
                                                  r"'rollout_wave': out_of_range: expected a "
                                                  r"whole number from"):
        load_council(write_parquet(tmp_path / "pq", frames))


def test_infinite_number_in_a_frame_is_refused_not_blanked():
    frames = typed_frames()
    frames["finance"].loc[0, "amount_gbp"] = np.inf
    with pytest.raises(DataValidationError, match=r"finance\.csv, row 1, column 'amount_gbp': "
                                                  r"bad_type: expected a number \(e\.g\. 1\.5\); "
                                                  r"found 'inf'"):
        Council.from_frames(frames)


def test_number_too_large_to_be_finite_is_refused(tmp_path):
    def change(frames):
        frames["finance"].loc[1, "amount_gbp"] = "1e400"

    (p,) = _problems(tmp_path, change)
    assert (p.row, p.column, p.kind, p.expected, p.found) == (
        2, "amount_gbp", "out_of_range", "a finite number", "'1e400'")


def test_blank_trailing_lines_are_not_rows(tmp_path):
    directory = write_frames(tmp_path / "d", valid_frames())
    with open(directory / "attendance.csv", "a", encoding="utf-8") as fh:
        fh.write("\n\n  \n\n")
    report = validate_council(directory)
    assert report.ok, str(report)
    assert report.accounting.set_index("table").loc["attendance", "rows_read"] == 5


def test_two_invalid_keys_are_not_duplicates_of_each_other(tmp_path):
    def change(frames):
        frames["schools"].loc[2, "urn"] = "ABC"
        frames["schools"].loc[3, "urn"] = "XYZ"

    problems = _problems(tmp_path, change)
    assert {p.kind for p in problems if p.table == "schools"} == {"bad_pattern"}
    assert not [p for p in problems if p.kind == "duplicate_key"]


def test_date_decades_ahead_is_outside_the_data_window(tmp_path):
    def change(frames):
        frames["eah_activity"].loc[0, "activity_date"] = "2093-09-20"

    (p,) = _problems(tmp_path, change)
    assert (p.row, p.column, p.kind, p.found) == (1, "activity_date", "outside_data_window",
                                                  "2093-09-20")
    assert p.expected.startswith("a date from 1990-01-01 to ")
    assert p.expected.endswith("(at most 5 years after the day of validation)")


def test_record_dated_before_1990_is_outside_the_data_window(tmp_path):
    def change(frames):
        frames["suspensions"].loc[0, "start_date"] = "1924-02-05"

    (p,) = _problems(tmp_path, change)
    assert (p.column, p.kind, p.found) == ("start_date", "outside_data_window", "1924-02-05")


def test_date_beyond_what_a_timestamp_holds_is_out_of_range(tmp_path):
    def change(frames):
        frames["suspensions"].loc[0, "start_date"] = "1024-02-05"

    (p,) = _problems(tmp_path, change)
    assert (p.column, p.kind, p.expected, p.found) == (
        "start_date", "out_of_range", "a date from 1677-09-22 to 2262-04-11", "'1024-02-05'")


def test_old_school_opening_date_is_plausible(tmp_path):
    def change(frames):
        frames["schools"].loc[3, "open_date"] = "1872-09-01"

    assert _problems(tmp_path, change) == ()


def test_record_after_closure_is_kept_with_a_note(tmp_path):
    frames = valid_frames()
    frames["eah_activity"].loc[0, "urn"] = "100001"  # closed 2023-08-31; activity 2023-09-20
    directory = write_frames(tmp_path / "d", frames)
    report = validate_council(directory)
    assert report.ok
    note = ("eah_activity.csv: 1 row(s) kept with warning after_closure (expected activity_date "
            "on or before the school's close_date; first at row 1: activity_date 2023-09-20 is "
            "after URN 100001's close_date 2023-08-31)")
    assert note in report.notes
    council = load_council(directory)
    assert note in council.notes and len(council.tables["eah_activity"]) == 3


def test_attendance_year_after_closure_is_noted(tmp_path):
    frames = valid_frames()
    frames["attendance"].loc[0, "urn"] = "100001"  # closed 2023-08-31; year 2023/24
    notes = validate_council(write_frames(tmp_path / "d", frames)).notes
    assert any("attendance.csv: 1 row(s) kept with warning after_closure" in n
               and "the start of academic year 2023-09-01 is after URN 100001's close_date"
               in n for n in notes)
