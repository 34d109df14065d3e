"""Holm and Bonferroni adjustment of a family of p-values, against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from eah_eval.errors import OptionError
from eah_eval.inference import PVALUE_ADJUSTMENTS, adjust_pvalues


def test_holm_by_hand() -> None:
    # sorted: 0.01 x 5 = 0.05; 0.02 x 4 = 0.08; 0.03 x 3 = 0.09; 0.04 x 2 = 0.08 -> 0.09
    # (running maximum); 0.5 x 1 = 0.5
    p = [0.04, 0.01, 0.5, 0.03, 0.02]
    assert adjust_pvalues(p).tolist() == pytest.approx([0.09, 0.05, 0.5, 0.09, 0.08],
                                                       abs=1e-15)
    assert adjust_pvalues(p, "holm").tolist() == adjust_pvalues(p).tolist()
    # capped at 1: 0.3 x 3 = 0.9, 0.4 x 2 = 0.8 -> 0.9, 0.6 x 1 = 0.6 -> 0.9
    assert adjust_pvalues([0.6, 0.3, 0.4]).tolist() == pytest.approx([0.9, 0.9, 0.9])
    assert adjust_pvalues([0.5, 0.45]).tolist() == pytest.approx([0.9, 0.9])
    assert adjust_pvalues([0.7, 0.45]).tolist() == pytest.approx([0.9, 0.9])
    assert adjust_pvalues([0.7, 0.6]).tolist() == pytest.approx([1.0, 1.0])


def test_bonferroni_by_hand_and_ties() -> None:
    p = [0.04, 0.01, 0.5, 0.03, 0.02]
    assert adjust_pvalues(p, "bonferroni").tolist() == pytest.approx(
        [0.2, 0.05, 1.0, 0.15, 0.1])
    # ties share one adjusted value: 0.02 x 3 = 0.06 and 0.02 x 2 = 0.04 -> 0.06
    assert adjust_pvalues([0.02, 0.02, 0.2]).tolist() == pytest.approx([0.06, 0.06, 0.2])


def test_untested_rows_stay_nan_and_shape_is_kept() -> None:
    p = np.array([[0.01, np.nan], [0.04, 0.03]])
    out = adjust_pvalues(p)
    assert out.shape == (2, 2) and np.isnan(out[0, 1])
    # the family has three members
    np.testing.assert_allclose(out[~np.isnan(out)], [0.03, 0.06, 0.06])
    assert np.isnan(adjust_pvalues([np.nan, np.nan])).all()
    assert adjust_pvalues([]).shape == (0,)


def test_errors_name_the_allowed_values() -> None:
    assert PVALUE_ADJUSTMENTS == ("holm", "bonferroni")
    with pytest.raises(OptionError, match="method must be one of 'holm', 'bonferroni'; got "
                                          "'romano_wolf'"):
        adjust_pvalues([0.1], "romano_wolf")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match=r"p-values must lie in \[0, 1\]; got 1.5"):
        adjust_pvalues([0.1, 1.5])


@given(st.lists(st.floats(0, 1), min_size=1, max_size=30))
def test_holm_between_raw_and_bonferroni_and_keeps_the_order(p: list[float]) -> None:
    raw = np.array(p)
    holm = adjust_pvalues(raw)
    bonf = adjust_pvalues(raw, "bonferroni")
    assert np.all(holm >= raw - 1e-15) and np.all(holm <= bonf + 1e-15)
    assert np.all(holm <= 1.0)
    order = np.argsort(raw, kind="stable")
    assert np.all(np.diff(holm[order]) >= -1e-15)
