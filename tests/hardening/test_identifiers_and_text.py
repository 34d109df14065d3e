"""Identifiers and unbounded text: UPNs never pass or print; long values never break the reader."""

from __future__ import annotations

import pytest
from council_fixture import valid_frames, write_frames

from eah_eval.data.load import load_council, validate_council, validate_frames
from eah_eval.errors import DataValidationError

UPN = "J801200300000"  # the shape and check letter of a real Unique Pupil Number
KEY = b"k" * 32


def test_upn_in_a_record_id_column_is_refused_without_the_value(tmp_path):
    frames = valid_frames()
    frames["suspensions"].loc[0, "exclusion_id"] = UPN
    with pytest.raises(DataValidationError, match=r"suspensions\.csv, column 'exclusion_id': "
                                                  r"real_upn: expected no Unique Pupil Numbers "
                                                  r"outside the pupil identifier columns") as info:
        load_council(write_frames(tmp_path / "d", frames))
    assert UPN not in str(info.value)


def test_upn_in_a_record_id_is_refused_under_pseudonymise_too(tmp_path):
    frames = valid_frames()
    frames["ehc_requests"].loc[1, "request_id"] = UPN
    report = validate_council(write_frames(tmp_path / "d", frames), upn_policy="pseudonymise",
                              upn_key=KEY)
    assert [(p.column, p.kind) for p in report.problems] == [("request_id", "real_upn")]


def test_duplicate_key_message_never_prints_a_upn():
    frames = valid_frames()
    frames["suspensions"].loc[:, "exclusion_id"] = UPN
    problems = validate_frames(frames).problems
    assert [p.kind for p in problems] == ["real_upn", "duplicate_key"]
    assert problems[1].found == ("same key (exclusion_id=a value with the shape of a Unique "
                                 "Pupil Number (not shown)) as row 1")
    assert all(UPN not in str(p) for p in problems)


def test_malformed_pupil_id_is_caught_before_pseudonymising(tmp_path):
    frames = valid_frames()
    frames["pupil_census"].loc[2, "pupil_id"] = "P 003;DROP"
    report = validate_council(write_frames(tmp_path / "d", frames), upn_policy="pseudonymise",
                              upn_key=KEY)
    (p,) = report.problems
    assert str(p).endswith("pupil_census.csv, row 3, column 'pupil_id': bad_pattern: expected "
                           "text matching ^[A-Za-z0-9_-]{1,64}$; found a pupil identifier of 10 "
                           "characters (value not shown)".split("pupil_census.csv")[1])


def test_pseudonymised_ids_are_still_hashed_and_linked(tmp_path):
    council = load_council(write_frames(tmp_path / "d", valid_frames()),
                           upn_policy="pseudonymise", upn_key=KEY)
    census = set(council.tables["pupil_census"]["pupil_id"])
    assert all(len(v) == 64 for v in census)
    assert set(council.tables["attendance"]["pupil_id"]) <= census


def test_long_header_is_one_problem_not_a_traceback(tmp_path):
    d = write_frames(tmp_path / "d", valid_frames())
    (d / "finance.csv").write_text("x" * 200_000 + "\n1\n")
    report = validate_council(d)
    (p,) = report.problems
    assert str(p).endswith("finance.csv: unreadable_file: expected a header row of at most "
                           "100,000 characters; found a first line of 200,000 bytes")


def test_long_column_name_is_cut_in_the_message(tmp_path):
    frames = valid_frames()
    frames["finance"]["n" * 5000] = ""
    report = validate_council(write_frames(tmp_path / "d", frames))
    (p,) = report.problems
    assert p.kind == "unknown_column"
    assert p.found == f"column {'n' * 37 + '...'!r} (5,000 characters)"


def test_five_megabyte_field_is_read_and_reported_by_length(tmp_path):
    frames = valid_frames()
    frames["schools"].loc[0, "name"] = "N" * 5_000_000
    frames["schools"].loc[1, "la_code"] = "Z" * 5_000_000
    report = validate_council(write_frames(tmp_path / "d", frames))
    assert report.accounting.set_index("table").loc["schools", "rows_read"] == 4
    (p,) = [p for p in report.problems if p.table == "schools"]
    assert p.found == f"{'Z' * 37 + '...'!r} (5,000,000 characters)"
    assert len(str(p)) < 300


def test_escape_characters_in_column_names_are_shown_escaped(tmp_path):
    frames = valid_frames()
    frames["finance"]["\x1b[31mred"] = ""
    (p,) = validate_council(write_frames(tmp_path / "d", frames)).problems
    assert "\x1b" not in str(p)
    assert p.found == "column '\\x1b[31mred'"
    assert p.column == "\\x1b[31mred"
