"""Demand against capacity, delivery against the yardstick, cost per expert day by cluster.

The risks a board watches (demand above capacity, delivery short of the 40/160 yardstick, an
outlying unit cost) need series the measure registry does not hold as such; this module derives
them from the measures and the raw tables, by cluster and term, as tidy frames (``unit``,
``period``, ``period_index``, ``numerator``, ``denominator``, ``value``) that the report charts
like any other series:

* :func:`demand_per_fte`: requests received per practitioner FTE in post (the term's average).
* :func:`waiting_at_term_end`: requests received and still waiting for first support when the
  term ends (the backlog).
* :func:`yardstick_by_term`: expert days delivered against the term's share of the yardstick.
* :func:`cost_outliers`: cost per expert day in the latest academic year by cluster, with
  robust z-scores against the other clusters.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from eah_eval.data.periods import TERMS, academic_year_start, term_index
from eah_eval.measures import compute
from eah_eval.reporting.monitoring.params import LA_UNIT

__all__ = [
    "SCHOOL_MONTHS",
    "YARDSTICK_DAYS",
    "cost_outliers",
    "demand_per_fte",
    "first_activity_terms",
    "waiting_at_term_end",
    "yardstick_by_term",
]

#: Expert days a year by phase (DfE yardstick, Schools White Paper 2026).
YARDSTICK_DAYS: dict[str, float] = {"primary": 40.0, "secondary": 160.0}
#: School months in each term (August has no school-based work): the term's yardstick share.
SCHOOL_MONTHS: dict[str, int] = {"autumn": 4, "spring": 3, "summer": 4}
_COLUMNS = ["unit", "period", "period_index", "numerator", "denominator", "value"]


def _with_la(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the all-clusters row per term (sums of numerators and denominators)."""
    la = frame.groupby(["period", "period_index"], as_index=False)[
        ["numerator", "denominator"]].sum()
    la = la.assign(unit=LA_UNIT)
    out = pd.concat([frame, la], ignore_index=True)
    out["value"] = np.where(out["denominator"] > 0, out["numerator"] / out["denominator"],
                            np.nan)
    return out


def _term_of(dates: pd.Series) -> pd.Series:
    d = pd.to_datetime(dates)
    start = d.dt.year - (d.dt.month < 9)
    k = np.where(d.dt.month >= 9, 0, np.where(d.dt.month <= 3, 1, 2))
    return pd.Series(3 * start.to_numpy() + k, index=dates.index)


def demand_per_fte(ts: Any, requests: pd.DataFrame) -> pd.DataFrame:
    """Return requests received per practitioner FTE in post, by cluster and term.

    Parameters
    ----------
    ts : TableSet
        The council's tables (the ``workforce`` table is read).
    requests : pandas.DataFrame
        Tidy frame of ``eah_requests_per_school`` by cluster and term (its numerator is the
        requests received).

    Returns
    -------
    pandas.DataFrame
        Tidy rows; ``numerator`` requests received, ``denominator`` the average FTE in post
        over the term's months (all roles), ``value`` their ratio; all clusters added.
    """
    wf = ts.raw("workforce").to_pandas()
    months = pd.to_datetime(wf["month"] + "-01")
    wf = wf.assign(period_index=_term_of(months), unit=wf["cluster_id"].astype(str))
    monthly = wf.groupby(["unit", "period_index", "month"], as_index=False)["fte_in_post"].sum()
    fte = monthly.groupby(["unit", "period_index"], as_index=False)["fte_in_post"].mean()
    req = requests.loc[requests["unit"] != LA_UNIT, ["unit", "period", "period_index",
                                                     "numerator"]]
    out = req.merge(fte, on=["unit", "period_index"], how="inner")
    out = out.loc[out["fte_in_post"] > 0].rename(columns={"fte_in_post": "denominator"})
    return _with_la(out)[_COLUMNS]


def waiting_at_term_end(ts: Any, periods: pd.DataFrame) -> pd.DataFrame:
    """Count requests received by a term's end and not yet given first support (nor closed).

    Parameters
    ----------
    ts : TableSet
        The council's tables (``eah_requests`` and ``schools`` are read).
    periods : pandas.DataFrame
        ``unit``, ``period`` and ``period_index`` of the terms to count (the requests series).

    Returns
    -------
    pandas.DataFrame
        Tidy rows; ``numerator`` and ``value`` the requests waiting, ``denominator`` 1.
    """
    req = ts.raw("eah_requests").to_pandas()
    schools = ts.raw("schools").to_pandas()[["urn", "cluster_id"]].astype(str)
    req = req.merge(schools, on="urn", how="inner")
    rows = []
    for r in periods.loc[periods["unit"] != LA_UNIT].drop_duplicates(
            ["unit", "period_index"]).itertuples():
        year, term = str(r.period).split(" ")
        start = academic_year_start(year)
        end = {"autumn": pd.Timestamp(start, 12, 31), "spring": pd.Timestamp(start + 1, 3, 31),
               "summer": pd.Timestamp(start + 1, 8, 31)}[term]
        mine = req.loc[req["cluster_id"] == r.unit]
        waiting = (
            (mine["received_date"] <= end)
            & ~(mine["first_support_date"] <= end)
            & ~(mine["closed_date"] <= end)
        )
        rows.append({"unit": r.unit, "period": r.period, "period_index": r.period_index,
                     "numerator": float(waiting.sum()), "denominator": 1.0})
    if not rows:
        return pd.DataFrame(columns=_COLUMNS)
    return _with_la(pd.DataFrame(rows))[_COLUMNS]


