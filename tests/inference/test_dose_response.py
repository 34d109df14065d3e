"""Dose-response slope across clusters: known truth, oracles, coverage, errors, randomness.

The oracle is a closed-form Callaway-Sant'Anna estimator for the simulated design (balanced,
unweighted, no covariates, a comparison of never-treated and not-yet-treated units): the
per-cluster changes as an explicit linear map ``A`` of the outcome. It is checked against
:func:`eah_eval.did.cluster_effects` and then used as the estimator of
:func:`eah_eval.inference.dose_slope` in the Monte Carlo, which would otherwise refit every
cluster ``2G + 1`` times per replication; :func:`eah_eval.inference.dose_response` is checked
to give the same numbers as that path.
"""

from __future__ import annotations

import itertools
import json
import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from eah_eval.did import aggregate, att_gt, cluster_effects, dose_line
from eah_eval.errors import EstimationError, OptionError, OptionTypeError
from eah_eval.inference import dose_response, dose_slope, wild_restricted

COHORTS = (3, 3, 3, 5, 5, 5, 0, 0)  # two waves of three clusters, two never treated
COLS: dict[str, Any] = {"time": "t", "cohort": "g"}


def _design(cohorts: Sequence[int] = COHORTS, schools: int = 2, periods: int = 6
            ) -> pd.DataFrame:
    cl = np.repeat(np.arange(len(cohorts)), schools * periods)
    unit = np.repeat(np.arange(len(cohorts) * schools), periods)
    t = np.tile(np.arange(1, periods + 1), len(cohorts) * schools)
    return pd.DataFrame({"unit": unit, "cluster": cl, "t": t, "g": np.asarray(cohorts)[cl]})


def _doses(cohorts: Sequence[int] = COHORTS, seed: int = 1) -> dict[int, float]:
    rng = np.random.default_rng(seed)
    return {c: float(v) for c, v in enumerate(rng.uniform(20, 60, size=len(cohorts)))}


def _simulate(design: pd.DataFrame, dose: dict[int, float], slope: float, seed: int, *,
              level: float = -1.0, het: float = 0.3, shock: float = 0.3, noise: float = 0.5
              ) -> pd.DataFrame:
    """Unit and period effects, cluster-period shocks, and ``level + slope d_c + eta_c``."""
    rng = np.random.default_rng(seed)
    n_units, n_cl = design["unit"].max() + 1, design["cluster"].max() + 1
    periods = design["t"].max()
    cl, t = design["cluster"].to_numpy(), design["t"].to_numpy()
    treated = (design["g"].to_numpy() > 0) & (t >= design["g"].to_numpy())
    effect = level + slope * np.array([dose[c] for c in range(n_cl)]) \
        + rng.normal(scale=het, size=n_cl)
    y = (rng.normal(size=n_units)[design["unit"].to_numpy()] + 0.2 * t
         + rng.normal(scale=shock, size=(n_cl, periods))[cl, t - 1]
         + rng.normal(scale=noise, size=len(design)) + treated * effect[cl])
    return design.assign(y=y)


def _oracle_map(design: pd.DataFrame, clusters: Sequence[int]) -> np.ndarray:
    """Closed-form per-cluster changes as a linear map of ``y`` (rows in ``design``'s order)."""
    pos = {(u, t): i for i, (u, t) in enumerate(zip(design["unit"], design["t"], strict=True))}
    last = int(design["t"].max())
    unit_g = design.groupby("unit")["g"].first()
    unit_c = design.groupby("unit")["cluster"].first()
    out = np.zeros((len(clusters), len(design)))
    for k, c in enumerate(clusters):
        mine = list(unit_c.index[unit_c == c])
        g = int(unit_g[mine[0]])
        post = range(g, last + 1)
        for t in post:
            comp = [u for u in unit_g.index if unit_g[u] == 0 or unit_g[u] > t]
            for units, sign in ((mine, 1.0), (comp, -1.0)):
                for u in units:
                    out[k, pos[(u, t)]] += sign / len(units) / len(post)
                    out[k, pos[(u, g - 1)]] -= sign / len(units) / len(post)
    return out


def _linear(a: np.ndarray) -> Callable[[pd.DataFrame], np.ndarray]:
    return lambda frame: a @ frame["y"].to_numpy(dtype=float)


