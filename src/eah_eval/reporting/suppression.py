"""Statistical disclosure control for every table and chart behind a report.

Every number that reaches a board-facing output passes through this module first. It applies
the rules in ``DOMAIN.md`` ("Publishing rules"):

* **Primary suppression.** With the default ``rule="threshold"`` a count ``0 < n < threshold``
  (threshold 10) is suppressed. With ``rule="suppress_1_2"`` (DfE's option) only counts of 1 and 2
  are suppressed. Zeros are shown by default (``zeros="show"``): a true zero identifies nobody
  in a count of people; ``zeros="suppress"`` treats them as small counts too.
* **Secondary (complementary) suppression.** Totals are assumed to be published (or derivable),
  so a suppressed cell could be recovered by subtraction from its row or column total. The
  algorithm below adds complementary suppressions until no suppressed value can be worked out,
  either by one subtraction or by any combination of the row and column equations.
* **Derived values.** A rate, percentage or mean built on a suppressed count is suppressed too.
* **Symbols** (GSS / DfE): ``c`` confidential (suppressed), ``x`` unavailable, ``z`` not
  applicable, ``low`` rounds to zero, ``u`` low reliability.

Every result keeps a parallel *flag frame* saying why each cell was hidden, and a
:class:`SuppressionRecord` that the report writes into ``results.json``.

Secondary suppression algorithm
-------------------------------
Treat a table of ``R x C`` counts with its row totals, column totals and grand total as the
``(R+1) x (C+1)`` array ``T``. Each row ``i`` (the totals row included) gives the equation
``sum_j T[i, j] = T[i, C]`` and each column likewise. Starting from the primary suppressions:

1. *Single-subtraction pass.* For every equation with exactly one suppressed entry, suppress
   the smallest visible entry of that equation (non-zero entries first, then zeros; ties broken
   by position, so the result is deterministic). Repeat until every equation has zero or at
   least two suppressed entries (a fixed point: the suppressed set only grows, so this stops).
2. *Linear audit.* Write the equations in the suppressed entries only (visible entries move to
   the right-hand side). A suppressed entry is exactly recoverable when its unit vector lies in
   the row space of that system, that is when its row of the null-space basis is zero. For
   each recoverable entry, suppress the smallest visible entry in one of its equations and go
   back to step 1. The loop stops because each round suppresses at least one more cell.

This guarantees exact non-recoverability from the published table. It does not minimise the
information lost (that needs an integer programme, as in tau-ARGUS), and it does not protect
against intervals that are narrow but not exact; both limits are stated in the report's
methods appendix.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from eah_eval.errors import OptionError, OptionTypeError, check_option

Rule = Literal["threshold", "suppress_1_2"]
Zeros = Literal["show", "suppress"]
Flag = Literal[
    "", "primary", "secondary", "derived", "missing", "not_applicable", "low", "unreliable"
]

RULES: tuple[str, ...] = get_args(Rule)
ZEROS: tuple[str, ...] = get_args(Zeros)

#: Government Statistical Service symbols, by flag.
SYMBOLS: dict[str, str] = {
    "primary": "c",
    "secondary": "c",
    "derived": "c",
    "missing": "x",
    "not_applicable": "z",
    "low": "low",
    "unreliable": "u",
}

#: Plain-English meaning of each symbol, for table footnotes.
SYMBOL_MEANINGS: dict[str, str] = {
    "c": "confidential: suppressed to protect small numbers",
    "x": "not available",
    "z": "not applicable",
    "low": "rounds to zero but is not zero",
    "u": "low reliability",
}

_HIDDEN = frozenset({"primary", "secondary", "derived", "missing", "not_applicable"})


@dataclass(frozen=True)
class DisclosurePolicy:
    """Disclosure-control settings, stated in every output that uses them.

    Parameters
    ----------
    rule : {"threshold", "suppress_1_2"}
        ``"threshold"`` suppresses counts below ``threshold``; ``"suppress_1_2"`` is DfE's rule
        that suppresses counts of 1 and 2 only.
    threshold : int
        Smallest count shown under ``rule="threshold"`` (default 10).
    zeros : {"show", "suppress"}
        Whether true zeros are shown (default) or treated as small counts.
    secondary : bool
        Apply complementary suppression against totals (default ``True``; switching it off is
        only for diagnostics and is refused for board outputs by the report parameters).

    Raises
    ------
    OptionError, OptionTypeError
        If an option is outside its allowed values or of the wrong type.
    """

    rule: Rule = "threshold"
    threshold: int = 10
    zeros: Zeros = "show"
    secondary: bool = True

    def __post_init__(self) -> None:
        check_option("rule", self.rule, RULES)
        check_option("zeros", self.zeros, ZEROS)
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, int):
            raise OptionTypeError(
                f"threshold must be an int; got {type(self.threshold).__name__}"
                f" {self.threshold!r}"
            )
        if self.threshold < 1:
            raise OptionError(f"threshold must be at least 1; got {self.threshold}")
        if not isinstance(self.secondary, bool):
            raise OptionTypeError(f"secondary must be a bool; got {self.secondary!r}")

    @property
    def smallest_shown(self) -> int:
        """Smallest non-zero count that may be shown."""
        return self.threshold if self.rule == "threshold" else 3

    def is_small(self, n: float) -> bool:
        """Return whether a count needs primary suppression under this policy."""
        if n is None or (isinstance(n, float) and math.isnan(n)):
            return False
        if n == 0:
            return self.zeros == "suppress"
        if self.rule == "threshold":
            return 0 < n < self.threshold
        return n in (1, 2)

    def describe(self) -> str:
        """One sentence describing the policy, for footnotes and the methods appendix."""
        if self.rule == "threshold":
            core = f"counts below {self.threshold} are suppressed (shown as 'c')"
        else:
            core = "counts of 1 and 2 are suppressed (DfE rule; shown as 'c')"
        zeros = "zeros are shown" if self.zeros == "show" else "zeros are suppressed"
        sec = (
            "; further cells are suppressed so that no hidden value can be worked out from "
            "totals; rates and averages built on a suppressed count are suppressed too"
            if self.secondary
            else "; no secondary suppression"
        )
        return f"{core}; {zeros}{sec}."

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for ``results.json``."""
        return {
            "rule": self.rule,
            "threshold": self.threshold,
            "zeros": self.zeros,
            "secondary": self.secondary,
            "description": self.describe(),
        }


