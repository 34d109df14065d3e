"""Reporting: disclosure control, report parameters, runner, charts, tables and narrative."""
