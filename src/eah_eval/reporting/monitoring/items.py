"""One monitored measure as HTML: active title, small multiples, data table and notes."""

from __future__ import annotations

import pandas as pd

from eah_eval.monitor.plot import alt_text, figure_html, small_multiples
from eah_eval.reporting.html import bullet_list, section, unavailable
from eah_eval.reporting.monitoring.data import MonitorItem
from eah_eval.reporting.monitoring.params import LA_UNIT
from eah_eval.reporting.tables import controlled_table

__all__ = ["active_title", "item_block"]


def _listed(names: list[str], most: int = 4) -> str:
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return ", ".join(names[:most]) + more


def active_title(item: MonitorItem, status: pd.DataFrame, units: list[str]) -> str:
    """Title stating the finding: where the latest term shows special cause, of which kind.

    Parameters
    ----------
    item : MonitorItem
        The measure.
    status : pandas.DataFrame
        Output of :func:`status_of`.
    units : list of str
        Units charted.
    """
    sts = status.loc[(status["measure"] == item.title) & status["unit"].isin(units)]
    kinds = (
        ("special_cause_concern", "special-cause concern in"),
        ("special_cause_improvement", "improvement in"),
        ("special_cause_neutral_high", "higher than usual in"),
        ("special_cause_neutral_low", "lower than usual in"),
    )
    parts = []
    for code, words in kinds:
        names = sts.loc[sts["variation"] == code, "unit"].astype(str).tolist()
        if names:
            parts.append(f"{words} {_listed(names)}")
    if not parts:
        return f"{item.title}: common-cause variation only in the latest term"
    return f"{item.title}: {'; '.join(parts)} in the latest term"


def _data_table(item: MonitorItem, values: pd.DataFrame, flags: pd.DataFrame) -> str:
    wide_v = values.pivot(index="unit", columns="period", values="value")
    wide_f = (
        flags.assign(unit=values["unit"], period=values["period"])
        .pivot(index="unit", columns="period", values="value")
    )
    cols = list(values.sort_values("period_index")["period"].unique())
    wide_v = wide_v.reindex(columns=cols)
    wide_f = wide_f.reindex(columns=cols).fillna("").astype(str)
    wide_v.index.name = "Unit"
    return controlled_table(
        wide_v, wide_f, caption=f"{item.title} by unit and term (values shown in the chart)",
        formats="{:,.1f}",
    )


def item_block(
    item: MonitorItem, status: pd.DataFrame, values: pd.DataFrame, flags: pd.DataFrame
) -> str:
    """HTML of one monitored measure: active title, small multiples, data table and notes.

    Parameters
    ----------
    item : MonitorItem
        The item after disclosure control (its charts hold publishable terms only).
    status : pandas.DataFrame
        Status of every series (:func:`status_of`), for the active title.
    values, flags : pandas.DataFrame
        The item's disclosure-controlled tidy frame and its flags, for the data table.

    Returns
    -------
    str
        A level-3 ``section``; a plain "not available" note when nothing can be charted.
    """
    charts = dict(item.charts.charts)
    if not charts:
        return section(item.title, unavailable(
            item.title, "every series is suppressed (small numbers) or too short to chart."
        ), level=3)
    order = [LA_UNIT] if LA_UNIT in charts else []
    order += [u for u in charts if u != LA_UNIT]
    fig = small_multiples({u: charts[u] for u in order}, value_label=item.unit_text)
    alt = " ".join(alt_text(charts[u]) for u in order[:1])
    alt += f" Panels for {len(order)} units; their status is in the data table and matrix."
    table = _data_table(item, values, flags)
    figure = figure_html(
        fig, title=active_title(item, status, order), alt=alt, caption=item.caption,
        table_html="<details><summary>Data table</summary>" + table + "</details>",
        tight=False,
    )
    notes = [f"Improvement direction: {item.direction}. {item.direction_reason}"]
    if item.target is not None:
        notes.append(f"Target: {item.target:g} {item.unit_text}.")
    notes += list(item.notes)
    notes += [f"{u}: not charted ({why})" for u, why in item.charts.skipped.items()]
    return section(item.title, figure + bullet_list(notes), level=3)
