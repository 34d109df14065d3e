"""Pupil-level national extract -> measures (DuckDB, Spark) -> school-level multi-area panel."""

from __future__ import annotations

import importlib.util
import shutil
import warnings

import pandas as pd
import pytest

from eah_eval.data.areas import school_rows_to_area_panel, validate_areas
from eah_eval.data.synthetic.extract import make_national_extract
from eah_eval.errors import OptionError
from eah_eval.inference.areas import area_staggered
from eah_eval.measures import compute, open_tables

MEASURE = "absence_persistent_pct"


@pytest.fixture(scope="module")
def extract():
    return make_national_extract()


def _panel(extract, engine: object) -> pd.DataFrame:
    res = compute(open_tables(dict(extract.frames), engine=engine), MEASURE, level="school",
                  period="term")
    return school_rows_to_area_panel(res.frame, extract.frames["schools"])


def test_extract_keeps_councils_apart(extract):
    schools = extract.frames["schools"]
    assert schools["urn"].is_unique and sorted(schools["la_code"].unique()) == [
        "340", "839", "886", "919"]
    assert schools.groupby("la_code")["urn"].apply(lambda u: u.str[0].nunique()).eq(1).all()
    pupils = extract.frames["pupil_census"]
    assert pupils["pupil_id"].str.split("-").str[0].isin(schools["la_code"]).all()
    assert set(extract.frames["attendance"]["urn"]) <= set(schools["urn"])
    assert extract.programme.set_index("la_code").loc["839", "programme_start"] == \
        pd.Timestamp("2023-09-01")
    with pytest.raises(OptionError, match="la_codes must be 1 to 9 distinct LA codes"):
        make_national_extract(("839", "839"), waves=(("2023-09-01",), ("2023-09-01",)))
    with pytest.raises(OptionError, match=r"waves must give one list of go-live dates per "
                       r"council \(1\); got 4"):
        make_national_extract(("839",))


def test_duckdb_measures_give_a_valid_school_panel_for_the_area_estimator(extract):
    panel = _panel(extract, "duckdb")
    areas = validate_areas(panel, extract.programme)
    assert areas.panel["level"].eq("school").all()
    assert set(areas.panel["la_code"]) == {"340", "839", "886", "919"}
    assert areas.panel.groupby("area_code")["la_code"].nunique().eq(1).all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # four authorities: warned, tested elsewhere
        res = area_staggered(areas.panel, areas.programme, kinds=("simple",))
    assert res.n_clusters == 4 and res.n_units == areas.panel["area_code"].nunique()
    with pytest.raises(OptionError, match=r"1 school\(s\) not in the schools table, e.g. "
                       r"999999"):
        school_rows_to_area_panel(
            pd.DataFrame({"unit": ["999999"], "period": ["2023/24 autumn"],
                          "period_index": [6069], "numerator": [1.0], "denominator": [9.0],
                          "value": [11.1], "measure_id": [MEASURE]}),
            extract.frames["schools"])


def _spark_reason() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install 'eah-eval[spark]')"
    if shutil.which("java") is None:
        return "no Java runtime on PATH (install Java 17)"
    return None


@pytest.mark.spark
@pytest.mark.slow
def test_spark_gives_the_same_school_panel_as_duckdb(extract):
    reason = _spark_reason()
    if reason:
        pytest.skip(reason)
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[1]").appName("eah-eval-national")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "1")
               .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    try:
        spark = _panel(extract, session)
    finally:
        session.stop()
    duck = _panel(extract, "duckdb")
    key = ["area_code", "period_index"]
    spark = spark.sort_values(key).reset_index(drop=True)
    duck = duck.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(spark, duck, check_exact=False, rtol=1e-12)
