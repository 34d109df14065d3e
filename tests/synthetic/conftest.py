"""Shared synthetic councils: generated once per test session (small, default and null)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eah_eval.data.synthetic import SyntheticCouncil, make_council

SMALL_SEED = 20261130


@pytest.fixture(scope="session")
def small_council() -> SyntheticCouncil:
    return make_council(SMALL_SEED, small=True)


@pytest.fixture(scope="session")
def small_dir(small_council: SyntheticCouncil, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_council.write(tmp_path_factory.mktemp("small_council"))


@pytest.fixture(scope="session")
def default_council() -> SyntheticCouncil:
    return make_council()