@dataclass(frozen=True)
class SuppressionRecord:
    """What suppression did to one table (written to ``results.json``)."""

    table: str
    policy: dict[str, Any]
    n_cells: int
    n_primary: int
    n_secondary: int
    n_derived: int

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for ``results.json``."""
        return {
            "table": self.table,
            "policy": self.policy,
            "n_cells": self.n_cells,
            "n_primary": self.n_primary,
            "n_secondary": self.n_secondary,
            "n_derived": self.n_derived,
        }


@dataclass(frozen=True)
class SuppressedTable:
    """A table after disclosure control.

    Attributes
    ----------
    values : pandas.DataFrame
        Numbers with every hidden cell set to NaN (so nothing hidden can leak downstream).
    flags : pandas.DataFrame
        Same shape; why each cell is hidden or marked (``""`` when shown as is).
    record : SuppressionRecord
        Summary for ``results.json``.
    """

    values: pd.DataFrame
    flags: pd.DataFrame
    record: SuppressionRecord

    def display(self, formats: Mapping[str, str] | str = "{:,.0f}") -> pd.DataFrame:
        """Return a string frame with government symbols in place of hidden cells.

        Parameters
        ----------
        formats : str or mapping of column -> format string
            Format used for shown numbers.
        """
        return display_frame(self.values, self.flags, formats)


def _as_float_array(frame: pd.DataFrame) -> np.ndarray:
    try:
        arr = frame.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise OptionTypeError(f"counts must be numeric; got columns {list(frame.columns)}") from exc
    finite = arr[~np.isnan(arr)]
    if finite.size and ((finite < 0).any() or (np.floor(finite) != finite).any()):
        raise OptionError("counts must be non-negative whole numbers")
    return arr


def _equations(
    n_rows: int, n_cols: int, row_groups: Sequence[Sequence[int]] | None = None
) -> list[list[tuple[int, int]]]:
    """Equations of a table whose last column and last row are totals.

    Without ``row_groups`` the array is ``(n_rows+1) x (n_cols+1)``. With ``row_groups``
    (lists of inner row positions, one list per group) a subtotal row per group sits between
    the inner rows and the total row, and each column adds one equation per group (members
    sum to the subtotal) plus one for the subtotals (they sum to the total). Each equation
    lists its positions with the total last.
    """
    n_groups = len(row_groups) if row_groups else 0
    total_row = n_rows + n_groups
    eqs: list[list[tuple[int, int]]] = []
    for i in range(total_row + 1):
        eqs.append([(i, j) for j in range(n_cols + 1)])
    for j in range(n_cols + 1):
        if row_groups:
            for g, members in enumerate(row_groups):
                eqs.append([*((i, j) for i in members), (n_rows + g, j)])
            eqs.append([*((n_rows + g, j) for g in range(n_groups)), (total_row, j)])
        else:
            eqs.append([(i, j) for i in range(n_rows + 1)])
    return eqs


def _pick_complement(
    candidates: Iterable[tuple[int, int]],
    full: np.ndarray,
    hidden: np.ndarray,
    blocked: np.ndarray,
) -> tuple[int, int] | None:
    best: tuple[tuple[int, float, int, int], tuple[int, int]] | None = None
    for pos in candidates:
        if hidden[pos] or blocked[pos]:
            continue
        v = full[pos]
        if np.isnan(v):
            continue
        key = (1 if v == 0 else 0, float(v), pos[0], pos[1])
        if best is None or key < best[0]:
            best = (key, pos)
    return None if best is None else best[1]


def _recoverable(full: np.ndarray, hidden: np.ndarray, eqs: list[list[tuple[int, int]]]) -> (
    list[tuple[int, int]]
):
    """Hidden positions whose value is exactly determined by the published equations."""
    positions = [tuple(p) for p in np.argwhere(hidden)]
    if not positions:
        return []
    index = {p: k for k, p in enumerate(positions)}
    rows = []
    for eq in eqs:
        total = eq[-1]
        coeffs = np.zeros(len(positions))
        touched = False
        for pos in eq:
            if pos in index:
                coeffs[index[pos]] += -1.0 if pos == total else 1.0
                touched = True
        if touched:
            rows.append(coeffs)
    a = np.vstack(rows)
    # Null space of a: x_k is determined iff row k of every null-space basis vector is 0.
    _, s, vt = np.linalg.svd(a)
    tol = max(a.shape) * np.finfo(float).eps * (s[0] if s.size else 1.0) * 10
    rank = int((s > tol).sum())
    null = vt[rank:].T  # (n_vars, n_null)
    out = []
    for k, pos in enumerate(positions):
        if null.shape[1] == 0 or np.all(np.abs(null[k]) < 1e-9):
            out.append((int(pos[0]), int(pos[1])))
    return out


def _secondary(
    full: np.ndarray,
    hidden: np.ndarray,
    blocked: np.ndarray,
    eqs: list[list[tuple[int, int]]],
) -> np.ndarray:
    """Return the mask of complementary suppressions added to ``hidden`` (see module doc).

    ``blocked`` marks cells that cannot serve as complements (unavailable cells, whose
    contribution to the totals is known to be zero).
    """
    hidden = hidden.copy()
    start = hidden.copy()
    while True:
        changed = True
        while changed:
            changed = False
            for eq in eqs:
                n_hidden = sum(bool(hidden[p]) for p in eq)
                if n_hidden == 1:
                    pick = _pick_complement(eq, full, hidden, blocked)
                    if pick is not None:
                        hidden[pick] = True
                        changed = True
        exposed = _recoverable(full, hidden, eqs)
        if not exposed:
            break
        progressed = False
        for pos in exposed:
            for eq in eqs:
                if pos in eq:
                    pick = _pick_complement(eq, full, hidden, blocked)
                    if pick is not None:
                        hidden[pick] = True
                        progressed = True
                        break
            if progressed:
                break
        if not progressed:  # everything around is already hidden or missing
            break
    return hidden & ~start


def suppress_table(
    counts: pd.DataFrame,
    *,
    policy: DisclosurePolicy | None = None,
    name: str = "table",
    margins: bool = True,
    total_label: str = "Total",
    row_groups: Mapping[Any, Any] | None = None,
) -> SuppressedTable:
    """Apply primary and secondary suppression to a two-way table of counts.

    Parameters
    ----------
    counts : pandas.DataFrame
        Inner cells only (non-negative whole numbers; NA for unavailable cells). Rows and
        columns are the two classifications (for example cluster by term).
    policy : DisclosurePolicy, optional
        Rules to apply; default :class:`DisclosurePolicy` (threshold 10).
    name : str
        Table name for the record.
    margins : bool
        If ``True`` (default) the returned table gains a total column and a total row, and the
        totals take part in suppression. If ``False`` the table is returned without margins but
        the totals are still assumed derivable (published elsewhere), so the same secondary
        suppression applies.
    total_label : str
        Label of the margin row and column.
    row_groups : mapping of row label -> group label, optional
        Groups of rows whose subtotals are also published (for example clusters within rollout
        waves). The returned table then has one subtotal row per group, labelled
        ``"<group> total"`` and placed before the total row, and the subtotals take part in
        secondary suppression (with ``margins=False`` they are dropped from the output but
        still assumed published).

    Returns
    -------
    SuppressedTable
        Values with hidden cells set to NaN, the parallel flag frame and the record.

    Raises
    ------
    OptionError
        If a count is negative or not whole.

    Notes
    -----
    Totals are computed from the inner cells (missing cells count as 0 in totals). See the
    module docstring for the secondary-suppression algorithm.

    Examples
    --------
    >>> t = pd.DataFrame({"a": [3, 20], "b": [40, 50]}, index=["x", "y"])
    >>> out = suppress_table(t)
    >>> out.flags.loc["x", "a"]
    'primary'
    """
    policy = policy or DisclosurePolicy()
    inner = _as_float_array(counts)
    n_rows, n_cols = inner.shape
    group_labels: list[Any] = []
    members: list[list[int]] = []
    if row_groups is not None:
        absent = [r for r in counts.index if r not in row_groups]
        if absent:
            raise OptionError(f"row_groups has no group for row(s) {absent}")
        for i, r in enumerate(counts.index):
            g = row_groups[r]
            if g not in group_labels:
                group_labels.append(g)
                members.append([])
            members[group_labels.index(g)].append(i)
    n_groups = len(group_labels)
    filled = np.nan_to_num(inner, nan=0.0)
    full = np.zeros((n_rows + n_groups + 1, n_cols + 1))
    full[:n_rows, :n_cols] = inner
    for g, rows_g in enumerate(members):
        full[n_rows + g, :n_cols] = filled[rows_g].sum(axis=0)
    full[:n_rows, n_cols] = filled.sum(axis=1)
    full[n_rows + n_groups, :n_cols] = filled.sum(axis=0)
    full[n_rows:, n_cols] = np.nan_to_num(full[n_rows:, :n_cols]).sum(axis=1)

    missing = np.isnan(full)
    primary = np.array([policy.is_small(v) for v in full.ravel()], dtype=bool).reshape(full.shape)
    if policy.secondary and full.size:
        eqs = _equations(n_rows, n_cols, members if row_groups is not None else None)
        secondary = _secondary(np.nan_to_num(full), primary, missing, eqs)
    else:
        secondary = np.zeros_like(primary)

    flags = np.full(full.shape, "", dtype=object)
    flags[missing] = "missing"
    flags[primary] = "primary"
    flags[secondary] = "secondary"
    values = full.copy()
    values[primary | secondary | missing] = np.nan

    rows = [*list(counts.index), *(f"{g} {total_label.lower()}" for g in group_labels)]
    rows.append(total_label)
    cols = [*list(counts.columns), total_label]
    values_df = pd.DataFrame(values, index=rows, columns=cols)
    flags_df = pd.DataFrame(flags, index=rows, columns=cols)
    if not margins:
        values_df = values_df.iloc[:n_rows, :n_cols]
        flags_df = flags_df.iloc[:n_rows, :n_cols]
    values_df.index.name = counts.index.name
    flags_df.index.name = counts.index.name
    record = SuppressionRecord(
        table=name,
        policy=policy.to_dict(),
        n_cells=int(flags_df.size),
        n_primary=int((flags_df == "primary").to_numpy().sum()),
        n_secondary=int((flags_df == "secondary").to_numpy().sum()),
        n_derived=0,
    )
    return SuppressedTable(values=values_df, flags=flags_df, record=record)


def suppress_derived(
    values: pd.DataFrame, *, based_on: Sequence[pd.DataFrame]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Suppress values (rates, means) built on any hidden count.

    Parameters
    ----------
    values : DataFrame or Series
        Derived numbers aligned with the flag frames.
    based_on : sequence of DataFrame or Series
        Flag frames (from :class:`SuppressedTable` or :func:`suppress_rows`) of the counts the
        values are built on.

    Returns
    -------
    (values, flags)
        Values with NaN where any input count is hidden, and flags ``"derived"`` there.
    """
    hidden = pd.DataFrame(False, index=values.index, columns=values.columns)
    for f in based_on:
        h = f.isin(sorted(_HIDDEN)).reindex_like(values).fillna(False).astype(bool)
        hidden = hidden | h
    flags = pd.DataFrame("", index=values.index, columns=values.columns, dtype=object)
    flags = flags.mask(hidden, "derived")
    return values.mask(hidden), flags


