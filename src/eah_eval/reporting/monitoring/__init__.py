"""The monitoring report: control charts of Experts at Hand by cluster, disclosure-controlled.

Computed in one downward pass, then rendered; each module imports only those above it:

* :mod:`~eah_eval.reporting.monitoring.params`: the report's parameters (data, scope, chart
  conventions, rollout rule, publishing), validated before any kernel starts.
* :mod:`~eah_eval.reporting.monitoring.data`: every series, chart and status behind the report
  (:func:`~eah_eval.reporting.monitoring.data.monitoring_data`), before any publishing.
* :mod:`~eah_eval.reporting.monitoring.disclosure`: disclosure control of every series, then
  re-charting of what may be shown.
* :mod:`~eah_eval.reporting.monitoring.tables`: status matrices, integrated-performance table,
  headline and yardstick as display strings.
* :mod:`~eah_eval.reporting.monitoring.items`: one monitored measure as HTML.
* :mod:`~eah_eval.reporting.monitoring.sections`: the HTML of each section.
* :mod:`~eah_eval.reporting.monitoring.build`: the report model and
  :func:`~eah_eval.reporting.monitoring.build.build_monitoring_report`, the one call the
  notebook ``analyses/monitoring_report.ipynb`` makes.

The control charts themselves come from :mod:`eah_eval.monitor`, which knows no measure and no
report.
"""
