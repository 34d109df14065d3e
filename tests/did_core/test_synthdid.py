"""Synthetic DiD, synthetic control and DiD for one treated block (eah_eval.did.synthdid).

Known truth (a factor model whose treated area is a mix of controls plus a known effect),
the simplex solver against scipy as an oracle, invariances, seeded placebo draws reproduced
bit for bit, and every error by its message.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from eah_eval.did.simplex import simplex_weights, sparsify
from eah_eval.did.synthdid import SynthDidResult, synthdid
from eah_eval.errors import EstimationError, OptionError, OptionTypeError

EFFECT = 5.0
ARGS = ("y", "area", "year", "d")


def factor_panel(n_controls: int = 20, n_periods: int = 12, t0: int = 8, n_treated: int = 1,
                 seed: int = 0, noise: float = 0.05, shift: float = 4.0) -> pd.DataFrame:
    """Two-factor panel; treated areas follow a mix of controls plus ``shift``, then
    gain ``EFFECT`` from period ``t0`` on. Equal-weight DiD is biased (the treated areas load
    on the second factor unlike the average control)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_periods)
    factors = np.vstack([0.5 * t, np.sin(t / 2.0) * 3.0])
    load = np.column_stack([rng.uniform(0.5, 1.5, n_controls), rng.uniform(-1, 1, n_controls)])
    y_co = rng.normal(10, 2, (n_controls, 1)) + load @ factors
    mix = np.zeros(n_controls)
    mix[np.argsort(load[:, 1])[-3:]] = 1 / 3  # the three most exposed to factor 2
    y_tr = np.tile(mix @ y_co + shift, (n_treated, 1))
    y_tr[:, t0:] += EFFECT
    y = np.vstack([y_co, y_tr]) + noise * rng.normal(size=(n_controls + n_treated, n_periods))
    rows = []
    for i in range(n_controls + n_treated):
        name = f"C{i:02d}" if i < n_controls else f"T{i - n_controls}"
        for j in range(n_periods):
            rows.append({"area": name, "year": 2000 + j, "y": y[i, j],
                         "d": int(i >= n_controls and j >= t0)})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return factor_panel()


@pytest.fixture(scope="module")
def sdid_fit(panel: pd.DataFrame) -> SynthDidResult:
    return synthdid(panel, *ARGS, method="sdid", placebo=8, rng=3)


def test_known_effect_recovered_by_sdid_and_sc_not_by_did(panel, sdid_fit):
    did = synthdid(panel, *ARGS, method="did", placebo=0)
    assert sdid_fit.estimate == pytest.approx(EFFECT, abs=0.15)
    # synthetic control has no intercept: it recovers the effect when the treated area lies
    # in the controls' hull, not when it sits 4 above it
    inside = synthdid(factor_panel(shift=0.0), *ARGS, method="sc", placebo=0)
    assert inside.estimate == pytest.approx(EFFECT, abs=0.15)
    assert abs(did.estimate - EFFECT) > 0.5
    post = sdid_fit.event_effects[sdid_fit.event_effects["post"]]
    assert post["effect"].to_numpy() == pytest.approx(EFFECT, abs=0.3)
    assert post["effect"].mean() == pytest.approx(sdid_fit.estimate, abs=1e-12)
    assert list(sdid_fit.event_effects["event_time"]) == list(range(-8, 4))
    assert sdid_fit.pre_fit_rmse < 0.3 < did.pre_fit_rmse


def test_weights_are_on_the_simplex_and_exposed(panel, sdid_fit):
    did = synthdid(panel, *ARGS, method="did", placebo=0)
    sc = synthdid(panel, *ARGS, method="sc", placebo=0)
    for res in (sdid_fit, did, sc):
        assert res.unit_weights.sum() == pytest.approx(1.0)
        assert (res.unit_weights >= 0).all() and len(res.unit_weights) == 20
        assert res.unit_weights.index.name == "area"
    assert sdid_fit.time_weights.sum() == pytest.approx(1.0)
    assert (sc.time_weights == 0).all() and len(sc.time_weights) == 8
    assert did.unit_weights.to_numpy() == pytest.approx(1 / 20)
    assert did.time_weights.to_numpy() == pytest.approx(1 / 8)
    assert list(did.time_weights.index) == list(range(2000, 2008))
    fit = sdid_fit.fit
    assert list(fit.columns) == ["time", "treated", "synthetic", "gap"]
    assert fit["gap"].to_numpy() == pytest.approx((fit["treated"] - fit["synthetic"]).to_numpy())


