"""Build the governance impact report from the data: every number from results, none typed.

:func:`build_impact_report` is the one call the notebook makes. It loads and validates the
council's data, computes the descriptive series (each measure by cluster and by rollout wave,
around go-live), the estimates where the estimators are available, applies disclosure control
to every table and to the data behind every chart, words the findings by rule, and returns an
:class:`ImpactReport` whose sections the notebook displays and whose ``results`` dictionary is
written to ``results.json``.

A section whose upstream piece is missing or cannot run says so plainly, with the reason; it
is never filled with made-up numbers.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from eah_eval.errors import EahEvalError
from eah_eval.reporting import content
from eah_eval.reporting.charts import Series, describe_trend, line_chart
from eah_eval.reporting.document import Section, SectionedReport
from eah_eval.reporting.html import paragraph, section, unavailable
from eah_eval.reporting.narrative import period_word, with_unit
from eah_eval.reporting.params import ReportParams, params_to_dict, parse_params
from eah_eval.reporting.qa import QARecord, now_iso
from eah_eval.reporting.suppression import DisclosurePolicy, SuppressionRecord, suppress_rows
from eah_eval.reporting.tables import html_table

#: Keys in ``results.json`` whose values are counts of people (checked by the disclosure scan).
COUNT_KEYS: frozenset[str] = frozenset(
    {
        "numerator",
        "denominator",
        "n_pupils_treated",
        "n_pupils_comparison",
        "rows_read",
        "rows_kept",
        "rows_excluded",
        "records_per_period",
    }
)


@dataclass(frozen=True)
class ImpactReport(SectionedReport):
    """The built report: parameters, sections in reading order, and every number shown."""

    params: ReportParams
    sections: tuple[Section, ...]
    results: dict[str, Any]


# --------------------------------------------------------------------------------------------
# Data


@dataclass
class _Context:
    params: ReportParams
    policy: DisclosurePolicy
    council: Any
    tables: Mapping[str, pd.DataFrame]
    design: pd.DataFrame  # cluster_id, cluster_name, go_live_date, rollout_wave, n_schools
    tableset: Any = None
    records: list[SuppressionRecord] = field(default_factory=list)
    unavailable: list[dict[str, str]] = field(default_factory=list)
    measures: dict[str, dict[str, Any]] = field(default_factory=dict)
    _data_quality: dict[str, Any] | None = None
    panels: dict[str, pd.DataFrame] = field(default_factory=dict)

    def panel(self, measure_id: str) -> pd.DataFrame:
        """Return the measure's school x period rollout panel for the clusters in the report.

        Computed once per report and reused by the trends, the estimates, the robustness
        checks and the equality breakdowns.
        """
        if measure_id not in self.panels:
            from eah_eval.measures import rollout_panel

            panel = rollout_panel(self.tableset, measure_id, level=self.params.level)
            keep = panel["cluster"].isin(self.design["cluster_id"])
            if self.params.first_year or self.params.last_year:
                keep &= _year_mask(panel, self.params)
            out = panel[keep].reset_index(drop=True)
            out.attrs.update(panel.attrs)
            self.panels[measure_id] = out
        return self.panels[measure_id]

    def measure_sources(self, measure_id: str) -> tuple[str, ...]:
        """Input tables a measure is computed from."""
        from eah_eval.measures import get_measure

        return tuple(get_measure(measure_id).source_tables)

    def period_span(self, measure_id: str) -> str:
        """First and last period of a measure's panel, as labels."""
        panel = self.panel(measure_id)
        if panel.empty:
            return "no periods"
        ordered = panel.drop_duplicates("period_index").sort_values("period_index")
        return f"{ordered['period'].iloc[0]} to {ordered['period'].iloc[-1]}"

    def note_unavailable(self, what: str, why: str) -> str:
        self.unavailable.append({"section": what, "reason": why})
        return unavailable(what, why)


