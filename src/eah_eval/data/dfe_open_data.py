"""Read DfE open-data files (Explore Education Statistics) into the multi-area panel.

DfE publishes its statistics as tidy CSV files with a fixed layout: the time columns
``time_period`` (``202324`` for an academic or financial year, ``2023`` for a calendar year) and
``time_identifier`` (``"Academic year"``, ``"Autumn term"``, ...), the geography columns
``geographic_level`` (``"National"``, ``"Regional"``, ``"Local authority"``, ``"School"``, ...),
``country_code``, ``region_code``, ``old_la_code`` (three digits), ``new_la_code`` (nine
characters), ``la_name``, ``school_urn`` and ``school_name`` at school level, optional filter
columns (``education_phase``, ``school_type``, ...) and the indicator columns. Suppressed cells
hold a symbol (``c``, ``x``, ``z``, ``low``, ``u``, ``:``) instead of a number.

:func:`read_dfe_open_data` turns such a file into the long ``area_panel`` layout of
``data_schema/area_panel.schema.json``: one row per area, period and measure, keeping only
local-authority and school rows (other levels are counted and left out) and leaving out
suppressed values (counted by symbol). Every problem is reported with the file, row, column,
what was expected and what was found.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from eah_eval.data.validation import ProblemCollector, show
from eah_eval.errors import DataProblem, DataValidationError, OptionError, OptionTypeError

__all__ = [
    "LEVELS",
    "SUPPRESSION_SYMBOLS",
    "TIME_IDENTIFIERS",
    "Indicator",
    "OpenDataPanel",
    "read_dfe_open_data",
]

#: ``time_identifier`` values read, with the panel's period type and term (if any).
TIME_IDENTIFIERS: Mapping[str, tuple[str, int | None]] = MappingProxyType({
    "Academic year": ("academic_year", None),
    "Autumn term": ("term", 0),
    "Spring term": ("term", 1),
    "Summer term": ("term", 2),
    "Calendar year": ("calendar_year", None),
    "Financial year": ("financial_year", None),
})
#: ``geographic_level`` values kept, with the panel's ``level``.
LEVELS: Mapping[str, str] = MappingProxyType({
    "Local authority": "local_authority",
    "School": "school",
})
#: Symbols DfE writes instead of a number (GSS standard): read as missing and counted.
SUPPRESSION_SYMBOLS: tuple[str, ...] = ("c", "x", "z", "low", "u", ":", "")
_TERMS = ("autumn", "spring", "summer")
_TABLE = "dfe_open_data"


@dataclass(frozen=True)
class Indicator:
    """Which columns of a DfE file make one measure of the panel.

    Parameters
    ----------
    measure : str
        Measure identifier in the panel (e.g. ``"absence_persistent_pct"``).
    value : str
        Column holding the measure's value (e.g. ``"pupil_percent"``).
    numerator, denominator : str, optional
        Columns holding the counts behind the value, when published.
    """

    measure: str
    value: str
    numerator: str | None = None
    denominator: str | None = None

    def columns(self) -> tuple[str, ...]:
        """Return the columns this indicator reads."""
        return tuple(c for c in (self.value, self.numerator, self.denominator) if c)


@dataclass(frozen=True)
class OpenDataPanel:
    """A DfE open-data file read into the ``area_panel`` layout.

    Attributes
    ----------
    panel : pandas.DataFrame
        Columns of ``area_panel``: level, area_code, la_code, period_type, period,
        period_index, measure, numerator, denominator, value.
    file : str
        The file read (or ``"<frame>"``).
    rows_read : int
        Data rows in the file.
    rows_other_levels : Mapping[str, int]
        Rows left out because their ``geographic_level`` is not local authority or school.
    rows_filtered_out : int
        Rows left out by ``filters`` or ``time_identifiers``.
    suppressed : Mapping[str, Mapping[str, int]]
        Per measure, values left out by symbol (``"c"``, ``"x"``, ..., ``""`` for blank).
    """

    panel: pd.DataFrame
    file: str
    rows_read: int
    rows_other_levels: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    rows_filtered_out: int = 0
    suppressed: Mapping[str, Mapping[str, int]] = field(
        default_factory=lambda: MappingProxyType({}))

    def describe(self) -> str:
        """Return one paragraph saying what was read and what was left out."""
        other = ", ".join(f"{k} {v:,}" for k, v in self.rows_other_levels.items()) or "none"
        hidden = "; ".join(
            f"{m}: " + ", ".join(f"{s or 'blank'} {n:,}" for s, n in counts.items())
            for m, counts in self.suppressed.items() if counts) or "none"
        return (f"{self.file}: {self.rows_read:,} rows read, {len(self.panel):,} panel rows; "
                f"other geographic levels left out: {other}; rows filtered out: "
                f"{self.rows_filtered_out:,}; suppressed or missing values left out: {hidden}")


def _period(time_period: pd.Series, period_type: np.ndarray, term: np.ndarray,
            collector: _Shifted) -> tuple[np.ndarray, np.ndarray]:
    """Return (label, index) per row; record malformed time periods."""
    text = time_period.astype(str).str.strip()
    n = len(text)
    six = text.str.fullmatch(r"[0-9]{6}").to_numpy()
    four = text.str.fullmatch(r"[0-9]{4}").to_numpy()
    yearly = period_type == "calendar_year"
    start = np.zeros(n, dtype=np.int64)
    start[six] = text[six].str.slice(0, 4).astype(np.int64).to_numpy()
    start[four] = text[four].astype(np.int64).to_numpy()
    follows = np.zeros(n, dtype=bool)
    follows[six] = ((text[six].str.slice(4, 6).astype(np.int64).to_numpy())
                    == (start[six] + 1) % 100)
    bad = np.where(yearly, ~four, ~(six & follows))
    collector.rows(bad, "time_period", "bad_time_period",
                   "YYYYYY with consecutive years (e.g. 202324) for academic and financial years "
                   "and terms, YYYY for calendar years",
                   lambda idx: [show(text.iat[i]) for i in idx])
    short = np.char.zfill(((start + 1) % 100).astype(str), 2)
    year = start.astype(str)
    label = np.where(period_type == "financial_year",
                     np.char.add(np.char.add(year, "-"), short),
                     np.char.add(np.char.add(year, "/"), short))
    label = np.where(yearly, year, label)
    term_names = np.array((*_TERMS, ""))[np.where(term >= 0, term, 3)]
    label = np.where(period_type == "term", np.char.add(np.char.add(label, " "), term_names),
                     label)
    index = np.where(period_type == "term", 3 * start + np.maximum(term, 0), start)
    return label.astype(object), index


def _numbers(raw: pd.Series, column: str, collector: _Shifted
             ) -> tuple[np.ndarray, np.ndarray]:
    """Return (values with NaN where missing, symbol per row or None)."""
    text = raw.astype(str).str.strip()
    symbol = text.isin(SUPPRESSION_SYMBOLS).to_numpy()
    values = pd.to_numeric(text.where(~symbol), errors="coerce").to_numpy(dtype=float)
    bad = ~symbol & ~np.isfinite(values)
    collector.rows(bad, column, "bad_value",
                   "a number or a suppression symbol (" + ", ".join(
                       repr(s) for s in SUPPRESSION_SYMBOLS) + ")",
                   lambda idx: [show(text.iat[i]) for i in idx])
    symbols = text.to_numpy(dtype=object).copy()
    symbols[~symbol] = None
    return np.where(bad, np.nan, values), symbols


def _read(source: str | Path | pd.DataFrame) -> tuple[pd.DataFrame, str]:
    if isinstance(source, pd.DataFrame):
        return source.astype(str).where(source.notna(), ""), "<frame>"
    if not isinstance(source, str | Path):
        raise OptionTypeError(f"source must be a path or a pandas DataFrame; got "
                              f"{type(source).__name__}")
    path = Path(source)
    if not path.is_file():
        raise DataValidationError([DataProblem(_TABLE, str(path), None, None, "missing_file",
                                               "a DfE open-data CSV file", "no such file")])
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return frame, str(path)


def read_dfe_open_data(
    source: str | Path | pd.DataFrame,
    indicators: Sequence[Indicator],
    *,
    filters: Mapping[str, str] | None = None,
    time_identifiers: Sequence[str] | None = None,
) -> OpenDataPanel:
    """Read a DfE open-data file (Explore Education Statistics layout) into the area panel.

    Parameters
    ----------
    source : str, pathlib.Path or pandas.DataFrame
        The CSV file (UTF-8, header row) or its rows as text.
    indicators : sequence of Indicator
        The measures to read and the columns holding their value, numerator and denominator.
    filters : mapping of str to str, optional
        Keep only rows whose filter columns hold these values, e.g.
        ``{"education_phase": "Total"}`` (files with breakdowns repeat each area and period once
        per breakdown).
    time_identifiers : sequence of str, optional
        Keep only these ``time_identifier`` values (e.g. ``["Autumn term", "Spring term",
        "Summer term"]``); default every row. Each must be one of :data:`TIME_IDENTIFIERS`.

    Returns
    -------
    OpenDataPanel
        The long panel and a record of the rows left out.

    Raises
    ------
    OptionError, OptionTypeError
        For no indicators, a ``time_identifiers`` value not in :data:`TIME_IDENTIFIERS`, or
        a ``source`` of the wrong type.
    DataValidationError
        Listing every problem with file, row, column, expected and found: a missing column
        (``time_period``, ``time_identifier``, ``geographic_level``, ``old_la_code``, and
        ``school_urn`` when there are school rows; every indicator column; every filter
        column), a ``time_identifier`` not read, a malformed ``time_period``, an LA code that
        is not three digits or a URN that is not six, a value that is neither a number nor a
        suppression symbol, two rows for one area, period and measure (choose a breakdown
        with ``filters``), more than one period type in the rows kept.

    Notes
    -----
    ``time_period`` ``202324`` with ``"Academic year"`` becomes period ``"2023/24"`` with index
    2023; with ``"Autumn term"`` ``"2023/24 autumn"`` and index ``3 x 2023 + 0`` (spring + 1,
    summer + 2); with ``"Financial year"`` ``"2023-24"`` and 2023; ``2023`` with
    ``"Calendar year"`` ``"2023"`` and 2023: the numbering of the council's panels. At local
    authority level the area is ``old_la_code``; at school level ``school_urn``, in the
    authority ``old_la_code``.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({
    ...     "time_period": ["202223", "202324", "202324"],
    ...     "time_identifier": ["Academic year"] * 3,
    ...     "geographic_level": ["Local authority", "Local authority", "National"],
    ...     "country_code": ["E92000001"] * 3, "old_la_code": ["839", "839", ""],
    ...     "la_name": ["BCP", "BCP", ""],
    ...     "sess_overall_percent": ["7.1", "c", "6.9"]})
    >>> out = read_dfe_open_data(rows, [Indicator("absence_overall_pct",
    ...                                           "sess_overall_percent")])
    >>> out.panel[["area_code", "period", "period_index", "value"]].to_dict("records")
    [{'area_code': '839', 'period': '2022/23', 'period_index': 2022, 'value': 7.1}]
    >>> dict(out.rows_other_levels), dict(out.suppressed["absence_overall_pct"])
    ({'National': 1}, {'c': 1})
    """
    indicators = list(indicators)
    if not indicators or not all(isinstance(i, Indicator) for i in indicators):
        raise OptionError("indicators must be a non-empty sequence of Indicator(measure, value, "
                          f"numerator, denominator); got {indicators!r}")
    if time_identifiers is not None:
        for ti in time_identifiers:
            if ti not in TIME_IDENTIFIERS:
                raise OptionError("time_identifiers must be among "
                                  f"{', '.join(map(repr, TIME_IDENTIFIERS))}; got {ti!r}")
    frame, label = _read(source)
    frame = frame.reset_index(drop=True)
    n_read = len(frame)
    collector = ProblemCollector(_TABLE, label, n_read)
    needed = ["time_period", "time_identifier", "geographic_level", "old_la_code",
              *sorted({c for i in indicators for c in i.columns()}), *(filters or {})]
    for column in needed:
        if column not in frame.columns:
            collector.file_level(column, "missing_column", f"a column named {column!r}",
                                 "no such column")
    if collector.fatal:
        raise DataValidationError(collector.problems)
    keep = np.ones(n_read, dtype=bool)
    for column, wanted in (filters or {}).items():
        keep &= (frame[column] == wanted).to_numpy()
    if time_identifiers is not None:
        keep &= frame["time_identifier"].isin(list(time_identifiers)).to_numpy()
    level_text = frame["geographic_level"]
    ours = level_text.isin(list(LEVELS)).to_numpy()
    other = level_text[keep & ~ours].value_counts(sort=False)
    filtered_out = int((~keep).sum())
    rows = np.flatnonzero(keep & ours)
    sub = frame.iloc[rows].reset_index(drop=True)
    # problems name rows of the file (1 after the header), not of the kept subset
    collector = ProblemCollector(_TABLE, label, n_read)
    sub_collector = _Shifted(collector, rows)
    level = level_text.iloc[rows].map(dict(LEVELS)).to_numpy(dtype=object)
    school = level == "school"
    if school.any() and "school_urn" not in frame.columns:
        collector.file_level("school_urn", "missing_column",
                             "a column named 'school_urn' (the file has School rows)",
                             "no such column")
        raise DataValidationError(collector.problems)
    identifiers: pd.Series = sub["time_identifier"]
    known = identifiers.isin(list(TIME_IDENTIFIERS)).to_numpy()
    sub_collector.rows(~known, "time_identifier", "bad_code",
                       "one of " + ", ".join(TIME_IDENTIFIERS) + " (or leave the rows out with "
                       "time_identifiers=...)", lambda idx: [show(identifiers.iat[i]) for i in idx])
    kinds = identifiers.map(lambda v: TIME_IDENTIFIERS.get(v, ("", None)))
    period_type = np.array([k[0] for k in kinds], dtype=object).astype(str)
    term = np.array([-1 if k[1] is None else k[1] for k in kinds], dtype=np.int64)
    la = sub["old_la_code"].astype(str).str.strip()
    bad_la = ~la.str.fullmatch(r"[0-9]{3}").to_numpy()
    sub_collector.rows(bad_la, "old_la_code", "bad_pattern", "a three-digit LA code",
                       lambda idx: [show(la.iat[i]) for i in idx])
    area = la.to_numpy(dtype=object).copy()
    if school.any():
        urn = sub["school_urn"].astype(str).str.strip()
        bad_urn = school & ~urn.str.fullmatch(r"[0-9]{6}").to_numpy()
        sub_collector.rows(bad_urn, "school_urn", "bad_pattern",
                           "a six-digit URN on School rows",
                           lambda idx: [show(urn.iat[i]) for i in idx])
        area[school] = urn.to_numpy(dtype=object)[school]
    types_found = sorted(set(period_type[known]))
    if len(types_found) > 1:
        collector.file_level("time_identifier", "mixed_period_types",
                             "one period type (choose with time_identifiers=...)",
                             "rows of " + ", ".join(types_found))
    labels, index = _period(sub["time_period"], period_type, term, sub_collector)
    pieces = []
    suppressed: dict[str, Mapping[str, int]] = {}
    for ind in indicators:
        value, symbol = _numbers(sub[ind.value], ind.value, sub_collector)
        num = (_numbers(sub[ind.numerator], ind.numerator, sub_collector)[0]
               if ind.numerator else np.full(len(sub), np.nan))
        den = (_numbers(sub[ind.denominator], ind.denominator, sub_collector)[0]
               if ind.denominator else np.full(len(sub), np.nan))
        counts = pd.Series(symbol[symbol != None]).value_counts(sort=False)  # noqa: E711
        suppressed[ind.measure] = MappingProxyType({str(k): int(v) for k, v in counts.items()})
        have = np.isfinite(value)
        pieces.append(pd.DataFrame({
            "_row": rows[have] + 1, "level": level[have], "area_code": area[have],
            "la_code": la.to_numpy(dtype=object)[have], "period_type": period_type[have],
            "period": labels[have], "period_index": index[have], "measure": ind.measure,
            "numerator": num[have], "denominator": den[have], "value": value[have]}))
    panel = pd.concat(pieces, ignore_index=True)
    key = ["level", "area_code", "period_index", "measure"]
    dup = panel.duplicated(key, keep="first").to_numpy()
    if dup.any():
        first = panel.groupby(key, sort=False)["_row"].transform("min").to_numpy()
        rows_dup = panel["_row"].to_numpy()
        at = np.zeros(n_read, dtype=bool)
        at[rows_dup[dup] - 1] = True
        where = dict(zip(rows_dup[dup] - 1, first[dup], strict=True))
        collector.rows(at, "geographic_level", "duplicate_key",
                       "one row per area, period and measure (choose one breakdown with "
                       "filters={column: value})",
                       lambda idx: [f"the same area, period and measure as row {where[i]}"
                                    for i in idx])
    if collector.problems:
        raise DataValidationError(collector.problems)
    panel = panel.drop(columns="_row").sort_values(key, kind="stable").reset_index(drop=True)
    panel["period_index"] = panel["period_index"].astype("int64")
    return OpenDataPanel(
        panel=panel, file=label, rows_read=n_read,
        rows_other_levels=MappingProxyType({str(k): int(v) for k, v in other.items()}),
        rows_filtered_out=filtered_out, suppressed=MappingProxyType(suppressed))


class _Shifted:
    """Record problems of a subset of rows under their row numbers in the file."""

    def __init__(self, collector: ProblemCollector, rows: np.ndarray) -> None:
        self.collector = collector
        self.rows_of = rows

    def rows(self, mask: np.ndarray, column: str | None, kind: str, expected: str,
             found: Callable[[np.ndarray], list[str]]) -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        full = np.zeros(len(self.collector.bad_rows), dtype=bool)
        picked = self.rows_of[mask]
        full[picked] = True
        position = {int(r): i for i, r in enumerate(self.rows_of)}
        self.collector.rows(full, column, kind, expected,
                            lambda idx: found(np.array([position[int(r)] for r in idx])))
