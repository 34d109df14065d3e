"""The command line starts light (only the sub-command run is imported) and takes -v/-q/--log-level.

Start-up time itself is printed by benchmarks/bench_did.py, never timed here.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys

import pytest

from eah_eval.cli import COMMANDS, build_parser, command_in, main
from eah_eval.cli.verbosity import console_logging, log_level

HEAVY = ("pandas", "numpy", "scipy", "ibis", "duckdb", "matplotlib", "papermill", "linearmodels")


def _modules_after(code: str) -> set[str]:
    probe = (
        "import json, sys\n"
        f"{code}\n"
        "print(json.dumps(sorted(m for m in sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    return sorted({m.split(".")[0] for m in modules} & set(HEAVY))


def test_importing_the_cli_imports_no_numerical_library():
    modules = _modules_after("import eah_eval.cli")
    assert _heavy(modules) == []


def test_version_and_help_import_no_numerical_library():
    code = (
        "import contextlib, io\n"
        "from eah_eval.cli import main\n"
        "for argv in (['--version'], ['--help']):\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        try:\n"
        "            main(argv)\n"
        "        except SystemExit:\n"
        "            pass"
    )
    assert _heavy(_modules_after(code)) == []


def test_help_lists_every_command_with_its_summary(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    for name, command in COMMANDS.items():
        assert name in out
        assert " ".join(command.summary.split()) in out


def _sub_parser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[name]


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_command_registers_its_own_options(name):
    own = _sub_parser(build_parser(name), name)
    placeholder = _sub_parser(build_parser(), name)
    assert len(own._actions) > len(placeholder._actions) + 3  # its options, not a placeholder
    assert "--log-level" in own.format_help()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["did", "--data", "x.csv"], "did"),
        (["-v", "report", "--data", "d"], "report"),
        (["--log-level", "debug", "monitor"], "monitor"),
        (["--log", "debug", "spc"], "spc"),
        (["--log-level=debug", "check-report", "x"], "check-report"),
        (["--version"], None),
        (["nonsense"], None),
        ([], None),
    ],
)
def test_command_in_finds_the_sub_command(argv, expected):
    assert command_in(argv) == expected


@pytest.mark.parametrize(
    ("argv", "level"),
    [
        ([], logging.INFO),
        (["-v"], logging.DEBUG),
        (["-vv"], logging.DEBUG),
        (["-q"], logging.WARNING),
        (["-qq"], logging.ERROR),
        (["-qqq"], logging.ERROR),
        (["-q", "--log-level", "DEBUG"], logging.DEBUG),
        (["--log-level", "warning", "-v"], logging.WARNING),
    ],
)
def test_log_level_from_options(argv, level):
    args = build_parser().parse_args(argv)
    assert log_level(args) == level


def test_options_after_the_sub_command_count_too():
    args = build_parser("check-report").parse_args(["check-report", "-q", "somewhere"])
    assert log_level(args) == logging.WARNING
    args = build_parser("check-report").parse_args(["-q", "check-report", "somewhere"])
    assert log_level(args) == logging.WARNING


def test_bad_log_level_is_refused_with_the_allowed_values(capsys):
    with pytest.raises(SystemExit):
        main(["--log-level", "loud", "check-report", "x"])
    err = capsys.readouterr().err
    assert "invalid choice: 'loud'" in err and "debug" in err


def test_console_logging_shows_records_at_its_level_then_stops(capsys):
    log = logging.getLogger("eah_eval.test")
    with console_logging(logging.INFO):
        log.info("step 1 of 2")
        log.debug("detail")
        log.warning("careful")
    log.info("after the block")
    err = capsys.readouterr().err
    assert "step 1 of 2" in err and "warning: careful" in err
    assert "detail" not in err and "after the block" not in err
    assert not logging.getLogger("eah_eval").handlers
