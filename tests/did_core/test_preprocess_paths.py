"""The wide-array builder takes shortcuts for panels sorted by unit then period; they must give
the same answers and the same errors as the general path (rows in any order)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eah_eval.did import aggregate, att_gt
from eah_eval.errors import EstimationError


@pytest.fixture
def sorted_df(panel_maker):
    df = panel_maker(n_units=240, seed=7)
    df = df.sort_values(["id", "t"]).reset_index(drop=True)
    df["cl"] = df["id"] % 12
    return df


def _shuffled(df: pd.DataFrame) -> pd.DataFrame:
    return df.sample(frac=1.0, random_state=3).reset_index(drop=True)


@pytest.mark.parametrize("missing", [False, True])
def test_sorted_and_shuffled_rows_agree(sorted_df, missing):
    df = sorted_df.copy()
    if missing:  # some unusable outcomes: the sorted shortcut fills NaN instead of scattering
        df.loc[df.index[5::37], "y"] = np.nan
    a = att_gt(df, "y", "id", "t", "g", cluster="cl")
    b = att_gt(_shuffled(df), "y", "id", "t", "g", cluster="cl")
    np.testing.assert_allclose(a.estimates, b.estimates, rtol=0, atol=1e-12)
    np.testing.assert_allclose(a.std_errors, b.std_errors, rtol=0, atol=1e-12)
    np.testing.assert_allclose(a.influence, b.influence, rtol=0, atol=1e-12)
    assert a.metadata["panel"] == b.metadata["panel"]
    ea, eb = aggregate(a, "event"), aggregate(b, "event")
    np.testing.assert_allclose(ea.std_errors, eb.std_errors, rtol=0, atol=1e-12)
    assert a.pretest.statistic == pytest.approx(b.pretest.statistic, rel=1e-10)


def test_sorted_panel_cohort_change_mid_unit(sorted_df):
    bad = sorted_df.copy()
    unit = bad["id"].unique()[3]
    last_row = bad.index[bad["id"] == unit][-1]
    bad.loc[last_row, "g"] = bad.loc[last_row, "g"] + 1
    with pytest.raises(EstimationError,
                       match=f"cohort column 'g' must be constant within each unit; unit {unit} "):
        att_gt(bad, "y", "id", "t", "g")


def test_sorted_panel_cluster_change_mid_unit(sorted_df):
    bad = sorted_df.copy()
    unit = bad["id"].unique()[5]
    row = bad.index[bad["id"] == unit][2]
    bad.loc[row, "cl"] = 99
    with pytest.raises(EstimationError,
                       match=f"cluster column .cl. must be constant within each unit; "
                             f"unit {unit} "):
        att_gt(bad, "y", "id", "t", "g", cluster="cl")


def test_sorted_panel_duplicate_period_is_refused(sorted_df):
    bad = sorted_df.copy()
    unit = bad["id"].unique()[0]
    rows = bad.index[bad["id"] == unit]
    bad.loc[rows[1], "t"] = bad.loc[rows[0], "t"]  # same row count, one period twice
    with pytest.raises(EstimationError, match=f"unit {unit} has more than one row"):
        att_gt(bad, "y", "id", "t", "g")
