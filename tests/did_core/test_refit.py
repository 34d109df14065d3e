"""GroupTimeRefit (one design, many outcomes) gives exactly what att_gt gives.

The refit keeps the design of its last panel and only places the new outcome in it; att_gt
rebuilds everything. They must agree to the last bit on balanced and unbalanced panels, with
never-treated and not-yet-treated comparisons, weights, clusters and covariates, and fall back
to a full fit whenever the design changes.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from eah_eval.did import GroupTimeRefit, aggregate, att_gt


def _same(a, b) -> None:
    np.testing.assert_array_equal(a.estimates, b.estimates)
    np.testing.assert_array_equal(a.std_errors, b.std_errors)
    np.testing.assert_array_equal(a.influence, b.influence)
    assert a.pretest.statistic == b.pretest.statistic or (
        np.isnan(a.pretest.statistic) and np.isnan(b.pretest.statistic))
    for kind in ("simple", "event"):
        np.testing.assert_array_equal(aggregate(a, kind).estimates, aggregate(b, kind).estimates)


def _panel(panel_maker, balanced: bool, seed: int = 1):
    df = panel_maker(n_units=300, n_periods=6, seed=seed)
    df["w"] = 1.0 + (df["id"] % 3)
    if not balanced:
        rng = np.random.default_rng(seed)
        df = df[rng.random(len(df)) > 0.15].reset_index(drop=True)
    return df


@pytest.mark.parametrize("balanced", [True, False])
@pytest.mark.parametrize("control_group", ["never_treated", "not_yet_treated"])
@pytest.mark.parametrize("options", [
    {},
    {"cluster": "cl", "weights": "w"},
    {"covariates": ["x"], "method": "dr", "base_period": "universal"},
    {"method": "reg", "anticipation": 1},
])
def test_refit_equals_att_gt(panel_maker, balanced, control_group, options, monkeypatch):
    import eah_eval.did.attgt as attgt_module

    built = []
    real = attgt_module.prepare_panel

    def counting(*args, **kwargs):
        built.append(1)
        return real(*args, **kwargs)

    df = _panel(panel_maker, balanced)
    refit = GroupTimeRefit("y", "id", "t", "g", control_group=control_group, **options)
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k in range(4):
            frame = df.assign(y=df["y"] + (rng.normal(size=len(df)) if k else 0.0))
            monkeypatch.setattr(attgt_module, "prepare_panel", counting)
            fast = refit(frame)
            monkeypatch.setattr(attgt_module, "prepare_panel", real)
            _same(fast, att_gt(frame, "y", "id", "t", "g", control_group=control_group,
                               **options))
    assert len(built) == 1  # the design was built once, for the first outcome


def test_refit_follows_a_changed_design(panel_maker):
    df = _panel(panel_maker, balanced=True)
    refit = GroupTimeRefit("y", "id", "t", "g", control_group="not_yet_treated", cluster="cl")
    first = refit(df)
    # another rollout (cohorts permuted across units) is another design
    rng = np.random.default_rng(3)
    g_unit = df.groupby("id")["g"].first()
    moved = dict(zip(g_unit.index, rng.permutation(g_unit.to_numpy()), strict=True))
    other = df.assign(g=df["id"].map(moved))
    _same(refit(other), att_gt(other, "y", "id", "t", "g", control_group="not_yet_treated",
                               cluster="cl"))
    # a missing outcome changes which rows are usable: a full fit again
    holes = df.assign(y=df["y"].where(df.index % 17 != 0))
    _same(refit(holes), att_gt(holes, "y", "id", "t", "g", control_group="not_yet_treated",
                               cluster="cl"))
    _same(refit(df), first)


def test_refit_keeps_att_gt_errors(panel_maker):
    df = _panel(panel_maker, balanced=True)
    refit = GroupTimeRefit("y", "id", "t", "g")
    refit(df)
    with pytest.raises(Exception, match="outcome"):
        refit(df.drop(columns="y"))
