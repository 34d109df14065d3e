"""Every table respects its Frictionless schema, checked here straight from the JSON files."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from eah_eval.data.schema import TABLES, schema_dir, table_file_name
from eah_eval.data.synthetic import SyntheticCouncil


def _schema(table: str) -> dict[str, Any]:
    with open(schema_dir() / f"{table}.schema.json", encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


_DTYPE_CHECK = {
    "date": pd.api.types.is_datetime64_any_dtype,
    "boolean": pd.api.types.is_bool_dtype,
    "integer": pd.api.types.is_integer_dtype,
    "number": pd.api.types.is_float_dtype,
    "string": lambda s: pd.api.types.is_string_dtype(s) or pd.api.types.is_object_dtype(s),
}


@pytest.mark.parametrize("table", TABLES)
def test_frame_matches_schema(small_council: SyntheticCouncil, table: str) -> None:
    frame = small_council.tables[table]
    schema = _schema(table)
    assert list(frame.columns) == [f["name"] for f in schema["fields"]]
    assert len(frame) > 0, f"{table} is empty"
    for f in schema["fields"]:
        col = frame[f["name"]]
        cons = f.get("constraints", {})
        assert _DTYPE_CHECK[f["type"]](col), (table, f["name"], col.dtype)
        if cons.get("required"):
            assert col.notna().all(), (table, f["name"], "missing values in a required field")
        present = col.dropna()
        if "enum" in cons:
            bad = set(present.astype(str)) - set(cons["enum"])
            assert not bad, (table, f["name"], bad)
        if "pattern" in cons:
            rx = re.compile(cons["pattern"])
            bad = [v for v in present.astype(str).unique() if not rx.fullmatch(v)]
            assert not bad, (table, f["name"], bad[:5])
        if "minimum" in cons:
            assert (present >= cons["minimum"]).all(), (table, f["name"], present.min())
        if "maximum" in cons:
            assert (present <= cons["maximum"]).all(), (table, f["name"], present.max())
    pk = schema.get("primaryKey", [])
    if pk:
        assert not frame.duplicated(subset=pk).any(), (table, "duplicate primary key")
    for fk in schema.get("foreignKeys", []):
        ref = small_council.tables[fk["reference"]["resource"]]
        for mine, theirs in zip(fk["fields"], fk["reference"]["fields"], strict=True):
            values = set(frame[mine].dropna())
            assert values <= set(ref[theirs]), (table, mine, sorted(values - set(ref[theirs])))


@pytest.mark.parametrize("table", TABLES)
def test_written_csv_matches_schema(small_dir: Path, table: str) -> None:
    schema = _schema(table)
    path = small_dir / table_file_name(table)
    text = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(text.columns) == [f["name"] for f in schema["fields"]]
    for f in schema["fields"]:
        col = text[f["name"]]
        cons = f.get("constraints", {})
        if cons.get("required"):
            assert (col != "").all(), (table, f["name"])
        filled = col[col != ""]
        kind = f["type"]
        rx = {
            "date": r"\d{4}-\d{2}-\d{2}",
            "boolean": r"true|false",
            "integer": r"-?\d+",
            "number": r"-?\d+\.\d{2}",
        }.get(kind)
        if rx:
            assert filled.str.fullmatch(rx).all(), (table, f["name"], filled.head().tolist())
        if "pattern" in cons:
            assert filled.str.fullmatch(cons["pattern"]).all(), (table, f["name"])
        if "enum" in cons:
            assert set(filled) <= set(cons["enum"]), (table, f["name"])


def test_package_files_are_copies_of_the_schema_folder(small_dir: Path) -> None:
    src = schema_dir()
    for name in ["datapackage.json"] + [f"{t}.schema.json" for t in TABLES]:
        assert (small_dir / name).read_bytes() == (src / name).read_bytes(), name


def test_written_data_loads_without_problems(small_dir: Path) -> None:
    load = pytest.importorskip("eah_eval.data.load")
    council = load.load_council(small_dir)
    acc = council.accounting
    assert (acc["rows_excluded"] == 0).all(), acc[acc["rows_excluded"] > 0]
    for table in TABLES:
        assert len(council.tables[table]) == len(pd.read_csv(small_dir / table_file_name(table)))


def test_frames_load_from_memory(small_council: SyntheticCouncil) -> None:
    load = pytest.importorskip("eah_eval.data.load")
    if not hasattr(load.Council, "from_frames"):
        pytest.skip("Council.from_frames not available")
    council = load.Council.from_frames(dict(small_council.tables))
    assert set(council.tables) == set(TABLES)
