"""Disclosure control: primary and secondary suppression, derived values, symbols."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eah_eval.errors import OptionError, OptionTypeError
from eah_eval.reporting.suppression import (
    DisclosurePolicy,
    audit_table,
    format_value,
    suppress_derived,
    suppress_rows,
    suppress_table,
)


def tables(max_rows: int = 6, max_cols: int = 6, max_value: int = 40) -> st.SearchStrategy:
    return st.integers(1, max_rows).flatmap(
        lambda r: st.integers(1, max_cols).flatmap(
            lambda c: st.lists(
                st.lists(st.integers(0, max_value), min_size=c, max_size=c),
                min_size=r,
                max_size=r,
            )
        )
    )


def _frame(rows: list[list[int]]) -> pd.DataFrame:
    return pd.DataFrame(
        rows,
        index=[f"r{i}" for i in range(len(rows))],
        columns=[f"c{j}" for j in range(len(rows[0]))],
    )


@settings(max_examples=150, deadline=None)
@given(tables(), st.sampled_from(["threshold", "suppress_1_2"]))
def test_no_visible_small_count_and_nothing_recoverable(rows: list[list[int]], rule: str) -> None:
    policy = DisclosurePolicy(rule=rule)  # type: ignore[arg-type]
    out = suppress_table(_frame(rows), policy=policy)
    vals = out.values.to_numpy(dtype=float)
    visible = vals[~np.isnan(vals)]
    smallest = 10 if rule == "threshold" else 3
    assert not ((visible > 0) & (visible < smallest)).any()
    # No row or column relation (margins included) has exactly one hidden entry.
    hidden = np.isnan(vals)
    for i in range(hidden.shape[0]):
        assert hidden[i].sum() != 1, f"row {i} has one hidden cell: {out.flags}"
    for j in range(hidden.shape[1]):
        assert hidden[:, j].sum() != 1, f"column {j} has one hidden cell"
    # And no combination of the equations recovers a hidden cell exactly.
    assert audit_table(out.values, policy=policy) == []


@settings(max_examples=100, deadline=None)
@given(tables())
def test_hidden_cells_cannot_be_recovered_by_subtraction(rows: list[list[int]]) -> None:
    """Brute force: every subtraction from a visible total over visible cells fails."""
    out = suppress_table(_frame(rows))
    vals = out.values.to_numpy(dtype=float)
    n_r, n_c = vals.shape[0] - 1, vals.shape[1] - 1
    for i in range(n_r + 1):
        line = vals[i]
        unknown = np.isnan(line)
        assert unknown.sum() != 1
    for j in range(n_c + 1):
        line = vals[:, j]
        assert np.isnan(line).sum() != 1


@settings(max_examples=60, deadline=None)
@given(tables())
def test_visible_values_are_unchanged(rows: list[list[int]]) -> None:
    frame = _frame(rows)
    out = suppress_table(frame, margins=False)
    shown = ~out.values.isna()
    assert (out.values[shown] == frame.astype(float)[shown]).sum().sum() == shown.sum().sum()


def test_primary_and_secondary_flags_and_symbols() -> None:
    t = pd.DataFrame({"a": [3, 20], "b": [40, 50]}, index=["x", "y"])
    out = suppress_table(t, name="demo")
    assert out.flags.loc["x", "a"] == "primary"
    # the row x and column a each need a complement
    assert out.flags.loc["x", "b"] == "secondary"
    assert out.flags.loc["y", "a"] == "secondary"
    assert out.display().loc["x", "a"] == "c"
    assert out.record.n_primary == 1 and out.record.n_secondary >= 2
    assert out.record.to_dict()["policy"]["threshold"] == 10


def test_complement_prefers_smallest_nonzero_cell() -> None:
    t = pd.DataFrame({"a": [4, 0, 30], "b": [50, 60, 70], "c": [25, 80, 90]})
    out = suppress_table(t, margins=False)
    assert out.flags.loc[0, "c"] == "secondary"  # 25 < 50 in row 0
    assert out.flags.loc[2, "a"] == "secondary"  # 30 rather than the zero in column a


def test_zeros_shown_by_default_and_suppressed_on_request() -> None:
    t = pd.DataFrame({"a": [0, 20], "b": [40, 50]})
    assert suppress_table(t).flags.loc[0, "a"] == ""
    out = suppress_table(t, policy=DisclosurePolicy(zeros="suppress"))
    assert out.flags.loc[0, "a"] == "primary"


def test_dfe_rule_suppresses_only_one_and_two() -> None:
    t = pd.DataFrame({"a": [1, 2, 3], "b": [5, 5, 5]})
    flags = suppress_table(t, policy=DisclosurePolicy(rule="suppress_1_2"), margins=False).flags
    assert list(flags["a"][:2]) == ["primary", "primary"]
    assert flags.loc[2, "a"] in ("", "secondary")


def test_missing_cells_are_x_and_not_used_as_complements() -> None:
    t = pd.DataFrame({"a": [5.0, np.nan], "b": [40.0, 50.0]})
    out = suppress_table(t, margins=False)
    assert out.flags.loc[1, "a"] == "missing"
    assert out.display().loc[1, "a"] == "x"


def test_derived_values_follow_hidden_counts() -> None:
    frame = pd.DataFrame(
        {
            "cluster": ["A", "A", "B", "B"],
            "term": [1, 2, 1, 2],
            "numerator": [4, 30, 25, 40],
            "denominator": [100, 110, 90, 95],
        }
    )
    frame["value"] = 100 * frame["numerator"] / frame["denominator"]
    out = suppress_rows(
        frame,
        counts=["numerator", "denominator"],
        derived={"value": ["numerator"]},
        table_by=("cluster", "term"),
        name="sen",
    )
    assert out.flags.loc[0, "numerator"] == "primary"
    assert out.flags.loc[0, "value"] == "derived"
    assert np.isnan(out.values.loc[0, "value"])
    # secondary: row A and column 1 each need a second hidden numerator
    assert (out.flags["numerator"] == "secondary").sum() >= 2
    assert out.record.n_derived >= 1
    disp = out.display({"numerator": "{:,.0f}", "value": "{:.1f}"})
    assert disp.loc[0, "value"] == "c"


def test_suppress_derived_on_tables() -> None:
    counts = suppress_table(pd.DataFrame({"a": [3, 30], "b": [30, 40]}), margins=False)
    rates = pd.DataFrame({"a": [0.1, 0.2], "b": [0.3, 0.4]})
    vals, flags = suppress_derived(rates, based_on=[counts.flags])
    assert flags.loc[0, "a"] == "derived" and np.isnan(vals.loc[0, "a"])


def test_suppress_rows_without_table_is_primary_only() -> None:
    frame = pd.DataFrame({"n": [3, 12, 0]})
    out = suppress_rows(frame, counts=["n"])
    assert list(out.flags["n"]) == ["primary", "", ""]


def test_format_value_low_and_unreliable() -> None:
    assert format_value(0.004, "", "{:.1f}") == "low"
    assert format_value(0.0, "", "{:.1f}") == "0.0"
    assert format_value(12.0, "unreliable", "{:.0f}") == "12 u"
    assert format_value(np.nan) == "x"
    assert format_value(5, "not_applicable") == "z"


def test_policy_validation_messages() -> None:
    with pytest.raises(OptionError, match="rule must be one of 'threshold', 'suppress_1_2'"):
        DisclosurePolicy(rule="top_coding")  # type: ignore[arg-type]
    with pytest.raises(OptionTypeError, match="threshold must be an int"):
        DisclosurePolicy(threshold=9.5)  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="threshold must be at least 1"):
        DisclosurePolicy(threshold=0)
    with pytest.raises(OptionError, match="non-negative whole numbers"):
        suppress_table(pd.DataFrame({"a": [-1, 3]}))
    with pytest.raises(OptionError, match="not found or not declared"):
        suppress_rows(pd.DataFrame({"n": [1]}), counts=["n"], derived={"rate": ["n"]})


def test_audit_flags_a_leaky_table() -> None:
    leaky = pd.DataFrame([[np.nan, 40.0, 43.0], [20.0, 50.0, 70.0], [23.0, 90.0, 113.0]])
    problems = audit_table(leaky)
    assert any("recovered" in p for p in problems)
    small = pd.DataFrame([[3.0, 40.0, 43.0], [20.0, 50.0, 70.0], [23.0, 90.0, 113.0]])
    assert any("visible small count 3" in p for p in audit_table(small))


@settings(max_examples=80, deadline=None)
@given(tables(max_rows=7, max_cols=4), st.integers(1, 3))
def test_group_subtotals_do_not_reveal_hidden_cells(rows: list[list[int]], n_groups: int) -> None:
    frame = _frame(rows)
    groups = {r: f"w{i % n_groups}" for i, r in enumerate(frame.index)}
    out = suppress_table(frame, row_groups=groups)
    labels = list(dict.fromkeys(groups.values()))
    members = [[i for i, r in enumerate(frame.index) if groups[r] == g] for g in labels]
    vals = out.values.to_numpy(dtype=float)
    visible = vals[~np.isnan(vals)]
    assert not ((visible > 0) & (visible < 10)).any()
    assert audit_table(out.values, row_groups=members) == []


def test_suppress_rows_with_groups_returns_subtotals() -> None:
    frame = pd.DataFrame(
        {
            "cluster": ["A", "A", "B", "B", "C", "C"],
            "term": [1, 2, 1, 2, 1, 2],
            "numerator": [4, 30, 25, 40, 50, 60],
        }
    )
    out = suppress_rows(
        frame,
        counts=["numerator"],
        table_by=("cluster", "term"),
        row_groups={"A": "wave 1", "B": "wave 1", "C": "wave 2"},
    )
    assert out.subtotals is not None
    sub = out.subtotals.set_index(["group", "term"])
    # wave 1 term 2 = 70 is visible; wave 1 term 1 = 29 is visible; A1 hidden, so B1 must be
    assert out.flags.loc[0, "numerator"] == "primary"
    assert out.flags.loc[2, "numerator"] == "secondary"
    assert sub.loc[("wave 2", 1), "numerator"] == 50
