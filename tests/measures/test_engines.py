"""The same definitions give identical results on DuckDB and on PySpark (local mode)."""

from __future__ import annotations

import importlib.util
import shutil

import numpy as np
import pandas as pd
import pytest

from eah_eval.measures import REGISTRY, compute, open_tables

# Under a minute on an idle 2-core machine; several minutes when the machine is shared.
pytestmark = [pytest.mark.spark, pytest.mark.slow]


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
    from pyspark.sql import SparkSession

    # one small local session for this module: tiny data, so one core and one partition
    session = (
        SparkSession.builder.master("local[1]")
        .appName("eah-eval-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield open_tables(frames, engine=session)
    session.stop()


def _cases() -> list[tuple[str, str, str | None]]:
    """Every measure once (school level where allowed), plus each kind of group join."""
    cases: list[tuple[str, str, str | None]] = [
        (mid, m.levels[0], None) for mid, m in REGISTRY.items()
    ]
    cases += [
        ("sen_support_pct", "cluster", "primary_need"),  # group from the census row
        ("absence_persistent_pct", "la", "fsm"),  # group joined from the January census
        ("eah_requests_per_school", "cluster", "phase"),  # school attribute
    ]
    return cases


def test_all_measures_identical_on_duckdb_and_spark(  # type: ignore[no-untyped-def]
    frames, spark_tables
) -> None:
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
