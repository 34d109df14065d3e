"""The multi-area tables: schema validation, loading from a folder, and every error by message."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from eah_eval.data.areas import (
    AREA_TABLES,
    area_fields,
    area_resource,
    council_area_panel,
    load_areas,
    validate_areas,
)
from eah_eval.data.schema import schema_dir
from eah_eval.data.synthetic.national import make_national
from eah_eval.errors import DataFileNotFoundError, DataValidationError, OptionError


@pytest.fixture(scope="module")
def national():
    return make_national(n_authorities=25, seed=5)


def test_every_area_table_has_a_schema_and_a_descriptor_entry():
    descriptor = json.loads((schema_dir() / "areas.datapackage.json").read_text())
    assert [r["name"] for r in descriptor["resources"]] == list(AREA_TABLES)
    for table in AREA_TABLES:
        assert (schema_dir() / area_resource(table)["schema"]).is_file()
        assert [f["name"] for f in area_fields(table)]
    with pytest.raises(OptionError, match="table must be one of 'area_panel'"):
        area_fields("schools")


def test_the_synthetic_national_tables_validate_with_schema_types(national):
    areas = validate_areas(national.panel, national.programme, national.neighbours)
    assert list(areas.panel.columns) == [f["name"] for f in area_fields("area_panel")]
    assert len(areas.panel) == len(national.panel)
    assert areas.panel["period_index"].dtype == "int64"
    assert areas.panel["value"].dtype == "float64"
    assert areas.programme["programme_start"].dtype.kind == "M"
    assert areas.programme["programme_start"].isna().sum() == national.programme[
        "programme_start"].isna().sum()
    assert areas.measures() == ("absence_persistent_pct",)
    assert len(areas.neighbours_of("839")) == 10


def test_a_written_national_folder_loads_as_generated(national, tmp_path: Path):
    folder = national.write(tmp_path / "national")
    areas = load_areas(folder)
    pd.testing.assert_series_equal(areas.panel["value"], national.panel["value"],
                                   check_exact=False, rtol=1e-5)
    assert areas.files["area_panel"].endswith("area_panel.csv")
    truth = json.loads((folder / "truth.json").read_text())
    assert truth["seed"] == 5 and truth["effect_by_event_time"]["0"] == -1.0


def test_neighbours_are_optional(national, tmp_path: Path):
    folder = national.write(tmp_path / "national")
    (folder / "statistical_neighbours.csv").unlink()
    areas = load_areas(folder)
    assert areas.neighbours.empty and list(areas.neighbours.columns) == [
        "la_code", "neighbour_la_code", "rank"]


def test_missing_required_file_and_folder(national, tmp_path: Path):
    folder = national.write(tmp_path / "national")
    (folder / "area_programme.csv").unlink()
    with pytest.raises(DataValidationError,
                       match=r"area_programme.csv: missing_file: expected the file "
                             r"area_programme.csv; found no such file"):
        load_areas(folder)
    with pytest.raises(DataFileNotFoundError, match="multi-area folder not found"):
        load_areas(tmp_path / "nowhere")


def _problem(error: DataValidationError, kind: str) -> str:
    return next(str(p) for p in error.problems if p.kind == kind)


@pytest.mark.parametrize(("change", "kind", "text"), [
    (lambda p, g, n: p.__setitem__("la_code", p["la_code"].where(p.index != 3, "83")),
     "bad_pattern", r"row 4, column 'la_code': bad_pattern: expected text matching"),
    (lambda p, g, n: p.__setitem__("level", p["level"].where(p.index != 0, "region")),
     "bad_code", r"row 1, column 'level': bad_code: expected one of local_authority, school"),
    (lambda p, g, n: p.__setitem__("la_code", p["la_code"].where(p.index != 1, "999")),
     "area_not_authority", r"row 2, column 'la_code': area_not_authority: expected la_code "
     r"equal to area_code on a local_authority row; found area_code \d{3}, la_code 999"),
    (lambda p, g, n: p.__setitem__("period_type", p["period_type"].where(
        p.index != 5, "academic_year")), "mixed_period_types",
     r"column 'period_type': mixed_period_types: expected one period_type per measure"),
    (lambda p, g, n: p.__setitem__("value", p["value"].astype(object).where(p.index != 2, "c")),
     "bad_type", r"row 3, column 'value': bad_type"),
    (lambda p, g, n: n.__setitem__("neighbour_la_code", n["neighbour_la_code"].where(
        n.index != 0, n["la_code"])), "own_neighbour",
     r"row 1, column 'neighbour_la_code': own_neighbour: expected a neighbour other than the "
     r"authority itself"),
    (lambda p, g, n: n.__setitem__("la_code", n["la_code"].where(n.index != 4, "100")),
     "unknown_reference", r"row 5, column 'la_code': unknown_reference: expected a la_code "
     r"listed in .*area_programme.csv"),
    (lambda p, g, n: g.__setitem__("programme_start", g["programme_start"].astype(object).where(
        g.index != 0, "2024-13-01")), "bad_type", r"row 1, column 'programme_start': bad_type"),
])
def test_each_problem_is_named_with_row_column_and_expectation(national, change, kind, text):
    panel, programme, neighbours = (national.panel.copy(), national.programme.copy(),
                                    national.neighbours.copy())
    change(panel, programme, neighbours)
    with pytest.raises(DataValidationError) as info:
        validate_areas(panel, programme, neighbours)
    assert re.search(text, _problem(info.value, kind))


def test_repeated_key_and_unknown_column(national):
    panel = pd.concat([national.panel, national.panel.iloc[[7]]], ignore_index=True)
    with pytest.raises(DataValidationError, match=r"duplicate_key: expected a unique primary "
                       r"key \(level, area_code, period_index, measure\)"):
        validate_areas(panel, national.programme)
    with pytest.raises(DataValidationError, match=r"unknown_column: expected only the columns "
                       r"level, area_code"):
        validate_areas(national.panel.assign(extra=1), national.programme)


def _council_panel() -> pd.DataFrame:
    panel = pd.DataFrame({
        "unit": ["100001", "100002", "100001", "100002", "100001", "100002"],
        "period": ["2023", "2023", "2024", "2024", "2025", "2025"],
        "period_index": [2023, 2023, 2024, 2024, 2025, 2025],
        "numerator": [3.0, 1.0, 2.0, 4.0, 1.0, 0.0],
        "denominator": [500.0, 300.0, 510.0, 290.0, 505.0, 0.0]})
    panel.attrs.update(period="calendar_year", measure_id="ehc_requests_per_1000",
                       partial_period_indexes=[2025])
    return panel


def test_council_rows_sum_its_schools_and_leave_out_partial_periods():
    out = council_area_panel(_council_panel(), "839", multiplier=1000)
    la = out[out["level"] == "local_authority"].set_index("period_index")
    assert la["value"].round(6).to_dict() == {2023: 5.0, 2024: 7.5}  # 4/800, 6/800 x 1000
    assert la["denominator"].tolist() == [800.0, 800.0] and set(la["area_code"]) == {"839"}
    school = out[out["level"] == "school"]
    assert len(school) == 4 and set(school["la_code"]) == {"839"}
    assert set(out["period_type"]) == {"calendar_year"} and 2025 not in set(out["period_index"])
    # the rows are the area_panel layout: they validate with a programme row for the council
    programme = pd.DataFrame({"la_code": ["839"], "la_name": ["Council"],
                              "new_la_code": [""], "programme_start": ["2023-09-01"],
                              "start_source": ["clusters"]})
    areas = validate_areas(out, programme)
    assert len(areas.panel) == 6
    census = _council_panel().assign(period=["2023/24"] * 2 + ["2024/25"] * 2 + ["2025/26"] * 2)
    census.attrs = {"period": "census", "measure_id": "sen_support_pct"}  # no partial period
    yearly = council_area_panel(census, "839", multiplier=100, levels=("local_authority",))
    assert set(yearly["period_type"]) == {"academic_year"} and len(yearly) == 3


@pytest.mark.parametrize(("kwargs", "text"), [
    ({"la_code": "83"}, "la_code must be three digits such as '839'; got '83'"),
    ({"levels": ("region",)}, "levels must be among 'local_authority', 'school'; got"),
])
def test_council_rows_refuse_bad_options_by_message(kwargs, text):
    args = {"la_code": "839", "multiplier": 1000} | kwargs
    with pytest.raises(OptionError, match=re.escape(text)):
        council_area_panel(_council_panel(), args.pop("la_code"), **args)
    panel = _council_panel().drop(columns="numerator")
    with pytest.raises(OptionError, match="the council's panel lacks the column"):
        council_area_panel(panel, "839", multiplier=1000)
