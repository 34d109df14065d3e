"""Parameters of the monitoring report (``analyses/monitoring_report.ipynb``), declared once.

The command line validates raw values against :class:`MonitorParams` with
:func:`eah_eval.reporting.params.parse_params` before any kernel starts (unknown, missing and
ill-typed parameters are refused there); the notebook rebuilds the dataclass from the injected
dictionary, so no default is typed twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from eah_eval.errors import OptionError

TwoOfThreeParam = Literal["nhse_2023", "nhsr"]
DisclosureRuleParam = Literal["threshold", "suppress_1_2"]

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
    """Parameters of the monitoring report.

    Parameters
    ----------
    data : str
        Folder with the council's input tables. Required.
    title : str
        Report title.
    council : str
        Council name shown on the cover.
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
    disclosure_rule : {"threshold", "suppress_1_2"}
        Primary suppression rule.
    disclosure_threshold : int
        Smallest count shown under ``disclosure_rule="threshold"``.
    commissioner, analyst, assurer, approver : str
        AQuA roles (the assurer must not be the analyst).
    """

    data: str
    title: str = "Experts at Hand: monitoring report"
    council: str = "Synthetic council (demonstration data)"
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
    disclosure_rule: DisclosureRuleParam = "threshold"
    disclosure_threshold: int = 10
    commissioner: str = ""
    analyst: str = ""
    assurer: str = ""
    approver: str = ""

    def __post_init__(self) -> None:
        from eah_eval.data.periods import academic_year_start
        from eah_eval.measures import REGISTRY

        if self.analyst and self.assurer and self.analyst.strip() == self.assurer.strip():
            raise OptionError(
                "report parameter 'assurer' must not be the analyst (AQuA); "
                f"both are {self.analyst!r}"
            )
        if self.run_length not in (6, 7):
            raise OptionError(
                f"report parameter 'run_length' must be 7 or 6; got {self.run_length}"
            )
        if self.disclosure_threshold < 1:
            raise OptionError(
                "report parameter 'disclosure_threshold' must be at least 1; got "
                f"{self.disclosure_threshold}"
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
