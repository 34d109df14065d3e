"""Few-cluster inference: CR2, wild cluster bootstrap, randomisation inference."""

from __future__ import annotations

from eah_eval.inference.cr2 import ContrastTest, CR2Fit, cr2, cr2_twfe

__all__ = ["CR2Fit", "ContrastTest", "cr2", "cr2_twfe"]
