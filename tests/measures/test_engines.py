"""The same definitions give identical results on DuckDB and on PySpark (local mode)."""

from __future__ import annotations

import importlib.util
import shutil

import numpy as np
import pandas as pd
import pytest

from eah_eval.measures import REGISTRY, compute, open_tables

pytestmark = pytest.mark.spark


def _spark_available() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install 'eah-eval[spark]')"
    if shutil.which("java") is None:
        return "no Java runtime on PATH (install Java 17)"
    return None


@pytest.fixture(scope="module")
def spark_tables(frames):  # type: ignore[no-untyped-def]
    reason = _spark_available()
    if reason:
        pytest.skip(reason)
    from eah_eval.measures.engine import spark_session

    session = spark_session()
    session.sparkContext.setLogLevel("ERROR")
    yield open_tables(frames, engine=session)


def _cases() -> list[tuple[str, str, str | None]]:
    cases: list[tuple[str, str, str | None]] = []
    for mid, m in REGISTRY.items():
        level = "cluster" if "cluster" in m.levels else m.levels[0]
        by = m.groups[0] if m.groups else None
        cases.append((mid, level, None))
        if by is not None:
            cases.append((mid, m.levels[0], by))
    return cases


def test_all_measures_identical_on_duckdb_and_spark(frames, spark_tables) -> None:  # type: ignore[no-untyped-def]
    duck = open_tables(frames, engine="duckdb")
    assert spark_tables.engine == "spark"
    compared = 0
    for mid, level, by in _cases():
        a = compute(duck, mid, level=level, by=by)
        b = compute(spark_tables, mid, level=level, by=by)
        assert len(a.frame) > 0, mid
        # integer-valued counts must match exactly; sums of hours and pounds to rounding only
        pd.testing.assert_frame_equal(a.frame, b.frame, check_exact=False, rtol=1e-12, atol=0)
        pd.testing.assert_frame_equal(a.accounting, b.accounting)
        assert np.array_equal(a.frame["denominator"].to_numpy(), b.frame["denominator"].to_numpy())
        compared += 1
    assert compared == len(_cases())
