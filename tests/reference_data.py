"""Where the reference outputs of other software live (read in place, never copied here).

Looked up in order: the ``EAH_REFERENCE_DIR`` environment variable, ``../shared/reference``
beside the repository (the project's convention), then ``/work/shared/reference``. Tests that
need a folder skip with a reason when none of these exists.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def reference_dir() -> Path:
    """Return the first existing reference folder (or the conventional path if none exists)."""
    candidates = []
    if os.environ.get("EAH_REFERENCE_DIR"):
        candidates.append(Path(os.environ["EAH_REFERENCE_DIR"]))
    candidates += [REPO.parent / "shared" / "reference", Path("/work/shared/reference")]
    for path in candidates:
        if path.is_dir():
            return path
    return candidates[0]
