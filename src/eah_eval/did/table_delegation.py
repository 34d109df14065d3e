"""Result mixins whose table methods delegate to an :class:`~eah_eval.did.results.EffectTable`.

:class:`TableAccess` gives ``estimates``, ``std_errors`` and ``pvalues`` to any result with a
``table`` attribute, and a short ``repr``; :class:`TableResult` adds the confidence-interval,
frame and printing methods used by the comparator estimators (two-way fixed effects,
Sun-Abraham, imputation). :class:`FrameDisplay` gives the inference and sensitivity results a
``to_frame()`` and the ``_repr_html_`` Jupyter shows, from that one frame.
"""

from __future__ import annotations

import dataclasses
import numbers
from html import escape
from typing import Any, cast

import numpy as np
import pandas as pd

from eah_eval.did.results import EffectTable

__all__ = ["FrameDisplay", "TableAccess", "TableResult"]


class TableAccess:
    """Point estimates, standard errors and p-values read from ``self.table``."""

    table: EffectTable

    @property
    def estimates(self) -> np.ndarray:
        """Point estimates of the main table."""
        return np.asarray(self.table.estimates)

    @property
    def std_errors(self) -> np.ndarray:
        """Standard errors of the main table."""
        return np.asarray(self.table.std_errors)

    @property
    def pvalues(self) -> np.ndarray:
        """Two-sided p-values of the main table."""
        return np.asarray(self.table.pvalues)

    def __repr__(self) -> str:
        # Short on purpose: the fields hold influence matrices (units x cells), which made
        # the dataclass repr tens of kilobytes. print() or summary() shows the table.
        table = self.table
        return (f"<{type(self).__name__} {table.title!r}: {len(table)} rows; "
                "print() or .summary() for the table, .to_frame() for a DataFrame>")


class TableResult(TableAccess):
    """Table methods shared by the comparator results: all delegate to ``self.table``."""

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Pointwise confidence intervals (see :meth:`EffectTable.conf_int`)."""
        return self.table.conf_int(level)

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Tidy main table (see :meth:`EffectTable.to_frame`)."""
        return self.table.to_frame(level)

    def summary(self, level: float = 0.95, digits: int = 4) -> str:
        """Plain-text summary with the method and inference notes."""
        return self.table.summary(level, digits)

    def __str__(self) -> str:
        return self.table.summary()

    def _repr_html_(self) -> str:
        return self.table._repr_html_()



#: field name -> column name, so that every frame spells a p-value the same way
_COLUMNS = {"pvalue": "p_value"}


class FrameDisplay:
    """``to_frame()`` of a result's numbers, and the ``_repr_html_`` Jupyter shows from it.

    The default ``to_frame`` is one row of the result's single-valued fields (numbers, text,
    flags, the seed), with ``pvalue`` spelled ``p_value`` as in every table of the package;
    results with several rows override it.
    """

    def to_frame(self) -> pd.DataFrame:
        """Return the result's numbers as a DataFrame (one row of its single-valued fields)."""
        row: dict[str, Any] = {}
        for f in dataclasses.fields(cast(Any, self)):
            value = getattr(self, f.name)
            if value is None or isinstance(value, str | bool | numbers.Number | np.bool_):
                row[_COLUMNS.get(f.name, f.name)] = value
        return pd.DataFrame([row])

    def _repr_html_(self) -> str:
        frame = self.to_frame()
        return (f"<p><strong>{escape(type(self).__name__)}</strong></p>"
                + frame.to_html(float_format=lambda v: f"{v:.6g}",
                                index=not isinstance(frame.index, pd.RangeIndex)))
