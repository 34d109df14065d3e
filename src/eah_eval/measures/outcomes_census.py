"""January-census measures: SEN support and EHC plan prevalence, and EHC plan placements.

Definitions follow DfE 'Special educational needs in England' and the SEN2 placement tables.
Every measure here is a percentage of pupils on the January school census, read from the
``pupil_census`` and ``schools`` tables, by census (or academic or calendar) year.
"""

from __future__ import annotations

from eah_eval.measures.common_terms import ABOVE_SCHOOL, ALL_LEVELS, HEADCOUNT, IDENTIFICATION
from eah_eval.measures.definitions import (
    PUPIL_GROUPS,
    Direction,
    Group,
    Level,
    Measure,
    Period,
)

_CENSUS_PERIODS: tuple[Period, ...] = ("census", "academic_year", "calendar_year")
#: Breakdowns of the prevalence measures (SEN provision is what they count).
_PREVALENCE_GROUPS: tuple[Group, ...] = tuple(g for g in PUPIL_GROUPS if g != "sen_provision")
#: Breakdowns of the placement measures (phase is a property of the placement itself).
_PLACEMENT_GROUPS: tuple[Group, ...] = tuple(
    g for g in PUPIL_GROUPS if g not in ("sen_provision", "phase")
)
_JANUARY_ONLY_NOTE = "Only January census dates are used; other census dates are excluded."
_EHC_PLAN_HOLDERS = "Pupils with provision E (active EHC plans) on the January census"
_SPECIAL_TYPES_NOTE = (
    "Special settings are establishment types la_special, academy_special, "
    "non_maintained_special and independent_special."
)


def _census_share(
    *,
    id: str,
    title: str,
    description: str,
    numerator: str,
    denominator: str,
    levels: tuple[Level, ...],
    groups: tuple[Group, ...],
    direction: Direction,
    direction_reason: str,
    official_definition: str,
    notes: tuple[str, ...],
) -> Measure:
    """Declare a percentage of January-census pupils (smallest publishable denominator 10)."""
    return Measure(
        id=id,
        title=title,
        description=description,
        numerator=numerator,
        denominator=denominator,
        scale="percent",
        statistic="ratio",
        periods=_CENSUS_PERIODS,
        levels=levels,
        groups=groups,
        source_tables=("pupil_census", "schools"),
        direction=direction,
        direction_reason=direction_reason,
        min_denominator=10,
        official_definition=official_definition,
        notes=notes,
        pupil_based=True,
    )


#: SEN support and EHC plan prevalence, in catalogue order.
PREVALENCE_MEASURES: tuple[Measure, ...] = (
    _census_share(
        id="sen_support_pct",
        title="Pupils with SEN support (%)",
        description=(
            "Share of pupils on roll at the January census who receive SEN support "
            "(special educational needs without an EHC plan)."
        ),
        numerator="Pupils with SEN provision code K (SEN support) on the January census",
        denominator=HEADCOUNT,
        levels=ALL_LEVELS,
        groups=_PREVALENCE_GROUPS,
        direction="none",
        direction_reason=(
            "No direction: the programme aims to meet needs early in mainstream, which can "
            "raise SEN support at first (identification effect) and later lower escalation; "
            "read alongside EHC plan % and requests."
        ),
        official_definition=(
            "DfE 'Special educational needs in England': pupils with SEN support (provision K) "
            "/ headcount x 100, January school census."
        ),
        notes=(
            _JANUARY_ONLY_NOTE,
            "Calendar-year periods use the census in January of that year.",
        ),
    ),
    _census_share(
        id="ehc_plan_pct",
        title="Pupils with an EHC plan (%)",
        description="Share of pupils on roll at the January census who have an EHC plan.",
        numerator="Pupils with SEN provision code E (EHC plan) on the January census",
        denominator=HEADCOUNT,
        levels=ALL_LEVELS,
        groups=_PREVALENCE_GROUPS,
        direction="lower_better",
        direction_reason=(
            "Lower is better over the long run (needs met without statutory plans), but "
            + IDENTIFICATION.lower()
            + "; judge against the comparison group."
        ),
        official_definition=(
            "DfE 'Special educational needs in England': pupils with an EHC plan (provision E) "
            "/ headcount x 100, January school census."
        ),
        notes=(_JANUARY_ONLY_NOTE,),
    ),
)

#: Where pupils with EHC plans are placed (special and independent special schools).
PLACEMENT_MEASURES: tuple[Measure, ...] = (
    _census_share(
        id="ehc_special_placement_pct",
        title="Pupils with EHC plans placed in special schools (%)",
        description=(
            "Share of pupils with an EHC plan on the January census who attend a special "
            "school (maintained, academy, non-maintained or independent special)."
        ),
        numerator="Pupils with provision E on the January census at a special setting",
        denominator=_EHC_PLAN_HOLDERS,
        levels=ABOVE_SCHOOL,
        groups=_PLACEMENT_GROUPS,
        direction="lower_better",
        direction_reason=(
            "Lower is better: the programme aims to meet needs in mainstream; a special "
            "placement is right for some children, so judge trends, not single values."
        ),
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
    ),
    _census_share(
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
        denominator=_EHC_PLAN_HOLDERS,
        levels=ABOVE_SCHOOL,
        groups=_PLACEMENT_GROUPS,
        direction="lower_better",
        direction_reason="Lower is better: needs met in local maintained or mainstream settings.",
        official_definition=(
            "DfE SEN2 placement of children with EHC plans: independent special schools."
        ),
        notes=("Non-maintained special schools are counted in the special measure, not here.",),
    ),
)
