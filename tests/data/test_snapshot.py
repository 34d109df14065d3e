"""A council loaded once and handed to another process: used only for its folder as it was."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pandas as pd
import pytest

from eah_eval.data.load import load_council
from eah_eval.data.snapshot import (
    SNAPSHOT_ENV,
    folder_state,
    handed_over,
    load_and_snapshot,
    read_snapshot,
)
from eah_eval.errors import DataValidationError


@pytest.fixture
def snapshot(council_dir: Path, tmp_path: Path) -> Path:
    file = tmp_path / "private" / "council.pickle"
    file.parent.mkdir()
    load_and_snapshot(council_dir, file)
    return file


def test_the_snapshot_is_the_council_a_fresh_load_gives(council_dir, snapshot):
    fresh = load_council(council_dir)
    got = read_snapshot(snapshot, council_dir)
    assert got is not None
    assert got.fingerprint == fresh.fingerprint
    assert list(got.tables) == list(fresh.tables)
    for name, frame in fresh.tables.items():
        pd.testing.assert_frame_equal(got.tables[name], frame)
    pd.testing.assert_frame_equal(got.accounting, fresh.accounting)
    assert (got.source, got.upn_policy, got.on_problem, got.excluded, got.notes) == (
        fresh.source, fresh.upn_policy, fresh.on_problem, fresh.excluded, fresh.notes)
    with pytest.raises(TypeError):  # as immutable as a loaded council
        got.tables["schools"] = fresh.tables["schools"]  # type: ignore[index]


def test_the_snapshot_names_the_folder_as_the_reader_does(council_dir, snapshot, monkeypatch):
    monkeypatch.chdir(council_dir.parent)
    got = read_snapshot(snapshot, council_dir.name)  # a relative path to the same folder
    assert got is not None and got.source == Path(council_dir.name)


def test_a_changed_file_makes_the_snapshot_unused(council_dir, snapshot, caplog):
    caplog.set_level(logging.INFO, logger="eah_eval")
    schools = council_dir / "schools.csv"
    stat = schools.stat()
    os.utime(schools, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert read_snapshot(snapshot, council_dir) is None
    assert "the folder's files have changed since it was made" in caplog.text


def test_a_new_file_makes_the_snapshot_unused(council_dir, snapshot):
    (council_dir / "notes.txt").write_text("x")
    assert read_snapshot(snapshot, council_dir) is None


def test_a_file_in_a_sub_folder_is_not_part_of_the_folder_state(council_dir):
    before = folder_state(council_dir)
    (council_dir / "national").mkdir()
    (council_dir / "national" / "area_panel.csv").write_text("x")
    assert folder_state(council_dir) == before


def test_another_folder_does_not_use_the_snapshot(council_dir, snapshot, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="eah_eval")
    other = tmp_path / "other"
    other.mkdir()
    assert read_snapshot(snapshot, other) is None
    assert f"it was made from {council_dir.resolve()}" in caplog.text


def test_handed_over_reads_only_the_file_the_environment_names(council_dir, snapshot,
                                                              monkeypatch):
    monkeypatch.delenv(SNAPSHOT_ENV, raising=False)
    assert handed_over(council_dir) is None
    monkeypatch.setenv(SNAPSHOT_ENV, str(snapshot.with_name("missing.pickle")))
    assert handed_over(council_dir) is None
    monkeypatch.setenv(SNAPSHOT_ENV, str(snapshot))
    got = handed_over(council_dir)
    assert got is not None and got.fingerprint == load_council(council_dir).fingerprint


def test_bad_data_write_no_snapshot(broken, tmp_path):
    def bad_urn(frames):
        frames["schools"].loc[0, "urn"] = "not-a-urn"

    folder = broken(bad_urn)
    file = tmp_path / "council.pickle"
    with pytest.raises(DataValidationError):
        load_and_snapshot(folder, file)
    assert not file.exists()
