"""Every module imports on a system without the POSIX-only standard modules (Windows)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: standard-library modules Windows does not have
POSIX_ONLY = ("fcntl", "resource", "termios", "pwd", "grp")

PROBE = """
import importlib, json, pkgutil, sys
for name in {posix!r}:
    sys.modules[name] = None  # 'import name' now raises ImportError, as on Windows
import eah_eval
failed = {{}}
names = [m.name for m in pkgutil.walk_packages(eah_eval.__path__, "eah_eval.")]
for name in names:
    if name == "eah_eval.__main__":  # runs the command line when imported
        continue
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed[name] = f"{{type(exc).__name__}}: {{exc}}"
print(json.dumps({{"modules": len(names), "failed": failed}}))
"""


@pytest.mark.slow
def test_every_module_imports_without_posix_only_modules():
    done = subprocess.run([sys.executable, "-c", PROBE.format(posix=POSIX_ONLY)],
                          capture_output=True, text=True, check=True, timeout=600)
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["modules"] > 100
    assert outcome["failed"] == {}


def test_accessibility_check_says_it_needs_posix(monkeypatch, tmp_path):
    from eah_eval.reporting.accessibility import BrowserError, _DevTools

    monkeypatch.setitem(sys.modules, "fcntl", None)
    with pytest.raises(BrowserError, match="needs Linux or macOS; on Windows run it under WSL"):
        _DevTools(str(tmp_path / "chromium"))