def _load(params: ReportParams) -> Any:
    """Load and validate the council's data with the data layer."""
    try:
        from eah_eval.data.load import load_council
    except ImportError as exc:  # pragma: no cover - only before the data layer lands
        raise EahEvalError(f"the data loader is not available: {exc}") from None
    return load_council(params.data)


def _design(tables: Mapping[str, pd.DataFrame], params: ReportParams) -> pd.DataFrame:
    clusters = tables["clusters"].copy()
    schools = tables["schools"]
    n_schools = schools.groupby("cluster_id").size().rename("n_schools")
    design = clusters.merge(n_schools, left_on="cluster_id", right_index=True, how="left")
    design["n_schools"] = design["n_schools"].fillna(0).astype(int)
    if params.clusters:
        design = design[design["cluster_id"].isin(params.clusters)]
    if params.waves:
        design = design[design["rollout_wave"].isin(params.waves)]
    return design.sort_values(["rollout_wave", "go_live_date", "cluster_id"]).reset_index(
        drop=True
    )


# --------------------------------------------------------------------------------------------
# Descriptive series


def _go_live_index(frame: pd.DataFrame, go_live: pd.Timestamp, period: str) -> int | None:
    """period_index of the period containing go-live, read off the measure frame's labels."""
    from eah_eval.data import periods as P

    d = pd.Timestamp(go_live).date()
    if period == "term":
        ay, term = P.term_of(d)
        label = f"{ay} {term}"
    elif period in ("academic_year", "census"):
        label = P.academic_year_of(d)
    elif period == "calendar_year":
        label = str(d.year)
    elif period == "financial_year":
        label = P.financial_year_of(d)
    else:
        return None
    hit = frame.loc[frame["period"].astype(str) == label, "period_index"]
    if len(hit):
        return int(hit.iloc[0])
    # go-live outside the data's periods: extrapolate from the labels' ordering
    return None


