"""A slow per-cell oracle (one explicit 2x2 per cell, no shared fits) against att_gt."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eah_eval.did import att_gt
from eah_eval.did.drdid import estimate_2x2


def _oracle(df, res, *, control_group, method, covariates, weights):
    wide_y = df.pivot(index="id", columns="t", values="y")
    cohort = df.groupby("id")["g"].first().reindex(wide_y.index).to_numpy()
    n = len(wide_y)
    out = []
    for g, t, b in zip(res.groups, res.times, res.base_periods, strict=True):
        if b == t:
            out.append((0.0, np.zeros(n)))
            continue
        if control_group == "never_treated":
            ctrl = cohort == 0
        else:
            ctrl = (cohort == 0) | ((cohort > max(t, b)) & (cohort != g))
        both = wide_y[t].notna().to_numpy() & wide_y[b].notna().to_numpy()
        sel = np.flatnonzero(((cohort == g) | ctrl) & both)
        early = min(t, b)
        dy = (wide_y[t] - wide_y[b]).to_numpy()[sel]
        d = (cohort[sel] == g).astype(float)
        cols = [np.ones(sel.size)]
        for c in covariates:
            cols.append(df.pivot(index="id", columns="t", values=c)[early].to_numpy()[sel])
        w = (df.pivot(index="id", columns="t", values=weights)[early].to_numpy()[sel]
             if weights else np.ones(sel.size))
        r = estimate_2x2(dy, d, np.column_stack(cols), w, method)
        psi = np.zeros(n)
        psi[sel] = r.influence * n / sel.size
        out.append((r.att, psi))
    return out


@pytest.mark.parametrize("control_group", ["never_treated", "not_yet_treated"])
@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
@pytest.mark.parametrize("variant", ["static", "varying_x", "varying_w", "unbalanced"])
def test_att_gt_matches_cell_by_cell_oracle(panel_maker, control_group, method, variant):
    df = panel_maker(n_units=300, seed=41, covariate_confounding=True)
    rng = np.random.default_rng(2)
    df["w"] = np.repeat(rng.uniform(0.5, 2.0, 300), 6)
    if variant == "varying_x":
        df["x"] = df["x"] + 0.3 * rng.normal(size=len(df))
    if variant == "varying_w":
        df["w"] = rng.uniform(0.5, 2.0, len(df))
    if variant == "unbalanced":
        df = df[rng.random(len(df)) > 0.15]
    res = att_gt(df, "y", "id", "t", "g", control_group=control_group, method=method,
                 covariates=["x"], weights="w")
    oracle = _oracle(df, res, control_group=control_group, method=method, covariates=["x"],
                     weights="w")
    np.testing.assert_allclose(res.estimates, [o[0] for o in oracle], rtol=0, atol=1e-10)
    np.testing.assert_allclose(res.influence, np.column_stack([o[1] for o in oracle]),
                               rtol=0, atol=1e-8)


def test_oracle_helper_reads_the_same_units(panel_maker):
    df = panel_maker(n_units=50, seed=3)
    res = att_gt(df, "y", "id", "t", "g")
    assert list(res.unit_ids) == sorted(pd.unique(df["id"]))
