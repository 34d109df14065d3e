"""Packages whose public names load their modules on first use.

``eah-eval did`` needs the group-time estimator, not the sparse solvers, distributions and
optimisers behind the package's other estimators and inference methods; importing them all
took most of its start-up. A package that calls :func:`export_lazily` keeps its public names
(``from eah_eval.did import att_gt`` works as before) and imports a module only when one of
its names is first used.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping
from types import MappingProxyType, ModuleType
from typing import Any

__all__ = ["LazyPackage", "export_lazily"]


class LazyPackage(ModuleType):
    """A package module whose exported names are looked up in their modules when first used.

    Importing a submodule sets the package attribute of the same name to the submodule; when
    the package exports a function of that name (``eah_eval.did.aggregate``, the module and
    the function), the attribute becomes the function, as it would with eager imports.
    """

    __lazy_exports__: Mapping[str, str]

    def __getattr__(self, name: str) -> Any:
        module = self.__dict__.get("__lazy_exports__", {}).get(name)
        if module is None:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{self.__name__}.{module}"), name)
        super().__setattr__(name, value)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        exports = self.__dict__.get("__lazy_exports__", {})
        if isinstance(value, ModuleType) and exports.get(name) == name \
                and value.__name__ == f"{self.__name__}.{name}":
            value = getattr(value, name)
        super().__setattr__(name, value)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self.__lazy_exports__))


def export_lazily(package: str, exports: Mapping[str, str]) -> None:
    """Make ``package`` load each exported name from its module on first use.

    Parameters
    ----------
    package : str
        The package's ``__name__`` (called from its ``__init__.py``).
    exports : mapping of str to str
        Exported name -> module (relative to the package) that defines it.
    """
    module = sys.modules[package]
    module.__class__ = LazyPackage
    assert isinstance(module, LazyPackage)
    module.__lazy_exports__ = MappingProxyType(dict(exports))
