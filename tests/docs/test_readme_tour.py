"""The README's five-minute tour runs as written: its shell commands, then its Python snippet.

The code blocks are read from README.md (the section "A five-minute tour"), so the test follows
the README when it changes. They run in order in one empty folder, as a reader would run them
from a clone: the shell blocks with bash (``set -e``, so a failing command fails the test) and
this interpreter's ``eah-eval`` first on the PATH, the Python block with this interpreter. The
``source .venv/bin/activate`` line is left out: the test already runs inside the environment.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## A five-minute tour"
_BLOCK = re.compile(r"^```(bash|python)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def tour_blocks() -> list[tuple[str, str]]:
    """The (language, code) of each code block of the tour section, in order."""
    text = README.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    section = text[start:] if end < 0 else text[start:end]
    return [(lang, code) for lang, code in _BLOCK.findall(section)]


def test_tour_has_shell_and_python_blocks() -> None:
    langs = [lang for lang, _ in tour_blocks()]
    assert langs.count("bash") >= 2 and langs.count("python") == 1, langs


@pytest.mark.slow
def test_readme_tour_runs(tmp_path: Path) -> None:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["MPLBACKEND"] = "Agg"
    for number, (lang, code) in enumerate(tour_blocks(), start=1):
        if lang == "bash":
            lines = [ln for ln in code.splitlines() if not ln.lstrip().startswith("source ")]
            cmd = ["bash", "-c", "set -euo pipefail\n" + "\n".join(lines)]
        else:
            cmd = [sys.executable, "-c", code]
        done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=900, check=False)
        assert done.returncode == 0, (
            f"README tour block {number} ({lang}) failed with exit {done.returncode}:\n"
            f"{code}\n--- stdout ---\n{done.stdout[-3000:]}\n--- stderr ---\n{done.stderr[-3000:]}"
        )
    assert (tmp_path / "reports" / "mine" / "impact_report.html").is_file()
    assert (tmp_path / "reports" / "monitoring").is_dir()
    assert (tmp_path / "panel.csv").is_file()
