"""`eah-eval spc`: JSON shape, options passed through, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from eah_eval.cli import main
from eah_eval.errors import TrialLimitsWarning
from eah_eval.monitor import p_prime, xmr

BASE = [11.0, 9.0] * 7


@pytest.fixture
def series(tmp_path: Path) -> Path:
    values = [*BASE, 11.0, 11.5, 11.0, 11.5, 11.0, 11.5, 20.0]
    frame = pd.DataFrame(
        {
            "term": [f"T{i:02d}" for i in range(1, len(values) + 1)],
            "y": values,
            "events": [int(v * 10) for v in values],
            "pupils": [400] * len(values),
        }
    )
    path = tmp_path / "series.csv"
    frame.to_csv(path, index=False)
    return path


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_has_exactly_the_documented_keys(series: Path, capsys) -> None:
    code, out, _ = _run(
        ["spc", str(series), "--value", "y", "--period", "term", "--direction", "higher",
         "--target", "3", "--json"],
        capsys,
    )
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {"points", "variation", "assurance"}
    assert all(set(p) == {"period", "value", "centre", "lower", "upper", "rule"}
               for p in doc["points"])
    assert doc["points"][0]["period"] == "T01"
    assert doc["points"][-1]["rule"] == "outside_limits"
    assert doc["points"][0]["rule"] is None
    assert doc["variation"] == "special_cause_improvement"
    assert doc["assurance"] == "consistently_passes"
    chart = xmr(pd.read_csv(series), "y", "term", improvement_direction="higher", target=3.0)
    assert doc == json.loads(json.dumps(chart.to_dict()))


def test_options_reach_the_chart(series: Path, capsys) -> None:
    frame = pd.read_csv(series)
    code, out, err = _run(
        ["spc", str(series), "--value", "y", "--period", "term", "--rebase", "T15",
         "--run-length", "6", "--screen-outliers", "--json"],
        capsys,
    )
    assert code == 0
    assert "trial limits" in err  # the second segment has 7 points
    with pytest.warns(TrialLimitsWarning):
        chart = xmr(frame, "y", "term", rebase=["T15"], run_length=6, screen_outliers=True)
    assert json.loads(out) == json.loads(json.dumps(chart.to_dict()))
    assert json.loads(out)["points"][14]["centre"] != json.loads(out)["points"][0]["centre"]


def test_numeric_periods_and_rebase(tmp_path: Path, capsys) -> None:
    path = tmp_path / "s.csv"
    pd.DataFrame({"t": range(1, 29), "y": [10.0, 12.0] * 7 + [20.0, 24.0] * 7}).to_csv(
        path, index=False
    )
    code, out, _ = _run(["spc", str(path), "--value", "y", "--period", "t", "--rebase", "15",
                         "--json"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert doc["points"][0]["period"] == 1
    assert doc["points"][0]["centre"] == 11.0 and doc["points"][-1]["centre"] == 22.0


def test_p_prime_from_the_command_line(series: Path, capsys) -> None:
    code, out, _ = _run(
        ["spc", str(series), "--value", "events", "--denominator", "pupils", "--chart", "p_prime",
         "--period", "term", "--multiplier", "100", "--json"],
        capsys,
    )
    assert code == 0
    chart = p_prime(pd.read_csv(series), "events", "pupils", "term", multiplier=100.0)
    assert json.loads(out) == json.loads(json.dumps(chart.to_dict()))


def test_xmr_with_denominator_charts_the_ratio(series: Path, capsys) -> None:
    code, out, _ = _run(
        ["spc", str(series), "--value", "events", "--denominator", "pupils", "--json"], capsys
    )
    assert code == 0
    assert json.loads(out)["points"][0]["value"] == pytest.approx(110 / 400)


def test_text_output_states_settings(series: Path, capsys) -> None:
    code, out, _ = _run(["spc", str(series), "--value", "y"], capsys)
    assert code == 0
    assert "variation:" in out and "NHS England 2023" in out and "not screened" in out


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (["--chart", "c"], "--chart must be one of 'xmr', 'p_prime', 'u_prime'; got 'c'"),
        (["--direction", "up"], "--direction must be one of 'higher', 'lower', 'none'"),
        (["--run-length", "8"], "--run-length must be one of '6', '7'; got '8'"),
        (["--two-of-three", "x"], "--two-of-three must be one of"),
        (["--target", "abc"], "--target must be a number; got 'abc'"),
        (["--rebase", "T99"], "rebase period 'T99' is not one of"),
        (["--chart", "p_prime"], "--chart p_prime needs --denominator COL"),
        (["--denominator", "nope", "--chart", "u_prime"], "column 'nope' not in series.csv"),
        (["--fix-after", "1"], "fix_after_n_points must be at least 2"),
    ],
)
def test_bad_arguments_give_one_line(series: Path, capsys, extra: list[str], match: str) -> None:
    code, out, err = _run(["spc", str(series), "--value", "y", "--period", "term", *extra],
                          capsys)
    assert code == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("eah-eval spc: error: ")
    assert match in lines[0]


def test_missing_file_and_missing_value(tmp_path: Path, capsys) -> None:
    code, _, err = _run(["spc", str(tmp_path / "none.csv"), "--value", "y"], capsys)
    assert code == 1 and "not found" in err and len(err.strip().splitlines()) == 1
    code, _, err = _run(["spc", str(tmp_path / "none.csv")], capsys)
    assert code == 1 and "--value COL is required" in err