def test_block_of_treated_areas(panel):
    block = factor_panel(n_treated=2, seed=1)
    res = synthdid(block, *ARGS, method="did", placebo=50, rng=0)
    assert res.treated_units == ("T0", "T1")
    assert res.first_treated == 2008
    assert np.isfinite(res.se) and res.n_placebo == 50


def test_placebo_is_seeded_recorded_and_defines_the_interval(panel, sdid_fit):
    again = synthdid(panel, *ARGS, method="sdid", placebo=8, rng=3)
    assert np.array_equal(again.placebo_estimates, sdid_fit.placebo_estimates)
    assert sdid_fit.seed == 3 and sdid_fit.n_placebo == 8
    assert sdid_fit.se == pytest.approx(np.std(sdid_fit.placebo_estimates))
    assert sdid_fit.ci_low == pytest.approx(sdid_fit.estimate - 1.959964 * sdid_fit.se)
    assert sdid_fit.conf_int(0.9)[1] == pytest.approx(sdid_fit.estimate + 1.644854 * sdid_fit.se)
    gen = synthdid(panel, *ARGS, method="did", placebo=5, rng=np.random.default_rng(3))
    assert gen.seed == "generator"
    fresh = synthdid(panel, *ARGS, method="did", placebo=5)
    assert isinstance(fresh.seed, int)
    post = sdid_fit.event_effects["std_error"].to_numpy()
    assert np.isfinite(post).all()


def test_invariances_reordering_relabelling_and_a_constant(panel, sdid_fit):
    shuffled = panel.sample(frac=1.0, random_state=1).reset_index(drop=True)
    shuffled = shuffled.assign(area=shuffled["area"].map(lambda a: "Z" + a))
    did, did2 = (synthdid(p, *ARGS, method="did", placebo=30, rng=4) for p in (panel, shuffled))
    assert did2.estimate == pytest.approx(did.estimate, abs=1e-12)
    shifted = synthdid(panel.assign(y=panel["y"] + 100.0), *ARGS, method="sdid", placebo=0)
    assert shifted.estimate == pytest.approx(sdid_fit.estimate, abs=1e-8)
    assert shifted.unit_weights.to_numpy() == pytest.approx(sdid_fit.unit_weights.to_numpy(),
                                                           abs=1e-8)


def test_result_interfaces(sdid_fit):
    d = sdid_fit.to_dict()
    json.dumps(d, allow_nan=False)
    for key in ("estimate", "se", "ci_low", "ci_high", "method", "unit_weights",
                "time_weights", "event_effects", "pre_fit_rmse", "placebo_seed"):
        assert key in d
    assert d["method"] == "sdid" and d["unit_weights"]["C00"] >= 0
    frame = sdid_fit.to_frame()
    assert list(frame.columns[:5]) == ["method", "estimate", "std_error", "ci_low",
                                       "ci_high"]
    table = sdid_fit.event_table.to_frame()
    assert table["estimate"].to_numpy() == pytest.approx(sdid_fit.event_effects["effect"])
    assert list(table["event_time"]) == list(range(-8, 4))
    text = sdid_fit.summary()
    assert "synthetic difference-in-differences" in text and "seed 3" in text
    assert str(sdid_fit) == text
    with pytest.raises(AttributeError):
        sdid_fit.estimate = 0.0  # type: ignore[misc]


def _bad(panel: pd.DataFrame, **changes: object) -> pd.DataFrame:
    out = panel.copy()
    for key, value in changes.items():
        out[key] = value
    return out


