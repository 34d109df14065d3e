"""Exceptions first: what a board must act on, with the service's narrative.

:func:`exceptions` lists, from the disclosure-controlled charts, every series whose latest
term shows special cause in the bad direction or whose target the current process limits say
will be missed, and every cluster whose cost per expert day is an outlier; each row says what
the chart shows and since when. :func:`read_narrative` reads the optional file in which the
service explains them (cause, action, owner, due date), declared in
``data_schema/monitoring_exceptions.schema.json``; :func:`with_narrative` joins the two, an
exception without a row reading "no narrative supplied".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from eah_eval.data.schema import schema_dir
from eah_eval.errors import DataFileNotFoundError, DataProblem, DataValidationError
from eah_eval.monitor.chart import ControlChart
from eah_eval.reporting.monitoring.model import MonitorItem

__all__ = [
    "EXCEPTION_COLUMNS",
    "NARRATIVE_COLUMNS",
    "NO_NARRATIVE",
    "exceptions",
    "read_narrative",
    "with_narrative",
]

#: Columns of :func:`exceptions`.
EXCEPTION_COLUMNS: tuple[str, ...] = ("key", "measure", "unit", "kind", "shows", "since")
#: Narrative columns (``data_schema/monitoring_exceptions.schema.json``).
NARRATIVE_COLUMNS: tuple[str, ...] = ("cause", "action", "owner", "due_date")
NO_NARRATIVE = "no narrative supplied"
_SCHEMA = "monitoring_exceptions.schema.json"
_RULE_WORDS = {
    "outside_limits": "a point beyond the process limits",
    "trend": "a run of points all rising or all falling",
    "two_of_three": "two of three points near a limit",
    "shift": "a run of points on one side of the centre",
}


def _run_start(chart: ControlChart) -> str:
    """First period of the run of concern points that ends at the latest point."""
    kinds = chart.points["point_type"].tolist()
    k = len(kinds) - 1
    while k > 0 and kinds[k - 1] == "special_cause_concern":
        k -= 1
    return str(chart.points["period"].iloc[k])


def _fmt(v: float) -> str:
    return f"{v:,.1f}"


def exceptions(items: Iterable[MonitorItem], cost: pd.DataFrame) -> pd.DataFrame:
    """List the exceptions: concerns, targets the limits say will be missed, outlying costs.

    Parameters
    ----------
    items : iterable of MonitorItem
        Items after disclosure control (their charts hold publishable terms only).
    cost : pandas.DataFrame
        Output of :func:`eah_eval.reporting.monitoring.capacity.cost_outliers`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`EXCEPTION_COLUMNS`: ``key`` (measure id), ``measure`` (title),
        ``unit``, ``kind`` (``special_cause_concern``, ``target_missed``,
        ``cost_outlier``), ``shows`` (what the chart shows, in words) and ``since`` (the
        period the exception starts).

    Notes
    -----
    A series whose latest term is a special-cause concern is listed once, with the rule that
    flagged it; a series whose target lies outside its current process limits on the bad side
    (assurance "consistently missed", judged from the limits after the last rebase) is listed
    from the start of the current limits. Equality gaps have no direction and are never
    listed. Cost per expert day outliers are clusters beyond the robust z-score threshold in
    the latest academic year, above the other clusters.
    """
    rows: list[dict[str, Any]] = []
    for item in items:
        for unit, chart in item.charts.charts.items():
            last = chart.points.iloc[-1]
            if chart.variation == "special_cause_concern":
                side = "higher" if last["rule_direction"] == "high" else "lower"
                rows.append({
                    "key": item.key, "measure": item.title, "unit": unit,
                    "kind": "special_cause_concern",
                    "shows": f"Special cause of concern: {side} than usual "
                             f"({_RULE_WORDS.get(str(last['rule']), str(last['rule']))}); "
                             f"latest {_fmt(float(last['value']))} {item.unit_text} against "
                             f"a centre of {_fmt(float(last['centre']))}.",
                    "since": _run_start(chart),
                })
            if chart.assurance == "consistently_fails":
                seg = chart.segments.iloc[-1]
                rows.append({
                    "key": item.key, "measure": item.title, "unit": unit,
                    "kind": "target_missed",
                    "shows": f"Target {item.target:g} {item.unit_text} consistently missed: "
                             f"outside the current process limits "
                             f"{_fmt(float(last['lower']))} to {_fmt(float(last['upper']))}.",
                    "since": str(seg["first_period"]),
                })
    high = cost.loc[cost["outlier"] == "high"] if "outlier" in cost else cost.iloc[:0]
    if len(high):
        med = float(cost.loc[cost["compared"], "value"].median())
        for r in high.itertuples():
            rows.append({
                "key": "eah_cost_per_expert_day", "measure": "Cost per expert day (£)",
                "unit": str(r.unit), "kind": "cost_outlier",
                "shows": f"Cost per expert day £{r.value:,.0f} in {r.period} against a median "
                         f"of £{med:,.0f} across clusters (robust z-score {r.robust_z:.1f}).",
                "since": str(r.period),
            })
    return pd.DataFrame(rows, columns=list(EXCEPTION_COLUMNS))


def read_narrative(path: str | Path) -> pd.DataFrame:
    """Read and check the service's narrative file for exceptions.

    Parameters
    ----------
    path : str or Path
        CSV file with the columns of ``data_schema/monitoring_exceptions.schema.json``.

    Returns
    -------
    pandas.DataFrame
        ``measure``, ``unit`` and :data:`NARRATIVE_COLUMNS`, one row per measure and unit.

    Raises
    ------
    DataFileNotFoundError
        If the file does not exist.
    DataValidationError
        Listing every problem: a missing or unknown column, a blank required cell, a date not
        ``YYYY-MM-DD``, a measure and unit given twice.
    """
    file = Path(path)
    if not file.is_file():
        raise DataFileNotFoundError(f"exceptions narrative file not found: {file}")
    with open(schema_dir() / _SCHEMA, encoding="utf-8") as fh:
        fields = json.load(fh)["fields"]
    names = [f["name"] for f in fields]
    frame = pd.read_csv(file, dtype=str, keep_default_na=False)
    problems: list[DataProblem] = []

    def problem(row: int | None, column: str | None, kind: str, expected: str,
                found: str) -> None:
        problems.append(DataProblem("monitoring_exceptions", str(file), row, column, kind,
                                    expected, found))

    for name in names:
        if name not in frame.columns:
            problem(None, name, "missing_column", f"a column {name!r}", "none")
    for name in frame.columns:
        if name not in names:
            problem(None, name, "unknown_column", f"one of {', '.join(names)}", repr(name))
    if problems:
        raise DataValidationError(problems)
    for i, row in enumerate(frame.itertuples(index=False), start=1):
        for f in fields:
            value = str(getattr(row, f["name"])).strip()
            if not value:
                problem(i, f["name"], "missing_value", "a value", "blank")
            elif f["type"] == "date" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                problem(i, f["name"], "bad_date", "a date YYYY-MM-DD", repr(value))
    twice = frame.duplicated(["measure", "unit"], keep="first")
    for i in frame.index[twice]:
        problem(int(i) + 1, "measure", "duplicate_key", "one row per measure and unit",
                f"{frame.at[i, 'measure']!r}, {frame.at[i, 'unit']!r} again")
    if problems:
        raise DataValidationError(problems)
    return frame[names].apply(lambda c: c.str.strip())


def with_narrative(found: pd.DataFrame, narrative: pd.DataFrame | None) -> pd.DataFrame:
    """Join the service's narrative to the exceptions (by measure id or title, and unit).

    Parameters
    ----------
    found : pandas.DataFrame
        Output of :func:`exceptions`.
    narrative : pandas.DataFrame or None
        Output of :func:`read_narrative`; None when no file was given.

    Returns
    -------
    pandas.DataFrame
        ``found`` with :data:`NARRATIVE_COLUMNS`; :data:`NO_NARRATIVE` in ``cause`` (and the
        other columns blank) where the service gave none.
    """
    out = found.copy()
    for c in NARRATIVE_COLUMNS:
        out[c] = ""
    out["cause"] = NO_NARRATIVE
    if narrative is None or narrative.empty:
        return out
    for i, r in out.iterrows():
        match = narrative.loc[
            narrative["measure"].isin([r["key"], r["measure"]]) & (narrative["unit"] == r["unit"])
        ]
        if len(match):
            for c in NARRATIVE_COLUMNS:
                out.at[i, c] = str(match.iloc[0][c])
    return out
