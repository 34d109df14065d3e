"""Accessible HTML tables built from disclosure-controlled frames.

Tables are real ``<table>`` elements with a ``<caption>``, column headers with
``scope="col"``, row headers with ``scope="row"``, numbers right-aligned, and a footnote
explaining any government symbol used. Cells holding counts of people carry
``data-kind="count"`` so that the disclosure scan in the tests can find every count in the
page without guessing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

import pandas as pd

from eah_eval.reporting.suppression import SYMBOL_MEANINGS, SYMBOLS, display_frame


def html_table(
    display: pd.DataFrame,
    *,
    caption: str,
    row_header: str | None = None,
    count_columns: Sequence[str] = (),
    numeric_columns: Sequence[str] | None = None,
    notes: Sequence[str] = (),
    index: bool = True,
) -> str:
    """Render a frame of display strings as an accessible table.

    Parameters
    ----------
    display : pandas.DataFrame
        Strings to show (formatted numbers and symbols; see
        :func:`eah_eval.reporting.suppression.display_frame`).
    caption : str
        Table caption (what, where, when).
    row_header : str, optional
        Header of the index column (default: the index name).
    count_columns : sequence of str
        Columns holding counts of people (marked ``data-kind="count"``).
    numeric_columns : sequence of str, optional
        Columns to right-align (default: every column except text-only ones).
    notes : sequence of str
        Extra footnotes under the table.
    index : bool
        Show the index as the first (row-header) column.
    """
    counts = {str(c) for c in count_columns}
    numeric = {str(c) for c in (numeric_columns if numeric_columns is not None else display)}
    head = []
    if index:
        label = row_header if row_header is not None else (display.index.name or "")
        head.append(f'<th scope="col">{escape(str(label))}</th>')
    for col in display.columns:
        cls = ' class="num"' if str(col) in numeric else ""
        head.append(f'<th scope="col"{cls}>{escape(str(col))}</th>')
    used: set[str] = set()
    rows = []
    for idx, row in display.iterrows():
        cells = []
        if index:
            cells.append(f'<th scope="row">{escape(str(idx))}</th>')
        for col in display.columns:
            text = "" if row[col] is None else str(row[col])
            first = text.split(" ")[-1] if text else ""
            if first in SYMBOL_MEANINGS:
                used.add(first)
            if text in SYMBOL_MEANINGS:
                used.add(text)
            attrs = []
            if str(col) in numeric:
                attrs.append('class="num"')
            if str(col) in counts:
                attrs.append('data-kind="count"')
            attr = (" " + " ".join(attrs)) if attrs else ""
            cells.append(f"<td{attr}>{escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    foot = [escape(n) for n in notes]
    for sym in ("c", "x", "z", "low", "u"):
        if sym in used:
            foot.append(f"<strong>{escape(sym)}</strong> = {escape(SYMBOL_MEANINGS[sym])}")
    footnote = (
        '<p class="table-notes"><small>' + "; ".join(foot) + ".</small></p>" if foot else ""
    )
    return (
        f"<table><caption>{escape(caption)}</caption><thead><tr>{''.join(head)}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>{footnote}"
    )


def controlled_table(
    values: pd.DataFrame,
    flags: pd.DataFrame,
    *,
    caption: str,
    formats: Mapping[str, str] | str = "{:,.0f}",
    count_columns: Sequence[str] = (),
    row_header: str | None = None,
    notes: Sequence[str] = (),
) -> str:
    """Format values with their flags (symbols where hidden) and render the table."""
    disp = display_frame(values, flags, formats)
    return html_table(
        disp, caption=caption, count_columns=count_columns, row_header=row_header, notes=notes
    )


def is_symbol(text: str) -> bool:
    """Return whether a display string is one of the government symbols."""
    return text in set(SYMBOLS.values())
