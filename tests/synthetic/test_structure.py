"""The synthetic council hangs together: URN changes, openings, closures, rollout timing, pupils."""

from __future__ import annotations

import pandas as pd

from eah_eval.data.synthetic import SyntheticCouncil


def _go_live_by_urn(c: SyntheticCouncil) -> pd.Series:
    s = c.tables["schools"].merge(c.tables["clusters"], on="cluster_id")
    return s.set_index("urn")["go_live_date"]


def test_conversions_change_urn_with_links_both_ways(small_council: SyntheticCouncil) -> None:
    c = small_council
    links = c.tables["school_links"]
    schools = c.tables["schools"].set_index("urn")
    succ = links[links["link_type"] == "successor"]
    pred = links[links["link_type"] == "predecessor"]
    assert 1 <= len(succ) <= 5
    assert set(links["link_type"]) == {"successor", "predecessor"}
    back = set(zip(pred["linked_urn"], pred["urn"], pred["link_date"], strict=True))
    for old, new, when in zip(succ["urn"], succ["linked_urn"], succ["link_date"], strict=True):
        assert (old, new, when) in back
        assert schools.loc[old, "close_date"] == when - pd.Timedelta(days=1)
        assert schools.loc[new, "open_date"] == when
        assert schools.loc[new, "establishment_type"] in ("academy", "academy_special")
        assert schools.loc[new, "cluster_id"] == schools.loc[old, "cluster_id"]


def test_pupils_follow_the_school_to_its_new_urn(default_council: SyntheticCouncil) -> None:
    c = default_council
    att = c.tables["attendance"]
    links = c.tables["school_links"]
    succ = links[links["link_type"] == "successor"]
    assert len(succ) == 4
    # conversions on 1 September and at other term starts are both present
    assert {d.month for d in succ["link_date"]} >= {9, 1}
    for old, new, when in zip(succ["urn"], succ["linked_urn"], succ["link_date"], strict=True):
        ay_start = when.year if when.month >= 9 else when.year - 1
        term = {9: "autumn", 1: "spring", 4: "summer"}[when.month]
        label = f"{ay_start}/{(ay_start + 1) % 100:02d}"
        before = att[(att["urn"] == old) & (att["academic_year"] == label)]
        after = att[(att["urn"] == new) & (att["academic_year"] == label) & (att["term"] == term)]
        assert len(after) > 0
        if term != "autumn":  # the same pupils appear under both URNs in that academic year
            assert len(set(before["pupil_id"]) & set(after["pupil_id"])) > 0.8 * len(after)
        # no record under the old URN on or after the conversion term
        old_rows = att[att["urn"] == old]
        idx = old_rows["academic_year"].str[:4].astype(int) * 3 + old_rows["term"].map(
            {"autumn": 0, "spring": 1, "summer": 2})
        assert idx.max() < ay_start * 3 + {"autumn": 0, "spring": 1, "summer": 2}[term]


def test_one_opening_and_one_closure(default_council: SyntheticCouncil) -> None:
    s = default_council.tables["schools"]
    links = default_council.tables["school_links"]
    converted = set(links["urn"]) | set(links["linked_urn"])
    plain = s[~s["urn"].isin(converted)]
    assert plain["open_date"].notna().sum() == 1
    assert plain["close_date"].notna().sum() == 1
    opened = plain[plain["open_date"].notna()].iloc[0]
    closed = plain[plain["close_date"].notna()].iloc[0]
    census = default_council.tables["pupil_census"]
    assert census[census["urn"] == opened["urn"]]["census_date"].min() > opened["open_date"]
    assert census[census["urn"] == closed["urn"]]["census_date"].max() < closed["close_date"]


def test_school_mix_and_la(default_council: SyntheticCouncil) -> None:
    s = default_council.tables["schools"]
    links = default_council.tables["school_links"]
    old = set(links.loc[links["link_type"] == "successor", "urn"])
    sites = s[~s["urn"].isin(old)]
    assert len(sites) == 120
    counts = sites["phase"].value_counts()
    assert 15 <= counts["secondary"] <= 20
    assert 3 <= counts["special"] <= 6
    assert (sites["establishment_type"] == "independent_special").sum() == 1
    assert set(s["la_code"]) == {"839"}
    cl = default_council.tables["clusters"]
    assert len(cl) == 10 and sorted(cl["rollout_wave"].unique()) == [1, 2, 3]
    assert set(cl["go_live_date"].dt.strftime("%Y-%m-%d")) == {
        "2023-09-01", "2024-09-01", "2025-09-01"}


def test_no_eah_requests_or_activity_before_go_live(small_council: SyntheticCouncil) -> None:
    go = _go_live_by_urn(small_council)
    req = small_council.tables["eah_requests"]
    act = small_council.tables["eah_activity"]
    assert len(req) > 0 and len(act) > 0
    assert (req["received_date"] >= req["urn"].map(go)).all()
    assert (act["activity_date"] >= act["urn"].map(go)).all()
    assert req["escalated_to_statutory"].any()


