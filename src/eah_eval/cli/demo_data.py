"""`eah-eval demo-data`: placeholder until its issue lands."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(sub: Any, name: str) -> None:
    """Register the sub-command."""
    sub.add_parser(name, help="(not yet available)")


def run(args: argparse.Namespace) -> int:
    """Report that the command is not available yet."""
    print(f"eah-eval {args.command}: not yet available", file=sys.stderr)
    return 2