def suppress_rows(
    frame: pd.DataFrame,
    *,
    counts: Sequence[str],
    derived: Mapping[str, Sequence[str]] | None = None,
    policy: DisclosurePolicy | None = None,
    table_by: tuple[str, str] | None = None,
    row_groups: Mapping[Any, Any] | None = None,
    name: str = "table",
) -> SuppressedFrame:
    """Apply disclosure control to a tidy frame (one row per unit and period, say).

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy data.
    counts : sequence of str
        Columns holding counts of people (numerators, denominators, n). Each is suppressed.
    derived : mapping of column -> count columns, optional
        Columns built on counts (rates, means, estimates) and the counts each depends on; a
        derived value is hidden when any of its counts is.
    policy : DisclosurePolicy, optional
        Rules to apply.
    table_by : (row_column, column_column), optional
        When given, each count column is pivoted to a ``row x column`` table and
        :func:`suppress_table` applies secondary suppression against its totals (for example
        clusters by term, whose column totals are the LA figures). Without it each row is
        treated on its own (primary suppression only), which is right only when no totals of
        these rows are published.
    row_groups : mapping of row value -> group label, optional
        With ``table_by``: groups of rows whose subtotals are published too (clusters within
        waves). The group subtotals after suppression are returned in
        ``SuppressedFrame.subtotals`` (tidy: ``group``, the column key, each count column and
        ``<count>_flag``).
    name : str
        Table name for the record.

    Returns
    -------
    SuppressedFrame
    """
    policy = policy or DisclosurePolicy()
    derived = dict(derived or {})
    missing_cols = [c for c in [*counts, *derived] if c not in frame.columns]
    for deps in derived.values():
        missing_cols += [c for c in deps if c not in counts]
    if missing_cols:
        raise OptionError(
            f"suppress_rows: columns not found or not declared as counts: {missing_cols}"
        )
    values = frame.copy()
    flags = pd.DataFrame("", index=frame.index, columns=frame.columns, dtype=object)
    n_primary = n_secondary = 0
    subtotal_parts: list[pd.DataFrame] = []
    for col in counts:
        if table_by is None:
            arr = frame[col].to_numpy(dtype=float, na_value=np.nan)
            small = np.array([policy.is_small(v) for v in arr], dtype=bool)
            miss = np.isnan(arr)
            flags.loc[miss, col] = "missing"
            flags.loc[small, col] = "primary"
            n_primary += int(small.sum())
        else:
            r, c = table_by
            wide = frame.pivot_table(index=r, columns=c, values=col, aggfunc="sum", dropna=False)
            present = frame.pivot_table(
                index=r, columns=c, values=col, aggfunc="size", dropna=False
            )
            wide = wide.where(present.reindex_like(wide).fillna(0) > 0)
            st = suppress_table(
                wide, policy=policy, name=f"{name}:{col}", margins=True, row_groups=row_groups
            )
            n_primary += st.record.n_primary
            n_secondary += st.record.n_secondary
            inner_f = st.flags.iloc[: len(wide), : wide.shape[1]]
            long = pd.Series(inner_f.stack(), name="flag")
            keys = pd.MultiIndex.from_frame(frame[[r, c]])
            flags[col] = long.reindex(keys).fillna("").to_numpy()
            if row_groups is not None:
                sub_v = st.values.iloc[len(wide) : -1, : wide.shape[1]]
                sub_f = st.flags.iloc[len(wide) : -1, : wide.shape[1]]
                groups = list(dict.fromkeys(row_groups[k] for k in wide.index))
                sub_v.index = pd.Index(groups, name="group")
                sub_f.index = pd.Index(groups, name="group")
                part = pd.DataFrame(
                    {
                        col: sub_v.stack(future_stack=True),
                        f"{col}_flag": sub_f.stack(future_stack=True),
                    }
                )
                part.index.names = ["group", c]
                subtotal_parts.append(part)
    for col in counts:
        values[col] = values[col].mask(flags[col].isin(sorted(_HIDDEN)))
    n_derived = 0
    for col, deps in derived.items():
        hidden = flags[list(deps)].isin(sorted(_HIDDEN)).any(axis=1)
        flags.loc[hidden, col] = "derived"
        values[col] = values[col].mask(hidden)
        n_derived += int(hidden.sum())
    shown = [*counts, *derived]
    record = SuppressionRecord(
        table=name,
        policy=policy.to_dict(),
        n_cells=int(len(frame) * len(shown)),
        n_primary=n_primary,
        n_secondary=n_secondary,
        n_derived=n_derived,
    )
    subtotals = (
        pd.concat(subtotal_parts, axis=1).reset_index() if subtotal_parts else None
    )
    return SuppressedFrame(
        values=values, flags=flags, record=record, counts=tuple(counts), subtotals=subtotals
    )


