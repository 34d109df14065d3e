"""Suspension and permanent exclusion measures, on DfE's exclusions calendar by default.

Definitions follow DfE 'Suspensions and permanent exclusions in England'. Every measure here
is a rate per 100 pupils on roll at the January census of the academic year, read from the
``suspensions`` table, by term or academic year, lower being better.
"""

from __future__ import annotations

from eah_eval.measures.common_terms import ALL_LEVELS, HEADCOUNT
from eah_eval.measures.definitions import PUPIL_GROUPS, Measure, Scale

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
_EXCLUSION_GROUP_NOTE = (
    "Pupil groups come from the pupil's January census record of the academic year in which "
    "the exclusion falls on the calendar used; pupils without one are grouped as 'unknown'."
)
_INCLUSION_REASON = "Lower is better: inclusion is an aim of the programme."


def _exclusion_rate(
    *,
    id: str,
    title: str,
    description: str,
    numerator: str,
    direction_reason: str,
    official_definition: str,
    notes: tuple[str, ...],
    scale: Scale = "per_100",
) -> Measure:
    """Declare a rate per 100 pupils on roll in January, on the exclusions calendar.

    Counts of events (suspensions, exclusions) per 100 pupils use ``scale="per_100"``: a
    rate, not a percentage (a pupil suspended twice counts twice). A share of pupils uses
    ``scale="percent"``.
    """
    return Measure(
        id=id,
        title=title,
        description=description,
        numerator=numerator,
        denominator=HEADCOUNT + " of the same academic year",
        scale=scale,
        statistic="ratio",
        periods=("term", "academic_year"),
        levels=ALL_LEVELS,
        groups=PUPIL_GROUPS,
        source_tables=("suspensions", "pupil_census", "schools"),
        direction="lower_better",
        direction_reason=direction_reason,
        min_denominator=10,
        official_definition=official_definition,
        notes=notes,
        pupil_based=True,
        exclusion_terms=True,
    )


#: Suspensions, pupils with one or more suspensions, permanent exclusions (catalogue order).
EXCLUSION_MEASURES: tuple[Measure, ...] = (
    _exclusion_rate(
        id="suspension_rate",
        title="Suspension rate (per 100 pupils)",
        description="Suspensions (fixed-period exclusions) per 100 pupils on roll in January.",
        numerator=(
            "Suspensions starting in the period (start_date), at the suspending school; "
            + _DFE_EXCLUSION_TERMS
        ),
        direction_reason=_INCLUSION_REASON,
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
    ),
    _exclusion_rate(
        id="suspension_one_plus_rate",
        title="Pupils with one or more suspensions (%)",
        description="Pupils suspended at least once in the period, per 100 pupils on roll.",
        numerator=(
            "Distinct pupils with at least one suspension starting in the period; "
            + _DFE_EXCLUSION_TERMS
        ),
        direction_reason="Lower is better.",
        scale="percent",
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
    ),
    _exclusion_rate(
        id="permanent_exclusion_rate",
        title="Permanent exclusion rate (per 100 pupils)",
        description="Permanent exclusions per 100 pupils on roll in January.",
        numerator=(
            "Permanent exclusions starting in the period (start_date); " + _DFE_EXCLUSION_TERMS
        ),
        direction_reason=_INCLUSION_REASON,
        official_definition=(
            "DfE 'Suspensions and permanent exclusions in England': permanent exclusions / "
            "headcount (January census of the academic year) x 100."
            + _DFE_EXCLUSION_SOURCE
        ),
        notes=(_EXCLUSION_TERMS_NOTE, _EXCLUSION_GROUP_NOTE),
    ),
)
