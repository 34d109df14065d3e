"""Conventions shared by a set of control charts: run length, two-of-three rule, screening.

A report charts many series with the same conventions; :class:`ChartConventions` holds them
once, validated, and hands them to :func:`eah_eval.monitor.summary.charts_by_unit` as keyword
options. It knows no measure and no report: the monitoring report's parameters
(:mod:`eah_eval.reporting.monitoring.params`) extend it with the data, the scope and the
publishing choices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eah_eval.errors import OptionError, check_option
from eah_eval.monitor.settings import (
    RUN_LENGTHS,
    TWO_OF_THREE_CONVENTIONS,
    TwoOfThree,
    make_settings,
)

__all__ = ["ChartConventions"]


@dataclass(frozen=True)
class ChartConventions:
    """Control-chart conventions shared by every chart of a set.

    Parameters
    ----------
    run_length : int
        N for the trend and shift rules (7 or 6).
    two_of_three : {"nhse_2023", "nhsr"}
        Two-of-three convention (see :mod:`eah_eval.monitor.rules`).
    screen_outliers : bool
        Screen large moving ranges (NHSRplotthedots' default; NHS England's tool does not).

    Raises
    ------
    OptionError
        For a run length other than 7 or 6 or an unknown two-of-three convention (the message
        lists the allowed values).

    Examples
    --------
    >>> ChartConventions(run_length=6).options()
    {'run_length': 6, 'two_of_three': 'nhse_2023', 'screen_outliers': False}
    """

    run_length: int = 7
    two_of_three: TwoOfThree = "nhse_2023"
    screen_outliers: bool = False

    def __post_init__(self) -> None:
        if self.run_length not in RUN_LENGTHS:
            raise OptionError(f"parameter 'run_length' must be 7 or 6; got {self.run_length}")
        check_option("parameter 'two_of_three'", self.two_of_three, TWO_OF_THREE_CONVENTIONS)

    def options(self) -> dict[str, Any]:
        """Keyword options for :func:`eah_eval.monitor.summary.charts_by_unit`."""
        return {
            "run_length": self.run_length,
            "two_of_three": self.two_of_three,
            "screen_outliers": self.screen_outliers,
        }

    def describe(self) -> str:
        """One sentence stating the conventions shared by every chart (no series choices)."""
        return make_settings(
            chart="xmr", improvement_direction="none", target=None, rebase=None,
            fix_after_n_points=None, trial_threshold=13, **self.options(),
        ).describe(series=False)
