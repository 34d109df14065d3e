"""`eah-eval demo-data` writes the package and reports what it wrote; bad input is one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from eah_eval.cli import main
from eah_eval.data.schema import TABLES, table_file_name


def test_demo_data_writes_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo"
    assert main(["demo-data", "--out", str(out), "--seed", "4", "--small"]) == 0
    printed = capsys.readouterr().out
    for table in TABLES:
        assert (out / table_file_name(table)).is_file()
        assert table_file_name(table) in printed
    assert (out / "truth.json").is_file() and (out / "datapackage.json").is_file()
    assert "seed 4" in printed and "absence_overall_pct" in printed


def test_demo_data_null_and_same_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["demo-data", "--out", str(a), "--seed", "4", "--small", "--null"]) == 0
    assert main(["demo-data", "--out", str(b), "--seed", "4", "--small", "--null"]) == 0
    for name in ("attendance.csv", "truth.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    assert '"parameter": null' in (a / "truth.json").read_text(encoding="utf-8")


def test_demo_data_bad_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["demo-data", "--out", str(tmp_path), "--clusters", "0", "--small"])
    assert status == 1
    err = capsys.readouterr().err
    assert "n_clusters must be at least 1" in err
    assert "Traceback" not in err
