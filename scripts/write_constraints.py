"""Write a pip constraints file: the versions of everything eah-eval needs, as installed here.

Run it with the Python of the environment the tests passed in (``make test``'s ``.venv``), so
the file records versions that were tested together::

    .venv/bin/python scripts/write_constraints.py > constraints/report.txt

It walks eah-eval's requirements (with the extras named by ``--extra``), and theirs, through
the metadata of the installed distributions and writes one ``name==version`` line for each.
Test tools (the ``dev`` extra) are left out unless asked for. A report run then installs those
versions with ``pip install -c constraints/report.txt -e .``.
"""

from __future__ import annotations

import argparse
import platform
import sys
from importlib.metadata import PackageNotFoundError, distribution

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def _requirements(name: str, extras: frozenset[str]) -> list[Requirement]:
    """Return the requirements of the installed ``name`` that apply here with ``extras``."""
    out = []
    for text in distribution(name).requires or []:
        req = Requirement(text)
        if req.marker is None:
            out.append(req)
            continue
        # a requirement without an extra marker must hold with no extra at all
        if any(req.marker.evaluate({"extra": e}) for e in (extras or {""})):
            out.append(req)
    return out


def closure(root: str, extras: frozenset[str]) -> dict[str, str]:
    """Installed versions of ``root`` (with ``extras``) and of everything it requires.

    Parameters
    ----------
    root : str
        Distribution name to start from.
    extras : frozenset of str
        Extras of ``root`` to include.

    Returns
    -------
    dict of str to str
        Canonical distribution name -> installed version, ``root`` excluded.

    Raises
    ------
    SystemExit
        If a required distribution is not installed (the environment is not the tested one).
    """
    found: dict[str, str] = {}
    todo = [(root, extras)]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, wanted = todo.pop()
        if (canonicalize_name(name), wanted) in seen:
            continue
        seen.add((canonicalize_name(name), wanted))
        for req in _requirements(name, wanted):
            try:
                found[canonicalize_name(req.name)] = distribution(req.name).version
            except PackageNotFoundError:
                sys.exit(f"{req.name} (required by {name}) is not installed here; run this "
                         "with the Python of the environment the tests passed in")
            todo.append((req.name, frozenset(req.extras)))
    found.pop(canonicalize_name(root), None)
    return found


def main() -> None:
    """Print the constraints file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra", action="append", default=[],
                        help="an extra of eah-eval to include (repeatable), e.g. spark")
    args = parser.parse_args()
    pins = closure("eah-eval", frozenset(args.extra))
    extras = f"[{','.join(sorted(args.extra))}]" if args.extra else ""
    print(f"# Versions of eah-eval{extras}'s dependencies tested together (Python "
          f"{platform.python_version()}, {sys.platform}); regenerate with")
    print("#   .venv/bin/python scripts/write_constraints.py"
          + "".join(f" --extra {e}" for e in args.extra) + " > constraints/report.txt")
    print("# and use with: pip install -c constraints/report.txt -e .")
    for name in sorted(pins):
        print(f"{name}=={pins[name]}")


if __name__ == "__main__":
    main()
