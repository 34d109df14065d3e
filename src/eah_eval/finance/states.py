"""The states of the cohort model: placement types, ages and the age bands parameters share.

One vocabulary for the caseload table (``data_schema/ehc_plans.schema.json``), the unit-cost
table, the model and the report. Ages are ages at 31 August before the January census (SEN2's
count date), 0 to 25: the ages an EHC plan covers. A financial year ``Y`` (April ``Y`` to March
``Y + 1``) holds the January census of ``Y + 1``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

#: Placement types, in the order of every placement axis.
PLACEMENTS: tuple[str, ...] = (
    "mainstream",
    "resourced_provision",
    "maintained_special",
    "academy_special",
    "independent_special",
    "alternative_provision",
    "post16_fe",
    "other",
)

#: Placement types in words (tables and charts).
PLACEMENT_LABELS: dict[str, str] = {
    "mainstream": "Mainstream school or setting",
    "resourced_provision": "Resourced provision or SEN unit",
    "maintained_special": "Maintained special school",
    "academy_special": "Special academy or free school",
    "independent_special": "Independent or non-maintained special school",
    "alternative_provision": "Alternative provision",
    "post16_fe": "Post-16 and further education",
    "other": "Other arrangements",
}

#: Ages an EHC plan covers (age at 31 August before the census).
MAX_AGE = 25
AGES = np.arange(MAX_AGE + 1)
N_AGES = MAX_AGE + 1
N_PLACEMENTS = len(PLACEMENTS)

#: Age bands for ceasing (first age of each band; ages 25 and over always cease).
CEASE_BANDS: tuple[int, ...] = (0, 4, 11, 15, 16, 17, 18, 19, 20, 22)
#: Age bands for moves between placements (age at the earlier census): phase transfers at 10
#: (year 6 to year 7) and 15 (year 11 to post-16) are bands of their own.
MOVE_BANDS: tuple[int, ...] = (0, 4, 10, 11, 15, 16, 18)
#: Age bands for the placement a new plan starts in (age at the first census).
ENTRY_BANDS: tuple[int, ...] = (0, 4, 11, 16, 20)

#: Ages whose new plans the programme's effect on requests reaches (reception to year 11:
#: the mainstream school ages the impact evaluation measures).
PROGRAMME_AGES: tuple[int, int] = (4, 15)


def band_of(ages: np.ndarray, bands: tuple[int, ...]) -> np.ndarray:
    """Return the band index of each age (bands given by their first ages, ascending)."""
    return np.searchsorted(np.asarray(bands), np.asarray(ages), side="right") - 1


def fy_label(year: int) -> str:
    """Financial year label as the reports write it (``2027`` -> ``"2027-28"``).

    Examples
    --------
    >>> fy_label(2029), fy_label(2099)
    ('2029-30', '2099-00')
    """
    return f"{year}-{(year + 1) % 100:02d}"


def fy_span(first: int, last: int) -> str:
    """Financial years ``first`` to ``last`` in words (``"2029-30 to 2033-34"``, or one year)."""
    return fy_label(first) if first == last else f"{fy_label(first)} to {fy_label(last)}"


def in_sentence(label: str) -> str:
    """Return the label with its first letter lower-cased, for use inside a sentence.

    Examples
    --------
    >>> in_sentence("Resourced provision or SEN unit")
    'resourced provision or SEN unit'
    """
    return label[:1].lower() + label[1:]


def census_date(year: int) -> dt.date:
    """Return the count date used for financial year ``year``: 15 January of ``year + 1``."""
    return dt.date(year + 1, 1, 15)


def age_in(year: int | np.ndarray, birth_cohort: int | np.ndarray) -> np.ndarray:
    """Age at 31 August before the census of financial year ``year``.

    ``birth_cohort`` is the academic year of birth by its starting calendar year (born
    1 September 2010 to 31 August 2011 = 2010), so the age is ``year - birth_cohort - 1``.
    """
    return np.asarray(year) - np.asarray(birth_cohort) - 1