@dataclass(frozen=True)
class SuppressedFrame:
    """A tidy frame after disclosure control (see :func:`suppress_rows`)."""

    values: pd.DataFrame
    flags: pd.DataFrame
    record: SuppressionRecord
    counts: tuple[str, ...] = field(default=())
    subtotals: pd.DataFrame | None = None

    def display(self, formats: Mapping[str, str] | str = "{:,.0f}") -> pd.DataFrame:
        """Return strings with government symbols in place of hidden cells."""
        return display_frame(self.values, self.flags, formats)


def format_value(value: Any, flag: str = "", fmt: str = "{:,.0f}") -> str:
    """Format one number, or return its government symbol when it is hidden or marked."""
    if flag in SYMBOLS and flag != "unreliable":
        return SYMBOLS[flag]
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "x"
    if isinstance(value, str):
        return value
    text = fmt.format(value)
    if flag == "unreliable":
        text += " u"
    try:
        if float(value) != 0 and float(text.replace(",", "").rstrip("%")) == 0:
            return "low"
    except ValueError:
        pass
    return text


def display_frame(
    values: pd.DataFrame, flags: pd.DataFrame, formats: Mapping[str, str] | str = "{:,.0f}"
) -> pd.DataFrame:
    """Return strings for display: formatted numbers, symbols where hidden.

    Parameters
    ----------
    values, flags : pandas.DataFrame
        Values and their flag frame (same shape).
    formats : str or mapping of column -> format string
        Format for shown numbers; columns not in the mapping are passed through as text.
    """
    columns: dict[Any, list[str]] = {}
    for col in values.columns:
        if isinstance(formats, str):
            fmt: str | None = formats
        else:
            fmt = formats.get(col)
        cells: list[str] = []
        for idx in range(len(values)):
            v = values[col].iloc[idx]
            flag = str(flags[col].iloc[idx]) if col in flags.columns else ""
            if fmt is None:
                cells.append(
                    SYMBOLS.get(flag, "") if flag in _HIDDEN else ("" if v is None else str(v))
                )
            else:
                cells.append(format_value(v, flag, fmt))
        columns[col] = cells
    return pd.DataFrame(columns, index=values.index, columns=values.columns, dtype=object)


