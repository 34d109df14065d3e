"""Reading DfE open-data files (Explore Education Statistics layout) into the area panel."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from eah_eval.data.areas import validate_areas
from eah_eval.data.dfe_open_data import Indicator, read_dfe_open_data
from eah_eval.errors import DataValidationError, OptionError

PA = Indicator("absence_persistent_pct", "enrolments_pa_10_exact_percent",
               numerator="enrolments_pa_10_exact", denominator="enrolments")


def _file(rows: list[dict[str, str]]) -> pd.DataFrame:
    base = {"time_period": "202324", "time_identifier": "Autumn term",
            "geographic_level": "Local authority", "country_code": "E92000001",
            "country_name": "England", "region_code": "E12000008",
            "region_name": "South East", "old_la_code": "839", "new_la_code": "E06000058",
            "la_name": "BCP", "school_urn": "", "school_name": "",
            "education_phase": "Total", "enrolments": "1000",
            "enrolments_pa_10_exact": "180", "enrolments_pa_10_exact_percent": "18.0"}
    return pd.DataFrame([{**base, **r} for r in rows])


def test_local_authority_and_school_rows_become_the_long_panel(tmp_path: Path):
    frame = _file([
        {},
        {"time_identifier": "Spring term", "enrolments_pa_10_exact_percent": "17.5",
         "enrolments_pa_10_exact": "175"},
        {"geographic_level": "School", "school_urn": "123456", "school_name": "A school",
         "enrolments": "200", "enrolments_pa_10_exact": "x",
         "enrolments_pa_10_exact_percent": "12.5"},
        {"geographic_level": "National", "old_la_code": ""},
        {"geographic_level": "Regional", "old_la_code": ""},
        {"time_identifier": "Summer term", "enrolments_pa_10_exact_percent": "c"},
    ])
    path = tmp_path / "absence.csv"
    frame.to_csv(path, index=False)
    out = read_dfe_open_data(path, [PA])
    p = out.panel
    assert p[["level", "area_code", "la_code", "period", "period_index"]].values.tolist() == [
        ["local_authority", "839", "839", "2023/24 autumn", 3 * 2023],
        ["local_authority", "839", "839", "2023/24 spring", 3 * 2023 + 1],
        ["school", "123456", "839", "2023/24 autumn", 3 * 2023],
    ]
    assert p["value"].tolist() == [18.0, 17.5, 12.5]
    assert p["numerator"].isna().tolist() == [False, False, True]  # 'x' read as missing
    assert dict(out.rows_other_levels) == {"National": 1, "Regional": 1}
    assert dict(out.suppressed["absence_persistent_pct"]) == {"c": 1}
    assert out.rows_read == 6 and out.file == str(path)
    assert "suppressed or missing values left out: absence_persistent_pct: c 1" in out.describe()
    programme = pd.DataFrame({"la_code": ["839"], "la_name": ["BCP"],
                              "programme_start": [pd.Timestamp("2023-09-01")]})
    assert len(validate_areas(p, programme).panel) == 3  # the reader's output meets the schema


@pytest.mark.parametrize(("identifier", "period", "label", "index"), [
    ("Academic year", "202324", "2023/24", 2023),
    ("Financial year", "202324", "2023-24", 2023),
    ("Calendar year", "2023", "2023", 2023),
    ("Summer term", "202324", "2023/24 summer", 3 * 2023 + 2),
])
def test_time_identifiers(identifier, period, label, index):
    out = read_dfe_open_data(_file([{"time_identifier": identifier, "time_period": period}]),
                             [PA])
    assert out.panel[["period", "period_index"]].values.tolist() == [[label, index]]


def test_filters_pick_one_breakdown_and_duplicates_are_refused():
    frame = _file([{}, {"education_phase": "Primary", "enrolments_pa_10_exact_percent": "15"}])
    with pytest.raises(DataValidationError,
                       match=r"<frame>, row 2, column 'geographic_level': duplicate_key: "
                             r"expected one row per area, period and measure \(choose one "
                             r"breakdown with filters=\{column: value\}\); found the same area, "
                             r"period and measure as row 1"):
        read_dfe_open_data(frame, [PA])
    out = read_dfe_open_data(frame, [PA], filters={"education_phase": "Primary"})
    assert out.panel["value"].tolist() == [15.0] and out.rows_filtered_out == 1


def test_missing_columns_are_named(tmp_path: Path):
    path = tmp_path / "f.csv"
    _file([{}]).drop(columns=["time_identifier", "enrolments"]).to_csv(path, index=False)
    with pytest.raises(DataValidationError) as info:
        read_dfe_open_data(path, [PA])
    text = str(info.value)
    assert f"{path}, column 'time_identifier': missing_column: expected a column named " \
           "'time_identifier'; found no such column" in text
    assert "column 'enrolments': missing_column" in text
    school = _file([{"geographic_level": "School"}]).drop(columns="school_urn")
    with pytest.raises(DataValidationError, match="column 'school_urn': missing_column: expected "
                       r"a column named 'school_urn' \(the file has School rows\)"):
        read_dfe_open_data(school, [PA])


@pytest.mark.parametrize(("row", "text"), [
    ({"time_period": "202325"}, r"row 1, column 'time_period': bad_time_period: expected "
     r"YYYYYY with consecutive years"),
    ({"time_identifier": "Autumn and spring term"}, r"row 1, column 'time_identifier': bad_code: "
     r"expected one of Academic year, Autumn term"),
    ({"old_la_code": "E06000058"}, r"row 1, column 'old_la_code': bad_pattern: expected a "
     r"three-digit LA code; found 'E06000058'"),
    ({"geographic_level": "School", "school_urn": "12345"}, r"row 1, column 'school_urn': "
     r"bad_pattern: expected a six-digit URN on School rows"),
    ({"enrolments_pa_10_exact_percent": "n/a"}, r"row 1, column "
     r"'enrolments_pa_10_exact_percent': bad_value: expected a number or a suppression symbol"),
])
def test_bad_values_are_named_with_their_row(row, text):
    frame = _file([{"geographic_level": "National", "old_la_code": ""}, row])
    with pytest.raises(DataValidationError, match=text.replace("row 1", "row 2")):
        read_dfe_open_data(frame, [PA])


def test_mixed_grains_and_options():
    frame = _file([{}, {"time_identifier": "Academic year"}])
    with pytest.raises(DataValidationError, match=r"mixed_period_types: expected one period "
                       r"type \(choose with time_identifiers=...\); found rows of "
                       r"academic_year, term"):
        read_dfe_open_data(frame, [PA])
    out = read_dfe_open_data(frame, [PA], time_identifiers=["Academic year"])
    assert out.panel["period"].tolist() == ["2023/24"]
    with pytest.raises(OptionError, match="time_identifiers must be among 'Academic year'"):
        read_dfe_open_data(frame, [PA], time_identifiers=["Autumn"])
    with pytest.raises(OptionError, match="indicators must be a non-empty sequence"):
        read_dfe_open_data(frame, [])
