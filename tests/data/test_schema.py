"""The schema files: valid Frictionless, complete, supported by the loader, documented."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eah_eval.data import schema as sch
from eah_eval.data.schema_docs import main as docs_main
from eah_eval.data.schema_docs import render_readme
from eah_eval.data.validation_rules import RULES
from eah_eval.errors import OptionError

REPO = Path(__file__).resolve().parents[2]
SUPPORTED_CONSTRAINTS = {"required", "enum", "pattern", "minimum", "maximum", "minLength",
                         "maxLength", "unique"}


def test_schema_dir_is_the_repo_folder_in_a_checkout():
    assert sch.schema_dir().resolve() == (REPO / "data_schema").resolve()


def test_tables_match_the_datapackage_resources():
    names = [r["name"] for r in sch.load_datapackage()["resources"]]
    assert tuple(names) == sch.TABLES
    for table in sch.TABLES:
        assert sch.table_file_name(table) == f"{table}.csv"
    assert {t for t in sch.TABLES if sch.is_required_table(t)} == {
        "schools", "clusters", "pupil_census"}


def test_load_schema_returns_a_fresh_copy_and_rejects_unknown_tables():
    a = sch.load_schema("schools")
    a["fields"].clear()
    assert sch.load_schema("schools")["fields"]
    with pytest.raises(OptionError, match=r"table must be one of 'schools'.*got 'school'"):
        sch.load_schema("school")


@pytest.mark.parametrize("table", sch.TABLES)
def test_every_field_uses_supported_types_and_constraints(table):
    for field in sch.fields(table):
        assert field.get("type", "string") in sch.SUPPORTED_TYPES, field["name"]
        assert set(field.get("constraints", {})) <= SUPPORTED_CONSTRAINTS, field["name"]
        assert field.get("description"), f"{table}.{field['name']} has no description"
    for key in sch.primary_key(table):
        assert key in sch.field_names(table)


def test_rules_name_real_tables_and_columns():
    for rule in RULES:
        assert rule.table in sch.TABLES
        assert set(rule.columns) <= set(sch.field_names(rule.table)), rule.text


@pytest.mark.parametrize("table", sch.TABLES)
def test_schema_is_valid_frictionless(table):
    frictionless = pytest.importorskip("frictionless", reason="frictionless not installed")
    report = frictionless.Schema.validate_descriptor(str(sch.schema_dir() /
                                                         f"{table}.schema.json"))
    assert report.valid, [e.message for e in report.errors]


def test_datapackage_is_valid_frictionless():
    frictionless = pytest.importorskip("frictionless", reason="frictionless not installed")
    report = frictionless.Package.validate_descriptor(str(sch.schema_dir() / "datapackage.json"))
    assert report.valid, [e.message for e in report.errors]


def test_frictionless_agrees_the_fixture_council_is_valid(council_dir):
    frictionless = pytest.importorskip("frictionless", reason="frictionless not installed")
    descriptor = json.loads((sch.schema_dir() / "datapackage.json").read_text())
    for res in descriptor["resources"]:
        res["schema"] = json.loads((sch.schema_dir() / res["schema"]).read_text())
    package = frictionless.Package(descriptor, basepath=str(council_dir))
    report = package.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_readme_is_generated_from_the_schemas():
    path = sch.schema_dir() / "README.md"
    assert path.read_text(encoding="utf-8") == render_readme(), (
        "data_schema/README.md is stale: run python -m eah_eval.data.schema_docs")
    assert docs_main(["--check"]) == 0


def test_readme_documents_every_field_and_rule():
    text = render_readme()
    for table in sch.TABLES:
        for name in sch.field_names(table):
            assert f"| `{name}` |" in text
    for rule in RULES:
        assert rule.text in text
    assert "pounds sterling (GBP)" in text
    assert "splits are not chained" in text


@pytest.mark.parametrize(
    ("table", "row", "column", "value"),
    [
        ("pupil_census", 3, "sen_provision", "S"),
        ("clusters", 0, "go_live_date", "01/09/2023"),
        ("schools", 0, "la_code", "83"),
        ("attendance", 2, "urn", "999999"),
    ],
)
def test_frictionless_also_rejects_what_we_reject(tmp_path, table, row, column, value):
    frictionless = pytest.importorskip("frictionless", reason="frictionless not installed")
    from council_fixture import valid_frames, write_frames

    from eah_eval.data.load import validate_council

    frames = valid_frames()
    frames[table].loc[row, column] = value
    directory = write_frames(tmp_path / "bad", frames)
    ours = validate_council(directory)
    assert [(p.table, p.row, p.column) for p in ours.problems] == [(table, row + 1, column)]
    descriptor = json.loads((sch.schema_dir() / "datapackage.json").read_text())
    for res in descriptor["resources"]:
        res["schema"] = json.loads((sch.schema_dir() / res["schema"]).read_text())
    report = frictionless.Package(descriptor, basepath=str(directory)).validate()
    assert not report.valid
    cells = report.flatten(["rowNumber", "fieldName"])
    # frictionless counts the header as row 1; its foreign-key errors name no field
    assert [row + 2, column] in cells or [row + 2, None] in cells, cells
