"""`eah-eval did --inference ...`: the JSON gains ci_low, ci_high, p and an inference record."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eah_eval.cli import main


def _panel(path: Path, seed: int = 3) -> Path:
    rng = np.random.default_rng(seed)
    rows = []
    cohorts = {0: 4, 1: 4, 2: 6, 3: 6, 4: 0, 5: 0}  # cluster -> first treated period (0 never)
    for cluster, g in cohorts.items():
        shock = rng.normal(0, 0.2, size=8)
        for school in range(4):
            unit = cluster * 10 + school
            a = rng.normal()
            for t in range(1, 9):
                effect = 1.0 if g and t >= g else 0.0
                y = a + 0.1 * t + shock[t - 1] + effect + rng.normal(0, 0.3)
                rows.append((unit, cluster, t, g, y))
    frame = pd.DataFrame(rows, columns=["unit", "cluster", "t", "g", "y"])
    out = path / "panel.csv"
    frame.to_csv(out, index=False)
    return out


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


BASE = ["did", "--outcome", "y", "--unit", "unit", "--time", "t", "--cohort", "g",
        "--cluster", "cluster", "--json"]


@pytest.mark.parametrize("method", ["analytic", "multiplier", "wild", "wcr", "randomization",
                                    "small_sample_t"])
def test_inference_adds_intervals_and_record(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             method: str) -> None:
    data = _panel(tmp_path)
    status, out, _ = _run(capsys, [*BASE, "--data", str(data), "--inference", method,
                                   "--draws", "199", "--seed", "5"])
    assert status == 0
    obj = json.loads(out)
    simple = obj["aggregations"]["simple"]
    assert simple["ci_low"] < simple["att"] < simple["ci_high"]
    assert 0.0 <= simple["p"] <= 1.0
    for row in obj["aggregations"]["event"]["by"]:
        assert {"event_time", "att", "se", "ci_low", "ci_high", "p"} <= set(row)
    record = obj["inference"]
    assert record["method"] == method
    assert record["n_clusters"] == 6
    if method == "wcr":
        # 2^6 = 64 sign patterns <= 199 draws: every pattern enumerated, no randomness used
        assert record["enumerated"] is True and record["draws"] == 64
        assert record["seed"] is None and record["weights"] == "rademacher"
    if method in ("multiplier", "wild"):
        assert record["seed"] == 5 and record["draws"] == 199 and record["weights"] == "webb"
    if method == "randomization":
        # 6 clusters in waves of 2, 2 (and 2 never treated): 6!/(2!2!2!) = 90 assignments
        assert record["total_assignments"] == 90
    if method == "small_sample_t":
        assert record["df"] == 5 and record["seed"] is None
    if method in ("wcr", "randomization"):
        # pre-treatment event times are not tested by these methods: they say so
        for row in obj["aggregations"]["event"]["by"]:
            assert (row["p"] is None) == (row["event_time"] < 0)
            if row["event_time"] < 0:
                assert row["fallback"]["method"] == "small_sample_t"
    assert record["note"].endswith(".") or "as good as random" in record["note"]


def test_seeded_wild_inference_reproduces(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    data = _panel(tmp_path)
    argv = [*BASE, "--data", str(data), "--inference", "wild", "--draws", "99", "--seed", "11"]
    first = _run(capsys, argv)[1]
    second = _run(capsys, argv)[1]
    assert first == second


def test_randomization_needs_cluster(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _panel(tmp_path)
    argv = [a for a in BASE if a not in ("--cluster", "cluster")]
    status, _, err = _run(capsys, [*argv, "--data", str(data), "--inference", "randomization"])
    assert status == 1
    assert "--inference randomization permutes clusters: give --cluster C" in err


def test_bad_inference_method_is_one_line_error(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    data = _panel(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main([*BASE, "--data", str(data), "--inference", "bayes"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'bayes'" in err
    assert len(err.strip().splitlines()) == 1


def test_cr2_is_refused_with_the_reason(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    data = _panel(tmp_path)
    status, _, err = _run(capsys, [*BASE, "--data", str(data), "--inference", "cr2"])
    assert status == 1
    assert "inference 'cr2' needs a linear model design" in err


def test_json_keys_use_the_one_interval_naming(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from interval_names import old_interval_names

    data = _panel(tmp_path)
    status, out, err = _run(capsys, [*BASE, "--data", str(data), "--inference", "wcr",
                                     "--draws", "99", "--seed", "5"])
    assert status == 0, err
    got = json.loads(out)
    assert {"ci_low", "ci_high"} <= set(got["aggregations"]["event"]["by"][0])
    assert old_interval_names(got) == []
