"""Partial periods that enter the headline estimate are named (and only those)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from eah_eval.reporting.impact.evaluate import partial_in_window


def _panel(partial: list[str]) -> pd.DataFrame:
    panel = pd.DataFrame({"period_index": [1, 2, 3, 4], "period": ["a", "b", "c", "d"]})
    panel.attrs["partial_periods"] = partial
    return panel


def _gt(times: list[int], post: list[bool], est: list[float]) -> SimpleNamespace:
    return SimpleNamespace(table=SimpleNamespace(estimates=np.array(est)),
                           post=np.array(post), times=np.array(times))


def test_partial_period_used_by_a_post_go_live_cell_is_named() -> None:
    gt = _gt([2, 3, 4], [False, True, True], [0.1, 0.2, np.nan])
    assert partial_in_window(_panel(["c", "d"]), gt) == ("c",)  # d has no estimate
    assert partial_in_window(_panel(["b"]), gt) == ()  # b is before go-live
    assert partial_in_window(_panel([]), gt) == ()
