"""The default council looks like an English LA (ranges from DOMAIN.md and DfE statistics)."""

from __future__ import annotations

import pandas as pd
import pytest

from eah_eval.data.synthetic import SyntheticCouncil


@pytest.fixture(scope="module")
def census(default_council: SyntheticCouncil) -> pd.DataFrame:
    c = default_council.tables["pupil_census"].merge(
        default_council.tables["schools"][["urn", "phase"]], on="urn")
    return c.assign(year=c["census_date"].dt.year, mainstream=c["phase"] != "special")


def test_size(default_council: SyntheticCouncil, census: pd.DataFrame) -> None:
    per_year = census.groupby("year").size()
    assert per_year.between(25_000, 40_000).all(), per_year
    assert len(default_council.tables["attendance"]) < 1_000_000


def test_sen_rates_in_mainstream(census: pd.DataFrame) -> None:
    main = census[census["mainstream"]]
    k = main.groupby("year")["sen_provision"].apply(lambda s: (s == "K").mean() * 100)
    e = main.groupby("year")["sen_provision"].apply(lambda s: (s == "E").mean() * 100)
    assert k.between(12, 16.5).all(), k
    assert k.mean() == pytest.approx(14, abs=1.2)
    assert e.between(1.7, 3.5).all(), e


def test_pupil_characteristics(census: pd.DataFrame) -> None:
    fsm = census.groupby("year")["fsm"].mean() * 100
    assert fsm.between(18, 28).all(), fsm
    assert 0.05 < census["eal"].mean() < 0.2
    assert 0.47 < (census["sex"] == "M").mean() < 0.55
    assert census["ethnicity_group"].nunique() == 7


def test_absence(default_council: SyntheticCouncil) -> None:
    a = default_council.tables["attendance"]
    a = a[(a["age"] >= 5) & (a["age"] <= 15) & (a["possible_sessions"] > 0)]
    absent = a["authorised_absence"] + a["unauthorised_absence"]
    by_year = absent.groupby(a["academic_year"]).sum() / a.groupby("academic_year")[
        "possible_sessions"].sum() * 100
    assert by_year.between(5.5, 8.0).all(), by_year
    pa = (absent >= 0.1 * a["possible_sessions"]).groupby(a["academic_year"]).mean() * 100
    severe = (absent >= 0.5 * a["possible_sessions"]).groupby(a["academic_year"]).mean() * 100
    assert pa.between(14, 24).all(), pa
    assert severe.between(1.0, 2.5).all(), severe
    unauth = a["unauthorised_absence"].sum() / absent.sum()
    assert 0.25 < unauth < 0.5


def test_suspensions_and_exclusions(default_council: SyntheticCouncil,
                                    census: pd.DataFrame) -> None:
    s = default_council.tables["suspensions"].merge(
        default_council.tables["schools"][["urn", "phase"]], on="urn")
    d = s["start_date"]
    s = s.assign(year=(d.dt.year + (d.dt.month >= 9)))
    head = census.groupby(["year", "phase"]).size()
    susp = s[s["category"] == "suspension"].groupby(["year", "phase"]).size() / head * 100
    sec = susp.xs("secondary", level="phase").dropna()
    prim = susp.xs("primary", level="phase").dropna()
    assert sec.between(10, 30).all(), sec
    assert prim.between(0.5, 4).all(), prim
    pex = s[s["category"] == "permanent_exclusion"]
    assert 0 < len(pex) < 0.02 * len(s)
    assert pex["sessions"].isna().all()


def test_statutory_requests(default_council: SyntheticCouncil, census: pd.DataFrame) -> None:
    e = default_council.tables["ehc_requests"]
    per_year = e.groupby(e["received_date"].dt.year).size()
    head = census.groupby("year").size()
    rate = (per_year / head * 1000).dropna()
    full_years = rate.loc[2022:2028]
    assert full_years.between(4, 8).all(), full_years
    issued = e[e["outcome"] == "plan_issued"]
    weeks = (issued["plan_issued_date"] - issued["received_date"]).dt.days / 7
    assert 0.35 < (weeks <= 20).mean() < 0.65
    assert 0.02 < e["exception"].mean() < 0.12
    assert {"plan_issued", "no_plan", "withdrawn", "pending"} <= set(e["outcome"])


def test_ks2(default_council: SyntheticCouncil) -> None:
    k = default_council.tables["attainment"]
    rwm = (k["reading_expected"] & k["writing_expected"] & k["maths_expected"]).mean()
    assert 0.5 < rwm < 0.7
    assert 0.65 < k["reading_expected"].mean() < 0.8
    assert set(k["academic_year"]) == {f"{y}/{(y + 1) % 100:02d}" for y in range(2021, 2029)}


def test_eah_process(default_council: SyntheticCouncil) -> None:
    r = default_council.tables["eah_requests"]
    wait = (r["triaged_date"] - r["received_date"]).dt.days.dropna()
    assert 5 <= wait.median() <= 15
    first = (r["first_support_date"] - r["triaged_date"]).dt.days.dropna()
    assert 10 <= first.median() <= 30
    assert 0.02 < r["escalated_to_statutory"].mean() < 0.3
    assert r["pupil_id"].isna().any() and r["pupil_id"].notna().mean() > 0.5
