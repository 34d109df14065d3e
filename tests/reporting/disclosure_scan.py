"""The disclosure scan of a written report page: no count of people below the threshold shown.

Report tables mark every cell holding counts of people with ``data-kind="count"``
(:mod:`eah_eval.reporting.tables`); the scan reads those cells and lists each number in them
between 0 and the threshold (exclusive), which a published page must not show.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


class CountCells(HTMLParser):
    """Collect the text of every ``td`` marked ``data-kind="count"``."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.cells: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "td" and dict(attrs).get("data-kind") == "count":
            self.inside = True
            self.cells.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.cells[-1] += data


def count_cells(html: str) -> list[str]:
    """Return the text of every count cell of a page."""
    parser = CountCells()
    parser.feed(html)
    return parser.cells


def small_numbers(text: str, threshold: int) -> list[float]:
    """Numbers in ``text`` above 0 and below ``threshold``."""
    out = []
    for m in NUMBER.findall(text):
        v = abs(float(m.replace(",", "")))
        if 0 < v < threshold:
            out.append(v)
    return out
