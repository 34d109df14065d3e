"""Finance inputs: optional tables, validation with file/row/column, clear errors when missing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from eah_eval.data.load import Council, load_council, validate_frames
from eah_eval.data.synthetic import SyntheticCouncil, make_council
from eah_eval.errors import DataFileNotFoundError
from eah_eval.finance import (
    EffectDistribution,
    FinanceInputsError,
    FinanceInputsMissingError,
    load_finance_inputs,
    project,
)

FINANCE_TABLES = ("ehc_plans", "high_needs_costs", "high_needs_income", "programme_budget",
                  "population")


@pytest.fixture(scope="module")
def small() -> SyntheticCouncil:
    return make_council(5, small=True)


def _without(small: SyntheticCouncil, *drop: str) -> dict[str, pd.DataFrame]:
    return {k: v for k, v in small.tables.items() if k not in drop}


def test_other_reports_load_without_finance_tables(small: SyntheticCouncil) -> None:
    council = Council.from_frames(_without(small, *FINANCE_TABLES))
    acc = council.accounting.set_index("table")
    for t in FINANCE_TABLES:
        assert acc.loc[t, "reason"] == "optional file not supplied: empty table"
        assert len(council[t]) == 0


def test_missing_tables_named(small: SyntheticCouncil) -> None:
    council = Council.from_frames(_without(small, "ehc_plans", "high_needs_income"))
    with pytest.raises(FinanceInputsMissingError,
                       match=r"needs ehc_plans.csv, high_needs_income.csv: not supplied or no "
                             r"rows \(expected the tables ehc_plans.csv, high_needs_costs.csv, "
                             r"high_needs_income.csv"):
        load_finance_inputs(council)


def test_missing_tables_in_a_folder(small: SyntheticCouncil, tmp_path: Path) -> None:
    small.write(tmp_path)
    (tmp_path / "high_needs_costs.csv").unlink()
    with pytest.raises(FinanceInputsMissingError,
                       match=rf"needs high_needs_costs.csv in {tmp_path}: not supplied"):
        load_finance_inputs(tmp_path)
    # the rest of the council still loads
    assert len(load_council(tmp_path)["schools"]) > 0


def test_optional_finance_tables_assumed_with_a_note(small: SyntheticCouncil) -> None:
    inputs = load_finance_inputs(Council.from_frames(
        _without(small, "programme_budget", "population")))
    assert any("programme_budget.csv not supplied" in n for n in inputs.notes)
    assert any("population.csv not supplied" in n for n in inputs.notes)


def test_too_few_years(small: SyntheticCouncil) -> None:
    frames = dict(small.tables)
    costs = frames["high_needs_costs"]
    frames["high_needs_costs"] = costs[costs["financial_year"] >= 2027]
    with pytest.raises(FinanceInputsError,
                       match=r"cover 2 January census\(es\) \(financial years from the first "
                             r"unit cost, 2027, .*expected at least 3"):
        load_finance_inputs(Council.from_frames(frames))


def test_missing_unit_cost_named(small: SyntheticCouncil) -> None:
    frames = dict(small.tables)
    costs = frames["high_needs_costs"]
    frames["high_needs_costs"] = costs[~((costs["financial_year"] == 2020) &
                                         (costs["placement"] == "post16_fe"))]
    with pytest.raises(FinanceInputsError,
                       match=r"expected a unit cost for every placement type in every observed "
                             r"financial year 2017 to 2028; 1 missing, first financial_year "
                             r"2020, placement 'post16_fe'"):
        load_finance_inputs(Council.from_frames(frames))


def test_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(DataFileNotFoundError, match=r"data folder not found: .*nowhere"):
        load_finance_inputs(tmp_path / "nowhere")


def test_caseload_rules_name_row_and_column(small: SyntheticCouncil) -> None:
    frames = dict(small.tables)
    plans = frames["ehc_plans"].copy()
    ended = plans.index[plans["spell_end_date"].notna()][0]
    plans.loc[ended, "end_reason"] = None  # an end date without a reason
    plans.loc[0, "spell_start_date"] = plans.loc[0, "plan_start_date"] - pd.Timedelta(days=3)
    plans.loc[1, "placement"] = "special"  # not a code
    frames["ehc_plans"] = plans
    report = validate_frames(frames)
    text = "\n".join(str(p) for p in report.problems)
    assert (f"ehc_plans.csv, row {ended + 1}, column 'end_reason': inconsistent_values: "
            "expected end_reason and spell_end_date both given or both blank; found "
            "end_reason blank with spell_end_date given") in text
    assert ("ehc_plans.csv, row 1, column 'spell_start_date': dates_out_of_order: expected "
            "spell_start_date on or after plan_start_date") in text
    assert "ehc_plans.csv, row 2, column 'placement': bad_code" in text


def test_projection_runs_without_population_and_budget(small: SyntheticCouncil) -> None:
    # new plans become counts by age with the trend; the programme costs nothing (noted)
    inputs = load_finance_inputs(Council.from_frames(
        _without(small, "programme_budget", "population")))
    fp = project(inputs, EffectDistribution.from_interval(-0.2, -0.3, -0.1), years=3,
                 n_draws=20, seed=1, backtest=False)
    plans = fp.scenarios["with"].plans
    assert plans.shape == (20, 3) and (plans > 0).all()
    assert (fp.scenarios["with"].programme_cost_gbp == 0).all()
    assert any("programme_budget.csv not supplied" in n for n in fp.notes)
