"""The QA record names the version of every library that computes a published number."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from eah_eval.reporting.qa import OPTIONAL_LIBRARIES, library_versions

# measures (Ibis compiles with sqlglot, runs on DuckDB, hands back Arrow), school terms
# (dateutil's Easter), estimates and inference (numpy, pandas, scipy, linearmodels' PanelOLS)
COMPUTING = ("ibis-framework", "duckdb", "sqlglot", "pyarrow", "python-dateutil", "numpy",
             "pandas", "scipy", "linearmodels")


def test_every_computing_library_is_recorded_with_its_installed_version() -> None:
    got = library_versions()
    for name in ("eah-eval", *COMPUTING):
        assert got[name] == version(name), name


def test_an_optional_engine_is_recorded_only_when_installed() -> None:
    got = library_versions()
    for name in OPTIONAL_LIBRARIES:
        try:
            installed = version(name)
        except PackageNotFoundError:
            assert name not in got
        else:
            assert got[name] == installed
