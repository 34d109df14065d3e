"""The tutorial notebooks in docs/tutorials/ run from top to bottom without an error.

Each is executed with this interpreter (a temporary kernelspec), in a temporary folder; a
notebook's own checks (an ``assert`` against the synthetic council's truth) fail the test.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from eah_eval.reporting.runner import this_python_kernel

TUTORIALS = sorted((Path(__file__).resolve().parents[2] / "docs" / "tutorials").glob("*.ipynb"))


def test_tutorials_are_found() -> None:
    assert TUTORIALS, "no notebook in docs/tutorials/"


@pytest.mark.slow
@pytest.mark.parametrize("path", TUTORIALS, ids=lambda p: p.stem)
def test_tutorial_runs(path: Path, tmp_path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    with this_python_kernel() as kernel:
        NotebookClient(nb, kernel_name=kernel, timeout=600,
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
