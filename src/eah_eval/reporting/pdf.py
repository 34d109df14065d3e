"""Print a board-pack PDF from the report's HTML with headless Chromium.

The PDF is printed from the very same HTML file (``--print-to-pdf``), so the two cannot
disagree; print rules in the page's stylesheet keep tables and figures whole.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from eah_eval.errors import MissingDependencyError
from eah_eval.reporting.accessibility import CHROMIUM_FLAGS, BrowserError, find_chromium


def print_pdf(
    html: str | Path, pdf: str | Path, *, chromium: str | None = None, timeout: float = 120.0
) -> Path:
    """Print ``html`` to ``pdf`` with headless Chromium and return the PDF path.

    Raises
    ------
    MissingDependencyError
        When Chromium is not installed (the message says how to install it).
    BrowserError
        When printing fails or produces no file.
    """
    browser = chromium or find_chromium()
    if browser is None:
        raise MissingDependencyError(
            "headless Chromium not found, so no PDF can be printed; install Debian's package "
            "with 'apt-get install chromium' (or 'make browser')"
        )
    src = Path(html).resolve()
    out = Path(pdf).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="eah-eval-chromium-") as profile:
        args = [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            src.as_uri(),
        ]
        try:
            proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                                  check=False)
        except subprocess.TimeoutExpired as exc:
            raise BrowserError(f"printing {src.name} to PDF timed out") from exc
    if proc.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
        tail = (proc.stderr or "").strip().splitlines()[-1:] or ["no message"]
        raise BrowserError(f"printing {src.name} to PDF failed: {tail[0]}")
    return out
