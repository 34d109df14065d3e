"""The chart drawing: shapes and words besides colour, active title, trial-limits note."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from eah_eval.errors import TrialLimitsWarning
from eah_eval.monitor import VARIATION_ICONS, plot, xmr

BASE = [11.0, 9.0] * 7


def _texts(ax) -> str:
    return " ".join(t.get_text() for t in ax.texts)


def test_plot_shows_meaning_in_shape_and_words() -> None:
    chart = xmr([*BASE, 20.0, 1.0, 10.0], improvement_direction="higher", target=12.0,
                fix_after_n_points=14, measure="Requests per school")
    ax = plot(chart)
    try:
        assert ax.get_title(loc="left") == chart.active_title()
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        for ptype in ("common_cause", "special_cause_improvement", "special_cause_concern"):
            assert VARIATION_ICONS[ptype].text in legend
        assert "Target (12)" in legend and "Process limits" in legend
        assert "Variation: Common cause variation" in _texts(ax)
        assert "Assurance: Target hit and miss" in _texts(ax)
        # each point type drawn with its own marker path
        paths = {c.get_label(): c.get_paths()[0].vertices.shape for c in ax.collections}
        assert len(set(paths.values())) == len(paths) == 3
    finally:
        plt.close(ax.figure)


def test_plot_says_trial_limits_and_recalculation() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrialLimitsWarning)
        chart = xmr([10.0, 12.0] * 7 + [20.0, 24.0] * 4, rebase=[15])
    fig, ax = plt.subplots()
    try:
        assert plot(chart, ax=ax, title="Custom") is ax
        assert ax.get_title(loc="left") == "Custom"
        assert "TRIAL LIMITS" in _texts(ax)
        assert "limits recalculated" in _texts(ax)
    finally:
        plt.close(fig)


@pytest.mark.parametrize("near", [True, False])
def test_near_limit_lines_optional(near: bool) -> None:
    chart = xmr(BASE)
    ax = plot(chart, show_near_limits=near)
    try:
        labels = [ln.get_label() for ln in ax.get_lines()]
        assert ("Near-limit lines (2/3)" in labels) is near
    finally:
        plt.close(ax.figure)
