"""Fixtures for the data-layer tests: the valid fixture council on disk, and broken copies."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from council_fixture import valid_frames, write_frames


@pytest.fixture
def council_dir(tmp_path: Path) -> Path:
    return write_frames(tmp_path / "council", valid_frames())


@pytest.fixture
def broken(tmp_path: Path) -> Callable[..., Path]:
    """Write the valid council after applying ``change(frames)`` to it; return the directory."""

    def make(change: Callable[[dict[str, pd.DataFrame]], None]) -> Path:
        frames = valid_frames()
        change(frames)
        return write_frames(tmp_path / "broken", frames)

    return make
