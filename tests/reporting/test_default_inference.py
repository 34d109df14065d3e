"""The impact report's intervals all come from the one dispatcher with the few-cluster default."""

from __future__ import annotations

from eah_eval.inference import DEFAULT_INFERENCE
from eah_eval.reporting.impact.params import ReportParams


def test_report_default_is_the_packages_few_cluster_default() -> None:
    assert DEFAULT_INFERENCE == "wcr"
    assert ReportParams.__dataclass_fields__["inference"].default == DEFAULT_INFERENCE
