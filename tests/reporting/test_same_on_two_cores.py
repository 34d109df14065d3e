"""The impact report's numbers do not depend on how many cores computed them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tiny_council import write_tiny_council

from eah_eval import workers
from eah_eval.reporting.impact.build import build_impact_report
from eah_eval.reporting.impact.params import ReportParams

#: Fields that record when and how long, not what was found.
TIMING = {"seconds", "started", "generated"}


def _numbers(results: dict[str, Any]) -> Any:
    def strip(x: Any) -> Any:
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k not in TIMING}
        if isinstance(x, list):
            return [strip(v) for v in x]
        return x

    return strip(json.loads(json.dumps(results, default=str)))


def test_one_and_two_cores_give_the_same_results(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    data = write_tiny_council(tmp_path / "data")
    params = ReportParams(data=str(data), bootstrap_reps=199, randomization_draws=39)
    out = []
    for cores in (1, 2):
        monkeypatch.setattr(workers, "available_cores", lambda cores=cores: cores)
        report = build_impact_report(params)
        # the QA record's page states when the run started and how long it took
        out.append((_numbers(report.results),
                    [s.html for s in report.sections if s.id != "qa"]))
    assert out[0] == out[1]
