"""Options, errors (tested by message), result objects, plotting and the CLI."""

from __future__ import annotations

import dataclasses
import json

import matplotlib
import numpy as np
import pandas as pd
import pytest

from eah_eval.cli import main
from eah_eval.did import EffectTable, aggregate, att_gt
from eah_eval.did.plot import plot_event_study
from eah_eval.errors import EstimationError, OptionError, OptionTypeError

matplotlib.use("Agg")


@pytest.fixture
def df(panel_maker):
    return panel_maker(n_units=300, seed=31)


@pytest.mark.parametrize(("kw", "match"), [
    ({"method": "dml"}, "method must be one of 'dr', 'ipw', 'reg'; got 'dml'"),
    ({"control_group": "nevertreated"}, "control_group must be one of"),
    ({"base_period": "fixed"}, "base_period must be one of"),
    ({"anticipation": -1}, "anticipation must be a non-negative integer"),
])
def test_bad_options(df, kw, match):
    with pytest.raises(OptionError, match=match):
        att_gt(df, "y", "id", "t", "g", **kw)


def test_option_type_error(df):
    with pytest.raises(OptionTypeError, match="method must be a string"):
        att_gt(df, "y", "id", "t", "g", method=1)  # type: ignore[arg-type]


def test_missing_column(df):
    with pytest.raises(OptionError, match=r"column\(s\) not found in data: outcome 'yy'"):
        att_gt(df, "yy", "id", "t", "g")


def test_duplicate_unit_period(df):
    with pytest.raises(EstimationError, match="more than one row for t = 1"):
        att_gt(pd.concat([df, df.iloc[:1]]), "y", "id", "t", "g")


def test_cohort_must_be_constant_within_unit(df):
    bad = df.copy()
    bad.loc[bad.index[0], "g"] = 5 if bad.loc[bad.index[0], "g"] != 5 else 4
    with pytest.raises(EstimationError, match="cohort column 'g' must be constant"):
        att_gt(bad, "y", "id", "t", "g")


def test_negative_weights(df):
    with pytest.raises(EstimationError, match="negative values"):
        att_gt(df.assign(w=-1.0), "y", "id", "t", "g", weights="w")


def test_no_treated_cohort(df):
    with pytest.raises(EstimationError, match="no treated cohort"):
        att_gt(df.assign(g=0), "y", "id", "t", "g")


def test_aggregate_options(df):
    gt = att_gt(df, "y", "id", "t", "g")
    with pytest.raises(OptionError, match="kind must be one of"):
        aggregate(gt, "dynamics")  # type: ignore[arg-type]  # ("dynamic" is R's "event")
    with pytest.raises(OptionError, match="min_e and balance_e apply only to kind='event'"):
        aggregate(gt, "group", min_e=0)
    with pytest.raises(OptionError, match="no event times"):
        aggregate(gt, "event", min_e=10)


def test_event_window_and_balance(df):
    gt = att_gt(df, "y", "id", "t", "g")
    es = aggregate(gt, "event", min_e=-2, max_e=2)
    assert list(es.table.index) == [-2, -1, 0, 1, 2]
    bal = aggregate(gt, "event", balance_e=1)
    assert max(bal.table.index) == 1
    # balance_e=1 keeps cohorts observed at least one period after treatment (3, 4, 5 of 6)
    assert list(bal.table.index) == sorted(bal.table.index)


