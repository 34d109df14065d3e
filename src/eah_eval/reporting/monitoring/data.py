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
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eah_eval.data.periods import academic_year_label, academic_year_start, term_label
from eah_eval.errors import TrialLimitsWarning
from eah_eval.measures import compute, get_measure, open_tables
from eah_eval.measures.definitions import PERIOD_TEXT
from eah_eval.measures.rollout import first_treated_period
from eah_eval.monitor.seasonal import seasonal_adjustment
from eah_eval.monitor.summary import charts_by_unit
from eah_eval.reporting.document import Unavailable
from eah_eval.reporting.glossary import group_label
from eah_eval.reporting.monitoring.capacity import (
    cost_outliers,
    demand_per_fte,
    first_activity_terms,
    waiting_at_term_end,
    yardstick_by_term,
)
from eah_eval.reporting.monitoring.model import MonitoringData, MonitorItem
from eah_eval.reporting.monitoring.params import (
    BACKLOG,
    COST_PER_REQUEST,
    DEMAND_PER_FTE,
    LA_UNIT,
    YARDSTICK_TERMLY,
    MonitoringDataParams,
)
from eah_eval.reporting.monitoring.phases import Phases, outcome_phases, process_phases
from eah_eval.reporting.monitoring.standardisation import phase_standardised

__all__ = [
    "GEOGRAPHY",
    "SECTIONS",
    "monitoring_data",
    "seasonal_note",
]

GEOGRAPHY = "Experts at Hand clusters and the whole local authority"

#: Report sections in order, with the words used as headings.
SECTIONS: dict[str, str] = {
    "demand": "Demand against capacity: requests, requests per practitioner and waiting lists",
    "capacity": "Capacity: practitioner FTE in post against plan",
    "waits": "Waits: days to triage and to first support",
    "delivery": "Delivery: expert days per school against the 40/160 yardstick",
    "escalation": "Statutory escalation",
    "outcomes": "Outcome measures by cluster",
    "equality": "Equality gaps between pupil groups",
    "spend": "Spend against outputs: cost per expert day and per request",
}

