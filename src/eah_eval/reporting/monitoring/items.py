"""One monitored measure as HTML: active title, charts for print, data table and notes.

The all-clusters chart is drawn large and the clusters' charts as small multiples, each at
the printed width of an A4 page's content (:data:`eah_eval.monitor.plot.A4_CONTENT_WIDTH`)
so that no printed text is smaller than 8 points; panels are titled with the cluster's name,
y axes say the unit, and the data table prints (it is not folded away).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from eah_eval.monitor.plot import alt_text, figure_html, overview, small_multiples
from eah_eval.reporting.html import bullet_list, section, unavailable
from eah_eval.reporting.monitoring.model import MonitorItem
from eah_eval.reporting.monitoring.params import LA_UNIT
from eah_eval.reporting.tables import controlled_table

__all__ = ["AXIS_LABELS", "active_title", "axis_label", "item_block"]

#: Y-axis labels with their unit, by series (others: the measure's unit).
AXIS_LABELS: dict[str, str] = {
    "eah_requests_per_school": "requests per school",
    "eah_fte_in_post_pct": "% of planned FTE in post",
    "eah_median_days_to_triage": "median days",
    "eah_median_days_to_first_support": "median days",
    "eah_expert_days_per_school": "expert days per school",
    "eah_met_without_escalation_pct": "% of requests closed",
    "eah_cost_per_expert_day": "£ per expert day",
    "eah_cost_per_request": "£ per request",
    "eah_requests_per_fte": "requests per FTE",
    "eah_waiting_at_term_end": "requests waiting",
    "eah_expert_days_vs_yardstick_termly_pct": "% of yardstick",
    "absence_overall_pct": "% of sessions missed",
    "absence_persistent_pct": "% of pupils",
    "suspension_rate": "suspensions per 100 pupils",
}


def axis_label(item: MonitorItem) -> str:
    """Return the y-axis label of an item's charts, with its unit."""
    if item.key.startswith("equality:"):
        return "gap, percentage points"
    return AXIS_LABELS.get(item.key, item.unit_text)


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


def _adjusted(values: pd.DataFrame) -> bool:
    """Whether the charted values differ from the recorded ones (standardised or adjusted)."""
    if "chart_value" not in values.columns:
        return False
    charted = pd.to_numeric(values["chart_value"], errors="coerce")
    recorded = pd.to_numeric(values["value"], errors="coerce")
    return bool(((charted - recorded).abs() > 1e-9).any())


def _data_table(item: MonitorItem, values: pd.DataFrame, flags: pd.DataFrame,
                column: str = "value", caption: str = "values shown in the charts") -> str:
    """Terms (rows) by unit (columns): narrow enough to print on A4, however many terms."""
    wide_v = values.pivot(index="unit", columns="period", values=column)
    wide_f = (
        flags.assign(unit=values["unit"], period=values["period"])
        .pivot(index="unit", columns="period", values=column)
    )
    cols = list(values.sort_values("period_index")["period"].unique())
    units = list(dict.fromkeys([u for u in [LA_UNIT] if u in wide_v.index]
                               + [u for u in wide_v.index if u != LA_UNIT]))
    wide_v = wide_v.reindex(index=units, columns=cols).T
    wide_f = wide_f.reindex(index=units, columns=cols).fillna("").astype(str).T
    wide_v.index.name = "Term"
    wide_v.columns.name = None
    return controlled_table(
        wide_v, wide_f, caption=f"{item.title} by term and unit, {axis_label(item)} "
        f"({caption})",
        formats="{:,.1f}",
    ).replace("<table>", '<table class="compact">', 1)


def _how_adjusted(item: MonitorItem) -> str:
    done = [w for w, on in (("standardised for the phase mix", item.standardisation),
                            ("seasonally adjusted", item.seasonal)) if on]
    return " and ".join(done) if done else "adjusted"


def item_block(
    item: MonitorItem, status: pd.DataFrame, values: pd.DataFrame, flags: pd.DataFrame,
    names: Mapping[str, str] | None = None,
) -> str:
    """HTML of one monitored measure: active title, charts, data table and notes.

    Parameters
    ----------
    item : MonitorItem
        The item after disclosure control (its charts hold publishable terms only).
    status : pandas.DataFrame
        Status of every series (:func:`status_of`), for the active title.
    values, flags : pandas.DataFrame
        The item's disclosure-controlled tidy frame and its flags, for the data table.
    names : mapping of str -> str, optional
        Cluster id -> name, for the panel titles (``"North Coast"``).

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
    names = names or {}
    order = [u for u in charts if u != LA_UNIT]
    label = axis_label(item)
    title = active_title(item, status, ([LA_UNIT] if LA_UNIT in charts else []) + order)
    figures = ""
    if LA_UNIT in charts:
        figures += figure_html(
            overview(charts[LA_UNIT], title=LA_UNIT, value_label=label),
            title=title, alt=alt_text(charts[LA_UNIT]), caption=item.caption, tight=False,
            dpi=150,
        )
    if order:
        panels = {names.get(u, u): charts[u] for u in order}
        alt = (
            f"{len(order)} control charts of {item.title}, one per "
            f"{'cluster' if names and order[0] in names else 'group'}; their status is in the "
            "panel titles, the data table and the summary matrix. "
            + " ".join(alt_text(charts[u]) for u in order[:1])
        )
        figures += figure_html(
            small_multiples(panels, value_label=label),
            title=(f"{item.title}: by cluster" if LA_UNIT in charts else title), alt=alt,
            caption=item.caption, tight=False, dpi=150,
        )
    notes = [f"Improvement direction: {item.direction}. {item.direction_reason}"]
    if item.target is not None:
        notes.append(f"Target: {item.target:g} {item.unit_text}.")
    notes += list(item.notes)
    notes += [f"{u}: not charted ({why})" for u, why in item.charts.skipped.items()]
    if _adjusted(values):
        # the charts show standardised or seasonally adjusted values: the table gives those,
        # then the recorded ones
        tables = (_data_table(item, values, flags, "chart_value", "values shown in the "
                              "charts: " + _how_adjusted(item))
                  + _data_table(item, values, flags, "value", "recorded values"))
    else:
        tables = _data_table(item, values, flags)
    table = ('<details open class="data-table"><summary>Data table</summary>'
             + tables + "</details>")
    return section(item.title, figures + bullet_list(notes) + table, level=3)
