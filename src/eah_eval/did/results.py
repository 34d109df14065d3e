"""Shared table model for estimator results.

Every estimator in :mod:`eah_eval.did` (group-time effects, aggregations, two-way fixed effects,
Sun-Abraham, imputation) reports a table of labelled estimates with standard errors. This module
holds that one table model, :class:`EffectTable`: a frozen dataclass from which ``to_frame()``,
``conf_int()``, ``pvalues``, ``summary()``, ``__str__`` and ``_repr_html_`` are all derived, so the
text, the notebook display and the data frame can never disagree.

Intervals follow the package's one naming (architecture guide, "One name for an interval"):
``ci_low`` / ``ci_high`` are the pointwise interval, which holds for each row on its own, at the
``level`` asked for; ``ci_low_simultaneous`` / ``ci_high_simultaneous`` hold for all rows jointly
(a sup-t band from a multiplier bootstrap) and are only available at the level the critical
value was computed for.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from eah_eval.errors import OptionError

__all__ = ["EffectTable", "format_metadata"]


def _readonly(values: Any, name: str, n: int | None) -> np.ndarray:
    arr = np.array(values, dtype=np.float64, copy=True).reshape(-1)
    if n is not None and arr.shape[0] != n:
        raise OptionError(f"{name} must have {n} entries (one per row); got {arr.shape[0]}")
    arr.setflags(write=False)
    return arr


def _check_level(level: float) -> float:
    if not isinstance(level, int | float) or not 0.0 < float(level) < 1.0:
        raise OptionError(f"level must be a number strictly between 0 and 1; got {level!r}")
    return float(level)


def format_metadata(metadata: Mapping[str, Any]) -> list[str]:
    """Format a metadata mapping as ``key: value`` lines (nested mappings flattened).

    Parameters
    ----------
    metadata : mapping
        Method metadata, e.g. ``{"method": "dr", "control_group": "never_treated"}``.

    Returns
    -------
    list of str
        One line per entry, in insertion order.
    """
    lines: list[str] = []
    for key, value in metadata.items():
        if isinstance(value, Mapping):
            inner = ", ".join(f"{k}={v}" for k, v in value.items())
            lines.append(f"{key}: {inner}")
        elif isinstance(value, list | tuple):
            lines.append(f"{key}: {', '.join(map(str, value))}")
        else:
            lines.append(f"{key}: {value}")
    return lines


@dataclass(frozen=True, eq=False)
class EffectTable:
    """An immutable table of labelled estimates with standard errors.

    Parameters
    ----------
    index : pandas.Index
        Row labels; a :class:`pandas.MultiIndex` for two-way labels such as ``(group, time)``.
        Index names become the leading columns of :meth:`to_frame`.
    estimates : array-like of float
        Point estimates, one per row (NaN where a row could not be estimated).
    std_errors : array-like of float
        Standard errors, one per row (NaN where not available).
    title : str
        Short title used by :meth:`summary` and the HTML display.
    critical_value : float or None
        Simultaneous (sup-t) critical value for all rows jointly, or ``None`` when no
        simultaneous band was computed.
    simultaneous_level : float or None
        Confidence level the simultaneous critical value belongs to.
    dof : float or None
        Degrees of freedom for Student-t p-values and pointwise intervals; ``None`` uses the
        standard normal.
    metadata : mapping
        Method and inference choices (method, control group, SE type, bootstrap seed, draws,
        weight type, ...). Printed by :meth:`summary`.
    extra : mapping of str to array-like
        Additional per-row columns (for example ``n_treated``), appended to :meth:`to_frame`.

    Examples
    --------
    >>> import pandas as pd
    >>> t = EffectTable(pd.Index([0, 1], name="event_time"), [0.1, 0.2], [0.05, 0.05], title="ES")
    >>> round(float(t.pvalues[0]), 4)
    0.0455
    """

    index: pd.Index
    estimates: np.ndarray
    std_errors: np.ndarray
    title: str = "Estimates"
    critical_value: float | None = None
    simultaneous_level: float | None = None
    dof: float | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        index = self.index if isinstance(self.index, pd.Index) else pd.Index(self.index)
        n = len(index)
        object.__setattr__(self, "index", index)
        object.__setattr__(self, "estimates", _readonly(self.estimates, "estimates", n))
        object.__setattr__(self, "std_errors", _readonly(self.std_errors, "std_errors", n))
        if self.critical_value is not None:
            object.__setattr__(self, "critical_value", float(self.critical_value))
            if self.simultaneous_level is None:
                object.__setattr__(self, "simultaneous_level", 0.95)
        if self.simultaneous_level is not None:
            object.__setattr__(
                self, "simultaneous_level", _check_level(self.simultaneous_level)
            )
        if self.dof is not None and not float(self.dof) > 0:
            raise OptionError(f"dof must be positive or None; got {self.dof!r}")
        object.__setattr__(self, "metadata", MappingProxyType(dict(self.metadata)))
        extra: dict[str, np.ndarray] = {}
        for key, values in self.extra.items():
            arr = np.array(values, copy=True).reshape(-1)
            if arr.shape[0] != n:
                raise OptionError(f"extra column {key!r} must have {n} entries; got {arr.shape[0]}")
            arr.setflags(write=False)
            extra[key] = arr
        object.__setattr__(self, "extra", MappingProxyType(extra))

    # ------------------------------------------------------------------ statistics
    def __len__(self) -> int:
        return len(self.index)

    @property
    def statistics(self) -> np.ndarray:
        """Ratio of estimate to standard error (z or t statistic)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.estimates / self.std_errors

    @property
    def pvalues(self) -> np.ndarray:
        """Two-sided p-values for ``estimate = 0`` (normal, or Student-t with ``dof``)."""
        # scipy.special evaluates what scipy.stats would, without its 0.5 s import; imported
        # here so that estimating (eah-eval did --json) does not import it at all
        from scipy import special

        z = np.abs(self.statistics)
        if self.dof is None:
            return 2.0 * special.ndtr(-z)
        return 2.0 * special.stdtr(self.dof, -z)

    def pointwise_critical_value(self, level: float = 0.95) -> float:
        """Two-sided critical value for one row at confidence ``level``."""
        from scipy import special

        level = _check_level(level)
        q = 0.5 + level / 2.0
        if self.dof is None:
            return float(special.ndtri(q))
        return float(special.stdtrit(self.dof, q))

    def conf_int(self, level: float = 0.95, *, simultaneous: bool = False) -> pd.DataFrame:
        """Confidence intervals.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level.
        simultaneous : bool, default False
            Use the stored sup-t critical value (only available at ``simultaneous_level``).

        Returns
        -------
        pandas.DataFrame
            Columns ``ci_low`` and ``ci_high`` indexed like the table.

        Raises
        ------
        OptionError
            If ``level`` is not in (0, 1), or a simultaneous interval is requested that was not
            computed at this level.
        """
        level = _check_level(level)
        if simultaneous:
            if self.critical_value is None:
                raise OptionError(
                    "simultaneous intervals need a simultaneous critical value "
                    "(run a multiplier bootstrap); none is stored on this result"
                )
            if not np.isclose(level, self.simultaneous_level or np.nan):
                raise OptionError(
                    f"simultaneous critical value was computed for level "
                    f"{self.simultaneous_level}; got level {level}"
                )
            crit = self.critical_value
        else:
            crit = self.pointwise_critical_value(level)
        half = crit * self.std_errors
        return pd.DataFrame(
            {"ci_low": self.estimates - half, "ci_high": self.estimates + half},
            index=self.index,
        )

    # ------------------------------------------------------------------ tables
    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Return the table as a tidy data frame.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the pointwise interval. Simultaneous columns are filled only
            when ``level`` equals ``simultaneous_level``, and are NaN otherwise.

        Returns
        -------
        pandas.DataFrame
            Index names as leading columns, then ``estimate``, ``std_error``, ``statistic``,
            ``p_value``, ``ci_low``, ``ci_high`` (pointwise), ``ci_low_simultaneous``,
            ``ci_high_simultaneous``, then any extra columns.
        """
        level = _check_level(level)
        frame = self.index.to_frame(index=False)
        frame.columns = [str(c) if c is not None else "label" for c in frame.columns]
        frame["estimate"] = self.estimates
        frame["std_error"] = self.std_errors
        frame["statistic"] = self.statistics
        frame["p_value"] = self.pvalues
        pw = self.conf_int(level)
        frame["ci_low"] = pw["ci_low"].to_numpy()
        frame["ci_high"] = pw["ci_high"].to_numpy()
        if self.critical_value is not None and np.isclose(level, self.simultaneous_level or -1):
            sim = self.conf_int(level, simultaneous=True)
            frame["ci_low_simultaneous"] = sim["ci_low"].to_numpy()
            frame["ci_high_simultaneous"] = sim["ci_high"].to_numpy()
        else:
            frame["ci_low_simultaneous"] = np.nan
            frame["ci_high_simultaneous"] = np.nan
        for key, values in self.extra.items():
            frame[key] = values
        return frame

    def with_inference(
        self,
        std_errors: Sequence[float] | np.ndarray,
        *,
        critical_value: float | None = None,
        simultaneous_level: float | None = None,
        dof: float | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> EffectTable:
        """Return a new table with other standard errors (changing inference never mutates).

        Parameters
        ----------
        std_errors : array-like of float
            New standard errors.
        critical_value, simultaneous_level, dof : optional
            New simultaneous critical value, its level, and degrees of freedom.
        metadata : mapping, optional
            Entries merged over the existing metadata (e.g. the new SE type).

        Returns
        -------
        EffectTable
            A new table; ``self`` is unchanged.
        """
        merged = dict(self.metadata)
        if metadata:
            merged.update(metadata)
        return replace(
            self,
            std_errors=np.asarray(std_errors, dtype=np.float64),
            critical_value=critical_value,
            simultaneous_level=simultaneous_level,
            dof=dof,
            metadata=merged,
        )

    # ------------------------------------------------------------------ display
    def _display_frame(self, level: float = 0.95) -> pd.DataFrame:
        frame = self.to_frame(level)
        if self.critical_value is None:
            frame = frame.drop(columns=["ci_low_simultaneous", "ci_high_simultaneous"])
        return frame

    def _notes(self, level: float = 0.95) -> list[str]:
        notes = format_metadata(self.metadata)
        dist = "normal" if self.dof is None else f"Student t, {self.dof:g} df"
        notes.append(f"pointwise intervals: {level:.0%}, {dist}")
        if self.critical_value is not None:
            notes.append(
                f"simultaneous band: {self.simultaneous_level:.0%}, "
                f"sup-t critical value {self.critical_value:.4f}"
            )
        return notes

    def summary(self, level: float = 0.95, digits: int = 4) -> str:
        """Plain-text summary: title, the table, then the method and inference notes.

        Parameters
        ----------
        level : float, default 0.95
            Pointwise interval level.
        digits : int, default 4
            Decimal places for floats.

        Returns
        -------
        str
            The summary text.
        """
        frame = self._display_frame(level)
        body = frame.to_string(index=False, float_format=lambda v: f"{v:.{digits}f}")
        rule = "=" * max(len(self.title), min(100, max(len(x) for x in body.splitlines())))
        notes = "\n".join(self._notes(level))
        return f"{self.title}\n{rule}\n{body}\n{'-' * len(rule)}\n{notes}"

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.title!r}: {len(self)} rows>"

    def _repr_html_(self) -> str:
        frame = self._display_frame()
        table = frame.to_html(index=False, float_format=lambda v: f"{v:.4f}", na_rep="NA")
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self._notes())
        return f"<div><strong>{html.escape(self.title)}</strong>{table}<ul>{notes}</ul></div>"
