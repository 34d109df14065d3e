"""Package error and warning classes.

Every error raised on purpose by eah-eval derives from :class:`EahEvalError`, and each also
inherits the matching built-in (``ValueError``, ``TypeError``, ``FileNotFoundError``) so callers
who catch the built-in still work. Messages name the file, column, row or argument, what was
expected and what was found.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass


class EahEvalError(Exception):
    """Base class of every error raised on purpose by eah-eval."""


class OptionError(EahEvalError, ValueError):
    """An argument or option has a value outside its allowed set or range."""


class OptionTypeError(EahEvalError, TypeError):
    """An argument or option has the wrong type."""


class MissingDependencyError(EahEvalError, ImportError):
    """An optional dependency is not installed; the message gives the pip command."""


class DataFileNotFoundError(EahEvalError, FileNotFoundError):
    """An expected input file is missing."""


class OutputPathError(EahEvalError, ValueError):
    """An output path cannot be written (it is a file, under a file, or not writable)."""


@dataclass(frozen=True)
class DataProblem:
    """One problem found in an input table.

    Attributes
    ----------
    table : str
        Table name (e.g. ``"schools"``).
    file : str
        File path as given to the loader.
    row : int | None
        1-based data row number in the file (the header is row 0), or ``None`` for file-level
        problems.
    column : str | None
        Column name, or ``None`` when the problem concerns the whole row or file.
    kind : str
        Short machine-readable kind, such as ``"missing_column"`` or ``"bad_code"``.
    expected : str
        What was expected.
    found : str
        What was found.
    """

    table: str
    file: str
    row: int | None
    column: str | None
    kind: str
    expected: str
    found: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        return f"{where}: {self.kind}: expected {self.expected}; found {self.found}"


class DataValidationError(EahEvalError, ValueError):
    """Input data failed validation; carries every problem found, not only the first."""

    def __init__(self, problems: Sequence[DataProblem], *, limit: int = 50) -> None:
        self.problems: tuple[DataProblem, ...] = tuple(problems)
        shown = "\n".join(f"  - {p}" for p in self.problems[:limit])
        more = len(self.problems) - limit
        extra = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(f"{len(self.problems)} data problem(s) found:\n{shown}{extra}")


class EstimationError(EahEvalError, ValueError):
    """An estimator cannot run on the data it was given (the message says why)."""


class NotebookExecutionError(EahEvalError, RuntimeError):
    """A report notebook failed; carries the failing cell and its error message."""

    def __init__(self, notebook: str, cell_index: int | None, source: str, message: str) -> None:
        self.notebook = notebook
        self.cell_index = cell_index
        self.cell_source = source
        self.error_message = message
        where = f"cell {cell_index}" if cell_index is not None else "an unknown cell"
        snippet = source.strip().splitlines()[0][:120] if source.strip() else ""
        super().__init__(
            f"notebook {notebook} failed in {where} ({snippet!r}): {message}"
        )


class EahEvalWarning(UserWarning):
    """Base class of eah-eval warnings."""


class DataQualityWarning(EahEvalWarning):
    """Data were usable but something was excluded or looks doubtful."""


class EstimationWarning(EahEvalWarning):
    """A quantity could not be estimated (e.g. a group-time cell without comparison units)."""


class TrialLimitsWarning(EahEvalWarning):
    """A control chart has fewer points than needed for settled limits."""


def check_option(name: str, value: object, allowed: Sequence[str]) -> str:
    """Validate a string option against its allowed values.

    Parameters
    ----------
    name : str
        Argument name used in the message.
    value : object
        Value received.
    allowed : sequence of str
        Allowed values.

    Returns
    -------
    str
        The value, unchanged.

    Raises
    ------
    OptionTypeError
        If ``value`` is not a string.
    OptionError
        If ``value`` is not one of ``allowed``.
    """
    if not isinstance(value, str):
        raise OptionTypeError(
            f"{name} must be a string, one of {', '.join(map(repr, allowed))}; "
            f"got {type(value).__name__} {value!r}"
        )
    if value not in allowed:
        raise OptionError(
            f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}"
        )
    return value


def check_int(name: str, value: object, minimum: int) -> int:
    """Validate an integer option (a Python or NumPy integer, not a bool) and its minimum.

    Parameters
    ----------
    name : str
        Argument name used in the message.
    value : object
        Value received.
    minimum : int
        Smallest value allowed.

    Returns
    -------
    int
        The value as a Python ``int``.

    Raises
    ------
    OptionTypeError
        If ``value`` is not an integer.
    OptionError
        If ``value`` is below ``minimum``.

    Examples
    --------
    >>> check_int("n_draws", 500, 1)
    500
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise OptionTypeError(f"{name} must be an integer; got {type(value).__name__} {value!r}")
    if value < minimum:
        raise OptionError(f"{name} must be at least {minimum}; got {value}")
    return int(value)
