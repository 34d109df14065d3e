"""Item 3: bounded parameter files, bounded messages, bounded draws, valid seeds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eah_eval.cli import main
from eah_eval.errors import OptionError
from eah_eval.inference import recorded_seed
from eah_eval.reporting.monitoring.params import MonitoringReportParams
from eah_eval.reporting.params import (
    MAX_PARAMS_FILE_BYTES,
    ParameterError,
    ParameterTypeError,
    load_params_file,
    parse_assignment,
    parse_params,
)

# nine levels of nine aliases: 9^9 (387 million) values once expanded, from a few hundred bytes
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


def _run(capsys, argv):
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_alias_bomb_in_a_parameter_file_is_refused(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text("nested:\n  " + BOMB.replace("\n", "\n  "))
    with pytest.raises(ParameterError, match=r"parameter file .*bomb\.yaml expands to more than "
                                             r"100,000 values once its YAML aliases \(\*name\) "
                                             r"are copied"):
        load_params_file(path)


def test_alias_bomb_through_the_report_door_is_one_line(tmp_path, capsys):
    path = tmp_path / "bomb.yaml"
    path.write_text("nested:\n  " + BOMB.replace("\n", "\n  "))
    status, _, err = _run(capsys, ["monitor", "--params", str(path), "--out",
                                   str(tmp_path / "out")])
    assert status == 1
    assert err.count("\n") == 1 and "expands to more than 100,000 values" in err


def test_alias_bomb_in_a_set_value_is_refused():
    value = "{" + BOMB.strip().replace("\n", ", ") + "}"
    with pytest.raises(ParameterError, match=r"--set title: the value expands to more than"):
        parse_assignment(f"title={value}")


def test_oversized_parameter_file_is_refused(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("title: " + "x" * (MAX_PARAMS_FILE_BYTES + 1))
    with pytest.raises(ParameterError, match=r"big\.yaml is 1,000,008 bytes; at most 1,000,000 "
                                             r"are read"):
        load_params_file(path)


def test_parameter_file_that_is_not_utf8_is_a_clear_error(tmp_path, capsys):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: Caf\u00e9\n".encode("latin-1"))
    status, _, err = _run(capsys, ["monitor", "--params", str(path), "--out",
                                   str(tmp_path / "out")])
    assert status == 1
    assert err.strip().endswith("latin1.yaml is not UTF-8 text (byte 10 is not UTF-8); save it "
                                "as UTF-8")


def test_type_error_message_cuts_a_long_value_and_gives_its_size():
    with pytest.raises(ParameterTypeError) as info:
        parse_params(MonitoringReportParams, {"data": "d", "run_length": "7" * 10_000})
    message = str(info.value)
    assert len(message) < 300
    assert message.endswith("...' (10,000 characters)")


def test_type_error_message_cuts_a_long_list():
    with pytest.raises((ParameterTypeError, ParameterError)) as info:
        parse_params(MonitoringReportParams, {"data": "d", "run_length": list(range(100_000))})
    assert str(info.value).endswith("(100,000 items at the top level)")


# ------------------------------------------------------------------ draws and seeds


def _panel(path: Path) -> Path:
    rng = np.random.default_rng(3)
    rows = []
    for cluster, g in {0: 4, 1: 4, 2: 6, 3: 0}.items():
        for school in range(3):
            for t in range(1, 7):
                rows.append((cluster * 10 + school, cluster, t, g,
                             rng.normal() + (1.0 if g and t >= g else 0.0)))
    out = path / "panel.csv"
    pd.DataFrame(rows, columns=["unit", "cluster", "t", "g", "y"]).to_csv(out, index=False)
    return out


DID = ["did", "--outcome", "y", "--unit", "unit", "--time", "t", "--cohort", "g",
       "--cluster", "cluster", "--json"]


def test_draws_beyond_the_memory_budget_are_refused(tmp_path, capsys):
    status, out, err = _run(capsys, [*DID, "--data", str(_panel(tmp_path)), "--inference",
                                     "wild", "--draws", "100000000"])
    assert status == 1 and out == ""
    assert err.startswith("eah-eval did: error: draws=100,000,000 would need about ")
    assert "at most 1.1 GB is allowed: use at most " in err


def test_bootstrap_beyond_the_memory_budget_is_refused(tmp_path, capsys):
    status, _, err = _run(capsys, [*DID, "--data", str(_panel(tmp_path)),
                                   "--bootstrap", "100000000"])
    assert status == 1
    assert err.startswith("eah-eval did: error: --bootstrap=100,000,000 would need about ")


def test_negative_seed_is_refused_in_one_line(tmp_path, capsys):
    status, _, err = _run(capsys, [*DID, "--data", str(_panel(tmp_path)), "--bootstrap", "99",
                                   "--seed", "-1"])
    assert status == 1
    assert err == ("eah-eval did: error: --seed must be a seed from 0 to 9223372036854775807; "
                   "got -1\n")


def test_negative_seed_is_refused_by_the_dispatcher():
    with pytest.raises(OptionError, match=r"rng must be a seed from 0 to 9223372036854775807; "
                                          r"got -5"):
        recorded_seed(-5)


def test_draws_within_the_budget_still_run(tmp_path, capsys):
    status, out, _ = _run(capsys, [*DID, "--data", str(_panel(tmp_path)), "--inference", "wild",
                                   "--draws", "99", "--seed", "1"])
    assert status == 0 and json.loads(out)["inference"]["seed"] == 1

