"""Parameters of the finance report (``analyses/finance_report.ipynb``), declared once.

:class:`FinanceReportParams` holds what the High Needs Block projection needs (data, years,
draws, seed), where the programme's effect comes from (an impact report's ``results.json``,
or an estimate made here with the impact report's method), and what publishing needs (title,
disclosure control, AQuA roles). The command line validates raw values against it with
:func:`eah_eval.reporting.params.parse_params` before any kernel starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from eah_eval.inference.methods import InferenceMethod
from eah_eval.measures.rollout import MID_PERIOD_RULES, MidPeriodRule
from eah_eval.reporting.assurance import SIGN_OFF_DATES, check_assurer, check_dates
from eah_eval.reporting.impact.money_effect import EFFECT_BASES, EffectBasis
from eah_eval.reporting.params import DisclosureRule, ParameterError
from eah_eval.reporting.suppression import DisclosurePolicy

__all__ = ["EFFECT_MEASURE", "FinanceReportParams"]

#: The measure whose estimated change is the programme's effect in the projection.
EFFECT_MEASURE = "ehc_requests_per_1000"

ComparisonGroup = Literal["not_yet_treated", "never_treated"]


@dataclass(frozen=True, kw_only=True)
class FinanceReportParams:
    """Parameters of the finance report (``analyses/finance_report.ipynb``).

    Parameters
    ----------
    data : str
        Folder with the council's input tables, finance tables included. Required.
    title : str
        Report title.
    council : str
        Council name shown on the first page.
    years : int
        Financial years projected after the last year in the data.
    n_draws : int
        Random draws behind every projected number (parameter bootstrap combined with the
        programme effect's range).
    seed : int
        Seed of every random draw (projection and effect bootstrap), recorded in the report.
    scenarios : str or None
        A YAML file of user-defined scenarios (placement-mix shifts, a further change in new
        plans), each projected beside the scenarios without and with the programme; None means
        none (the file's form is in eah_eval.reporting.finance.scenarios).
    impact_results : str or None
        An impact report's results.json whose estimated change in EHC needs assessment
        requests per 1,000 pupils (estimate and range) is the programme's effect; None means
        the change is estimated here from the data with the impact report's method.
    effect_basis : {"auto", "internal", "later_years"}
        Which of the evaluation's estimates is carried into the money: "auto" the comparison
        with other areas in the years when every cluster was live when there is one, else
        the council's own rollout estimate; "internal" or "later_years" that one only
        (eah_eval.reporting.impact.money_effect). The other is shown beside it.
    comparison_group : {"not_yet_treated", "never_treated"}
        Comparison group of the estimate of the programme's effect (as the impact report).
    inference : {"wcr", "wild", "multiplier", "cr2", "randomization", "analytic"}
        Method behind the effect's range (as the impact report; default restricted wild
        cluster bootstrap).
    bootstrap_reps : int
        Bootstrap replications of the effect's range.
    alpha : float
        One minus the confidence level of the effect's range (0.05 gives 95%).
    programme_phases : tuple of str
        School phases the programme serves (as the impact report).
    mid_period_rule : {"next_full_period", "period_containing", "majority_of_period"}
        Which period is a cluster's first treated one when go-live falls inside a period (as
        the impact report).
    disclosure_rule : {"threshold", "suppress_1_2"}
        Primary suppression rule for counts of EHC plans.
    disclosure_threshold : int
        Smallest count shown under disclosure_rule "threshold".
    pdf : bool
        Also print a PDF of the HTML (needs headless Chromium).
    commissioner, analyst, assurer, approver : str
        AQuA roles (the assurer must not be the analyst). Empty = not recorded, and the report
        then says it has not been quality assured.
    question : str
        The commissioning question the projection answers (assurance record, AQuA).
    decision_supported : str
        The decision the report supports (assurance record, AQuA).
    extract_date : str
        Date the data were extracted (YYYY-MM-DD); empty = not recorded.
    commissioner_date : str
        Date the commissioner signed off (YYYY-MM-DD); empty = not signed.
    analyst_date : str
        Date the analyst signed off (YYYY-MM-DD); empty = not signed.
    assurer_date : str
        Date the assurer signed off (YYYY-MM-DD); empty = not signed.
    approver_date : str
        Date the approver signed off (YYYY-MM-DD); empty = not signed.

    Raises
    ------
    ParameterError
        When a number is out of range, a date is not YYYY-MM-DD, the assurer is the analyst,
        or a rule is not one of its allowed values (the message names the parameter).
    """

    #: Parameters that are paths (see :func:`eah_eval.reporting.params.resolve_paths`).
    path_parameters: ClassVar[tuple[str, ...]] = ("data", "impact_results", "scenarios")

    data: str
    title: str = "Experts at Hand: High Needs Block projection"
    council: str = "Synthetic council (demonstration data)"
    years: int = 5
    n_draws: int = 1000
    seed: int = 20261130
    scenarios: str | None = None
    impact_results: str | None = None
    effect_basis: EffectBasis = "auto"
    comparison_group: ComparisonGroup = "not_yet_treated"
    inference: InferenceMethod = "wcr"
    bootstrap_reps: int = 9999
    alpha: float = 0.05
    programme_phases: tuple[str, ...] = ("primary", "secondary")
    mid_period_rule: MidPeriodRule = "next_full_period"
    disclosure_rule: DisclosureRule = "threshold"
    disclosure_threshold: int = 10
    pdf: bool = False
    commissioner: str = ""
    analyst: str = ""
    assurer: str = ""
    approver: str = ""
    question: str = (
        "What would Experts at Hand do to the number of EHC plans, high-needs spend and the "
        "council's cumulative Dedicated Schools Grant position over the next five years, and "
        "when would it pay for itself?")
    decision_supported: str = (
        "Whether to fund Experts at Hand from the High Needs Block, and what to put in the "
        "Dedicated Schools Grant management plan.")
    extract_date: str = ""
    commissioner_date: str = ""
    analyst_date: str = ""
    assurer_date: str = ""
    approver_date: str = ""

    def __post_init__(self) -> None:
        check_dates(self, SIGN_OFF_DATES, ParameterError)
        check_assurer(self, ParameterError)
        for name, least in (("years", 1), ("n_draws", 2), ("bootstrap_reps", 1),
                            ("disclosure_threshold", 1)):
            if getattr(self, name) < least:
                raise ParameterError(
                    f"report parameter {name!r} must be at least {least}; got "
                    f"{getattr(self, name)}")
        if self.years > 15:
            raise ParameterError(
                f"report parameter 'years' must be at most 15 (a projection further out "
                f"rests on nothing the data can show); got {self.years}")
        if not 0 < self.alpha < 1:
            raise ParameterError(f"report parameter 'alpha' must be in (0, 1); got {self.alpha}")
        if self.effect_basis not in EFFECT_BASES:
            raise ParameterError(
                "report parameter 'effect_basis' must be one of "
                f"{', '.join(map(repr, EFFECT_BASES))}; got {self.effect_basis!r}")
        if self.mid_period_rule not in MID_PERIOD_RULES:
            raise ParameterError(
                "report parameter 'mid_period_rule' must be one of "
                f"{', '.join(map(repr, MID_PERIOD_RULES))}; got {self.mid_period_rule!r}")

    @property
    def policy(self) -> DisclosurePolicy:
        """The disclosure policy these parameters ask for."""
        return DisclosurePolicy(rule=self.disclosure_rule, threshold=self.disclosure_threshold)

    @property
    def level(self) -> float:
        """Confidence level of the effect's range (``1 - alpha``)."""
        return 1.0 - self.alpha