def _descriptive(ctx: _Context, measure_id: str) -> tuple[str, dict[str, Any]]:
    """Trend by wave around go-live (chart + data table) and a cluster-by-period table."""
    from eah_eval.measures import compute, get_measure

    m = get_measure(measure_id)
    if m.statistic == "ratio":
        # Cluster totals are sums of the school panel's counts (the same numbers the
        # estimates use), so the measure is computed once per report.
        panel = ctx.panel(measure_id)
        period = str(panel.attrs.get("period", m.periods[0]))
        from eah_eval.measures.definitions import SCALE_MULTIPLIER as _MULT

        frame = (panel.groupby(["cluster", "period_index", "period"], as_index=False)
                 [["numerator", "denominator"]].sum().rename(columns={"cluster": "unit"}))
        frame["value"] = frame["numerator"] / frame["denominator"] * _MULT[m.scale]
    else:
        period = m.periods[0]
        res = compute(ctx.tableset, measure_id, level="cluster", period=period)
        frame = res.frame.copy()
        frame = frame[frame["unit"].isin(ctx.design["cluster_id"])]
        if ctx.params.first_year or ctx.params.last_year:
            frame = _filter_years(frame, ctx.params)
    if frame.empty:
        return ctx.note_unavailable(
            f"The trend in {m.title}", "there are no data for the chosen clusters and periods."
        ), {}
    wave_of = dict(zip(ctx.design["cluster_id"], ctx.design["rollout_wave"], strict=True))
    name_of = dict(zip(ctx.design["cluster_id"], ctx.design["cluster_name"], strict=True))
    frame["wave"] = frame["unit"].map(wave_of)
    ratio = m.statistic == "ratio"
    counts = ["numerator", "denominator"] if ratio else ["denominator"]
    sf = suppress_rows(
        frame,
        counts=counts,
        derived={"value": counts},
        policy=ctx.policy,
        table_by=("unit", "period_index"),
        row_groups={u: f"Wave {w}" for u, w in wave_of.items() if u in set(frame["unit"])},
        name=f"{measure_id} by cluster",
    )
    ctx.records.append(sf.record)
    from eah_eval.measures.definitions import SCALE_MULTIPLIER, SCALE_UNIT

    mult = SCALE_MULTIPLIER[m.scale]
    unit = SCALE_UNIT[m.scale]
    label = with_unit(m.title, unit)
    pw = period_word(period)
    ordered = frame.drop_duplicates("period_index").sort_values("period_index")
    span = f"{ordered['period'].iloc[0]} to {ordered['period'].iloc[-1]}"
    labels = frame.drop_duplicates("period_index").set_index("period_index")["period"]

    # Wave series from the protected subtotals (ratio measures only).
    wave_rows: list[dict[str, Any]] = []
    series: list[Series] = []
    if ratio and sf.subtotals is not None:
        sub = sf.subtotals.copy()
        sub["value"] = sub["numerator"] / sub["denominator"] * mult
        hidden = (sub["numerator_flag"] != "") | (sub["denominator_flag"] != "")
        sub.loc[hidden, "value"] = np.nan
        for w, g in ctx.design.groupby("rollout_wave"):
            gl = pd.Timestamp(g["go_live_date"].min())
            gi = _go_live_index(frame, gl, period)
            s = sub[sub["group"] == f"Wave {w}"].sort_values("period_index")
            if gi is None or s.empty:
                continue
            et = s["period_index"].to_numpy() - gi
            series.append(Series(label=f"Wave {w}", x=list(et), y=list(s["value"])))
            hid = hidden.loc[s.index].to_numpy()
            for r, e, h in zip(s.to_dict(orient="records"), et, hid, strict=True):
                wave_rows.append(
                    {
                        "wave": int(str(w)),
                        "period": str(labels.get(r["period_index"], r["period_index"])),
                        "event_time": int(e),
                        "numerator": r["numerator"],
                        "denominator": r["denominator"],
                        "value": r["value"],
                        "flag": "c" if h else "",
                    }
                )
    parts: list[str] = []
    if series:
        wide = pd.DataFrame(wave_rows).pivot_table(
            index="event_time", columns="wave", values="value", aggfunc="first", dropna=False
        )
        wflag = pd.DataFrame(wave_rows).pivot_table(
            index="event_time", columns="wave", values="flag", aggfunc="first"
        )
        disp = pd.DataFrame(index=wide.index)
        wflag = wflag.reindex(index=wide.index, columns=wide.columns)
        for w in wide.columns:
            disp[f"Wave {w}"] = [
                "c" if f == "c" else ("x" if pd.isna(v) else f"{v:.1f}")
                for f, v in zip(wflag[w].tolist(), wide[w].tolist(), strict=True)
            ]
        disp.index.name = f"{pw.capitalize()} from go-live"
        table = html_table(
            disp,
            caption=f"{label} by rollout wave, {pw} relative to go-live; clusters in this "
            "report",
            row_header=f"{pw.capitalize()} from go-live (0 = first {pw[:-1]} after go-live)",
        )
        first_last = describe_trend(
            pd.DataFrame(wave_rows), x="event_time", y="value", by="wave"
        )
        title = _trend_title(m.title, wave_rows)
        parts.append(
            line_chart(
                series,
                title=title,
                xlabel=f"{pw} from go-live (0 = first {pw[:-1]} after go-live)",
                ylabel=label,
                alt=(
                    f"Line chart of {m.title} by rollout wave, aligned on each wave's go-live. "
                    f"First and last values shown by wave: {first_last}."
                ),
                caption=(
                    f"Measure: {label}, by rollout wave. Source: "
                    f"{', '.join(m.source_tables)} records. Population: pupils in schools of "
                    f"the {len(ctx.design)} clusters in this report. Geography: "
                    f"{ctx.params.council}. Period: {span}, each wave aligned on its go-live. "
                    "Gaps are suppressed or unavailable values."
                ),
                vline=0,
                vline_label="go-live",
                data_table=table,
            )
        )
    # Cluster-by-period table (values), latest periods.
    vals = sf.values
    keep = sorted(vals["period_index"].unique())[-6:]
    sub_v = vals[vals["period_index"].isin(keep)]
    sub_f = sf.flags.loc[sub_v.index]
    wide_v = sub_v.pivot_table(index="unit", columns="period_index", values="value",
                               aggfunc="first", dropna=False)
    disp_rows = {}
    order = [u for u in ctx.design["cluster_id"] if u in set(wide_v.index)]
    for u in order:
        row = {}
        for pi in wide_v.columns:
            mask = (sub_v["unit"] == u) & (sub_v["period_index"] == pi)
            if not mask.any():
                row[str(labels.get(pi, pi))] = "x"
                continue
            flag = str(sub_f.loc[mask, "value"].iloc[0])
            v = sub_v.loc[mask, "value"].iloc[0]
            row[str(labels.get(pi, pi))] = "c" if flag else ("x" if pd.isna(v) else f"{v:.1f}")
        disp_rows[f"{name_of.get(u, u)} (wave {wave_of.get(u, '?')})"] = row
    disp_c = pd.DataFrame.from_dict(disp_rows, orient="index")
    parts.append(
        html_table(
            disp_c,
            caption=f"{label} by cluster, latest {len(keep)} {pw}; {ctx.params.council}",
            row_header="Cluster (wave)",
        )
    )
    cluster_rows = []
    vflags = sf.flags["value"].tolist()
    for r, vf in zip(vals.to_dict(orient="records"), vflags, strict=True):
        cluster_rows.append(
            {
                "cluster": r["unit"],
                "period": str(r["period"]),
                "numerator": r["numerator"] if "numerator" in counts else None,
                "denominator": r["denominator"],
                "value": r["value"],
                "flag": "c" if vf else "",
            }
        )
    data = {
        "title": m.title,
        "unit": unit,
        "period": period,
        "direction": m.direction,
        "by_wave": wave_rows,
        "by_cluster": cluster_rows,
    }
    return "\n".join(parts), data


