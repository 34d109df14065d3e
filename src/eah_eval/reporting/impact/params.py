"""Parameters of the governance impact report (``analyses/impact_report.ipynb``).

Declared once, here; validated by :func:`eah_eval.reporting.params.parse_params` before any
kernel starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from eah_eval.errors import OptionError
from eah_eval.inference.methods import InferenceMethod
from eah_eval.measures.rollout import MidPeriodRule
from eah_eval.reporting.assurance import SIGN_OFF_DATES, check_assurer, check_dates
from eah_eval.reporting.params import Audience, DisclosureRule, ParameterError

Estimator = Literal["callaway_santanna", "imputation", "twfe", "sun_abraham"]
ComparisonGroup = Literal["not_yet_treated", "never_treated"]
Level = Literal["school", "cluster"]
FamilyAdjustment = Literal["holm", "bonferroni", "none"]

#: Default outcome measures of the impact report (ids in the measures registry).
DEFAULT_MEASURES: tuple[str, ...] = (
    "sen_support_pct",
    "ehc_plan_pct",
    "ehc_requests_per_1000",
    "absence_overall_pct",
    "absence_persistent_pct",
    "suspension_rate",
    "ks2_rwm_expected_pct",
)



@dataclass(frozen=True)
class ReportParams:
    """Parameters of the governance impact report (``analyses/impact_report.ipynb``).

    Parameters
    ----------
    data : str
        Folder holding the council's input tables (one CSV per table). Required.
    title : str
        Report title.
    council : str
        Council name shown on the cover.
    measures : tuple of str
        Outcome measures to report, by registry id.
    comparison_group : {"not_yet_treated", "never_treated"}
        Comparison group for the group-time estimator.
    estimator : {"callaway_santanna", "imputation", "twfe", "sun_abraham"}
        Headline estimator (the others appear under robustness).
    inference : {"wcr", "wild", "multiplier", "cr2", "randomization", "analytic"}
        Method behind *every* interval of the report (headline, event study, waves, pupil
        groups), in the package's one inference vocabulary (:mod:`eah_eval.inference`). The
        default, ``"wcr"`` (restricted wild cluster bootstrap, null imposed, interval by test
        inversion), is the one whose 95% intervals kept 93-97% coverage at 8-12 clusters in the
        coverage study (docs/inference.md); the others under-cover with so few clusters and are
        kept for comparison. Where the chosen method cannot apply to an estimate, the table
        that shows it names the fallback and why.
    family_adjustment : {"holm", "bonferroni", "none"}
        Multiplicity adjustment of the p-values of each family of pupil-group estimates (one
        family per measure and pupil characteristic); stated under each equality table.
    power : float
        Power at which the minimum detectable change is stated (with ``alpha``).
    programme_phases : tuple of str
        School phases the programme serves (default mainstream primary and secondary);
        applied alike to estimation, counts, charts and the synthetic truth.
    mid_period_rule : {"next_full_period", "period_containing", "majority_of_period"}
        Which period is the first treated one when go-live falls inside a period
        (:mod:`eah_eval.measures.rollout`, the one rollout rule).
    allow_draft : bool
        When the consistency check (:func:`eah_eval.reporting.impact.check.check_report`)
        fails, write the report marked "DRAFT - FAILED CHECKS" with the reasons instead of
        stopping with an error.
    level : {"school", "cluster"}
        Unit of the estimation panel.
    first_year : str or None
        First academic year of the analysis, ``"YYYY/YY"``; ``None``: the first in the data.
    last_year : str or None
        Last academic year of the analysis, ``"YYYY/YY"``; ``None``: the last in the data.
    clusters : tuple of str
        Cluster ids to include; empty = all.
    waves : tuple of int
        Rollout waves to include; empty = all.
    subgroups : tuple of str
        Pupil characteristics for the equality review (``fsm``, ``sen_need``, ``ethnicity``,
        ``sex``, ``primary_need``, ``phase``).
    disclosure_rule : {"threshold", "suppress_1_2"}
        Primary suppression rule.
    disclosure_threshold : int
        Smallest count shown when ``disclosure_rule`` is ``"threshold"``.
    audience : {"board", "technical"}
        Board reports hide technical detail; technical ones add diagnostics.
    disclosure_override : str
        Why a board report may use a ``disclosure_threshold`` below the default
        (:data:`BOARD_MIN_THRESHOLD`); required for that, and recorded with the parameters.
    commissioner : str
        Who commissioned the analysis (AQuA role); empty: not recorded.
    analyst : str
        Who carried out the analysis (AQuA role); empty: not recorded.
    assurer : str
        Who assured the analysis (AQuA role), never the analyst; empty: not recorded, and the
        QA record then says the report has not been assured.
    approver : str
        Who approved the report (AQuA role); empty: not recorded.
    seed : int
        Seed for every random draw (bootstrap), recorded in the output.
    bootstrap_reps : int
        Bootstrap replications.
    randomization_measures : tuple of str
        Measures that get randomisation inference over rollout order as a robustness row
        (ids among ``measures``; others are ignored with a note).
    randomization_draws : int
        Assignments of clusters to waves sampled for randomisation inference (all of them are
        enumerated when there are no more than this).
    equality_measures : tuple of str
        Measures broken down by pupil group (``subgroups``) in the equality section.
    equality_min_pupils : int
        Fewest pupils of a group, on average per period, in every rollout wave for that
        group's change to be estimated; smaller groups are described, not estimated.
    alpha : float
        One minus the confidence level of intervals (0.05 gives 95% intervals).
    unit_costs : dict of str -> float
        Unit costs in pounds used by the value-for-money section, by name (stated in the
        report), for example ``{"ehc_needs_assessment": 6000.0}``.
    pdf : bool
        Also print a PDF of the HTML (needs headless Chromium).
    primary_measure : str
        The measure behind the programme's main question (default EHC needs assessment
        requests per 1,000 pupils); the decision page says first whether it can be answered.
    question : str
        The commissioning question the evaluation answers (assurance record, AQuA).
    decision_supported : str
        The decision the report supports (assurance record, AQuA).
    extract_date : str
        Date the data were extracted (ISO ``YYYY-MM-DD``), for the data provenance record;
        empty = not recorded (the record says so).
    commissioner_date : str
        Date the commissioner signed off (``YYYY-MM-DD``); empty = not signed.
    analyst_date : str
        Date the analyst signed off (``YYYY-MM-DD``); empty = not signed.
    assurer_date : str
        Date the assurer signed off (``YYYY-MM-DD``); empty = not signed.
    approver_date : str
        Date the approver signed off (``YYYY-MM-DD``); empty = not signed.
    """

    data: str
    title: str = "Experts at Hand: impact report"
    council: str = "Synthetic council (demonstration data)"
    measures: tuple[str, ...] = DEFAULT_MEASURES
    comparison_group: ComparisonGroup = "not_yet_treated"
    estimator: Estimator = "callaway_santanna"
    inference: InferenceMethod = "wcr"
    family_adjustment: FamilyAdjustment = "holm"
    power: float = 0.8
    programme_phases: tuple[str, ...] = ("primary", "secondary")
    mid_period_rule: MidPeriodRule = "next_full_period"
    allow_draft: bool = False
    level: Level = "school"
    first_year: str | None = None
    last_year: str | None = None
    clusters: tuple[str, ...] = ()
    waves: tuple[int, ...] = ()
    subgroups: tuple[str, ...] = ("fsm", "sen_need", "ethnicity", "sex", "primary_need", "phase")
    disclosure_rule: DisclosureRule = "threshold"
    disclosure_threshold: int = 10
    audience: Audience = "board"
    disclosure_override: str = ""
    commissioner: str = ""
    analyst: str = ""
    assurer: str = ""
    approver: str = ""
    seed: int = 20261130
    bootstrap_reps: int = 9999
    randomization_measures: tuple[str, ...] = ("absence_persistent_pct",)
    randomization_draws: int = 199
    equality_measures: tuple[str, ...] = ("absence_persistent_pct", "suspension_rate")
    equality_min_pupils: int = 100
    alpha: float = 0.05
    unit_costs: dict[str, float] = field(
        default_factory=lambda: {"ehc_needs_assessment": 6000.0, "persistent_absence_case": 0.0}
    )
    pdf: bool = False
    primary_measure: str = "ehc_requests_per_1000"
    question: str = (
        "Has Experts at Hand reduced the escalation of special educational needs to statutory "
        "assessment, and improved attendance and inclusion, in the clusters where it runs?")
    decision_supported: str = "Whether to continue, change or scale Experts at Hand."
    extract_date: str = ""
    commissioner_date: str = ""
    analyst_date: str = ""
    assurer_date: str = ""
    approver_date: str = ""

    def __post_init__(self) -> None:
        check_assurer(self, ParameterError)
        if not 0 < self.power < 1:
            raise ParameterError(f"report parameter 'power' must be in (0, 1); got {self.power}")
        if not 0 < self.alpha < 1:
            raise ParameterError(f"report parameter 'alpha' must be in (0, 1); got {self.alpha}")
        if self.disclosure_threshold < 1:
            raise ParameterError(
                "report parameter 'disclosure_threshold' must be at least 1; got "
                f"{self.disclosure_threshold}"
            )
        if self.bootstrap_reps < 1:
            raise ParameterError(
                f"report parameter 'bootstrap_reps' must be positive; got {self.bootstrap_reps}"
            )
        if self.estimator != "callaway_santanna":
            raise ParameterError(
                "report parameter 'estimator': only 'callaway_santanna' is implemented as the "
                "headline estimator (imputation and two-way fixed effects are shown under "
                f"robustness); got {self.estimator!r}"
            )
        for name in ("randomization_draws", "equality_min_pupils"):
            if getattr(self, name) < 0:
                raise ParameterError(
                    f"report parameter {name!r} must not be negative; got {getattr(self, name)}"
                )
        for name in ("first_year", "last_year"):
            value = getattr(self, name)
            if value is not None:
                from eah_eval.data.periods import academic_year_start

                try:
                    academic_year_start(value)
                except OptionError as exc:
                    raise ParameterError(f"report parameter {name!r}: {exc}") from None
        check_dates(self, SIGN_OFF_DATES, ParameterError)
        allowed = ("fsm", "sen_need", "ethnicity", "sex", "primary_need", "phase")
        bad = [s for s in self.subgroups if s not in allowed]
        if bad:
            raise ParameterError(
                "report parameter 'subgroups' allows 'fsm', 'sen_need', 'ethnicity', 'sex', "
                "'primary_need', 'phase'; "
                f"got {bad}"
            )
        if (self.audience == "board" and self.disclosure_rule == "threshold"
                and self.disclosure_threshold < BOARD_MIN_THRESHOLD
                and not self.disclosure_override.strip()):
            raise ParameterError(
                f"report parameter 'disclosure_threshold' is {self.disclosure_threshold}, below "
                f"the default {BOARD_MIN_THRESHOLD} for a board report; give the reason in "
                "'disclosure_override' (it is recorded with the report) or raise the threshold"
            )
        check_measure_ids(self)


#: Smallest disclosure threshold a board report uses without a recorded override.
BOARD_MIN_THRESHOLD = 10

_MEASURE_PARAMETERS = ("measures", "randomization_measures", "equality_measures")


def check_measure_ids(params: ReportParams) -> None:
    """Refuse measure ids that are not in the measures registry, naming the parameter.

    Raises
    ------
    ParameterError
        For an unknown id in ``measures``, ``randomization_measures``, ``equality_measures``
        or ``primary_measure``, or an empty ``measures``.
    """
    from eah_eval.measures.registry import list_measures  # deferred: the registry is large

    known = {m.id for m in list_measures()}
    chosen = {name: tuple(getattr(params, name)) for name in _MEASURE_PARAMETERS}
    chosen["primary_measure"] = (params.primary_measure,)
    for name, ids in chosen.items():
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise ParameterError(
                f"report parameter {name!r}: unknown measure id(s) "
                f"{', '.join(map(repr, unknown[:5]))}; `eah-eval measures list` shows the ids"
            )
    if not params.measures:
        raise ParameterError("report parameter 'measures' selects no measure")


def check_report_data(params: ReportParams, council: Any) -> None:
    """Check the selections of the parameters against the data, before any kernel starts.

    Parameters
    ----------
    params : ReportParams
        Validated parameters.
    council : eah_eval.data.load.Council
        The loaded data (``clusters`` and ``pupil_census`` are read).

    Raises
    ------
    ParameterError
        If ``clusters`` or ``waves`` name a cluster or wave not in the data, if together they
        select no cluster, or if ``first_year``/``last_year`` select no census year of the
        data; the message names the parameter and lists what the data hold.
    """
    import pandas as pd

    from eah_eval.data.periods import academic_year_label, academic_year_start

    clusters = council.tables["clusters"]
    ids = [str(c) for c in clusters["cluster_id"]]
    waves = sorted({int(w) for w in clusters["rollout_wave"]})
    unknown = [c for c in params.clusters if c not in ids]
    if unknown:
        raise ParameterError(
            f"report parameter 'clusters': {', '.join(map(repr, unknown[:5]))} not in the data "
            f"(clusters: {', '.join(ids[:30])})"
        )
    missing_waves = [w for w in params.waves if w not in waves]
    if missing_waves:
        raise ParameterError(
            f"report parameter 'waves': {', '.join(map(str, missing_waves[:5]))} not in the "
            f"data (rollout waves: {', '.join(map(str, waves))})"
        )
    chosen = clusters
    if params.clusters:
        chosen = chosen[chosen["cluster_id"].isin(params.clusters)]
    if params.waves:
        chosen = chosen[chosen["rollout_wave"].isin(params.waves)]
    if len(chosen) == 0:
        raise ParameterError(
            "report parameters 'clusters' and 'waves' together select no cluster "
            f"(clusters {list(params.clusters)}, waves {list(params.waves)})"
        )
    dates = pd.to_datetime(council.tables["pupil_census"]["census_date"].dropna())
    # academic year of each census date: it starts in September
    years = sorted(int(y) for y in (dates.dt.year - (dates.dt.month < 9)).unique())
    if not years:
        return
    lo = academic_year_start(params.first_year) if params.first_year else years[0]
    hi = academic_year_start(params.last_year) if params.last_year else years[-1]
    if not any(lo <= y <= hi for y in years):
        name = "last_year" if params.last_year and hi < years[0] else "first_year"
        raise ParameterError(
            f"report parameter {name!r}: the years {academic_year_label(lo)} to "
            f"{academic_year_label(hi)} hold no census of the data (census years "
            f"{academic_year_label(years[0])} to {academic_year_label(years[-1])})"
        )
