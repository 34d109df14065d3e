from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from eah_eval.errors import OptionError
from eah_eval.inference.apply import inference_json, merge_inference

did = pytest.importorskip("eah_eval.did")


def _data() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for u in range(30):
        c = u % 6
        g = [3, 3, 5, 5, 0, 0][c]
        for t in range(1, 7):
            rows.append((u, c, t, g, rng.normal() + (0.5 if g and t >= g else 0.0)))
    return pd.DataFrame(rows, columns=["unit", "cl", "t", "g", "y"])


def _fit(frame: pd.DataFrame) -> dict:
    gt = did.att_gt(frame, outcome="y", unit="unit", time="t", cohort="g", cluster="cl")
    return {k: did.aggregate(gt, k) for k in ("simple", "event", "group")}, gt


@pytest.mark.parametrize("method", ["analytic", "multiplier", "wild"])
def test_shapes_records_and_merge(method: str) -> None:
    aggs, gt = _fit(_data())
    out = inference_json(aggs, method=method, weights="rademacher", draws=999, seed=3)
    info = out["inference"]
    assert info["method"] == method and info["n_clusters"] == 6
    if method == "wild":
        assert info["enumerated"] is True and info["draws"] == 64 and info["seed"] is None
    if method == "multiplier":
        assert info["draws"] == 999 and info["seed"] == 3 and info["weights"] == "rademacher"
    ev = out["aggregations"]["event"]
    assert len(ev["by"]) == len(aggs["event"].estimates)
    assert "by" not in out["aggregations"]["simple"]
    s = out["aggregations"]["simple"]
    assert s["ci_low"] < aggs["simple"].overall_att < s["ci_high"]
    if method == "analytic":
        z = 1.959963984540054
        assert s["ci_low"] == pytest.approx(aggs["simple"].overall_att
                                            - z * aggs["simple"].overall_se)
    from eah_eval.cli.did import did_json

    merged = merge_inference(did_json(gt, aggs), out)
    json.dumps(merged, allow_nan=False)
    assert merged["aggregations"]["event"]["by"][0].keys() >= {"event_time", "att", "se",
                                                                "ci_low", "ci_high", "p"}
    assert merged["inference"]["method"] == method


def test_randomization_method() -> None:
    data = _data()
    aggs, _ = _fit(data)
    out = inference_json(
        {"simple": aggs["simple"]}, method="randomization", seed=1, draws=50, data=data,
        reestimate=lambda f: _fit(f)[0],
        columns={"outcome": "y", "time": "t", "cohort": "g", "cluster": "cl"})
    info = out["inference"]
    assert info["exact"] is True and info["total_assignments"] == 90 and info["draws"] == 90
    assert "as good as random" in info["note"]
    assert 0 < out["aggregations"]["simple"]["p"] <= 1


def test_errors() -> None:
    aggs, _ = _fit(_data())
    with pytest.raises(OptionError, match="method must be one of"):
        inference_json(aggs, method="bayes")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="'cr2' needs a linear model design"):
        inference_json(aggs, method="cr2")
    with pytest.raises(OptionError, match="needs data, reestimate and columns"):
        inference_json(aggs, method="randomization")
    with pytest.raises(OptionError, match="weights must be one of"):
        inference_json(aggs, method="wild", weights="normal")


def test_wcr_method_all_aggregations() -> None:
    data = _data()
    aggs, _ = _fit(data)
    cols = {"outcome": "y", "unit": "unit", "time": "t", "cohort": "g", "cluster": "cl"}
    out = inference_json(aggs, method="wcr", weights="rademacher", draws=999, seed=2,
                         data=data, reestimate=lambda f: _fit(f)[0], columns=cols)
    info = out["inference"]
    assert info["method"] == "wcr" and info["enumerated"] is True and info["draws"] == 64
    s = out["aggregations"]["simple"]
    assert s["ci_low"] < aggs["simple"].overall_att < s["ci_high"] and 0 < s["p"] <= 1
    # the simple entry equals the single-estimate restricted bootstrap of the CS simple ATT
    from eah_eval.inference.restricted import cs_simple_estimator, wild_restricted

    one = wild_restricted(data, cs_simple_estimator(outcome="y", unit="unit", time="t",
                                                    cohort="g", cluster="cl"),
                          outcome="y", unit="unit", time="t", cohort="g", cluster="cl",
                          draws=999)
    assert s["p"] == pytest.approx(float(one.pvalues[0]), abs=1e-12)
    assert s["ci_low"] == pytest.approx(float(one.ci_low[0]), rel=1e-6)
    # event study: post-treatment rows are tested, pre-treatment (placebo) rows are not
    ev = aggs["event"].table.to_frame()["event_time"].to_numpy()
    for e, row in zip(ev, out["aggregations"]["event"]["by"], strict=True):
        assert (row["p"] is None) == (e < 0)
        # ... and say which fallback they got instead, and why
        assert ("fallback" in row) == (e < 0)
        if e < 0:
            assert row["fallback"]["method"] == "small_sample_t"
            assert "pre-treatment (placebo) row" in row["fallback"]["reason"]
            assert row["fallback"]["ci_low"] < row["fallback"]["ci_high"]
    assert info["fallback_rows"] == int((ev < 0).sum())
    with pytest.raises(OptionError, match="missing"):
        inference_json(aggs, method="wcr", data=data, reestimate=lambda f: _fit(f)[0],
                       columns={k: v for k, v in cols.items() if k != "unit"})
