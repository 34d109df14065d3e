"""The measures on the synthetic council: rollout timing matches the generator's truth and
every measure computes on realistic tables."""

from __future__ import annotations

import pytest

from eah_eval.measures import REGISTRY, compute, open_tables, rollout_panel

synthetic = pytest.importorskip("eah_eval.data.synthetic")


@pytest.fixture(scope="module")
def council():  # type: ignore[no-untyped-def]
    return synthetic.make_council(small=True)


def test_rollout_matches_generator_truth(council) -> None:  # type: ignore[no-untyped-def]
    panel = rollout_panel(council, "absence_overall_pct", level="cluster")
    got = panel.groupby("unit")["first_treated"].first().to_dict()
    expected = {
        c: wave["first_treated_period_index"]
        for wave in council.truth["rollout"]
        for c in wave["clusters"]
    }
    assert got == expected


def test_every_measure_computes(council) -> None:  # type: ignore[no-untyped-def]
    ts = open_tables(council)
    for mid, m in REGISTRY.items():
        res = compute(ts, mid, level="la" if "la" in m.levels else m.levels[-1])
        assert len(res.frame) > 0, mid
        assert res.frame["value"].notna().any(), mid
