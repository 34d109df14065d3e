"""The monitoring report's model: one monitored measure, and everything the report shows.

:class:`MonitorItem` holds a measure's tidy series, its charts and what to say about it;
:class:`MonitoringData` holds every item with the design and what is unavailable. Built by
:func:`eah_eval.reporting.monitoring.data.monitoring_data`, read by the disclosure, tables and
sections modules.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from eah_eval.errors import TrialLimitsWarning
from eah_eval.measures.rollout import RULE_TEXT
from eah_eval.monitor.summary import ChartSet, charts_by_unit, status_table
from eah_eval.reporting.document import Unavailable
from eah_eval.reporting.monitoring.params import MonitoringDataParams

__all__ = ["MonitorItem", "MonitoringData"]


@dataclass(frozen=True)
class MonitorItem:
    """One monitored measure: its tidy data, charts and what to say about it.

    Attributes
    ----------
    key : str
        Measure id (or ``eah_cost_per_request`` for the derived spend-per-request series).
    section : str
        Report section (a key of :data:`eah_eval.reporting.monitoring.data.SECTIONS`).
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
    chart_options : mapping
        Options of :func:`~eah_eval.monitor.summary.charts_by_unit` (columns charted, rebase
        terms, baseline points, conventions), to chart again after disclosure control.
    baseline_rule, phases : str, mapping of str -> str
        Where the limits come from: the rule in words, and each unit's baseline.
    seasonal : str
        The seasonal adjustment in words (empty: the series is not adjusted).
    standardisation : str
        The standardisation in words (empty: the recorded values are charted); the charted
        values are ``frame["chart_value"]``.
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
    baseline_rule: str = ""
    phases: Mapping[str, str] = field(default_factory=dict)
    seasonal: str = ""
    standardisation: str = ""

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
        SHA-256 fingerprint of the validated input tables (CSV or Parquet alike).
    cost_outliers : pandas.DataFrame
        Cost per expert day by cluster in the latest academic year with robust z-scores
        (:func:`eah_eval.reporting.monitoring.capacity.cost_outliers`).
    unavailable : tuple of Unavailable
        Parts that cannot be computed from the data supplied, with the reason.
    """

    params: MonitoringDataParams
    items: tuple[MonitorItem, ...]
    go_live: pd.DataFrame
    activity_mix: pd.DataFrame
    yardstick: pd.DataFrame
    chart_settings: str
    notes: tuple[str, ...] = field(default=())
    data_fingerprint: str = ""
    cost_outliers: pd.DataFrame = field(default_factory=pd.DataFrame)
    unavailable: tuple[Unavailable, ...] = ()

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
