"""The impact report's default intervals are the few-cluster method that covers."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd

from eah_eval.did import aggregate, att_gt
from eah_eval.inference import DEFAULT_FEW_CLUSTER_INFERENCE
from eah_eval.reporting.estimates import _restricted_interval
from eah_eval.reporting.params import ReportParams


def _panel(seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    waves = {c: (10 + 3 * (c % 3)) for c in range(8)}  # three waves, all eventually treated
    for c, g in waves.items():
        shock = rng.normal(0, 0.3, size=20)
        for s in range(5):
            a = rng.normal()
            for t in range(1, 21):
                y = a + 0.05 * t + shock[t - 1] + (0.8 if t >= g else 0.0) + rng.normal(0, 0.4)
                rows.append((f"{c}-{s}", c, t, g, y))
    return pd.DataFrame(rows, columns=["unit", "cluster", "period_index", "first_treated", "y"])


def test_report_default_is_the_restricted_wild_bootstrap() -> None:
    assert DEFAULT_FEW_CLUSTER_INFERENCE == "wcr"
    assert ReportParams.__dataclass_fields__["inference"].default == "restricted_wild_bootstrap"


def test_restricted_interval_is_recorded_and_wider_than_analytic() -> None:
    panel = _panel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gt = att_gt(panel, "y", "unit", "period_index", "first_treated",
                    control_group="not_yet_treated", cluster="cluster")
        simple = aggregate(gt, "simple")
    est, se = float(simple.overall_att), float(simple.overall_se)
    analytic = (est - 1.96 * se, est + 1.96 * se, 0.0, "analytic")
    params = SimpleNamespace(bootstrap_reps=9999, seed=7, alpha=0.05)
    lo, hi, p, note = _restricted_interval(params, simple, panel, 8, analytic)
    assert lo < est < hi
    assert 0.0 <= p <= 1.0
    assert "restricted wild cluster bootstrap" in note
    assert "all sign patterns enumerated" in note  # 2^8 = 256 <= 9999 draws
    assert hi - lo > analytic[1] - analytic[0]
    again = _restricted_interval(params, simple, panel, 8, analytic)
    assert again == (lo, hi, p, note)
