"""Conventions every sub-command's options share: help that shows defaults, ``--data``, JSON.

- Every option has help text, and its help ends with its default (``(default: 6.5)``) unless
  the option has none (``None``, an empty list, a flag that is off): :class:`CommandParser` is
  the parser class of the command line and of every sub-command, so each parser formats its help
  with :class:`DefaultsHelpFormatter`.
- The input data is named ``--data`` by every sub-command that reads it (a folder of tables, or
  one CSV file). Where a command took it as its first word before, that form still works as a
  deprecated alias, documented as such in ``--help`` (:func:`add_data_argument`,
  :func:`data_argument`); it prints no warning, so scripts that parse standard error keep
  working until it is removed.
- ``--json`` prints exactly one JSON value (object or array) on standard output
  (:func:`print_json`).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from eah_eval.errors import OptionError

__all__ = [
    "CommandParser",
    "DefaultsHelpFormatter",
    "add_data_argument",
    "data_argument",
    "print_json",
]

#: ``dest`` of the deprecated positional form of the data argument
_POSITIONAL_DATA = "data_positional"


class DefaultsHelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Add ``(default: X)`` to an option's help, but only when there is a default to show.

    :class:`argparse.ArgumentDefaultsHelpFormatter` would print ``(default: None)`` for an
    option without a value and ``(default: False)`` for every flag; those say nothing.
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False or action.default == []:
            return action.help
        return super()._get_help_string(action)


class CommandParser(argparse.ArgumentParser):
    """An argument parser whose help shows each option's default.

    Sub-command parsers are made of the class of their parent, so using this class for the
    top-level parser gives every sub-command (and every sub-sub-command) the same help format.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", DefaultsHelpFormatter)
        super().__init__(*args, **kwargs)


def add_data_argument(
    parser: argparse.ArgumentParser,
    *,
    metavar: str = "DIR",
    help: str = "folder of <table>.csv or <table>.parquet files",
    positional: bool = False,
    required: bool = True,
) -> None:
    """Add ``--data`` (and, with ``positional``, the deprecated positional form) to a parser.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The sub-command's parser.
    metavar : str, default "DIR"
        What the value is (``DIR`` for a folder of tables, ``FILE.csv`` for one file).
    help : str
        Help text of ``--data``.
    positional : bool, default False
        Also accept the value as the first word after the sub-command (the form of earlier
        versions), documented as deprecated; :func:`data_argument` reads either.
    required : bool, default True
        Whether the data must be given (checked by :func:`data_argument` when ``positional``,
        since then either form may carry it).
    """
    parser.add_argument("--data", metavar=metavar, default=None,
                        required=required and not positional, help=help)
    if positional:
        parser.add_argument(
            _POSITIONAL_DATA, nargs="?", default=None, metavar=metavar,
            help=f"deprecated: the same as --data {metavar} (still accepted)")


def data_argument(args: argparse.Namespace) -> str:
    """Return the data path given by ``--data`` or by its deprecated positional form.

    Raises
    ------
    OptionError
        If neither form was given, or both were given with different values.
    """
    option = getattr(args, "data", None)
    word = getattr(args, _POSITIONAL_DATA, None)
    if option is not None and word is not None and option != word:
        raise OptionError(f"give the data once: --data {option!r} and {word!r} differ")
    value = option if option is not None else word
    if value is None:
        raise OptionError("the data is required: give --data")
    return str(value)


def parse_number(name: str, text: str | None, kind: type) -> Any:
    """Parse an option's text as ``int`` or ``float`` (``None`` stays ``None``).

    Raises
    ------
    OptionError
        Naming the option when the text is not a number of that kind.
    """
    if text is None:
        return None
    try:
        return kind(text)
    except ValueError:
        raise OptionError(
            f"{name} must be {'an integer' if kind is int else 'a number'}; got {text!r}"
        ) from None


def print_json(value: Any) -> None:
    """Print ``value`` as one JSON document (``NaN`` and infinities refused)."""
    print(json.dumps(value, indent=2, allow_nan=False))
