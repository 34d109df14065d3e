"""eah-eval: measure, evaluate and monitor Experts at Hand.

Layers, each importing only those above it: ``data`` -> ``measures`` -> ``did`` ->
``inference`` / ``sensitivity`` -> ``monitor`` -> ``reporting`` -> ``cli``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("eah-eval")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
