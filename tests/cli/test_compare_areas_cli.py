"""`eah-eval compare-areas`: one JSON object, the package's numbers, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eah_eval.cli import main
from eah_eval.did.synthdid import synthdid


@pytest.fixture
def panel_file(tmp_path: Path) -> Path:
    rng = np.random.default_rng(2)
    rows = []
    for i in range(12):
        level = rng.normal(50, 5)
        for year in range(2010, 2020):
            treated = int(i == 0 and year >= 2016)
            rows.append({"la_code": f"E{i:03d}", "year": year, "rate": level + 0.5 * year
                         - 1000 + rng.normal() - 3.0 * treated, "go_live": treated})
    path = tmp_path / "areas.csv"
    pd.DataFrame(rows).to_csv(path, sep=";", index=False)
    return path


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


BASE = ["--area", "la_code", "--time", "year", "--outcome", "rate", "--treated", "go_live"]


@pytest.mark.parametrize("method", ["did", "sc"])
def test_json_is_one_object_with_the_package_numbers(panel_file, capsys, method):
    code, out, err = _run(["compare-areas", "--data", str(panel_file), *BASE, "--method",
                           method, "--placebo", "6", "--seed", "11", "--json"], capsys)
    assert code == 0, err
    got = json.loads(out)
    for key in ("estimate", "se", "ci_low", "ci_high", "method", "unit_weights",
                "time_weights", "event_effects", "placebo_seed"):
        assert key in got
    frame = pd.read_csv(panel_file, sep=";")
    res = synthdid(frame, "rate", "la_code", "year", "go_live", method=method, placebo=6,
                   rng=11)
    assert got["method"] == method and got["placebo_seed"] == 11
    assert got["estimate"] == pytest.approx(res.estimate, abs=1e-12)
    assert got["se"] == pytest.approx(res.se, abs=1e-12)
    assert got["ci_low"] < got["estimate"] < got["ci_high"]
    assert sum(got["unit_weights"].values()) == pytest.approx(1.0)
    assert set(got["unit_weights"]) == {f"E{i:03d}" for i in range(1, 12)}
    assert set(got["time_weights"]) == {str(y) for y in range(2010, 2016)}


def test_text_output_is_the_summary(panel_file, capsys):
    code, out, _ = _run(["compare-areas", "--data", str(panel_file), *BASE, "--method", "did",
                         "--placebo", "0"], capsys)
    assert code == 0
    assert out.startswith("difference-in-differences (did) of rate")
    assert "no placebo draws" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--method", "synth"], "--method must be one of 'sdid', 'sc', 'did'; got 'synth'"),
        (["--placebo", "many"], "--placebo must be an integer; got 'many'"),
        (["--placebo", "1"], "placebo must be 0 (no standard error) or at least 2; got 1"),
        (["--seed", "1.5"], "--seed must be an integer; got '1.5'"),
        (["--outcome", "nope"], "outcome column 'nope' not in data"),
    ],
)
def test_errors_are_one_line_and_exit_one(panel_file, capsys, extra, message):
    code, out, err = _run(["compare-areas", "--data", str(panel_file), *BASE, "--method",
                           "did", *extra], capsys)
    assert code == 1 and out == ""
    assert err.startswith("eah-eval compare-areas: error:") and message in err
    assert "Traceback" not in err


def test_missing_file(tmp_path, capsys):
    code, _, err = _run(["compare-areas", "--data", str(tmp_path / "none.csv"), *BASE], capsys)
    assert code == 1 and "not found" in err


def test_json_keys_use_the_one_interval_naming(panel_file, capsys):
    from interval_names import old_interval_names

    code, out, err = _run(["compare-areas", "--data", str(panel_file), *BASE, "--placebo", "4",
                           "--seed", "3", "--json"], capsys)
    assert code == 0, err
    got = json.loads(out)
    assert {"ci_low", "ci_high", "level"} <= set(got)
    assert old_interval_names(got) == []
