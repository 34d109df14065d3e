"""Key stage 2 attainment measures: reading, writing and maths at the expected standard.

Definitions follow DfE 'Key stage 2 attainment'. Every measure here is a percentage of pupils
with KS2 results (``attainment`` table, with the January census for SEN status and pupil
groups), by academic year, higher being better.
"""

from __future__ import annotations

from eah_eval.measures.common_terms import ALL_LEVELS, EVENT_GROUP_NOTE
from eah_eval.measures.definitions import PUPIL_GROUPS, Measure


def _ks2_share(
    *,
    id: str,
    title: str,
    description: str,
    numerator: str,
    denominator: str,
    official_definition: str,
    notes: tuple[str, ...],
) -> Measure:
    """Declare a percentage of KS2 pupils by academic year (higher is better)."""
    return Measure(
        id=id,
        title=title,
        description=description,
        numerator=numerator,
        denominator=denominator,
        scale="percent",
        statistic="ratio",
        periods=("academic_year",),
        levels=ALL_LEVELS,
        groups=PUPIL_GROUPS,
        source_tables=("attainment", "pupil_census", "schools"),
        direction="higher_better",
        direction_reason="Higher is better.",
        min_denominator=10,
        official_definition=official_definition,
        notes=notes,
        pupil_based=True,
    )


#: KS2 expected standard, all pupils then SEN pupils (catalogue order).
ATTAINMENT_MEASURES: tuple[Measure, ...] = (
    _ks2_share(
        id="ks2_rwm_expected_pct",
        title="KS2 reading, writing and maths at the expected standard (%)",
        description=(
            "Share of KS2 pupils meeting the expected standard in all of reading, writing and "
            "maths (break down by SEN provision for the gap)."
        ),
        numerator="Pupils at the expected standard in reading, writing and maths",
        denominator="Pupils with KS2 results in the academic year (eligible pupils)",
        official_definition=(
            "DfE 'Key stage 2 attainment': percentage of pupils meeting the expected standard "
            "in reading, writing and maths."
        ),
        notes=(
            "No KS2 assessments took place in 2019/20 and 2020/21; any such rows are excluded.",
            "KS2 progress measures are paused for 2023/24 to 2025/26 and are not computed.",
            EVENT_GROUP_NOTE,
        ),
    ),
    _ks2_share(
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
        official_definition=(
            "DfE 'Key stage 2 attainment' by SEN status: expected standard in reading, writing "
            "and maths for pupils with SEN support or an EHC plan."
        ),
        notes=(
            "Pupils without a January census record that year (SEN status unknown) and pupils "
            "without SEN are excluded.",
            "No KS2 assessments in 2019/20 and 2020/21.",
        ),
    ),
)
