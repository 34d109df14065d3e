"""The registry: every measure eah-eval computes, declared once.

Definitions follow the DfE statistics methodology pages (schools, pupils and their
characteristics; special educational needs in England; pupil absence in schools in England;
suspensions and permanent exclusions in England; education, health and care plans (SEN2);
key stage 2 attainment) and, for process measures, the council's own Experts at Hand records.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from eah_eval.errors import OptionError
from eah_eval.measures.definitions import PUPIL_GROUPS, Level, Measure, Period

_ALL_LEVELS: tuple[Level, ...] = ("school", "cluster", "wave", "la")
_ABOVE_SCHOOL: tuple[Level, ...] = ("cluster", "wave", "la")
_CENSUS_PERIODS: tuple[Period, ...] = ("census", "academic_year", "calendar_year")
_HEADCOUNT = (
    "January census headcount: pupils on roll on the January school census day (all ages and "
    "year groups, one record per pupil) at the unit's schools"
)
_IDENTIFICATION = (
    "Early help may at first raise recorded need (the identification effect: needs are "
    "noticed and recorded sooner), so a rise soon after go-live is not by itself a failure"
)
_ABSENCE_NOTES = (
    "Ages 5 to 15 (age on 31 August before the academic year), as in DfE absence statistics, "
    "which cover pupils of compulsory school age for overall, persistent and severe absence "
    "alike (4-year-olds and pupils aged 16 and over are excluded).",
    "Enrolments with zero possible sessions are excluded.",
    "By term the basis is an option: 'termly' (each term alone) or 'cumulative' (academic "
    "year to date); by academic year the whole year is used.",
    "Pupil groups come from the pupil's January census record of the same academic year; "
    "pupils without one are grouped as 'unknown'.",
)
_DFE_EXCLUSION_TERMS = (
    "term and academic year by DfE's exclusions calendar: autumn 1 Aug-31 Dec, spring "
    "1 Jan-Easter Sunday, summer Easter Monday-31 Jul; academic year 1 Aug-31 Jul"
)
_DFE_EXCLUSION_SOURCE = (
    " Terms as the school census collects exclusions: autumn 1 August-31 December, spring "
    "1 January-Easter Sunday, summer Easter Monday-31 July ('Pupil exclusion statistics: "
    "methodology', section 4.1)."
)
_EXCLUSION_TERMS_NOTE = (
    "Terms and academic years follow DfE's exclusions calendar by default, the dates by which "
    "the school census assigns an exclusion to a term (DfE, 'Pupil exclusion statistics: "
    "methodology', section 4.1): autumn 1 August-31 December, spring 1 January-Easter Sunday, "
    "summer Easter Monday-31 July, so the academic year runs 1 August-31 July (a suspension "
    "on 15 August 2025 is in autumn 2025/26). MeasureOptions(exclusion_calendar='standard') "
    "uses the package's calendar instead (autumn 1 Sep-31 Dec, spring 1 Jan-31 Mar, summer "
    "1 Apr-31 Aug), under which a suspension between 1 April and Easter Sunday, or in "
    "August, falls in another term (an August one in another academic year) than in DfE "
    "tables. The January headcount of an academic year is the same under both."
)
_EVENT_GROUP_NOTE = (
    "Pupil groups come from the pupil's January census record of the academic year in which "
    "the event falls; pupils without one are grouped as 'unknown'."
)
_EXCLUSION_GROUP_NOTE = (
    "Pupil groups come from the pupil's January census record of the academic year in which "
    "the exclusion falls on the calendar used; pupils without one are grouped as 'unknown'."
)
_SPECIAL_TYPES_NOTE = (
    "Special settings are establishment types la_special, academy_special, "
    "non_maintained_special and independent_special."
)
_MAINSTREAM_NOTE = (
    "Schools served by the programme: mainstream schools, i.e. not a special school (la_special, "
    "academy_special, non_maintained_special, independent_special), not a pupil referral unit "
    "and not of phase special or alternative_provision; open on at least one day of the period "
    "(open_date / close_date). Predecessor and successor URNs count as one school."
)

_MEASURES: tuple[Measure, ...] = (
    Measure(
        id="sen_support_pct",
        title="Pupils with SEN support (%)",
        description=(
            "Share of pupils on roll at the January census who receive SEN support "
            "(special educational needs without an EHC plan)."
        ),
        numerator="Pupils with SEN provision code K (SEN support) on the January census",
        denominator=_HEADCOUNT,
        scale="percent",
        statistic="ratio",
        periods=_CENSUS_PERIODS,
        levels=_ALL_LEVELS,
        groups=tuple(g for g in PUPIL_GROUPS if g != "sen_provision"),
        source_tables=("pupil_census", "schools"),
        direction="none",
        direction_reason=(
            "No direction: the programme aims to meet needs early in mainstream, which can "
            "raise SEN support at first (identification effect) and later lower escalation; "
            "read alongside EHC plan % and requests."
        ),
        min_denominator=10,
        official_definition=(
            "DfE 'Special educational needs in England': pupils with SEN support (provision K) "
            "/ headcount x 100, January school census."
        ),
        notes=(
            "Only January census dates are used; other census dates are excluded.",
            "Calendar-year periods use the census in January of that year.",
        ),
        pupil_based=True,
    ),
    Measure(
        id="ehc_plan_pct",
        title="Pupils with an EHC plan (%)",
        description="Share of pupils on roll at the January census who have an EHC plan.",
        numerator="Pupils with SEN provision code E (EHC plan) on the January census",
        denominator=_HEADCOUNT,
        scale="percent",
        statistic="ratio",
        periods=_CENSUS_PERIODS,
        levels=_ALL_LEVELS,
        groups=tuple(g for g in PUPIL_GROUPS if g != "sen_provision"),
        source_tables=("pupil_census", "schools"),
        direction="lower_better",
        direction_reason=(
            "Lower is better over the long run (needs met without statutory plans), but "
            + _IDENTIFICATION.lower()
            + "; judge against the comparison group."
        ),
        min_denominator=10,
        official_definition=(
            "DfE 'Special educational needs in England': pupils with an EHC plan (provision E) "
            "/ headcount x 100, January school census."
        ),
        notes=("Only January census dates are used; other census dates are excluded.",),
        pupil_based=True,
    ),
    Measure(
        id="ehc_requests_per_1000",
        title="EHC needs assessment requests per 1,000 pupils",
        description=(
            "Requests for an EHC needs assessment received by the LA, per 1,000 pupils on roll."
        ),
        numerator=(
            "EHC needs assessment requests received in the period (received_date), linked to "
            "the school the child attended when the request was received (URN)"
        ),
        denominator=(
            _HEADCOUNT + " in January of the same calendar year (for academic years: the "
            "January census of that academic year)"
        ),
        scale="per_1000",
        statistic="ratio",
        periods=("calendar_year", "academic_year"),
        levels=_ALL_LEVELS,
        groups=PUPIL_GROUPS,
        source_tables=("ehc_requests", "pupil_census", "schools"),
        direction="lower_better",
        direction_reason=(
            "Lower is better (needs met without statutory escalation), but "
            + _IDENTIFICATION.lower()
            + " and requests can rise at first."
        ),
        min_denominator=10,
        official_definition=(
            "DfE SEN2 (person-level since 2023): initial requests for an EHC needs assessment "
            "received in the calendar year; rate per 1,000 pupils on the January census."
        ),
        notes=(
            "SEN2 publishes counts of requests for all children and young people aged 0-25; "
            "the rate per 1,000 pupils on roll is this package's construction, counting only "
            "requests linked to a school by URN so that numerator and denominator cover the "
            "same schools.",
            _EVENT_GROUP_NOTE,
        ),
        pupil_based=True,
    ),
    Measure(
        id="ehc_new_plans_per_1000",
        title="New EHC plans issued per 1,000 pupils",
        description="New EHC plans issued by the LA in the period, per 1,000 pupils on roll.",
        numerator="EHC plans issued in the period (plan_issued_date) for requests from the unit",
        denominator=_HEADCOUNT + " in January of the same calendar (or academic) year",
        scale="per_1000",
        statistic="ratio",
        periods=("calendar_year", "academic_year"),
        levels=_ALL_LEVELS,
        groups=PUPIL_GROUPS,
        source_tables=("ehc_requests", "pupil_census", "schools"),
        direction="lower_better",
        direction_reason=(
            "Lower is better if needs are met earlier without a plan; the identification "
            "effect can raise it at first."
        ),
        min_denominator=10,
        official_definition=(
            "DfE SEN2: new EHC plans made during the calendar year; rate per 1,000 pupils on "
            "the January census."
        ),
        notes=(_EVENT_GROUP_NOTE,),
        pupil_based=True,
    ),
    Measure(
        id="ehc_decided_within_6wk_pct",
        title="EHC needs assessment requests decided within 6 weeks (%)",
        description=(
            "Share of decisions whether to assess made within 6 weeks (42 days) of the request."
        ),
        numerator="Decisions (assess or not assess) made within 42 days of received_date",
        denominator=(
            "Decisions (assess or not assess) made in the period (decision_date); pending and "
            "withdrawn requests are excluded"
        ),
        scale="percent",
        statistic="ratio",
        periods=("calendar_year", "academic_year"),
        levels=_ALL_LEVELS,
        groups=PUPIL_GROUPS,
        source_tables=("ehc_requests", "pupil_census", "schools"),
        direction="higher_better",
        direction_reason=(
            "Higher is better: the SEND Regulations 2014 require the decision by week 6."
        ),
        min_denominator=10,
        official_definition=(
            "SEND Regulations 2014 / SEND Code of Practice: decide whether to assess within "
            "6 weeks of the request."
        ),
        notes=("A decision on day 42 counts as within 6 weeks.", _EVENT_GROUP_NOTE),
        pupil_based=True,
    ),
    Measure(
        id="ehc_20wk_incl_exceptions_pct",
        title="New EHC plans issued within 20 weeks, including exceptions (%)",
        description=(
            "Share of new EHC plans issued within 20 weeks (140 days) of the request; all plans."
        ),
        numerator="New plans issued within 140 days of received_date",
        denominator="New plans issued in the period (plan_issued_date), exceptions included",
        scale="percent",
        statistic="ratio",
        periods=("calendar_year", "academic_year"),
        levels=("la",),
        groups=PUPIL_GROUPS,
        source_tables=("ehc_requests", "pupil_census", "schools"),
        direction="higher_better",
        direction_reason="Higher is better: the statutory limit is 20 weeks.",
        min_denominator=10,
        official_definition=(
            "DfE SEN2 'EHC plans issued within 20 weeks, including exceptions': plans issued "
            "within 20 weeks / all new plans issued in the calendar year x 100 (published "
            "fields plans_issued_within_20_weeks / plans_issued_den)."
        ),
        notes=(
            "Local-authority level only: timeliness is the LA's statutory process, not a "
            "cluster outcome.",
            "Clock: decide by week 6, draft by week 16, final plan by week 20.",
            _EVENT_GROUP_NOTE,
        ),
        pupil_based=True,
    ),
    Measure(
        id="ehc_20wk_excl_exceptions_pct",
        title="New EHC plans issued within 20 weeks, excluding exceptions (%)",
        description=(
            "Share of new EHC plans issued within 20 weeks, leaving out cases where an "
            "exception to the time limit applies (SEND Regulations 2014, reg. 13(3))."
        ),
        numerator="New plans without an exception issued within 140 days of received_date",
        denominator="New plans issued in the period (plan_issued_date) without an exception",
        scale="percent",
        statistic="ratio",
        periods=("calendar_year", "academic_year"),
        levels=("la",),
        groups=PUPIL_GROUPS,
        source_tables=("ehc_requests", "pupil_census", "schools"),
        direction="higher_better",
        direction_reason="Higher is better: the statutory limit is 20 weeks.",
        min_denominator=10,
        official_definition=(
            "DfE SEN2 'EHC plans issued within 20 weeks, excluding exceptions': plans without "
            "an exception issued within 20 weeks / new plans issued in the calendar year "
            "without an exception x 100 (fields plans_issued_20_weeks_ex / "
            "plans_issued_den_ex)."
        ),
        notes=(
            "Local-authority level only.",
            "Plans where an exception applies are removed from numerator and denominator.",
            _EVENT_GROUP_NOTE,
        ),
        pupil_based=True,
    ),
    Measure(
        id="ehc_special_placement_pct",
        title="Pupils with EHC plans placed in special schools (%)",
        description=(
            "Share of pupils with an EHC plan on the January census who attend a special "
            "school (maintained, academy, non-maintained or independent special)."
        ),
        numerator="Pupils with provision E on the January census at a special setting",
        denominator="Pupils with provision E (active EHC plans) on the January census",
        scale="percent",
        statistic="ratio",
        periods=_CENSUS_PERIODS,
        levels=_ABOVE_SCHOOL,
        groups=tuple(g for g in PUPIL_GROUPS if g not in ("sen_provision", "phase")),
        source_tables=("pupil_census", "schools"),
        direction="lower_better",
        direction_reason=(
            "Lower is better: the programme aims to meet needs in mainstream; a special "
            "placement is right for some children, so judge trends, not single values."
        ),
        min_denominator=10,
        official_definition=(
            "DfE 'Education, health and care plans' (SEN2): placements of children with EHC "
            "plans by type of setting, January."
        ),
        notes=(
            _SPECIAL_TYPES_NOTE,
            "Not computed per school (a school's share is 0 or 100).",
            "DfE's placement table covers every EHC plan the LA maintains (ages 0-25, in and "
            "out of school); here the denominator is pupils with an EHC plan on the census "
            "records supplied (school-age pupils at the schools listed, including independent "
            "special schools when their records are supplied).",
        ),
        pupil_based=True,
    ),
    Measure(
        id="ehc_independent_special_placement_pct",
        title="Pupils with EHC plans placed in independent special schools (%)",
        description=(
            "Share of pupils with an EHC plan on the January census who attend an independent "
            "special school (the costliest placements)."
        ),
        numerator=(
            "Pupils with provision E on the January census at an establishment of type "
            "independent_special"
        ),
        denominator="Pupils with provision E (active EHC plans) on the January census",
        scale="percent",
        statistic="ratio",
        periods=_CENSUS_PERIODS,
        levels=_ABOVE_SCHOOL,
        groups=tuple(g for g in PUPIL_GROUPS if g not in ("sen_provision", "phase")),
        source_tables=("pupil_census", "schools"),
        direction="lower_better",
        direction_reason="Lower is better: needs met in local maintained or mainstream settings.",
        min_denominator=10,
        official_definition=(
            "DfE SEN2 placement of children with EHC plans: independent special schools."
        ),
        notes=("Non-maintained special schools are counted in the special measure, not here.",),
        pupil_based=True,
    ),
    Measure(
        id="absence_overall_pct",
        title="Overall absence rate (%)",
        description=(
            "Sessions missed (authorised and unauthorised) as a share of possible sessions."
        ),
        numerator="Authorised plus unauthorised absence sessions",
        denominator="Possible sessions (2 a day)",
        scale="percent",
        statistic="ratio",
        periods=("term", "academic_year"),
        levels=_ALL_LEVELS,
        groups=PUPIL_GROUPS,
        source_tables=("attendance", "pupil_census", "schools"),
        direction="lower_better",
        direction_reason="Lower is better: attendance is an aim of the programme.",
        min_denominator=10,
        official_definition=(
            "DfE 'Pupil absence in schools in England': overall absence = absence sessions / "
            "possible sessions x 100."
        ),
        notes=_ABSENCE_NOTES,
        pupil_based=True,
    ),
    Measure(
        id="absence_persistent_pct",
        title="Persistent absence (%)",
        description=(
            "Share of enrolments missing 10% or more of their own possible sessions."
        ),
        numerator="Enrolments with absence sessions >= 10% of their possible sessions",
        denominator=(
            "Enrolments (pupil x school x period) aged 5-15 with more than zero possible sessions"
        ),
        scale="percent",
        statistic="ratio",
        periods=("term", "academic_year"),
        levels=_ALL_LEVELS,
        groups=PUPIL_GROUPS,
        source_tables=("attendance", "pupil_census", "schools"),
        direction="lower_better",
        direction_reason="Lower is better.",
        min_denominator=10,
        official_definition=(
            "DfE 'Pupil absence in schools in England': persistent absentees miss 10% or more "
            "of their own possible sessions; enrolment-based."
        ),
        notes=(
            *_ABSENCE_NOTES,
            "A pupil at two schools is two enrolments; a URN change keeps one enrolment.",
            "By term each attendance record (pupil, URN, academic year, term: the table's "
            "primary key) is one enrolment; a pupil's records under a predecessor and a "
            "successor URN in one term are summed into one enrolment before the 10% test.",
        ),
        pupil_based=True,
    ),
    Measure(
        id="absence_severe_pct",
        title="Severe absence (%)",
        description="Share of enrolments missing 50% or more of their own possible sessions.",
        numerator="Enrolments with absence sessions >= 50% of their possible sessions",
        denominator=(
            "Enrolments (pupil x school x period) aged 5-15 with more than zero possible sessions"
        ),
        scale="percent",
        statistic="ratio",
        periods=("term", "academic_year"),
        levels=_ALL_LEVELS,
        groups=PUPIL_GROUPS,
        source_tables=("attendance", "pupil_census", "schools"),
        direction="lower_better",
        direction_reason="Lower is better.",
        min_denominator=10,
        official_definition=(
            "DfE 'Pupil absence in schools in England': severely absent pupils miss 50% or "
            "more of their own possible sessions; enrolment-based."
        ),
        notes=(
            *_ABSENCE_NOTES,
            "Enrolments as for persistent absence (a URN change keeps one enrolment).",
        ),
        pupil_based=True,
    ),
    Measure(
        id="suspension_rate",
        title="Suspension rate (per 100 pupils)",
        description="Suspensions (fixed-period exclusions) per 100 pupils on roll in January.",
        numerator=(
            "Suspensions starting in the period (start_date), at the suspending school; "
            + _DFE_EXCLUSION_TERMS
        ),
        denominator=_HEADCOUNT + " of the same academic year",
        scale="percent",
        statistic="ratio",
        periods=("term", "academic_year"),
        levels=_ALL_LEVELS,
        groups=PUPIL_GROUPS,
        source_tables=("suspensions", "pupil_census", "schools"),
        direction="lower_better",
        direction_reason="Lower is better: inclusion is an aim of the programme.",
        min_denominator=10,
        official_definition=(
            "DfE 'Suspensions and permanent exclusions in England': suspensions / headcount "
            "x 100, the headcount being pupils on roll at the January census of the academic "
            "year for termly and annual rates alike; published termly, two terms in arrears."
            + _DFE_EXCLUSION_SOURCE
        ),
        notes=(
            "A pupil suspended twice counts twice.",
            _EXCLUSION_TERMS_NOTE,
            "A pupil who moved school counts in the numerator of the suspending school and in "
            "the headcount of the school where the January census recorded them.",
            _EXCLUSION_GROUP_NOTE,
        ),
        pupil_based=True,
        exclusion_terms=True,
    ),
    Measure(
        id="suspension_one_plus_rate",
        title="Pupils with one or more suspensions (%)",
        description="Pupils suspended at least once in the period, per 100 pupils on roll.",
        numerator=(
            "Distinct pupils with at least one suspension starting in the period; "
            + _DFE_EXCLUSION_TERMS
        ),
        denominator=_HEADCOUNT + " of the same academic year",
        scale="percent",
        statistic="ratio",
        periods=("term", "academic_year"),
        levels=_ALL_LEVELS,
        groups=PUPIL_GROUPS,
        source_tables=("suspensions", "pupil_census", "schools"),
        direction="lower_better",
        direction_reason="Lower is better.",
        min_denominator=10,
        official_definition=(
            "DfE 'Suspensions and permanent exclusions in England': one or more suspensions "
            "rate = pupils with at least one suspension / headcount x 100."
            + _DFE_EXCLUSION_SOURCE
        ),
        notes=(
            "A pupil is counted once per unit: at cluster, wave or LA level a pupil suspended "
            "by two schools of the unit counts once.",
            _EXCLUSION_TERMS_NOTE,
            _EXCLUSION_GROUP_NOTE,
        ),
        pupil_based=True,
        exclusion_terms=True,
    ),
    Measure(
        id="permanent_exclusion_rate",
        title="Permanent exclusion rate (per 100 pupils)",
        description="Permanent exclusions per 100 pupils on roll in January.",
        numerator=(
            "Permanent exclusions starting in the period (start_date); " + _DFE_EXCLUSION_TERMS
        ),
        denominator=_HEADCOUNT + " of the same academic year",
        scale="percent",
        statistic="ratio",
        periods=("term", "academic_year"),
        levels=_ALL_LEVELS,
        groups=PUPIL_GROUPS,
        source_tables=("suspensions", "pupil_census", "schools"),
        direction="lower_better",
        direction_reason="Lower is better: inclusion is an aim of the programme.",
        min_denominator=10,
        official_definition=(
            "DfE 'Suspensions and permanent exclusions in England': permanent exclusions / "
            "headcount (January census of the academic year) x 100."
            + _DFE_EXCLUSION_SOURCE
        ),
        notes=(_EXCLUSION_TERMS_NOTE, _EXCLUSION_GROUP_NOTE),
        pupil_based=True,
        exclusion_terms=True,
    ),
    Measure(
        id="ks2_rwm_expected_pct",
        title="KS2 reading, writing and maths at the expected standard (%)",
        description=(
            "Share of KS2 pupils meeting the expected standard in all of reading, writing and "
            "maths (break down by sen_provision for the gap)."
        ),
        numerator="Pupils at the expected standard in reading, writing and maths",
        denominator="Pupils with KS2 results in the academic year (eligible pupils)",
        scale="percent",
        statistic="ratio",
        periods=("academic_year",),
        levels=_ALL_LEVELS,
        groups=PUPIL_GROUPS,
        source_tables=("attainment", "pupil_census", "schools"),
        direction="higher_better",
        direction_reason="Higher is better.",
        min_denominator=10,
        official_definition=(
            "DfE 'Key stage 2 attainment': percentage of pupils meeting the expected standard "
            "in reading, writing and maths."
        ),
        notes=(
            "No KS2 assessments took place in 2019/20 and 2020/21; any such rows are excluded.",
            "KS2 progress measures are paused for 2023/24 to 2025/26 and are not computed.",
            _EVENT_GROUP_NOTE,
        ),
        pupil_based=True,
    ),
    Measure(
        id="ks2_rwm_expected_sen_pct",
        title="KS2 reading, writing and maths at the expected standard, SEN pupils (%)",
        description=(
            "Share of KS2 pupils with SEN (SEN support or EHC plan) meeting the expected "
            "standard in reading, writing and maths."
        ),
        numerator="SEN pupils at the expected standard in reading, writing and maths",
        denominator=(
            "Pupils with KS2 results whose January census record of the same academic year "
            "shows SEN provision K or E"
        ),
        scale="percent",
        statistic="ratio",
        periods=("academic_year",),
        levels=_ALL_LEVELS,
        groups=PUPIL_GROUPS,
        source_tables=("attainment", "pupil_census", "schools"),
        direction="higher_better",
        direction_reason="Higher is better.",
        min_denominator=10,
        official_definition=(
            "DfE 'Key stage 2 attainment' by SEN status: expected standard in reading, writing "
            "and maths for pupils with SEN support or an EHC plan."
        ),
        notes=(
            "Pupils without a January census record that year (SEN status unknown) and pupils "
            "without SEN are excluded.",
            "No KS2 assessments in 2019/20 and 2020/21.",
        ),
        pupil_based=True,
    ),
    Measure(
        id="eah_requests_per_school",
        title="Experts at Hand requests per school",
        description="Requests for Experts at Hand support received per school served.",
        numerator="Experts at Hand requests received in the period (received_date)",
        denominator="Mainstream schools open in the period",
        scale="count",
        statistic="ratio",
        periods=("term", "academic_year", "financial_year", "calendar_year"),
        levels=_ALL_LEVELS,
        groups=("phase",),
        source_tables=("eah_requests", "schools"),
        direction="none",
        direction_reason=(
            "No direction: more requests can mean good take-up and trust (and the "
            "identification effect) as much as unmet need; compare with capacity."
        ),
        min_denominator=1,
        official_definition="Local Experts at Hand records (process measure).",
        notes=(_MAINSTREAM_NOTE, "Requests from other schools are excluded."),
    ),
    Measure(
        id="eah_median_days_to_triage",
        title="Median days from request to triage",
        description="Median number of days between receiving a request and triaging it.",
        numerator="Median of (triaged_date - received_date) in days",
        denominator="Requests received in the period that have been triaged",
        scale="days",
        statistic="median",
        periods=("term", "academic_year", "financial_year", "calendar_year"),
        levels=_ALL_LEVELS,
        groups=("phase",),
        source_tables=("eah_requests", "schools"),
        direction="lower_better",
        direction_reason="Lower is better: timely access is the programme's promise.",
        min_denominator=10,
        official_definition="Local Experts at Hand records (process measure).",
        notes=(
            "Requests not yet triaged are excluded (recent periods may rise as they are).",
            "The numerator column is empty for medians; the denominator is the number of "
            "requests the median is taken over.",
            "Median of an even count is the mean of the two middle values.",
        ),
    ),
    Measure(
        id="eah_median_days_to_first_support",
        title="Median days from request to first support",
        description="Median number of days between receiving a request and the first support.",
        numerator="Median of (first_support_date - received_date) in days",
        denominator="Requests received in the period that have received first support",
        scale="days",
        statistic="median",
        periods=("term", "academic_year", "financial_year", "calendar_year"),
        levels=_ALL_LEVELS,
        groups=("phase",),
        source_tables=("eah_requests", "schools"),
        direction="lower_better",
        direction_reason="Lower is better: timely access is the programme's promise.",
        min_denominator=10,
        official_definition="Local Experts at Hand records (process measure).",
        notes=(
            "Requests without first support yet are excluded.",
            "The numerator column is empty for medians.",
        ),
    ),
    Measure(
        id="eah_met_without_escalation_pct",
        title="Requests met without statutory escalation (%)",
        description=(
            "Share of closed Experts at Hand requests that did not lead to an EHC needs "
            "assessment request."
        ),
        numerator="Closed requests with escalated_to_statutory = false",
        denominator="Requests closed in the period (closed_date)",
        scale="percent",
        statistic="ratio",
        periods=("term", "academic_year", "financial_year", "calendar_year"),
        levels=_ALL_LEVELS,
        groups=("phase",),
        source_tables=("eah_requests", "schools"),
        direction="higher_better",
        direction_reason=(
            "Higher is better (needs met early in mainstream), though some children rightly "
            "need statutory assessment, and the identification effect can bring such needs "
            "to light sooner."
        ),
        min_denominator=10,
        official_definition="Local Experts at Hand records (process measure).",
        notes=("Open requests are excluded: they can still escalate.",),
    ),
    Measure(
        id="eah_expert_days_per_school",
        title="Expert days delivered per school",
        description=(
            "Expert days of Experts at Hand support delivered per mainstream school "
            "(DfE yardstick by April 2029: 40 a year per primary, 160 per secondary)."
        ),
        numerator=(
            "Practitioner hours of Experts at Hand activity in the period / hours per expert "
            "day (default 6.5); statutory_assessment activity excluded"
        ),
        denominator="Mainstream schools open in the period",
        scale="days",
        statistic="ratio",
        periods=("academic_year", "term", "financial_year"),
        levels=_ALL_LEVELS,
        groups=("phase",),
        source_tables=("eah_activity", "schools"),
        direction="higher_better",
        direction_reason=(
            "Higher is better up to the yardstick: it measures input delivered, not outcome."
        ),
        min_denominator=1,
        official_definition=(
            "DfE Schools White Paper 2026 yardstick: about 40 expert days a year per primary "
            "school and 160 per secondary by April 2029."
        ),
        notes=(
            "Statutory EHC needs assessment work is not funded by Experts at Hand and is "
            "excluded.",
            "Activity at schools outside the programme (special, AP) is excluded.",
            _MAINSTREAM_NOTE,
        ),
    ),
    Measure(
        id="eah_expert_days_vs_yardstick_pct",
        title="Expert days delivered against the 40/160 yardstick (%)",
        description=(
            "Expert days delivered to primary and secondary schools as a share of the DfE "
            "yardstick (40 days a year per primary school, 160 per secondary)."
        ),
        numerator=(
            "Expert days (hours / hours per day) delivered to primary and secondary schools; "
            "statutory_assessment activity excluded"
        ),
        denominator=(
            "Yardstick days: 40 per primary and 160 per secondary school open in the period"
        ),
        scale="percent",
        statistic="ratio",
        periods=("academic_year", "financial_year"),
        levels=_ALL_LEVELS,
        groups=("phase",),
        source_tables=("eah_activity", "schools"),
        direction="higher_better",
        direction_reason="Higher is better up to 100% (the yardstick is the aim for 2029).",
        min_denominator=40,
        official_definition=(
            "DfE Schools White Paper 2026: about 40 expert days a year per primary and 160 per "
            "secondary school by April 2029."
        ),
        notes=(
            "Schools of other phases (nursery, middle, all-through, special, AP) have no "
            "yardstick and are excluded from both sides.",
            "Annual yardstick, so only annual periods are allowed.",
        ),
    ),
    Measure(
        id="eah_fte_in_post_pct",
        title="Practitioner FTE in post against plan (%)",
        description="Full-time-equivalent practitioners in post as a share of planned FTE.",
        numerator="FTE in post, summed over the months and roles of the period",
        denominator="Planned FTE, summed over the same months and roles",
        scale="percent",
        statistic="ratio",
        periods=("term", "academic_year", "financial_year", "calendar_year"),
        levels=_ABOVE_SCHOOL,
        groups=(),
        source_tables=("workforce", "clusters", "schools"),
        direction="higher_better",
        direction_reason="Higher is better up to 100%: recruitment delay is a board risk.",
        min_denominator=1,
        official_definition="Local Experts at Hand workforce records (input measure).",
        notes=(
            "A ratio of sums over months, i.e. average FTE in post / average planned FTE.",
            "Clusters map to the LA of their schools.",
        ),
    ),
    Measure(
        id="eah_cost_per_expert_day",
        title="Cost per expert day (£)",
        description="Experts at Hand spend per expert day delivered.",
        numerator=(
            "Spend in pounds (finance, all cost lines except statutory_assessment; refunds "
            "net off)"
        ),
        denominator=(
            "Expert days delivered (activity hours / hours per day, statutory_assessment "
            "excluded)"
        ),
        scale="gbp",
        statistic="ratio",
        periods=("financial_year", "academic_year", "calendar_year", "term"),
        levels=_ABOVE_SCHOOL,
        groups=(),
        source_tables=("finance", "eah_activity", "clusters", "schools"),
        direction="lower_better",
        direction_reason=(
            "Lower is better for value for money provided quality and reach hold; the early "
            "months carry set-up costs."
        ),
        min_denominator=10,
        official_definition="Local Experts at Hand finance and activity records (value for money).",
        notes=(
            "Statutory assessment spend and activity are excluded (not Experts at Hand money).",
            "Central costs (cluster_id 'central') count only at LA level.",
        ),
    ),
)

#: Read-only mapping measure id -> :class:`Measure`, in catalogue order.
REGISTRY: Mapping[str, Measure] = MappingProxyType({m.id: m for m in _MEASURES})

if len(REGISTRY) != len(_MEASURES):  # pragma: no cover - guards against duplicate ids
    raise RuntimeError("duplicate measure ids in the registry")


def get_measure(measure_id: str) -> Measure:
    """Return the measure with id ``measure_id``.

    Raises
    ------
    OptionError
        If no measure has that id; the message lists the ids.
    """
    if not isinstance(measure_id, str) or measure_id not in REGISTRY:
        raise OptionError(
            f"unknown measure {measure_id!r}; known measures: {', '.join(REGISTRY)}"
        )
    return REGISTRY[measure_id]


def list_measures() -> tuple[Measure, ...]:
    """Return every registered measure, in catalogue order."""
    return tuple(REGISTRY.values())
