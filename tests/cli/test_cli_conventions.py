"""Conventions shared by every sub-command: help with defaults, ``--json``, ``--data``."""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from eah_eval.cli import COMMANDS, build_parser, main
from eah_eval.cli.options import DefaultsHelpFormatter
from eah_eval.data.synthetic import write_council

Parser = argparse.ArgumentParser


def _command_parsers() -> Iterator[tuple[str, Parser]]:
    """Every sub-command's parser, and every sub-sub-command's (``measures list``, ...)."""

    def walk(name: str, parser: Parser) -> Iterator[tuple[str, Parser]]:
        yield name, parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub_name, sub in action.choices.items():
                    yield from walk(f"{name} {sub_name}", sub)

    yield from walk("eah-eval", build_parser())
    for command in COMMANDS:
        top = build_parser(command)
        (subs,) = [a for a in top._actions if isinstance(a, argparse._SubParsersAction)]
        yield from walk(f"eah-eval {command}", subs.choices[command])


PARSERS = dict(_command_parsers())


def _has_default(action: argparse.Action) -> bool:
    return action.default not in (None, False, [], argparse.SUPPRESS)


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_every_option_has_help_and_shows_its_default(name: str) -> None:
    parser = PARSERS[name]
    assert parser.formatter_class is DefaultsHelpFormatter, name
    formatter = parser._get_formatter()
    assert isinstance(formatter, DefaultsHelpFormatter)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            continue
        label = "/".join(action.option_strings) or action.dest
        assert action.help and action.help.strip(), f"{name} {label} has no help"
        if _has_default(action):
            shown = formatter._get_help_string(action) or ""
            assert "%(default)" in shown, f"{name} {label} does not show its default"
    parser.format_help()  # every help string formats (no stray % in a help text)


def test_help_shows_defaults_and_the_deprecated_positional(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["measures", "compute", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "(default: 6.5)" in out and "(default: school)" in out
    assert "(default: None)" not in out and "(default: False)" not in out
    assert "--data DIR" in out and "deprecated: the same as --data DIR" in out


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny")
    write_council(out, seed=3, small=True)
    return out


def test_validate_json_is_one_object(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--data", str(tiny), "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["ok"] is True and obj["problems"] == []
    assert obj["upn_policy"] == "refuse" and obj["on_problem"] == "error"
    assert {t["table"] for t in obj["tables"]} >= {"schools", "pupil_census"}
    assert set(obj["tables"][0]) == {"table", "file", "rows_read", "rows_kept", "rows_excluded",
                                     "rows_with_problems", "reason"}


def test_validate_json_lists_problems_and_exits_1(
        tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(tiny, broken)
    schools = pd.read_csv(broken / "schools.csv", dtype=str, keep_default_na=False)
    schools.loc[0, "cluster_id"] = ""
    schools.to_csv(broken / "schools.csv", index=False)
    assert main(["validate", "--data", str(broken), "--json"]) == 1
    obj = json.loads(capsys.readouterr().out)
    assert obj["ok"] is False and obj["loadable"] is False
    (problem,) = [p for p in obj["problems"] if p["column"] == "cluster_id"]
    assert problem["row"] == 1 and problem["kind"] == "missing_value"


def test_measures_list_and_show_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["measures", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert isinstance(listed, list) and len(listed) >= 20
    assert {"id", "title", "unit", "default_period", "direction"} <= set(listed[0])
    ident = listed[0]["id"]
    assert main(["measures", "show", ident, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["id"] == ident and shown["title"] == listed[0]["title"]
    assert isinstance(shown["periods"], list) and shown["default_period"] == shown["periods"][0]


def test_data_is_named_the_same_everywhere() -> None:
    for name in ("validate", "measures compute", "did", "spc", "report", "monitor"):
        options = {o for a in PARSERS[f"eah-eval {name}"]._actions for o in a.option_strings}
        assert "--data" in options, name


def test_positional_data_still_works_and_equals_data_option(
        tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = []
    for i, where in enumerate(([str(tiny)], ["--data", str(tiny)])):
        out = tmp_path / f"pa{i}.csv"
        assert main(["measures", "compute", *where, "--measure", "absence_persistent_pct",
                     "--level", "la", "--out", str(out)]) == 0
        outputs.append(out.read_text())
    assert outputs[0] == outputs[1]
    capsys.readouterr()
    assert main(["validate", str(tiny)]) == 0
    positional = capsys.readouterr().out
    assert main(["validate", "--data", str(tiny)]) == 0
    assert capsys.readouterr().out == positional


def test_data_missing_or_given_twice_is_one_line_error(
        tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 1
    assert capsys.readouterr().err.strip() == \
        "eah-eval validate: error: the data is required: give --data"
    assert main(["validate", str(tiny), "--data", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("eah-eval validate: error: give the data once:")
    assert main(["validate", str(tiny), "--data", str(tiny)]) == 0
