"""Check a report against WCAG 2.2 AA with axe-core running in headless Chromium.

No browser driver package is needed: Chromium is started with ``--remote-debugging-pipe`` and
driven through the DevTools protocol over two pipes (commands on fd 3, replies on fd 4), so
nothing listens on a network port. axe-core's ``axe.min.js`` is injected into the page and
``axe.run`` is called with the WCAG 2.0/2.1/2.2 A and AA tags.

Where things come from (first found wins):

* Chromium: ``$EAH_EVAL_CHROMIUM``, ``/usr/bin/chromium``, then ``chromium``,
  ``chromium-browser`` or ``google-chrome`` on ``PATH`` (Debian's package: ``apt-get install
  chromium``; the Makefile's ``browser`` target runs ``scripts/ensure_chromium.sh``).
* axe-core: ``$EAH_EVAL_AXE_JS``, the copy bundled in the ``axe-playwright-python`` wheel
  (installed with the ``dev`` extra), or the npm package ``axe-core`` under
  ``~/.cache/eah-eval/axe-core``.

The monitoring report and any other HTML output can use :func:`check_accessibility` as is.

Passing the pipes to Chromium as file descriptors 3 and 4 needs a POSIX system (Linux, macOS,
or WSL on Windows): on Windows the check raises :class:`BrowserError` saying so. Importing
this module, and printing a PDF (:mod:`eah_eval.reporting.pdf`), work everywhere.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eah_eval.errors import EahEvalError, MissingDependencyError

#: axe-core tags for WCAG 2.2 level AA (which includes A and the 2.0/2.1 rules).
WCAG22_AA_TAGS: tuple[str, ...] = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")

CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--allow-file-access-from-files",
)


class BrowserError(EahEvalError, RuntimeError):
    """Headless Chromium failed to start or to answer."""


def find_chromium() -> str | None:
    """Return the path of a Chromium executable, or ``None`` when there is none."""
    env = os.environ.get("EAH_EVAL_CHROMIUM")
    if env and Path(env).is_file():
        return env
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def find_axe() -> Path | None:
    """Return the path of ``axe.min.js``, or ``None`` when none is installed."""
    env = os.environ.get("EAH_EVAL_AXE_JS")
    if env and Path(env).is_file():
        return Path(env)
    for module in ("axe_playwright_python", "axe_selenium_python"):
        try:
            mod = __import__(module)
        except ImportError:
            continue
        base = Path(mod.__file__ or "").parent
        for cand in (base / "axe.min.js", base / "node_modules" / "axe-core" / "axe.min.js"):
            if cand.is_file():
                return cand
    cache = Path.home() / ".cache" / "eah-eval" / "axe-core"
    cand = cache / "node_modules" / "axe-core" / "axe.min.js"
    return cand if cand.is_file() else None


class _DevTools:
    """Minimal DevTools-protocol client over Chromium's ``--remote-debugging-pipe``."""

    def __init__(self, chromium: str, *, timeout: float = 60.0) -> None:
        self.timeout = timeout
        try:
            import fcntl  # POSIX only; imported here so that importing this module never fails
        except ImportError:
            raise BrowserError(
                "the accessibility check drives Chromium through inherited pipes, which needs "
                "Linux or macOS; on Windows run it under WSL (the PDF prints without it)"
            ) from None
        cmd_r, cmd_w = os.pipe()
        out_r, out_w = os.pipe()
        # Move the child's ends above the low numbers, so dup2 onto 3 and 4 cannot clobber.
        child_in = fcntl.fcntl(cmd_r, fcntl.F_DUPFD_CLOEXEC, 10)
        child_out = fcntl.fcntl(out_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(cmd_r)
        os.close(out_w)
        self._tmp = tempfile.TemporaryDirectory(prefix="eah-eval-chromium-")

        def wire() -> None:  # runs in the child before exec
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        args = [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={self._tmp.name}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        try:
            self.proc = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                close_fds=False,
                preexec_fn=wire,
            )
        finally:
            os.close(child_in)
            os.close(child_out)
        self._w = cmd_w
        self._r = out_r
        self._buf = b""
        self._next = 0
        self._events: list[dict[str, Any]] = []

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("headless Chromium did not answer in time")
            ready, _, _ = select.select([self._r], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._r, 1 << 20)
            if not chunk:
                raise BrowserError("headless Chromium closed the DevTools pipe")
            self._buf += chunk
        raw, _, self._buf = self._buf.partition(b"\0")
        msg: dict[str, Any] = json.loads(raw)
        return msg

    def call(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> dict[str, Any]:
        self._next += 1
        msg: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise BrowserError(f"DevTools {method} failed: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self._events.append(reply)

    def wait_event(self, method: str, session: str | None = None) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        for i, ev in enumerate(self._events):
            if ev.get("method") == method and (session is None or ev.get("sessionId") == session):
                return self._events.pop(i)
        while True:
            ev = self._read_message(deadline)
            if ev.get("method") == method and (session is None or ev.get("sessionId") == session):
                return ev
            self._events.append(ev)

    def close(self) -> None:
        try:
            os.write(self._w, json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._w, self._r):
            try:
                os.close(fd)
            except OSError:
                pass
        self._tmp.cleanup()


@dataclass(frozen=True)
class AccessibilityResult:
    """Outcome of an axe-core run on one page."""

    page: Path
    violations: tuple[dict[str, Any], ...]
    n_passes: int
    axe_version: str
    tags: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Whether there are no violations."""
        return not self.violations

    def summary(self) -> str:
        """One line per violation: rule id, impact, help text and the number of nodes."""
        if self.ok:
            return (
                f"{self.page.name}: no WCAG 2.2 AA violations (axe-core {self.axe_version}, "
                f"{self.n_passes} rules passed)"
            )
        lines = [f"{self.page.name}: {len(self.violations)} violation(s):"]
        for v in self.violations:
            nodes = v.get("nodes", [])
            target = nodes[0].get("target") if nodes else ""
            lines.append(
                f"  - {v.get('id')} ({v.get('impact')}): {v.get('help')} "
                f"[{len(nodes)} node(s), first {target}]"
            )
        return "\n".join(lines)


def check_accessibility(
    html: str | Path,
    *,
    tags: Sequence[str] = WCAG22_AA_TAGS,
    chromium: str | None = None,
    axe_js: str | Path | None = None,
    timeout: float = 120.0,
) -> AccessibilityResult:
    """Run axe-core on an HTML file in headless Chromium.

    Parameters
    ----------
    html : path
        The page to check.
    tags : sequence of str
        axe-core rule tags (default: WCAG 2.2 AA).
    chromium, axe_js : path, optional
        Override where Chromium and ``axe.min.js`` are found.
    timeout : float
        Seconds allowed for each browser step.

    Returns
    -------
    AccessibilityResult

    Raises
    ------
    MissingDependencyError
        When Chromium or axe-core cannot be found (the message says how to install them).
    BrowserError
        When the browser fails.
    """
    page = Path(html).resolve()
    if not page.is_file():
        raise EahEvalError(f"page not found: {page}")
    browser = chromium or find_chromium()
    if browser is None:
        raise MissingDependencyError(
            "headless Chromium not found; install Debian's package with "
            "'apt-get install chromium' (or 'make browser')"
        )
    axe_path = Path(axe_js) if axe_js else find_axe()
    if axe_path is None:
        raise MissingDependencyError(
            "axe-core not found; install it with pip install \"eah-eval[dev]\" (bundles "
            "axe.min.js via axe-playwright-python) or set EAH_EVAL_AXE_JS"
        )
    source = axe_path.read_text(encoding="utf-8")
    dt = _DevTools(browser, timeout=timeout)
    try:
        target = dt.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = dt.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        dt.call("Page.enable", session=session)
        dt.call("Page.navigate", {"url": page.as_uri()}, session=session)
        dt.wait_event("Page.loadEventFired", session=session)
        dt.call("Runtime.evaluate", {"expression": source}, session=session)
        script = (
            "axe.run(document, {runOnly: {type: 'tag', values: " + json.dumps(list(tags))
            + "}, resultTypes: ['violations']}).then(r => JSON.stringify({violations: "
            "r.violations, passes: r.passes.length, version: axe.version}))"
        )
        res = dt.call(
            "Runtime.evaluate",
            {"expression": script, "awaitPromise": True, "returnByValue": True},
            session=session,
        )
        if "exceptionDetails" in res:
            raise BrowserError(f"axe-core failed in the page: {res['exceptionDetails']}")
        data = json.loads(res["result"]["value"])
    finally:
        dt.close()
    return AccessibilityResult(
        page=page,
        violations=tuple(data["violations"]),
        n_passes=int(data["passes"]),
        axe_version=str(data["version"]),
        tags=tuple(tags),
    )
