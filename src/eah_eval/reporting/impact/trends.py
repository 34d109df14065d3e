"""Descriptive series of each measure: by cluster and by rollout wave around go-live.

:func:`evaluate_trend` computes a measure's cluster x period series from the same school panel
the estimates use (so the programme scope and rollout rule are the same), passes every count
through the disclosure ledger (the pupils on roll behind each value too, so a rate about fewer
pupils than the threshold is hidden even when its denominator counts sessions), aligns each
wave on its own go-live with the one rollout rule, and marks partial periods, which are kept
out of the before/after description.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from eah_eval.measures import get_measure
from eah_eval.measures.definitions import SCALE_MULTIPLIER, SCALE_UNIT
from eah_eval.reporting.disclosure import DisclosureLedger
from eah_eval.reporting.impact.inputs import ReportInputs


def cluster_pupils(inputs: ReportInputs, frame: pd.DataFrame, period: str) -> pd.Series:
    """Pupils on roll (January census) behind each cluster-period of a frame.

    Termly and annual periods are matched to the census of their academic year.
    """
    census = inputs.panel("sen_support_pct")
    heads = (census.groupby(["cluster", "period"])["denominator"].sum()
             .rename("pupils").reset_index())
    heads["year"] = heads["period"].astype(str).str.slice(0, 7)
    year = frame["period"].astype(str).str.slice(0, 7)
    key = pd.MultiIndex.from_arrays([frame["unit"], year])
    lookup = heads.set_index(["cluster", "year"])["pupils"]
    del period
    return pd.Series(lookup.reindex(key).to_numpy(dtype=float), index=frame.index)


def before_after(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Waves whose mean after go-live is above / below their mean before (complete periods)."""
    df = pd.DataFrame(rows)
    if df.empty:
        return {"up": 0, "down": 0, "n": 0}
    df = df[~df["partial"]].dropna(subset=["value"])
    ups = downs = 0
    for _, g in df.groupby("wave"):
        before = g.loc[g["event_time"] < 0, "value"].mean()
        after = g.loc[g["event_time"] >= 0, "value"].mean()
        if math.isnan(before) or math.isnan(after):
            continue
        ups += int(after > before)
        downs += int(after < before)
    return {"up": ups, "down": downs, "n": ups + downs}


def evaluate_trend(inputs: ReportInputs, ledger: DisclosureLedger,
                   measure_id: str) -> dict[str, Any]:
    """Return a measure's protected series by cluster and by wave around go-live.

    Returns
    -------
    dict
        ``title, unit, period, direction, sources, span, partial_periods, by_wave,
        by_cluster, before_after``; or ``unavailable`` with the reason.
    """
    m = get_measure(measure_id)
    base = {"title": m.title, "unit": SCALE_UNIT[m.scale], "direction": m.direction,
            "description": m.description, "direction_reason": m.direction_reason,
            "sources": list(m.source_tables)}
    if m.statistic != "ratio":
        return {**base, "unavailable": "the measure is a median, which cannot be added up "
                "across schools into cluster series"}
    panel = inputs.panel(measure_id)
    period = str(panel.attrs.get("period", m.periods[0]))
    frame = (panel.groupby(["cluster", "period_index", "period", "first_treated"],
                           as_index=False)[["numerator", "denominator"]].sum()
             .rename(columns={"cluster": "unit"}))
    if frame.empty:
        return {**base, "period": period,
                "unavailable": "there are no data for the chosen clusters and periods"}
    mult = SCALE_MULTIPLIER[m.scale]
    frame["value"] = frame["numerator"] / frame["denominator"] * mult
    frame["pupils"] = cluster_pupils(inputs, frame, period)
    partial = {str(x) for x in panel.attrs.get("partial_periods", ()) or ()}
    frame["partial"] = frame["period"].astype(str).isin(partial)
    wave_of = dict(zip(inputs.design["cluster_id"], inputs.design["rollout_wave"], strict=True))
    counts = ["numerator", "denominator", "pupils"]
    sf = ledger.rows(
        frame, counts=counts, derived={"value": counts}, table_by=("unit", "period_index"),
        row_groups={u: f"Wave {w}" for u, w in wave_of.items() if u in set(frame["unit"])},
        name=f"{measure_id} by cluster")
    # The measure's smallest publishable denominator (reliability) hides a value too.
    below = (frame["denominator"] < m.min_denominator).to_numpy()
    sf.values.loc[below, "value"] = np.nan
    sf.flags.loc[below & (sf.flags["value"] == "").to_numpy(), "value"] = "derived"
    labels = frame.drop_duplicates("period_index").set_index("period_index")["period"]
    go_live = frame.drop_duplicates("unit").set_index("unit")["first_treated"]
    wave_rows: list[dict[str, Any]] = []
    if sf.subtotals is not None:
        sub = sf.subtotals.copy()
        sub["value"] = sub["numerator"] / sub["denominator"] * mult
        hidden = (sub[[f"{c}_flag" for c in counts]] != "").any(axis=1)
        sub.loc[hidden, "value"] = np.nan
        for w, g in inputs.design.groupby("rollout_wave"):
            firsts = [int(go_live[c]) for c in g["cluster_id"] if c in go_live.index
                      and int(go_live[c]) > 0]
            s = sub[sub["group"] == f"Wave {w}"].sort_values("period_index")
            if not firsts or s.empty:
                continue
            gi = min(firsts)
            for r, h in zip(s.to_dict(orient="records"), hidden.loc[s.index], strict=True):
                label = str(labels.get(r["period_index"], r["period_index"]))
                wave_rows.append({
                    "wave": int(str(w)), "period": label,
                    "event_time": int(r["period_index"]) - gi,
                    "numerator": r["numerator"], "denominator": r["denominator"],
                    "pupils": r["pupils"], "value": r["value"], "flag": "c" if h else "",
                    "partial": label in partial,
                })
    cluster_rows = []
    for r, vf in zip(sf.values.to_dict(orient="records"), sf.flags["value"].tolist(),
                     strict=True):
        cluster_rows.append({
            "cluster": r["unit"], "wave": int(str(wave_of.get(r["unit"], 0))),
            "period": str(r["period"]), "period_index": int(r["period_index"]),
            "numerator": r["numerator"], "denominator": r["denominator"],
            "pupils": r["pupils"], "value": r["value"], "flag": "c" if vf else "",
            "partial": bool(r["partial"]),
        })
    ordered = frame.drop_duplicates("period_index").sort_values("period_index")
    return {
        **base, "period": period,
        "span": f"{ordered['period'].iloc[0]} to {ordered['period'].iloc[-1]}",
        "partial_periods": sorted(partial & set(frame["period"].astype(str))),
        "by_wave": wave_rows, "by_cluster": cluster_rows,
        "before_after": before_after(wave_rows),
    }
