"""Draw a :class:`~eah_eval.monitor.ControlChart` with matplotlib.

Meaning never rests on colour alone: each point type has its own marker shape and a legend entry
in words, limits and centre differ by line style, the target line is labelled, the variation and
assurance status are written on the chart, and trial limits are said in text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from eah_eval.monitor.chart import ControlChart
from eah_eval.monitor.icons import RED, VARIATION_ICONS, assurance_icon, variation_icon
from eah_eval.monitor.settings import POINT_TYPES

if TYPE_CHECKING:
    from matplotlib.axes import Axes

LINE_GREY = "#3d3d3d"
LIMIT_GREY = "#6f6f6f"


def _tick_positions(n: int, max_ticks: int = 12) -> np.ndarray:
    step = max(1, int(np.ceil(n / max_ticks)))
    return np.arange(0, n, step)


def plot(
    chart: ControlChart,
    ax: Axes | None = None,
    *,
    title: str | None = None,
    show_near_limits: bool = True,
    value_label: str | None = None,
) -> Axes:
    """Draw the chart: values, centre, limits, near-limit lines, target, rebase lines, icons.

    Parameters
    ----------
    chart : ControlChart
        The chart to draw (nothing is recomputed).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure (9 x 4.5 in) is made when omitted.
    title : str, optional
        Title; default :meth:`ControlChart.active_title` (states the finding).
    show_near_limits : bool
        Draw the near-limit lines (2/3 of the way to the limits).
    value_label : str, optional
        Y-axis label; default the measure name.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.5))
    pts = chart.points
    n = len(pts)
    x = np.arange(n)
    ax.plot(x, pts["value"], color=LINE_GREY, linewidth=1.0, zorder=2)

    for s, seg in pts.groupby("segment", sort=True):
        xi = x[pts["segment"].to_numpy() == s]
        step_kw: dict[str, Any] = {"where": "mid"}
        first = s == pts["segment"].iloc[0]
        ax.step(xi, seg["centre"], color=LINE_GREY, linewidth=1.2, zorder=1,
                label="Centre (mean)" if first else None, **step_kw)
        ax.step(xi, seg["upper"], color=LIMIT_GREY, linestyle="--", linewidth=1.0, zorder=1,
                label="Process limits" if first else None, **step_kw)
        ax.step(xi, seg["lower"], color=LIMIT_GREY, linestyle="--", linewidth=1.0, zorder=1,
                **step_kw)
        if show_near_limits:
            ax.step(xi, seg["near_upper"], color=LIMIT_GREY, linestyle=":", linewidth=0.8,
                    zorder=1, label="Near-limit lines (2/3)" if first else None, **step_kw)
            ax.step(xi, seg["near_lower"], color=LIMIT_GREY, linestyle=":", linewidth=0.8,
                    zorder=1, **step_kw)

    for ptype in POINT_TYPES:
        mask = (pts["point_type"] == ptype).to_numpy()
        if not mask.any():
            continue
        icon = VARIATION_ICONS[ptype]
        ax.scatter(x[mask], pts.loc[mask, "value"], marker=icon.marker, s=46 if ptype ==
                   "common_cause" else 70, color=icon.colour, edgecolors=LINE_GREY,
                   linewidths=0.6, zorder=3, label=icon.text)

    target = chart.settings.target
    if target is not None:
        ax.axhline(target, color=RED, linestyle=(0, (6, 3)), linewidth=1.2, zorder=1,
                   label=f"Target ({target:g})")

    segments = pts["segment"].to_numpy()
    for i in np.flatnonzero(np.diff(segments) != 0) + 1:
        ax.axvline(i - 0.5, color=LINE_GREY, linestyle="-.", linewidth=0.8)
        ax.annotate("limits recalculated", (i - 0.5, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(3, 2), textcoords="offset points", fontsize=8, color=LINE_GREY)

    ticks = _tick_positions(n)
    ax.set_xticks(ticks)
    ax.set_xticklabels([str(p) for p in pts["period"].to_numpy()[ticks]], rotation=45,
                       ha="right", fontsize=8)
    ax.set_ylabel(value_label if value_label is not None else chart.measure)
    ax.set_title(title if title is not None else chart.active_title(), loc="left", fontsize=11)

    status = f"Variation: {variation_icon(chart.variation).text}"
    side = chart.variation_side
    if side is not None:
        status += f" ({'H' if side == 'high' else 'L'})"
    status += f"\nAssurance: {assurance_icon(chart.assurance).text}"
    if chart.trial_limits:
        status += (
            f"\nTRIAL LIMITS: fewer than {chart.settings.trial_threshold} points behind the limits"
        )
    ax.text(1.01, 0.0, status, transform=ax.transAxes, fontsize=8, va="bottom", ha="left",
            bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": LIMIT_GREY,
                  "alpha": 0.9})
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    ax.grid(axis="y", color="#e6e6e6", linewidth=0.6)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    return ax
