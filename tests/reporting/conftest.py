"""The demo impact report, built once per test session for the tests that read it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eah_eval.data.synthetic import make_council
from eah_eval.data.synthetic.national_council import write_national_for_council
from eah_eval.reporting.document import jsonable
from eah_eval.reporting.impact.build import ImpactReport, build_impact_report

DEMO_SEED = 20261130


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo council's data folder (``make demo``'s seed) with ``national/``, once."""
    data = tmp_path_factory.mktemp("demo") / "data"
    council = make_council(DEMO_SEED)
    council.write(data)
    write_national_for_council(council, data / "national")  # as `eah-eval demo-data` does
    return data


@pytest.fixture(scope="session")
def demo(demo_data: Path) -> tuple[ImpactReport, dict[str, Any], Path]:
    """The demo council's impact report, its results (as JSON would hold them) and data."""
    data = demo_data
    report = build_impact_report({"data": str(data)})
    results = json.loads(json.dumps(jsonable(report.results)))
    return report, results, data