def test_statutory_assessment_activity_present(small_council: SyntheticCouncil) -> None:
    act = small_council.tables["eah_activity"]
    stat = act[act["activity_type"] == "statutory_assessment"]
    assert len(stat) > 0
    assert len(stat) < 0.2 * len(act)
    assert (act["hours"] > 0).all() and (act["hours"] <= 12).all()
    fin = small_council.tables["finance"]
    assert "statutory_assessment" in set(fin["cost_line"])
    assert "central" in set(fin["cluster_id"])


def test_request_dates_in_order(small_council: SyntheticCouncil) -> None:
    r = small_council.tables["eah_requests"]
    assert (r["triaged_date"].dropna() >= r.loc[r["triaged_date"].notna(), "received_date"]).all()
    has_first = r["first_support_date"].notna()
    assert (r.loc[has_first, "first_support_date"] >= r.loc[has_first, "triaged_date"]).all()
    e = small_council.tables["ehc_requests"]
    issued = e["outcome"] == "plan_issued"
    assert (e.loc[issued, "plan_issued_date"] > e.loc[issued, "decision_date"]).all()
    assert e.loc[~issued, "plan_issued_date"].isna().all()
    pending = e["decision"] == "pending"
    assert e.loc[pending, "decision_date"].isna().all()


def test_absence_within_possible(small_council: SyntheticCouncil) -> None:
    a = small_council.tables["attendance"]
    assert ((a["authorised_absence"] + a["unauthorised_absence"]) <= a["possible_sessions"]).all()
    assert (a["possible_sessions"] == 0).sum() < 0.01 * len(a)


def test_pupils_persist_and_advance(small_council: SyntheticCouncil) -> None:
    c = small_council.tables["pupil_census"].copy()
    c["y"] = c["census_date"].dt.year
    nxt = c[["pupil_id", "y", "age", "urn"]].assign(y=lambda f: f["y"] - 1)
    both = c.merge(nxt, on=["pupil_id", "y"], suffixes=("", "_next"))
    assert len(both) > 0.7 * len(c[c["y"] < c["y"].max()])
    assert (both["age_next"] == both["age"] + 1).all()
    # most pupils stay at the same school from one year to the next
    assert (both["urn_next"] == both["urn"]).mean() > 0.6


def test_census_pupils_attend_the_same_school(small_council: SyntheticCouncil) -> None:
    c = small_council.tables["pupil_census"]
    a = small_council.tables["attendance"]
    spring = a[a["term"] == "spring"].copy()
    ys = spring["academic_year"].str[:4].astype(int) + 1
    spring["y"] = ys
    c = c.assign(y=c["census_date"].dt.year)
    m = c.merge(spring, on=["pupil_id", "y"], how="left", suffixes=("", "_att"))
    assert m["urn_att"].notna().all()
    assert (m["urn_att"] == m["urn"]).all()
    assert (m["age_att"] == m["age"]).all()


def test_special_schools_mostly_plans(default_council: SyntheticCouncil) -> None:
    c = default_council.tables["pupil_census"].merge(
        default_council.tables["schools"][["urn", "phase"]], on="urn")
    spec = c[c["phase"] == "special"]
    assert (spec["sen_provision"] == "E").mean() > 0.85
    assert (spec["sen_provision"] != "N").all()
    assert c.loc[c["sen_provision"] == "N", "primary_need"].isna().all()
    assert c.loc[c["sen_provision"] != "N", "primary_need"].notna().all()


def test_workforce_lags_plan_after_go_live(small_council: SyntheticCouncil) -> None:
    w = small_council.tables["workforce"].merge(small_council.tables["clusters"], on="cluster_id")
    month = pd.to_datetime(w["month"] + "-01")
    first = w[(month >= w["go_live_date"]) & (month < w["go_live_date"] + pd.DateOffset(months=3))]
    late = w[month >= w["go_live_date"] + pd.DateOffset(months=24)]
    assert first["fte_in_post"].sum() < 0.8 * first["planned_fte"].sum()
    assert late["fte_in_post"].sum() > 0.85 * late["planned_fte"].sum()


def test_no_activity_after_a_school_closes(default_council: SyntheticCouncil) -> None:
    """Issue 13: delivery stops at closure (a converted school's work goes on its new URN)."""
    s = default_council.tables["schools"]
    close = s.dropna(subset=["close_date"]).set_index("urn")["close_date"]
    for table, column in (("eah_activity", "activity_date"), ("eah_requests", "received_date")):
        t = default_council.tables[table]
        when = pd.to_datetime(t[column])
        after = when > pd.to_datetime(t["urn"].map(close))
        assert not after.any(), (table, t.loc[after, "urn"].value_counts().to_dict())
