"""Command-line doors: parse, call the package, print. No analysis lives here.

Each sub-command is a module in this package exposing ``add_parser(subparsers)`` and
``run(args) -> int``. Data errors print one clear message (no traceback) and exit non-zero;
so do a closed output pipe (``eah-eval ... | head``) and a file that cannot be written.
Everything a command prints passes through :class:`~eah_eval.cli.terminal.SafeStream`, so no
input text can control the terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import sys
from collections.abc import Sequence

from eah_eval import __version__
from eah_eval.cli.terminal import SafeStream, terminal_text
from eah_eval.errors import EahEvalError

#: sub-command name -> module under eah_eval.cli
COMMANDS: dict[str, str] = {
    "validate": "validate",
    "demo-data": "demo_data",
    "measures": "measures",
    "did": "did",
    "spc": "spc",
    "report": "report",
    "monitor": "monitor",
    "check-report": "check_report",
}


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="eah-eval",
        description="Measure, evaluate and monitor Experts at Hand (SEND early support).",
    )
    parser.add_argument("--version", action="version", version=f"eah-eval {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(f"eah_eval.cli.{module_name}")
        module.add_parser(sub, name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``eah-eval`` command line and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    module = importlib.import_module(f"eah_eval.cli.{COMMANDS[args.command]}")
    prefix = f"eah-eval {args.command}: error:"
    try:
        with contextlib.redirect_stdout(SafeStream(sys.stdout)), \
                contextlib.redirect_stderr(SafeStream(sys.stderr)):
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
