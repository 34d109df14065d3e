"""Command-line options shared by the commands that run a report notebook.

``eah-eval report`` and ``eah-eval monitor`` take their parameters the same way: from a YAML
file (``--params``), then ``--data``, then ``--set key=value`` (later wins).
"""

from __future__ import annotations

import argparse


def add_parameter_arguments(p: argparse.ArgumentParser, *, set_example: str) -> None:
    """Add ``--data``, ``--out``, ``--params`` and ``--set`` to a report command's parser.

    Parameters
    ----------
    p : argparse.ArgumentParser
        The sub-command's parser.
    set_example : str
        An example ``KEY=VALUE`` for the help text of ``--set``.
    """
    p.add_argument("--data", help="folder with the council's input tables")
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
