"""The synthetic national panel: seeded, the demo council among its authorities, truth recorded."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

from eah_eval.data.periods import term_index
from eah_eval.data.synthetic import DEFAULT_WAVES, make_council
from eah_eval.data.synthetic.national import make_national
from eah_eval.errors import OptionError


def test_same_seed_same_tables_other_seed_other_draws():
    a, b = make_national(seed=11), make_national(seed=11)
    pd.testing.assert_frame_equal(a.panel, b.panel)
    pd.testing.assert_frame_equal(a.programme, b.programme)
    assert a.truth == b.truth and a.seed == 11
    c = make_national(seed=12)
    assert not np.allclose(a.panel["value"].to_numpy(), c.panel["value"].to_numpy())


def test_demo_council_is_an_authority_with_its_code_and_first_go_live():
    la = inspect.signature(make_council).parameters["la_code"].default
    go_live = pd.Timestamp(min(DEFAULT_WAVES))
    nat = make_national()  # its defaults are the demo council's LA code and first go-live
    row = nat.programme.set_index("la_code").loc[la]
    assert row["programme_start"] == go_live and row["la_name"].startswith("Synthetic council")
    assert nat.truth["demo_first_treated"] == term_index("2023/24", "autumn")
    assert nat.truth["first_treated"][la] == nat.truth["demo_first_treated"]


def test_shape_staggered_starts_and_truth():
    nat = make_national()
    assert nat.programme["la_code"].nunique() == 150
    assert len(nat.panel) == 150 * 30 and nat.panel["period_index"].nunique() == 30
    cohorts = set(nat.truth["first_treated"].values())
    assert len(cohorts - {0}) >= 6 and 0 in cohorts  # staggered, and some never within window
    # authorities without a known start have one all the same (hidden), inside the window
    hidden = nat.truth["hidden_first_treated"]
    assert hidden and all(g > 0 for g in hidden.values())
    assert set(hidden) == set(nat.programme.loc[nat.programme["programme_start"].isna(),
                                                "la_code"])
    effects = nat.truth["effect_by_event_time"]
    assert effects[0] == -1.0 and effects[6] == pytest.approx(-1.9) and effects[20] == effects[6]
    assert min(effects.values()) <= nat.truth["simple"] <= max(effects.values())


def test_school_panel_aggregates_to_the_authority_panel():
    la = make_national(seed=4, schools_per_authority=6)
    sc = make_national(seed=4, schools_per_authority=6, level="school")
    assert sc.parameters["n_schools"] == sc.panel["area_code"].nunique()
    sums = sc.panel.groupby(["la_code", "period_index"])[["numerator", "denominator"]].sum()
    merged = la.panel.set_index(["la_code", "period_index"])[["numerator", "denominator"]]
    pd.testing.assert_frame_equal(sums.sort_index(), merged.sort_index(), check_names=False)
    assert (sc.panel["area_code"].str.len() == 6).all()


@pytest.mark.parametrize(("kwargs", "text"), [
    ({"level": "region"}, "level must be one of"),
    ({"n_authorities": 5}, "n_authorities must be at least 20; got 5"),
    ({"demo_la_code": "83"}, "demo_la_code must be three digits such as '839'; got '83'"),
    ({"demo_start": "2030-09-01"}, r"demo_start must fall after the first term and inside the "
     r"window \(2018/19 autumn to 2027/28 summer\); got 2030-09-01"),
    ({"demo_start": "soon"}, "demo_start must be a date YYYY-MM-DD; got 'soon'"),
])
def test_bad_options(kwargs, text):
    with pytest.raises(OptionError, match=text):
        make_national(**kwargs)


# ---- the other authorities of a council's comparison, drawn beside its own data ----------

@pytest.fixture(scope="module")
def small_council():
    from eah_eval.data.synthetic.national_council import council_panels

    council = make_council(4, small=True)
    return council, council_panels(council.tables)


def test_other_authorities_for_a_council_leave_its_rows_to_the_report(small_council):
    from eah_eval.data.synthetic.national_council import (
        NATIONAL_MEASURES,
        make_national_for_council,
    )

    council, panels = small_council
    nat = make_national_for_council(panels, council.truth, la_code="839", start="2023-09-01",
                                    n_authorities=40, schools_per_authority=20, seed=3)
    # the council is listed (start, neighbours) but has no rows: the report adds its own
    assert "839" not in set(nat.panel["la_code"]) and nat.panel["la_code"].nunique() == 39
    row = nat.programme.set_index("la_code").loc["839"]
    assert row["programme_start"] == pd.Timestamp("2023-09-01")
    assert (nat.neighbours["la_code"] == "839").sum() == 10
    assert tuple(nat.truth["measures"]) == NATIONAL_MEASURES
    grains = nat.panel.groupby("measure")["period_type"].unique().map(tuple).to_dict()
    assert grains["ehc_requests_per_1000"] == ("calendar_year",)  # as SEN2 publishes
    assert grains["absence_persistent_pct"] == ("term",)
    assert grains["sen_support_pct"] == ("academic_year",)
    # each measure's periods are the council's complete periods
    for mid, panel in panels.items():
        partial = set(panel.attrs.get("partial_period_indexes", ()))
        want = set(panel["period_index"]) - partial
        assert set(nat.panel.loc[nat.panel["measure"] == mid, "period_index"]) == want, mid
    # the other authorities' effect by event time is the council's planted one
    block = council.truth["measures"]["absence_persistent_pct"]["by_event_time"]
    planted = {r["event_time"]: r["effect_pupil_weighted"] for r in block}
    assert dict(nat.truth["measures"]["absence_persistent_pct"]["effect_by_event_time"]) == (
        planted)
    again = make_national_for_council(panels, council.truth, la_code="839",
                                      start="2023-09-01", n_authorities=40,
                                      schools_per_authority=20, seed=3)
    pd.testing.assert_frame_equal(nat.panel, again.panel)


def test_other_authorities_sit_beside_the_council_level_and_season(small_council):
    from eah_eval.data.synthetic.national_council import (
        council_effect_by_period,
        make_national_for_council,
    )

    council, panels = small_council
    nat = make_national_for_council(panels, council.truth, la_code="839", start="2023-09-01",
                                    n_authorities=60, schools_per_authority=30, seed=5)
    mid = "absence_persistent_pct"
    own = panels[mid].groupby("period_index")[["numerator", "denominator"]].sum()
    mine = 100 * own["numerator"] / own["denominator"]
    without = mine - council_effect_by_period(council.truth, mid, panels[mid])
    theirs = nat.panel[nat.panel["measure"] == mid].groupby("period_index")["value"].median()
    before = [t for t in theirs.index if t < term_index("2023/24", "autumn")]
    # the middle authority is within a fifth of the council's level without the programme
    gap = (theirs[before] - without[before]).abs() / without[before]
    assert gap.max() < 0.2
    # and shares its season: autumn below spring in both
    assert (theirs[before[0]] < theirs[before[1]]) == (without[before[0]] < without[before[1]])


def test_council_effect_by_period_weights_waves_by_their_pupils():
    from eah_eval.data.synthetic.national_council import council_effect_by_period

    truth = {"measures": {"m": {"grain": "term", "by_wave_event_time": [
        {"wave": 1, "period_index": 10, "effect_pupil_weighted": -2.0},
        {"wave": 1, "period_index": 11, "effect_pupil_weighted": -2.0},
        {"wave": 2, "period_index": 11, "effect_pupil_weighted": -1.0}]}}}
    panel = pd.DataFrame({"wave": [1, 2, 1, 2, 1, 2], "period_index": [9, 9, 10, 10, 11, 11],
                          "denominator": [100.0, 300.0, 100.0, 300.0, 100.0, 300.0]})
    panel.attrs["period"] = "term"
    got = council_effect_by_period(truth, "m", panel).to_dict()
    # period 10: wave 2 not started counts zero; period 11: (100 x -2 + 300 x -1) / 400
    assert got == {9: 0.0, 10: -0.5, 11: -1.25}
    with pytest.raises(OptionError, match="the council's truth has no measure 'other'"):
        council_effect_by_period(truth, "other", panel)
    panel.attrs["period"] = "calendar_year"
    with pytest.raises(OptionError, match="the council's truth has m by term, not by "
                                          "calendar_year"):
        council_effect_by_period(truth, "m", panel)


@pytest.mark.parametrize(("kwargs", "text"), [
    ({"n_authorities": 10}, "n_authorities must be at least 20; got 10"),
    ({"la_code": "8390"}, "la_code must be three digits such as '839'; got '8390'"),
    ({"start": "September"}, "start must be a date YYYY-MM-DD; got 'September'"),
    ({"schools_per_authority": 1}, "schools_per_authority must be at least 3; got 1"),
])
def test_other_authorities_refuse_bad_options_by_message(small_council, kwargs, text):
    from eah_eval.data.synthetic.national_council import make_national_for_council

    council, panels = small_council
    args = {"la_code": "839", "start": "2023-09-01"} | kwargs
    with pytest.raises(OptionError, match=text):
        make_national_for_council(panels, council.truth, **args)
    with pytest.raises(OptionError, match="panels must hold at least one measure's panel"):
        make_national_for_council({}, council.truth, la_code="839", start="2023-09-01")
