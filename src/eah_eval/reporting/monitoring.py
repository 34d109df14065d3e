"""Build the monitoring report from the data: control charts by cluster, disclosure-controlled.

:func:`build_monitoring_report` is the one call ``analyses/monitoring_report.ipynb`` makes. It
validates the parameters (:class:`MonitoringReportParams`), computes every series and chart
with :func:`eah_eval.monitor.report.monitoring_data`, applies disclosure control to every
series before anything is drawn or tabulated (:func:`control_disclosure`), and returns a
:class:`MonitoringReport` whose sections the notebook displays and whose ``results``
dictionary is written to ``results.json``.

The monitoring layer computes; this module only publishes. It may import
:mod:`eah_eval.monitor`; the monitoring layer never imports it.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html import escape
from typing import Any, ClassVar

import pandas as pd

from eah_eval.errors import OptionError
from eah_eval.monitor.icons import assurance_icon
from eah_eval.monitor.params import MonitorParams, TwoOfThreeParam
from eah_eval.monitor.plot import alt_text, figure_html, small_multiples
from eah_eval.monitor.report import (
    LA_UNIT,
    SECTIONS,
    MonitoringData,
    MonitorItem,
    monitoring_data,
)
from eah_eval.monitor.summary import matrix_legend, status_matrix, status_table
from eah_eval.reporting.document import Section, SectionedReport
from eah_eval.reporting.html import bullet_list, paragraph, section, unavailable
from eah_eval.reporting.params import (
    DisclosureRule,
    ParameterError,
    params_to_dict,
    parse_params,
)
from eah_eval.reporting.qa import QARecord, now_iso
from eah_eval.reporting.suppression import DisclosurePolicy, SuppressionRecord, suppress_rows
from eah_eval.reporting.tables import controlled_table, html_table

__all__ = [
    "HIDDEN_FLAGS",
    "MIN_CHART_POINTS",
    "SECTION_IDS",
    "ControlledData",
    "MonitoringReport",
    "MonitoringReportParams",
    "Section",
    "active_title",
    "assurance_matrix",
    "build_monitoring_report",
    "control_disclosure",
    "headline",
    "ipr_table",
    "item_block",
    "status_of",
    "summary_matrix",
    "yardstick_table",
]

# The parameter schema's inherited annotations are resolved in this module's namespace by
# :func:`eah_eval.reporting.params.parse_params`; keep the names they use importable here.
_ANNOTATION_NAMES = (TwoOfThreeParam, DisclosureRule)

#: Flags of a value that may not be shown (disclosure control).
HIDDEN_FLAGS: tuple[str, ...] = ("primary", "secondary", "derived")
#: Fewest terms worth charting after disclosure control.
MIN_CHART_POINTS = 6
#: Section ids in reading order.
SECTION_IDS: tuple[str, ...] = ("cover", "summary", "ipr", *SECTIONS, "methods", "qa")


@dataclass(frozen=True)
class MonitoringReportParams(MonitorParams):
    """Parameters of the monitoring report (``analyses/monitoring_report.ipynb``).

    The data, scope and chart parameters are those of
    :class:`eah_eval.monitor.params.MonitorParams` (declared once, there); this class adds
    what publishing needs. The command line validates raw values against it with
    :func:`eah_eval.reporting.params.parse_params` before any kernel starts.

    Parameters
    ----------
    title : str
        Report title.
    council : str
        Council name shown on the cover.
    disclosure_rule : {"threshold", "suppress_1_2"}
        Primary suppression rule.
    disclosure_threshold : int
        Smallest count shown under ``disclosure_rule="threshold"``.
    commissioner, analyst, assurer, approver : str
        AQuA roles (the assurer must not be the analyst). Empty = not recorded, and the report
        then says it has not been quality assured.

    Raises
    ------
    ParameterError
        When the assurer is the analyst or the disclosure threshold is below 1, and for the
        errors of :class:`~eah_eval.monitor.params.MonitorParams` (re-raised as this type).
    """

    title: str = "Experts at Hand: monitoring report"
    council: str = "Synthetic council (demonstration data)"
    disclosure_rule: DisclosureRule = "threshold"
    disclosure_threshold: int = 10
    commissioner: str = ""
    analyst: str = ""
    assurer: str = ""
    approver: str = ""

    def __post_init__(self) -> None:
        try:
            super().__post_init__()
        except ParameterError:
            raise
        except OptionError as exc:
            # one error type for every report parameter, whichever layer checked it
            raise ParameterError(str(exc)) from None
        if self.analyst and self.assurer and self.analyst.strip() == self.assurer.strip():
            raise ParameterError(
                "report parameter 'assurer' must not be the analyst (AQuA); "
                f"both are {self.analyst!r}"
            )
        if self.disclosure_threshold < 1:
            raise ParameterError(
                "report parameter 'disclosure_threshold' must be at least 1; got "
                f"{self.disclosure_threshold}"
            )

    @property
    def policy(self) -> DisclosurePolicy:
        """The disclosure policy these parameters ask for."""
        return DisclosurePolicy(rule=self.disclosure_rule, threshold=self.disclosure_threshold)


@dataclass(frozen=True)
class ControlledData:
    """Monitoring data after disclosure control: only publishable values and charts.

    Attributes
    ----------
    items : tuple of MonitorItem
        Items re-charted from the terms after each unit's last hidden value
        (:meth:`MonitorItem.restrict`).
    values : mapping of str -> pandas.DataFrame
        Per item key, its tidy frame with hidden counts and values set to NaN.
    flags : mapping of str -> pandas.DataFrame
        Per item key, the flag frame aligned with ``values`` (``""`` where shown).
    records : tuple of SuppressionRecord
        One record per suppressed table (clusters; all clusters), for ``results.json``.
    """

    items: tuple[MonitorItem, ...]
    values: Mapping[str, pd.DataFrame]
    flags: Mapping[str, pd.DataFrame]
    records: tuple[SuppressionRecord, ...]

    def item(self, key: str) -> MonitorItem:
        """Return the controlled item with ``key``."""
        for it in self.items:
            if it.key == key:
                return it
        raise KeyError(f"no item {key!r}; have {[i.key for i in self.items]}")


@dataclass(frozen=True)
class MonitoringReport(SectionedReport):
    """The built monitoring report: parameters, sections in reading order, every number shown.

    Attributes
    ----------
    params : MonitoringReportParams
        Parameters used.
    sections : tuple of Section
        Sections in reading order (ids :data:`SECTION_IDS`).
    status : pandas.DataFrame
        Integrated-performance status of every series after disclosure control (one row per
        measure and unit, plus a ``suppressed`` column).
    results : dict
        JSON-ready dictionary written to ``results.json``.
    """

    params: MonitoringReportParams
    sections: tuple[Section, ...]
    status: pd.DataFrame
    results: dict[str, Any]

    results_indent: ClassVar[int] = 1

    def html(self, *ids: str) -> str:
        """HTML of the given sections (all when none given), in reading order.

        Raises
        ------
        KeyError
            If an id is not one of the report's sections.
        """
        unknown = [i for i in ids if i not in {s.id for s in self.sections}]
        if unknown:
            raise KeyError(f"no section(s) {unknown}; have {[s.id for s in self.sections]}")
        return super().html(*ids)


# --------------------------------------------------------------------------------------------
# Disclosure control


def control_disclosure(data: MonitoringData, policy: DisclosurePolicy) -> ControlledData:
    """Apply disclosure control to every monitored series, then re-chart what may be shown.

    Parameters
    ----------
    data : MonitoringData
        Output of :func:`eah_eval.monitor.report.monitoring_data`.
    policy : DisclosurePolicy
        Suppression rules.

    Returns
    -------
    ControlledData

    Notes
    -----
    For each item the columns counting people (``MonitorItem.people_counts``) are suppressed:
    the clusters as a cluster x term table with secondary suppression against the term totals
    (which the all-clusters series publishes), the all-clusters row on its own. A value built
    on a hidden count is hidden too. Each unit's chart is then recomputed from the terms after
    its last hidden value, so that neither a point nor a centre line or limit reveals a hidden
    number; a unit left with fewer than :data:`MIN_CHART_POINTS` terms is not charted.
    """
    items: list[MonitorItem] = []
    values: dict[str, pd.DataFrame] = {}
    flags: dict[str, pd.DataFrame] = {}
    records: list[SuppressionRecord] = []
    for item in data.items:
        counts = list(item.people_counts)
        parts: list[tuple[pd.DataFrame, pd.DataFrame]] = []
        for rows, table_by, label in (
            (item.frame["unit"] != LA_UNIT, ("unit", "period"), "clusters"),
            (item.frame["unit"] == LA_UNIT, None, "all"),
        ):
            sub = item.frame.loc[rows]
            if len(sub) == 0:
                continue
            sf = suppress_rows(
                sub,
                counts=counts,
                derived={"value": counts} if counts else None,
                policy=policy,
                table_by=table_by if counts else None,
                name=f"{item.key}:{label}",
            )
            records.append(sf.record)
            parts.append((sf.values, sf.flags))
        if parts:
            v = pd.concat([p[0] for p in parts]).loc[item.frame.index]
            f = pd.concat([p[1] for p in parts]).loc[item.frame.index]
        else:
            v = item.frame.copy()
            f = pd.DataFrame("", index=item.frame.index, columns=item.frame.columns, dtype=object)
        values[item.key] = v
        flags[item.key] = f
        items.append(
            item.restrict(f["value"].isin(HIDDEN_FLAGS), min_points=MIN_CHART_POINTS)
        )
    return ControlledData(
        items=tuple(items), values=values, flags=flags, records=tuple(records)
    )


def status_of(items: Iterable[MonitorItem]) -> pd.DataFrame:
    """Status table of the items (see :func:`eah_eval.monitor.summary.status_table`).

    Adds ``suppressed`` (bool): the series is not charted because disclosure control left too
    few terms.
    """
    status = status_table(i.charts for i in items)
    status["suppressed"] = status["variation_text"].fillna("").str.contains("suppressed")
    return status


# --------------------------------------------------------------------------------------------
# Tables


def _is_equality(measure: str) -> bool:
    return "gap to all pupils" in measure


def _clusters_first(matrix: pd.DataFrame) -> pd.DataFrame:
    cols = [LA_UNIT] if LA_UNIT in matrix.columns else []
    return matrix.reindex(columns=[*cols, *[c for c in matrix.columns if c != LA_UNIT]])


def summary_matrix(status: pd.DataFrame) -> pd.DataFrame:
    """Measures (rows) by unit (columns) with the latest point's variation icon as text.

    Equality gaps are left out (their units are pupil groups, not clusters). ``c`` marks a
    series hidden by disclosure control, ``x`` a measure not available for a unit. The
    all-clusters column comes first. Each icon's symbol and code are joined by a no-break
    space so that a narrow column never splits them; the side and ``(trial)`` may wrap.

    Parameters
    ----------
    status : pandas.DataFrame
        Output of :func:`status_of`.

    Returns
    -------
    pandas.DataFrame
        Display strings.
    """
    shown = status.loc[~status["measure"].map(_is_equality)]
    matrix = status_matrix(shown, assurance=False)
    for row in shown.loc[shown["suppressed"]].itertuples():
        matrix.loc[row.measure, row.unit] = "c"
    return _clusters_first(matrix).fillna("x").map(_unbroken)


def assurance_matrix(status: pd.DataFrame) -> pd.DataFrame:
    """Measures with a target (rows) by unit (columns) with the assurance icon as text.

    ``c`` marks a series hidden by disclosure control, ``x`` one not available, ``–`` one
    charted without an assurance (no improvement direction).

    Parameters
    ----------
    status : pandas.DataFrame
        Output of :func:`status_of`.

    Returns
    -------
    pandas.DataFrame
        Display strings (empty when no measure has a target).
    """
    targeted = set(status.loc[status["target"].notna(), "measure"])
    shown = status.loc[~status["measure"].map(_is_equality) & status["measure"].isin(targeted)]
    if shown.empty:
        return pd.DataFrame()
    cells = []
    for row in shown.itertuples(index=False):
        if row.suppressed:
            cells.append("c")
        elif row.variation == "not_charted":
            cells.append("x")
        elif row.assurance is None or (isinstance(row.assurance, float)
                                       and math.isnan(row.assurance)):
            cells.append("–")
        else:
            icon = assurance_icon(str(row.assurance))
            cells.append(f"{icon.symbol}\u00a0{icon.short}")
    matrix = shown.assign(cell=cells).pivot(index="measure", columns="unit", values="cell")
    matrix = matrix.reindex(list(dict.fromkeys(shown["measure"]))).rename_axis(
        index="measure", columns=None
    )
    return _clusters_first(matrix).fillna("x")


def _unbroken(cell: str) -> str:
    # symbol and code stay together; the side (H/L) and "(trial)" may wrap, so that eleven
    # unit columns fit the page width
    symbol, sep, rest = cell.partition(" ")
    return symbol + "\u00a0" + rest if sep and len(symbol) == 1 else cell


def ipr_table(status: pd.DataFrame) -> pd.DataFrame:
    """Integrated-performance table for the whole local authority (display strings).

    One row per measure charted for ``All clusters``: latest term and value, target, centre,
    process limits, variation and assurance.
    """
    la = status.loc[(status["unit"] == LA_UNIT) & (status["n_points"] > 0)]

    def num(v: Any) -> str:
        return "" if v is None or pd.isna(v) else f"{v:,.1f}"

    return pd.DataFrame(
        {
            "Latest term": la["latest_period"].astype(str).to_numpy(),
            "Latest value": [num(v) for v in la["latest_value"]],
            "Target": [num(t) for t in la["target"]],
            "Centre": [num(v) for v in la["centre"]],
            "Process limits": [
                f"{num(lo)} to {num(hi)}"
                for lo, hi in zip(la["lower"], la["upper"], strict=True)
            ],
            "Variation": (la["variation_symbol"] + " " + la["variation_text"]).to_numpy(),
            "Assurance": [
                "– no target set" if pd.isna(t) else f"{sym} {text}"
                for t, sym, text in zip(la["target"], la["assurance_symbol"],
                                        la["assurance_text"], strict=True)
            ],
        },
        index=pd.Index(la["measure"].to_numpy(), name="Measure"),
    )


def _where(rows: pd.DataFrame) -> str:
    """``measure (units); measure (units)`` for a subset of the status table."""
    if rows.empty:
        return "none"
    parts = []
    for measure, g in rows.groupby("measure", sort=False):
        units = g["unit"].tolist()
        parts.append(f"{measure} ({', '.join(units)})")
    return "; ".join(parts)


def headline(status: pd.DataFrame) -> list[str]:
    """Summary sentences: latest term, where concern, improvement and missed targets show.

    Parameters
    ----------
    status : pandas.DataFrame
        Output of :func:`status_of`.

    Returns
    -------
    list of str
        One sentence each; equality gaps are left out (they have their own section).
    """
    shown = status.loc[~status["measure"].map(_is_equality) & (status["n_points"] > 0)]
    latest = shown["latest_period"].dropna().astype(str)
    concern = shown.loc[shown["variation"] == "special_cause_concern"]
    improve = shown.loc[shown["variation"] == "special_cause_improvement"]
    fail = shown.loc[shown["assurance"] == "consistently_fails"]
    out = []
    if len(latest):
        out.append(f"Latest term charted: {latest.mode().iloc[0]}.")
    out += [
        f"Special-cause concern in the latest term ({len(concern)} series): "
        f"{_where(concern)}.",
        f"Special-cause improvement in the latest term ({len(improve)} series): "
        f"{_where(improve)}.",
        f"Targets consistently missed ({len(fail)} series): {_where(fail)}.",
    ]
    n_hidden = int(status["suppressed"].sum())
    if n_hidden:
        out.append(
            f"{n_hidden} series are not charted because small numbers leave too few terms "
            "(c in the table)."
        )
    return out


# --------------------------------------------------------------------------------------------
# Sections


def _cover(params: MonitoringReportParams, started: str, assured: bool) -> str:
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


def _summary(status: pd.DataFrame, data: MonitoringData) -> str:
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


def _ipr(status: pd.DataFrame) -> str:
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


def _pct_table(wide: pd.DataFrame) -> pd.DataFrame:
    return wide.map(lambda v: "x" if pd.isna(v) else f"{v:,.0f}%")


def yardstick_table(data: MonitoringData) -> pd.DataFrame:
    """Expert days as a share of the 40/160 yardstick by cluster and academic year (strings).

    Academic years before the one in which a cluster went live read ``not live``.
    """
    ys = data.yardstick.pivot(index="unit", columns="period", values="value")
    shown = _pct_table(ys)
    live = {
        str(r.cluster_id): str(r.go_live_term)[:7]
        for r in data.go_live.itertuples()
        if r.go_live_term
    }
    for unit in shown.index:
        first = live.get(str(unit))
        if first is None:
            continue
        for year in shown.columns:
            if str(year) < first:
                shown.loc[unit, year] = "not live"
    shown.index.name = "Cluster"
    return shown


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
                _pct_table(wide),
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
    gl = gl.set_index("cluster_id")[["cluster_name", "rollout_wave", "go_live_term"]]
    gl.index.name = "Cluster"
    gl.columns = pd.Index(["Name", "Rollout wave", "Go-live term"])
    restart = (
        " (outcome limits restart at go-live)" if data.params.rebase_at_go_live else ""
    )
    return html_table(
        gl.astype(str),
        caption=f"Clusters in the tables above: name, rollout wave and go-live term{restart}",
        numeric_columns=[],
    )


def _measure_sections(
    data: MonitoringData, controlled: ControlledData, status: pd.DataFrame
) -> list[Section]:
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
                "Each cluster's outcome limits restart at its go-live term (dashed-dotted "
                "line, 'limits recalculated'), so that the period with Experts at Hand is "
                "judged against itself; the clusters table in the summary gives the terms."
            ) + body
        out.append(Section(key, heading, section(heading, body, anchor=key)))
    return out


def _methods(data: MonitoringData, policy: DisclosurePolicy) -> str:
    items = bullet_list([
        "Control charts (Making Data Count): " + data.chart_settings + ".",
        "Process measures and spend use XmR charts; proportions with varying denominators use "
        "Laney p' charts and rates Laney u' charts, so that large denominators do not give "
        "falsely narrow limits.",
        "Variation icon: the latest point's type. Assurance icon: the target against the "
        "latest process limits (consistently met / missed when the target lies outside them "
        "on the good / bad side, hit and miss between). No assurance without a target or a "
        "direction.",
        "Rules are checked within each segment: after a cluster's go-live the limits restart "
        "and runs and trends do not continue across it.",
        "Disclosure control: " + policy.describe() + " A unit's chart starts after its last "
        f"hidden value (so no point or limit reveals one); a unit left with fewer than "
        f"{MIN_CHART_POINTS} terms is not charted (c in the matrix).",
        *data.notes,
    ])
    return section("Methods and conventions", items, anchor="methods")


def _qa_section(qa: QARecord) -> str:
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


# --------------------------------------------------------------------------------------------
# Build


def build_monitoring_report(
    raw: Mapping[str, Any] | MonitoringReportParams,
) -> MonitoringReport:
    """Build the monitoring report from parameters.

    Parameters
    ----------
    raw : mapping or MonitoringReportParams
        Report parameters; a mapping is validated with
        :func:`eah_eval.reporting.params.parse_params` (unknown, missing and ill-typed
        parameters are refused).

    Returns
    -------
    MonitoringReport
        Sections in reading order (:data:`SECTION_IDS`) and the ``results.json`` dictionary.

    Raises
    ------
    ParameterError, ParameterTypeError
        For bad parameters.
    DataValidationError
        When the input data fail validation.

    Notes
    -----
    Disclosure control (:func:`control_disclosure`) runs before any table, chart or status is
    made; the status, the matrix, the charts and ``results.json`` all come from the controlled
    data.
    """
    started = now_iso()
    t0 = time.perf_counter()
    params = (
        raw if isinstance(raw, MonitoringReportParams)
        else parse_params(MonitoringReportParams, raw)
    )
    policy = params.policy
    data = monitoring_data(params)
    controlled = control_disclosure(data, policy)
    status = status_of(controlled.items)
    parameters = params_to_dict(params)
    qa = QARecord(
        commissioner=params.commissioner,
        analyst=params.analyst,
        assurer=params.assurer,
        approver=params.approver,
        data_fingerprint=data.data_fingerprint,
        data_source=params.data,
        parameters=parameters,
        seeds={},
        started=started,
        seconds=0.0,
    )
    sections = [
        Section("cover", params.title, _cover(params, started, qa.assured)),
        Section("summary", "Summary: where to look", _summary(status, data)),
        Section("ipr", "Integrated performance: all clusters", _ipr(status)),
        *_measure_sections(data, controlled, status),
        Section("methods", "Methods and conventions", _methods(data, policy)),
        Section("qa", "Quality assurance record", _qa_section(qa)),
    ]
    qa = dataclasses.replace(qa, seconds=time.perf_counter() - t0)
    results: dict[str, Any] = {
        "report": "monitoring",
        "title": params.title,
        "council": params.council,
        "generated": started,
        "parameters": parameters,
        "chart_settings": data.chart_settings,
        "disclosure": {
            "policy": policy.to_dict(),
            "records": [r.to_dict() for r in controlled.records],
        },
        "status": json.loads(status.to_json(orient="records", default_handler=str)),
        "qa": qa.to_dict(),
    }
    return MonitoringReport(
        params=params, sections=tuple(sections), status=status, results=results
    )
