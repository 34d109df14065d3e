from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from eah_eval.errors import EstimationError, OptionError
from eah_eval.sensitivity import (
    honest_did_event,
    pretrend_test,
    pretrend_test_event,
)


def test_wald_by_hand() -> None:
    b = np.array([0.1, -0.2, 0.05])
    v = np.diag([0.01, 0.04, 0.0025])
    res = pretrend_test(b, v, names=["a", "b", "c"])
    w = 0.1**2 / 0.01 + 0.2**2 / 0.04 + 0.05**2 / 0.0025
    assert res.statistic == pytest.approx(w)
    assert res.df == 3
    assert res.pvalue == pytest.approx(stats.chi2.sf(w, 3))
    assert "does not show parallel trends" in str(res)
    # correlated case equals b' V^-1 b
    a = np.array([[2.0, 0.5, 0.1], [0.5, 1.0, 0.3], [0.1, 0.3, 1.5]]) * 0.01
    assert pretrend_test(b, a).statistic == pytest.approx(b @ np.linalg.solve(a, b))


def test_errors() -> None:
    with pytest.raises(OptionError, match="covariance must be 2 x 2"):
        pretrend_test([0.0, 1.0], np.eye(3))
    with pytest.raises(EstimationError, match="covariance is zero"):
        pretrend_test([0.0], [[0.0]])


def _event(base_period: str = "universal"):
    did = pytest.importorskip("eah_eval.did")
    rng = np.random.default_rng(0)
    rows = []
    for u in range(80):
        c = u % 10
        g = [3, 3, 3, 5, 5, 5, 0, 0, 0, 0][c]
        for t in range(1, 8):
            rows.append((u, c, t, g, rng.normal() + (0.5 if g and t >= g else 0.0)))
    df = pd.DataFrame(rows, columns=["unit", "cl", "t", "g", "y"])
    gt = did.att_gt(df, outcome="y", unit="unit", time="t", cohort="g", cluster="cl",
                    base_period=base_period)
    return did.aggregate(gt, "event")


def test_event_study_connectors() -> None:
    ev = _event()
    res = pretrend_test_event(ev)
    assert res.terms == ("e=-4", "e=-3", "e=-2")
    frame = ev.table.to_frame()
    se = frame.set_index("event_time").loc[[-4, -3, -2], "std_error"].to_numpy()
    # the covariance's diagonal reproduces the aggregation's analytic standard errors
    from eah_eval.sensitivity import event_study_inputs

    _, _, v = event_study_inputs(ev)
    np.testing.assert_allclose(np.sqrt(np.diag(v))[:3], se, rtol=1e-8)
    h = honest_did_event(ev, m_values=[0.0, 1.0], breakdown=False)
    assert h.num_pre_periods == 3 and h.num_post_periods == 5
    assert h.estimate == pytest.approx(float(frame.set_index("event_time").loc[0, "estimate"]))


def test_honest_event_needs_universal_base() -> None:
    with pytest.raises(OptionError, match="universal base period"):
        honest_did_event(_event("varying"))
