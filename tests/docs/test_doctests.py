"""The docstring examples of every module of the package run as tests.

One test per module that has examples. An example that needs a council's own data folder or a
notebook file is marked ``# doctest: +SKIP`` where it stands; every other one runs, on the
small synthetic council or a panel built in the example, and its printed output is checked.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import matplotlib
import pytest

import eah_eval

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules_with_examples() -> list[str]:
    names = [eah_eval.__name__]
    names += [m.name for m in pkgutil.walk_packages(eah_eval.__path__, prefix="eah_eval.")]
    finder = doctest.DocTestFinder()
    found = []
    for name in sorted(names):
        if name.endswith("__main__"):
            continue
        module = importlib.import_module(name)
        if any(t.examples for t in finder.find(module)):
            found.append(name)
    return found


MODULES = _modules_with_examples()


def test_examples_are_found() -> None:
    # a guard against the collection silently finding nothing (a renamed package, say)
    assert len(MODULES) >= 25


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    matplotlib.use("Agg")
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report: list[str] = []
    for test in finder.find(module):
        if test.examples:
            runner.run(test, out=report.append)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, "".join(report)
