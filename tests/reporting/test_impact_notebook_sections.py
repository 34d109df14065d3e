"""The impact notebook shows every section the report builds, in reading order."""

from __future__ import annotations

import re

import nbformat

from eah_eval.reporting.impact.build import SECTIONS
from eah_eval.reporting.runner import notebook_path


def test_notebook_shows_every_section_in_reading_order() -> None:
    nb = nbformat.read(notebook_path("impact_report.ipynb"), as_version=4)
    shown = [m.group(1) for c in nb.cells if c.cell_type == "code"
             for m in re.finditer(r'report\.show\("([a-z_]+)"\)', c.source)]
    assert shown == list(SECTIONS), "analyses/impact_report.ipynb: one show cell per section"
