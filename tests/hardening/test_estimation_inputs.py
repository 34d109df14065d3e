"""Item 4: missing and non-finite outcomes alike under every method; a constant outcome
explained; unbounded intervals as null with a flag."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from eah_eval.cli import main

METHODS = ["analytic", "multiplier", "wild", "wcr", "randomization", "small_sample_t"]


def _panel(path, cohorts, *, scale=1.0, seed=3, change=None):
    rng = np.random.default_rng(seed)
    rows = []
    for cluster, g in cohorts.items():
        for school in range(3):
            for t in range(1, 7):
                rows.append((cluster * 10 + school, cluster, t, g,
                             scale * rng.normal() + (1.0 if g and t >= g else 0.0)))
    frame = pd.DataFrame(rows, columns=["unit", "cluster", "t", "g", "y"])
    if change is not None:
        change(frame)
    frame.to_csv(path, index=False)
    return path


SIX = {0: 4, 1: 4, 2: 6, 3: 6, 4: 0, 5: 0}


def _did(capsys, data, method):
    status = main(["did", "--data", str(data), "--outcome", "y", "--unit", "unit", "--time", "t",
                   "--cohort", "g", "--cluster", "cluster", "--inference", method, "--draws",
                   "99", "--seed", "1", "--json"])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _set(row, value):
    def change(frame):
        frame["y"] = frame["y"].astype(object)
        frame.loc[row, "y"] = value

    return change


@pytest.mark.parametrize("method", METHODS)
def test_missing_and_infinite_outcomes_are_treated_alike(tmp_path, capsys, method):
    missing = _panel(tmp_path / "nan.csv", SIX, change=_set(5, np.nan))
    infinite = _panel(tmp_path / "inf.csv", SIX, change=_set(5, np.inf))
    a_status, a_out, a_err = _did(capsys, missing, method)
    b_status, b_out, b_err = _did(capsys, infinite, method)
    assert a_status == b_status == 0
    assert json.loads(a_out) == json.loads(b_out)
    note = ("eah-eval did: note: 1 unit-period rows with a missing or non-finite outcome, "
            "covariate or weight were treated as unobserved")
    assert note in a_err.splitlines() and note in b_err.splitlines()


@pytest.mark.parametrize("method", ["wcr", "randomization"])
def test_non_numeric_outcome_is_one_line(tmp_path, capsys, method):
    data = _panel(tmp_path / "str.csv", SIX, change=_set(5, "abc"))
    status, out, err = _did(capsys, data, method)
    assert (status, out) == (1, "")
    assert err == "eah-eval did: error: outcome column 'y' must be numeric; found dtype str\n"


def test_constant_outcome_is_explained(tmp_path, capsys):
    def constant(frame):
        frame["y"] = 1.0

    status, out, err = _did(capsys, _panel(tmp_path / "c.csv", SIX, change=constant), "wild")
    assert status == 0
    assert ("eah-eval did: warning: outcome 'y' takes one value (1) in every usable row: every "
            "effect is 0, and no standard error, interval or p-value can be computed") in err
    assert json.loads(out)["aggregations"]["simple"]["att"] == 0.0


def test_unbounded_interval_is_null_with_a_flag(tmp_path, capsys):
    data = _panel(tmp_path / "few.csv", {0: 3, 1: 0, 2: 0}, scale=5.0, seed=1)
    status, out, _ = _did(capsys, data, "wcr")
    assert status == 0
    simple = json.loads(out)["aggregations"]["simple"]
    assert (simple["ci_low"], simple["ci_high"], simple["unbounded"]) == (None, None, True)
    assert simple["p"] is not None


def test_bounded_interval_is_flagged_bounded(tmp_path, capsys):
    status, out, _ = _did(capsys, _panel(tmp_path / "p.csv", SIX), "wild")
    simple = json.loads(out)["aggregations"]["simple"]
    assert status == 0 and simple["unbounded"] is False
    assert simple["ci_low"] < simple["ci_high"]
