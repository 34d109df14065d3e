"""Sensitivity plot for a Rambachan-Roth analysis (matplotlib imported lazily).

The plot takes a finished :class:`~eah_eval.sensitivity.honest.HonestDiDResult` and computes
nothing; the result knows nothing of the plot.
"""

from __future__ import annotations

from typing import Any

from eah_eval.sensitivity.honest import HonestDiDResult

__all__ = ["plot_sensitivity"]


def plot_sensitivity(result: HonestDiDResult, ax: Any = None) -> Any:
    """Plot the original and robust confidence intervals against the bound ``Mbar`` or ``M``.

    Parameters
    ----------
    result : HonestDiDResult
        Output of :func:`eah_eval.sensitivity.honest.honest_did` or
        :func:`eah_eval.sensitivity.honest.honest_did_event`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Examples
    --------
    >>> import numpy as np
    >>> from eah_eval.sensitivity import honest_did
    >>> b = np.array([0.05, -0.02, 0.03, 0.01, -0.04, 0.9, 1.1])  # 5 pre, 2 post
    >>> res = honest_did(b, np.diag(np.full(7, 0.01)), num_pre_periods=5, num_post_periods=2)
    >>> ax = plot_sensitivity(res)
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    tab = result.table
    ms = tab["m"].to_numpy(dtype=float)
    step = float(ms[1] - ms[0]) if len(ms) > 1 else 1.0
    x0 = float(ms.min()) - step
    lo, hi = result.original
    ax.errorbar(
        [x0], [(lo + hi) / 2], yerr=[[(hi - lo) / 2], [(hi - lo) / 2]], fmt="none",
        ecolor="black", capsize=4, label="original (parallel trends)",
    )
    mid = (tab["ci_low"] + tab["ci_high"]) / 2
    half = (tab["ci_high"] - tab["ci_low"]) / 2
    ax.errorbar(
        ms, mid, yerr=[half, half], fmt="none", ecolor="tab:blue", capsize=4,
        label=f"robust ({result.method})",
    )
    ax.axhline(0.0, color="grey", lw=0.8, ls="--")
    ax.set_xlabel(result.bound_name)
    ax.set_ylabel(f"{100 * (1 - result.alpha):.0f}% confidence set")
    title = "relative magnitudes" if result.restriction == "relative_magnitudes" else "smoothness"
    ax.set_title(f"Sensitivity to parallel-trends violations ({title})")
    ax.legend(loc="best", fontsize="small")
    return ax
