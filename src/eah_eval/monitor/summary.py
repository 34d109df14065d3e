"""Many series at once: charts per unit (e.g. cluster) and the integrated-performance matrix.

An NHS integrated performance report lists each measure with its latest value, target, and the
variation and assurance icons. :func:`status_table` makes that table (one row per measure and
unit) from a collection of charts; :func:`status_matrix` pivots it to measures x units with the
icons as symbol plus words, so that nothing depends on colour.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from eah_eval.errors import EstimationError, OptionError, check_option
from eah_eval.monitor.chart import ControlChart
from eah_eval.monitor.icons import (
    ASSURANCE_ICONS,
    VARIATION_ICONS,
    assurance_icon,
    variation_icon,
)
from eah_eval.monitor.laney import p_prime, u_prime
from eah_eval.monitor.settings import CHART_TYPES
from eah_eval.monitor.xmr import xmr

STATUS_COLUMNS: tuple[str, ...] = (
    "measure",
    "unit",
    "latest_period",
    "latest_value",
    "centre",
    "lower",
    "upper",
    "target",
    "improvement_direction",
    "variation",
    "variation_side",
    "variation_text",
    "variation_symbol",
    "assurance",
    "assurance_text",
    "assurance_symbol",
    "trial_limits",
    "n_points",
)
"""Columns of :func:`status_table`; ``trial_limits`` refers to the latest segment."""


@dataclass(frozen=True)
class ChartSet:
    """Charts of one measure for several units, with the units that could not be charted.

    Attributes
    ----------
    measure : str
        Measure name.
    charts : Mapping[str, ControlChart]
        Chart per unit, in unit order.
    skipped : Mapping[str, str]
        Unit -> reason it has no chart (too few points, missing values, no events...).
    """

    measure: str
    charts: Mapping[str, ControlChart]
    skipped: Mapping[str, str] = field(default_factory=dict)


def charts_by_unit(
    frame: pd.DataFrame,
    *,
    measure: str,
    chart: str = "xmr",
    unit: str = "unit",
    period: str = "period",
    order: str | None = "period_index",
    value: str = "value",
    numerator: str = "numerator",
    denominator: str = "denominator",
    rebase: Mapping[Any, Iterable[object]] | None = None,
    baseline_points: Mapping[Any, int] | None = None,
    min_points: int = 2,
    **options: Any,
) -> ChartSet:
    """Make one control chart per unit from a tidy frame (one row per unit and period).

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy frame, e.g. ``MeasureResult.frame`` from :func:`eah_eval.measures.compute`.
    measure : str
        Measure name for titles.
    chart : {"xmr", "p_prime", "u_prime"}
        Chart type. XmR charts ``value``; Laney charts use ``numerator`` and ``denominator``.
    unit, period, order : str
        Column names: the unit (e.g. cluster), the period label, and an integer column giving
        the time order (None: the frame's order).
    value, numerator, denominator : str
        Column names of the values or counts.
    rebase : mapping, optional
        Unit -> periods at which that unit's limits restart (e.g. its go-live term).
    baseline_points : mapping, optional
        Unit -> number of points at the start of each segment from which that unit's limits
        are computed (``fix_after_n_points`` of the chart functions); units not listed use
        ``options["fix_after_n_points"]`` (default: every point of the segment).
    min_points : int
        Units with fewer usable points are skipped (and listed in ``skipped``).
    **options
        Passed to :func:`~eah_eval.monitor.xmr`, :func:`~eah_eval.monitor.p_prime` or
        :func:`~eah_eval.monitor.u_prime` (improvement_direction, target, run_length, ...).

    Returns
    -------
    ChartSet

    Raises
    ------
    OptionError
        For an unknown chart type or a missing column.
    """
    check_option("chart", chart, CHART_TYPES)
    needed = [unit, period] + ([value] if chart == "xmr" else [numerator, denominator])
    if order is not None:
        needed.append(order)
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise OptionError(
            f"column(s) {', '.join(map(repr, missing))} not in the frame; columns are "
            f"{', '.join(map(str, frame.columns))}"
        )
    charts: dict[str, ControlChart] = {}
    skipped: dict[str, str] = {}
    for key, g in frame.groupby(unit, sort=True):
        name = str(key)
        g = g.sort_values(order) if order is not None else g
        cols = [value] if chart == "xmr" else [numerator, denominator]
        usable = g.dropna(subset=cols)
        if len(usable) < min_points:
            skipped[name] = f"{len(usable)} usable point(s); at least {min_points} needed"
            continue
        unit_rebase = list((rebase or {}).get(key, ()))
        known = set(usable[period].astype(str))
        unit_rebase = [r for r in unit_rebase if str(r) in known]
        unit_options = dict(options)
        if baseline_points is not None and key in baseline_points:
            unit_options["fix_after_n_points"] = baseline_points[key]
        try:
            if chart == "xmr":
                charts[name] = xmr(usable, value, period, rebase=unit_rebase,
                                   measure=f"{measure}: {name}", **unit_options)
            else:
                builder = p_prime if chart == "p_prime" else u_prime
                charts[name] = builder(usable, numerator, denominator, period,
                                       rebase=unit_rebase, measure=f"{measure}: {name}",
                                       **unit_options)
        except EstimationError as exc:
            skipped[name] = str(exc)
    return ChartSet(measure=measure, charts=charts, skipped=skipped)


def status_row(chart: ControlChart, *, measure: str, unit: str) -> dict[str, Any]:
    """Return the integrated-performance row of one chart (see :data:`STATUS_COLUMNS`)."""
    last = chart.points.iloc[-1]
    v_icon = variation_icon(chart.variation)
    a_icon = assurance_icon(chart.assurance)
    side = chart.variation_side
    v_text = v_icon.text
    if side is not None and chart.variation in (
        "special_cause_improvement",
        "special_cause_concern",
    ):
        v_text += " (higher)" if side == "high" else " (lower)"
    return {
        "measure": measure,
        "unit": unit,
        "latest_period": last["period"],
        "latest_value": float(last["value"]),
        "centre": float(last["centre"]),
        "lower": float(last["lower"]),
        "upper": float(last["upper"]),
        "target": chart.settings.target,
        "improvement_direction": chart.settings.improvement_direction,
        "variation": chart.variation,
        "variation_side": side,
        "variation_text": v_text,
        "variation_symbol": v_icon.symbol,
        "assurance": chart.assurance,
        "assurance_text": a_icon.text,
        "assurance_symbol": a_icon.symbol,
        "trial_limits": chart.latest_trial_limits,
        "n_points": len(chart.points),
    }


def status_table(sets: Iterable[ChartSet]) -> pd.DataFrame:
    """One row per measure and unit: latest value, limits, target, variation and assurance.

    Parameters
    ----------
    sets : iterable of ChartSet
        Chart sets (one per measure). Skipped units appear with missing values and the variation
        ``"not_charted"`` so that the matrix shows them rather than dropping them silently.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`STATUS_COLUMNS`.
    """
    rows: list[dict[str, Any]] = []
    for s in sets:
        for unit, chart in s.charts.items():
            rows.append(status_row(chart, measure=s.measure, unit=unit))
        for unit, reason in s.skipped.items():
            rows.append(
                {
                    **dict.fromkeys(STATUS_COLUMNS),
                    "measure": s.measure,
                    "unit": unit,
                    "variation": "not_charted",
                    "variation_text": f"Not charted: {reason}",
                    "variation_symbol": "–",
                    "assurance_text": "No assurance",
                    "assurance_symbol": "–",
                    "trial_limits": False,
                    "n_points": 0,
                }
            )
    return pd.DataFrame(rows, columns=list(STATUS_COLUMNS))


def status_matrix(table: pd.DataFrame, *, assurance: bool = True) -> pd.DataFrame:
    """Pivot a status table to measures (rows) x units (columns) with icon text in each cell.

    Each cell reads like ``"◆ IMP H"`` or ``"● CC | ↕ ?"``: a symbol whose shape differs by status,
    a short code, H/L for the side of a special cause, then (optionally) the assurance symbol and
    code. Trial limits add ``"(trial)"``. A legend of the codes is :func:`matrix_legend`.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`status_table`.
    assurance : bool
        Include the assurance icon in each cell.

    Returns
    -------
    pandas.DataFrame
    """
    cells = []
    for row in table.itertuples(index=False):
        if row.variation == "not_charted":
            cells.append("– not charted")
            continue
        icon = variation_icon(str(row.variation))
        text = f"{icon.symbol} {icon.short}"
        if row.variation in ("special_cause_improvement", "special_cause_concern"):
            text += " H" if row.variation_side == "high" else " L"
        if assurance and row.assurance is not None and not (
            isinstance(row.assurance, float) and np.isnan(row.assurance)
        ):
            a = assurance_icon(str(row.assurance))
            text += f" | {a.symbol} {a.short}"
        if row.trial_limits:
            text += " (trial)"
        cells.append(text)
    out = table.assign(cell=cells).pivot(index="measure", columns="unit", values="cell")
    order = list(dict.fromkeys(table["measure"]))
    return out.reindex(order).rename_axis(index="measure", columns=None)


def matrix_legend() -> pd.DataFrame:
    """Return the legend of symbols and codes used by :func:`status_matrix`."""
    rows = [
        {"kind": "variation", "symbol": i.symbol, "code": i.short, "meaning": i.text}
        for i in VARIATION_ICONS.values()
    ]
    rows += [
        {"kind": "assurance", "symbol": i.symbol, "code": i.short, "meaning": i.text}
        for i in ASSURANCE_ICONS.values()
    ]
    rows.append({"kind": "side", "symbol": "H / L", "code": "H / L",
                 "meaning": "special cause in higher / lower values"})
    rows.append({"kind": "limits", "symbol": "(trial)", "code": "(trial)",
                 "meaning": "trial limits: fewer than 13 points behind the limits"})
    return pd.DataFrame(rows)