def _agg(df: pd.DataFrame, **options: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gt = att_gt(df, "y", "unit", "t", "g", cluster="cluster",
                    control_group="not_yet_treated", **options)
        return aggregate(gt, "simple")


TREATED = [c for c, g in enumerate(COHORTS) if g > 0]


@pytest.fixture(scope="module")
def oracle() -> np.ndarray:
    return _oracle_map(_design(), TREATED)


# --------------------------------------------------------------------------------------------
# the estimator


def test_cluster_effects_equal_the_closed_form_did(oracle: np.ndarray) -> None:
    df = _simulate(_design(), _doses(), 0.05, seed=3)
    eff = cluster_effects(df, "y", "unit", "t", "g", "cluster", control_group="not_yet_treated")
    assert eff.clusters == tuple(TREATED)
    np.testing.assert_allclose(eff.estimates, oracle @ df["y"].to_numpy(), rtol=0, atol=1e-12)
    assert eff.first_period.tolist() == [3, 3, 3, 5, 5, 5]
    assert eff.last_period.tolist() == [6] * 6
    assert eff.n_units.tolist() == [2] * 6 and not eff.excluded
    assert list(eff.to_frame().columns) == ["cohort", "estimate", "first_period",
                                            "last_period", "n_units"]


def test_a_wave_without_comparison_is_excluded_with_the_reason() -> None:
    df = _simulate(_design((3, 3, 3, 5, 5, 5)), _doses((3, 3, 3, 5, 5, 5)), 0.0, seed=1)
    eff = cluster_effects(df, "y", "unit", "t", "g", "cluster", control_group="not_yet_treated")
    assert eff.clusters == (0, 1, 2)
    assert set(eff.excluded) == {3, 4, 5}
    assert "no comparison units" in eff.excluded[3]
    assert eff.last_period.tolist() == [4, 4, 4]  # the last wave started in period 5


def test_hand_computed_tiny_example() -> None:
    # clusters A, B, C (one school each) go live in period 2 with doses 1, 2, 4; D never does
    y = {"A": (1, 3, 4), "B": (2, 5, 7), "C": (0, 4, 9), "D": (1, 2, 2)}
    df = pd.DataFrame([(c, c, t + 1, 0 if c == "D" else 2, v)
                       for c, ys in y.items() for t, v in enumerate(ys)],
                      columns=["unit", "cluster", "t", "g", "y"])
    dose = {"A": 1.0, "B": 2.0, "C": 4.0}
    res = dose_response(_agg(df), df, dose, **COLS, method="small_sample_t",
                        slope_from="all_clusters")
    # ATT_c = mean over t = 2, 3 of (y_ct - y_c1) - (y_Dt - y_D1): 1.5, 3, 5.5
    np.testing.assert_allclose(res.to_frame()["estimate"], [1.5, 3.0, 5.5], atol=1e-12)
    # slope = sum (d - 7/3) ATT / sum (d - 7/3)^2 = (37/6) / (14/3) = 37/28
    assert res.slope == pytest.approx(37 / 28, abs=1e-12)
    # weights (d - dbar) / ss = -2/7, -1/14, 5/14; residuals -1/14, 3/28, -1/28;
    # se^2 = sum (w e)^2 = 98 / 392^2
    np.testing.assert_allclose(res.to_frame()["weight"], [-2 / 7, -1 / 14, 5 / 14], atol=1e-12)
    np.testing.assert_allclose(res.to_frame()["fitted"], [11 / 7, 81 / 28, 155 / 28], atol=1e-12)
    assert res.std_error == pytest.approx(math.sqrt(2) / 56, abs=1e-12)
    half = stats.t.ppf(0.975, 2) * res.std_error * math.sqrt(3 / 2)
    assert (res.ci_low, res.ci_high) == (pytest.approx(37 / 28 - half, abs=1e-12),
                                         pytest.approx(37 / 28 + half, abs=1e-12))
    assert res.method == "small_sample_t" and res.n_clusters == 3 and not res.fallback_reason
    assert "t interval with G-1 degrees of freedom; 3 clusters" in res.method_text


def test_dose_line_weights_and_residuals_within_waves() -> None:
    line = dose_line([1.0, 3.0, 10.0, 14.0], waves=[1, 1, 2, 2])
    # within-wave deviations -1, 1, -2, 2; ss = 10
    np.testing.assert_allclose(line.weights, [-0.1, 0.1, -0.2, 0.2])
    effects = np.array([0.0, 2.0, 5.0, 9.0])  # wave lines with slopes 1 and 1
    assert float(line.slope(effects)) == pytest.approx(1.0)
    np.testing.assert_allclose(line.residuals(effects), 0.0, atol=1e-12)
    assert line.n_contributing == 4


# --------------------------------------------------------------------------------------------
# the restricted wild cluster bootstrap


def _brute_force_p(df: pd.DataFrame, a: np.ndarray, clusters: list[int], dose: dict[int, float],
                   within: bool, r: float) -> float:
    """Enumerate every sign pattern, re-estimating the slope on each bootstrap sample."""
    waves = np.array([df.loc[df["cluster"] == c, "g"].iloc[0] for c in clusters], dtype=float)
    line = dose_line([dose[c] for c in clusters], waves=waves if within else None)
    d = ((df["g"] > 0) & (df["t"] >= df["g"])).to_numpy(dtype=float)
    on = df["cluster"].isin(clusters).to_numpy()
    z = d * on * df["cluster"].map(dose).to_numpy()
    levels = ([d * on * (df["g"].to_numpy() == w) for w in np.unique(waves)] if within
              else [d * on])
    x = np.column_stack([pd.get_dummies(df["unit"], dtype=float),
                         pd.get_dummies(df["t"], dtype=float).iloc[:, 1:], *levels])
    y0 = df["y"].to_numpy() - r * z
    fit = x @ np.linalg.lstsq(x, y0, rcond=None)[0]
    u = y0 - fit

    def t_stat(y: np.ndarray) -> float:
        att = a @ y
        return float((line.slope(att) - r) / np.sqrt(np.sum((line.weights
                                                             * line.residuals(att)) ** 2)))

    t_obs = abs(t_stat(df["y"].to_numpy()))
    cl = df["cluster"].to_numpy()
    tstar = [abs(t_stat(fit + r * z + np.asarray(v)[cl] * u))
             for v in itertools.product([-1.0, 1.0], repeat=int(cl.max()) + 1)]
    return float(np.mean(np.asarray(tstar) >= t_obs * (1 - 1e-10)))


@pytest.mark.parametrize("within", [True, False])
def test_wcr_matches_brute_force_enumeration(within: bool) -> None:
    cohorts = (3, 3, 5, 5, 0, 0)
    design = _design(cohorts)
    clusters = [0, 1, 2, 3]
    dose = _doses(cohorts, seed=4)
    df = _simulate(design, dose, 0.05, seed=5)
    a = _oracle_map(design, clusters)
    res = dose_slope(df, _linear(a), clusters, dose, **COLS,
                     slope_from="within_wave" if within else "all_clusters")
    assert res.record["enumerated"] and res.record["draws"] == 64
    assert res.p_value == pytest.approx(_brute_force_p(df, a, clusters, dose, within, 0.0),
                                        abs=1e-12)
    unbounded = math.isinf(res.ci_low) or math.isinf(res.ci_high)
    assert bool(res.note) == unbounded
    if unbounded:
        assert "at least 6 clusters must inform it to reach the 95% level" in res.note
    for end, side in ((res.ci_low, -1), (res.ci_high, 1)):
        if math.isinf(end):  # unbounded: no slope that far out is rejected
            far = res.slope + side * 1e3 * res.std_error
            assert _brute_force_p(df, a, clusters, dose, within, far) >= 0.05
            continue
        step = 1e-3 * res.std_error
        assert _brute_force_p(df, a, clusters, dose, within, end + side * step) < 0.05
        assert _brute_force_p(df, a, clusters, dose, within, end - side * step) >= 0.05


def test_known_slope_recovered_and_front_door_equals_the_oracle_path() -> None:
    cohorts = (3, 3, 3, 5, 5, 5, 0)
    design = _design(cohorts)
    dose = _doses(cohorts)
    df = _simulate(design, dose, 0.05, seed=11, het=0.0, shock=0.05, noise=0.05)
    frame = pd.DataFrame({"cluster": list(dose), "dose": list(dose.values())})
    frame.attrs["title"] = "Expert days against the yardstick (%)"
    res = dose_response(_agg(df), df, frame, **COLS, rng=20261130)
    assert res.slope == pytest.approx(0.05, abs=0.005)
    assert res.ci_low < 0.05 < res.ci_high and res.direction == "positive"
    assert (res.n_points, res.n_clusters, res.method) == (6, 7, "wcr")
    assert res.record["enumerated"] and res.record["draws"] == 2**7
    assert res.dose_label == "Expert days against the yardstick (%)"
    assert "restricted wild cluster bootstrap" in res.method_text
    assert "all 2^7 = 128 sign patterns; 7 clusters" in res.method_text
    assert res.to_frame()["first_period"].tolist() == [3, 3, 3, 5, 5, 5]
    assert len(res.assumptions) == 6 and "Strong parallel trends" in res.assumptions[1]
    json.dumps(res.to_dict())
    treated = [0, 1, 2, 3, 4, 5]
    same = dose_slope(df, _linear(_oracle_map(design, treated)), treated, dose, **COLS,
                      rng=20261130)
    for field in ("slope", "std_error", "p_value", "ci_low", "ci_high"):
        assert getattr(res, field) == pytest.approx(getattr(same, field), rel=1e-9, abs=1e-12)


def test_coverage_monte_carlo(oracle: np.ndarray) -> None:
    """200 councils of 8 clusters: the 95% interval covers the true slope about 95% of the time.

    Clusters differ in their effect beyond the dose (heterogeneity 0.3, against a slope of 0.05
    per point over doses 20-60), and share period shocks within the cluster. On these 200
    councils the bootstrap covered 98.0% within waves (asserted here) and 95.5% across all
    clusters; the small-sample t reference covered 81% and 90% (not asserted).
    """
    dose, design, truth = _doses(), _design(), 0.05
    est, covered = [], 0
    for rep in range(200):
        df = _simulate(design, dose, truth, seed=1000 + rep)
        res = dose_slope(df, _linear(oracle), TREATED, dose, **COLS, rng=rep)
        est.append(res.slope)
        covered += res.ci_low <= truth <= res.ci_high
    assert 0.90 <= covered / 200 <= 0.995
    assert abs(np.mean(est) - truth) < 3 * np.std(est) / math.sqrt(200)


def test_invariances(oracle: np.ndarray) -> None:
    dose = _doses()
    df = _simulate(_design(), dose, 0.05, seed=21)
    base = dose_slope(df, _linear(oracle), TREATED, dose, **COLS)
    shifted = dose_slope(df.assign(y=df["y"] + 7.0), _linear(oracle), TREATED, dose, **COLS)
    tenths = dose_slope(df, _linear(oracle), TREATED, {c: v * 10 for c, v in dose.items()},
                        **COLS)
    order = np.random.default_rng(0).permutation(len(df))
    names = {c: f"cluster {9 - c}" for c in range(len(COHORTS))}
    moved = df.iloc[order].assign(cluster=lambda f: f["cluster"].map(names))
    back = moved.assign(cluster=moved["cluster"].map({v: k for k, v in names.items()}))
    relabelled = dose_slope(moved, _linear(_oracle_map(back, TREATED)),
                            [names[c] for c in TREATED], {names[c]: v for c, v in dose.items()},
                            **COLS)
    for other, scale in ((shifted, 1.0), (tenths, 0.1), (relabelled, 1.0)):
        assert other.slope == pytest.approx(scale * base.slope, rel=1e-9)
        assert other.p_value == pytest.approx(base.p_value, abs=1e-12)
        assert other.ci_low == pytest.approx(scale * base.ci_low, rel=1e-5)
        assert other.ci_high == pytest.approx(scale * base.ci_high, rel=1e-5)


def test_seed_recorded_and_reproduced_bit_for_bit() -> None:
    cohorts = (3, 3, 3, 5, 5, 5, 0, 0, 0, 0)
    design = _design(cohorts, schools=1)
    dose = _doses(cohorts)
    clusters = [c for c, g in enumerate(cohorts) if g > 0]
    est = _linear(_oracle_map(design, clusters))
    df = _simulate(design, dose, 0.05, seed=2)
    one = dose_slope(df, est, clusters, dose, **COLS, draws=199, rng=7)
    two = dose_slope(df, est, clusters, dose, **COLS, draws=199, rng=7)
    assert (one.p_value, one.ci_low, one.ci_high) == (two.p_value, two.ci_low, two.ci_high)
    assert one.seed == 7 and not one.record["enumerated"] and one.record["draws"] == 199
    assert "199 draws, seed 7" in one.method_text
    gen = dose_slope(df, est, clusters, dose, **COLS, draws=199,
                     rng=np.random.default_rng(7))
    assert gen.seed == int(np.random.default_rng(7).integers(0, 2**31 - 1))
    again = dose_slope(df, est, clusters, dose, **COLS, draws=199, rng=gen.seed)
    assert again.ci_low == gen.ci_low and again.p_value == gen.p_value
    full = dose_slope(df, est, clusters, dose, **COLS)
    assert full.record["enumerated"] and "all 2^10 = 1024 sign patterns" in full.method_text
    with pytest.raises(OptionTypeError, match="rng must be an int seed"):
        dose_slope(df, est, clusters, dose, **COLS, rng="seven")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# errors and fallbacks


def test_too_few_clusters_and_no_dose_variation(oracle: np.ndarray) -> None:
    df = _simulate(_design(), _doses(), 0.05, seed=1)
    est = _linear(oracle)
    with pytest.raises(EstimationError,
                       match="at least 3 clusters with an estimated change; got 2"):
        dose_slope(df, _linear(oracle[:2]), TREATED[:2], _doses(), **COLS,
                   slope_from="all_clusters")
    with pytest.raises(EstimationError, match=r"in waves of two or more .*; got 2"):
        dose_slope(df, _linear(oracle[[0, 1, 3]]), [0, 1, 3], _doses(), **COLS)
    flat = dict.fromkeys(TREATED, 30.0)
    with pytest.raises(EstimationError, match="no variation in dose among the 6 clusters"):
        dose_slope(df, est, TREATED, flat, **COLS, slope_from="all_clusters")
    by_wave = {c: 20.0 if COHORTS[c] == 3 else 40.0 for c in TREATED}
    with pytest.raises(EstimationError, match="no variation in dose within any wave"):
        dose_slope(df, est, TREATED, by_wave, **COLS)
    with pytest.raises(OptionError, match=r"dose has no value for clusters \[5\]"):
        dose_slope(df, est, TREATED, {c: 1.0 * c for c in TREATED[:-1]}, **COLS)
    with pytest.raises(OptionError, match=r"missing or not finite for \[2\]"):
        dose_slope(df, est, TREATED, {**_doses(), 2: float("nan")}, **COLS)


def test_options_validated_with_the_allowed_values(oracle: np.ndarray) -> None:
    df = _simulate(_design(), _doses(), 0.05, seed=1)
    est = _linear(oracle)
    with pytest.raises(OptionError, match="method must be one of 'wcr', 'small_sample_t'; "
                                          "got 'cr2'"):
        dose_slope(df, est, TREATED, _doses(), **COLS, method="cr2")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="slope_from must be one of 'within_wave', "
                                          "'all_clusters'; got 'waves'"):
        dose_slope(df, est, TREATED, _doses(), **COLS,
                   slope_from="waves")  # type: ignore[arg-type]
    with pytest.raises(OptionTypeError, match="dose must be a mapping"):
        dose_slope(df, est, TREATED, [1, 2, 3], **COLS)  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="column 'when' not found"):
        dose_slope(df, est, TREATED, _doses(), time="when", cohort="g")
    with pytest.raises(OptionTypeError, match="agg must be an AggregateResult"):
        dose_response(df, df, _doses(), **COLS)  # type: ignore[arg-type]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        unclustered = aggregate(att_gt(df, "y", "unit", "t", "g"), "simple")
    with pytest.raises(OptionError, match="the aggregation was not clustered"):
        dose_response(unclustered, df, _doses(), **COLS)
    with pytest.raises(OptionError, match="the aggregation has 8 clusters but column "
                                          "'cluster' of panel has 7"):
        dose_response(_agg(df), df[df["cluster"] != 7], _doses(), **COLS)


