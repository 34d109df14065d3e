"""HTML of the monitoring report's sections: cover, summary, IPR, measures, methods, QA.

Each function takes disclosure-controlled inputs (:mod:`eah_eval.reporting.monitoring.disclosure`)
and returns the HTML of one section;
:func:`eah_eval.reporting.monitoring.build.build_monitoring_report` puts them in reading order.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from eah_eval.monitor.summary import matrix_legend
from eah_eval.reporting.document import Section
from eah_eval.reporting.html import bullet_list, paragraph, section
from eah_eval.reporting.monitoring.data import SECTIONS, MonitoringData
from eah_eval.reporting.monitoring.disclosure import MIN_CHART_POINTS, ControlledData
from eah_eval.reporting.monitoring.items import item_block
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


def summary_section(status: pd.DataFrame, data: MonitoringData) -> str:
    """Summary: headline, variation and assurance matrices, symbol key and first treated terms."""
    legend = matrix_legend().set_index("symbol")[["kind", "code", "meaning"]]
    assurance = assurance_matrix(status)
    body = (
        bullet_list(headline(status))
        + paragraph(
            "The first table gives each series' variation in the latest term (symbol and "
            "code; H or L says whether the special cause is in higher or lower values); the "
            "second, for measures with a target, whether the process will meet it. The "
            "symbols differ in shape, not only colour; the key follows the tables."
        )
        + html_table(
            summary_matrix(status),
            caption="Variation: each measure (rows) by cluster (columns), latest term",
            row_header="Measure",
            numeric_columns=[],
        )
    )
    if not assurance.empty:
        body += html_table(
            assurance,
            caption="Assurance against the target: each measure with a target (rows) by "
            "cluster (columns), latest limits",
            row_header="Measure",
            numeric_columns=[],
        )
    body += html_table(
        legend, caption="Key to the symbols and codes", row_header="Symbol",
        numeric_columns=[],
    ) + _go_live_table(data)
    return section("Summary: where to look", body, anchor="summary")


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
        html_table(
            table,
            caption=f"{when} for the whole local authority: value, target, centre, process "
            "limits, variation and assurance",
            numeric_columns=["Latest value", "Target", "Centre"],
        ),
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
    restart = (
        " (outcome limits restart at the first treated term)"
        if data.params.rebase_at_go_live else ""
    )
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
    for key, heading in SECTIONS.items():
        body = "".join(
            item_block(i, status, controlled.values[i.key], controlled.flags[i.key])
            for i in controlled.items
            if i.section == key
        )
        if key == "delivery":
            body += _delivery_extras(data)
        if key == "outcomes" and data.params.rebase_at_go_live:
            body = paragraph(
                "Each cluster's outcome limits restart at its first treated term, the first "
                "term with Experts at Hand (dashed-dotted line, 'limits recalculated'), so "
                "that the period with Experts at Hand is judged against itself; the clusters "
                "table in the summary gives the terms."
            ) + body
        out.append(Section(key, heading, section(heading, body, anchor=key)))
    return out


def methods_section(data: MonitoringData, policy: DisclosurePolicy) -> str:
    """Methods and conventions: chart rules, icons, segments and disclosure control."""
    segments = (
        "Rules are checked within each segment: from a cluster's first treated term its "
        "outcome limits restart and runs and trends do not continue across it."
        if data.params.rebase_at_go_live
        else "Limits are not recalculated at go-live: each series is one segment."
    )
    items = bullet_list([
        "Control charts (Making Data Count): " + data.chart_settings + ".",
        "Process measures and spend use XmR charts; proportions with varying denominators use "
        "Laney p' charts and rates Laney u' charts, so that large denominators do not give "
        "falsely narrow limits.",
        "Variation icon: the latest point's type. Assurance icon: the target against the "
        "latest process limits (consistently met / missed when the target lies outside them "
        "on the good / bad side, hit and miss between). No assurance without a target or a "
        "direction.",
        f"{segments} Go-live to term (mid-period rule '{data.params.mid_period_rule}', as in "
        f"the impact evaluation): {data.rollout_rule}.",
        "Disclosure control: " + policy.describe() + " A unit's chart starts after its last "
        f"hidden value (so no point or limit reveals one); a unit left with fewer than "
        f"{MIN_CHART_POINTS} terms is not charted (c in the matrix).",
        *data.notes,
    ])
    return section("Methods and conventions", items, anchor="methods")


def qa_section(qa: QARecord) -> str:
    """Quality assurance record: AQuA roles, code version and data fingerprint."""
    rows = pd.DataFrame(
        {
            "Value": [
                qa.commissioner or "not recorded",
                qa.analyst or "not recorded",
                qa.assurer or "not recorded",
                qa.approver or "not recorded",
                qa.commit,
                qa.data_source,
                qa.data_fingerprint or "not recorded",
            ]
        },
        index=pd.Index(
            ["Commissioner", "Analyst", "Assurer", "Approver", "Code version (git)", "Data",
             "Data fingerprint (SHA-256)"],
            name="Role",
        ),
    )
    return section(
        "Quality assurance record",
        html_table(rows, caption="AQuA roles and versions", numeric_columns=[]),
        anchor="qa",
    )
