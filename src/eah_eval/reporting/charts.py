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
    lower: Sequence[float] | None = None
    upper: Sequence[float] | None = None


def _png(fig: object) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)  # type: ignore[attr-defined]
    plt.close(fig)  # type: ignore[arg-type]
    return base64.b64encode(buf.getvalue()).decode("ascii")


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
        if intervals and s.lower is not None and s.upper is not None:
            lo = np.asarray(s.lower, dtype=float)
            hi = np.asarray(s.upper, dtype=float)
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
            if s.lower is not None and s.upper is not None:
                ax.fill_between(
                    x,
                    np.asarray(s.lower, dtype=float),
                    np.asarray(s.upper, dtype=float),
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
    data = _png(fig)
    return (
        f'<figure><figcaption><strong>{escape(title)}</strong><br>{escape(caption)}'
        f"</figcaption>"
        f'<img src="data:image/png;base64,{data}" alt="{escape(alt)}">'
        f"{data_table}</figure>"
    )


def describe_trend(frame: pd.DataFrame, *, x: str, y: str, by: str) -> str:
    """One-sentence alt text summary: first and last shown value of each group."""
    parts = []
    for key, g in frame.dropna(subset=[y]).sort_values(x).groupby(by, sort=True):
        if len(g):
            parts.append(f"{key}: from {g[y].iloc[0]:.1f} to {g[y].iloc[-1]:.1f}")
    return "; ".join(parts) if parts else "no values could be shown after disclosure control"
