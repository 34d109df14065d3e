r"""What the command line prints is text, never terminal control.

File names, column names and values from a council's data reach messages; an escape sequence
in them could recolour, hide or rewrite what the terminal shows, and a bidirectional control
character could reorder it. :func:`terminal_text` shows such characters as visible escapes
(``\x1b``, ``\u202e``); :class:`SafeStream` applies it to everything a command prints.
"""

from __future__ import annotations

import re
from typing import Any, TextIO

# C0 controls except tab and newline, DEL, C1 controls, and bidirectional controls
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_text(text: str) -> str:
    r"""Return ``text`` with terminal control and bidirectional characters shown as escapes.

    Examples
    --------
    >>> print(terminal_text("red\x1b[31m name\u202e"))
    red\x1b[31m name\u202e
    """
    return _UNSAFE.sub(_escape, text)


class SafeStream:
    """A text stream that writes through :func:`terminal_text` to another stream."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        """Write ``text`` with control characters escaped; return the characters given."""
        self._stream.write(terminal_text(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        """Write each line through :meth:`write`."""
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
