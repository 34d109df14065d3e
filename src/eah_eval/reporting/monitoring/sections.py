"""HTML of the monitoring report's sections: cover, summary, IPR, measures, methods, QA.

Each function takes disclosure-controlled inputs (:mod:`eah_eval.reporting.monitoring.disclosure`)
and returns the HTML of one section;
:func:`eah_eval.reporting.monitoring.build.build_monitoring_report` puts them in reading order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape
from typing import Any

import pandas as pd

from eah_eval.monitor.icons import ASSURANCE_ICONS, VARIATION_ICONS, icon_svg
from eah_eval.monitor.summary import matrix_legend
from eah_eval.reporting.assurance import assurance_section
from eah_eval.reporting.document import Section
from eah_eval.reporting.html import bullet_list, paragraph, section, unavailable
from eah_eval.reporting.monitoring.data import SECTIONS
from eah_eval.reporting.monitoring.disclosure import MIN_CHART_POINTS, ControlledData
from eah_eval.reporting.monitoring.exceptions import NO_NARRATIVE
from eah_eval.reporting.monitoring.items import item_block
from eah_eval.reporting.monitoring.model import MonitoringData
from eah_eval.reporting.monitoring.params import MonitoringReportParams
from eah_eval.reporting.monitoring.tables import (
    assurance_matrix,
    headline,
    ipr_table,
    percent_table,
    summary_matrix,
    yardstick_table,
)
from eah_eval.reporting.qa import QARecord
from eah_eval.reporting.suppression import DisclosurePolicy
from eah_eval.reporting.tables import html_table

__all__ = [
    "cover_section",
    "ipr_section",
    "measure_sections",
    "methods_section",
    "qa_section",
    "summary_section",
]


def cover_section(params: MonitoringReportParams, started: str, assured: bool) -> str:
    """Cover: title, council, scope, date generated and whether the report is assured."""
    note = (
        "Quality assured (see the QA record at the end)."
        if assured
        else "Not yet quality assured: the AQuA roles are not all recorded (see the QA record "
        "at the end)."
    )
    return (
        f"<header><h1>{escape(params.title)}</h1><p>{escape(params.council)}. Statistical "
        "process control of Experts at Hand demand, capacity, waits, delivery, escalation, "
        f"outcomes, equality and spend, by cluster. Generated {escape(started[:10])}.</p>"
        f'<p class="note">{escape(note)}</p></header>'
    )


def _exceptions_table(found: pd.DataFrame, has_narrative: bool,
                      names: Mapping[str, str]) -> str:
    if found.empty:
        return paragraph(
            "No exceptions: no series shows special cause of concern in its latest term, no "
            "target is consistently missed on the current limits and no cluster's cost per "
            "expert day is an outlier."
        )
    words: list[str] = [
        str(cause) if cause == NO_NARRATIVE else
        f"Cause: {cause} Action: {action} Owner: {owner}. Due: {due}."
        for cause, action, owner, due in zip(found["cause"], found["action"], found["owner"],
                                             found["due_date"], strict=True)
    ]
    table = found.assign(narrative=words, unit=[
        f"{names[u]} ({u})" if u in names else u for u in found["unit"]])
    shown = table.set_index("measure")[["unit", "shows", "since", "narrative"]]
    shown.columns = pd.Index(["Cluster", "What the chart shows", "Since",
                              "Service narrative (cause, action, owner, due date)"])
    shown.index.name = "Measure"
    source = (
        "from the exceptions file given" if has_narrative
        else "no exceptions file was given"
    )
    return html_table(
        shown,
        caption=f"Exceptions to act on ({len(found)}): measure, cluster, what the chart shows, "
        f"since when, and the service's narrative ({source})",
        numeric_columns=[],
    )


_SYMBOLS = {i.symbol: code for code, i in (*VARIATION_ICONS.items(), *ASSURANCE_ICONS.items())}
_ICON_TEXT = re.compile(
    "(?P<sym>[" + "".join(_SYMBOLS) + "])(?P<sep>[\u00a0 ]?)(?P<rest>[^<|]*)"
)


def draw_icons(html: str) -> str:
    """Put the drawn Making Data Count icon before each status symbol of a table.

    Each symbol (``◆ IMP H``, ``✔ P``, ``◆ Special cause: improvement (higher)``) becomes the
    icon (:func:`eah_eval.monitor.icons.icon_svg`: a disc in the status colour with its letter,
    hidden from screen readers) followed by the code or words, which stay as the text
    equivalent.
    """

    def one(m: re.Match[str]) -> str:
        code, rest = _SYMBOLS[m["sym"]], m["rest"]
        side = ("high" if re.match(r"(IMP|CON) H\b", rest) or "(higher)" in rest else
                "low" if re.match(r"(IMP|CON) L\b", rest) or "(lower)" in rest else None)
        return icon_svg(code, side) + m["sep"] + rest

    return _ICON_TEXT.sub(one, html)


def compact(html: str) -> str:
    """Mark a table as compact (smaller type and padding), so that wide tables fit A4."""
    return html.replace("<table>", '<table class="compact">', 1)


def summary_section(
    status: pd.DataFrame, data: MonitoringData, found: pd.DataFrame, has_narrative: bool
) -> str:
    """Summary: exceptions first, then the headline, the matrices, the key and the clusters."""
    legend = matrix_legend().set_index("symbol")[["kind", "code", "meaning"]]
    assurance = assurance_matrix(status)
    names = dict(zip(data.go_live["cluster_id"].astype(str),
                     data.go_live["cluster_name"].astype(str), strict=True))
    lines = headline(status, found, names)
    # the concerns in one line each first, so that the first screen names every one of them
    # however long the table of exceptions that details them
    concerns = [line for line in lines if line.startswith("Concern:")]
    body = (
        (bullet_list(concerns) if concerns else "")
        + _exceptions_table(found, has_narrative, names)
        + bullet_list([line for line in lines if line not in concerns])
        + "".join(unavailable(u.what, u.reason) for u in data.unavailable)
        + paragraph(
            "The first table gives each series' variation in the latest term (symbol and "
            "code; H or L says whether the special cause is in higher or lower values); the "
            "second, for measures with a target, whether the process will meet it. The "
            "symbols differ in shape, not only colour; the key follows the tables."
        )
        + compact(draw_icons(html_table(
            summary_matrix(status),
            caption="Variation: each measure (rows) by cluster (columns), latest term",
            row_header="Measure",
            numeric_columns=[],
        )))
    )
    if not assurance.empty:
        body += compact(draw_icons(html_table(
            assurance,
            caption="Assurance against the target: each measure with a target (rows) by "
            "cluster (columns), latest limits",
            row_header="Measure",
            numeric_columns=[],
        )))
    body += draw_icons(html_table(
        legend, caption="Key to the icons, symbols and codes", row_header="Icon",
        numeric_columns=[],
    )) + _go_live_table(data)
    return section("Summary: exceptions first", body, anchor="summary")


def ipr_section(status: pd.DataFrame) -> str:
    """Integrated-performance table for all clusters (the latest term in the caption)."""
    table = ipr_table(status)
    when = "Latest term"
    terms = table["Latest term"].unique()
    if len(terms) == 1:
        # one term for every row: say it once, in the caption
        when = f"Latest term ({terms[0]})"
        table = table.drop(columns="Latest term")
    return section(
        "Integrated performance: all clusters",
        compact(draw_icons(html_table(
            table,
            caption=f"{when} for the whole local authority: value, target, centre, process "
            "limits, variation and assurance",
            numeric_columns=["Latest value", "Target", "Centre"],
        ))),
        anchor="ipr",
    )



def _delivery_extras(data: MonitoringData) -> str:
    out = html_table(
        yardstick_table(data),
        caption="Expert days delivered as a share of the 40/160 yardstick (40 days a year per "
        "primary school, 160 per secondary), by cluster and academic year",
    )
    mix = data.activity_mix
    if len(mix):
        latest = mix["academic_year"].max()
        wide = mix.loc[mix["academic_year"] == latest].pivot(
            index="unit", columns="activity_type", values="share_pct"
        )
        wide.index.name = "Cluster"
        wide.columns = pd.Index([str(c).replace("_", " ").capitalize() for c in wide.columns])
        out += section(
            "Activity mix by support type",
            html_table(
                percent_table(wide),
                caption=f"Share of Experts at Hand practitioner hours by type of support, "
                f"{latest} (statutory assessment work excluded)",
            ),
            level=3,
        )
    return out


def _go_live_table(data: MonitoringData) -> str:
    gl = data.go_live
    if data.params.clusters:
        gl = gl.loc[gl["cluster_id"].isin(data.params.clusters)]
    gl = gl.set_index("cluster_id")[
        ["cluster_name", "rollout_wave", "go_live_date", "first_treated_term"]
    ]
    gl.index.name = "Cluster"
    gl.columns = pd.Index(["Name", "Rollout wave", "Go-live date", "First treated term"])
    restart = {
        "before_go_live": " (outcome limits come from the terms before it)",
        "rebase_at_go_live": " (outcome limits restart at it)",
        "whole_series": "",
    }[data.params.outcome_baseline]
    return html_table(
        gl.astype(str),
        caption="Clusters in the tables above: name, rollout wave, go-live date and first "
        f"treated term{restart}",
        numeric_columns=[],
    )


def measure_sections(
    data: MonitoringData, controlled: ControlledData, status: pd.DataFrame
) -> list[Section]:
    """One section per monitoring area (:data:`eah_eval.reporting.monitoring.data.SECTIONS`)."""
    out = []
    gone = {u.section: u for u in data.unavailable if u.what == SECTIONS.get(u.section)}
    names = dict(zip(data.go_live["cluster_id"].astype(str),
                     data.go_live["cluster_name"].astype(str), strict=True))
    for key, heading in SECTIONS.items():
        if key in gone:
            body = unavailable(heading, gone[key].reason)
            out.append(Section(key, heading, section(heading, body, anchor=key)))
            continue
        body = "".join(
            item_block(i, status, controlled.values[i.key], controlled.flags[i.key], names)
            for i in controlled.items
            if i.section == key
        )
        body += "".join(unavailable(u.what, u.reason) for u in data.unavailable
                        if u.section == key)
        if key == "delivery":
            body += _delivery_extras(data)
        if key == "spend":
            body += _cost_table(data)
        if key == "outcomes":
            body = paragraph(
                next((i.baseline_rule for i in controlled.items if i.section == key), "")
                + " The clusters table in the summary gives each cluster's first treated term."
            ) + body
        out.append(Section(key, heading, section(heading, body, anchor=key)))
    return out


def _cost_table(data: MonitoringData) -> str:
    cost = data.cost_outliers
    if cost.empty:
        return ""
    shown = pd.DataFrame(
        {
            "Cost per expert day (£)": [f"{v:,.0f}" for v in cost["value"]],
            "Robust z-score": ["" if pd.isna(z) else f"{z:+.1f}" for z in cost["robust_z"]],
            "Compared": ["yes" if c else "no (first year: set-up costs)"
                         for c in cost["compared"]],
            "Outlier": [{"high": "yes: high", "low": "yes: low"}.get(o, "no")
                        for o in cost["outlier"]],
        },
        index=pd.Index(cost["unit"], name="Cluster"),
    )
    period = str(cost["period"].iloc[0])
    return section(
        "Cost per expert day by cluster",
        html_table(
            shown,
            caption=f"Cost per expert day by cluster, {period}: an outlier lies more than "
            f"{data.params.cost_outlier_z:g} robust z-scores (distance from the median over "
            "1.4826 x the median absolute deviation) from the clusters compared",
            numeric_columns=["Cost per expert day (£)", "Robust z-score"],
        ),
        level=3,
    )


def methods_section(data: MonitoringData, policy: DisclosurePolicy) -> str:
    """Methods and conventions: chart rules, icons, segments and disclosure control."""
    rules = list(dict.fromkeys(i.baseline_rule for i in data.items if i.baseline_rule))
    seasonal = list(dict.fromkeys(i.seasonal for i in data.items if i.seasonal))
    standardised = [i.title for i in data.items if i.standardisation]
    segments = (
        " ".join(rules) + " Rules are checked within each segment: runs and trends do not "
        "continue across a recalculation. "
        + (seasonal[0] if seasonal else "No series needed seasonal adjustment.")
    )
    if standardised:
        segments += (
            f" Outcome rates ({', '.join(standardised)}) are standardised for the phase mix "
            "to the same baseline as their limits (indirect standardisation: the count "
            "against the count the baseline's primary, secondary and special school rates "
            "give on the term's rolls)."
        )
    else:
        segments += " Outcome rates are charted as recorded (not standardised for phase mix)."
    items = bullet_list([
        "Control charts (Making Data Count): " + data.chart_settings + ".",
        "Process measures and spend use XmR charts; proportions with varying denominators use "
        "Laney p' charts and rates Laney u' charts, so that large denominators do not give "
        "falsely narrow limits.",
        "Variation icon: the latest point's type. Assurance icon: the target against the "
        "current process limits, after the last recalculation (consistently met / missed "
        "when the target lies outside them on the good / bad side, hit and miss between). "
        "No assurance without a target or a direction.",
        f"{segments} Go-live to term (mid-period rule '{data.params.mid_period_rule}', as in "
        f"the impact evaluation): {data.rollout_rule}.",
        "Disclosure control: " + policy.describe() + " A unit's chart starts after its last "
        f"hidden value (so no point or limit reveals one); a unit left with fewer than "
        f"{MIN_CHART_POINTS} terms is not charted (c in the matrix).",
        *data.notes,
    ])
    return section("Methods and conventions", items, anchor="methods")


def qa_section(qa: QARecord, record: Mapping[str, Any], data_folder: str) -> str:
    """Quality assurance record: the assurer's record, the run record, then the parameters.

    The same record, rendered the same way, as the impact report's
    (:func:`eah_eval.reporting.assurance.assurance_section`).
    """
    params = pd.DataFrame(
        {"Value": [str(v) for v in qa.parameters.values()]},
        index=pd.Index(list(qa.parameters), name="Parameter"),
    )
    return assurance_section(
        record, qa,
        provenance=[f"Data folder: {data_folder}",
                    "Rows read and kept: see the methods and the notes under each chart"],
        run_note="",
        after=html_table(params, caption="Parameters of this run (also in results.json)",
                         numeric_columns=[]),
    )
