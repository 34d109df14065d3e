"""What was delivered, cluster by cluster, and the delivery risks a board should see.

Computed from the programme's own process measures (:mod:`eah_eval.measures.process`), at
cluster level, on the schools the programme serves, so the impact report and the monitoring
report use one definition of each:

* expert days delivered against the 40/160 yardstick (%), by academic year;
* practitioner full-time equivalents (FTE) in post against plan (%), by term;
* Experts at Hand requests per school, by term;
* median days from request to first support, and requests met without statutory escalation
  (%), by term;
* cost per expert day (£), by financial year.

Only complete periods are summarised (a period the data end inside is left out and named).
The delivery risks are worded by rule from these figures (see :data:`RISK_RULES`), never
typed: delivery below the yardstick (capacity), requests per school growing faster than
delivery (demand against capacity), an outlying cost per expert day (variation between
clusters) and practitioners not in post by go-live (recruitment).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from eah_eval.measures import compute_many
from eah_eval.measures.coverage import partial_periods
from eah_eval.reporting.impact.inputs import ReportInputs

#: Process measures summarised (registry ids) and the key each is stored under.
DELIVERY_MEASURES: dict[str, str] = {
    "eah_expert_days_vs_yardstick_pct": "yardstick_pct",
    "eah_fte_in_post_pct": "fte_in_post_pct",
    "eah_requests_per_school": "requests_per_school",
    "eah_median_days_to_first_support": "days_to_first_support",
    "eah_met_without_escalation_pct": "met_without_escalation_pct",
    "eah_cost_per_expert_day": "cost_per_expert_day",
}

#: Thresholds of the delivery-risk wording rules.
RISK_RULES: dict[str, float] = {
    # Delivery below this share of the yardstick in the latest complete year is a shortfall.
    "yardstick_shortfall_pct": 90.0,
    # Requests per school growing by more than this factor (first to latest complete year of
    # delivery) while delivery against the yardstick grew by less is demand outgrowing
    # capacity.
    "demand_growth_factor": 1.5,
    # A cluster's cost per expert day above this multiple of the other clusters' median is
    # an outlier.
    "cost_outlier_factor": 1.25,
    # Practitioners in post below this share of plan in the term before go-live is a
    # recruitment delay.
    "fte_before_go_live_pct": 50.0,
}


def _complete(res: Any) -> pd.DataFrame:
    """Return the measure's cluster frame without partial periods."""
    frame = res.frame
    partial = set(partial_periods(res))
    return frame[~frame["period"].astype(str).isin(partial)]


def _year_of(label: str) -> int:
    return int(str(label)[:4])


def _mean(values: pd.Series) -> float:
    v = values.to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    return float(v.mean()) if len(v) else float("nan")


def _num(v: float) -> float | None:
    return float(v) if math.isfinite(v) else None


