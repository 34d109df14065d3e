"""Event-study plot with pointwise and simultaneous bands labelled."""

from __future__ import annotations

from typing import Any

import numpy as np

from eah_eval.did.aggregate import AggregateResult
from eah_eval.errors import MissingDependencyError, OptionError

__all__ = ["plot_event_study"]

_PRE_COLOUR = "#801650"
_POST_COLOUR = "#12436D"
_BAND_COLOUR = "#BFBFBF"


def plot_event_study(result: AggregateResult, ax: Any = None, *, level: float = 0.95,
                     title: str | None = None) -> Any:
    """Plot event-time effects with pointwise intervals and, if available, a simultaneous band.

    Parameters
    ----------
    result : AggregateResult
        Output of ``aggregate(gt, "event")``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made when omitted.
    level : float, default 0.95
        Level of the pointwise intervals (the simultaneous band is drawn at the level it was
        computed for).
    title : str, optional
        Title; by default states the overall post-treatment effect.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    OptionError
        If ``result`` is not an event-time aggregation.
    MissingDependencyError
        If matplotlib is not installed.

    Notes
    -----
    Pre-treatment estimates are drawn as open circles and post-treatment as filled squares, so
    the distinction never rests on colour alone. The shaded band is the simultaneous (sup-t)
    band from the multiplier bootstrap; error bars are pointwise.
    """
    if not isinstance(result, AggregateResult) or result.kind != "event":
        raise OptionError("plot_event_study needs an event-time AggregateResult "
                          "(aggregate(gt, 'event'))")
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - matplotlib is a core dependency
        raise MissingDependencyError('plotting needs matplotlib: pip install "eah-eval"') \
            from exc
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    frame = result.to_frame(level)
    e = frame["event_time"].to_numpy(dtype=float)
    est = frame["estimate"].to_numpy()
    pre = e < 0
    if result.table.critical_value is not None:
        lvl = result.table.simultaneous_level or level
        sim = result.table.conf_int(lvl, simultaneous=True)
        ax.fill_between(e, sim["ci_low"].to_numpy(), sim["ci_high"].to_numpy(),
                        color=_BAND_COLOUR, alpha=0.6, step=None,
                        label=f"{lvl:.0%} simultaneous band (sup-t)")
    err = np.vstack([est - frame["ci_low"].to_numpy(),
                     frame["ci_high"].to_numpy() - est])
    for mask, colour, marker, fill, name in (
        (pre, _PRE_COLOUR, "o", "white", "pre-treatment"),
        (~pre, _POST_COLOUR, "s", _POST_COLOUR, "post-treatment"),
    ):
        if mask.any():
            ax.errorbar(e[mask], est[mask], yerr=err[:, mask], fmt=marker, color=colour,
                        markerfacecolor=fill, capsize=3,
                        label=f"{name} estimate, {level:.0%} pointwise CI")
    ax.axhline(0.0, color="#3D3D3D", linewidth=0.8)
    ax.axvline(-0.5, color="#3D3D3D", linewidth=0.8, linestyle="--")
    ax.set_xlabel("periods since first treated (event time)")
    ax.set_ylabel("ATT")
    if title is None:
        title = (f"Average effect after treatment: {result.overall_att:.3g} "
                 f"(SE {result.overall_se:.2g})")
    ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    return ax