def _year_mask(frame: pd.DataFrame, params: ReportParams) -> pd.Series:
    from eah_eval.data.periods import academic_year_start

    lo = academic_year_start(params.first_year) if params.first_year else -10**9
    hi = academic_year_start(params.last_year) if params.last_year else 10**9
    start = frame["period"].astype(str).str.slice(0, 4).astype(int)
    return (start >= lo) & (start <= hi)


def _filter_years(frame: pd.DataFrame, params: ReportParams) -> pd.DataFrame:
    from eah_eval.data.periods import academic_year_start

    lo = academic_year_start(params.first_year) if params.first_year else -10**9
    hi = academic_year_start(params.last_year) if params.last_year else 10**9
    start = frame["period"].astype(str).str.slice(0, 4).astype(int)
    return frame[(start >= lo) & (start <= hi)]


def _trend_title(title: str, rows: list[dict[str, Any]]) -> str:
    """Active title from the data: in how many waves the level rose after go-live.

    Each wave is compared with itself (its mean after go-live against its mean before), so
    differences in level between waves do not masquerade as change.
    """
    df = pd.DataFrame(rows).dropna(subset=["value"])
    ups = downs = 0
    for _, g in df.groupby("wave"):
        before = g.loc[g["event_time"] < 0, "value"].mean()
        after = g.loc[g["event_time"] >= 0, "value"].mean()
        if math.isnan(before) or math.isnan(after):
            continue
        ups += int(after > before)
        downs += int(after < before)
    n = ups + downs
    if n == 0:
        return f"{title} by rollout wave around go-live"
    if ups == n:
        return f"{title} was higher after go-live than before in every wave"
    if downs == n:
        return f"{title} was lower after go-live than before in every wave"
    return f"{title} was higher after go-live than before in {ups} of {n} waves"


# --------------------------------------------------------------------------------------------
# Build


