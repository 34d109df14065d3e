"""Result mixins whose table methods delegate to an :class:`~eah_eval.did.results.EffectTable`.

:class:`TableAccess` gives ``estimates``, ``std_errors`` and ``pvalues`` to any result with a
``table`` attribute; :class:`TableResult` adds the confidence-interval, frame and printing
methods used by the comparator estimators (two-way fixed effects, Sun-Abraham, imputation).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eah_eval.did.results import EffectTable

__all__ = ["TableAccess", "TableResult"]


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
