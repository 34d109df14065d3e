"""Disclosure control of the monitored series, before anything is drawn or tabulated.

:func:`control_disclosure` enters every series in the report's disclosure ledger
(:class:`eah_eval.reporting.disclosure.DisclosureLedger`, the one place every report's counts
pass through), which suppresses small counts, and re-charts each unit from the terms after its
last hidden value (:class:`ControlledData`); :func:`status_of` gives the status of the
controlled series, marking those left too short to chart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from eah_eval.monitor.summary import status_table
from eah_eval.reporting.disclosure import DisclosureLedger
from eah_eval.reporting.monitoring.model import MonitoringData, MonitorItem
from eah_eval.reporting.monitoring.params import LA_UNIT

__all__ = [
    "HIDDEN_FLAGS",
    "MIN_CHART_POINTS",
    "ControlledData",
    "control_disclosure",
    "status_of",
]

#: Flags of a value that may not be shown (disclosure control).
HIDDEN_FLAGS: tuple[str, ...] = ("primary", "secondary", "derived")
#: Fewest terms worth charting after disclosure control.
MIN_CHART_POINTS = 6


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
    """

    items: tuple[MonitorItem, ...]
    values: Mapping[str, pd.DataFrame]
    flags: Mapping[str, pd.DataFrame]

    def item(self, key: str) -> MonitorItem:
        """Return the controlled item with ``key``."""
        for it in self.items:
            if it.key == key:
                return it
        raise KeyError(f"no item {key!r}; have {[i.key for i in self.items]}")


def control_disclosure(data: MonitoringData, ledger: DisclosureLedger) -> ControlledData:
    """Apply disclosure control to every monitored series, then re-chart what may be shown.

    Parameters
    ----------
    data : MonitoringData
        Output of :func:`eah_eval.reporting.monitoring.data.monitoring_data`.
    ledger : DisclosureLedger
        The report's ledger: every table is entered in it (its policy applies and it keeps
        the records for ``results.json``).

    Returns
    -------
    ControlledData

    Notes
    -----
    For each item the columns counting people (``MonitorItem.people_counts``) are suppressed
    through :meth:`DisclosureLedger.rows`:
    the clusters as a cluster x term table with secondary suppression against the term totals
    (which the all-clusters series publishes), the all-clusters row on its own. A value built
    on a hidden count is hidden too. Each unit's chart is then recomputed from the terms after
    its last hidden value, so that neither a point nor a centre line or limit reveals a hidden
    number; a unit left with fewer than :data:`MIN_CHART_POINTS` terms is not charted.
    """
    items: list[MonitorItem] = []
    values: dict[str, pd.DataFrame] = {}
    flags: dict[str, pd.DataFrame] = {}
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
            sf = ledger.rows(
                sub,
                counts=counts,
                derived={c: counts for c in ("value", "chart_value") if c in sub}
                if counts else None,
                table_by=table_by if counts else None,
                name=f"{item.key}:{label}",
            )
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
    return ControlledData(items=tuple(items), values=values, flags=flags)


def status_of(items: Iterable[MonitorItem]) -> pd.DataFrame:
    """Status table of the items (see :func:`eah_eval.monitor.summary.status_table`).

    Adds ``suppressed`` (bool): the series is not charted because disclosure control left too
    few terms.
    """
    status = status_table(i.charts for i in items)
    status["suppressed"] = status["variation_text"].fillna("").str.contains("suppressed")
    return status
