"""Rollout timing and panels, the command line, and the generated catalogue."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from eah_eval.cli import main
from eah_eval.errors import OptionError
from eah_eval.measures import REGISTRY, first_treated_period, rollout_panel
from eah_eval.measures.catalogue import render_markdown

REPO = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------------ rollout


@pytest.mark.parametrize(
    ("go_live", "rule", "expected"),
    [
        (dt.date(2024, 9, 1), "next_full_period", 3 * 2024),  # first day of autumn
        (dt.date(2024, 9, 1), "period_containing", 3 * 2024),
        (dt.date(2025, 1, 15), "next_full_period", 3 * 2024 + 2),  # mid spring -> summer
        (dt.date(2025, 1, 15), "period_containing", 3 * 2024 + 1),
        (dt.date(2025, 1, 15), "majority_of_period", 3 * 2024 + 1),  # before 14 Feb midpoint
        (dt.date(2025, 3, 1), "majority_of_period", 3 * 2024 + 2),  # after the midpoint
    ],
)
def test_first_treated_term(go_live: dt.date, rule: str, expected: int) -> None:
    assert first_treated_period(go_live, "term", rule=rule) == expected


def test_first_treated_other_grains() -> None:
    assert first_treated_period(dt.date(2025, 1, 15), "academic_year") == 2025
    got = first_treated_period(dt.date(2025, 1, 15), "academic_year", rule="period_containing")
    assert got == 2024
    assert first_treated_period(dt.date(2025, 4, 1), "financial_year") == 2025
    with pytest.raises(OptionError, match="mid_period_rule must be one of 'next_full_period'"):
        first_treated_period(dt.date(2025, 1, 15), "term", rule="nearest")


def test_rollout_panel_school_term(tables) -> None:  # type: ignore[no-untyped-def]
    panel = rollout_panel(tables, "absence_overall_pct")
    assert list(panel.columns) == [
        "unit", "cluster", "wave", "period", "period_index", "first_treated", "y", "weight",
        "numerator", "denominator",
    ]
    ft = panel.groupby("unit")["first_treated"].first().to_dict()
    # C1 live 1 Sep 2024 -> autumn 2024/25; C2 live 15 Jan 2025 -> summer 2024/25 (next full)
    assert ft["100001"] == 3 * 2024 and ft["100003"] == 3 * 2024
    assert ft["100004"] == 3 * 2024 + 2 and ft["100006"] == 3 * 2024 + 2
    r = panel[(panel["unit"] == "100001") & (panel["period"] == "2024/25 autumn")].iloc[0]
    assert (r["y"], r["weight"], r["cluster"], r["wave"]) == (5.0, 200.0, "C1", "1")
    assert "next full period" in panel.attrs["rollout_rule"]
    assert "splits are not chained" in panel.attrs["lineage_rule"]


def test_rollout_panel_never_treated_and_cluster_level(frames) -> None:  # type: ignore[no-untyped-def]
    late = dict(frames)
    clusters = frames["clusters"].copy()
    clusters.loc[clusters["cluster_id"] == "C2", "go_live_date"] = pd.Timestamp("2026-01-05")
    late["clusters"] = clusters
    panel = rollout_panel(
        late, "suspension_rate", level="cluster", mid_period_rule="period_containing"
    )
    ft = panel.groupby("unit")["first_treated"].first().to_dict()
    assert ft == {"C1": 3 * 2024, "C2": 0}  # C2 goes live after the window: never treated
    # zero-denominator unit-periods are dropped and counted: the independent special school's
    # suspension of 2023/24, before its first census (every school, no programme scope)
    school = rollout_panel(late, "suspension_rate", scope=None)
    assert school.attrs["rows_dropped"] >= 1
    assert school["y"].notna().all()
    # the default scope leaves the special school out before any row is formed
    served = rollout_panel(late, "suspension_rate")
    assert served.attrs["rows_dropped"] == 0 and "100007" not in set(served["unit"])
    with pytest.raises(OptionError, match="rollout_panel level must be one of 'school', 'cluster'"):
        rollout_panel(late, "suspension_rate", level="la")


# ------------------------------------------------------------------------ CLI


def test_cli_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["measures", "list"]) == 0
    out = capsys.readouterr().out
    assert all(mid in out for mid in REGISTRY)
    assert main(["measures", "show", "absence_persistent_pct"]) == 0
    assert "own possible sessions" in capsys.readouterr().out
    assert main(["measures", "show", "nope"]) == 1
    assert "unknown measure 'nope'" in capsys.readouterr().err


def test_cli_compute_writes_tidy_csv(  # type: ignore[no-untyped-def]
    frames, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name, df in frames.items():
        out = df.copy()
        for col in out.columns:
            if pd.api.types.is_datetime64_any_dtype(out[col]):
                out[col] = out[col].dt.strftime("%Y-%m-%d")
        out.to_csv(data / f"{name}.csv", index=False)
    target = tmp_path / "out" / "pa.csv"
    status = main([
        "measures", "compute", str(data), "--measure", "absence_overall_pct", "--level",
        "cluster", "--period", "term", "--by", "fsm", "--out", str(target),
    ])
    err = capsys.readouterr().err
    assert status == 0, err
    assert "attendance: 12 rows read, 10 used, 2 excluded" in err
    assert "1 age outside 5-15" in err
    got = pd.read_csv(target, dtype={"unit": str})
    assert {"unit", "period", "group", "numerator", "denominator", "value"} <= set(got.columns)
    sel = got[(got["unit"] == "C1") & (got["period"] == "2024/25 autumn") & (got["group"] == "fsm")]
    assert sel[["numerator", "denominator", "value"]].iloc[0].tolist() == [10, 100, 10]
    status = main([
        "measures", "compute", str(data), "--measure", "ehc_20wk_incl_exceptions_pct",
        "--level", "school", "--out", str(target),
    ])
    assert status == 1
    assert "can be computed at level 'la' only; got 'school'" in capsys.readouterr().err


# ------------------------------------------------------------------------ catalogue


def test_catalogue_is_generated_and_up_to_date() -> None:
    path = REPO / "docs" / "measures.md"
    assert path.read_text(encoding="utf-8") == render_markdown(), (
        "docs/measures.md is out of date: run `eah-eval measures catalogue --out docs/measures.md`"
    )


def test_catalogue_documents_every_measure_field() -> None:
    text = render_markdown()
    for m in REGISTRY.values():
        assert f"`{m.id}`" in text
        assert m.official_definition.split(":")[0] in text
        assert m.direction_reason[:30] in text


def test_every_measure_has_a_recipe() -> None:
    from eah_eval.measures.recipes import RECIPES

    assert set(RECIPES) == set(REGISTRY)
