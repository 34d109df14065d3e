"""Programme scope: which schools Experts at Hand serves, applied alike to panels and series.

The hand-made council (conftest) has two special schools: 100005 (LA special, C2) and 100007
(independent special, C2, opened 2024-09-01), with census, suspension and EHC request records.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eah_eval.errors import OptionError, OptionTypeError
from eah_eval.measures import compute, open_tables, rollout_panel
from eah_eval.measures.programme import (
    DEFAULT_SCOPE,
    SETTINGS,
    ProgrammeScope,
    not_served_reason,
    school_settings,
)

SPECIAL = not_served_reason("special")
WITH_SPECIAL = ProgrammeScope(phases=("primary", "secondary", "special"))


# ------------------------------------------------------------------------ the option


def test_default_scope_is_mainstream_primary_and_secondary() -> None:
    scope = ProgrammeScope()
    assert scope == DEFAULT_SCOPE and scope.is_default
    assert scope.phases == ("primary", "secondary")
    assert scope.not_served == ("nursery", "middle", "all_through", "special",
                                "alternative_provision")
    assert scope.describe() == (
        "Experts at Hand serves primary and secondary schools; not served: nursery schools, "
        "middle schools, all-through schools, special schools and alternative provision "
        "(including pupil referral units)."
    )
    d = scope.to_dict()
    assert d["phases"] == ["primary", "secondary"]
    assert d["not_served"] == ["nursery", "middle", "all_through", "special",
                               "alternative_provision"]
    assert d["description"] == scope.describe()
    assert "pupil referral unit" in d["rule"]


def test_phases_are_normalised_to_schema_order() -> None:
    scope = ProgrammeScope(phases=["special", "secondary", "primary", "primary"])
    assert scope.phases == ("primary", "secondary", "special")
    assert scope == WITH_SPECIAL and hash(scope) == hash(WITH_SPECIAL)
    assert not scope.is_default
    assert scope.describe().startswith(
        "Experts at Hand serves primary, secondary and special schools; not served:")
    every = ProgrammeScope(phases=SETTINGS)
    assert every.not_served == ()
    assert every.describe().endswith("special schools and alternative provision (including "
                                     "pupil referral units).")


def test_unknown_phase_is_refused_by_message() -> None:
    with pytest.raises(OptionError, match=r"phases must be one of 'nursery', 'primary', "
                       r"'middle', 'secondary', 'all_through', 'special', "
                       r"'alternative_provision'; got 'specialist'"):
        ProgrammeScope(phases=("primary", "specialist"))
    with pytest.raises(OptionTypeError, match=r"phases must be a tuple of settings .*got str "
                       r"'special'"):
        ProgrammeScope(phases="special")  # type: ignore[arg-type]
    with pytest.raises(OptionTypeError, match=r"phases must be a string, one of .*got int 3"):
        ProgrammeScope(phases=(3,))  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="phases must name at least one setting served"):
        ProgrammeScope(phases=())


def test_settings_read_phase_and_establishment_type() -> None:
    schools = pd.DataFrame({
        "phase": ["primary", "secondary", "special", "secondary", "alternative_provision",
                  "primary", "nursery", "all_through", "middle", "boarding"],
        "establishment_type": ["academy", "community", "la_special", "academy_special",
                               "community", "pupil_referral_unit", "community", "academy",
                               "foundation", "community"],
    }, index=list("abcdefghij"))
    settings = school_settings(schools)
    assert settings.tolist() == ["primary", "secondary", "special", "special",
                                 "alternative_provision", "alternative_provision", "nursery",
                                 "all_through", "middle", "unknown"]
    served = ProgrammeScope().serves(schools)
    assert served.index.tolist() == list("abcdefghij")
    assert served.tolist() == [True, True] + [False] * 8
    mainstream = ProgrammeScope(phases=("primary", "middle", "secondary", "all_through"))
    assert mainstream.serves(schools).tolist() == [True, True, False, False, False, False,
                                                   False, True, True, False]
    with pytest.raises(OptionError, match=r"needs the column.*'establishment_type'"):
        ProgrammeScope().serves(schools[["phase"]])
    with pytest.raises(OptionTypeError, match="schools must be a pandas DataFrame"):
        ProgrammeScope().serves([1, 2])  # type: ignore[arg-type]


def test_scope_argument_is_checked(frames) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(OptionTypeError, match=r"scope must be a ProgrammeScope .* got str "
                       r"'mainstream'"):
        compute(frames, "sen_support_pct", scope="mainstream")  # type: ignore[arg-type]
    with pytest.raises(OptionTypeError, match="scope must be a ProgrammeScope"):
        rollout_panel(frames, "sen_support_pct", scope=("primary",))  # type: ignore[arg-type]


# ------------------------------------------------------------------------ rollout panels


def test_default_panel_has_no_special_school(frames) -> None:  # type: ignore[no-untyped-def]
    ts = open_tables(frames)
    panel = rollout_panel(ts, "suspension_rate")
    assert not {"100005", "100007"} & set(panel["unit"])
    assert {"100001", "100003", "100004"} <= set(panel["unit"])
    assert panel.attrs["scope"] == ProgrammeScope().to_dict()
    assert panel.attrs["scope_text"] == ProgrammeScope().describe()
    # the suspension (S7) and the census records of both special schools are left out
    assert panel.attrs["excluded_not_served"] == {SPECIAL: 2}
    assert panel.attrs["not_served_urns"] == ["100005", "100007"]
    assert panel.attrs["rows_not_served"] == {SPECIAL: 1 + 6}
    acc = panel.attrs["accounting"].set_index(["table", "reason"])["rows"]
    assert acc[("suspensions", SPECIAL)] == 1
    assert acc[("pupil_census", SPECIAL)] == 6
    # the C2 cluster series is built from its served schools only
    cluster = rollout_panel(ts, "sen_support_pct", level="cluster")
    served = rollout_panel(ts, "sen_support_pct")
    by_cluster = served.groupby(["cluster", "period_index"])[["numerator", "denominator"]].sum()
    got = cluster.set_index(["unit", "period_index"])[["numerator", "denominator"]]
    np.testing.assert_allclose(got.to_numpy(), by_cluster.to_numpy())
    assert cluster.attrs["excluded_not_served"] == {SPECIAL: 2}


def test_scope_with_special_schools_brings_them_back(frames) -> None:  # type: ignore[no-untyped-def]
    ts = open_tables(frames)
    panel = rollout_panel(ts, "sen_support_pct", scope=WITH_SPECIAL)
    assert {"100005", "100007"} <= set(panel["unit"])
    assert panel.attrs["excluded_not_served"] == {}
    assert panel.attrs["not_served_urns"] == []
    everyone = rollout_panel(ts, "sen_support_pct", scope=None)
    pd.testing.assert_frame_equal(panel, everyone)
    assert everyone.attrs["scope"] is None
    assert everyone.attrs["scope_text"] == "every school (no programme scope)"


def test_scope_follows_urn_lineage(frames) -> None:  # type: ignore[no-untyped-def]
    # the academy 100003 (successor of 100002) becomes a special academy: the records of its
    # predecessor URN belong to the special school and leave the default panel with it
    changed = dict(frames)
    schools = frames["schools"].copy()
    schools.loc[schools["urn"] == "100003", ["phase", "establishment_type"]] = (
        "special", "academy_special")
    changed["schools"] = schools
    panel = rollout_panel(changed, "absence_overall_pct")
    assert "100003" not in set(panel["unit"]) and "100002" not in set(panel["unit"])
    assert panel.attrs["not_served_urns"] == ["100003"]  # attendance has no special rows
    acc = panel.attrs["accounting"].set_index(["table", "reason"])["rows"]
    # P06 autumn 2024/25 at 100003 and P05 summer 2023/24 at the predecessor 100002
    assert acc[("attendance", SPECIAL)] == 2
    # and the other way round: a special predecessor of a served successor counts as served
    back = dict(frames)
    schools = frames["schools"].copy()
    schools.loc[schools["urn"] == "100002", ["phase", "establishment_type"]] = (
        "special", "la_special")
    back["schools"] = schools
    panel = rollout_panel(back, "absence_overall_pct")
    assert "100003" in set(panel["unit"])
    assert panel.attrs["excluded_not_served"] == {}


# ------------------------------------------------------------------------ series


def test_compute_default_keeps_every_school(frames) -> None:  # type: ignore[no-untyped-def]
    ts = open_tables(frames)
    res = compute(ts, "sen_support_pct", level="school")
    assert {"100005", "100007"} <= set(res.frame["unit"])
    assert res.scope is None and res.excluded_not_served == {}
    assert "programme scope" not in res.describe()


def test_compute_with_scope_sums_served_schools(frames) -> None:  # type: ignore[no-untyped-def]
    ts = open_tables(frames)
    for mid in ("sen_support_pct", "suspension_rate", "ehc_requests_per_1000",
                "absence_overall_pct"):
        school = compute(ts, mid, level="school").frame
        school = school[~school["unit"].isin(["100005", "100007"])]
        la = compute(ts, mid, level="la", scope=ProgrammeScope()).frame
        want = school.groupby("period_index")["numerator"].sum()
        got = la.set_index("period_index")["numerator"].reindex(want.index, fill_value=0.0)
        np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), err_msg=mid)
    res = compute(ts, "ehc_requests_per_1000", level="la", scope=ProgrammeScope())
    assert res.scope == ProgrammeScope()
    assert res.not_served["urn"].tolist() == ["100005", "100007"]
    assert res.excluded_not_served == {SPECIAL: 2}
    text = res.describe()
    assert f"programme scope: {ProgrammeScope().describe()}" in text
    assert f"Schools left out: 2 {SPECIAL}." in text
    assert f"1 {SPECIAL}" in text  # the special school's EHC request, in the row lines


def test_scope_not_applied_to_placements(frames) -> None:  # type: ignore[no-untyped-def]
    ts = open_tables(frames)
    plain = compute(ts, "ehc_special_placement_pct", level="la")
    scoped = compute(ts, "ehc_special_placement_pct", level="la", scope=ProgrammeScope())
    pd.testing.assert_frame_equal(plain.frame, scoped.frame)
    assert scoped.scope is None
    assert scoped.notes[-1].startswith("programme scope not applied: the measure counts EHC "
                                       "plans placed in special settings")


def test_process_measures_count_served_schools(frames) -> None:  # type: ignore[no-untyped-def]
    ts = open_tables(frames)
    base = compute(ts, "eah_requests_per_school", level="la")
    scoped = compute(ts, "eah_requests_per_school", level="la", scope=ProgrammeScope())
    # the default scope and the built-in mainstream rule agree on this council
    pd.testing.assert_frame_equal(base.frame, scoped.frame)
    wide = compute(ts, "eah_requests_per_school", level="la", scope=WITH_SPECIAL).frame
    assert (wide["denominator"].to_numpy() >= base.frame["denominator"].to_numpy()).all()
    assert (wide["denominator"].to_numpy() > base.frame["denominator"].to_numpy()).any()


# ------------------------------------------------------------------------ synthetic truth


def test_truth_and_panels_use_one_scope() -> None:
    synthetic = pytest.importorskip("eah_eval.data.synthetic")
    council = synthetic.make_council(20261130, small=True)
    ts = open_tables(council)
    recorded = council.truth["conventions"]["scope"]
    assert recorded["phases"] == list(ProgrammeScope().phases)
    # the schools ProgrammeScope() leaves out (read from each school's latest URN) are the
    # ones truth leaves out
    schools = council.tables["schools"]
    latest = schools[schools["urn"].isin(ts.lineage.mapping["canonical_urn"])]
    assert len(latest) == 12  # one row per school, across URN changes
    left_out = sorted(latest.loc[~ProgrammeScope().serves(latest), "urn"])
    assert left_out == recorded["urns_not_served"]
    panel = rollout_panel(ts, "absence_overall_pct")
    assert panel.attrs["not_served_urns"] == recorded["urns_not_served"]
    assert not set(panel["unit"]) & set(recorded["urns_not_served"])
    assert panel["unit"].nunique() <= recorded["schools_served"]
    # a scope with special schools: the panel brings them back and truth averages over them
    wide = synthetic.make_council(20261130, small=True, scope=WITH_SPECIAL)
    assert wide.truth["conventions"]["scope"]["phases"] == list(WITH_SPECIAL.phases)
    assert wide.truth["conventions"]["scope"]["urns_not_served"] == []
    back = rollout_panel(ts, "absence_overall_pct", scope=WITH_SPECIAL)
    assert set(recorded["urns_not_served"]) <= set(back["unit"])
    m = council.truth["measures"]["absence_overall_pct"]
    every = {(r["population"], r["window"], r["weighting"]): r["effect"] for r in m["overall"]}
    assert wide.truth["measures"]["absence_overall_pct"]["simple"] == \
        every[("all_schools", "all_post", "equal")]


def test_school_scope_counts_each_school_once(frames) -> None:  # type: ignore[no-untyped-def]
    from eah_eval.measures.programme import school_scope

    table = school_scope(frames)
    # 100002 became 100003: six schools, not seven
    assert table["urn"].tolist() == ["100001", "100003", "100004", "100005", "100006",
                                     "100007"]
    assert table["served"].tolist() == [True, True, True, False, True, False]
    assert table.loc[~table["served"], "reason"].unique().tolist() == [SPECIAL]
    assert table["setting"].tolist()[3] == "special"
    assert school_scope(frames, None)["served"].all()
    assert school_scope(frames, WITH_SPECIAL)["served"].all()


def test_settings_are_the_schema_vocabulary() -> None:
    from eah_eval.data.schema import fields
    from eah_eval.measures.programme import ALTERNATIVE_PROVISION_TYPES, SPECIAL_TYPES

    spec = {f["name"]: f for f in fields("schools")}
    assert SETTINGS == tuple(spec["phase"]["constraints"]["enum"])
    types = set(spec["establishment_type"]["constraints"]["enum"])
    assert set(SPECIAL_TYPES) | set(ALTERNATIVE_PROVISION_TYPES) <= types
