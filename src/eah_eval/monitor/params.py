"""What the monitoring charts are computed from, declared once: data, scope and chart rules.

:class:`MonitorParams` holds only what :func:`eah_eval.monitor.report.monitoring_data` needs.
The monitoring report extends it with the publishing parameters (title, disclosure control,
AQuA roles) in :class:`eah_eval.reporting.monitoring.MonitoringReportParams`, which the
command line validates with :func:`eah_eval.reporting.params.parse_params` before any kernel
starts; nothing here imports the reporting layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from eah_eval.errors import OptionError

TwoOfThreeParam = Literal["nhse_2023", "nhsr"]

#: Outcome measures charted by cluster by default (termly, so that charts have enough points).
DEFAULT_OUTCOMES: tuple[str, ...] = (
    "absence_overall_pct",
    "absence_persistent_pct",
    "suspension_rate",
)
EQUALITY_GROUPS: tuple[str, ...] = ("fsm", "sen_provision", "ethnicity_group", "sex")


def _default_targets() -> dict[str, float]:
    return {
        "eah_median_days_to_triage": 10.0,
        "eah_median_days_to_first_support": 30.0,
        "eah_fte_in_post_pct": 95.0,
        "eah_met_without_escalation_pct": 90.0,
    }


@dataclass(frozen=True)
class MonitorParams:
    """Parameters of the monitoring data: input folder, scope and control-chart conventions.

    Parameters
    ----------
    data : str
        Folder with the council's input tables. Required.
    clusters : tuple of str
        Cluster ids to include; empty = all.
    first_year : str or None
        First academic year ``"YYYY/YY"`` charted; None = all.
    outcome_measures : tuple of str
        Termly outcome measures charted by cluster (registry ids).
    equality_measure : str
        Outcome measure whose gaps between pupil groups are monitored.
    equality_groups : tuple of str
        Breakdowns for the equality gaps (``fsm``, ``sen_provision``, ``ethnicity_group``,
        ``sex``).
    run_length : int
        N for the trend and shift rules (7 or 6).
    two_of_three : {"nhse_2023", "nhsr"}
        Two-of-three convention.
    screen_outliers : bool
        Screen large moving ranges (NHSRplotthedots' default; NHS England's tool does not).
    rebase_at_go_live : bool
        Recalculate each cluster's outcome limits from its go-live term.
    targets : dict of str -> float
        Targets by measure id (on the measure's scale) for the assurance icons.

    Raises
    ------
    OptionError
        For a run length other than 7 or 6, a malformed ``first_year``, an unknown measure or
        an unknown equality breakdown (the message lists the allowed values).
    """

    data: str
    clusters: tuple[str, ...] = ()
    first_year: str | None = None
    outcome_measures: tuple[str, ...] = DEFAULT_OUTCOMES
    equality_measure: str = "absence_persistent_pct"
    equality_groups: tuple[str, ...] = EQUALITY_GROUPS
    run_length: int = 7
    two_of_three: TwoOfThreeParam = "nhse_2023"
    screen_outliers: bool = False
    rebase_at_go_live: bool = True
    targets: dict[str, float] = field(default_factory=_default_targets)

    def __post_init__(self) -> None:
        from eah_eval.data.periods import academic_year_start
        from eah_eval.measures import REGISTRY

        if self.run_length not in (6, 7):
            raise OptionError(
                f"report parameter 'run_length' must be 7 or 6; got {self.run_length}"
            )
        if self.first_year is not None:
            try:
                academic_year_start(self.first_year)
            except OptionError as exc:
                raise OptionError(f"report parameter 'first_year': {exc}") from None
        unknown = [m for m in (*self.outcome_measures, self.equality_measure) if m not in REGISTRY]
        unknown += [m for m in self.targets if m not in REGISTRY and m != "eah_cost_per_request"]
        if unknown:
            raise OptionError(
                f"report parameters name unknown measure(s) {unknown}; known: "
                f"{', '.join(REGISTRY)}"
            )
        bad = [g for g in self.equality_groups if g not in EQUALITY_GROUPS]
        if bad:
            raise OptionError(
                f"report parameter 'equality_groups' allows {', '.join(EQUALITY_GROUPS)}; "
                f"got {bad}"
            )
