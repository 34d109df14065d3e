"""Phase-aware baselines: where each unit's limits come from and where they are recalculated.

Making Data Count sets limits from a stated baseline and recalculates them only at known
change points. :func:`process_phases` does this for process series (start-up terms apart,
limits from the first terms after ramp-up), :func:`outcome_phases` for outcomes (limits from
the terms before go-live, or restarted at go-live, or from the whole series, as the report
parameter ``outcome_baseline`` says). Both add the analyst's change points and return a
:class:`Phases`: the rebase terms and baseline length per unit, with the rule in words for the
note under each chart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from eah_eval.data.periods import term_label
from eah_eval.reporting.monitoring.params import LA_UNIT, MonitoringDataParams

__all__ = ["Phases", "outcome_phases", "process_phases"]


@dataclass(frozen=True)
class Phases:
    """Rebase terms and baseline length per unit, with the rule in words.

    Attributes
    ----------
    rebase : mapping of str -> list of str
        Unit -> terms at which its limits restart.
    baseline_points : mapping of str -> int
        Unit -> points at the start of each segment its limits come from (absent: all).
    rule : str
        The baseline rule, for the note under each chart.
    per_unit : mapping of str -> str
        Unit -> its phases in words (for the data table notes and ``results.json``).
    """

    rebase: Mapping[str, list[str]]
    baseline_points: Mapping[str, int]
    rule: str
    per_unit: Mapping[str, str] = field(default_factory=dict)
    from_rebase: bool = False

    def baseline_mask(self, frame: pd.DataFrame) -> pd.Series:
        """Mark the rows of a tidy frame that lie in their unit's baseline.

        The baseline is the first ``baseline_points`` terms (all when not set) of the unit's
        first segment, or, when ``from_rebase`` (process series), of the segment starting at
        its first rebase term (the steady phase).
        """
        out = pd.Series(False, index=frame.index)
        for unit, g in frame.sort_values("period_index").groupby("unit", sort=False):
            starts = self.rebase.get(str(unit), [])
            if self.from_rebase and starts:
                first = g.loc[g["period"].astype(str) == starts[0], "period_index"]
                g = g.loc[g["period_index"] >= first.iloc[0]] if len(first) else g
            n = self.baseline_points.get(str(unit), len(g))
            out.loc[g.index[:n]] = True
        return out


def _with_change_points(
    rebase: dict[str, list[str]], frame: pd.DataFrame, params: MonitoringDataParams
) -> dict[str, list[str]]:
    for unit, terms in params.change_points.items():
        known = set(frame.loc[frame["unit"] == unit, "period"].astype(str))
        rebase.setdefault(unit, [])
        rebase[unit] = sorted({*rebase[unit], *(t for t in terms if t in known)})
    return rebase


def process_phases(frame: pd.DataFrame, params: MonitoringDataParams) -> Phases:
    """Start-up, then a steady phase whose limits come from its first terms.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy rows (``unit``, ``period``, ``period_index``) starting at each unit's first term
        of activity.
    params : MonitoringDataParams
        ``ramp_up_terms``, ``baseline_terms`` and ``change_points``.

    Returns
    -------
    Phases

    Notes
    -----
    A cluster's steady phase starts ``ramp_up_terms`` terms after its first term of activity;
    the all-clusters series' steady phase starts when the last cluster's does (before that its
    level moves as clusters join). Each phase gets its own limits; those of the steady phase
    come from its first ``baseline_terms`` terms and are extended over the later terms, so a
    step change after the baseline shows as special cause. A phase of one term is not split
    off (a segment needs two points).
    """
    first = frame.groupby("unit")["period_index"].min()
    last = frame.groupby("unit")["period_index"].max()
    steady = {str(u): int(v) + params.ramp_up_terms for u, v in first.items()}
    clusters = [u for u in steady if u != LA_UNIT]
    if LA_UNIT in steady and clusters:
        steady[LA_UNIT] = max(steady[LA_UNIT], *(steady[u] for u in clusters))
    rebase: dict[str, list[str]] = {}
    per_unit: dict[str, str] = {}
    for unit, start in steady.items():
        if params.ramp_up_terms and int(last[unit]) - start >= 1:
            rebase[unit] = [term_label(start)]
            per_unit[unit] = f"start-up to {term_label(start - 1)}; steady from " \
                             f"{term_label(start)}"
        else:
            per_unit[unit] = "still in start-up: one set of limits"
    rule = (
        f"Limits: the first {params.ramp_up_terms} terms of activity are the start-up phase, "
        f"with their own limits; from then on the limits come from the first "
        f"{params.baseline_terms} terms (or those there are) and are extended, so that a later "
        "change shows. The all-clusters series' steady phase starts when the last cluster's "
        "does."
    )
    rebase = _with_change_points(rebase, frame, params)
    return Phases(rebase=rebase, baseline_points=dict.fromkeys(steady, params.baseline_terms),
                  rule=rule + _change_text(params), per_unit=per_unit, from_rebase=True)


def outcome_phases(
    frame: pd.DataFrame, go_live: pd.DataFrame, params: MonitoringDataParams
) -> Phases:
    """Outcome limits by cluster from the stated baseline (``params.outcome_baseline``).

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy rows (``unit``, ``period``, ``period_index``).
    go_live : pandas.DataFrame
        ``cluster_id`` and ``first_treated`` (term index) per cluster.
    params : MonitoringDataParams
        ``outcome_baseline`` and ``change_points``.

    Returns
    -------
    Phases

    Notes
    -----
    ``before_go_live``: the limits come from the terms before the cluster's first treated
    term (for all clusters, before the first cluster's) and are extended over the later
    terms; with fewer than two such terms the limits come from the whole series, said in the
    unit's phases. ``rebase_at_go_live``: the limits restart at the first treated term.
    ``whole_series``: one set of limits.
    """
    known = go_live.loc[go_live["first_treated"].notna()]
    starts = {
        str(c): int(f) for c, f in zip(known["cluster_id"], known["first_treated"], strict=True)
    }
    if starts:
        starts[LA_UNIT] = min(starts.values())
    rebase: dict[str, list[str]] = {}
    baseline: dict[str, int] = {}
    per_unit: dict[str, str] = {}
    for unit, g in frame.groupby("unit"):
        name = str(unit)
        start = starts.get(name)
        if start is None:
            per_unit[name] = "not live: limits from every term"
            continue
        before = int((g["period_index"] < start).sum())
        after = int((g["period_index"] >= start).sum())
        if params.outcome_baseline == "before_go_live":
            if before >= 2:
                baseline[name] = before
                per_unit[name] = f"limits from the {before} terms before {term_label(start)}"
            else:
                per_unit[name] = "fewer than 2 terms before go-live: limits from every term"
        elif params.outcome_baseline == "rebase_at_go_live" and before >= 2 and after >= 2:
            rebase[name] = [term_label(start)]
            per_unit[name] = f"limits restart at {term_label(start)}"
        else:
            per_unit[name] = "limits from every term"
    rule = {
        "before_go_live": (
            "Limits come from the terms before each cluster's first treated term (before the "
            "first cluster's for all clusters) and are extended over the terms with Experts at "
            "Hand, so that a change after go-live shows as special cause."
        ),
        "rebase_at_go_live": (
            "Limits restart at each cluster's first treated term, so that the period with "
            "Experts at Hand is judged against itself."
        ),
        "whole_series": "Limits come from every term of the series.",
    }[params.outcome_baseline]
    rebase = _with_change_points(rebase, frame, params)
    return Phases(rebase=rebase, baseline_points=baseline, rule=rule + _change_text(params),
                  per_unit=per_unit)


def _change_text(params: MonitoringDataParams) -> str:
    if not params.change_points:
        return ""
    listed = "; ".join(f"{u}: {', '.join(t)}" for u, t in params.change_points.items())
    return f" Limits are also recalculated at the change points given ({listed})."
