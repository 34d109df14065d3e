"""Monitoring: control charts in the Making Data Count style (XmR, Laney p' and u').

Results are data first (:class:`ControlChart` with a points table and series-level variation and
assurance); :func:`plot` draws them. This is a chart library: it knows no measure and no report.
The monitoring report that charts the programme's measures is
:mod:`eah_eval.reporting.monitoring`.
"""

from __future__ import annotations

from eah_eval.monitor.chart import POINT_COLUMNS, ControlChart
from eah_eval.monitor.icons import (
    ASSURANCE_ICONS,
    VARIATION_ICONS,
    Icon,
    assurance_icon,
    assurance_of,
    variation_icon,
)
from eah_eval.monitor.laney import p_prime, u_prime
from eah_eval.monitor.plot import plot
from eah_eval.monitor.settings import RULES, ChartSettings
from eah_eval.monitor.xmr import xmr

__all__ = [
    "ASSURANCE_ICONS",
    "POINT_COLUMNS",
    "RULES",
    "VARIATION_ICONS",
    "ChartSettings",
    "ControlChart",
    "Icon",
    "assurance_icon",
    "assurance_of",
    "p_prime",
    "plot",
    "u_prime",
    "variation_icon",
    "xmr",
]