def audit_table(
    values: pd.DataFrame,
    *,
    policy: DisclosurePolicy | None = None,
    row_groups: Sequence[Sequence[int]] | None = None,
) -> list[str]:
    """Check a published table with margins (last row and column are totals).

    Parameters
    ----------
    values : pandas.DataFrame
        The published table, hidden cells as NaN, totals in the last row and column (and
        group subtotal rows before the total row when ``row_groups`` is given).
    policy : DisclosurePolicy, optional
        Rules the table should meet.
    row_groups : sequence of sequences of int, optional
        Inner row positions of each group whose subtotal row is published.

    Returns
    -------
    list of str
        Problems (empty when safe): visible small counts, and hidden cells that can be
        recovered exactly from the visible cells and totals.
    """
    policy = policy or DisclosurePolicy()
    full = values.to_numpy(dtype=float, na_value=np.nan)
    problems = []
    for (i, j), v in np.ndenumerate(full):
        if not np.isnan(v) and policy.is_small(v):
            problems.append(f"visible small count {v:g} at ({i}, {j})")
    hidden = np.isnan(full)
    # Hidden cells take placeholder values; only the pattern matters for recoverability.
    n_groups = len(row_groups) if row_groups else 0
    eqs = _equations(full.shape[0] - 1 - n_groups, full.shape[1] - 1, row_groups)
    for pos in _recoverable(np.nan_to_num(full), hidden, eqs):
        problems.append(f"hidden cell at {pos} can be recovered from the totals")
    return problems
