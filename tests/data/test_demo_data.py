"""The synthetic demo council validates cleanly (skipped until its module exists)."""

from __future__ import annotations

import pandas as pd
import pytest

from eah_eval.data.load import Council, load_council, validate_council
from eah_eval.data.schema import TABLES, field_names

synthetic = pytest.importorskip(
    "eah_eval.data.synthetic", reason="synthetic council module not available yet"
)

SMALL = {"n_clusters": 4, "n_schools": 30}


@pytest.mark.slow
def test_demo_data_written_to_disk_validates_cleanly(tmp_path):
    out = synthetic.write_council(tmp_path / "demo", seed=20261130, **SMALL)
    report = validate_council(out)
    assert report.ok, "\n".join(str(p) for p in report.problems[:30])
    council = load_council(out)
    assert (council.accounting["rows_excluded"] == 0).all()
    assert council.accounting.set_index("table").loc["pupil_census", "rows_read"] > 0
    for table in TABLES:
        assert tuple(council.tables[table].columns) == field_names(table)
    # in-memory tables validate the same way and give the same typed tables
    made = synthetic.make_council(seed=20261130, **SMALL)
    again = Council.from_frames(dict(made.tables))
    for table in TABLES:
        pd.testing.assert_frame_equal(council.tables[table], again.tables[table])
    lineage = council.lineage()
    assert len(lineage.changes) >= 1
