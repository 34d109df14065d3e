"""Write CSV files that a spreadsheet opens as data, never as formulas.

A spreadsheet evaluates a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some, a
tab or carriage return) as a formula, so a cluster id such as ``-1+1`` or
``=HYPERLINK(...)`` in a council's data would run when an analyst opens a CSV the package
wrote. :func:`write_csv` is the one way the package writes CSV: every text cell and column name
that starts with one of :data:`FORMULA_LEADS` is prefixed with an apostrophe (``'``), which
spreadsheets show as text. Numbers are written as numbers (a negative number is not text and is
left alone).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_LEADS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """Return a text value prefixed with ``'`` if it starts like a formula; others unchanged.

    Examples
    --------
    >>> neutralise_cell("-1-1"), neutralise_cell("C1"), neutralise_cell(-1.5)
    ("'-1-1", 'C1', -1.5)
    """
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` whose text cells and column names cannot start a formula."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column):
            continue
        out[name] = column.astype(object).map(neutralise_cell, na_action="ignore")
    out.columns = pd.Index([neutralise_cell(str(c)) for c in out.columns])
    return out


def write_csv(frame: pd.DataFrame, path: str | Path, **options: Any) -> Path:
    """Write ``frame`` to ``path`` as CSV with formula-leading cells neutralised.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    path : str or pathlib.Path
        Output file.
    **options
        Passed to :meth:`pandas.DataFrame.to_csv` (``index`` defaults to ``False``).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    target = Path(path)
    options.setdefault("index", False)
    neutralise_frame(frame).to_csv(target, **options)
    return target
