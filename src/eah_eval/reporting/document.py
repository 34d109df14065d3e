"""A built report as a document: sections in reading order and the numbers behind them.

The impact and monitoring reports are both documents of this shape. :class:`Section` is one
section; :class:`SectionedReport` gives a report its look-up, HTML, notebook display, its
page and ``results.json`` writing; :func:`jsonable` turns the results into plain JSON values.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from eah_eval.reporting.html import page


@dataclass(frozen=True)
class Section:
    """One section of the report: an id, a heading and its HTML."""

    id: str
    title: str
    html: str


@dataclass(frozen=True)
class Unavailable:
    """A part of a report that could not be computed from the data supplied, with the reason.

    Every report lists these in the page and in ``results.json`` (``sections_unavailable``),
    so a section either works or says why it is missing.
    """

    section: str
    what: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        """Plain dictionary for ``results.json`` (``sections_unavailable``)."""
        return {"section": self.section, "what": self.what, "reason": self.reason}


class SectionedReport:
    """Methods shared by built reports that hold ``sections`` and ``results``.

    Subclasses are frozen dataclasses with the fields ``sections`` (tuple of :class:`Section`,
    in reading order) and ``results`` (the dictionary written to ``results.json``).
    """

    sections: tuple[Section, ...]
    results: dict[str, Any]
    #: Indentation of ``results.json``.
    results_indent: ClassVar[int] = 2

    def section(self, section_id: str) -> Section:
        """Return a section by id."""
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(f"no section {section_id!r}; have {[s.id for s in self.sections]}")

    def html(self, *ids: str) -> str:
        """HTML of the given sections (all when none given), in reading order."""
        chosen = [s for s in self.sections if not ids or s.id in ids]
        return "\n".join(s.html for s in chosen)

    def show(self, *ids: str) -> Any:
        """Return an IPython HTML object of the given sections, for display in the notebook."""
        from IPython.display import HTML

        return HTML(self.html(*ids))

    def write_html(self, path: str | Path, *, title: str) -> Path:
        """Write every section, in reading order, as one self-contained accessible page.

        This is the page a notebook run by hand writes; ``eah-eval report`` and ``eah-eval
        monitor`` export the executed notebook instead
        (:func:`eah_eval.reporting.runner.export_html`), which shows the same sections.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page(self.html(), title=title), encoding="utf-8")
        return path

    def write_results(self, out_dir: str | Path) -> Path:
        """Write ``results.json`` (every number shown, after disclosure control)."""
        path = Path(out_dir) / "results.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(jsonable(self.results), indent=self.results_indent)
        path.write_text(text, encoding="utf-8")
        return path


def jsonable(obj: Any) -> Any:
    """Return ``obj`` with numpy and pandas scalars as plain JSON values.

    Mappings become dicts with string keys, lists and tuples become lists, NaN, infinities,
    ``pd.NA`` and ``pd.NaT`` become ``None``, timestamps ISO text, anything else its text.
    """
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating | float):
        f = float(obj)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(obj, np.bool_):
        return bool(obj)
    if obj is None or isinstance(obj, str | int | bool):
        return obj
    if obj is pd.NA or obj is pd.NaT:
        return None
    if isinstance(obj, pd.Timestamp):
        return obj.isoformat()
    return str(obj)
