"""Command-line options shared by the commands that run a report notebook.

``eah-eval report``, ``eah-eval monitor`` and ``eah-eval finance`` take their parameters the
same way: from a YAML file (``--params``), then ``--data``, then ``--set key=value`` (later
wins); ``--list-params`` prints the schema they are checked against.

Run as a module, it rewrites the ``parameters`` cell of each report notebook from its schema
(``python -m eah_eval.cli.notebook_options``; ``--check`` only says whether one is stale).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from eah_eval.cli.options import add_data_argument

if TYPE_CHECKING:
    from eah_eval.reporting.notebook import ReportNotebook


class ListParameters(argparse.Action):
    """``--list-params``: print the report's parameters and exit, as ``--help`` does."""

    def __init__(self, option_strings: Sequence[str], dest: str, *,
                 notebook: Callable[[], ReportNotebook], **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)
        self.notebook = notebook

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        """Print the parameter list and exit with status 0."""
        from eah_eval.reporting.params import format_parameters

        spec = self.notebook()
        print(textwrap.fill(
            f"Parameters of {parser.prog} ({spec.schema.__name__}): set them with --params FILE "
            f"(YAML), --data DIR or --set NAME=VALUE; in analyses/{spec.file} each is one line "
            "of the parameters cell (papermill -p NAME VALUE).", 96) + "\n")
        print(format_parameters(spec.schema))
        parser.exit()


def add_parameter_arguments(
    p: argparse.ArgumentParser, *, set_example: str, notebook: Callable[[], ReportNotebook]
) -> None:
    """Add ``--data``, ``--out``, ``--params``, ``--set`` and ``--list-params`` to a parser.

    Parameters
    ----------
    p : argparse.ArgumentParser
        The sub-command's parser.
    set_example : str
        An example ``KEY=VALUE`` for the help text of ``--set``.
    notebook : callable
        Returns the report's notebook and schema (called only for ``--list-params``, so that
        the command line starts without importing the report).
    """
    add_data_argument(p, required=False,
                      help="folder with the council's input tables (default: the 'data' "
                           "parameter of --params)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--params", help="YAML file of report parameters")
    p.add_argument(
        "--set",
        dest="assignments",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"set one parameter (value read as YAML), e.g. --set {set_example}",
    )
    p.add_argument(
        "--list-params",
        action=ListParameters,
        notebook=notebook,
        help="print every parameter with its type, default and one line of help, and exit",
    )


def report_notebooks() -> tuple[ReportNotebook, ...]:
    """Return the report notebooks whose ``parameters`` cell is written from a schema."""
    from eah_eval.reporting.finance.run import FINANCE_NOTEBOOK
    from eah_eval.reporting.impact.run import IMPACT_NOTEBOOK
    from eah_eval.reporting.monitoring.run import MONITORING_NOTEBOOK

    return (IMPACT_NOTEBOOK, MONITORING_NOTEBOOK, FINANCE_NOTEBOOK)


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite (or with ``--check`` compare) the report notebooks' parameters cells."""
    from eah_eval.reporting.notebook import stale_parameters_cell, write_parameters_cell

    parser = argparse.ArgumentParser(
        prog="python -m eah_eval.cli.notebook_options",
        description="Write the parameters cell of each report notebook from its schema.",
    )
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if a notebook's parameters cell is out of date")
    args = parser.parse_args(argv)
    stale = []
    for spec in report_notebooks():
        if args.check:
            if stale_parameters_cell(spec):
                stale.append(spec.file)
                print(f"{spec.path()}: parameters cell is out of date")
            else:
                print(f"{spec.path()}: parameters cell is up to date")
        else:
            changed = write_parameters_cell(spec)
            state = "rewritten" if changed else "already up to date"
            print(f"{spec.path()}: parameters cell {state}")
    if stale:
        print("run: python -m eah_eval.cli.notebook_options")
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
