"""Draw a :class:`~eah_eval.monitor.ControlChart` with matplotlib.

Meaning never rests on colour alone: each point type has its own marker shape and a legend entry
in words, limits and centre differ by line style, the target line is labelled, the variation and
assurance status are written on the chart, and trial limits are said in text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from eah_eval.monitor.chart import ControlChart
from eah_eval.monitor.icons import RED, VARIATION_ICONS, assurance_icon, variation_icon
from eah_eval.monitor.settings import POINT_TYPES

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

LINE_GREY = "#3d3d3d"
# small multiples: inches around each panel (left, right, top, bottom) and below the grid
_PANEL_MARGINS = (0.6, 0.15, 0.4, 0.9)
_LEGEND_BAND = 0.5
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
    legend: bool = True,
    status: bool = True,
    max_ticks: int = 12,
    trial_note: bool = True,
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
    legend : bool
        Draw the legend (point types in words, lines, target) to the right of the axes.
    status : bool
        Write the variation, assurance and trial-limits status beside the axes.
    max_ticks : int
        Most period labels on the x axis (every k-th period is labelled).
    trial_note : bool
        Without ``status``, write "TRIAL LIMITS" inside the axes when the limits are trial
        limits (pass False when the caller says so elsewhere, e.g. in a panel title).

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

    ticks = _tick_positions(n, max_ticks)
    ax.set_xticks(ticks)
    ax.set_xticklabels([str(p) for p in pts["period"].to_numpy()[ticks]], rotation=45,
                       ha="right", fontsize=8)
    ax.set_ylabel(value_label if value_label is not None else chart.measure)
    ax.set_title(title if title is not None else chart.active_title(), loc="left", fontsize=11)

    if status:
        ax.text(1.01, 0.0, status_text(chart), transform=ax.transAxes, fontsize=8,
                va="bottom", ha="left",
                bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": LIMIT_GREY,
                      "alpha": 0.9})
    elif chart.trial_limits and trial_note:
        ax.text(0.01, 0.98, "TRIAL LIMITS", transform=ax.transAxes, fontsize=7, va="top",
                ha="left", color=LINE_GREY)
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    ax.grid(axis="y", color="#e6e6e6", linewidth=0.6)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    return ax


def status_text(chart: ControlChart) -> str:
    """Return the variation, assurance and trial-limits status of a chart as words."""
    text = f"Variation: {variation_icon(chart.variation).text}"
    side = chart.variation_side
    if side is not None:
        text += f" ({'H' if side == 'high' else 'L'})"
    text += f"\nAssurance: {assurance_icon(chart.assurance).text}"
    if chart.trial_limits:
        text += (
            f"\nTRIAL LIMITS: fewer than {chart.settings.trial_threshold} points behind the limits"
        )
    return text


def alt_text(chart: ControlChart, *, digits: int = 1) -> str:
    """Describe a chart in words for its alt text (what a sighted reader would take away).

    Parameters
    ----------
    chart : ControlChart
        The chart.
    digits : int
        Decimal places for numbers.
    """
    pts = chart.points
    last = pts.iloc[-1]
    special = pts.loc[pts["rule"].notna()]
    words = (
        f"Control chart of {chart.measure}, {len(pts)} points from {pts['period'].iloc[0]} to "
        f"{last['period']}. Latest value {last['value']:.{digits}f} against a centre of "
        f"{last['centre']:.{digits}f} and process limits {last['lower']:.{digits}f} to "
        f"{last['upper']:.{digits}f}. {len(special)} point(s) show special cause. "
        f"{variation_icon(chart.variation).text}; {assurance_icon(chart.assurance).text}."
    )
    if len(chart.segments) > 1:
        starts = ", ".join(str(p) for p in chart.segments["first_period"].iloc[1:])
        words += f" Limits recalculated from {starts}."
    if chart.trial_limits:
        words += " Trial limits (fewer than 13 points)."
    return words


def small_multiples(
    charts: Mapping[str, ControlChart],
    *,
    ncols: int = 3,
    value_label: str = "",
    panel_width: float = 4.2,
    panel_height: float = 2.8,
) -> Figure:
    """Draw several charts (e.g. one per cluster) in a grid with one shared legend.

    The layout is fixed in inches (room for the panel title, the y labels, the slanted period
    labels and the legend band), so the figure is drawn once when saved: no layout engine,
    no tight bounding box. Each panel labels at most six periods; its title gives the unit,
    the variation icon, the assurance icon (when there is one) and "(trial limits)" when the
    limits are trial limits.

    Parameters
    ----------
    charts : mapping of str -> ControlChart
        Panel title -> chart.
    ncols : int
        Panels per row.
    value_label : str
        Y-axis label of every panel.
    panel_width, panel_height : float
        Size of one panel in inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    n = max(len(charts), 1)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig_w, fig_h = panel_width * ncols, panel_height * nrows + _LEGEND_BAND
    fig = plt.figure(figsize=(fig_w, fig_h))
    left, right, top, bottom = _PANEL_MARGINS
    axes_w, axes_h = panel_width - left - right, panel_height - top - bottom
    fig.subplots_adjust(
        left=left / fig_w, right=1 - right / fig_w, top=1 - top / fig_h,
        bottom=(bottom + _LEGEND_BAND) / fig_h, wspace=(left + right) / axes_w,
        hspace=(top + bottom) / axes_h,
    )
    grid = fig.add_gridspec(nrows, ncols)
    # only the panels needed: an empty axes still costs a full draw of its ticks
    axes = [fig.add_subplot(grid[i // ncols, i % ncols]) for i in range(len(charts))]
    handles: dict[str, Any] = {}
    for ax, (name, chart) in zip(axes, charts.items(), strict=False):
        plot(chart, ax=ax, title="", show_near_limits=False, value_label=value_label,
             legend=False, status=False, max_ticks=6, trial_note=False)
        v = variation_icon(chart.variation)
        head = f"{name}: {v.symbol} {v.short}"
        if chart.assurance is not None:
            a = assurance_icon(chart.assurance)
            head += f" | {a.symbol} {a.short}"
        if chart.trial_limits:
            head += " (trial limits)"
        # a fixed title height: automatic placement measures every tick label of the panel;
        # the pad leaves room for the "limits recalculated" note above the axes
        ax.set_title(head, loc="left", fontsize=9, y=1.0, pad=12)
        ax.tick_params(labelsize=7)
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, h)
    fig.legend(list(handles.values()), list(handles.keys()), loc="lower center",
               ncol=min(4, max(len(handles), 1)), fontsize=8, frameon=False,
               bbox_to_anchor=(0.5, 0.0))
    return fig


def figure_html(fig: Figure, *, title: str, alt: str, caption: str, table_html: str = "",
                dpi: int = 100, tight: bool = True) -> str:
    """Return an accessible ``<figure>``: active title, caption, PNG with alt text, data table.

    The PNG is embedded as a data URI so the page works offline. The figure is closed.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    title : str
        Active title stating the finding.
    alt : str
        Alternative text.
    caption : str
        Measure, source, population, geography and period.
    table_html : str
        HTML of the data table behind the figure (already disclosure-controlled).
    dpi : int
        Resolution.
    tight : bool
        Crop to the drawn content (draws the figure twice); pass False for figures laid out
        in fixed inches, such as :func:`small_multiples`.
    """
    import base64
    import io
    from html import escape

    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight" if tight else None)
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (
        f"<figure><figcaption><strong>{escape(title)}</strong><br>{escape(caption)}"
        f"</figcaption><img src=\"data:image/png;base64,{data}\" alt=\"{escape(alt)}\">"
        f"{table_html}</figure>"
    )
