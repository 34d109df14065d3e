"""Randomisation inference over rollout order: hand-countable toy design and design counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eah_eval.errors import EstimationError, OptionError
from eah_eval.inference.randomization import (
    ASSUMPTION,
    count_assignments,
    randomization_inference,
)


def _did(frame: pd.DataFrame) -> float:
    """Two-period difference in differences of cluster means (cohort 1 = treated, 0 = never)."""
    wide = frame.pivot(index="cluster", columns="t", values="y")
    dy = wide[1] - wide[0]
    treated = frame.groupby("cluster")["cohort"].first() == 1
    return float(dy[treated].mean() - dy[~treated].mean())


def _toy() -> pd.DataFrame:
    # changes y1 - y0 by cluster: A 5, B 3, C 1, D 0; A and B went live at t = 1
    rows = []
    for c, dy, g in [("A", 5, 1), ("B", 3, 1), ("C", 1, 0), ("D", 0, 0)]:
        rows += [(c, 0, 10.0, g), (c, 1, 10.0 + dy, g)]
    return pd.DataFrame(rows, columns=["cluster", "t", "y", "cohort"])


def test_toy_design_exact_pvalue_by_hand() -> None:
    # the 6 ways to choose 2 of 4 clusters give estimates 3.5, 1.5, 0.5, -0.5, -1.5, -3.5
    # (AB, AC, AD, BC, BD, CD); |estimate| >= 3.5 for AB and CD: p = 2/6
    res = randomization_inference(_toy(), _did, outcome="y", time="t", cohort="cohort",
                                  cluster="cluster", conf_int=False)
    assert res.estimate == pytest.approx(3.5)
    assert res.exact and res.n_assignments == 6 and res.total_assignments == 6
    assert res.pvalue == pytest.approx(2 / 6, abs=1e-12)
    assert res.assumption == ASSUMPTION and "as good as random" in res.summary()


def test_toy_null_shift_by_hand() -> None:
    # H0: effect = 1. Untreated changes: A 4, B 2, C 1, D 0. Under assignment S the estimate is
    # mean(untreated change in S) + 1 - mean(others): AB 3.5, AC 2.5, AD 2, BC 1.5, BD 1, CD -1.5;
    # distances from 1: 2.5, 1.5, 1, 0.5, 0, 2.5 -> p = 2/6
    res = randomization_inference(_toy(), _did, outcome="y", time="t", cohort="cohort",
                                  cluster="cluster", null=1.0, conf_int=False)
    assert res.pvalue == pytest.approx(2 / 6, abs=1e-12)
    res2 = randomization_inference(_toy(), _did, outcome="y", time="t", cohort="cohort",
                                   cluster="cluster", null=1.0, conf_int=False,
                                   linear_in_outcome=False)
    assert res2.pvalue == res.pvalue


def test_interval_by_inversion_consistent_with_pvalues() -> None:
    rng = np.random.default_rng(0)
    rows = []
    for c in range(8):
        g = 1 if c < 4 else 0
        base = rng.normal()
        rows += [(c, 0, base, g), (c, 1, base + 0.8 * g + rng.normal(scale=0.3), g)]
    df = pd.DataFrame(rows, columns=["cluster", "t", "y", "cohort"])
    res = randomization_inference(df, _did, outcome="y", time="t", cohort="cohort",
                                  cluster="cluster", level=0.8)
    assert res.total_assignments == 70 and res.exact
    assert res.ci_low < res.estimate < res.ci_high
    kw = {"outcome": "y", "time": "t", "cohort": "cohort", "cluster": "cluster",
          "conf_int": False}
    assert randomization_inference(df, _did, null=res.ci_high + 1e-5, **kw).pvalue <= 0.2
    assert randomization_inference(df, _did, null=res.ci_high - 1e-5, **kw).pvalue > 0.2


def test_multinomial_count_and_exact_enumeration_4200() -> None:
    assert count_assignments([3, 3, 4]) == 4200
    rng = np.random.default_rng(1)
    waves = [3] * 3 + [5] * 3 + [0] * 4
    rows = []
    for c, g in enumerate(waves):
        for t in range(1, 8):
            rows.append((c, t, rng.normal() + (0.5 if g and t >= g else 0.0), g))
    df = pd.DataFrame(rows, columns=["cluster", "t", "y", "cohort"])

    def post_minus_pre(frame: pd.DataFrame) -> float:
        g = frame["cohort"].to_numpy()
        d = (g > 0) & (frame["t"].to_numpy() >= g)
        return float(frame["y"][d].mean() - frame["y"][~d].mean())

    res = randomization_inference(df, post_minus_pre, outcome="y", time="t", cohort="cohort",
                                  cluster="cluster", conf_int=False)
    assert res.exact and res.n_assignments == 4200
    sampled = randomization_inference(df, post_minus_pre, outcome="y", time="t",
                                      cohort="cohort", cluster="cluster", conf_int=False,
                                      max_exact=100, draws=199, rng=5)
    assert not sampled.exact and sampled.n_assignments == 200 and sampled.seed == 5
    assert abs(sampled.pvalue - res.pvalue) < 0.15


def test_errors() -> None:
    df = _toy()
    with pytest.raises(OptionError, match="column 'nope' not found"):
        randomization_inference(df, _did, outcome="nope", time="t", cohort="cohort",
                                cluster="cluster")
    bad = df.copy()
    bad.loc[0, "cohort"] = 0
    with pytest.raises(EstimationError, match="varies within cluster 'A'"):
        randomization_inference(bad, _did, outcome="y", time="t", cohort="cohort",
                                cluster="cluster")
    one = df.assign(cohort=1)
    with pytest.raises(EstimationError, match="two different waves"):
        randomization_inference(one, _did, outcome="y", time="t", cohort="cohort",
                                cluster="cluster")
