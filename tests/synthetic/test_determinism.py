"""Same seed, same bytes; different seed, different data."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest

from eah_eval.data.schema import TABLES, table_file_name
from eah_eval.data.synthetic import make_council, write_council


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
    }


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = write_council(tmp_path / "a", seed=11, small=True)
    b = write_council(tmp_path / "b", seed=11, small=True)
    da, db = _digest(a), _digest(b)
    expected = {table_file_name(t) for t in TABLES} | {"truth.json", "datapackage.json"}
    expected |= {f"{t}.schema.json" for t in TABLES}
    assert set(da) == expected
    assert da == db


def test_different_seed_differs(tmp_path: Path) -> None:
    a = _digest(write_council(tmp_path / "a", seed=11, small=True))
    b = _digest(write_council(tmp_path / "b", seed=12, small=True))
    for name in ("attendance.csv", "pupil_census.csv", "truth.json"):
        assert a[name] != b[name], name
    # schema files are copies and never depend on the seed
    assert a["datapackage.json"] == b["datapackage.json"]


def test_in_memory_tables_are_reproducible() -> None:
    a = make_council(5, small=True)
    b = make_council(5, small=True)
    for t in TABLES:
        assert a.tables[t].equals(b.tables[t]), t
    assert dict(a.truth) == dict(b.truth)


def test_council_is_frozen() -> None:
    c = make_council(5, small=True)
    assert c.frames is c.tables
    with pytest.raises(AttributeError):
        c.seed = 6  # type: ignore[misc]
    with pytest.raises(TypeError):
        c.tables["schools"] = c.tables["schools"]  # type: ignore[index]


def test_written_text_cannot_start_a_formula(tmp_path: Path) -> None:
    """The writer neutralises formula-leading text as every package CSV does (issue 13)."""
    council = make_council(5, small=True)
    clusters = council.tables["clusters"].copy()
    clusters.loc[0, "cluster_name"] = "=HYPERLINK(1)"
    tables = {**council.tables, "clusters": clusters}
    out = dataclasses.replace(council, tables=tables).write(tmp_path)
    text = (out / "clusters.csv").read_text(encoding="utf-8")
    assert ",'=HYPERLINK(1)," in text and ",=HYPERLINK" not in text
