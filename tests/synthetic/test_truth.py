"""truth.json: its structure, the null council, and that the data carry the stated effects."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eah_eval.data.synthetic import (
    DEFAULT_EFFECTS,
    MEASURES,
    EffectSpec,
    SyntheticCouncil,
    make_council,
)
from eah_eval.errors import OptionError, OptionTypeError


def test_truth_json_structure(small_dir: Path, small_council: SyntheticCouncil) -> None:
    truth = json.loads((small_dir / "truth.json").read_text(encoding="utf-8"))
    assert set(truth) - {"high_needs"} == {"generator", "conventions", "rollout", "conversions",
                                          "measures", "planted_risks", "background_trends"}
    trends = truth["background_trends"]
    assert trends["suspension_rate"]["relative_per_year"] == 0.03
    assert {"suspension_rate", "absence_overall_pct", "phase_mix"} == set(trends)
    assert truth["generator"]["parameters"]["seed"] == small_council.seed
    assert [w["wave"] for w in truth["rollout"]] == [1, 2, 3]
    assert sum(len(w["clusters"]) for w in truth["rollout"]) == 4
    assert set(truth["measures"]) == set(MEASURES)
    for name, m in truth["measures"].items():
        assert {"unit", "grain", "definition", "simple", "simple_rule", "overall", "by_wave",
                "by_event_time", "by_wave_event_time", "parameter"} <= set(m), name
        assert m["max_abs_effect_before_go_live"] == 0.0
        assert len(m["overall"]) == 12
        # by default the programme serves the schools the generator treats
        rows = {(r["population"], r["window"], r["weighting"]): r for r in m["overall"]}
        for (population, window, weighting), r in rows.items():
            if population == "served":
                assert r == rows[("mainstream", window, weighting)] | {"population": "served"}
        for row in m["by_wave_event_time"]:
            assert row["event_time"] >= 0 and row["n_cells"] > 0
        # the simple figure is the equal-weight mean of the post-go-live mainstream cells
        cells = np.array([r["effect"] * r["n_cells"] for r in m["by_wave_event_time"]])
        n = sum(r["n_cells"] for r in m["by_wave_event_time"])
        assert m["simple"] == pytest.approx(cells.sum() / n, abs=1e-6)
    assert truth == json.loads(json.dumps(dict(small_council.truth)))


def test_absolute_effects_follow_the_spec(default_council: SyntheticCouncil) -> None:
    spec = DEFAULT_EFFECTS["absence_overall_pct"]
    m = default_council.truth["measures"]["absence_overall_pct"]
    for row in m["by_wave_event_time"]:
        expected = spec.size * min(1.0, (row["event_time"] + 1) / spec.ramp_terms) \
            * spec.by_wave[row["wave"] - 1]
        # truth.json rounds to 8 decimals
        assert row["effect"] == pytest.approx(expected, abs=1e-8)
        assert row["nominal"] == pytest.approx(expected, abs=1e-8)
    # waves differ as set: wave 1 strongest
    by_w = {r["wave"]: r["effect"] for r in m["by_wave"]}
    assert by_w[1] < by_w[2] < by_w[3] < 0


def test_null_council_has_zero_truth() -> None:
    null = make_council(3, small=True, effects={})
    for name, m in null.truth["measures"].items():
        assert m["simple"] == 0.0, name
        assert all(r["effect"] == 0.0 for r in m["by_wave_event_time"]), name
        assert m["parameter"] is None


def test_effect_arguments() -> None:
    c = make_council(3, small=True, effects={
        "suspension_rate": {"size": -0.3, "scale": "relative", "ramp_terms": 1},
        "absence_overall_pct": {"size": -1.0, "ramp_terms": 1},
        "sen_support_pct": 0.5,
    })
    m = c.truth["measures"]
    assert m["absence_overall_pct"]["parameter"]["size"] == -1.0
    assert m["sen_support_pct"]["parameter"] == {
        "size": 0.5, "scale": "absolute", "ramp_terms": 3, "by_wave": [1.0]}
    assert m["ks2_rwm_expected_pct"]["simple"] == 0.0
    assert m["suspension_rate"]["simple"] < 0
    # immediate, the same in every wave: every treated cell moves by exactly -1 point
    assert m["absence_overall_pct"]["simple"] == pytest.approx(-1.0)
    assert {r["effect"] for r in m["absence_overall_pct"]["by_wave_event_time"]} == {-1.0}
    c2 = make_council(3, small=True, effects={"ks2_rwm_expected_pct": EffectSpec(2.0)})
    assert c2.truth["measures"]["ks2_rwm_expected_pct"]["simple"] > 0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"effects": {"attendance": 1.0}}, OptionError, "effects key must be one of"),
        ({"effects": {"absence_overall_pct": {"size": 1, "shape": 2}}}, OptionError,
         "unknown field"),
        ({"effects": {"absence_overall_pct": "big"}}, OptionTypeError, "must be an EffectSpec"),
        ({"effects": {"suspension_rate": {"size": -1.5, "scale": "relative"}}}, OptionError,
         "above -1"),
        ({"effects": {"suspension_rate": {"size": -0.1, "scale": "ratio"}}}, OptionError,
         "scale must be one of"),
        ({"effects": {"suspension_rate": {"size": -0.1, "ramp_terms": 0}}}, OptionError,
         "ramp_terms"),
        ({"waves": ("2023-09-02",)}, OptionError, "term start"),
        ({"waves": ("2021-09-01",)}, OptionError, "after the first term"),
        ({"waves": ("2024-09-01", "2023-09-01")}, OptionError, "date order"),
        ({"waves": ("soon",)}, OptionError, "ISO date"),
        ({"n_clusters": 0}, OptionError, "n_clusters must be at least 1"),
        ({"n_clusters": 2.5}, OptionTypeError, "n_clusters must be an integer"),
        ({"n_schools": 5}, OptionError, "n_schools must be at least"),
        ({"la_code": "8390"}, OptionError, "la_code must be three digits"),
        ({"start": "2021-22"}, OptionError, "academic year must look like"),
        ({"end": "2022/23"}, OptionError, "end must be at least two academic years"),
    ],
)
def test_bad_options(kwargs: dict[str, object], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        make_council(1, small=True, **kwargs)  # type: ignore[arg-type]


def test_bad_scope() -> None:
    with pytest.raises(OptionTypeError, match=r"scope must be a ProgrammeScope \(eah_eval"
                       r"\.measures\.programme\) or None; got str 'mainstream'"):
        make_council(1, small=True, scope="mainstream")  # type: ignore[arg-type]


def test_truth_records_the_default_scope(small_council: SyntheticCouncil) -> None:
    scope = small_council.truth["conventions"]["scope"]
    assert scope["phases"] == ["primary", "secondary"] and scope["given"] is False
    assert "ProgrammeScope()" in scope["description"]
    schools = small_council.tables["schools"]
    special = schools.loc[schools["phase"] == "special", "urn"].tolist()
    assert scope["urns_not_served"] == sorted(special)
    assert scope["schools_not_served"] == len(special) == 1
    assert scope["schools_served"] + scope["schools_not_served"] == 12
    assert "scope" not in small_council.parameters


class _Everyone:
    """A scope serving every school (the shape of eah_eval.measures' ProgrammeScope)."""

    def serves(self, schools: pd.DataFrame) -> pd.Series:
        return pd.Series(True, index=schools.index)

    def to_dict(self) -> dict[str, object]:
        return {"phases": ["every"], "description": "every school"}


def test_truth_follows_the_scope(small_council: SyntheticCouncil) -> None:
    wide = make_council(small_council.seed, small=True, scope=_Everyone())
    for t in small_council.tables:  # the tables never depend on the scope
        assert wide.tables[t].equals(small_council.tables[t]), t
    scope = wide.truth["conventions"]["scope"]
    assert scope["phases"] == ["every"] and scope["given"] is True
    assert scope["schools_served"] == 12 and scope["urns_not_served"] == []
    assert wide.parameters["scope"] == {"phases": ["every"], "description": "every school"}
    for name, m in wide.truth["measures"].items():
        narrow = small_council.truth["measures"][name]
        rows = {(r["population"], r["window"], r["weighting"]): r["effect"]
                for r in narrow["overall"]}
        # serving every school, simple is the all-schools mean (special schools add zeros)
        assert m["simple"] == rows[("all_schools", "all_post", "equal")], name
        n_all = sum(r["n_cells"] for r in m["by_wave_event_time"])
        n_main = sum(r["n_cells"] for r in narrow["by_wave_event_time"])
        assert n_all > n_main, name


def test_bad_seed() -> None:
    with pytest.raises(OptionTypeError, match="seed must be an integer"):
        make_council("1", small=True)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Known truth: the stated effect is in the data. A 2x2 difference in differences on school-term
# cells (wave 1 against the last wave, before and after wave 1's go-live, before wave 2 starts)
# must land within four standard errors of the true wave-1 average; the null council within
# four standard errors of zero. SE: two-sample, schools as units, valid because cluster shocks
# are switched off (deterministic seed; the bound is a statistical statement about the
# generator, not a tuned tolerance).


def _school_term_absence(c: SyntheticCouncil) -> pd.DataFrame:
    a = c.tables["attendance"]
    a = a[(a["age"] >= 5) & (a["age"] <= 15) & (a["possible_sessions"] > 0)]
    links = c.tables["school_links"]
    canon = dict(zip(links.loc[links["link_type"] == "successor", "urn"],
                     links.loc[links["link_type"] == "successor", "linked_urn"], strict=True))
    s = c.tables["schools"].merge(c.tables["clusters"], on="cluster_id")
    s = s[s["phase"] != "special"]
    a = a.assign(unit=a["urn"].map(lambda u: canon.get(u, u)),
                 t=a["academic_year"].str[:4].astype(int) * 3
                 + a["term"].map({"autumn": 0, "spring": 1, "summer": 2}),
                 absent=a["authorised_absence"] + a["unauthorised_absence"])
    g = a.groupby(["unit", "t"])[["absent", "possible_sessions"]].sum().reset_index()
    g["y"] = 100 * g["absent"] / g["possible_sessions"]
    wave = s.assign(unit=s["urn"].map(lambda u: canon.get(u, u))).drop_duplicates("unit")
    return g.merge(wave[["unit", "rollout_wave"]], on="unit")


def _did(c: SyntheticCouncil) -> tuple[float, float, float]:
    g = _school_term_absence(c)
    waves = c.truth["rollout"]
    g1 = waves[0]["first_treated_period_index"]
    g2 = waves[1]["first_treated_period_index"]
    last = waves[-1]["wave"]
    g = g[g["rollout_wave"].isin([1, last])]
    post = (g["t"] >= g1) & (g["t"] < g2)
    pre = g["t"] < g1
    d = (g[post].groupby("unit")["y"].mean() - g[pre].groupby("unit")["y"].mean()).dropna()
    w = g.drop_duplicates("unit").set_index("unit")["rollout_wave"].reindex(d.index)
    d1, d3 = d[w == 1], d[w == last]
    est = d1.mean() - d3.mean()
    se = float(np.sqrt(d1.var() / len(d1) + d3.var() / len(d3)))
    rows = c.truth["measures"]["absence_overall_pct"]["by_wave_event_time"]
    true = [r for r in rows if r["wave"] == 1 and r["period_index"] < g2]
    truth = sum(r["effect"] * r["n_cells"] for r in true) / sum(r["n_cells"] for r in true)
    return float(est), se, truth


@pytest.fixture(scope="module")
def independent_councils() -> tuple[SyntheticCouncil, SyntheticCouncil]:
    # cluster_sd=0: schools independent, so the school-level standard error is the right one
    return make_council(cluster_sd=0.0), make_council(cluster_sd=0.0, effects={})


@pytest.mark.slow
def test_absence_effect_is_in_the_data(
    independent_councils: tuple[SyntheticCouncil, SyntheticCouncil],
) -> None:
    council, null_council = independent_councils
    est, se, truth = _did(council)
    assert truth == pytest.approx(-0.4)  # wave 1: 1.2 x -0.5 x mean(1/3, 2/3, 1)
    assert abs(est - truth) < 4 * se, (est, se, truth)
    assert se < 0.15  # the design can tell the effect from zero
    est0, se0, truth0 = _did(null_council)
    assert truth0 == 0.0
    assert abs(est0) < 4 * se0, (est0, se0)