#: Tables every section needs besides ``clusters`` and ``schools`` (absent or empty: the
#: section is listed as unavailable with the reason).
SECTION_TABLES: dict[str, tuple[str, ...]] = {
    "demand": ("eah_requests", "workforce"),
    "capacity": ("workforce",),
    "waits": ("eah_requests",),
    "delivery": ("eah_activity",),
    "escalation": ("eah_requests",),
    "outcomes": (),
    "equality": ("pupil_census",),
    "spend": ("finance", "eah_activity", "eah_requests"),
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
#: Medians of whole days move in steps of a day (half a day for an even count): with a
#: stable wait the moving ranges are mostly 0 and XmR limits collapse onto the centre, so a
#: one-day step within rounding would be called special cause ("chunky" data).
_WHOLE_DAYS_NOTE = (
    "Medians of whole days change in steps of a day, so steady waits give moving ranges of "
    "0 and limits that collapse onto the centre; each limit is therefore moved out by one "
    "day (the recording increment), and a point is special cause only when it lies more "
    "than a day beyond the limits the moving ranges give."
)
_DIRECTION = {"higher_better": "higher", "lower_better": "lower", "none": "none"}
_ACTIVITY_NOTE = (
    "Each series starts at its first term of Experts at Hand activity; the all-clusters series "
    "grows as clusters go live wave by wave, so its early terms reflect the rollout."
)


def _period_ok(label: str, first_year: str | None) -> bool:
    if first_year is None:
        return True
    return academic_year_start(str(label)[:7]) >= academic_year_start(first_year)


def _tidy(
    frames: list[pd.DataFrame], params: MonitoringDataParams, *, clusters: bool = True
) -> pd.DataFrame:
    frame = pd.concat(frames, ignore_index=True)
    cols = ["unit", "period", "period_index", "numerator", "denominator", "value"]
    frame = frame[[*cols, *(["group"] if "group" in frame.columns else [])]].copy()
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

    def clusters_and_la(self, measure_id: str, by: str | None = None) -> pd.DataFrame:
        """Cluster rows and the local-authority row (unit ``All clusters``)."""
        clusters = self.get(measure_id, "cluster", by)
        la = self.get(measure_id, "la", by).assign(unit=LA_UNIT)
        return pd.concat([clusters, la], ignore_index=True)


def _open(data: str) -> tuple[Any, str]:
    """Open the tables through the validating loader (CSV or Parquet), which fingerprints them."""
    path = Path(data)
    if path.is_dir():
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


def _group_name(group: str, code: str) -> str:
    """Return a pupil group in the words every report uses (``glossary.GROUP_LABEL``).

    A flag's groups may come as ``True``/``False`` or ``<flag>``/``not_<flag>``.
    """
    if code in ("True", "False"):
        code = group if code == "True" else f"not_{group}"
    return group_label(code)


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


def _charted(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the charted columns (``chart_value``, ``chart_numerator``, ``chart_denominator``).

    They start as the recorded values unless a standardisation already set them; the
    recorded columns stay for disclosure control and the data table.
    """
    out = frame.copy()
    if "chart_value" not in out.columns:
        out["chart_value"] = out["value"]
    if "chart_denominator" not in out.columns:
        out["chart_denominator"] = out["denominator"]
    out["chart_numerator"] = out["numerator"].astype(float)
    return out


def _seasonal_columns(
    frame: pd.DataFrame, chart: str, multiplier: float, phases: Phases | None,
    params: MonitoringDataParams,
) -> tuple[pd.DataFrame, str]:
    """Add the charted columns, seasonally adjusted when the pattern is clear.

    ``chart_value`` (XmR) or ``chart_numerator`` over ``chart_denominator`` (Laney charts:
    the count the term would have shown at the baseline's average season, on the rate scale)
    hold what is charted; the recorded columns stay for disclosure control and the data
    table. A standardised series (``chart_value`` and ``chart_denominator`` already set) is
    adjusted on its standardised values.
    """
    out = _charted(frame)
    if params.seasonal_adjustment == "none" or not seasonal_note(frame):
        return out, ""
    base = phases.baseline_mask(out) if phases is not None else pd.Series(True, out.index)
    term = out["period"].astype(str).str.rsplit(" ", n=1).str[-1]
    adjusted: list[str] = []
    kept: list[str] = []
    for unit, g in out.groupby("unit", sort=True):
        ok = g["chart_value"].notna() & base.loc[g.index]
        counts = term.loc[g.index][ok].value_counts()
        if g["chart_value"].isna().any() or len(counts) < 3 or counts.min() < 2:
            kept.append(str(unit))
            continue
        adj = seasonal_adjustment(g["chart_value"].to_numpy(), term.loc[g.index].tolist(),
                                  baseline=ok.to_numpy())
        out.loc[g.index, "chart_value"] = adj.adjusted
        if chart != "xmr":
            shift = g["chart_denominator"] * (g["chart_value"] - adj.adjusted) / multiplier
            num = (g["numerator"] - shift).clip(lower=0.0)
            if chart == "p_prime":
                num = num.clip(upper=g["chart_denominator"])
            out.loc[g.index, "chart_numerator"] = num
        adjusted.append(str(unit))
    if not adjusted:
        return out, ""
    text = (
        "Seasonally adjusted (additive): each term's value minus the mean of the same term of "
        "the year over the unit's baseline, plus the baseline mean, so that like terms are "
        "compared and the limits are usable; the data table gives the adjusted values."
    )
    if kept:
        text += f" Not adjusted (too few baseline terms of each kind): {', '.join(kept)}."
    return out, text


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
    phases: Phases | None,
    source: tuple[str, ...],
    population: str,
    notes: tuple[str, ...] = (),
    geography: str = GEOGRAPHY,
    seasonal: bool = True,
    resolution: float | None = None,
    standardisation: str = "",
) -> MonitorItem:
    target = params.targets.get(key)
    if seasonal:
        frame, seasonal_text = _seasonal_columns(frame, chart, multiplier, phases, params)
    else:
        frame = _charted(frame)
        seasonal_text = ""
    opts: dict[str, Any] = {
        **params.options(),
        "chart": chart,
        "rebase": dict(phases.rebase) if phases is not None else None,
        "baseline_points": dict(phases.baseline_points) if phases is not None else None,
        "improvement_direction": direction,
        "target": target,
        "value": "chart_value",
        "numerator": "chart_numerator",
        "denominator": "chart_denominator",
    }
    if chart != "xmr":
        opts["multiplier"] = multiplier
    elif resolution is not None:
        opts["resolution"] = resolution
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
        notes=(*notes, *((standardisation,) if standardisation else ()),
               *((seasonal_text,) if seasonal_text else seasonal_note(frame))),
        chart_options=opts,
        baseline_rule=phases.rule if phases is not None else "",
        phases=dict(phases.per_unit) if phases is not None else {},
        seasonal=seasonal_text,
        standardisation=standardisation,
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


def _empty_tables(ts: Any) -> set[str]:
    """Input tables not supplied or without rows."""
    wanted = {t for tables in SECTION_TABLES.values() for t in tables}
    return {t for t in wanted if t not in ts.names or int(ts.raw(t).count().execute()) == 0}


def _why(tables: tuple[str, ...], empty: set[str]) -> str:
    missing = [t for t in tables if t in empty]
    return (
        f"The council's data have no {' or '.join(missing)} records (table"
        f"{'s' if len(missing) > 1 else ''} absent or empty), so there is nothing to chart."
    )


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
    Process series start at each unit's first term of Experts at Hand activity; their first
    ``ramp_up_terms`` terms are the start-up phase with limits of their own, and the limits of
    the steady phase come from its first ``baseline_terms`` terms
    (:func:`~eah_eval.reporting.monitoring.phases.process_phases`). Outcome limits by cluster
    follow ``outcome_baseline``
    (:func:`~eah_eval.reporting.monitoring.phases.outcome_phases`); a cluster's first treated
    term is :func:`eah_eval.measures.rollout.first_treated_period` of its go-live date under
    ``mid_period_rule``, the term :func:`eah_eval.measures.rollout_panel` gives the impact
    evaluation. Outcome rates are standardised for the phase mix to the same baseline
    (``outcome_standardisation``,
    :func:`~eah_eval.reporting.monitoring.standardisation.phase_standardised`). Termly series
    with a clear term-of-year pattern are seasonally adjusted from the baseline
    (``seasonal_adjustment``). Demand against capacity (requests per FTE in
    post, requests waiting at the end of a term), delivery against the termly share of the
    40/160 yardstick and cost per expert day outliers come from
    :mod:`eah_eval.reporting.monitoring.capacity`. A section whose tables the council did not
    supply (or supplied empty) is listed in ``unavailable`` with the reason.
    """
    if not isinstance(params, MonitoringDataParams):
        params = MonitoringDataParams(**dict(params))
    ts, fingerprint = _open(params.data)
    frames = _Frames(ts)
    go_live = _go_live(ts, params.mid_period_rule)
    empty = _empty_tables(ts)
    unavailable = [
        Unavailable(key, SECTIONS[key], _why(tables, empty))
        for key, tables in SECTION_TABLES.items() if any(t in empty for t in tables)
    ]
    skip = {u.section for u in unavailable}
    items: list[MonitorItem] = []
    process_frames: dict[str, pd.DataFrame] = {}
    for mid, section, chart, mult, people in _PROCESS:
        m = get_measure(mid)
        if any(t in empty for t in m.source_tables) or section in skip:
            continue
        frame = _from_first_activity(_tidy([frames.clusters_and_la(mid)], params))
        process_frames[mid] = frame
        items.append(
            _make_item(
                key=mid, section=section, title=m.title, unit_text=m.unit_text,
                direction=_DIRECTION[m.direction], direction_reason=m.direction_reason,
                frame=frame, chart=chart, multiplier=mult, people=people, params=params,
                phases=process_phases(frame, params), source=m.source_tables,
                population=m.denominator,
                notes=(*m.notes, _ACTIVITY_NOTE,
                       *((_WHOLE_DAYS_NOTE,) if m.statistic == "median" else ())),
                resolution=1.0 if m.statistic == "median" else None,
            )
        )
    items += _derived_items(ts, params, process_frames, skip)
    for mid in params.outcome_measures:
        m = get_measure(mid)
        if any(t in empty for t in m.source_tables):
            unavailable.append(Unavailable("outcomes", m.title, _why(m.source_tables, empty)))
            continue
        chart = "u_prime" if mid in _RATE_OUTCOMES else (
            "p_prime" if m.scale == "percent" else "u_prime"
        )
        frame = _tidy([frames.clusters_and_la(mid)], params)
        phases = outcome_phases(frame, go_live, params)
        standardised = ""
        if params.outcome_standardisation == "phase" and "phase" in m.groups:
            std = phase_standardised(
                frame, _tidy([frames.clusters_and_la(mid, by="phase")], params),
                phases.baseline_mask(frame), multiplier=m.multiplier,
            )
            frame, standardised = std.frame, std.text
        items.append(
            _make_item(
                key=mid, section="outcomes", title=m.title, unit_text=m.unit_text,
                direction=_DIRECTION[m.direction], direction_reason=m.direction_reason,
                frame=frame, chart=chart, multiplier=m.multiplier, people=("numerator",
                                                                            "denominator"),
                params=params, phases=phases, source=m.source_tables,
                population=m.denominator, notes=m.notes, standardisation=standardised,
            )
        )
    if "equality" not in skip:
        items += _equality_items(frames, params)
    ys = pd.DataFrame(columns=["unit", "period", "value"])
    mix = pd.DataFrame(columns=["unit", "academic_year", "activity_type", "hours",
                                "share_pct"])
    if "delivery" not in skip:
        ys = compute(ts, "eah_expert_days_vs_yardstick_pct", level="cluster",
                     period="academic_year").frame
        ys = ys.assign(unit=ys["unit"].astype(str))
        if params.clusters:
            ys = ys.loc[ys["unit"].isin(params.clusters)]
        mix = _activity_mix(ts, params)
    outliers = pd.DataFrame()
    if "spend" not in skip and "eah_expert_days_per_school" in process_frames:
        outliers = cost_outliers(
            ts, z=params.cost_outlier_z,
            first_terms=first_activity_terms(process_frames["eah_expert_days_per_school"]),
        )
        if params.clusters:
            outliers = outliers.loc[outliers["unit"].isin(params.clusters)]
    return MonitoringData(
        params=params,
        items=tuple(items),
        go_live=go_live,
        activity_mix=mix,
        yardstick=ys.reset_index(drop=True),
        chart_settings=params.describe(),
        notes=(
            f"Periods are {PERIOD_TEXT['term']}.",
            f"Data read on {dt.date.today().isoformat()} from {params.data}.",
        ),
        data_fingerprint=fingerprint,
        cost_outliers=outliers.reset_index(drop=True),
        unavailable=tuple(unavailable),
    )


def _derived_items(
    ts: Any, params: MonitoringDataParams, process_frames: Mapping[str, pd.DataFrame],
    skip: set[str],
) -> list[MonitorItem]:
    """Demand per FTE, the waiting list, the termly yardstick and spend per request."""
    items: list[MonitorItem] = []
    requests = process_frames.get("eah_requests_per_school")
    if requests is not None and "demand" not in skip:
        per_fte = _from_first_activity(_tidy([demand_per_fte(ts, requests)], params))
        items.append(_make_item(
            key=DEMAND_PER_FTE, section="demand",
            title="Requests received per practitioner FTE in post", unit_text="requests per FTE",
            direction="lower",
            direction_reason=(
                "Lower is better: more requests per practitioner in post means demand is "
                "outgrowing the capacity to meet it."
            ),
            frame=per_fte, chart="xmr", multiplier=1.0, people=("numerator",), params=params,
            phases=process_phases(per_fte, params), source=("eah_requests", "workforce"),
            population="Experts at Hand requests received per average FTE in post (all roles) "
            "over the term's months", notes=(_ACTIVITY_NOTE,),
        ))
        waiting = _tidy([waiting_at_term_end(ts, requests)], params)
        items.append(_make_item(
            key=BACKLOG, section="demand",
            title="Requests waiting for first support at the end of the term",
            unit_text="requests", direction="lower",
            direction_reason="Lower is better: a growing waiting list means unmet demand.",
            frame=waiting, chart="xmr", multiplier=1.0, people=("numerator",),
            params=params, phases=process_phases(waiting, params), source=("eah_requests",),
            population="Requests received by the end of the term, neither given first support "
            "nor closed by then", notes=(_ACTIVITY_NOTE,), seasonal=False,
        ))
    if "delivery" not in skip:
        ys = _from_first_activity(_tidy([yardstick_by_term(ts)], params))
        items.append(_make_item(
            key=YARDSTICK_TERMLY, section="delivery",
            title="Expert days delivered against the 40/160 yardstick, by term",
            unit_text="% of yardstick", direction="higher",
            direction_reason="Higher is better up to 100%: the yardstick is the aim for 2029.",
            frame=ys, chart="xmr", multiplier=1.0, people=(), params=params,
            phases=process_phases(ys, params), source=("eah_activity", "schools"),
            population="Expert days delivered to primary and secondary schools / the term's "
            "share of 40 days a year per primary and 160 per secondary school (4, 3 and 4 of "
            "11 school months)", notes=(_ACTIVITY_NOTE,),
        ))
    spend = process_frames.get("eah_cost_per_expert_day")
    if spend is not None and requests is not None and "spend" not in skip:
        # spend per request: spend (numerator of cost per expert day) / requests received
        cpr = spend[["unit", "period", "period_index", "numerator"]].merge(
            requests[["unit", "period", "numerator"]].rename(
                columns={"numerator": "denominator"}),
            on=["unit", "period"], how="inner")
        cpr = cpr.assign(value=np.where(cpr["denominator"] > 0,
                                        cpr["numerator"] / cpr["denominator"], np.nan))
        items.append(_make_item(
            key=COST_PER_REQUEST, section="spend", title="Cost per request (£)",
            unit_text="£", direction="lower",
            direction_reason=(
                "Lower is better for value for money provided quality and reach hold."
            ),
            frame=cpr, chart="xmr", multiplier=1.0, people=("denominator",), params=params,
            phases=process_phases(cpr, params),
            source=("finance", "eah_requests", "clusters", "schools"),
            population="Experts at Hand spend (statutory assessment excluded) per request "
            "received", notes=(_ACTIVITY_NOTE,),
        ))
    return items


def _equality_items(frames: _Frames, params: MonitoringDataParams) -> list[MonitorItem]:
    """Gaps between pupil groups and all pupils, for the whole local authority."""
    items: list[MonitorItem] = []
    eq = get_measure(params.equality_measure)
    overall = frames.get(eq.id, "la")[["period", "value"]]
    for group in params.equality_groups:
        by = frames.get(eq.id, "la", group)
        by = by.merge(overall.rename(columns={"value": "overall"}), on="period", how="left")
        units = by["group"].astype(str)
        gap = by.assign(unit=[_group_name(group, code) for code in units],
                        value=by["value"] - by["overall"])
        frame = _tidy([gap], params, clusters=False)
        items.append(
            _make_item(
                key=f"equality:{group}", section="equality",
                title=f"{eq.title}: gap to all pupils by {_group_title(group)}",
                unit_text=f"{eq.unit_text} points", direction="none",
                direction_reason=(
                    "No direction: a gap narrowing towards zero is the aim, which either side "
                    "of zero can show."
                ),
                frame=frame, chart="xmr", multiplier=1.0,
                people=("numerator", "denominator"), params=params, phases=None,
                source=eq.source_tables,
                population=f"{eq.denominator}, by {_group_title(group)}",
                notes=("Gap = group value minus the value for all pupils in the same term.",),
                geography="the whole local authority, by pupil group",
            )
        )
    return items
