"""The governance impact report: one evaluation, computed once, rendered into every section.

Modules, in the order data flows through them:

* :mod:`~eah_eval.reporting.impact.params` - the report's parameters;
* :mod:`~eah_eval.reporting.impact.inputs` - validated data, design and each measure's panel;
* :mod:`~eah_eval.reporting.impact.intervals` - the report's one inference method applied;
* :mod:`~eah_eval.reporting.impact.robustness`, :mod:`~eah_eval.reporting.impact.evidence` -
  checks and evidence ratings;
* :mod:`~eah_eval.reporting.impact.trends`, :mod:`~eah_eval.reporting.impact.equality`,
  :mod:`~eah_eval.reporting.impact.value_for_money`,
  :mod:`~eah_eval.reporting.impact.data_quality` - the other computed parts;
* :mod:`~eah_eval.reporting.impact.evaluate` - the one downward pass into the frozen
  :mod:`~eah_eval.reporting.impact.model`;
* :mod:`~eah_eval.reporting.impact.sections` - HTML rendered from the model (no computing);
* :mod:`~eah_eval.reporting.impact.build` - the report document and ``results.json``;
* :mod:`~eah_eval.reporting.impact.check` - the consistency check of a written report;
* :mod:`~eah_eval.reporting.impact.run` - run the notebook, check, mark drafts.
"""
