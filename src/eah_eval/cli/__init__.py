"""Command-line doors: parse, call the package, print. No analysis lives here.

Each sub-command is a module in this package exposing ``add_parser(subparsers)`` and
``run(args) -> int``. Data errors print one clear message (no traceback) and exit non-zero;
so do a closed output pipe (``eah-eval ... | head``) and a file that cannot be written.
Everything a command prints passes through :class:`~eah_eval.cli.terminal.SafeStream`, so no
input text can control the terminal. Progress and other log records go to standard error
(:mod:`eah_eval.cli.verbosity`: ``-v``, ``-q``, ``--log-level``).

Only the sub-command being run is imported: ``eah-eval --version`` and ``eah-eval --help``
import no numerical library, and each sub-command imports its own dependencies.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import sys
from collections.abc import Sequence
from typing import NamedTuple

from eah_eval import __version__
from eah_eval.cli.options import CommandParser
from eah_eval.cli.terminal import SafeStream, terminal_text
from eah_eval.cli.verbosity import add_verbosity_arguments, console_logging, log_level
from eah_eval.errors import EahEvalError


class Command(NamedTuple):
    """A sub-command: the module under ``eah_eval.cli`` that runs it and its one-line help."""

    module: str
    summary: str


#: sub-command name -> its module and one-line help (shown by ``eah-eval --help``)
COMMANDS: dict[str, Command] = {
    "validate": Command(
        "validate", "check a data directory against data_schema/ and list every problem"),
    "demo-data": Command(
        "demo_data",
        "write a synthetic council (seventeen tables, truth.json, schemas) to a folder"),
    "measures": Command("measures", "list, show, compute and catalogue measures"),
    "did": Command(
        "did", "Callaway-Sant'Anna group-time effects and aggregations from a panel CSV"),
    "spc": Command("spc", "control chart (XmR, Laney p'/u') of one series in a CSV file"),
    "compare-areas": Command(
        "compare_areas",
        "one treated area against many: synthetic DiD, synthetic control or DiD, placebo SEs"),
    "report": Command(
        "report", "run the impact report notebook and export accessible HTML + results.json"),
    "monitor": Command(
        "monitor",
        "run the monitoring report (control charts by cluster) and export accessible HTML"),
    "finance": Command(
        "finance",
        "run the finance report (EHC plans, high-needs spend and the DSG position, with and "
        "without the programme)"),
    "check-report": Command(
        "check_report", "check that an impact report's HTML and results.json agree"),
}

#: top-level options that take a value (skipped when looking for the sub-command's name)
_VALUE_OPTIONS = ("--log-level",)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Build the top-level parser; only ``command``'s own options are registered.

    Every sub-command is listed (with its one-line help), but only ``command``'s module is
    imported to add its options: the others stay placeholders, so that starting the command
    line costs the imports of the one sub-command being run.

    Parameters
    ----------
    command : str, optional
        The sub-command about to be run (a key of :data:`COMMANDS`), or ``None`` for the
        top level only (``--version``, ``--help``).
    """
    parser = CommandParser(
        prog="eah-eval",
        description="Measure, evaluate and monitor Experts at Hand (SEND early support).",
    )
    parser.add_argument("--version", action="version", version=f"eah-eval {__version__}")
    add_verbosity_arguments(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, summary) in COMMANDS.items():
        if name == command:
            module = importlib.import_module(f"eah_eval.cli.{module_name}")
            module.add_parser(sub, name, summary)
            add_verbosity_arguments(sub.choices[name])
        else:
            sub.add_parser(name, help=summary)
    return parser


def command_in(argv: Sequence[str]) -> str | None:
    """Return the sub-command named in ``argv`` (the first word that is not an option)."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word == "--":
            continue
        elif word.startswith("-"):
            # A long option may be abbreviated (--log for --log-level); its value follows.
            skip = "=" not in word and len(word) > 2 and any(
                opt.startswith(word) for opt in _VALUE_OPTIONS)
        else:
            return word if word in COMMANDS else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``eah-eval`` command line and return its exit status."""
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(command_in(words))
    args = parser.parse_args(words)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    module = importlib.import_module(f"eah_eval.cli.{COMMANDS[args.command].module}")
    prefix = f"eah-eval {args.command}: error:"
    try:
        with contextlib.redirect_stdout(SafeStream(sys.stdout)), \
                contextlib.redirect_stderr(SafeStream(sys.stderr)), \
                console_logging(log_level(args)):
            status: int = module.run(args)
            sys.stdout.flush()
    except EahEvalError as exc:
        print(f"{prefix} {terminal_text(str(exc))}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        _silence_stdout()
        print(f"{prefix} the output was closed before it was all written (broken pipe)",
              file=sys.stderr)
        return 1
    except OSError as exc:  # the file system refused: disk full, permission, ...
        where = f": {exc.filename}" if exc.filename else ""
        print(f"{prefix} {exc.strerror or type(exc).__name__}{terminal_text(where)}",
              file=sys.stderr)
        return 1
    return status


def _silence_stdout() -> None:
    """Point stdout at the null device, so exiting does not fail on the closed pipe again."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, io.UnsupportedOperation, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
