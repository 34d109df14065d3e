"""Goodman-Bacon decomposition: reference parity (R bacondecomp, Stata), identity, invariances."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from dc_sim import reference_dir, staggered_panel

from eah_eval.did.bacon import BaconDecomposition, bacon
from eah_eval.errors import EstimationError, OptionError

BACON = reference_dir() / "bacon"


def _need(path):
    if not path.exists():
        pytest.skip(f"reference file {path} not available")
    return path


@pytest.fixture(scope="module")
def castle() -> BaconDecomposition:
    df = pd.read_csv(_need(BACON / "castle.csv"))
    df["g"] = df["effyear"].fillna(0)
    return bacon(df, outcome="l_homicide", unit="state", time="year", cohort="g")


def _frac(s: str) -> float:
    return float(Fraction(s))


def test_castle_every_2x2_matches_reference(castle):
    ref = pd.read_csv(_need(BACON / "castle_2x2.csv"))
    ref["control"] = ref["untreated"].replace(99999, 0).astype(float)
    got = castle.comparisons
    assert len(got) == len(ref) == 25
    merged = got.merge(ref, on=["treated", "control"], suffixes=("", "_ref"), validate="1:1")
    assert len(merged) == 25
    assert (merged["type"] == merged["type_ref"]).all()
    # tolerance from the reference README: 1e-10 against values computed at full precision
    np.testing.assert_allclose(merged["estimate"], merged["estimate_ref"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(merged["weight"], merged["weight_ref"], rtol=0, atol=1e-10)
    pub = merged.dropna(subset=["published_estimate"])
    assert len(pub) == 1
    # published to 8 and 7 digits: half a unit in the last printed digit
    assert abs(pub["estimate"].iloc[0] - pub["published_estimate"].iloc[0]) <= 5e-9
    assert abs(pub["weight"].iloc[0] - pub["published_weight"].iloc[0]) <= 5e-8


def test_castle_summary_matches_published(castle):
    ref = pd.read_csv(_need(BACON / "castle_summary.csv"))
    got = castle.by_type().set_index("type")
    for _, row in ref.iterrows():
        g = got.loc[row["type"]]
        assert abs(g["weight"] - row["weight_computed"]) <= 1e-10
        assert abs(g["avg_estimate"] - row["avg_est_computed"]) <= 1e-10
        assert abs(g["weight"] - row["weight_vignette_5dp"]) <= 5e-6
        assert abs(g["avg_estimate"] - row["avg_est_vignette_5dp"]) <= 5e-6
        assert abs(g["weight"] - row["weight_notebook_8sig"]) <= 5e-9
    assert set(got.index) == set(ref["type"])


def test_castle_twfe_and_identity(castle):
    ref = pd.read_csv(_need(BACON / "castle_twfe.csv")).set_index("quantity")
    published = ref.loc["twfe_post_no_controls", "value_published"]
    assert abs(castle.twfe_estimate - published) <= 1e-13
    assert abs(castle.weights.sum() - 1.0) <= 1e-12
    assert abs(castle.weighted_sum - castle.twfe_estimate) <= 1e-10


def test_toy_3x10_exact_and_stata():
    df = pd.read_csv(_need(BACON / "toy_3x10.csv"))
    first = df.loc[df["D"] == 1].groupby("unit")["t"].min()
    df["g"] = df["unit"].map(first).fillna(0)
    res = bacon(df, outcome="y", unit="unit", time="t", cohort="g")
    ref = pd.read_csv(_need(BACON / "toy_3x10_2x2.csv"))
    ref["control"] = ref["untreated"].replace(99999, 0).astype(float)
    merged = res.comparisons.merge(ref, on=["treated", "control"], validate="1:1")
    assert len(merged) == 4 == len(res.comparisons)
    exact = merged["estimate_exact"].map(_frac)
    np.testing.assert_allclose(merged["estimate_x"], exact, atol=1e-12)
    np.testing.assert_allclose(merged["weight_x"], merged["weight_exact"].map(_frac), atol=1e-12)
    assert abs(res.twfe_estimate - 32 / 11) <= 1e-12
    summ = pd.read_csv(_need(BACON / "toy_3x10_summary.csv"))
    by_type = res.by_type().set_index("type")
    for _, row in summ.loc[summ["r_type"].isin(by_type.index)].iterrows():
        got = by_type.loc[row["r_type"]]
        assert abs(got["weight"] - _frac(row["weight_exact"])) <= 1e-12
        assert abs(got["avg_estimate"] - _frac(row["beta_exact"])) <= 1e-12
        # Stata prints single-precision numbers (about 7 significant digits)
        assert abs(got["weight"] - row["weight_published"]) <= 1e-7
        assert abs(got["avg_estimate"] - row["beta_published"]) <= 1e-7


def test_figure2_weights_exact():
    ref = pd.read_csv(_need(BACON / "toy_fig2_weights.csv"))
    rng = np.random.default_rng(3)
    rows = [(u, t, {1: 0, 2: 34, 3: 85}[u]) for u in (1, 2, 3) for t in range(1, 101)]
    df = pd.DataFrame(rows, columns=["unit", "t", "g"])
    df["y"] = rng.normal(size=len(df))
    res = bacon(df, outcome="y", unit="unit", time="t", cohort="g")
    ref["control"] = ref["untreated"].replace(99999, 0).astype(float)
    merged = res.comparisons.merge(ref, on=["treated", "control"], validate="1:1")
    assert len(merged) == 4
    np.testing.assert_allclose(merged["weight_x"], merged["weight_exact"].map(_frac), atol=1e-12)
    np.testing.assert_allclose(merged["weight_x"], merged["weight_published_3dp"], atol=5e-4)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_identity_with_always_treated_and_late_cohorts(seed):
    rng = np.random.default_rng(seed)
    n, t = 40, 8
    g = rng.choice([0, 1, 3, 5, 6, 99], size=n)  # 1 = treated from the first period; 99 = after
    df = pd.DataFrame([(i, s, g[i]) for i in range(n) for s in range(1, t + 1)],
                      columns=["u", "t", "g"])
    df["y"] = rng.normal(size=len(df)) + ((df.t >= df.g) & (df.g > 0)) * (df.t - df.g + 1)
    res = bacon(df, outcome="y", unit="u", time="t", cohort="g")
    df["D"] = ((df.g > 0) & (df.t >= df.g)).astype(float)
    dummies = pd.get_dummies(df[["u", "t"]].astype(str), drop_first=True, dtype=float)
    design = np.column_stack([df["D"], np.ones(len(df)), dummies.to_numpy()])
    ols = np.linalg.lstsq(design, df["y"].to_numpy(), rcond=None)[0][0]
    assert abs(res.twfe_estimate - ols) <= 1e-10
    assert abs(res.weights.sum() - 1) <= 1e-12
    assert abs(res.weighted_sum - res.twfe_estimate) <= 1e-10
    assert (res.weights > 0).all()
    types = set(res.comparisons["type"])
    assert "Later vs Always Treated" in types and "Treated vs Untreated" in types
    always = res.comparisons.loc[res.comparisons["type"] == "Later vs Always Treated", "control"]
    assert (always == 1).all()


def test_dynamic_effects_make_later_vs_earlier_negative():
    # effects growing with time since treatment: later-vs-earlier 2x2s are biased downwards
    df = staggered_panel(n_units=400, cohorts=(0, 3, 7), noise=0.01, seed=5,
                         effect=lambda g, e: 1.0 + e)
    res = bacon(df, outcome="y", unit="unit", time="time", cohort="cohort")
    by = res.by_type().set_index("type")
    assert by.loc["Later vs Earlier Treated", "avg_estimate"] < by.loc[
        "Treated vs Untreated", "avg_estimate"] - 1


def test_invariances():
    df = staggered_panel(n_units=60, seed=11)
    base = bacon(df, outcome="y", unit="unit", time="time", cohort="cohort")
    shuffled = df.sample(frac=1.0, random_state=4)
    shuffled = shuffled.assign(unit=shuffled["unit"].map(lambda u: f"school-{(u * 7919) % 1000}"),
                               y=shuffled["y"] + 123.0)
    other = bacon(shuffled, outcome="y", unit="unit", time="time", cohort="cohort")
    pd.testing.assert_frame_equal(base.to_frame().drop(columns=["estimate"]),
                                  other.to_frame().drop(columns=["estimate"]))
    np.testing.assert_allclose(base.estimates, other.estimates, atol=1e-9)
    assert abs(base.twfe_estimate - other.twfe_estimate) <= 1e-9


def test_display():
    df = staggered_panel(n_units=30, seed=2)
    res = bacon(df, outcome="y", unit="unit", time="time", cohort="cohort")
    text = str(res)
    assert "TWFE estimate" in text and "Treated vs Untreated" in text
    assert "<table" in res._repr_html_()
    with pytest.raises(AttributeError):
        res.twfe_estimate = 0.0  # type: ignore[misc]


def test_errors():
    df = staggered_panel(n_units=20, seed=1)
    with pytest.raises(EstimationError, match="balanced panel"):
        bacon(df.iloc[1:], outcome="y", unit="unit", time="time", cohort="cohort")
    with pytest.raises(OptionError, match=r"column\(s\) \['nope'\] not found"):
        bacon(df, outcome="nope", unit="unit", time="time", cohort="cohort")
    with pytest.raises(EstimationError, match="no variation"):
        bacon(df.assign(cohort=0), outcome="y", unit="unit", time="time", cohort="cohort")
    bad = df.copy()
    bad.loc[bad.index[0], "cohort"] = 5
    with pytest.raises(EstimationError, match="constant within each unit"):
        bacon(bad, outcome="y", unit="unit", time="time", cohort="cohort")
    dup = pd.concat([df, df.iloc[:1]])
    with pytest.raises(EstimationError, match="more than one row"):
        bacon(dup, outcome="y", unit="unit", time="time", cohort="cohort")
    with pytest.raises(EstimationError, match="missing value"):
        bacon(df.assign(cohort=df["cohort"].where(df["unit"] > 0)), outcome="y", unit="unit",
              time="time", cohort="cohort")


def test_plot_draws_every_type():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    df = staggered_panel(n_units=40, seed=3)
    res = bacon(df, outcome="y", unit="unit", time="time", cohort="cohort")
    ax = res.plot()
    labels = ax.get_legend_handles_labels()[1]
    assert "TWFE estimate" in labels
    assert set(res.by_type()["type"]) <= set(labels)
    plt.close(ax.figure)
