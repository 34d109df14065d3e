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
LIMIT_GREY = "#6f6f6f"
#: Width of the content of an A4 page with 14 mm margins (182 mm), in inches: print figures
#: are drawn at this width so that they print at their own size (fonts as set).
A4_CONTENT_WIDTH = 182 / 25.4
#: Smallest font size, in points at the printed size, of the print figures.
MIN_FONT_PT = 8.0
# small multiples: inches around each panel (left, right, top, bottom) and below the grid
_PANEL_MARGINS = (0.55, 0.12, 0.68, 0.5)
_LEGEND_BAND = 0.75
_TERMS = ("autumn", "spring", "summer")


def _tick_positions(n: int, max_ticks: int = 12) -> np.ndarray:
    step = max(1, int(np.ceil(n / max_ticks)))
    return np.arange(0, n, step)


def period_ticks(periods: Any, max_ticks: int = 12) -> tuple[np.ndarray, list[str]]:
    """Positions and labels of the x ticks: academic years at their autumn term when termly.

    Termly labels (``"2025/26 autumn"``) are long; the axis labels the autumn term of every
    k-th academic year with the year alone (``"2025/26"``), so that at most ``max_ticks``
    labels fit without overlapping. Other periods: every k-th label as it is.
    """
    labels = [str(p) for p in periods]
    autumn = [i for i, p in enumerate(labels) if p.endswith(" autumn")]
    if len(autumn) >= 2 and all(p.rsplit(" ", 1)[-1] in _TERMS for p in labels):
        step = max(1, int(np.ceil(len(autumn) / max_ticks)))
        idx = np.asarray(autumn[::step])
        return idx, [labels[i].split(" ")[0] for i in idx]
    idx = _tick_positions(len(labels), max_ticks)
    return idx, [labels[i] for i in idx]


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
    font_size: float = 8.0,
    rebase_note: bool = True,
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
    font_size : float
        Size of the tick labels, notes and status text in points (the title is one point
        larger, the axis label the same).
    rebase_note : bool
        Write "limits recalculated" above each recalculation line; without it the line is
        named in the legend instead.

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
    for k, i in enumerate(np.flatnonzero(np.diff(segments) != 0) + 1):
        ax.axvline(i - 0.5, color=LINE_GREY, linestyle="-.", linewidth=0.8,
                   label="Limits recalculated" if k == 0 and not rebase_note else None)
        if rebase_note:
            ax.annotate("limits recalculated", (i - 0.5, 1.0),
                        xycoords=("data", "axes fraction"), xytext=(3, 2),
                        textcoords="offset points", fontsize=font_size, color=LINE_GREY)

    ticks, labels = period_ticks(pts["period"].to_numpy(), max_ticks)
    ax.set_xticks(ticks)
    ax.set_xticklabels(labels, rotation=45, ha="right", fontsize=font_size)
    ax.set_xticks(x, minor=True)
    ax.tick_params(axis="y", labelsize=font_size)
    ax.set_ylabel(value_label if value_label is not None else chart.measure, fontsize=font_size)
    ax.set_title(title if title is not None else chart.active_title(), loc="left",
                 fontsize=font_size + 1)

    if status:
        ax.text(1.01, 0.0, status_text(chart), transform=ax.transAxes, fontsize=font_size,
                va="bottom", ha="left",
                bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": LIMIT_GREY,
                      "alpha": 0.9})
    elif chart.trial_limits and trial_note:
        ax.text(0.01, 0.98, "TRIAL LIMITS", transform=ax.transAxes, fontsize=font_size,
                va="top", ha="left", color=LINE_GREY)
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=font_size,
                  frameon=False)
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


def status_words(chart: ControlChart) -> tuple[str, str]:
    """Return a chart's status in a few words, on two short lines (a panel's subtitle).

    The first line is the variation (``"Concern, higher"``), the second the assurance and
    whether the latest limits are trial limits (``"Target hit and miss; trial limits"``,
    empty when there is neither).
    """
    v = {
        "common_cause": "Common cause",
        "special_cause_improvement": "Improvement",
        "special_cause_concern": "Concern",
        "special_cause_neutral_high": "Higher (no good direction)",
        "special_cause_neutral_low": "Lower (no good direction)",
    }[chart.variation]
    side = chart.variation_side
    if side is not None and chart.variation in ("special_cause_improvement",
                                                "special_cause_concern"):
        v += ", higher" if side == "high" else ", lower"
    second = []
    if chart.assurance is not None:
        second.append({"consistently_passes": "Target met",
                       "consistently_fails": "Target missed",
                       "hit_and_miss": "Target hit and miss"}[chart.assurance])
    if chart.latest_trial_limits:
        second.append("trial limits" if second else "Trial limits")
    return v, "; ".join(second)