@pytest.mark.parametrize(
    ("mutate", "kwargs", "error", "match"),
    [
        (lambda p: p, {"method": "synth"}, OptionError, "method must be one of 'sdid', 'sc'"),
        (lambda p: p, {"placebo": 1}, OptionError, "placebo must be 0 .* or at least 2; got 1"),
        (lambda p: p, {"placebo": 2.5}, OptionTypeError, "placebo must be an int; got float"),
        (lambda p: p, {"level": 1.5}, OptionError, "level must be a number strictly between"),
        (lambda p: p.drop(columns="d"), {}, OptionError, "treated column 'd' not in data"),
        (lambda p: p.iloc[1:], {}, EstimationError,
         "unbalanced: area 'C00' has no row for period 2000"),
        (lambda p: pd.concat([p, p.iloc[:1]]), {}, EstimationError,
         "area 'C00' appears twice in period 2000"),
        (lambda p: p.assign(y=p["y"].where(p.index != 3)), {}, EstimationError,
         "outcome 'y' must be a finite number in every row; row 4"),
        (lambda p: p.assign(d=p["d"].where(p.index != 5, 2)), {}, EstimationError,
         "treated column 'd' must be 0 or 1; row 6 has 2"),
        (lambda p: p.assign(d=0), {}, EstimationError, "no area is treated"),
        (lambda p: p.assign(d=(p["year"] >= 2008).astype(int)), {}, EstimationError,
         "every area is treated"),
        (lambda p: p.assign(d=((p["area"] == "T0") & (p["year"] >= 2000)).astype(int)), {},
         EstimationError, "treatment starts in the first period 2000"),
        (lambda p: p.assign(d=((p["area"] == "T0") & p["year"].between(2008, 2009)).astype(int)),
         {}, EstimationError, "treatment of area 'T0' switches off in period 2010"),
        (lambda p: p.assign(d=p["d"] | ((p["area"] == "C01") & (p["year"] >= 2009))), {},
         EstimationError, "treated areas start at different periods .*'C01' from 2009"),
    ],
)
def test_errors_name_what_was_expected_and_found(panel, mutate, kwargs, error, match):
    with pytest.raises(error, match=match):
        synthdid(mutate(panel), *ARGS, **{"method": "did", "placebo": 0, **kwargs})


def test_placebo_needs_more_controls_than_treated():
    tiny = factor_panel(n_controls=2, n_treated=2)
    with pytest.raises(EstimationError, match="more control areas than treated; found 2 "
                                              "control and 2 treated"):
        synthdid(tiny, *ARGS, method="did", placebo=10, rng=0)


def test_columns_must_differ(panel):
    with pytest.raises(OptionError, match="four different columns"):
        synthdid(panel, "y", "area", "area", "d", method="did", placebo=0)


def test_simplex_solver_matches_scipy_and_batches_exactly():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(15, 6)), rng.normal(size=15)
    zeta = 0.3
    # the estimator's path: a short solve, thinning, then a long solve from the thinned weights
    first = simplex_weights(a, b, zeta=zeta, intercept=True, min_decrease=1e-9, max_iter=100)
    fw = simplex_weights(a, b, zeta=zeta, intercept=True, start=sparsify(first.weights),
                         min_decrease=1e-9, max_iter=10_000)
    ac, bc = a - a.mean(axis=0), b - b.mean()

    def objective(w: np.ndarray) -> float:
        return float(zeta**2 * w @ w + np.sum((ac @ w - bc) ** 2) / len(b))

    ref = optimize.minimize(objective, np.full(6, 1 / 6), method="SLSQP",
                            bounds=[(0, 1)] * 6,
                            constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1}],
                            options={"ftol": 1e-14, "maxiter": 1000})
    assert fw.objective == pytest.approx(ref.fun, rel=1e-6)
    assert fw.weights == pytest.approx(ref.x, abs=1e-3)
    batch = simplex_weights(np.stack([a, 2 * a]), np.stack([b, 2 * b]), zeta=zeta,
                            intercept=True, start=np.stack([sparsify(first.weights)] * 2),
                            min_decrease=1e-9, max_iter=10_000)
    assert batch.weights[0] == pytest.approx(fw.weights, abs=1e-12)
    assert batch.iterations[0] == fw.iterations
    assert sparsify(np.array([0.5, 0.1, 0.4])) == pytest.approx([0.5 / 0.9, 0, 0.4 / 0.9])
