"""Parameters of the monitoring report, declared once: data, scope, charts, rollout, publishing.

:class:`MonitoringDataParams` holds what
:func:`eah_eval.reporting.monitoring.data.monitoring_data` needs: the input folder, the
clusters, terms and measures charted, the chart conventions
(:class:`eah_eval.monitor.params.ChartConventions`, extended rather than retyped) and the
rollout rule placing each cluster's go-live in a term. :class:`MonitoringReportParams` adds
what publishing needs (title, disclosure control, AQuA roles). The command line validates raw
values against it with :func:`eah_eval.reporting.params.parse_params` before any kernel starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal, get_args

from eah_eval.errors import OptionError
from eah_eval.measures.rollout import MID_PERIOD_RULES, MidPeriodRule
from eah_eval.monitor.params import ChartConventions
from eah_eval.monitor.settings import TwoOfThree
from eah_eval.reporting.assurance import SIGN_OFF_DATES, check_assurer, check_dates
from eah_eval.reporting.params import DisclosureRule, ParameterError
from eah_eval.reporting.suppression import DisclosurePolicy

__all__ = [
    "BACKLOG",
    "COST_PER_REQUEST",
    "DEFAULT_OUTCOMES",
    "DEMAND_PER_FTE",
    "DERIVED_SERIES",
    "EQUALITY_GROUPS",
    "LA_UNIT",
    "OUTCOME_BASELINES",
    "OUTCOME_STANDARDISATIONS",
    "SEASONAL_ADJUSTMENTS",
    "YARDSTICK_TERMLY",
    "MonitoringDataParams",
    "MonitoringReportParams",
]

# parse_params resolves every annotation of the schema, inherited ones included, in this
# module's namespace; keep the names the base class uses importable here.
_ANNOTATION_NAMES = (TwoOfThree,)

#: The unit name of the whole local authority's series (every cluster together).
LA_UNIT = "All clusters"
#: Outcome measures charted by cluster by default (termly, so that charts have enough points).
DEFAULT_OUTCOMES: tuple[str, ...] = (
    "absence_overall_pct",
    "absence_persistent_pct",
    "suspension_rate",
)
#: Pupil breakdowns whose gaps can be monitored (pupil census columns).
EQUALITY_GROUPS: tuple[str, ...] = ("fsm", "sen_provision", "ethnicity_group", "sex")
#: The derived spend series (not a registry measure) that may have a target.
COST_PER_REQUEST = "eah_cost_per_request"
#: Demand against capacity: requests received per practitioner FTE in post (derived series).
DEMAND_PER_FTE = "eah_requests_per_fte"
#: Requests received and still waiting for first support at the end of a term (derived series).
BACKLOG = "eah_waiting_at_term_end"
#: Expert days delivered in a term against a third of the 40/160 yardstick (derived series).
YARDSTICK_TERMLY = "eah_expert_days_vs_yardstick_termly_pct"
#: Series the report derives itself (not registry measures); each may have a target.
DERIVED_SERIES: tuple[str, ...] = (COST_PER_REQUEST, DEMAND_PER_FTE, BACKLOG, YARDSTICK_TERMLY)

OutcomeBaseline = Literal["before_go_live", "rebase_at_go_live", "whole_series"]
#: How an outcome's limits are set by cluster (see :class:`MonitoringDataParams`).
OUTCOME_BASELINES: tuple[str, ...] = get_args(OutcomeBaseline)
SeasonalAdjustment = Literal["additive", "none"]
#: Seasonal adjustment of termly series (see :mod:`eah_eval.monitor.seasonal`).
SEASONAL_ADJUSTMENTS: tuple[str, ...] = get_args(SeasonalAdjustment)
OutcomeStandardisation = Literal["phase", "none"]
#: Standardisation of outcome rates by cluster (see :mod:`~.standardisation`).
OUTCOME_STANDARDISATIONS: tuple[str, ...] = get_args(OutcomeStandardisation)


def _default_targets() -> dict[str, float]:
    return {
        "eah_median_days_to_triage": 10.0,
        "eah_median_days_to_first_support": 30.0,
        "eah_fte_in_post_pct": 95.0,
        "eah_met_without_escalation_pct": 90.0,
        YARDSTICK_TERMLY: 100.0,
    }


@dataclass(frozen=True, kw_only=True)
class MonitoringDataParams(ChartConventions):
    """Parameters of the monitoring data: input folder, scope, chart and rollout conventions.

    The chart conventions ``run_length``, ``two_of_three`` and ``screen_outliers`` are those of
    :class:`eah_eval.monitor.params.ChartConventions` (declared once, there).

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
    outcome_baseline : {"before_go_live", "rebase_at_go_live", "whole_series"}
        Where a cluster's outcome limits come from. ``before_go_live`` (default, Making Data
        Count): from the terms before its first treated term, extended over the terms after
        it, so that a change after go-live shows as special cause; ``rebase_at_go_live``: the
        limits restart at the first treated term (each phase judged against itself);
        ``whole_series``: one set of limits from every term.
    ramp_up_terms : int
        Terms from a cluster's first term of activity that are its start-up phase. Process
        series get their own limits for these terms and are then rebased: the limits of the
        steady phase come from its first ``baseline_terms`` terms.
    baseline_terms : int
        Terms after ramp-up from which a process series' limits are computed (then extended);
        fewer terms available gives limits from those there are (trial limits below 13).
    change_points : dict of str -> tuple of str
        Known change points: unit (cluster id or ``All clusters``) -> terms (``"2026/27
        autumn"``) at which its limits are recalculated, for every series of the unit. Use it
        for a service change, or for a shift the analyst has confirmed.
    seasonal_adjustment : {"additive", "none"}
        Termly outcome series with a clear term-of-year pattern are charted seasonally
        adjusted: each term's value minus the baseline mean of the same term of the year plus
        the baseline mean (``additive``); ``none`` charts the raw values.
    outcome_standardisation : {"phase", "none"}
        Outcome rates by cluster charted standardised for the phase mix (``phase``) or as
        recorded (``none``). ``phase`` is indirect standardisation to the baseline of the
        limits: each term's count against the count the unit's baseline rates for primary,
        secondary and special school pupils give on the term's rolls, so that a change in
        the mix of pupils (a secondary roll growing faster than the primary) is not read as
        a change in the outcome.
    cost_outlier_z : float
        A cluster's cost per expert day in the latest academic year is an outlier when its
        robust z-score (distance from the median of the clusters over 1.4826 x the median
        absolute deviation) is beyond this.
    mid_period_rule : {"next_full_period", "period_containing", "majority_of_period"}
        Which term is a cluster's first treated one when its go-live falls inside a term
        (:func:`eah_eval.measures.rollout.first_treated_period`, the rule the impact
        evaluation uses).
    targets : dict of str -> float
        Targets by measure id (on the measure's scale) for the assurance icons.

    Raises
    ------
    ParameterError
        For a run length other than 7 or 6, a malformed ``first_year``, an unknown measure, an
        unknown equality breakdown or an unknown mid-period rule (the message lists the
        allowed values).
    """

    data: str
    clusters: tuple[str, ...] = ()
    first_year: str | None = None
    outcome_measures: tuple[str, ...] = DEFAULT_OUTCOMES
    equality_measure: str = "absence_persistent_pct"
    equality_groups: tuple[str, ...] = EQUALITY_GROUPS
    outcome_baseline: OutcomeBaseline = "before_go_live"
    ramp_up_terms: int = 3
    baseline_terms: int = 6
    change_points: dict[str, tuple[str, ...]] = field(default_factory=dict)
    seasonal_adjustment: SeasonalAdjustment = "additive"
    outcome_standardisation: OutcomeStandardisation = "phase"
    cost_outlier_z: float = 3.0
    mid_period_rule: MidPeriodRule = "next_full_period"
    targets: dict[str, float] = field(default_factory=_default_targets)

    def __post_init__(self) -> None:
        from eah_eval.data.periods import academic_year_start
        from eah_eval.measures import REGISTRY

        try:
            super().__post_init__()
        except OptionError as exc:
            # one error type for every report parameter, whichever layer checked it
            raise ParameterError(f"report {exc}") from None
        if self.mid_period_rule not in MID_PERIOD_RULES:
            raise ParameterError(
                "report parameter 'mid_period_rule' must be one of "
                f"{', '.join(map(repr, MID_PERIOD_RULES))}; got {self.mid_period_rule!r}"
            )
        if self.first_year is not None:
            try:
                academic_year_start(self.first_year)
            except OptionError as exc:
                raise ParameterError(f"report parameter 'first_year': {exc}") from None
        unknown = [m for m in (*self.outcome_measures, self.equality_measure) if m not in REGISTRY]
        unknown += [m for m in self.targets if m not in REGISTRY and m not in DERIVED_SERIES]
        if unknown:
            raise ParameterError(
                f"report parameters name unknown measure(s) {unknown}; known: "
                f"{', '.join(REGISTRY)}"
            )
        for name, allowed in (("outcome_baseline", OUTCOME_BASELINES),
                              ("seasonal_adjustment", SEASONAL_ADJUSTMENTS),
                              ("outcome_standardisation", OUTCOME_STANDARDISATIONS)):
            if getattr(self, name) not in allowed:
                raise ParameterError(
                    f"report parameter {name!r} must be one of "
                    f"{', '.join(map(repr, allowed))}; got {getattr(self, name)!r}"
                )
        for name in ("ramp_up_terms", "baseline_terms"):
            least = 0 if name == "ramp_up_terms" else 2
            if getattr(self, name) < least:
                raise ParameterError(
                    f"report parameter {name!r} must be at least {least}; got "
                    f"{getattr(self, name)}"
                )
        if not self.cost_outlier_z > 0:
            raise ParameterError(
                f"report parameter 'cost_outlier_z' must be positive; got {self.cost_outlier_z}"
            )
        for unit, terms in self.change_points.items():
            for term in terms:
                year, _, name = str(term).partition(" ")
                try:
                    academic_year_start(year)
                    ok = name in ("autumn", "spring", "summer")
                except OptionError:
                    ok = False
                if not ok:
                    raise ParameterError(
                        f"report parameter 'change_points' for {unit!r}: {term!r} is not a "
                        "term such as '2026/27 autumn'"
                    )
        bad = [g for g in self.equality_groups if g not in EQUALITY_GROUPS]
        if bad:
            raise ParameterError(
                f"report parameter 'equality_groups' allows {', '.join(EQUALITY_GROUPS)}; "
                f"got {bad}"
            )


@dataclass(frozen=True, kw_only=True)
class MonitoringReportParams(MonitoringDataParams):
    """Parameters of the monitoring report (``analyses/monitoring_report.ipynb``).

    The data, scope, chart and rollout parameters are those of :class:`MonitoringDataParams`
    (declared once, there); this class adds what publishing needs.

    Parameters
    ----------
    title : str
        Report title.
    council : str
        Council name shown on the cover.
    disclosure_rule : {"threshold", "suppress_1_2"}
        Primary suppression rule.
    disclosure_threshold : int
        Smallest count shown under ``disclosure_rule="threshold"``.
    exceptions : str or None
        Optional CSV file of the service's narrative for exceptions (cause, action, owner,
        date), one row per measure and unit; its columns are declared in
        ``data_schema/monitoring_exceptions.schema.json``. None = no narrative supplied.
    commissioner, analyst, assurer, approver : str
        AQuA roles (the assurer must not be the analyst). Empty = not recorded, and the report
        then says it has not been quality assured.
    question : str
        The commissioning question the monitoring answers (assurance record, AQuA).
    decision_supported : str
        The decision the report supports (assurance record, AQuA).
    extract_date : str
        Date the data were extracted (``YYYY-MM-DD``), for the data provenance record; empty
        = not recorded (the record says so).
    commissioner_date : str
        Date the commissioner signed off (``YYYY-MM-DD``); empty = not signed.
    analyst_date : str
        Date the analyst signed off (``YYYY-MM-DD``); empty = not signed.
    assurer_date : str
        Date the assurer signed off (``YYYY-MM-DD``); empty = not signed.
    approver_date : str
        Date the approver signed off (``YYYY-MM-DD``); empty = not signed.

    Raises
    ------
    ParameterError
        When the assurer is the analyst, the disclosure threshold is below 1 or a date is not
        ``YYYY-MM-DD``, and for the errors of :class:`MonitoringDataParams`.
    """

    #: Parameters that are paths, read from where the caller stands (or, in a notebook run by
    #: hand, from the repository root): see :func:`eah_eval.reporting.params.resolve_paths`.
    path_parameters: ClassVar[tuple[str, ...]] = ("data", "exceptions")

    title: str = "Experts at Hand: monitoring report"
    council: str = "Synthetic council (demonstration data)"
    disclosure_rule: DisclosureRule = "threshold"
    disclosure_threshold: int = 10
    exceptions: str | None = None
    commissioner: str = ""
    analyst: str = ""
    assurer: str = ""
    approver: str = ""
    question: str = (
        "Is Experts at Hand being delivered as planned in every cluster (demand against "
        "capacity, waits, expert days against the 40/160 yardstick, spend), and are outcomes "
        "moving as expected?")
    decision_supported: str = (
        "Which clusters and measures need action this term, and which risks to raise with "
        "the programme board.")
    extract_date: str = ""
    commissioner_date: str = ""
    analyst_date: str = ""
    assurer_date: str = ""
    approver_date: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        check_dates(self, SIGN_OFF_DATES, ParameterError)
        check_assurer(self, ParameterError)
        if self.disclosure_threshold < 1:
            raise ParameterError(
                "report parameter 'disclosure_threshold' must be at least 1; got "
                f"{self.disclosure_threshold}"
            )

    @property
    def policy(self) -> DisclosurePolicy:
        """The disclosure policy these parameters ask for."""
        return DisclosurePolicy(rule=self.disclosure_rule, threshold=self.disclosure_threshold)
