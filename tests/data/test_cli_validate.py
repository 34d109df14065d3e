"""`eah-eval validate`: exit codes and messages, no traceback."""

from __future__ import annotations

import subprocess
import sys

from council_fixture import valid_frames, write_frames

from eah_eval.cli import main


def test_valid_data_prints_accounting_and_ok(council_dir, capsys):
    assert main(["validate", str(council_dir)]) == 0
    out = capsys.readouterr().out
    assert "rows_read" in out and "rows_kept" in out and "rows_excluded" in out
    assert "pupil_census.csv" in out
    assert out.rstrip().endswith("OK")


def test_problems_are_all_printed_and_exit_1(broken, capsys):
    def change(frames):
        frames["schools"].loc[2, "cluster_id"] = ""
        frames["eah_requests"].loc[0, "triaged_date"] = "2023-09-01"

    assert main(["validate", str(broken(change))]) == 1
    out = capsys.readouterr().out
    assert "2 problem(s) found:" in out
    assert "schools.csv, row 3, column 'cluster_id': missing_value" in out
    assert "eah_requests.csv, row 1, column 'triaged_date': dates_out_of_order" in out
    assert "Traceback" not in out


def test_exclude_rows_reports_what_would_be_kept(broken, capsys):
    def change(frames):
        frames["pupil_census"].loc[0, "sex"] = "Q"

    assert main(["validate", str(broken(change)), "--on-problem", "exclude_rows"]) == 0
    out = capsys.readouterr().out
    assert "OK after excluding 1 row(s)" in out
    assert "bad_code 1" in out


def test_missing_directory_is_one_line_error(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("eah-eval validate: error: data directory not found")
    assert "Traceback" not in err


def test_pseudonymise_needs_key_file(council_dir, capsys):
    assert main(["validate", str(council_dir), "--upn-policy", "pseudonymise"]) == 1
    assert "--upn-policy pseudonymise needs --upn-key-file FILE" in capsys.readouterr().err


def test_pseudonymise_with_key_file_never_prints_the_key(council_dir, tmp_path, capsys):
    key = tmp_path / "key.txt"
    key.write_text("correct-horse-battery-staple-42\n")
    assert main(["validate", str(council_dir), "--upn-policy", "pseudonymise",
                 "--upn-key-file", str(key)]) == 0
    out = capsys.readouterr().out
    assert "correct-horse" not in out
    assert "pseudonymised (HMAC-SHA256)" in out


def test_short_key_is_refused(council_dir, tmp_path, capsys):
    key = tmp_path / "key.txt"
    key.write_text("abc")
    assert main(["validate", str(council_dir), "--upn-policy", "pseudonymise",
                 "--upn-key-file", str(key)]) == 1
    assert "at least 16 bytes long; got 3 bytes" in capsys.readouterr().err


def test_console_script_exit_status(tmp_path):
    frames = valid_frames()
    frames["clusters"].loc[0, "rollout_wave"] = "0"
    directory = write_frames(tmp_path / "bad", frames)
    result = subprocess.run(
        [sys.executable, "-m", "eah_eval", "validate", str(directory)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "clusters.csv, row 1, column 'rollout_wave': below_minimum: expected at least 1; " \
           "found '0'" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_details_go_to_stderr_with_verbose_only(council_dir, capsys):
    assert main(["-v", "validate", str(council_dir)]) == 0
    loud = capsys.readouterr()
    assert main(["validate", str(council_dir)]) == 0
    default = capsys.readouterr()
    assert main(["validate", "-q", str(council_dir)]) == 0
    quiet = capsys.readouterr()
    assert "checking " in loud.err and "schools.csv" in loud.err
    assert default.err == quiet.err == ""
    assert loud.out == default.out == quiet.out  # messages never mix with what is printed
