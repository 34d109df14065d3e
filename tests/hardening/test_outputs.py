"""Item 7: safe CSV cells, no bidirectional controls in HTML, sanitised terminal output, and one
line with a non-zero exit for a closed pipe or an output path that cannot be written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from council_fixture import valid_frames, write_frames

from eah_eval.cli import main
from eah_eval.data.csv_output import write_csv
from eah_eval.reporting.html import page


def _run(capsys, argv):
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# ------------------------------------------------------------------ CSV cells


def test_csv_helper_neutralises_formula_leading_text_only(tmp_path):
    frame = pd.DataFrame({"id": ["=1+1", "+44", "-1-1", "@SUM(A1)", "C1", "\tx"],
                          "value": [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0],
                          "=head": ["a"] * 6})
    text = write_csv(frame, tmp_path / "x.csv").read_text(encoding="utf-8")
    assert text.splitlines() == [
        "id,value,'=head", "'=1+1,-1.5,a", "'+44,2.0,a", "'-1-1,-3.0,a", "'@SUM(A1),4.0,a",
        "C1,5.0,a", "'\tx,6.0,a",
    ]


def test_measures_compute_neutralises_a_formula_like_cluster_id(tmp_path, capsys):
    frames = valid_frames()
    for table in ("clusters", "schools", "workforce", "finance"):
        frames[table]["cluster_id"] = frames[table]["cluster_id"].replace({"C1": "-1-1"})
    data = write_frames(tmp_path / "d", frames)
    out = tmp_path / "m.csv"
    status, _, _ = _run(capsys, ["measures", "compute", str(data), "--measure", "sen_support_pct",
                                 "--level", "cluster", "--out", str(out)])
    assert status == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("sen_support_pct,cluster,'-1-1,2023/24,")
    assert not any(",-1-1," in line for line in lines)


# ------------------------------------------------------------------ HTML and terminal


def test_bidirectional_controls_are_removed_from_every_page():
    html = page("<p>cluster \u202eA1C\u202c and \u2067x\u2069</p>", title="T\u202e")
    assert "<p>cluster A1C and x</p>" in html and "<title>T</title>" in html
    assert not any(c in html for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def test_escape_sequences_in_names_are_printed_escaped(tmp_path, capsys):
    frames = valid_frames()
    frames["finance"]["\x1b]0;owned\x07col"] = ""
    data = write_frames(tmp_path / "d", frames)
    (data / "extra\x1b[2J.csv").write_text("a\n1\n")
    status, out, _ = _run(capsys, ["validate", str(data)])
    assert status == 1
    assert "\x1b" not in out and "\x07" not in out
    assert "note: extra\\x1b[2J.csv matches no table and was ignored" in out
    assert "found column '\\x1b]0;owned\\x07col'" in out


def test_bidi_characters_in_an_error_are_escaped(tmp_path, capsys):
    status, _, err = _run(capsys, ["validate", str(tmp_path / "no\u202edir")])
    assert status == 1
    assert err == f"eah-eval validate: error: data directory not found: {tmp_path}/no\\u202edir\n"


# ------------------------------------------------------------------ broken pipe


def test_closed_pipe_gives_one_line_and_a_non_zero_exit(tmp_path):
    series = tmp_path / "s.csv"
    pd.DataFrame({"v": np.arange(20_000) % 7}).to_csv(series, index=False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "eah_eval", "spc", str(series), "--value", "v", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "0"},
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) != 0
    assert "Traceback" not in err
    assert err.splitlines()[-1] == ("eah-eval spc: error: the output was closed before it was all "
                                    "written (broken pipe)")


# ------------------------------------------------------------------ output paths


def test_out_that_is_a_file_is_refused_for_a_report(tmp_path, capsys):
    taken = tmp_path / "taken"
    taken.write_text("x")
    status, _, err = _run(capsys, ["report", "--data", str(tmp_path), "--out", str(taken)])
    assert status == 1
    assert err == f"eah-eval report: error: --out {taken} is a file; give a folder for the output\n"


def test_out_under_a_file_is_refused_for_the_monitor(tmp_path, capsys):
    taken = tmp_path / "taken"
    taken.write_text("x")
    status, _, err = _run(capsys, ["monitor", "--data", str(tmp_path), "--out",
                                   str(taken / "inner")])
    assert status == 1
    assert err == (f"eah-eval monitor: error: --out {taken}/inner is under {taken}, which is a "
                   "file, not a folder\n")


def test_out_that_is_a_folder_is_refused_for_measures(tmp_path, capsys):
    (tmp_path / "m.csv").mkdir()
    data = write_frames(tmp_path / "d", valid_frames())
    status, _, err = _run(capsys, ["measures", "compute", str(data), "--measure",
                                   "sen_support_pct", "--out", str(tmp_path / "m.csv")])
    assert status == 1
    assert err == (f"eah-eval measures: error: --out {tmp_path}/m.csv is a folder; give a file "
                   "name\n")


def test_out_that_cannot_be_created_is_refused(tmp_path, capsys):
    status, _, err = _run(capsys, ["demo-data", "--small", "--out", "/proc/eah-eval/out"])
    assert status == 1
    assert err.startswith("eah-eval demo-data: error: --out /proc/eah-eval/out: cannot create "
                          "folder /proc/eah-eval/out (")
    assert err.count("\n") == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to read-only folders")
def test_out_in_a_read_only_folder_is_refused(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    status, _, err = _run(capsys, ["demo-data", "--small", "--out", str(locked)])
    assert status == 1
    assert "is not writable" in err
    locked.chmod(0o700)


def test_catalogue_out_under_a_file_is_refused(tmp_path, capsys):
    taken = tmp_path / "taken"
    taken.write_text("x")
    status, _, err = _run(capsys, ["measures", "catalogue", "--out", str(taken / "c.md")])
    assert status == 1
    assert err == (f"eah-eval measures: error: --out {taken}/c.md is under {taken}, which is a "
                   "file, not a folder\n")


def test_nothing_is_printed_to_stdout_on_an_output_error(tmp_path, capsys):
    taken = Path(tmp_path / "f")
    taken.write_text("x")
    status, out, _ = _run(capsys, ["demo-data", "--small", "--out", str(taken)])
    assert (status, out) == (1, "")
