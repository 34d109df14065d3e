"""Loader API: accounting, exclusion mode, from_frames, fingerprint, UPN policy."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from council_fixture import valid_frames, write_frames

from eah_eval.data.load import Council, load_council, validate_council, validate_frames
from eah_eval.data.pseudonymise import (
    is_upn,
    looks_like_upn,
    normalise_key,
    pseudonymise,
    upn_check_letter,
)
from eah_eval.data.schema import TABLES, field_names
from eah_eval.errors import DataQualityWarning, DataValidationError, OptionError

KEY = b"k" * 32


def _make_upn(body: str) -> str:
    return upn_check_letter(body) + body


# ---------------------------------------------------------------- types and accounting


def test_loaded_tables_have_schema_columns_and_types(council_dir):
    council = load_council(council_dir)
    assert tuple(council.tables) == TABLES
    for table in TABLES:
        assert tuple(council.tables[table].columns) == field_names(table)
    census = council.tables["pupil_census"]
    assert census["age"].dtype == np.int64
    assert census["fsm"].dtype == bool
    assert str(census["census_date"].dtype) == "datetime64[ns]"
    assert census["primary_need"].isna().sum() == 2
    assert council.tables["suspensions"]["sessions"].dtype == np.float64
    assert council.tables["finance"]["amount_gbp"].tolist() == [10250.5, 1200.0, -150.0]


def test_accounting_reports_rows_read_kept_excluded(council_dir):
    acc = load_council(council_dir).accounting.set_index("table")
    assert list(acc.columns[:5]) == ["file", "rows_read", "rows_kept", "rows_excluded", "reason"]
    assert acc.loc["pupil_census", "rows_read"] == 6
    assert (acc["rows_read"] == acc["rows_kept"]).all()
    assert (acc["rows_excluded"] == 0).all()


def test_tables_are_read_only_mapping(council_dir):
    council = load_council(council_dir)
    with pytest.raises(TypeError):
        council.tables["schools"] = pd.DataFrame()  # type: ignore[index]


def test_bad_option_values_list_the_allowed_ones(council_dir):
    with pytest.raises(OptionError, match=r"on_problem must be one of 'error', 'exclude_rows'; "
                                          r"got 'drop'"):
        load_council(council_dir, on_problem="drop")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match=r"upn_policy must be one of 'refuse', 'pseudonymise'; "
                                          r"got 'hash'"):
        load_council(council_dir, upn_policy="hash")  # type: ignore[arg-type]


# ---------------------------------------------------------------- exclusion mode


def test_exclude_rows_drops_bad_rows_counts_them_and_cascades(broken):
    def change(frames):
        frames["schools"].loc[2, "la_code"] = "8x9"  # school 100003 excluded
        frames["pupil_census"].loc[0, "sex"] = "Q"

    directory = broken(change)
    with pytest.raises(DataValidationError):
        load_council(directory)
    with pytest.warns(DataQualityWarning, match=r"row\(s\) excluded by on_problem='exclude_rows'"):
        council = load_council(directory, on_problem="exclude_rows")
    acc = council.accounting.set_index("table")
    assert acc.loc["schools", ["rows_read", "rows_kept", "rows_excluded"]].tolist() == [4, 3, 1]
    assert "bad_pattern 1" in acc.loc["schools", "reason"]
    # P003 and P004 are at 100003 (cascade), P001 has a bad code
    assert sorted(council.tables["pupil_census"]["pupil_id"]) == ["P002", "P005", "P006"]
    assert acc.loc["pupil_census", "rows_excluded"] == 3
    cascaded = [p for p in council.excluded if p.kind == "unknown_urn"]
    assert any("its row in schools.csv was excluded" in p.found for p in cascaded)
    assert "100003" not in set(council.tables["eah_activity"]["urn"])


def test_exclude_rows_still_fails_on_file_level_problems(broken):
    def change(frames):
        frames["clusters"] = frames["clusters"].drop(columns=["rollout_wave"])

    directory = broken(change)
    report = validate_council(directory, on_problem="exclude_rows")
    assert not report.loadable
    with pytest.raises(DataValidationError, match=r"missing_column"):
        load_council(directory, on_problem="exclude_rows")


# ---------------------------------------------------------------- from_frames


def test_from_frames_text_equals_loading_files(council_dir):
    a = load_council(council_dir)
    b = Council.from_frames(valid_frames())
    for table in TABLES:
        pd.testing.assert_frame_equal(a.tables[table], b.tables[table], check_dtype=True)
    assert b.source is None


def test_from_frames_accepts_typed_frames_round_trip(council_dir):
    a = load_council(council_dir)
    b = Council.from_frames(dict(a.tables))
    for table in TABLES:
        pd.testing.assert_frame_equal(a.tables[table], b.tables[table])
    assert b.fingerprint == Council.from_frames(dict(a.tables)).fingerprint


def test_from_frames_validates_the_same_way():
    frames = valid_frames()
    frames["clusters"]["go_live_date"] = pd.to_datetime(frames["clusters"]["go_live_date"])
    frames["clusters"].loc[1, "go_live_date"] = pd.NaT
    with pytest.raises(DataValidationError, match=r"clusters\.csv, row 2, column "
                                                  r"'go_live_date': missing_value"):
        Council.from_frames(frames)
    report = validate_frames(frames)
    assert [p.kind for p in report.problems] == ["missing_value"]


def test_from_frames_float_in_integer_column():
    frames = valid_frames()
    frames["attendance"]["age"] = frames["attendance"]["age"].astype(float)
    Council.from_frames(frames)  # integral floats are fine
    frames["attendance"].loc[0, "age"] = 7.5
    with pytest.raises(DataValidationError, match=r"attendance\.csv, row 1, column 'age': "
                                                  r"bad_type: expected a whole number"):
        Council.from_frames(frames)


def test_from_frames_unknown_table_is_an_option_error():
    with pytest.raises(OptionError, match=r"unknown table\(s\) 'pupils'; tables are 'schools'"):
        Council.from_frames({"pupils": pd.DataFrame()})


def test_from_frames_missing_required_table():
    frames = valid_frames()
    del frames["pupil_census"]
    with pytest.raises(DataValidationError, match=r"missing_file: expected pupil_census\.csv"):
        Council.from_frames(frames)


# ---------------------------------------------------------------- fingerprint


def test_fingerprint_is_stable_and_changes_with_content(council_dir, tmp_path):
    a = load_council(council_dir).fingerprint
    assert a == load_council(council_dir).fingerprint
    assert len(a) == 64
    frames = valid_frames()
    frames["finance"].loc[0, "amount_gbp"] = "10250.51"
    other = write_frames(tmp_path / "other", frames)
    assert load_council(other).fingerprint != a


def test_lineage_from_council(council_dir):
    lineage = load_council(council_dir).lineage()
    assert lineage.as_dict()["100001"] == "100002"
    assert "splits are not chained" in lineage.rule


# ---------------------------------------------------------------- UPNs


def test_upn_check_letter_published_example():
    # the example used in public UPN validators: B801200005001 has check letter B
    assert upn_check_letter("801200005001") == "B"
    assert is_upn("B801200005001")
    assert not is_upn("A801200005001")


def test_upn_check_letter_by_hand():
    # weights 2..13 on characters 2..13; sum mod 23 indexes ABCDEFGHJKLMNPQRTUVWXYZ
    body = "839123422001"
    total = sum(w * int(c) for w, c in zip(range(2, 14), body, strict=True))
    assert upn_check_letter(body) == "ABCDEFGHJKLMNPQRTUVWXYZ"[total % 23]


def test_temporary_upn_final_letter_counts_by_alphabet_position():
    body = "83912342200C"  # temporary UPN: final character a letter (C = 2)
    total = sum(w * int(c) for w, c in zip(range(2, 13), body[:11], strict=True)) + 13 * 2
    assert upn_check_letter(body) == "ABCDEFGHJKLMNPQRTUVWXYZ"[total % 23]
    assert is_upn(upn_check_letter(body) + body)


def test_looks_like_upn_vectorised_matches_scalar():
    values = pd.Series(["B801200005001", "A801200005001", "P001", None, "b801200005001",
                        _make_upn("20412345600Z"), "I801200005001", "B80120000500"])
    flags = looks_like_upn(values)
    assert flags.tolist() == [True, False, False, False, True, True, False, False]


def test_bad_upn_body_is_an_option_error():
    with pytest.raises(OptionError, match=r"11 digits then a digit or a letter"):
        upn_check_letter("80120000500")


def test_real_upns_are_refused_without_echoing_them(broken):
    upn = _make_upn("839123422001")

    def change(frames):
        frames["pupil_census"].loc[2, "pupil_id"] = upn
        frames["pupil_census"].loc[2, "pupil_id"] = upn

    directory = broken(change)
    with pytest.raises(DataValidationError,
                       match=r"pupil_census\.csv, column 'pupil_id': real_upn: expected "
                             r"pseudonymised pupil identifiers.*found 1 of 6 row\(s\) hold "
                             r"values with the shape and check letter of a real UPN \(first at "
                             r"row 3; values not shown\)") as info:
        load_council(directory)
    assert upn not in str(info.value)
    assert all(upn not in str(p) for p in info.value.problems)


def test_duplicate_key_on_pupil_id_does_not_echo_it(broken):
    def change(frames):
        frames["attainment"] = pd.concat([frames["attainment"]] * 2, ignore_index=True)

    with pytest.raises(DataValidationError,
                       match=r"duplicate_key.*pupil_id=<pupil id>, academic_year=2023/24") as info:
        load_council(broken(change))
    assert "P005" not in str(info.value)


def test_pseudonymise_is_consistent_across_tables_and_keyed(broken):
    upns = [_make_upn(f"8391234220{i:02d}") for i in range(1, 7)]
    mapping = {f"P00{i}": u for i, u in enumerate(upns, start=1)}

    def change(frames):
        for t in ("pupil_census", "attendance", "suspensions", "ehc_requests", "eah_requests",
                  "attainment"):
            frames[t]["pupil_id"] = frames[t]["pupil_id"].map(lambda v: mapping.get(v, v))

    directory = broken(change)
    with pytest.raises(DataValidationError, match="real_upn"):
        load_council(directory)
    council = load_council(directory, upn_policy="pseudonymise", upn_key=KEY)
    census = council.tables["pupil_census"]["pupil_id"]
    assert not looks_like_upn(census).any()
    assert census.str.fullmatch(r"[0-9a-f]{64}").all()
    expected = pseudonymise(pd.Series([upns[1]]), KEY)[0]
    assert council.tables["ehc_requests"]["pupil_id"].iloc[0] == expected
    assert council.tables["pupil_census"]["pupil_id"].iloc[1] == expected
    assert council.tables["eah_requests"]["pupil_id"].isna().tolist() == [False, True]
    other = load_council(directory, upn_policy="pseudonymise", upn_key=b"z" * 32)
    assert other.tables["pupil_census"]["pupil_id"].iloc[1] != expected
    # the key appears nowhere on the result
    text = repr(council) + council.accounting.to_string() + council.identifier_rule
    assert KEY.decode() not in text
    reason = council.accounting.set_index("table").loc["pupil_census", "reason"]
    assert "pupil_id pseudonymised (HMAC-SHA256)" in reason


def test_pseudonymise_needs_a_long_enough_key(council_dir):
    with pytest.raises(OptionError, match=r"needs upn_key"):
        load_council(council_dir, upn_policy="pseudonymise")
    with pytest.raises(OptionError, match=r"at least 16 bytes long; got 5 bytes"):
        load_council(council_dir, upn_policy="pseudonymise", upn_key="short")
    assert normalise_key("x" * 16) == b"x" * 16


def test_pseudonymise_writes_nothing(council_dir):
    before = sorted(p.name for p in council_dir.iterdir())
    load_council(council_dir, upn_policy="pseudonymise", upn_key=KEY)
    assert sorted(p.name for p in council_dir.iterdir()) == before


def test_unmatched_csv_warns_on_load(council_dir: Path):
    (council_dir / "extra.csv").write_text("a\n1\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_council(council_dir)
    assert any("extra.csv matches no table" in str(w.message) for w in caught)


# ---------------------------------------------------------------- invariances


def test_shuffling_rows_moves_problems_with_their_rows():
    frames = valid_frames()
    frames["pupil_census"].loc[3, "sen_provision"] = "S"
    frames["pupil_census"].loc[1, "age"] = "99"
    before = validate_frames(frames)
    order = [5, 3, 0, 4, 1, 2]
    frames["pupil_census"] = frames["pupil_census"].iloc[order].reset_index(drop=True)
    after = validate_frames(frames)
    moved = {(p.kind, p.column, order[p.row - 1] + 1) for p in after.problems}
    assert moved == {(p.kind, p.column, p.row) for p in before.problems}
    assert len(before.problems) == 2


def test_column_order_does_not_matter(council_dir):
    a = load_council(council_dir)
    frames = valid_frames()
    frames["schools"] = frames["schools"][frames["schools"].columns[::-1]]
    b = Council.from_frames(frames)
    pd.testing.assert_frame_equal(a.tables["schools"], b.tables["schools"])


def test_report_and_load_agree_on_accounting_in_exclude_mode(broken):
    def change(frames):
        frames["eah_activity"].loc[1, "hours"] = "-2"

    directory = broken(change)
    report = validate_council(directory, on_problem="exclude_rows")
    assert report.loadable and not report.ok
    with pytest.warns(DataQualityWarning):
        council = load_council(directory, on_problem="exclude_rows")
    pd.testing.assert_frame_equal(report.accounting, council.accounting)
    assert council.excluded == report.problems


def test_excel_style_bom_and_crlf_are_accepted(council_dir):
    path = council_dir / "clusters.csv"
    text = path.read_text().replace("\n", "\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    council = load_council(council_dir)
    assert list(council.tables["clusters"]["cluster_id"]) == ["C1", "C2"]
    assert council.tables["clusters"].columns[0] == "cluster_id"


def test_quoted_commas_and_newlines_in_text(council_dir):
    path = council_dir / "schools.csv"
    text = path.read_text().replace("South Special", '"South Special, ""Hill""\nSite"')
    path.write_text(text)
    council = load_council(council_dir)
    assert council.tables["schools"]["name"].iloc[3] == 'South Special, "Hill"\nSite'
