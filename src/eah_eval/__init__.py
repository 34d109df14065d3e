"""eah-eval: measure, evaluate and monitor Experts at Hand.

Layers, each importing only those above it: ``data`` -> ``measures`` -> ``did`` ->
``inference`` / ``sensitivity`` -> ``monitor`` -> ``reporting`` -> ``cli``.

The package logs through :mod:`logging` under the ``eah_eval`` logger (progress at ``INFO``,
details at ``DEBUG``) and adds no handler: the command line shows the records on standard
error; in Python, ``logging.basicConfig(level=logging.INFO)`` shows them.
"""

from __future__ import annotations

# The one place the version is written (pyproject.toml reads it: [tool.hatch.version]); a
# literal, so that `eah-eval --version` need not scan the installed distributions.
__version__ = "0.1.0"

__all__ = ["__version__"]