def test_covariates_fall_back_to_the_small_sample_t_with_the_reason() -> None:
    df = _simulate(_design(), _doses(), 0.05, seed=8)
    df["x"] = (df["unit"] % 3).astype(float)
    res = dose_response(_agg(df, covariates=["x"]), df, _doses(), **COLS)
    assert res.method == "small_sample_t" and res.record["requested"] == "wcr"
    assert "linear in the outcome" in res.fallback_reason
    assert "Used instead of the restricted wild cluster bootstrap" in res.method_text
    assert res.seed is None and math.isfinite(res.ci_low)


def test_wild_restricted_refuses_a_nuisance_the_estimator_moves_with(
        oracle: np.ndarray) -> None:
    dose = _doses()
    df = _simulate(_design(), dose, 0.05, seed=1)
    line = dose_line([dose[c] for c in TREATED])
    d = ((df["g"] > 0) & (df["t"] >= df["g"])).to_numpy(dtype=float)
    frame = df.assign(z=d * df["cluster"].map(dose), level=d)

    def slope(f: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        att = oracle @ f["y"].to_numpy()
        terms = np.zeros((8, 1))
        terms[TREATED, 0] = line.weights * line.residuals(att)
        return line.slope(att)[None], terms

    ok = wild_restricted(frame, slope, outcome="y", unit="unit", time="t", cohort="g",
                         cluster="cluster", effect="z", nuisance=("level",), conf_int=False)
    assert "effect along 'z' imposed through a unit + period fit with free 'level'" in ok.method
    with pytest.raises(EstimationError, match="moves with nuisance column 'z'"):
        wild_restricted(frame, slope, outcome="y", unit="unit", time="t", cohort="g",
                        cluster="cluster", effect="z", nuisance=("z",), conf_int=False)
    with pytest.raises(EstimationError, match="does not return tau0 for tau0 times column "
                                              "'level'"):
        wild_restricted(frame, slope, outcome="y", unit="unit", time="t", cohort="g",
                        cluster="cluster", effect="level", conf_int=False)
