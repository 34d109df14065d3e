"""Invariants on random councils (hypothesis): proportions stay within their denominators and
group breakdowns add up to the totals, at every level."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eah_eval.measures import compute, open_tables

PROPORTIONS = (
    "sen_support_pct",
    "ehc_plan_pct",
    "absence_overall_pct",
    "absence_persistent_pct",
    "absence_severe_pct",
    "ks2_rwm_expected_pct",
)
BREAKDOWNS = {
    "sen_support_pct": "ethnicity_group",
    "absence_persistent_pct": "fsm",
    "suspension_rate": "sex",
    "suspension_one_plus_rate": "primary_need",
    "ks2_rwm_expected_pct": "sen_provision",
}


def random_council(seed: int, n_pupils: int, n_schools: int) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    urns = [f"{200000 + i}" for i in range(n_schools)]
    schools = pd.DataFrame(
        {
            "urn": urns,
            "name": [f"S{i}" for i in range(n_schools)],
            "la_code": "839",
            "phase": rng.choice(["primary", "secondary"], n_schools),
            "establishment_type": "community",
            "cluster_id": [f"C{i % 2}" for i in range(n_schools)],
            "open_date": pd.NaT,
            "close_date": pd.NaT,
        }
    )
    clusters = pd.DataFrame(
        {"cluster_id": ["C0", "C1"], "cluster_name": ["a", "b"],
         "go_live_date": pd.to_datetime(["2024-09-01", "2025-04-20"]), "rollout_wave": [1, 2]}
    )
    rows = []
    for year in (2024, 2025):
        for p in range(n_pupils):
            if rng.random() < 0.15:
                continue
            sen = rng.choice(["N", "K", "E"], p=[0.7, 0.2, 0.1])
            rows.append((f"P{p}", rng.choice(urns), pd.Timestamp(year, 1, 16), sen,
                         None if sen == "N" else rng.choice(["ASD", "SEMH", "MLD"]),
                         bool(rng.random() < 0.3), rng.choice(["F", "M"]),
                         rng.choice(["white", "asian", "black"])))
    census = pd.DataFrame(rows, columns=["pupil_id", "urn", "census_date", "sen_provision",
                                         "primary_need", "fsm", "sex", "ethnicity_group"])
    census["census_date"] = pd.to_datetime(census["census_date"])
    census["year_group"] = "5"
    census["age"] = 9
    census["eal"] = False
    att = []
    for p in range(n_pupils):
        for term in ("autumn", "spring", "summer"):
            if rng.random() < 0.2:
                continue
            poss = int(rng.choice([0, 60, 100, 120]))
            a = int(rng.integers(0, poss + 1)) if poss else 0
            u = int(rng.integers(0, poss - a + 1)) if poss else 0
            att.append((f"P{p}", rng.choice(urns), "2024/25", term, int(rng.integers(3, 17)),
                        poss, a, u))
    attendance = pd.DataFrame(att, columns=["pupil_id", "urn", "academic_year", "term", "age",
                                            "possible_sessions", "authorised_absence",
                                            "unauthorised_absence"]).drop_duplicates(
        ["pupil_id", "urn", "academic_year", "term"])
    n_susp = int(rng.integers(0, 3 * n_schools + 1))
    suspensions = pd.DataFrame(
        {
            "exclusion_id": [f"X{i}" for i in range(n_susp)],
            "pupil_id": [f"P{rng.integers(0, n_pupils + 3)}" for _ in range(n_susp)],
            "urn": rng.choice(urns, n_susp) if n_susp else [],
            "start_date": pd.to_datetime("2024-09-02")
            + pd.to_timedelta(rng.integers(0, 360, n_susp), unit="D"),
            "category": rng.choice(["suspension", "permanent_exclusion"], n_susp, p=[0.9, 0.1])
            if n_susp else [],
            "sessions": 1.0,
        }
    )
    ks2 = census[census["census_date"].dt.year == 2025].sample(frac=0.5, random_state=seed)
    attainment = pd.DataFrame(
        {"pupil_id": ks2["pupil_id"].to_numpy(), "urn": ks2["urn"].to_numpy(),
         "academic_year": "2024/25",
         "reading_expected": rng.random(len(ks2)) < 0.7,
         "writing_expected": rng.random(len(ks2)) < 0.7,
         "maths_expected": rng.random(len(ks2)) < 0.7}
    )
    return {"schools": schools, "clusters": clusters, "pupil_census": census,
            "attendance": attendance, "suspensions": suspensions, "attainment": attainment}


councils = st.builds(
    random_council,
    seed=st.integers(0, 2**31 - 1),
    n_pupils=st.integers(1, 40),
    n_schools=st.integers(1, 5),
)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames=councils)
def test_proportions_within_denominator(frames: dict[str, pd.DataFrame]) -> None:
    ts = open_tables(frames)
    for mid in PROPORTIONS:
        for level in ("school", "la"):
            f = compute(ts, mid, level=level).frame
            assert (f["numerator"] >= 0).all()
            assert (f["numerator"] <= f["denominator"]).all(), (mid, level, f)
            ok = f["denominator"] > 0
            assert ((f.loc[ok, "value"] >= 0) & (f.loc[ok, "value"] <= 100)).all()


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames=councils)
def test_group_breakdowns_sum_to_totals(frames: dict[str, pd.DataFrame]) -> None:
    ts = open_tables(frames)
    keys = ["unit", "period_index"]
    for mid, by in BREAKDOWNS.items():
        for level in ("school", "cluster"):
            total = compute(ts, mid, level=level).frame.set_index(keys)
            parts = compute(ts, mid, level=level, by=by).frame
            summed = parts.groupby(keys)[["numerator", "denominator"]].sum()
            both = total[["numerator", "denominator"]].join(summed, rsuffix="_g", how="outer")
            both = both.fillna(0.0)
            np.testing.assert_allclose(both["numerator"], both["numerator_g"], err_msg=mid)
            np.testing.assert_allclose(both["denominator"], both["denominator_g"], err_msg=mid)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames=councils)
def test_school_sums_equal_la_for_additive_measures(frames: dict[str, pd.DataFrame]) -> None:
    ts = open_tables(frames)
    for mid in ("absence_overall_pct", "absence_persistent_pct", "suspension_rate"):
        school = compute(ts, mid, level="school").frame
        la = compute(ts, mid, level="la").frame.set_index("period_index")
        summed = school.groupby("period_index")[["numerator", "denominator"]].sum()
        np.testing.assert_allclose(
            la.loc[summed.index, "numerator"], summed["numerator"], err_msg=mid
        )
        np.testing.assert_allclose(
            la.loc[summed.index, "denominator"], summed["denominator"], err_msg=mid
        )
