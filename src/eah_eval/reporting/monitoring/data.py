"""Data behind the monitoring report: every series, chart and status, before any publishing.

:func:`monitoring_data` computes the report's measures by cluster and term (through
:mod:`eah_eval.measures`), makes a control chart per cluster (and for the whole local authority)
and returns them with the columns that hold counts of people, so that the report can apply
disclosure control (:mod:`eah_eval.reporting.monitoring.disclosure`) before anything is shown.
Each cluster's go-live is placed in a term by the one rollout rule of the package
(:func:`eah_eval.measures.rollout.first_treated_period`), the rule the impact evaluation uses.
Nothing here formats or publishes.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eah_eval.data.periods import academic_year_label, academic_year_start, term_label
from eah_eval.errors import TrialLimitsWarning
from eah_eval.measures import compute, get_measure, open_tables
from eah_eval.measures.definitions import PERIOD_TEXT
from eah_eval.measures.rollout import RULE_TEXT, first_treated_period
from eah_eval.monitor.summary import ChartSet, charts_by_unit, status_table
from eah_eval.reporting.monitoring.params import COST_PER_REQUEST, MonitoringDataParams

__all__ = [
    "GEOGRAPHY",
    "LA_UNIT",
    "SECTIONS",
    "MonitorItem",
    "MonitoringData",
    "monitoring_data",
    "seasonal_note",
]

LA_UNIT = "All clusters"
GEOGRAPHY = "Experts at Hand clusters and the whole local authority"

#: Report sections in order, with the words used as headings.
SECTIONS: dict[str, str] = {
    "demand": "Demand: requests per school",
    "capacity": "Capacity: practitioner FTE in post against plan",
    "waits": "Waits: days to triage and to first support",
    "delivery": "Delivery: expert days per school against the 40/160 yardstick",
    "escalation": "Statutory escalation",
    "outcomes": "Outcome measures by cluster",
    "equality": "Equality gaps between pupil groups",
    "spend": "Spend against outputs",
}

# measure id -> (section, chart type, multiplier for Laney charts, columns counting people)
_PROCESS: tuple[tuple[str, str, str, float, tuple[str, ...]], ...] = (
    ("eah_requests_per_school", "demand", "xmr", 1.0, ("numerator",)),
    ("eah_fte_in_post_pct", "capacity", "xmr", 1.0, ()),
    ("eah_median_days_to_triage", "waits", "xmr", 1.0, ("denominator",)),
    ("eah_median_days_to_first_support", "waits", "xmr", 1.0, ("denominator",)),
    ("eah_expert_days_per_school", "delivery", "xmr", 1.0, ()),
    ("eah_met_without_escalation_pct", "escalation", "p_prime", 100.0,
     ("numerator", "denominator")),
    ("eah_cost_per_expert_day", "spend", "xmr", 1.0, ()),
)
#: Outcome measures whose numerator counts events that can exceed the pupils (rates: u').
_RATE_OUTCOMES = {"suspension_rate", "permanent_exclusion_rate"}
_DIRECTION = {"higher_better": "higher", "lower_better": "lower", "none": "none"}
_ACTIVITY_NOTE = (
    "Each series starts at its first term of Experts at Hand activity; the all-clusters series "
    "grows as clusters go live wave by wave, so its early terms reflect the rollout."
)


@dataclass(frozen=True)
class MonitorItem:
    """One monitored measure: its tidy data, charts and what to say about it.

    Attributes
    ----------
    key : str
        Measure id (or ``eah_cost_per_request`` for the derived spend-per-request series).
    section : str
        Report section (a key of :data:`SECTIONS`).
    title : str
        Measure title.
    unit_text : str
        Unit of the values.
    direction : {"higher", "lower", "none"}
        Improvement direction used for the icons.
    direction_reason : str
        Why that direction.
    target : float or None
        Target used for assurance.
    frame : pandas.DataFrame
        Tidy rows: ``unit``, ``period``, ``period_index``, ``numerator``, ``denominator``,
        ``value`` (clusters and the local-authority row ``All clusters``).
    people_counts : tuple of str
        Columns of ``frame`` that count people or requests (disclosure control applies).
    charts : ChartSet
        Chart per unit (skipped units with reasons).
    caption : str
        Measure, source, population, geography and period, for figure captions.
    notes : tuple of str
        Notes to print with the chart (definitions, exclusions).
    """

    key: str
    section: str
    title: str
    unit_text: str
    direction: str
    direction_reason: str
    target: float | None
    frame: pd.DataFrame
    people_counts: tuple[str, ...]
    charts: ChartSet
    caption: str
    notes: tuple[str, ...] = ()
    chart_options: Mapping[str, Any] = field(default_factory=dict)

    def restrict(self, hidden: pd.Series, *, min_points: int = 6) -> MonitorItem:
        """Re-chart each unit from the periods after its last hidden value.

        Disclosure control may hide values (small counts). A chart cannot show a hidden value,
        and its centre and limits would let a reader work one out, so each unit's chart is
        recomputed from the run of periods after its last hidden value only. Units left with
        fewer than ``min_points`` periods are skipped with the reason stated.

        Parameters
        ----------
        hidden : pandas.Series of bool
            Aligned with ``frame``'s index: True where the value may not be shown.
        min_points : int
            Fewest periods worth charting.

        Returns
        -------
        MonitorItem
            A new item whose ``frame`` and ``charts`` hold only publishable periods.
        """
        hidden = hidden.reindex(self.frame.index).fillna(False).astype(bool)
        keep = pd.Series(True, index=self.frame.index)
        restarted: list[str] = []
        redo: list[str] = []
        for unit, g in self.frame.groupby("unit", sort=False):
            name = str(unit)
            h = hidden.loc[g.index]
            if h.any():
                last = g.loc[h.to_numpy(), "period_index"].max()
                keep.loc[g.index[g["period_index"] <= last]] = False
                shown = int((g["period_index"] > last).sum())
                redo.append(name)
                if shown >= min_points:
                    restarted.append(f"{name} ({shown} terms)")
            else:
                chart = self.charts.charts.get(name)
                if chart is None or len(chart.points) < min_points:
                    redo.append(name)
        frame = self.frame.loc[keep]
        # only units whose periods changed (or that are now too short) are charted again
        redone = frame.loc[frame["unit"].astype(str).isin(redo)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TrialLimitsWarning)
            fresh = charts_by_unit(redone, measure=self.title, min_points=min_points,
                                   **self.chart_options)
        hidden_units = set(self.frame.loc[hidden, "unit"].astype(str))
        charts: dict[str, Any] = {}
        skipped: dict[str, str] = {}
        for unit in sorted({str(u) for u in self.frame["unit"]} | set(self.charts.skipped)):
            if unit not in redo and unit in self.charts.charts:
                charts[unit] = self.charts.charts[unit]
            elif unit in fresh.charts:
                charts[unit] = fresh.charts[unit]
            elif unit in hidden_units:
                skipped[unit] = "suppressed: small numbers leave too few terms to chart"
            elif unit in fresh.skipped:
                skipped[unit] = fresh.skipped[unit]
            else:
                skipped[unit] = self.charts.skipped.get(
                    unit, f"0 usable point(s); at least {min_points} needed"
                )
        notes: list[str] = []
        if restarted:
            notes.append(
                "Units charted from the term after their last value suppressed for small "
                "numbers: "
                + ", ".join(restarted) + "."
            )
        charts_set = ChartSet(measure=self.title, charts=charts, skipped=skipped)
        return replace(self, frame=frame, charts=charts_set, notes=(*self.notes, *notes))


@dataclass(frozen=True)
class MonitoringData:
    """Everything the monitoring report shows, before disclosure control.

    Attributes
    ----------
    params : MonitoringDataParams
        Parameters used.
    items : tuple of MonitorItem
        Monitored measures in report order (equality gaps included, section ``equality``).
    go_live : pandas.DataFrame
        ``cluster_id``, ``cluster_name``, ``go_live_date``, ``first_treated`` (term index,
        :func:`eah_eval.measures.rollout.first_treated_period` under
        ``params.mid_period_rule``), ``first_treated_term`` (its label, e.g.
        ``"2023/24 spring"``) and ``rollout_wave``.
    activity_mix : pandas.DataFrame
        Hours of Experts at Hand activity by cluster, academic year and activity type, with the
        share of the cluster's hours (statutory assessment excluded).
    yardstick : pandas.DataFrame
        Annual expert days against the 40/160 yardstick by cluster (tidy measure frame).
    chart_settings : str
        One sentence stating the control-chart conventions.
    notes : tuple of str
        Notes for the methods section (periods, when and where the data were read).
    data_fingerprint : str
        SHA-256 fingerprint of the input files (empty when read from Parquet).
    """

    params: MonitoringDataParams
    items: tuple[MonitorItem, ...]
    go_live: pd.DataFrame
    activity_mix: pd.DataFrame
    yardstick: pd.DataFrame
    chart_settings: str
    notes: tuple[str, ...] = field(default=())
    data_fingerprint: str = ""

    @property
    def rollout_rule(self) -> str:
        """The rule placing each cluster's go-live in a term, in words (for methods notes)."""
        return RULE_TEXT[self.params.mid_period_rule]

    def status(self) -> pd.DataFrame:
        """Integrated-performance status table of every item (see :func:`status_table`)."""
        return status_table(item.charts for item in self.items)

    def item(self, key: str) -> MonitorItem:
        """Return the item with ``key`` (a measure id)."""
        for it in self.items:
            if it.key == key:
                return it
        raise KeyError(key)