def build_impact_report(raw: Mapping[str, Any] | ReportParams) -> ImpactReport:
    """Build the impact report from parameters (a mapping or :class:`ReportParams`).

    Parameters
    ----------
    raw : mapping or ReportParams
        Report parameters; a mapping is validated with
        :func:`eah_eval.reporting.params.parse_params`.

    Returns
    -------
    ImpactReport
        Sections in reading order and the results dictionary for ``results.json``.

    Raises
    ------
    ParameterError, ParameterTypeError
        For bad parameters.
    DataValidationError
        When the input data fail validation.
    """
    started = now_iso()
    t0 = time.perf_counter()
    params = raw if isinstance(raw, ReportParams) else parse_params(ReportParams, raw)
    policy = DisclosurePolicy(rule=params.disclosure_rule, threshold=params.disclosure_threshold)
    council = _load(params)
    tables = council.tables
    design = _design(tables, params)
    ctx = _Context(params, policy, council, tables, design)
    try:
        from eah_eval.measures import open_tables

        ctx.tableset = open_tables(council)
    except ImportError:  # pragma: no cover - measures ship with the package
        ctx.tableset = council

    measure_html: list[str] = []
    for mid in params.measures:
        body, data = _measure_section(ctx, mid)
        ctx.measures[mid] = data
        measure_html.append(body)

    from eah_eval.reporting import estimates

    est = estimates.estimate_all(ctx)

    qa = QARecord(
        commissioner=params.commissioner,
        analyst=params.analyst,
        assurer=params.assurer,
        approver=params.approver,
        data_fingerprint=str(getattr(council, "fingerprint", "")),
        data_source=str(getattr(council, "source", params.data)),
        parameters=params_to_dict(params),
        seeds={"seed": params.seed, "bootstrap_reps": params.bootstrap_reps,
               "power_sims": params.power_sims,
               "randomization_draws": params.randomization_draws},
        started=started,
        seconds=time.perf_counter() - t0,
    )
    sections = [
        Section("cover", params.title, content.cover(params, qa)),
        Section("summary", "Summary", content.summary(ctx, est)),
        Section("headline", "Headline results", est.headline_html),
        Section("design", "How the programme was rolled out", content.design_section(ctx)),
        Section(
            "trends",
            "Measures over time around go-live",
            section("Measures over time around go-live", "\n".join(measure_html)),
        ),
        Section("estimates", "Results by wave and cluster", est.detail_html),
        Section("equality", "Equality breakdowns", est.equality_html),
        Section("robustness", "Robustness", est.robustness_html),
        Section("vfm", "Value for money", est.vfm_html),
        Section("data_quality", "Data quality", content.data_quality(ctx)),
        Section("methods", "Methods and theory of change", content.methods(ctx)),
    ]
    seconds = time.perf_counter() - t0
    qa = dataclasses.replace(qa, seconds=seconds)
    sections.append(Section("qa", "Quality assurance record", content.qa_section(qa)))
    results: dict[str, Any] = {
        "report": {"title": params.title, "council": params.council, "generated": started},
        "parameters": params_to_dict(params),
        "disclosure": policy.to_dict(),
        "design": content.design_records(ctx),
        "measures": ctx.measures,
        "estimates": est.results,
        "data_quality": content.data_quality_records(ctx),
        "suppression": [r.to_dict() for r in ctx.records],
        "sections_unavailable": ctx.unavailable,
        "qa": qa.to_dict(),
        "versions": qa.versions,
    }
    return ImpactReport(params=params, sections=tuple(sections), results=results)


def _measure_section(ctx: _Context, measure_id: str) -> tuple[str, dict[str, Any]]:
    try:
        from eah_eval.measures import get_measure
    except ImportError:
        return ctx.note_unavailable(
            f"Measure {measure_id}", "the measures module is not in this installation."
        ), {}
    try:
        m = get_measure(measure_id)
    except EahEvalError as exc:
        return ctx.note_unavailable(f"Measure {measure_id}", str(exc)), {}
    try:
        body, data = _descriptive(ctx, measure_id)
    except EahEvalError as exc:
        body, data = ctx.note_unavailable(f"The trend in {m.title}", str(exc)), {}
    intro = paragraph(f"{m.description} Which way is better: {m.direction_reason}")
    return section(m.title, intro + body, level=3, anchor=f"trend-{escape(measure_id)}"), data
