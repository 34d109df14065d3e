"""constraints/report.txt pins versions that pyproject.toml allows, for every dependency."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints" / "report.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, ver = line.partition("==")
            pins[canonicalize_name(name)] = ver
    return pins


def test_constraints_pin_every_base_dependency_inside_its_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = _pins()
    for text in project["dependencies"]:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is a dependency but not pinned in constraints/report.txt"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"constraints/report.txt pins {req.name}=={pins[name]}, outside {req.specifier}")
