"""The disclosure ledger: single counts, rates about few people, and suppression across tables."""

from __future__ import annotations

import math

import pandas as pd

from eah_eval.reporting.disclosure import DisclosureLedger
from eah_eval.reporting.suppression import DisclosurePolicy


def _ledger() -> DisclosureLedger:
    return DisclosureLedger(DisclosurePolicy(threshold=10))


def test_people_counts_below_threshold_are_hidden() -> None:
    led = _ledger()
    v, f = led.people(7, table="t", key="a")
    assert math.isnan(v) and f == "c"
    assert led.people(1234.4, table="t", key="b") == (1234.0, "")
    v, f = led.people(float("nan"), table="t", key="m")
    assert math.isnan(v) and f == "x"


def test_rate_about_few_pupils_is_hidden_even_with_a_sessions_denominator() -> None:
    led = _ledger()
    # 8 pupils, 2,000 possible sessions: the denominator is large, the people are few
    v, f = led.value(4.2, table="absence", key="C3", people=8, denominator=2000)
    assert math.isnan(v) and f == "c"
    v, f = led.value(4.2, table="absence", key="C2", people=90, denominator=11000)
    assert v == 4.2 and f == ""


def test_min_denominator_hides_an_unreliable_rate() -> None:
    led = _ledger()
    v, f = led.value(50.0, table="t", key="k", people=100, denominator=30, min_denominator=40)
    assert math.isnan(v) and f == "c"


def test_wave_of_one_hidden_cluster_is_hidden_across_tables() -> None:
    led = _ledger()
    led.value(0.3, table="by cluster", key="C4", people=5)
    led.value(0.3, table="by wave", key="3", people=5)  # would be hidden anyway
    led.value(0.5, table="by cluster", key="C9", people=6)
    led.value(0.5, table="by wave", key="4", people=600)  # the wave is not small by itself
    led.link(("by wave", "4"), [("by cluster", "C9")])
    actions = led.resolve()
    assert led.flag("by wave", "4") == "c"
    assert any("C9" in a for a in actions)


def test_one_hidden_cluster_beside_a_shown_wave_gets_a_complement() -> None:
    led = _ledger()
    led.value(0.2, table="by cluster", key="C2", people=90)
    led.value(0.9, table="by cluster", key="C3", people=8)
    led.value(0.4, table="by cluster", key="C5", people=300)
    led.value(0.3, table="by wave", key="2", people=398)
    led.link(("by wave", "2"), [("by cluster", c) for c in ("C2", "C3", "C5")])
    led.resolve()
    assert led.flag("by cluster", "C3") == "c"
    # the visible cluster about the fewest pupils is hidden too, the wave stays shown
    assert led.flag("by cluster", "C2") == "c"
    assert led.flag("by cluster", "C5") == ""
    assert led.flag("by wave", "2") == ""
    assert any(r["table"] == "across tables" for r in led.records())


def test_rows_and_tables_keep_their_records() -> None:
    led = _ledger()
    frame = pd.DataFrame({"unit": ["a", "b"], "period_index": [1, 1],
                          "numerator": [3, 40], "denominator": [50, 60]})
    out = led.rows(frame, counts=["numerator", "denominator"], name="demo")
    assert out.flags.loc[0, "numerator"] == "primary"
    led.table(pd.DataFrame({"x": [3, 20], "y": [40, 50]}), name="two-way")
    assert [r["table"] for r in led.records()] == ["demo", "two-way"]


def _enter_some(led: DisclosureLedger, start: int) -> None:
    led.value(1.5, table="t", key=f"a{start}", people=4)
    led.people(40 + start, table="t", key=f"b{start}")
    led.link(("t", f"b{start}"), [("t", f"a{start}"), ("t", "shared")])
    led.rows(pd.DataFrame({"g": ["x", "y"], "n": [3, 50]}), counts=["n"], name=f"rows{start}")


def test_a_part_merged_in_place_equals_entering_directly() -> None:
    direct = _ledger()
    _enter_some(direct, 0)
    direct.people(5, table="t", key="shared")
    _enter_some(direct, 1)
    merged = _ledger()
    _enter_some(merged, 0)
    part = merged.part()  # entered elsewhere (another process), merged where it belongs
    part.people(5, table="t", key="shared")
    _enter_some(part, 1)
    merged.merge(part)
    assert direct.resolve() == merged.resolve()
    assert direct.records() == merged.records()
    assert [direct.flag("t", k) for k in ("a0", "b0", "a1", "b1", "shared")] == [
        merged.flag("t", k) for k in ("a0", "b0", "a1", "b1", "shared")]
