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
