"""The small valid council as typed frames and as Parquet files (a uniquely named module)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from council_fixture import valid_frames

from eah_eval.data.load import Council


def typed_frames() -> dict[str, pd.DataFrame]:
    """The valid council as typed frames (as the loader returns them)."""
    return {t: df.copy() for t, df in Council.from_frames(valid_frames()).tables.items()}


def write_parquet(directory: Path, frames: dict[str, pd.DataFrame]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for table, df in frames.items():
        df.to_parquet(directory / f"{table}.parquet", index=False)
    return directory
