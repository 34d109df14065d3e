"""Fixtures for the hardening tests: the small valid council as CSV and as Parquet files."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from council_fixture import valid_frames, write_frames
from hardening_fixture import typed_frames, write_parquet


@pytest.fixture
def csv_dir(tmp_path: Path) -> Path:
    return write_frames(tmp_path / "csv", valid_frames())


@pytest.fixture
def parquet_dir(tmp_path: Path) -> Path:
    return write_parquet(tmp_path / "parquet", typed_frames())


@pytest.fixture
def broken_parquet(tmp_path: Path) -> Callable[[Callable[[dict[str, pd.DataFrame]], None]], Path]:
    """Write the typed council as Parquet after ``change(frames)``; return the directory."""

    def make(change: Callable[[dict[str, pd.DataFrame]], None]) -> Path:
        frames = typed_frames()
        change(frames)
        return write_parquet(tmp_path / "broken_parquet", frames)

    return make