def _inches(ax: Axes) -> tuple[float, float]:
    """Width and height of the figure holding ``ax``, in inches."""
    w, h = ax.get_figure(root=True).get_size_inches()  # type: ignore[union-attr]
    return float(w), float(h)


def draw_icons(ax: Axes, chart: ControlChart, *, x: float = 1.0, y: float = 1.02,
               font_size: float = MIN_FONT_PT) -> None:
    """Draw the variation and assurance icons of Making Data Count at the axes' top right.

    Each icon is a white disc ringed in the status colour with its letter
    (:func:`eah_eval.monitor.icons.icon_letter`): H or L for a special cause, a dash for common
    cause; P, F or ? for the assurance. The icons repeat the status in words written beside
    them (:func:`status_words`), which is the text equivalent.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes to draw on (axes-fraction coordinates).
    chart : ControlChart
        The chart whose status is drawn.
    x, y : float
        Right and bottom edge of the icons, as fractions of the axes.
    font_size : float
        Size of the letters in points.
    """
    from eah_eval.monitor.icons import icon_letter

    icons = [(variation_icon(chart.variation),
              icon_letter(chart.variation, chart.variation_side))]
    if chart.assurance is not None:
        icons.append((assurance_icon(chart.assurance), icon_letter(chart.assurance)))
    # the last icon at the right edge; each further one a disc's width to its left
    step = 2.4 * font_size / 72 / max(ax.get_position().width * _inches(ax)[0], 1e-6)
    for k, (icon, letter) in enumerate(reversed(icons)):
        ax.text(x - k * step, y, letter, transform=ax.transAxes, ha="right", va="bottom",
                fontsize=font_size, fontweight="bold", color=LINE_GREY,
                bbox={"boxstyle": "circle,pad=0.25", "facecolor": "white",
                      "edgecolor": icon.colour, "linewidth": 2.0})


def _fixed_layout(fig: Figure, margins: tuple[float, float, float, float],
                  band: float, nrows: int, ncols: int, panel_w: float,
                  panel_h: float) -> None:
    left, right, top, bottom = margins
    fig_w, fig_h = fig.get_figwidth(), fig.get_figheight()
    axes_w, axes_h = panel_w - left - right, panel_h - top - bottom
    fig.subplots_adjust(
        left=left / fig_w, right=1 - right / fig_w, top=1 - top / fig_h,
        bottom=(bottom + band) / fig_h, wspace=(left + right) / axes_w,
        hspace=(top + bottom) / axes_h,
    )


def _shared_legend(fig: Figure, axes: list[Any], font_size: float) -> None:
    handles: dict[str, Any] = {}
    for ax in axes:
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, h)
    fig.legend(list(handles.values()), list(handles.keys()), loc="lower center",
               ncol=min(3, max(len(handles), 1)), fontsize=font_size, frameon=False,
               bbox_to_anchor=(0.5, 0.0))


