"""A small hand-made council whose measures were computed by hand (see test_values.py).

Layout: LA 839; cluster C1 (wave 1, live 2024-09-01) holds 100001 (primary) and Beta Primary
100002, which closed on 2024-08-31 and became the academy 100003 (URN change mid-panel);
cluster C2 (wave 2, live 2025-01-15, mid-term) holds 100004 (secondary), 100005 (special),
100006 (primary, closes 2025-03-31) and 100007 (independent special, opened 2024-09-01).
"""

from __future__ import annotations

import pandas as pd
import pytest

D = pd.Timestamp


def _dates(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    for c in cols:
        df[c] = pd.to_datetime(df[c])
    return df


def make_frames() -> dict[str, pd.DataFrame]:
    clusters = _dates(
        pd.DataFrame(
            {
                "cluster_id": ["C1", "C2"],
                "cluster_name": ["North", "South"],
                "go_live_date": ["2024-09-01", "2025-01-15"],
                "rollout_wave": [1, 2],
            }
        ),
        ["go_live_date"],
    )
    schools = _dates(
        pd.DataFrame(
            {
                "urn": ["100001", "100002", "100003", "100004", "100005", "100006", "100007"],
                "name": ["Alpha", "Beta Primary", "Beta Academy", "Gamma", "Delta", "Epsilon",
                         "Zeta"],
                "la_code": ["839"] * 7,
                "phase": ["primary", "primary", "primary", "secondary", "special", "primary",
                          "special"],
                "establishment_type": ["community", "community", "academy", "academy",
                                       "la_special", "community", "independent_special"],
                "cluster_id": ["C1", "C1", "C1", "C2", "C2", "C2", "C2"],
                "open_date": [None, None, "2024-09-01", None, None, None, "2024-09-01"],
                "close_date": [None, "2024-08-31", None, None, None, "2025-03-31", None],
            }
        ),
        ["open_date", "close_date"],
    )
    links = _dates(
        pd.DataFrame(
            {"urn": ["100002"], "linked_urn": ["100003"], "link_type": ["successor"],
             "link_date": ["2024-09-01"]}
        ),
        ["link_date"],
    )
    # pupil, urn, census_date, sen, need, fsm, sex, ethnicity
    j24, j25 = "2024-01-18", "2025-01-16"
    census_rows = [
        ("P01", "100001", j24, "K", "SEMH", True, "F", "white"),
        ("P02", "100001", j24, "N", None, False, "M", "white"),
        ("P03", "100001", j24, "E", "ASD", False, "M", "asian"),
        ("P04", "100001", j24, "N", None, False, "F", "black"),
        ("P05", "100002", j24, "K", "SLCN", False, "F", "white"),
        ("P06", "100002", j24, "N", None, False, "M", "mixed"),
        ("P07", "100002", j24, "N", None, False, "F", "white"),
        ("P08", "100004", j24, "E", "SEMH", True, "M", "white"),
        ("P09", "100004", j24, "K", "MLD", False, "F", "white"),
        ("P10", "100004", j24, "N", None, True, "M", "black"),
        ("P11", "100004", j24, "N", None, False, "F", "white"),
        ("P12", "100005", j24, "E", "ASD", False, "M", "white"),
        ("P13", "100005", j24, "E", "SLD", False, "F", "white"),
        ("P14", "100006", j24, "N", None, False, "F", "white"),
        ("P15", "100006", j24, "K", "SPLD", False, "M", "white"),
        ("P01", "100001", j25, "K", "SEMH", True, "F", "white"),
        ("P02", "100001", j25, "N", None, False, "M", "white"),
        ("P03", "100001", j25, "E", "ASD", False, "M", "asian"),
        ("P04", "100001", j25, "K", "SLCN", False, "F", "black"),
        ("P16", "100001", j25, "N", None, False, "M", "white"),
        ("P05", "100003", j25, "E", "SLCN", False, "F", "white"),
        ("P06", "100003", j25, "N", None, False, "M", "mixed"),
        ("P07", "100003", j25, "N", None, False, "F", "white"),
        ("P08", "100004", j25, "E", "SEMH", True, "M", "white"),
        ("P09", "100004", j25, "K", "MLD", False, "F", "white"),
        ("P10", "100004", j25, "N", None, True, "M", "black"),
        ("P11", "100004", j25, "N", None, False, "F", "white"),
        ("P17", "100004", j25, "K", "SEMH", False, "M", "white"),
        ("P12", "100005", j25, "E", "ASD", False, "M", "white"),
        ("P13", "100005", j25, "E", "SLD", False, "F", "white"),
        ("P18", "100005", j25, "E", "PD", False, "M", "white"),
        ("P14", "100006", j25, "N", None, False, "F", "white"),
        ("P15", "100006", j25, "K", "SPLD", False, "M", "white"),
        ("P19", "100007", j25, "E", "ASD", False, "M", "white"),
        # an October census record: not a January census, excluded
        ("P02", "100001", "2024-10-03", "N", None, False, "M", "white"),
    ]
    census = pd.DataFrame(
        census_rows,
        columns=["pupil_id", "urn", "census_date", "sen_provision", "primary_need", "fsm", "sex",
                 "ethnicity_group"],
    )
    census["year_group"] = "5"
    census["age"] = 9
    census["eal"] = False
    census = _dates(census, ["census_date"])[
        ["pupil_id", "urn", "census_date", "year_group", "age", "sen_provision", "primary_need",
         "fsm", "eal", "sex", "ethnicity_group"]
    ]
    attendance = pd.DataFrame(
        [
            ("P01", "100001", "2024/25", "autumn", 8, 100, 5, 5),
            ("P01", "100001", "2024/25", "spring", 8, 100, 2, 0),
            ("P02", "100001", "2024/25", "autumn", 9, 100, 0, 0),
            ("P03", "100001", "2024/25", "autumn", 4, 100, 25, 25),  # age 4: excluded
            ("P04", "100001", "2024/25", "autumn", 10, 0, 0, 0),  # zero possible: excluded
            ("P06", "100003", "2024/25", "autumn", 7, 100, 30, 30),
            ("P06", "100001", "2024/25", "summer", 7, 80, 4, 0),  # moved school
            ("P05", "100002", "2023/24", "summer", 8, 120, 6, 6),  # predecessor URN
            ("P10", "100004", "2024/25", "autumn", 12, 140, 10, 4),  # exactly 10%
            ("P10", "100004", "2024/25", "spring", 12, 120, 0, 0),
            ("P14", "100006", "2024/25", "autumn", 6, 100, 40, 9),
            ("P14", "100006", "2024/25", "spring", 6, 100, 25, 25),  # exactly 50%
        ],
        columns=["pupil_id", "urn", "academic_year", "term", "age", "possible_sessions",
                 "authorised_absence", "unauthorised_absence"],
    )
    suspensions = _dates(
        pd.DataFrame(
            [
                ("S1", "P09", "100004", "2024-10-10", "suspension", 2.0),
                ("S2", "P09", "100004", "2024-11-20", "suspension", 1.0),
                ("S3", "P10", "100004", "2025-02-05", "suspension", 2.0),
                ("S4", "P11", "100004", "2025-02-06", "permanent_exclusion", None),
                ("S5", "P06", "100001", "2025-05-01", "suspension", 1.0),
                ("S6", "P05", "100002", "2024-03-01", "suspension", 2.0),
                ("S7", "P19", "100007", "2023-11-01", "suspension", 1.0),
            ],
            columns=["exclusion_id", "pupil_id", "urn", "start_date", "category", "sessions"],
        ),
        ["start_date"],
    )
    ehc = _dates(
        pd.DataFrame(
            [
                ("R1", "P03", "100001", "2023-11-01", "assess", "2023-12-06", "2024-03-10",
                 False, "plan_issued"),
                ("R2", "P05", "100002", "2024-05-01", "assess", "2024-06-20", "2024-10-01",
                 True, "plan_issued"),
                ("R3", "P08", "100004", "2024-02-01", "assess", "2024-03-14", "2024-06-20",
                 False, "plan_issued"),
                ("R4", "P09", "100004", "2024-09-10", "not_assess", "2024-10-15", None, False,
                 "no_plan"),
                ("R5", "P17", "100004", "2025-01-20", "pending", None, None, False, "pending"),
                ("R6", "P18", "100005", "2024-03-01", "assess", "2024-04-30", "2024-09-30",
                 False, "plan_issued"),
            ],
            columns=["request_id", "pupil_id", "urn", "received_date", "decision",
                     "decision_date", "plan_issued_date", "exception", "outcome"],
        ),
        ["received_date", "decision_date", "plan_issued_date"],
    )
    attainment = pd.DataFrame(
        [
            ("P01", "100001", "2023/24", True, True, True),
            ("P02", "100001", "2023/24", True, True, False),
            ("P03", "100001", "2023/24", True, True, True),
            ("P05", "100002", "2023/24", False, True, True),
            ("P15", "100006", "2023/24", True, True, True),
            ("P20", "100001", "2023/24", True, True, True),  # no census record
            ("P21", "100001", "2020/21", True, True, True),  # no KS2 in 2020/21
        ],
        columns=["pupil_id", "urn", "academic_year", "reading_expected", "writing_expected",
                 "maths_expected"],
    )
    eah_requests = _dates(
        pd.DataFrame(
            [
                ("Q1", "100001", "P01", "2024-09-10", "2024-09-12", "2024-09-20", "2024-12-01",
                 False),
                ("Q2", "100001", "P04", "2024-10-01", "2024-10-05", "2024-10-31", "2025-02-01",
                 True),
                ("Q3", "100003", None, "2024-11-04", "2024-11-05", None, None, False),
                ("Q4", "100004", "P17", "2025-01-10", None, None, None, False),
                ("Q5", "100005", "P12", "2024-09-20", "2024-09-27", "2024-10-07", "2024-12-15",
                 False),
                ("Q6", "100002", "P05", "2024-06-10", "2024-06-20", "2024-07-01", "2024-07-20",
                 False),
                ("Q7", "100004", None, "2025-05-12", "2025-05-14", None, None, False),
            ],
            columns=["request_id", "urn", "pupil_id", "received_date", "triaged_date",
                     "first_support_date", "closed_date", "escalated_to_statutory"],
        ),
        ["received_date", "triaged_date", "first_support_date", "closed_date"],
    )
    eah_requests["need_area"] = "semh"
    eah_requests["support_type"] = "consultation"
    eah_requests["practitioner_role"] = "educational_psychologist"
    eah_requests = eah_requests[
        ["request_id", "urn", "pupil_id", "received_date", "triaged_date", "first_support_date",
         "closed_date", "need_area", "support_type", "practitioner_role",
         "escalated_to_statutory"]
    ]
    activity = _dates(
        pd.DataFrame(
            [
                ("A1", "2024-09-15", "100001", "educational_psychologist", "consultation", 6.5),
                ("A2", "2024-10-15", "100001", "speech_language_therapist", "coaching", 6.5),
                ("A3", "2024-10-16", "100001", "speech_language_therapist", "coaching", 6.5),
                ("A4", "2024-11-01", "100004", "educational_psychologist",
                 "statutory_assessment", 6.5),
                ("A5", "2025-02-01", "100004", "specialist_teacher", "training", 6.5),
                ("A6", "2025-02-02", "100004", "occupational_therapist", "modelling", 3.25),
                ("A7", "2025-03-01", "100005", "educational_psychologist", "specialist_advice",
                 6.5),
                ("A8", "2024-04-10", "100002", "educational_psychologist", "consultation", 6.5),
            ],
            columns=["activity_id", "activity_date", "urn", "practitioner_role", "activity_type",
                     "hours"],
        ),
        ["activity_date"],
    )
    workforce = pd.DataFrame(
        [
            ("C1", "educational_psychologist", "2024-09", 2.0, 1.0),
            ("C1", "educational_psychologist", "2024-10", 2.0, 2.0),
            ("C2", "speech_language_therapist", "2024-10", 1.0, 0.5),
            ("C2", "speech_language_therapist", "2025-04", 1.0, 0.0),
        ],
        columns=["cluster_id", "role", "month", "planned_fte", "fte_in_post"],
    )
    finance = pd.DataFrame(
        [
            ("2024-05", "C1", "practitioners", 2000.0),
            ("2024-10", "C1", "training", 500.0),
            ("2024-11", "C2", "practitioners", 1500.0),
            ("2024-11", "C2", "statutory_assessment", 9999.0),
            ("2024-12", "central", "management", 1300.0),
            ("2025-01", "C2", "training", -250.0),
        ],
        columns=["month", "cluster_id", "cost_line", "amount_gbp"],
    )
    return {
        "clusters": clusters,
        "schools": schools,
        "school_links": links,
        "pupil_census": census,
        "attendance": attendance,
        "suspensions": suspensions,
        "ehc_requests": ehc,
        "attainment": attainment,
        "eah_requests": eah_requests,
        "eah_activity": activity,
        "workforce": workforce,
        "finance": finance,
    }


@pytest.fixture(scope="session")
def frames() -> dict[str, pd.DataFrame]:
    return make_frames()


@pytest.fixture(scope="session")
def tables(frames: dict[str, pd.DataFrame]):  # type: ignore[no-untyped-def]
    from eah_eval.measures import open_tables

    return open_tables(frames)


#: Suspensions around the term boundaries of the two calendars, all at Gamma (100004), whose
#: January headcount is 4 in 2024 (P08-P11) and 5 in 2025 (P08-P11, P17). Easter Sunday was
#: 31 March 2024 and 20 April 2025. Expected values are worked out in test_exclusion_terms.py.
EXCLUSION_BOUNDARY_ROWS = [
    ("E01", "P08", "2024-03-30", "suspension"),  # Saturday before Easter 2024
    ("E02", "P09", "2024-03-31", "suspension"),  # Easter Sunday 2024
    ("E03", "P10", "2024-04-01", "suspension"),  # Easter Monday 2024
    ("E04", "P17", "2024-08-15", "suspension"),  # August 2024
    ("E05", "P08", "2025-03-31", "suspension"),
    ("E06", "P09", "2025-04-01", "suspension"),
    ("E07", "P09", "2025-04-19", "suspension"),  # day before Easter Sunday 2025
    ("E08", "P10", "2025-04-20", "suspension"),  # Easter Sunday 2025
    ("E09", "P08", "2025-04-21", "suspension"),  # Easter Monday 2025
    ("E10", "P08", "2025-07-31", "suspension"),
    ("E11", "P17", "2025-08-01", "suspension"),
    ("E12", "P17", "2025-08-15", "suspension"),
    ("X01", "P11", "2025-04-10", "permanent_exclusion"),  # before Easter 2025
]


def make_exclusion_frames() -> dict[str, pd.DataFrame]:
    """The hand-made council with its suspensions replaced by the boundary cases above."""
    frames = make_frames()
    s = pd.DataFrame(EXCLUSION_BOUNDARY_ROWS,
                     columns=["exclusion_id", "pupil_id", "start_date", "category"])
    s["urn"] = "100004"
    s["start_date"] = pd.to_datetime(s["start_date"])
    s["sessions"] = [None if c == "permanent_exclusion" else 2.0 for c in s["category"]]
    frames["suspensions"] = s[["exclusion_id", "pupil_id", "urn", "start_date", "category",
                               "sessions"]]
    return frames


@pytest.fixture(scope="session")
def exclusion_frames() -> dict[str, pd.DataFrame]:
    return make_exclusion_frames()
