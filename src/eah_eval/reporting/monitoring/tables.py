"""Tables of the monitoring report as display strings: status matrices, IPR, headline, yardstick.

Every function here works on disclosure-controlled output
(:func:`~eah_eval.reporting.monitoring.disclosure.status_of` of the controlled items, or the
monitoring data's already-aggregated yardstick) and returns plain frames or sentences; the HTML
is made in :mod:`eah_eval.reporting.monitoring.sections`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from eah_eval.monitor.icons import assurance_icon
from eah_eval.monitor.summary import status_matrix
from eah_eval.reporting.monitoring.model import MonitoringData
from eah_eval.reporting.monitoring.params import LA_UNIT

__all__ = [
    "assurance_matrix",
    "headline",
    "ipr_table",
    "percent_table",
    "summary_matrix",
    "yardstick_table",
]


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


def headline(status: pd.DataFrame, found: pd.DataFrame | None = None,
             names: Mapping[str, str] | None = None) -> list[str]:
    """Summary sentences: the exceptions by kind first, then improvement and the rest.

    Parameters
    ----------
    status : pandas.DataFrame
        Output of :func:`status_of`.
    found : pandas.DataFrame, optional
        Exceptions (:func:`eah_eval.reporting.monitoring.exceptions.exceptions`); their
        count by kind leads.
    names : mapping of str -> str, optional
        Cluster id -> name: the exceptions name each cluster as ``"Harbourside (C02)"``, as
        the exceptions table does.

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
    if found is not None and len(found):
        words = {"special_cause_concern": "special cause of concern in the latest term",
                 "target_missed": "target consistently missed on the current limits",
                 "cost_outlier": "cost per expert day an outlier"}
        for kind, g in found.groupby("kind", sort=False):
            named = [f"{names[u]} ({u})" if names and u in names else str(u)
                     for u in g["unit"]]
            g = g.assign(unit=named)
            out.append(f"Concern: {words.get(str(kind), str(kind))} ({len(g)}): " + "; ".join(
                f"{m} ({', '.join(h['unit'])})" for m, h in g.groupby("measure", sort=False)
            ) + ".")
    if len(latest):
        out.append(f"Latest term charted: {latest.mode().iloc[0]}.")
    better = (
        f"Special-cause improvement in the latest term ({len(improve)} series): "
        f"{_where(improve)}."
    )
    if found is None:
        out += [
            f"Special-cause concern in the latest term ({len(concern)} series): "
            f"{_where(concern)}.",
            better,
            f"Targets consistently missed ({len(fail)} series): {_where(fail)}.",
        ]
    else:
        out.append(better)
    n_hidden = int(status["suppressed"].sum())
    if n_hidden:
        out.append(
            f"{n_hidden} series are not charted because small numbers leave too few terms "
            "(c in the table)."
        )
    return out



def percent_table(wide: pd.DataFrame) -> pd.DataFrame:
    """Percentages as display strings (``12%``), ``x`` where missing."""
    return wide.map(lambda v: "x" if pd.isna(v) else f"{v:,.0f}%")


def yardstick_table(data: MonitoringData) -> pd.DataFrame:
    """Expert days as a share of the 40/160 yardstick by cluster and academic year (strings).

    Academic years before the one holding a cluster's first treated term (its go-live placed
    by the rollout rule, :attr:`MonitoringData.rollout_rule`) read ``not live``.
    """
    ys = data.yardstick.pivot(index="unit", columns="period", values="value")
    shown = percent_table(ys)
    live = {
        str(r.cluster_id): str(r.first_treated_term)[:7]
        for r in data.go_live.itertuples()
        if r.first_treated_term
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