def _period_ok(label: str, first_year: str | None) -> bool:
    if first_year is None:
        return True
    return academic_year_start(str(label)[:7]) >= academic_year_start(first_year)


def _tidy(
    frames: list[pd.DataFrame], params: MonitoringDataParams, *, clusters: bool = True
) -> pd.DataFrame:
    frame = pd.concat(frames, ignore_index=True)
    cols = ["unit", "period", "period_index", "numerator", "denominator", "value"]
    frame = frame[cols].copy()
    frame["unit"] = frame["unit"].astype(str)
    frame["period"] = frame["period"].astype(str)
    keep = frame["period"].map(lambda p: _period_ok(p, params.first_year))
    if params.clusters and clusters:
        keep &= frame["unit"].isin([*params.clusters, LA_UNIT])
    return frame.loc[keep].sort_values(["unit", "period_index"]).reset_index(drop=True)


class _Frames:
    """Termly measure frames computed once each (a measure may feed several items)."""

    def __init__(self, ts: Any) -> None:
        self._ts = ts
        self._done: dict[tuple[str, str, str | None], pd.DataFrame] = {}

    def get(self, measure_id: str, level: str, by: str | None = None) -> pd.DataFrame:
        key = (measure_id, level, by)
        if key not in self._done:
            self._done[key] = compute(self._ts, measure_id, level=level, period="term",
                                      by=by).frame
        return self._done[key]

    def clusters_and_la(self, measure_id: str) -> pd.DataFrame:
        """Cluster rows and the local-authority row (unit ``All clusters``)."""
        clusters = self.get(measure_id, "cluster")
        la = self.get(measure_id, "la").assign(unit=LA_UNIT)
        return pd.concat([clusters, la], ignore_index=True)


