"""The package's one naming of intervals, and a finder of the spellings it replaced.

An interval is ``ci_low`` / ``ci_high`` (the pointwise interval at the result's ``level``),
with a suffix only where a second interval sits beside it (``ci_low_simultaneous`` /
``ci_high_simultaneous``) or a unit follows (``value_ci_low_gbp``). The spellings used before
(``ci_low_pointwise``, ``ci_lower``, ``lower``, ``lo``, ``low``, ...) are found by
:func:`old_interval_names`. A control chart's process limits are not an interval of an estimate
and keep their own names (``lower``, ``centre``, ``upper``): a mapping or frame holding
``centre`` is the chart's and is not searched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

# A name word that spelled an interval end before the one naming.
_OLD_WORDS = frozenset({"lower", "upper", "lo", "hi", "lb", "ub", "pointwise", "uniform",
                        "conf"})
_OLD_WHOLE = frozenset({"low", "high", "ci_lo", "ci_hi"})
_WORD = re.compile(r"[A-Za-z]+")


def is_old_interval_name(name: str) -> bool:
    """True when ``name`` spells an interval end the way the package no longer does."""
    words = [w.lower() for w in _WORD.findall(name)]
    return name.lower() in _OLD_WHOLE or bool(_OLD_WORDS.intersection(words))


def _is_control_chart(names: Iterable[str]) -> bool:
    return "centre" in set(names)


def old_interval_names(obj: Any, path: str = "$") -> list[str]:
    """Paths of every key, column or field name in ``obj`` spelled the old way.

    Parameters
    ----------
    obj : Any
        A JSON-like object (dicts, lists, scalars) or a DataFrame (its columns); strings are
        values, not names, and are not searched.
    path : str
        Where ``obj`` sits, for the message.

    Returns
    -------
    list of str
        ``path/name`` of each old spelling found, empty when there is none.
    """
    found: list[str] = []
    if isinstance(obj, pd.DataFrame):
        names = [str(c) for c in obj.columns]
        if not _is_control_chart(names):
            found += [f"{path}/{c}" for c in names if is_old_interval_name(c)]
    elif isinstance(obj, Mapping):
        keys = [str(k) for k in obj]
        chart = _is_control_chart(keys)
        for key, value in obj.items():
            if not chart and is_old_interval_name(str(key)):
                found.append(f"{path}/{key}")
            found += old_interval_names(value, f"{path}/{key}")
    elif isinstance(obj, list | tuple):
        for i, value in enumerate(obj):
            found += old_interval_names(value, f"{path}[{i}]")
    return found
