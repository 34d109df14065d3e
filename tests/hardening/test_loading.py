"""Item 1: one loading path for every format, regular files only, near-miss names noted."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from eah_eval.cli import main
from eah_eval.data.load import load_council, validate_council
from eah_eval.errors import DataValidationError
from eah_eval.measures.engine import open_tables
from eah_eval.measures.panel import compute

# ------------------------------------------------------------------ Parquet = CSV


def test_parquet_and_csv_give_identical_results_fingerprints_and_measures(csv_dir, parquet_dir):
    a, b = validate_council(csv_dir), validate_council(parquet_dir)
    assert a.ok and b.ok
    columns = ["table", "rows_read", "rows_kept", "rows_excluded", "reason"]
    pd.testing.assert_frame_equal(a.accounting[columns], b.accounting[columns])
    assert a.fingerprint == b.fingerprint == load_council(parquet_dir).fingerprint
    for data in (csv_dir, parquet_dir):
        assert open_tables(data).accounting is not None
    m_csv = compute(open_tables(csv_dir), "sen_support_pct", level="school").frame
    m_pq = compute(open_tables(parquet_dir), "sen_support_pct", level="school").frame
    pd.testing.assert_frame_equal(m_csv, m_pq)


def test_parquet_with_a_real_upn_is_refused(broken_parquet):
    def change(frames):
        frames["pupil_census"].loc[0, "pupil_id"] = "J801200300000"  # shape and check letter

    with pytest.raises(DataValidationError, match=r"pupil_census\.parquet, column 'pupil_id': "
                                                  r"real_upn: .*values not shown"):
        load_council(broken_parquet(change))


def test_parquet_negative_age_is_refused(broken_parquet):
    def change(frames):
        frames["pupil_census"]["age"] = frames["pupil_census"]["age"].astype("int64")
        frames["pupil_census"].loc[1, "age"] = -4

    with pytest.raises(DataValidationError, match=r"pupil_census\.parquet, row 2, column 'age': "
                                                  r"below_minimum: expected at least 2; found "
                                                  r"'-4'"):
        load_council(broken_parquet(change))


def test_parquet_markup_in_a_code_is_refused(broken_parquet):
    def change(frames):
        frames["pupil_census"].loc[0, "sex"] = "<script>alert(1)</script>"

    with pytest.raises(DataValidationError, match=r"pupil_census\.parquet, row 1, column 'sex': "
                                                  r"bad_code: expected one of F, M"):
        load_council(broken_parquet(change))


def test_parquet_negative_sessions_are_refused(broken_parquet):
    def change(frames):
        frames["attendance"].loc[0, "possible_sessions"] = -140

    with pytest.raises(DataValidationError, match=r"attendance\.parquet, row 1, column "
                                                  r"'possible_sessions': below_minimum"):
        load_council(broken_parquet(change))


def test_parquet_bad_rows_are_excluded_and_counted(broken_parquet):
    def change(frames):
        frames["pupil_census"].loc[1, "age"] = -4

    council = load_council_quietly(broken_parquet(change))
    row = council.accounting.set_index("table").loc["pupil_census"]
    assert (row["rows_read"], row["rows_kept"], row["rows_excluded"]) == (6, 5, 1)


def load_council_quietly(directory: Path):
    with pytest.warns(Warning, match=r"1 row\(s\) excluded by on_problem='exclude_rows'"):
        return load_council(directory, on_problem="exclude_rows")


def test_measures_compute_on_parquet_goes_through_validation(broken_parquet, tmp_path, capsys):
    def change(frames):
        frames["pupil_census"].loc[1, "age"] = -4

    status = main(["measures", "compute", str(broken_parquet(change)), "--measure",
                   "sen_support_pct", "--out", str(tmp_path / "m.csv")])
    assert status == 1
    err = capsys.readouterr().err
    assert "pupil_census.parquet, row 2, column 'age': below_minimum" in err
    assert not (tmp_path / "m.csv").exists()


def test_validate_cli_reads_parquet(parquet_dir, capsys):
    assert main(["validate", str(parquet_dir)]) == 0
    assert "pupil_census.parquet" in capsys.readouterr().out


def test_unreadable_parquet_is_one_problem(parquet_dir):
    (parquet_dir / "finance.parquet").write_bytes(b"PAR1 not really parquet")
    report = validate_council(parquet_dir)
    (p,) = report.problems
    assert (p.kind, p.expected) == ("unreadable_file", "a well-formed Parquet file")


def test_table_in_both_formats_is_refused(csv_dir, parquet_dir):
    shutil.copy(parquet_dir / "finance.parquet", csv_dir / "finance.parquet")
    with pytest.raises(DataValidationError, match=r"finance\.csv: two_files: expected one file "
                                                  r"per table; found both finance\.csv and "
                                                  r"finance\.parquet"):
        load_council(csv_dir)


def test_unrelated_parquet_beside_the_csvs_changes_nothing(csv_dir, tmp_path):
    before = validate_council(csv_dir)
    pd.DataFrame({"x": [1]}).to_parquet(csv_dir / "lookup.parquet")
    after = validate_council(csv_dir)
    assert after.ok and after.fingerprint == before.fingerprint
    assert any(n.startswith("lookup.parquet matches no table and was ignored") for n in after.notes)
    pd.testing.assert_frame_equal(before.accounting, after.accounting)


# ------------------------------------------------------------------ regular files only


def test_symlinked_table_is_refused_by_name_and_not_followed(csv_dir, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("root:x:0:0:SECRET-FIRST-LINE\n")
    (csv_dir / "finance.csv").unlink()
    (csv_dir / "finance.csv").symlink_to(secret)
    with pytest.raises(DataValidationError, match=r"finance\.csv: symlink: expected a regular "
                                                  r"file .*; found a symbolic link \(not "
                                                  r"followed\)") as info:
        load_council(csv_dir)
    assert "SECRET" not in str(info.value)


def test_symlinks_are_read_when_allowed(csv_dir, tmp_path):
    target = tmp_path / "elsewhere.csv"
    shutil.move(csv_dir / "finance.csv", target)
    (csv_dir / "finance.csv").symlink_to(target)
    assert validate_council(csv_dir, allow_symlinks=True).ok
    assert main(["validate", str(csv_dir), "--allow-symlinks"]) == 0


def test_directory_named_like_a_table_is_refused(csv_dir):
    (csv_dir / "finance.csv").unlink()
    (csv_dir / "finance.csv").mkdir()
    with pytest.raises(DataValidationError, match=r"finance\.csv: not_regular_file: .*found a "
                                                  r"directory"):
        load_council(csv_dir)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")
def test_named_pipe_is_refused_without_blocking(csv_dir):
    (csv_dir / "finance.csv").unlink()
    os.mkfifo(csv_dir / "finance.csv")
    with pytest.raises(DataValidationError, match=r"finance\.csv: not_regular_file: .*found a "
                                                  r"named pipe"):
        load_council(csv_dir)


# ------------------------------------------------------------------ near-miss names


def test_upper_case_suffix_is_noted_not_silently_absent(csv_dir):
    (csv_dir / "attendance.csv").rename(csv_dir / "attendance.CSV")
    report = validate_council(csv_dir)
    assert report.ok
    assert ("attendance.CSV was not read as the attendance table: the file must be named "
            "attendance.csv or attendance.parquet (names are case-sensitive)") in report.notes


def test_double_suffix_is_noted(csv_dir):
    (csv_dir / "suspensions.csv").rename(csv_dir / "suspensions.csv.txt")
    notes = validate_council(csv_dir).notes
    assert any(n.startswith("suspensions.csv.txt was not read as the suspensions table")
               for n in notes)


def test_near_miss_of_a_required_table_is_named_in_the_problem(csv_dir):
    (csv_dir / "schools.csv").rename(csv_dir / "Schools.csv")
    with pytest.raises(DataValidationError, match=r"schools\.csv: missing_file: expected "
                                                  r"schools\.csv \(a required table\); found no "
                                                  r"such file \(Schools\.csv not read: names are "
                                                  r"case-sensitive"):
        load_council(csv_dir)


def test_near_miss_beside_the_real_file_is_noted(csv_dir):
    shutil.copy(csv_dir / "finance.csv", csv_dir / "finance.csv.bak")
    notes = validate_council(csv_dir).notes
    assert "finance.csv.bak was ignored: the finance table was read from finance.csv" in notes


# ------------------------------------------------------------------ the monitoring loader


def test_monitoring_data_keeps_its_fingerprint_beside_an_unrelated_parquet(tmp_path):
    from eah_eval.data.synthetic import write_council
    from eah_eval.reporting.monitoring.data import monitoring_data

    data = tmp_path / "data"
    write_council(data, seed=5, n_clusters=4, n_schools=16, start="2022/23", end="2025/26")
    pd.DataFrame({"x": [1, 2]}).to_parquet(data / "lookup.parquet")
    result = monitoring_data({"data": str(data)})
    assert result.data_fingerprint == load_council(data).fingerprint


def test_validate_prints_the_same_fingerprint_for_both_formats(csv_dir, parquet_dir, capsys):
    lines = []
    for data in (csv_dir, parquet_dir):
        assert main(["validate", str(data)]) == 0
        lines.append([x for x in capsys.readouterr().out.splitlines()
                      if x.startswith("fingerprint (SHA-256 of the validated tables): ")])
    assert len(lines[0]) == 1 and lines[0] == lines[1]