def _open(data: str) -> tuple[Any, str]:
    """Open the tables; CSV folders go through the validating loader, which fingerprints them."""
    path = Path(data)
    if path.is_dir() and not any(path.glob("*.parquet")):
        from eah_eval.data.load import load_council

        council = load_council(path)
        return open_tables(council), council.fingerprint
    return open_tables(data), ""


def _go_live(ts: Any, rule: str) -> pd.DataFrame:
    """Each cluster's go-live date and first treated term under the package's rollout rule."""
    clusters = ts.raw("clusters").to_pandas()
    dates = pd.to_datetime(clusters["go_live_date"])
    first = [
        None if pd.isna(d) else first_treated_period(d, "term", rule=rule) for d in dates
    ]
    return pd.DataFrame(
        {
            "cluster_id": clusters["cluster_id"].astype(str),
            "cluster_name": clusters["cluster_name"].astype(str),
            "go_live_date": dates.dt.date,
            "first_treated": pd.array(first, dtype="Int64"),
            "first_treated_term": [None if f is None else term_label(f) for f in first],
            "rollout_wave": clusters["rollout_wave"],
        }
    ).sort_values(["rollout_wave", "cluster_id"]).reset_index(drop=True)


def _caption(title: str, unit_text: str, source: tuple[str, ...], population: str,
             frame: pd.DataFrame, geography: str = GEOGRAPHY) -> str:
    periods = frame.sort_values("period_index")["period"]
    span = f"{periods.iloc[0]} to {periods.iloc[-1]}" if len(periods) else "no periods"
    # titles such as "Persistent absence (%)" already carry the unit
    named = title if title.endswith(f"({unit_text})") else f"{title} ({unit_text})"
    return (
        f"{named}; source: {', '.join(source)}; population: {population}; "
        f"geography: {geography}; period: terms, {span}."
    )


