"""att_gt's event_window: only the cells asked for, each exactly as in a full fit."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from eah_eval.did import GroupTimeRefit, aggregate, att_gt
from eah_eval.errors import EstimationError, OptionError


def _fit(df, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return att_gt(df, "y", "id", "t", "g", **options)


def _cells(gt):
    return list(zip(gt.groups.tolist(), gt.times.tolist(), strict=True))


@pytest.mark.parametrize("options", [
    {"base_period": "universal", "cluster": "cl", "weights": "w"},
    {"base_period": "varying"},
    {"control_group": "not_yet_treated", "base_period": "universal", "method": "reg"},
    {"covariates": ["x"], "method": "dr", "base_period": "universal"},
])
@pytest.mark.parametrize("window", [(-3, -2), (0, math.inf), (-1, 1)])
def test_cells_in_the_window_are_those_of_a_full_fit(panel_maker, options, window):
    df = panel_maker(n_units=300, n_periods=6, seed=3)
    df["w"] = 1.0 + (df["id"] % 3)
    full = _fit(df, **options)
    part = _fit(df, event_window=window, **options)
    e_full = full.times - full.groups
    inside = (e_full >= window[0]) & (e_full <= window[1])
    assert _cells(part) == [c for c, k in zip(_cells(full), inside, strict=True) if k]
    np.testing.assert_array_equal(part.estimates, full.estimates[inside])
    np.testing.assert_array_equal(part.influence, full.influence[:, inside])
    np.testing.assert_array_equal(part.std_errors, full.std_errors[inside])
    pd_shares = part.cohort_shares.to_numpy()
    np.testing.assert_array_equal(pd_shares, full.cohort_shares.to_numpy())
    assert part.metadata["event_window"] == (float(window[0]), float(window[1]))
    # an event study's rows within the window are those of the full fit, to the last bit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ev_full, ev_part = aggregate(full, "event"), aggregate(part, "event")
    rows = [e for e in ev_full.table.index if window[0] <= e <= window[1]]
    assert list(ev_part.table.index) == rows
    keep = np.isin(np.asarray(ev_full.table.index), rows)
    np.testing.assert_array_equal(ev_part.estimates, ev_full.estimates[keep])
    np.testing.assert_array_equal(ev_part.std_errors, ev_full.std_errors[keep])
    np.testing.assert_array_equal(ev_part.influence, ev_full.influence[:, keep])


def test_the_refit_passes_the_window_on(panel_maker):
    df = panel_maker(n_units=200, n_periods=5, seed=4)
    refit = GroupTimeRefit("y", "id", "t", "g", base_period="universal",
                           event_window=(-2, -2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = refit(df)
        again = refit(df.assign(y=df["y"] * 2.0))  # same design, another outcome
    assert set((first.times - first.groups).tolist()) == {-2.0}
    np.testing.assert_array_equal(again.estimates, 2.0 * first.estimates)


def test_a_window_with_no_cell_is_an_error(panel_maker):
    df = panel_maker(n_units=100, n_periods=4, seed=5)
    with pytest.raises(EstimationError, match=r"no ATT\(g,t\) cell has an event time within "
                                              r"event_window \(40.0, 50.0\)"):
        _fit(df, event_window=(40, 50))


@pytest.mark.parametrize("bad", [(1,), (2, 1), ("a", 1), (0, float("nan")), 3, (True, 2)])
def test_a_bad_window_is_refused_by_message(panel_maker, bad):
    df = panel_maker(n_units=100, n_periods=4, seed=5)
    with pytest.raises(OptionError, match=r"event_window must (be a pair of numbers|have lo "
                                          r"<= hi)"):
        _fit(df, event_window=bad)