def evaluate_delivery(inputs: ReportInputs) -> dict[str, Any]:
    """Delivery by cluster, council-wide figures and the delivery risks.

    Returns
    -------
    dict
        ``by_cluster`` (one record per cluster), ``latest_year`` (the latest complete
        academic year), ``summary`` (council-wide ranges), ``risks`` (``kind``, ``text``,
        ``clusters``) and ``measures`` (the registry ids used); or ``unavailable`` with the
        reason when the council holds no Experts at Hand activity records.
    """
    tables = inputs.tables
    if any(tables.get(t) is None or tables[t].empty
           for t in ("eah_activity", "eah_requests", "workforce")):
        return {"unavailable": "the data hold no Experts at Hand activity, request or "
                               "workforce records, so delivery cannot be described",
                "by_cluster": [], "risks": [], "summary": {},
                "measures": list(DELIVERY_MEASURES)}
    ids = [m for m in DELIVERY_MEASURES if m != "eah_cost_per_expert_day"
           or (tables.get("finance") is not None and not tables["finance"].empty)]
    res = compute_many(inputs.tableset, ids, level="cluster", scope=inputs.scope)
    frames = {DELIVERY_MEASURES[m]: _complete(r) for m, r in res.items()}
    design = inputs.design
    yard = frames["yardstick_pct"]
    latest_year = str(yard["period"].max()) if len(yard) else ""
    rows: list[dict[str, Any]] = []
    for d in design.to_dict(orient="records"):
        cl = str(d["cluster_id"])
        go_live = pd.Timestamp(d["go_live_date"])
        start_year = go_live.year if go_live.month >= 9 else go_live.year - 1

        def of(key: str, cl: str = cl) -> pd.DataFrame:
            f = frames.get(key)
            return f[f["unit"] == cl] if f is not None else pd.DataFrame(
                columns=["period", "period_index", "value"])

        y = of("yardstick_pct")
        post_full = y[y["period"].map(_year_of) > start_year]
        fte = of("fte_in_post_pct").sort_values("period_index")
        before = fte[fte["period"].map(_year_of) < start_year]
        req = of("requests_per_school")
        req_years = req.assign(year=req["period"].map(_year_of))
        req_post = req_years[req_years["year"] >= start_year]
        first_req = _mean(req_post.loc[req_post["year"] == start_year, "value"])
        latest_req = (_mean(req_post.loc[req_post["year"] == req_post["year"].max(), "value"])
                      if len(req_post) else float("nan"))
        days = of("days_to_first_support")
        met = of("met_without_escalation_pct")
        cost = of("cost_per_expert_day").sort_values("period_index")
        latest_cost = float(cost["value"].iloc[-1]) if len(cost) else float("nan")
        rows.append({
            "cluster": cl,
            "cluster_name": str(d["cluster_name"]),
            "wave": int(d["rollout_wave"]),
            "go_live": go_live.date().isoformat(),
            "yardstick_pct_latest": _num(_mean(y.loc[y["period"] == latest_year, "value"])),
            "yardstick_pct_mean_after_first_year": _num(_mean(post_full["value"])),
            "fte_before_go_live_pct": (_num(float(before["value"].iloc[-1]))
                                       if len(before) else None),
            "requests_per_school_first_year": _num(first_req),
            "requests_per_school_latest_year": _num(latest_req),
            "days_to_first_support_latest_year": _num(_mean(
                days.loc[days["period"].map(_year_of) == days["period"].map(_year_of).max(),
                         "value"])) if len(days) else None,
            "met_without_escalation_pct": _num(_mean(met["value"])),
            "cost_per_expert_day_latest": _num(latest_cost),
            "cost_year": str(cost["period"].iloc[-1]) if len(cost) else "",
        })
    return {"by_cluster": rows, "latest_year": latest_year,
            "summary": delivery_summary(rows), "risks": delivery_risks(rows, latest_year),
            "rules": dict(RISK_RULES), "measures": ids}


def _range(rows: list[dict[str, Any]], key: str) -> list[float] | None:
    vals = [float(r[key]) for r in rows if r.get(key) is not None]
    return [min(vals), max(vals)] if vals else None