def _from_first_activity(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop each unit's terms before its first positive value (no programme activity yet)."""
    active = frame["value"].fillna(0.0).to_numpy() > 0
    first = (
        frame.loc[active].groupby("unit")["period_index"].min()
        .reindex(frame["unit"].unique())
    )
    start = frame["unit"].map(first)
    return frame.loc[start.notna() & (frame["period_index"] >= start)].reset_index(drop=True)


def _group_title(group: str) -> str:
    """Words for a breakdown, from the pupil census schema (``fsm`` -> free school meals)."""
    from eah_eval.data.schema import load_schema

    fields = {f["name"]: f for f in load_schema("pupil_census")["fields"]}
    title = str(fields.get(group, {}).get("title", group.replace("_", " ")))
    # lower-case a leading capital unless the word is an acronym (SEN)
    return title[0].lower() + title[1:] if title[1:2].islower() else title


def _group_labels(group: str) -> dict[str, str]:
    """Readable names of a breakdown's codes, read from the pupil census schema."""
    from eah_eval.data.schema import load_schema

    fields = {f["name"]: f for f in load_schema("pupil_census")["fields"]}
    spec = fields.get(group, {})
    if spec.get("type") == "boolean":
        # the measures name the groups of a flag "<flag>" and "not_<flag>"
        title = str(spec.get("title", group))
        yes, no = f"{title}: yes", f"{title}: no"
        return {group: yes, f"not_{group}": no, "True": yes, "False": no}
    codes = [str(c) for c in spec.get("constraints", {}).get("enum", [])]
    labels: dict[str, str] = {}
    # descriptions list codes as "N = no special educational need, K = SEN support, ..."
    for part in re.split(r",\s*(?=[A-Za-z0-9]+ = )", str(spec.get("description", ""))):
        code, sep, text = part.partition(" = ")
        if sep and code.strip() in codes:
            labels[code.strip()] = f"{code.strip()}: {text.strip().rstrip('.')}"
    return labels


def seasonal_note(frame: pd.DataFrame) -> tuple[str, ...]:
    """Return a note when the all-clusters values differ clearly by term of the year.

    Seasonal swings widen the limits of a termly chart (the moving ranges carry them), so a
    special cause is harder to see; the reader is told, with the average of each term.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy rows with ``unit``, ``period`` (labels ending in the term name) and ``value``;
        only the all-clusters rows (:data:`LA_UNIT`) are used.

    Returns
    -------
    tuple of str
        One note, or none when the pattern is not clear or there are fewer than six terms.

    Notes
    -----
    The pattern counts as clear when the spread of the term averages exceeds three times the
    standard deviation of the values around their own term's average.
    """
    la = frame.loc[(frame["unit"] == LA_UNIT) & frame["value"].notna()]
    if len(la) < 6:
        return ()
    term = la["period"].astype(str).str.rsplit(" ", n=1).str[-1]
    if not set(term) <= {"autumn", "spring", "summer"} or term.nunique() < 2:
        return ()
    means = la.groupby(term)["value"].mean()
    within = (la["value"] - term.map(means)).std(ddof=1)
    spread = float(means.max() - means.min())
    if not (within >= 0) or spread <= 3 * within:
        return ()
    order = [t for t in ("autumn", "spring", "summer") if t in means.index]
    listed = ", ".join(f"{t} {means[t]:,.1f}" for t in order)
    return (
        f"Values differ by term of the year (all clusters, term averages: {listed}). "
        "This seasonal pattern widens the limits, so a special cause is harder to see: "
        "compare like terms in the data table.",
    )


def _make_item(
    *,
    key: str,
    section: str,
    title: str,
    unit_text: str,
    direction: str,
    direction_reason: str,
    frame: pd.DataFrame,
    chart: str,
    multiplier: float,
    people: tuple[str, ...],
    params: MonitoringDataParams,
    rebase: Mapping[str, list[str]] | None,
    source: tuple[str, ...],
    population: str,
    notes: tuple[str, ...] = (),
    geography: str = GEOGRAPHY,
) -> MonitorItem:
    target = params.targets.get(key)
    opts: dict[str, Any] = {
        **params.options(),
        "chart": chart,
        "rebase": rebase,
        "improvement_direction": direction,
        "target": target,
    }
    if chart != "xmr":
        opts["multiplier"] = multiplier
    with warnings.catch_warnings():
        # trial limits are reported on each chart and in the matrix; no need to warn here
        warnings.simplefilter("ignore", TrialLimitsWarning)
        charts = charts_by_unit(frame, measure=title, **opts)
    return MonitorItem(
        key=key,
        section=section,
        title=title,
        unit_text=unit_text,
        direction=direction,
        direction_reason=direction_reason,
        target=target,
        frame=frame,
        people_counts=people,
        charts=charts,
        caption=_caption(title, unit_text, source, population, frame, geography),
        notes=(*notes, *seasonal_note(frame)),
        chart_options=opts,
    )


def _activity_mix(ts: Any, params: MonitoringDataParams) -> pd.DataFrame:
    act = ts.raw("eah_activity").to_pandas()
    schools = ts.raw("schools").to_pandas()[["urn", "cluster_id"]]
    act = act.loc[act["activity_type"] != "statutory_assessment"]
    act = act.merge(schools.astype(str), on="urn", how="inner")
    dates = pd.to_datetime(act["activity_date"])
    start = (dates.dt.year - (dates.dt.month < 9)).astype("int64")
    labels = {int(y): academic_year_label(int(y)) for y in start.unique()}
    act = act.assign(academic_year=start.map(labels), unit=act["cluster_id"].astype(str))
    if params.clusters:
        act = act.loc[act["unit"].isin(params.clusters)]
    act = act.loc[act["academic_year"].map(lambda a: _period_ok(a, params.first_year))]
    hours = (
        act.groupby(["unit", "academic_year", "activity_type"], as_index=False)["hours"].sum()
    )
    total = hours.groupby(["unit", "academic_year"])["hours"].transform("sum")
    return hours.assign(share_pct=100.0 * hours["hours"] / total)


def monitoring_data(params: MonitoringDataParams | Mapping[str, Any]) -> MonitoringData:
    """Compute every series, chart and status of the monitoring report.

    Parameters
    ----------
    params : MonitoringDataParams or mapping
        Report parameters (a mapping is turned into :class:`MonitoringDataParams`).

    Returns
    -------
    MonitoringData

    Raises
    ------
    ParameterError
        For bad parameters given as a mapping.
    DataValidationError
        When the input data fail validation.

    Notes
    -----
    Process measures are charted per cluster from its first term of Experts at Hand activity;
    outcome measures per cluster with limits recalculated from the cluster's first treated term
    (when ``rebase_at_go_live``), so that the post-rollout period is judged against itself. The
    first treated term is :func:`eah_eval.measures.rollout.first_treated_period` of the
    cluster's go-live date under ``mid_period_rule`` (by default the first term starting on or
    after go-live), the same term :func:`eah_eval.measures.rollout_panel` gives the impact
    evaluation. The local-authority series (``All clusters``) is never rebased: clusters go
    live at different times. Cost per request divides the spend of the cost-per-expert-day
    measure by the requests of the requests-per-school measure for the same cluster and term.
    """
    if not isinstance(params, MonitoringDataParams):
        params = MonitoringDataParams(**dict(params))
    ts, fingerprint = _open(params.data)
    frames = _Frames(ts)
    go_live = _go_live(ts, params.mid_period_rule)
    rebase: dict[str, list[str]] | None = None
    if params.rebase_at_go_live:
        rebase = {
            str(r.cluster_id): [str(r.first_treated_term)]
            for r in go_live.itertuples()
            if r.first_treated_term
        }
    items: list[MonitorItem] = []
    process_frames: dict[str, pd.DataFrame] = {}
    for mid, section, chart, mult, people in _PROCESS:
        m = get_measure(mid)
        frame = _from_first_activity(_tidy([frames.clusters_and_la(mid)], params))
        process_frames[mid] = frame
        items.append(
            _make_item(
                key=mid, section=section, title=m.title, unit_text=m.unit_text,
                direction=_DIRECTION[m.direction], direction_reason=m.direction_reason,
                frame=frame, chart=chart, multiplier=mult, people=people, params=params,
                rebase=None, source=m.source_tables, population=m.denominator,
                notes=(*m.notes, _ACTIVITY_NOTE),
            )
        )
    # spend per request: spend (numerator of cost per expert day) / requests received
    spend = process_frames["eah_cost_per_expert_day"][["unit", "period", "period_index",
                                                       "numerator"]]
    requests = process_frames["eah_requests_per_school"][["unit", "period", "numerator"]]
    cpr = spend.merge(requests.rename(columns={"numerator": "denominator"}),
                      on=["unit", "period"], how="inner")
    cpr = cpr.assign(value=np.where(cpr["denominator"] > 0,
                                    cpr["numerator"] / cpr["denominator"], np.nan))
    items.append(
        _make_item(
            key=COST_PER_REQUEST, section="spend", title="Cost per request (£)",
            unit_text="£", direction="lower",
            direction_reason=(
                "Lower is better for value for money provided quality and reach hold."
            ),
            frame=cpr, chart="xmr", multiplier=1.0, people=("denominator",), params=params,
            rebase=None, source=("finance", "eah_requests", "clusters", "schools"),
            population="Experts at Hand spend (statutory assessment excluded) per request "
            "received", notes=(_ACTIVITY_NOTE,),
        )
    )
    for mid in params.outcome_measures:
        m = get_measure(mid)
        chart = "u_prime" if mid in _RATE_OUTCOMES else (
            "p_prime" if m.scale == "percent" else "u_prime"
        )
        frame = _tidy([frames.clusters_and_la(mid)], params)
        items.append(
            _make_item(
                key=mid, section="outcomes", title=m.title, unit_text=m.unit_text,
                direction=_DIRECTION[m.direction], direction_reason=m.direction_reason,
                frame=frame, chart=chart, multiplier=m.multiplier, people=("numerator",
                                                                            "denominator"),
                params=params, rebase=rebase, source=m.source_tables,
                population=m.denominator, notes=m.notes,
            )
        )
    eq = get_measure(params.equality_measure)
    overall = frames.get(eq.id, "la")[["period", "value"]]
    for group in params.equality_groups:
        by = frames.get(eq.id, "la", group)
        by = by.merge(overall.rename(columns={"value": "overall"}), on="period", how="left")
        names = _group_labels(group)
        units = by["group"].astype(str)
        gap = by.assign(unit=units.replace(names),
                        value=by["value"] - by["overall"])
        frame = _tidy([gap], params, clusters=False)
        title = f"{eq.title}: gap to all pupils by {_group_title(group)}"
        items.append(
            _make_item(
                key=f"equality:{group}", section="equality", title=title,
                unit_text=f"{eq.unit_text} points", direction="none",
                direction_reason=(
                    "No direction: a gap narrowing towards zero is the aim, which either side "
                    "of zero can show."
                ),
                frame=frame, chart="xmr", multiplier=1.0,
                people=("numerator", "denominator"), params=params, rebase=None,
                source=eq.source_tables,
                population=f"{eq.denominator}, by {_group_title(group)}",
                notes=("Gap = group value minus the value for all pupils in the same term.",),
                geography="the whole local authority, by pupil group",
            )
        )
    ys = compute(ts, "eah_expert_days_vs_yardstick_pct", level="cluster",
                 period="academic_year").frame
    ys = ys.assign(unit=ys["unit"].astype(str))
    if params.clusters:
        ys = ys.loc[ys["unit"].isin(params.clusters)]
    settings_text = params.describe()
    return MonitoringData(
        params=params,
        items=tuple(items),
        go_live=go_live,
        activity_mix=_activity_mix(ts, params),
        yardstick=ys.reset_index(drop=True),
        chart_settings=settings_text,
        notes=(
            f"Periods are {PERIOD_TEXT['term']}.",
            f"Data read on {dt.date.today().isoformat()} from {params.data}.",
        ),
        data_fingerprint=fingerprint,
    )
