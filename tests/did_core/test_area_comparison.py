"""Comparison with other areas on the synthetic national panel: known truth recovered.

Known truth (styles 11): the staggered estimator with the authority as cluster, at authority and
at school level, and synthetic DiD / synthetic control of the demo council against authorities
not started, each over seeded draws of the national panel. A single draw lands outside its 95%
interval one time in twenty, so each test checks a set of fixed seeds: the share of intervals
holding the truth (at least the count a 95% interval misses with probability about 1-2%) and
the mean error (within three standard errors of the mean of the errors).

The council's own comparison (its rows computed from its own records, the other authorities
drawn beside them) is checked against the council's own planted truth over seeded small
councils.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eah_eval.data.periods import term_index
from eah_eval.data.synthetic.national import make_national
from eah_eval.did.areas import area_cohorts, area_synthdid, one_area_panel, select_series
from eah_eval.errors import EstimationError, EstimationWarning, OptionError
from eah_eval.inference.areas import area_staggered


def _check_recovery(errors: list[float], covered: list[bool], min_covered: int) -> None:
    err = np.asarray(errors)
    assert sum(covered) >= min_covered, (sum(covered), len(covered))
    assert abs(err.mean()) <= 3 * err.std(ddof=1) / np.sqrt(len(err)), err.mean()


def test_authority_level_recovers_the_simple_and_event_time_effects():
    errors, covered, event_cells, event_covered = [], [], 0, 0
    for seed in range(40):
        nat = make_national(seed=seed)
        res = area_staggered(nat.panel, nat.programme)
        o = res.overall
        errors.append(o["estimate"] - nat.truth["simple"])
        covered.append(o["ci_low"] <= nat.truth["simple"] <= o["ci_high"])
        ev = res.event_frame()
        ev = ev[(ev.index >= 0) & (ev["treated_authorities"] >= 50)]
        truth = np.array([nat.truth["effect_by_event_time"][int(e)] for e in ev.index])
        event_cells += len(ev)
        event_covered += int(((ev["ci_low"] <= truth) & (truth <= ev["ci_high"])).sum())
    _check_recovery(errors, covered, min_covered=34)  # P(fewer | 95% coverage) ~ 1.4%
    assert event_covered / event_cells >= 0.90, (event_covered, event_cells)


def test_school_level_recovers_the_simple_effect_with_authorities_as_clusters():
    errors, covered = [], []
    for seed in range(20):
        nat = make_national(seed=seed, level="school", schools_per_authority=8)
        res = area_staggered(nat.panel, nat.programme)
        assert res.n_units > res.n_clusters * 5
        o = res.overall
        errors.append(o["estimate"] - nat.truth["simple"])
        covered.append(o["ci_low"] <= nat.truth["simple"] <= o["ci_high"])
    _check_recovery(errors, covered, min_covered=16)  # P(fewer | 95% coverage) ~ 1.6%


@pytest.mark.parametrize("method", ["sdid", "sc"])
def test_one_area_against_authorities_not_started_recovers_its_effect(method):
    errors, covered = [], []
    for seed in range(10):
        nat = make_national(seed=seed)
        res = area_synthdid(nat.panel, nat.programme, "839", method=method, placebo=40,
                            rng=seed)
        n_post = int(res.event_effects["post"].sum())
        truth = np.mean([nat.truth["effect_by_event_time"][e] for e in range(n_post)])
        errors.append(res.estimate - truth)
        covered.append(res.ci_low <= truth <= res.ci_high)
        assert res.unit_weights.sum() == pytest.approx(1.0)
    _check_recovery(errors, covered, min_covered=8)  # P(fewer | 95% coverage) ~ 1.2%


def test_result_records_method_clusters_timing_and_exclusions():
    nat = make_national(seed=2)
    res = area_staggered(nat.panel, nat.programme, kinds=("simple", "event", "group"))
    hidden = len(nat.truth["hidden_first_treated"])
    assert dict(res.excluded) == {"no programme start known": hidden}
    assert res.n_clusters == 150 - hidden
    assert "The authority is the cluster (" in res.method_description
    assert "conventional cluster-robust inference is valid" in res.method_description
    assert res.timing_rule.startswith("first treated period = the first period starting")
    assert dict(res.cohorts) == {c: g for c, g in nat.truth["first_treated"].items()}
    assert set(res.aggregations) == {"simple", "event", "group"}
    assert "absence_persistent_pct (local_authority panel)" in str(res)
    kept = area_staggered(nat.panel, nat.programme, exclude=["839"], kinds=("simple",))
    assert kept.excluded["left out on request"] == 1 and "839" not in kept.cohorts
    # counting the authorities without a known start as never treated takes them in
    wide = area_staggered(nat.panel, nat.programme, unknown_start="never_treated",
                          kinds=("simple",))
    assert wide.n_clusters == 150 and not wide.excluded


def test_reordering_rows_and_relabelling_schools_change_nothing():
    nat = make_national(seed=3, level="school", schools_per_authority=5)
    base = area_staggered(nat.panel, nat.programme, kinds=("simple",)).overall
    shuffled = nat.panel.sample(frac=1.0, random_state=0)
    codes = {u: f"{900000 - i:06d}" for i, u in enumerate(sorted(shuffled.area_code.unique()))}
    shuffled = shuffled.assign(area_code=shuffled["area_code"].map(codes))
    other = area_staggered(shuffled, nat.programme.iloc[::-1], kinds=("simple",)).overall
    assert other["estimate"] == pytest.approx(base["estimate"], abs=1e-10)
    assert other["ci_low"] == pytest.approx(base["ci_low"], abs=1e-10)


def test_weighted_by_denominator_runs_and_differs():
    nat = make_national(seed=3, level="school", schools_per_authority=5)
    plain = area_staggered(nat.panel, nat.programme, kinds=("simple",)).overall["estimate"]
    weighted = area_staggered(nat.panel, nat.programme, kinds=("simple",),
                              weighted=True).overall["estimate"]
    assert weighted != pytest.approx(plain, abs=1e-9)
    with pytest.raises(OptionError, match=r"weighted=True needs a denominator on every row of "
                       r"the panel; 1 row\(s\) have none"):
        area_staggered(nat.panel.assign(denominator=nat.panel["denominator"].where(
            nat.panel.index != 0)), nat.programme, weighted=True)


def test_input_errors_by_message():
    nat = make_national(seed=1, n_authorities=40)
    two = pd.concat([nat.panel, nat.panel.assign(measure="absence_overall_pct")])
    with pytest.raises(OptionError, match=r"the panel holds several measure values "
                       r"\(absence_overall_pct, absence_persistent_pct\); choose one with "
                       r"measure=..."):
        area_staggered(two, nat.programme)
    assert area_staggered(two, nat.programme, measure="absence_overall_pct",
                          kinds=("simple",)).measure == "absence_overall_pct"
    with pytest.raises(OptionError, match="panel lacks the column"):
        area_staggered(nat.panel.drop(columns="la_code"), nat.programme)
    with pytest.raises(OptionError, match="programme lacks the column"):
        area_staggered(nat.panel, nat.programme.drop(columns="programme_start"))
    with pytest.raises(OptionError, match="kinds must be one of"):
        area_staggered(nat.panel, nat.programme, kinds=("overall",))
    late = nat.programme.assign(programme_start=pd.Timestamp("2030-09-01"))
    with pytest.raises(EstimationError, match=r"no authority in the panel starts the programme "
                       r"inside its window \(periods 6054 to 6083\)"):
        area_staggered(nat.panel, late)


def test_few_authorities_warn_that_conventional_inference_is_not_enough():
    nat = make_national(seed=1, n_authorities=20)
    with pytest.warns(EstimationWarning, match=r"only \d+ authorities: conventional "
                      "cluster-robust inference needs many clusters"):
        res = area_staggered(nat.panel, nat.programme, kinds=("simple",))
    assert "fewer than 30 clusters" in res.method_description


def test_one_area_panel_keeps_authorities_never_treated_in_the_window():
    nat = make_national(seed=6)
    frame, cohorts = one_area_panel(nat.panel, nat.programme, "839")
    controls = set(frame.loc[frame["la_code"] != "839", "la_code"])
    assert controls and all(cohorts.cohorts[c] == 0 for c in controls)
    assert frame.loc[frame["la_code"] == "839", "treated"].sum() == (
        cohorts.last_period - nat.truth["demo_first_treated"] + 1)
    neighbours = [c for c in nat.neighbours.loc[nat.neighbours.la_code == "839",
                                                "neighbour_la_code"] if c in controls]
    if len(neighbours) >= 2:
        sub, _ = one_area_panel(nat.panel, nat.programme, "839", controls=neighbours)
        assert set(sub["la_code"]) == {"839", *neighbours}
    late = next(c for c, g in cohorts.cohorts.items() if g == 0)
    with pytest.raises(EstimationError, match=f"authority {late} does not start inside the "
                       "panel's window"):
        one_area_panel(nat.panel, nat.programme, late)
    with pytest.raises(OptionError, match="la_code '001' has no local-authority rows"):
        one_area_panel(nat.panel, nat.programme, "001")
    rows, _, _ = select_series(nat.panel)
    with pytest.raises(OptionError, match="unknown_start must be one of"):
        area_cohorts(rows, nat.programme, unknown_start="guess")  # type: ignore[arg-type]


def test_later_periods_only_average_the_same_event_effects_under_plain_did():
    nat = make_national(seed=8)
    full = area_synthdid(nat.panel, nat.programme, "839", method="did", placebo=0)
    post = full.event_effects[full.event_effects["post"]]
    later_from = int(post["time"].iloc[6])
    later = area_synthdid(nat.panel, nat.programme, "839", method="did", placebo=0,
                          post_from=later_from)
    expected = post.loc[post["time"] >= later_from, "effect"].mean()
    assert later.estimate == pytest.approx(expected, abs=1e-10)
    assert later.first_treated == later_from  # the first period averaged
    with pytest.raises(EstimationError, match="post_from 9999 is after the panel's last period"):
        area_synthdid(nat.panel, nat.programme, "839", method="did", placebo=0, post_from=9999)


def test_adding_a_constant_to_the_outcome_changes_no_effect_and_the_frame_lists_all_rows():
    nat = make_national(seed=9)
    base = area_staggered(nat.panel, nat.programme)
    shifted = area_staggered(nat.panel.assign(value=nat.panel["value"] + 40.0), nat.programme)
    a, b = base.to_frame(), shifted.to_frame()
    assert list(a.columns[:3]) == ["kind", "label", "estimate"]
    assert len(a) == len(base.inference["simple"].labels) + len(base.inference["event"].labels)
    np.testing.assert_allclose(a["estimate"], b["estimate"], atol=1e-9)
    np.testing.assert_allclose(a["ci_high"], b["ci_high"], atol=1e-9)


def test_council_against_other_authorities_recovers_its_own_planted_effect():
    """The council's rows from its own records; the truth from its own truth.json."""
    from eah_eval.data.areas import council_area_panel
    from eah_eval.data.synthetic import make_council
    from eah_eval.data.synthetic.national_council import (
        council_external_truth,
        council_panels,
        make_national_for_council,
    )
    from eah_eval.measures import get_measure

    later = {"term": term_index("2025/26", "autumn"), "calendar_year": 2026}
    errors: dict[str, list[float]] = {}
    covered: list[bool] = []
    for seed in range(10):
        council = make_council(seed, small=True)
        panels = council_panels(council.tables, ("ehc_requests_per_1000",
                                                 "absence_persistent_pct"))
        nat = make_national_for_council(panels, council.truth, la_code="839",
                                        start="2023-09-01", seed=seed)
        for mid, own in panels.items():
            mine = council_area_panel(own, "839", multiplier=get_measure(mid).multiplier,
                                      levels=("local_authority",))
            panel = pd.concat([nat.panel, mine], ignore_index=True)
            for post_from in (None, later[mine["period_type"].iloc[0]]):
                res = area_synthdid(panel, nat.programme, "839", measure=mid, placebo=40,
                                    rng=seed, post_from=post_from)
                post = res.event_effects.loc[res.event_effects["post"], "time"]
                truth = council_external_truth(council.truth, mid, own, post.astype(int))
                errors.setdefault(mid, []).append(res.estimate - truth)
                covered.append(res.ci_low <= truth <= res.ci_high)
    assert sum(covered) >= 34, sum(covered)  # of 40; P(fewer | 95% coverage) ~ 1.4%
    for mid, err in errors.items():
        e = np.asarray(err)
        assert abs(e.mean()) <= 3 * e.std(ddof=1) / np.sqrt(len(e)), (mid, e.mean())