def delivery_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Council-wide ranges across clusters of each delivery figure."""
    return {key: _range(rows, key) for key in (
        "yardstick_pct_latest", "yardstick_pct_mean_after_first_year",
        "fte_before_go_live_pct", "requests_per_school_first_year",
        "requests_per_school_latest_year", "days_to_first_support_latest_year",
        "met_without_escalation_pct", "cost_per_expert_day_latest")}


def _names(rows: list[Mapping[str, Any]]) -> str:
    names = [str(r["cluster_name"]) for r in rows]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def delivery_risks(rows: list[dict[str, Any]], latest_year: str) -> list[dict[str, Any]]:
    """Delivery risks worded by rule (:data:`RISK_RULES`) from the figures by cluster."""
    out: list[dict[str, Any]] = []
    r = RISK_RULES
    yard = [x for x in rows if x["yardstick_pct_latest"] is not None]
    short = [x for x in yard if x["yardstick_pct_latest"] < r["yardstick_shortfall_pct"]]
    if short:
        if len(short) == len(yard):
            lo = min(x["yardstick_pct_latest"] for x in short)
            hi = max(x["yardstick_pct_latest"] for x in short)
            worst = min(short, key=lambda x: x["yardstick_pct_latest"])
            where = (f"{lo:.0f}% to {hi:.0f}% of the 40/160 yardstick in every cluster "
                     f"(lowest: {worst['cluster_name']}, {worst['yardstick_pct_latest']:.0f}%)")
        else:
            rest = [x["yardstick_pct_latest"] for x in yard if x not in short]
            named = "; ".join(f"{x['cluster_name']} {x['yardstick_pct_latest']:.0f}%"
                              for x in sorted(short, key=lambda x: x["yardstick_pct_latest"]))
            where = (f"below {r['yardstick_shortfall_pct']:.0f}% of the 40/160 yardstick in "
                     f"{len(short)} of {len(yard)} clusters ({named}; the others "
                     f"{min(rest):.0f}% to {max(rest):.0f}%)")
        out.append({
            "kind": "capacity",
            "text": f"Capacity: in {latest_year} expert days delivered were {where}.",
            "clusters": [x["cluster"] for x in short]})
    grown = [x for x in rows
             if x["requests_per_school_first_year"] and x["requests_per_school_latest_year"]
             and x["requests_per_school_latest_year"]
             > r["demand_growth_factor"] * x["requests_per_school_first_year"]]
    if grown:
        first = _range(grown, "requests_per_school_first_year") or [0.0, 0.0]
        last = _range(grown, "requests_per_school_latest_year") or [0.0, 0.0]
        out.append({
            "kind": "demand",
            "text": (f"Demand against capacity: requests per school a term rose from "
                     f"{first[0]:.1f}-{first[1]:.1f} in each cluster's first year to "
                     f"{last[0]:.1f}-{last[1]:.1f} in the latest year in {len(grown)} of "
                     f"{len(rows)} clusters, while expert days stayed below the yardstick."
                     if grown and all(x in short for x in grown) else
                     f"Demand: requests per school a term rose from {first[0]:.1f}-"
                     f"{first[1]:.1f} in each cluster's first year to {last[0]:.1f}-"
                     f"{last[1]:.1f} in the latest year in {len(grown)} of {len(rows)} "
                     "clusters."),
            "clusters": [x["cluster"] for x in grown]})
    costs = [x for x in rows if x["cost_per_expert_day_latest"] is not None]
    outliers = []
    for x in costs:
        others = [y["cost_per_expert_day_latest"] for y in costs if y is not x]
        if others and x["cost_per_expert_day_latest"] > r["cost_outlier_factor"] * float(
                np.median(others)):
            outliers.append((x, float(np.median(others))))
    if outliers:
        parts = [f"{x['cluster_name']} £{x['cost_per_expert_day_latest']:,.0f} against a "
                 f"median of £{med:,.0f} elsewhere" for x, med in outliers]
        out.append({
            "kind": "variation",
            "text": ("Variation between clusters: cost per expert day in "
                     + "; ".join(parts) + f" ({outliers[0][0]['cost_year']})."),
            "clusters": [x["cluster"] for x, _ in outliers]})
    late = [x for x in rows if x["fte_before_go_live_pct"] is not None
            and x["fte_before_go_live_pct"] < r["fte_before_go_live_pct"]]
    if late:
        rng = _range(late, "fte_before_go_live_pct") or [0.0, 0.0]
        out.append({
            "kind": "recruitment",
            "text": (f"Recruitment: in the term before go-live, practitioners in post were "
                     f"{rng[0]:.0f}% to {rng[1]:.0f}% of plan in {len(late)} of "
                     f"{len(rows)} clusters."),
            "clusters": [x["cluster"] for x in late]})
    return out