def overview(
    chart: ControlChart,
    *,
    title: str,
    value_label: str,
    width: float = A4_CONTENT_WIDTH,
    height: float = 3.8,
    font_size: float = MIN_FONT_PT,
) -> Figure:
    """Draw one chart large, at the printed width, with its icons and status in words.

    The panel title is ``title`` (for example "All clusters"), the line under it the status
    in words with the Making Data Count icons drawn at the right (:func:`draw_icons`); the
    legend runs under the axes. The layout is fixed in inches, so the figure prints at its
    own size when it is ``width`` wide.

    Parameters
    ----------
    chart : ControlChart
        The chart to draw.
    title : str
        Panel title in words.
    value_label : str
        Y-axis label, with the unit.
    width, height : float
        Figure size in inches (default: the content width of an A4 page with 14 mm margins).
    font_size : float
        Smallest font size in points (tick labels, legend, status).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(width, height))
    _fixed_layout(fig, (0.75, 0.15, 0.75, 0.55), _LEGEND_BAND, 1, 1, width,
                  height - _LEGEND_BAND)
    ax = fig.add_subplot(1, 1, 1)
    _panel(ax, chart, title, value_label, font_size=font_size, max_ticks=12)
    _shared_legend(fig, [ax], font_size)
    return fig


def _panel(ax: Axes, chart: ControlChart, name: str, value_label: str, *,
           font_size: float, max_ticks: int) -> None:
    plot(chart, ax=ax, title="", show_near_limits=False, value_label=value_label,
         legend=False, status=False, max_ticks=max_ticks, trial_note=False,
         font_size=font_size, rebase_note=False)
    # a fixed title height: automatic placement measures every tick label of the panel
    ax.set_title(name, loc="left", fontsize=font_size + 1, fontweight="bold", y=1.0,
                 pad=font_size * 3.2)
    ax.text(0.0, 1.02, "\n".join(status_words(chart)), transform=ax.transAxes, ha="left",
            va="bottom", fontsize=font_size, color=LINE_GREY, linespacing=1.3)
    draw_icons(ax, chart, y=1.02 + font_size * 2.7 / 72 / max(
        ax.get_position().height * _inches(ax)[1], 1e-6), font_size=font_size)


def small_multiples(
    charts: Mapping[str, ControlChart],
    *,
    ncols: int = 3,
    value_label: str = "",
    width: float = A4_CONTENT_WIDTH,
    panel_height: float = 2.05,
    font_size: float = MIN_FONT_PT,
) -> Figure:
    """Draw several charts (e.g. one per cluster) in a grid with one shared legend.

    The figure is ``width`` inches wide (by default the printed width of an A4 page's
    content), so that it prints at its own size and every text is at least ``font_size``
    points on paper. The layout is fixed in inches (room for the two-line panel title, the
    y labels, the slanted year labels and the legend band), so the figure is drawn once when
    saved: no layout engine, no tight bounding box. Each panel's title is its name in words,
    with the status in words under it (:func:`status_words`) and the Making Data Count icons
    drawn at the right (:func:`draw_icons`); trial limits are said inside the panel.

    Parameters
    ----------
    charts : mapping of str -> ControlChart
        Panel title (in words) -> chart.
    ncols : int
        Panels per row.
    value_label : str
        Y-axis label of every panel, with the unit.
    width : float
        Figure width in inches.
    panel_height : float
        Height of one panel in inches.
    font_size : float
        Smallest font size in points (tick labels, legend, status).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    n = max(len(charts), 1)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig_h = panel_height * nrows + _LEGEND_BAND
    fig = plt.figure(figsize=(width, fig_h))
    _fixed_layout(fig, _PANEL_MARGINS, _LEGEND_BAND, nrows, ncols, width / ncols,
                  panel_height)
    grid = fig.add_gridspec(nrows, ncols)
    # only the panels needed: an empty axes still costs a full draw of its ticks
    axes = [fig.add_subplot(grid[i // ncols, i % ncols]) for i in range(len(charts))]
    for ax, (name, chart) in zip(axes, charts.items(), strict=False):
        _panel(ax, chart, name, value_label, font_size=font_size, max_ticks=4)
    _shared_legend(fig, axes, font_size)
    return fig


def printed_font_sizes(fig: Figure, printed_width: float = A4_CONTENT_WIDTH) -> list[float]:
    """Return the size in points, once printed ``printed_width`` inches wide, of every text.

    A figure wider than the printed width is scaled down with everything in it (an image
    never prints wider than the page), so its texts print smaller than they were set.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    printed_width : float
        Width the figure prints at, at most, in inches.
    """
    from matplotlib.text import Text

    scale = min(1.0, printed_width / fig.get_figwidth())
    return [float(t.get_fontsize()) * scale for t in fig.findobj(Text)
            if t.get_visible() and t.get_text().strip()]


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
        in fixed inches, such as :func:`small_multiples`, which are then shown no wider than
        drawn (so that a figure drawn at the printed width prints at its own size).
    """
    import base64
    import io
    from html import escape

    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight" if tight else None)
    # never shown wider than drawn: at its own width or less its texts keep their sizes
    size = "" if tight else (
        f' style="width:100%;max-width:{fig.get_figwidth():.2f}in"'
    )
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (
        f"<figure><figcaption><strong>{escape(title)}</strong><br>{escape(caption)}"
        f"</figcaption><img src=\"data:image/png;base64,{data}\" alt=\"{escape(alt)}\"{size}>"
        f"{table_html}</figure>"
    )
