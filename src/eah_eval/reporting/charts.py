"""Charts as accessible figures: PNG embedded as a data URI, alt text, caption, data table.

Every chart is drawn from data that have already been through disclosure control; hidden
points are simply absent (a gap), and the data table beside the chart shows their symbol.
Series are told apart by marker shape and line style as well as colour (Analysis Function
palette), and labelled directly, so meaning never rests on colour alone.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from eah_eval.reporting.html import PALETTE

MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P")
LINESTYLES: tuple[str, ...] = ("-", "--", "-.", ":", "-", "--")


@dataclass(frozen=True)
class Series:
    """One line of a chart: x, y, optional interval, and a label."""

    label: str
    x: Sequence[float]
    y: Sequence[float]
    ci_low: Sequence[float] | None = None
    ci_high: Sequence[float] | None = None


def _png(fig: object) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)  # type: ignore[attr-defined]
    plt.close(fig)  # type: ignore[arg-type]
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(fig: object, title: str, caption: str, alt: str, data_table: str) -> str:
    """Return the figure as HTML: title, caption, the PNG with its alt text, its data table."""
    data = _png(fig)
    return (
        f'<figure><figcaption><strong>{escape(title)}</strong><br>{escape(caption)}'
        f"</figcaption>"
        f'<img src="data:image/png;base64,{data}" alt="{escape(alt)}">'
        f"{data_table}</figure>"
    )


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    alt: str,
    caption: str,
    vline: float | None = None,
    vline_label: str = "",
    hline: float | None = None,
    data_table: str = "",
    intervals: bool = False,
) -> str:
    """Draw a line (or point-and-interval) chart and return an accessible ``<figure>``.

    Parameters
    ----------
    series : sequence of Series
        Lines to draw (NaN values leave gaps).
    title : str
        Active title stating the finding (about 10 words); shown above the figure.
    xlabel, ylabel : str
        Axis labels.
    alt : str
        Alternative text describing what the chart shows.
    caption : str
        Measure, source, population, geography and period.
    vline : float, optional
        Position of a vertical reference line (e.g. go-live), labelled ``vline_label``.
    hline : float, optional
        Horizontal reference line (e.g. zero effect).
    data_table : str
        HTML of the table of the plotted numbers, placed under the figure.
    intervals : bool
        Draw intervals as error bars (point estimates) rather than shaded bands.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.0))
    n = max(len(series), 1)
    offsets = np.linspace(-0.15, 0.15, n) if intervals and n > 1 else np.zeros(n)
    for k, s in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        x = np.asarray(s.x, dtype=float) + offsets[k]
        y = np.asarray(s.y, dtype=float)
        if intervals and s.ci_low is not None and s.ci_high is not None:
            lo = np.asarray(s.ci_low, dtype=float)
            hi = np.asarray(s.ci_high, dtype=float)
            ax.errorbar(
                x,
                y,
                yerr=[y - lo, hi - y],
                fmt=MARKERS[k % len(MARKERS)],
                color=colour,
                capsize=3,
                label=s.label,
                linestyle="none",
            )
        else:
            ax.plot(
                x,
                y,
                marker=MARKERS[k % len(MARKERS)],
                linestyle=LINESTYLES[k % len(LINESTYLES)],
                color=colour,
                label=s.label,
                markersize=4,
            )
            if s.ci_low is not None and s.ci_high is not None:
                ax.fill_between(
                    x,
                    np.asarray(s.ci_low, dtype=float),
                    np.asarray(s.ci_high, dtype=float),
                    color=colour,
                    alpha=0.15,
                    linewidth=0,
                )
    if vline is not None:
        ax.axvline(vline, color="#3D3D3D", linestyle=":", linewidth=1.2)
        if vline_label:
            ax.annotate(
                vline_label,
                xy=(vline, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(3, -12),
                textcoords="offset points",
                fontsize=8,
                color="#3D3D3D",
            )
    if hline is not None:
        ax.axhline(hline, color="#3D3D3D", linewidth=0.8)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
    if len(series) > 1:
        ax.legend(frameon=False, fontsize=8, loc="best")
    fig.tight_layout()
    return _figure(fig, title, caption, alt, data_table)


def describe_trend(frame: pd.DataFrame, *, x: str, y: str, by: str) -> str:
    """One-sentence alt text summary: first and last shown value of each group."""
    parts = []
    for key, g in frame.dropna(subset=[y]).sort_values(x).groupby(by, sort=True):
        if len(g):
            parts.append(f"{key}: from {g[y].iloc[0]:.1f} to {g[y].iloc[-1]:.1f}")
    return "; ".join(parts) if parts else "no values could be shown after disclosure control"


def interval_chart(
    labels: Sequence[str],
    estimates: Sequence[float],
    ci_low: Sequence[float | None],
    ci_high: Sequence[float | None],
    *,
    title: str,
    xlabel: str,
    alt: str,
    caption: str,
    kinds: Sequence[str] | None = None,
    data_table: str = "",
) -> str:
    """Draw a horizontal dot-and-interval chart by category and return an accessible figure.

    Parameters
    ----------
    labels : sequence of str
        Row labels, top to bottom.
    estimates : sequence of float
        Point estimates (NaN rows are left empty: suppressed or not available).
    ci_low, ci_high : sequence of float or None
        Interval bounds (None or NaN: no interval drawn for that row).
    title, xlabel, alt, caption, data_table
        As for :func:`line_chart`.
    kinds : sequence of str, optional
        ``"summary"`` rows (e.g. a wave's estimate) are drawn as filled squares, others as
        open circles, so the two are told apart by shape as well as colour.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(labels)
    kinds = list(kinds) if kinds is not None else ["point"] * n
    fig, ax = plt.subplots(figsize=(7.5, max(1.8, 0.32 * n + 0.9)))
    ys = np.arange(n)[::-1]
    for y, est, lo, hi, kind in zip(ys, estimates, ci_low, ci_high, kinds, strict=True):
        if est is None or not np.isfinite(est):
            continue
        summary = kind == "summary"
        colour = PALETTE[0] if summary else PALETTE[1]
        if lo is not None and hi is not None and np.isfinite(lo) and np.isfinite(hi):
            ax.plot([lo, hi], [y, y], color=colour, linewidth=1.6)
        ax.plot([est], [y], marker="s" if summary else "o", markersize=6 if summary else 5,
                color=colour, markerfacecolor=colour if summary else "white", linestyle="none")
    ax.axvline(0.0, color="#3D3D3D", linewidth=0.8)
    ax.set_yticks(ys)
    ax.set_yticklabels(list(labels), fontsize=8)
    ax.set_xlabel(xlabel)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", color="#e0e0e0", linewidth=0.6)
    fig.tight_layout()
    return _figure(fig, title, caption, alt, data_table)


@dataclass(frozen=True)
class Fan:
    """One panel of a fan chart: a projection's median and its central ranges, by x.

    Attributes
    ----------
    label : str
        Panel title (the scenario, in words).
    x : sequence of float
        Positions (years).
    median : sequence of float
        The median line.
    bands : sequence of (level, ci_low, ci_high)
        Central ranges, widest first (``(0.95, ci_low, ci_high)``, ``(0.8, ...)``, ``(0.5, ...)``).
    """

    label: str
    x: Sequence[float]
    median: Sequence[float]
    bands: Sequence[tuple[float, Sequence[float], Sequence[float]]]


#: Smallest font size (points) of a fan chart, at its printed size on an A4 page.
FAN_FONT_SIZE = 9.0


def fan_chart(
    fans: Sequence[Fan],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    alt: str,
    caption: str,
    observed: Series | None = None,
    start: tuple[float, float] | None = None,
    references: Sequence[Series] = (),
    compare_median: Series | None = None,
    hline: float | None = None,
    tick_labels: dict[float, str] | None = None,
    data_table: str = "",
) -> str:
    """Draw fan charts side by side, sharing the y-axis, and return an accessible figure.

    Each panel shades its ranges from light (widest) to dark (narrowest) in one colour and
    draws the median as a solid line; the observed years (``observed``) come before the fan
    as a dark line with markers, reference lines (``references``, e.g. income) are dashed, and
    ``compare_median`` (e.g. the other scenario's median) is dotted in every panel but the
    first. One legend under the panels names each, so nothing rests on colour alone. Text is
    at least :data:`FAN_FONT_SIZE` points at the printed size.

    Parameters
    ----------
    fans : sequence of Fan
        One panel each, left to right.
    title, xlabel, ylabel, alt, caption, data_table
        As for :func:`line_chart`; the y label carries the unit.
    observed : Series, optional
        Observed values drawn in every panel.
    start : (x, y), optional
        A known point every fan starts from (the last observed value), so that the fan
        widens from it.
    references : sequence of Series
        Reference lines drawn in every panel.
    compare_median : Series, optional
        A median drawn dotted in every panel but the first (the scenario compared against).
    hline : float, optional
        Horizontal reference line (e.g. zero).
    tick_labels : dict of float -> str, optional
        Labels of the x ticks (e.g. ``2027 -> "2027-28"``); by default whole numbers.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def joined(x: Sequence[float], y: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        if start is None:
            return xs, ys
        return np.r_[start[0], xs], np.r_[start[1], ys]

    size = FAN_FONT_SIZE
    n = max(len(fans), 1)
    fig, axes = plt.subplots(1, n, figsize=(7.5, 4.2), sharey=True, squeeze=False)
    colour = PALETTE[0]  # one colour for every fan, so the one legend fits every panel
    for k, (ax, f) in enumerate(zip(axes[0], fans, strict=False)):
        alphas = np.linspace(0.18, 0.45, max(len(f.bands), 1))
        for (level, lo, hi), a in zip(f.bands, alphas, strict=False):
            x, low = joined(f.x, lo)
            _, high = joined(f.x, hi)
            ax.fill_between(x, low, high, color=colour, alpha=float(a), linewidth=0,
                            label=f"Middle {round(100 * level)}% of draws")
        ax.plot(*joined(f.x, f.median), color=colour, linewidth=2, label="Median")
        if observed is not None:
            ax.plot(np.asarray(observed.x, dtype=float), np.asarray(observed.y, dtype=float),
                    color="#0b0c0c", marker="o", markersize=3.5, linewidth=1.5,
                    label=observed.label)
        for j, r in enumerate(references):
            ax.plot(np.asarray(r.x, dtype=float), np.asarray(r.y, dtype=float),
                    color="#3D3D3D", linestyle=LINESTYLES[(j + 1) % len(LINESTYLES)],
                    linewidth=1.3, label=r.label)
        if compare_median is not None and k > 0:
            ax.plot(*joined(compare_median.x, compare_median.y), color=PALETTE[2],
                    linestyle=":", linewidth=2.0, label=compare_median.label)
        if hline is not None:
            ax.axhline(hline, color="#3D3D3D", linewidth=0.8)
        ax.set_title(f.label, fontsize=size + 1, loc="left")
        ax.set_xlabel(xlabel, fontsize=size)
        if tick_labels:
            ticks = sorted(tick_labels)[::2] if len(tick_labels) > 6 else sorted(tick_labels)
            ax.set_xticks(ticks)
            ax.set_xticklabels([tick_labels[t] for t in ticks], rotation=45, ha="right")
        ax.tick_params(labelsize=size)
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
    axes[0][0].set_ylabel(ylabel, fontsize=size)
    # One legend for every panel: the last panel has every kind of line.
    handles, labels = axes[0][-1].get_legend_handles_labels()
    ncol = 3
    rows = -(-len(labels) // ncol)
    fig.set_size_inches(7.5, 3.6 + 0.25 * rows)
    fig.legend(handles, labels, loc="lower center", ncol=ncol, frameon=False, fontsize=size)
    fig.tight_layout(rect=(0, 0.065 * rows, 1, 1))
    return _figure(fig, title, caption, alt, data_table)