def test_results_are_immutable(df):
    gt = att_gt(df, "y", "id", "t", "g")
    with pytest.raises(dataclasses.FrozenInstanceError):
        gt.influence = np.zeros(1)  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        gt.estimates[0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        gt.influence[0, 0] = 1.0
    assert gt.influence.shape == (gt.n_units, len(gt.estimates))
    assert len(gt.unit_ids) == gt.n_units


def test_tables_and_display(df):
    gt = att_gt(df, "y", "id", "t", "g").with_bootstrap(199, rng=1)
    frame = gt.to_frame()
    for col in ("group", "time", "estimate", "std_error", "p_value", "ci_low",
                "ci_high", "ci_low_simultaneous", "ci_high_simultaneous"):
        assert col in frame.columns
    assert "Wald pre-test" in gt.summary() and "bootstrap_seed: 1" in str(gt)
    assert "<table" in gt._repr_html_()
    es = aggregate(gt, "event")
    assert "Overall (event)" in es.summary() and "<table" in es._repr_html_()
    ci90 = es.conf_int(0.9)
    ci95 = es.conf_int(0.95)
    assert (ci90["ci_high"] - ci90["ci_low"] < ci95["ci_high"] - ci95["ci_low"]).all()
    with pytest.raises(OptionError, match=r"computed for level 0\.95"):
        es.conf_int(0.9, simultaneous=True)


def test_effect_table_model():
    t = EffectTable(pd.Index([0, 1], name="event_time"), np.array([0.1, 0.2]),
                    np.array([0.05, 0.1]), title="t", dof=9.0)
    assert t.pvalues[0] > 0.0455  # Student t is wider than normal
    assert np.isnan(t.to_frame()["ci_low_simultaneous"]).all()
    with pytest.raises(OptionError, match="run a multiplier bootstrap"):
        t.conf_int(simultaneous=True)
    with pytest.raises(OptionError, match="std_errors must have 2 entries"):
        EffectTable(pd.Index([0, 1]), np.array([0.1, 0.2]), np.array([0.1]))
    t2 = t.with_inference(np.array([1.0, 1.0]), metadata={"se_type": "other"})
    assert t.std_errors[0] == 0.05 and t2.metadata["se_type"] == "other"
    with pytest.raises(OptionError, match="level must be"):
        t.conf_int(1.5)


def test_plot_event_study(df):
    gt = att_gt(df, "y", "id", "t", "g")
    es = aggregate(gt, "event", n_draws=199, rng=2)
    ax = plot_event_study(es)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("simultaneous band" in lab for lab in labels)
    assert any("pointwise" in lab for lab in labels)
    with pytest.raises(OptionError, match="event-time AggregateResult"):
        plot_event_study(aggregate(gt, "group"))


def _cli_args(path, *extra):
    return ["did", "--data", str(path), "--outcome", "y", "--unit", "id", "--time", "t",
            "--cohort", "g", *extra]


def test_cli_json(df, tmp_path, capsys):
    path = tmp_path / "panel.csv"
    df.to_csv(path, index=False)
    assert main(_cli_args(path, "--json", "--cluster", "cl")) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"att_gt", "aggregations", "pretest"}
    assert set(out["att_gt"][0]) == {"group", "time", "att", "se"}
    assert set(out["aggregations"]) == {"simple", "event", "group", "calendar"}
    assert set(out["aggregations"]["simple"]) == {"att", "se"}
    assert set(out["aggregations"]["event"]["by"][0]) == {"event_time", "att", "se"}
    assert set(out["aggregations"]["group"]["by"][0]) == {"group", "att", "se"}
    assert set(out["aggregations"]["calendar"]["by"][0]) == {"time", "att", "se"}
    assert set(out["pretest"]) == {"W", "p"}
    gt = att_gt(df, "y", "id", "t", "g", cluster="cl")
    assert out["aggregations"]["simple"]["att"] == pytest.approx(
        aggregate(gt, "simple").overall_att, abs=1e-12)


def test_cli_nan_becomes_null_and_bootstrap(df, tmp_path, capsys):
    path = tmp_path / "panel.csv"
    df.to_csv(path, index=False)
    assert main(_cli_args(path, "--json", "--base-period", "universal",
                          "--bootstrap", "99", "--seed", "4")) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    ref = [c for c in out["att_gt"] if c["time"] == c["group"] - 1]
    assert ref and all(c["att"] == 0 and c["se"] is None for c in ref)
    assert main(_cli_args(path, "--json", "--base-period", "universal",
                          "--bootstrap", "99", "--seed", "4")) == 0
    assert json.loads(capsys.readouterr().out) == out


@pytest.mark.parametrize(("extra", "match"), [
    (["--method", "foo"], "invalid choice"),
    (["--outcome", "nope"], "column"),
    (["--seed", "3"], "--seed needs --bootstrap"),
])
def test_cli_errors_are_one_line(df, tmp_path, capsys, extra, match):
    path = tmp_path / "panel.csv"
    df.to_csv(path, index=False)
    try:
        status = main(_cli_args(path, *extra))
    except SystemExit as exc:
        status = int(exc.code or 0)
    err = capsys.readouterr().err.strip()
    assert status != 0
    assert len(err.splitlines()) == 1 and match in err


def test_cli_missing_file(tmp_path, capsys):
    assert main(_cli_args(tmp_path / "none.csv", "--json")) == 1
    assert "not found" in capsys.readouterr().err
