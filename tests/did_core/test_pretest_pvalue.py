"""The Wald pre-test's p-value (closed-form chi-squared tail) equals SciPy's."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import chdtrc

from eah_eval.did import att_gt
from eah_eval.did.attgt import _chi2_sf


@pytest.mark.parametrize("df", [*range(1, 41), 99, 100, 201])
def test_tail_equals_scipy(df):
    for x in np.r_[np.geomspace(1e-9, 2000.0, 120), df, df + 0.5]:
        want = float(chdtrc(df, x))
        got = _chi2_sf(float(x), df)
        if want > 1e-100:
            assert got == pytest.approx(want, rel=1e-12, abs=0.0), (df, x)
        else:
            assert got <= 1e-99


def test_tail_edges():
    assert _chi2_sf(0.0, 3) == 1.0
    assert _chi2_sf(float("inf"), 3) == 0.0
    assert np.isnan(_chi2_sf(float("nan"), 3))


def test_pretest_pvalue_matches_scipy(panel_maker):
    for seed in range(3):
        pre = att_gt(panel_maker(n_units=300, seed=seed), "y", "id", "t", "g").pretest
        assert pre.df > 0
        assert pre.pvalue == pytest.approx(float(chdtrc(pre.df, pre.statistic)), rel=1e-12)
