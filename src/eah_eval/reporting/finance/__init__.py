"""The finance report: what Experts at Hand means for the High Needs Block, with its uncertainty.

Computed in one downward pass, then rendered; each module imports only those above it:

* :mod:`~eah_eval.reporting.finance.params`: the report's parameters, validated before any
  kernel starts.
* :mod:`~eah_eval.reporting.finance.effect`: the programme's effect on EHC needs assessment
  requests as a range (from an impact report's ``results.json`` or estimated here).
* :mod:`~eah_eval.reporting.finance.scenarios`: user-defined scenarios read from a YAML file.
* :mod:`~eah_eval.reporting.finance.model`: the frozen evaluation and the summaries of draws.
* :mod:`~eah_eval.reporting.finance.evaluate`: the projection (:mod:`eah_eval.finance`),
  payback and DSG position, summarised through the disclosure ledger.
* :mod:`~eah_eval.reporting.finance.words`, :mod:`~eah_eval.reporting.finance.figures`,
  :mod:`~eah_eval.reporting.finance.sections`: plain words, fan charts and the HTML of each
  section (render only).
* :mod:`~eah_eval.reporting.finance.assurance`: the assurer's record.
* :mod:`~eah_eval.reporting.finance.build`: :func:`build_finance_report`, the one call the
  notebook ``analyses/finance_report.ipynb`` makes.
* :mod:`~eah_eval.reporting.finance.run`: the notebook run by the publishing core's runner.
"""
