"""How much the command line says while it works: ``-v``, ``-q`` and ``--log-level``.

The package logs through :mod:`logging` under the ``eah_eval`` logger and never prints. The
command line shows those records on standard error (progress at ``info``, the default), so
standard output keeps only what a command produces (a path, a table, JSON).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
from collections.abc import Iterator

#: level names accepted by ``--log-level``
LOG_LEVELS: tuple[str, ...] = ("debug", "info", "warning", "error")


def add_verbosity_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``-v``, ``-q`` and ``--log-level`` to a parser.

    The options are accepted before and after the sub-command; their defaults are suppressed
    so that a value given before the sub-command is not reset by the sub-command's parser.
    """
    group = parser.add_argument_group("messages")
    group.add_argument(
        "-v", "--verbose", action="count", default=argparse.SUPPRESS,
        help="say more: details as well as progress (default: progress only)")
    group.add_argument(
        "-q", "--quiet", action="count", default=argparse.SUPPRESS,
        help="say less: -q warnings and errors only, -qq errors only")
    group.add_argument(
        "--log-level", choices=LOG_LEVELS, type=str.lower, default=argparse.SUPPRESS,
        help="the least severe message shown; overrides -v and -q (default: info)")


def log_level(args: argparse.Namespace) -> int:
    """Return the logging level asked for by ``args`` (``info`` when nothing was asked)."""
    name = getattr(args, "log_level", None)
    if name is not None:
        return int(getattr(logging, name.upper()))
    steps = getattr(args, "quiet", 0) - getattr(args, "verbose", 0)
    return max(logging.DEBUG, min(logging.ERROR, logging.INFO + 10 * steps))


class ConsoleFormatter(logging.Formatter):
    """``12:03:04 message``; warnings and errors say so; ``debug`` also names the logger."""

    def __init__(self) -> None:
        super().__init__(datefmt="%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        """Format one record on one line (plus any traceback)."""
        text = f"{self.formatTime(record, self.datefmt)} "
        if record.levelno >= logging.WARNING:
            text += f"{record.levelname.lower()}: "
        elif record.levelno < logging.INFO:
            text += f"{record.name}: "
        text += record.getMessage()
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


@contextlib.contextmanager
def console_logging(level: int) -> Iterator[logging.Handler]:
    """Show the package's log records at ``level`` and above on standard error, then stop.

    The handler writes to whatever ``sys.stderr`` is when the block starts (the CLI's safe
    stream) and is removed, with the logger's level restored, when the block ends, so repeated
    calls (tests, notebooks) do not pile up handlers.
    """
    logger = logging.getLogger("eah_eval")
    handler = logging.StreamHandler()
    handler.setFormatter(ConsoleFormatter())
    handler.setLevel(level)
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(level)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
