"""The same definitions give identical results on DuckDB and on PySpark (local mode).

Every registered measure is computed on both engines and compared. Spark is slow to start and
plans each query for a while, so the module shares one small local session (one core, one
shuffle partition, no UI, no adaptive execution, a small driver) and computes the measures of
one unit level together with :func:`compute_many` (one Spark job per level instead of one per
measure); :func:`compute` itself runs on Spark for the breakdown cases. That ``compute_many``
returns exactly what ``compute`` returns is checked on DuckDB in ``test_values.py``.
"""

from __future__ import annotations

import importlib.util
import shutil

import pandas as pd
import pytest

from eah_eval.measures import REGISTRY, MeasureOptions, compute, compute_many, open_tables

# About a minute on an idle 2-core machine (most of it starting the JVM and planning queries).
pytestmark = [pytest.mark.spark, pytest.mark.slow]


def _spark_available() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install 'eah-eval[spark]')"
    if shutil.which("java") is None:
        return "no Java runtime on PATH (install Java 17)"
    return None


@pytest.fixture(scope="module")
def spark_session():  # type: ignore[no-untyped-def]
    reason = _spark_available()
    if reason:
        pytest.skip(reason)
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("eah-eval-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.driver.memory", "512m")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def spark_tables(frames, spark_session):  # type: ignore[no-untyped-def]
    return open_tables(frames, engine=spark_session)


@pytest.fixture(scope="module")
def duck_tables(frames):  # type: ignore[no-untyped-def]
    return open_tables(frames, engine="duckdb")


def _assert_same(a, b) -> None:  # type: ignore[no-untyped-def]
    assert len(a.frame) > 0, a.measure.id
    # every value to the last bit: counts are integers, and sums of hours, pounds and FTE
    # are exact decimal sums (measures.panel.SUM_PLACES), whatever order an engine adds in
    pd.testing.assert_frame_equal(a.frame, b.frame, check_exact=True)
    pd.testing.assert_frame_equal(a.accounting, b.accounting)


def test_every_measure_identical_on_duckdb_and_spark(  # type: ignore[no-untyped-def]
    duck_tables, spark_tables
) -> None:
    assert spark_tables.engine == "spark"
    compared = []
    for mid, m in REGISTRY.items():
        level = m.levels[0]  # school level wherever it is allowed
        duck = compute(duck_tables, mid, level=level)
        spark = compute(spark_tables, mid, level=level)
        assert spark.engine == "spark" and duck.engine == "duckdb"
        _assert_same(duck, spark)
        compared.append(mid)
    assert compared == list(REGISTRY)


def test_batch_identical_on_duckdb_and_spark(  # type: ignore[no-untyped-def]
    duck_tables, spark_tables
) -> None:
    # measures sharing base relations, aggregated together in one query
    ids = ["absence_overall_pct", "absence_persistent_pct", "absence_severe_pct",
           "suspension_rate", "suspension_one_plus_rate", "permanent_exclusion_rate"]
    duck = compute_many(duck_tables, ids, level="cluster")
    spark = compute_many(spark_tables, ids, level="cluster")
    for mid in ids:
        _assert_same(duck[mid], spark[mid])


@pytest.mark.parametrize(
    ("mid", "level", "by"),
    [
        ("sen_support_pct", "cluster", "primary_need"),  # group from the census row
        ("absence_persistent_pct", "la", "fsm"),  # group joined from the January census
        ("eah_requests_per_school", "cluster", "phase"),  # school attribute
    ],
)
def test_breakdowns_identical_on_duckdb_and_spark(  # type: ignore[no-untyped-def]
    duck_tables, spark_tables, mid, level, by
) -> None:
    _assert_same(
        compute(duck_tables, mid, level=level, by=by),
        compute(spark_tables, mid, level=level, by=by),
    )


@pytest.mark.parametrize("calendar", ["dfe_exclusions", "standard"])
def test_exclusion_calendars_identical_on_duckdb_and_spark(  # type: ignore[no-untyped-def]
    exclusion_frames, spark_session, calendar
) -> None:
    # suspensions on both sides of 1 April, Easter and 1 August (test_exclusion_terms.py), by
    # term and academic year, with a pupil-group breakdown, on both calendars
    options = MeasureOptions(exclusion_calendar=calendar)
    duck_ts = open_tables(exclusion_frames, engine="duckdb")
    spark_ts = open_tables(exclusion_frames, engine=spark_session)
    ids = ["suspension_rate", "suspension_one_plus_rate", "permanent_exclusion_rate"]
    for period in ("term", "academic_year"):
        duck = compute_many(duck_ts, ids, period=period, options=options)
        spark = compute_many(spark_ts, ids, period=period, options=options)
        for mid in ids:
            _assert_same(duck[mid], spark[mid])
    _assert_same(
        compute(duck_ts, "suspension_rate", by="sen_provision", options=options),
        compute(spark_ts, "suspension_rate", by="sen_provision", options=options),
    )


def test_programme_scope_and_coverage_identical_on_duckdb_and_spark(  # type: ignore[no-untyped-def]
    duck_tables, spark_tables
) -> None:
    from eah_eval.measures import ProgrammeScope

    ids = ["sen_support_pct", "suspension_rate", "ehc_requests_per_1000",
           "eah_requests_per_school", "eah_cost_per_expert_day"]
    duck = compute_many(duck_tables, ids, level="cluster", scope=ProgrammeScope())
    spark = compute_many(spark_tables, ids, level="cluster", scope=ProgrammeScope())
    for mid in ids:
        _assert_same(duck[mid], spark[mid])
        pd.testing.assert_frame_equal(duck[mid].not_served, spark[mid].not_served)
        assert duck[mid].coverage == spark[mid].coverage, mid
    assert duck["suspension_rate"].excluded_not_served == {
        "not served by the programme (special schools)": 2}
