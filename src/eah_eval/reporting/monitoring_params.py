"""Parameters of the monitoring report: the monitoring schema plus what publishing needs.

:class:`MonitoringReportParams` extends :class:`eah_eval.monitor.params.MonitorParams` with the
title, the disclosure rule and the AQuA roles; :func:`eah_eval.reporting.params.parse_params`
validates raw values against it before any kernel starts.
"""

from __future__ import annotations

from dataclasses import dataclass

from eah_eval.errors import OptionError
from eah_eval.monitor.params import MonitorParams, TwoOfThreeParam
from eah_eval.reporting.params import DisclosureRule, ParameterError
from eah_eval.reporting.suppression import DisclosurePolicy

__all__ = ["MonitoringReportParams"]

# The parameter schema's inherited annotations are resolved in this module's namespace by
# :func:`eah_eval.reporting.params.parse_params`; keep the names they use importable here.
_ANNOTATION_NAMES = (TwoOfThreeParam, DisclosureRule)


@dataclass(frozen=True)
class MonitoringReportParams(MonitorParams):
    """Parameters of the monitoring report (``analyses/monitoring_report.ipynb``).

    The data, scope and chart parameters are those of
    :class:`eah_eval.monitor.params.MonitorParams` (declared once, there); this class adds
    what publishing needs. The command line validates raw values against it with
    :func:`eah_eval.reporting.params.parse_params` before any kernel starts.

    Parameters
    ----------
    title : str
        Report title.
    council : str
        Council name shown on the cover.
    disclosure_rule : {"threshold", "suppress_1_2"}
        Primary suppression rule.
    disclosure_threshold : int
        Smallest count shown under ``disclosure_rule="threshold"``.
    commissioner, analyst, assurer, approver : str
        AQuA roles (the assurer must not be the analyst). Empty = not recorded, and the report
        then says it has not been quality assured.

    Raises
    ------
    ParameterError
        When the assurer is the analyst or the disclosure threshold is below 1, and for the
        errors of :class:`~eah_eval.monitor.params.MonitorParams` (re-raised as this type).
    """

    title: str = "Experts at Hand: monitoring report"
    council: str = "Synthetic council (demonstration data)"
    disclosure_rule: DisclosureRule = "threshold"
    disclosure_threshold: int = 10
    commissioner: str = ""
    analyst: str = ""
    assurer: str = ""
    approver: str = ""

    def __post_init__(self) -> None:
        try:
            super().__post_init__()
        except ParameterError:
            raise
        except OptionError as exc:
            # one error type for every report parameter, whichever layer checked it
            raise ParameterError(str(exc)) from None
        if self.analyst and self.assurer and self.analyst.strip() == self.assurer.strip():
            raise ParameterError(
                "report parameter 'assurer' must not be the analyst (AQuA); "
                f"both are {self.analyst!r}"
            )
        if self.disclosure_threshold < 1:
            raise ParameterError(
                "report parameter 'disclosure_threshold' must be at least 1; got "
                f"{self.disclosure_threshold}"
            )

    @property
    def policy(self) -> DisclosurePolicy:
        """The disclosure policy these parameters ask for."""
        return DisclosurePolicy(rule=self.disclosure_rule, threshold=self.disclosure_threshold)