def yardstick_by_term(ts: Any) -> pd.DataFrame:
    """Expert days delivered in a term as a percentage of the term's share of the yardstick.

    Parameters
    ----------
    ts : TableSet
        The council's tables.

    Returns
    -------
    pandas.DataFrame
        Tidy rows; ``numerator`` expert days delivered to primary and secondary schools,
        ``denominator`` yardstick days for the term, ``value`` the percentage.

    Notes
    -----
    The term's yardstick is the annual one (40 days per primary school, 160 per secondary,
    :data:`YARDSTICK_DAYS`) times the term's share of the school months (:data:`SCHOOL_MONTHS`:
    4, 3 and 4 of 11, August having no school-based work), so that terms of different
    lengths are compared like for like.
    """
    f = compute(ts, "eah_expert_days_per_school", level="cluster", period="term",
                by="phase").frame
    f = f.loc[f["group"].astype(str).isin(list(YARDSTICK_DAYS))].copy()
    term = f["period"].astype(str).str.rsplit(" ", n=1).str[-1]
    share = term.map(SCHOOL_MONTHS).astype(float) / sum(SCHOOL_MONTHS.values())
    f["yardstick"] = f["denominator"] * f["group"].astype(str).map(YARDSTICK_DAYS) * share
    out = f.assign(unit=f["unit"].astype(str)).groupby(
        ["unit", "period", "period_index"], as_index=False)[["numerator", "yardstick"]].sum()
    out = out.rename(columns={"yardstick": "denominator"})
    out = _with_la(out)
    out["value"] = 100.0 * out["value"]
    return out[_COLUMNS]


def cost_outliers(ts: Any, *, z: float, first_terms: dict[str, int]) -> pd.DataFrame:
    """Cost per expert day by cluster in the latest academic year, with robust z-scores.

    Parameters
    ----------
    ts : TableSet
        The council's tables.
    z : float
        Robust z-score beyond which a cluster is an outlier.
    first_terms : dict of str -> int
        Each cluster's first term of activity (term index): a cluster in its first year
        carries set-up costs and is not compared.

    Returns
    -------
    pandas.DataFrame
        ``unit``, ``period``, ``numerator`` (spend), ``denominator`` (expert days), ``value``
        (cost per day), ``compared`` (bool), ``robust_z`` and ``outlier`` (``"high"``,
        ``"low"`` or ``""``). Empty when no academic year has cost data.

    Notes
    -----
    ``robust_z = (x - median) / (1.4826 MAD)`` over the compared clusters, the median and the
    median absolute deviation (MAD) being robust to the outlier itself (Iglewicz and Hoaglin,
    1993). With fewer than four clusters compared nothing is flagged.
    """
    f = compute(ts, "eah_cost_per_expert_day", level="cluster",
                period="academic_year").frame
    f = f.loc[f["value"].notna()].assign(unit=lambda d: d["unit"].astype(str))
    if f.empty:
        return pd.DataFrame(columns=["unit", "period", "numerator", "denominator", "value",
                                     "compared", "robust_z", "outlier"])
    latest = str(f["period"].astype(str).max())
    f = f.loc[f["period"].astype(str) == latest, ["unit", "period", "numerator",
                                                 "denominator", "value"]].copy()
    year_start = term_index(latest, TERMS[0])
    f["compared"] = f["unit"].map(lambda u: first_terms.get(u, year_start) < year_start)
    ref = f.loc[f["compared"], "value"]
    med = float(ref.median()) if len(ref) else float("nan")
    mad = float((ref - med).abs().median()) if len(ref) else float("nan")
    scale = 1.4826 * mad
    f["robust_z"] = (f["value"] - med) / scale if scale > 0 else np.nan
    flag = f["compared"] & (len(ref) >= 4) & (f["robust_z"].abs() > z)
    f["outlier"] = np.where(flag, np.where(f["robust_z"] > 0, "high", "low"), "")
    return f.sort_values("unit").reset_index(drop=True)


def first_activity_terms(frame: pd.DataFrame) -> dict[str, int]:
    """Each unit's first term in a tidy frame that starts at first activity."""
    return {str(u): int(v) for u, v in frame.groupby("unit")["period_index"].min().items()}
