"""Checks of the event-study options shared by the regression estimators.

The event window (``min_e``, ``max_e``) and the left-out reference periods are read the same way
by :func:`eah_eval.did.twfe.twfe` and :func:`eah_eval.did.sun_abraham.sun_abraham`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from eah_eval.errors import OptionError, OptionTypeError

__all__ = ["check_event_window", "reference_periods"]


def check_event_window(min_e: int | None, max_e: int | None) -> None:
    """Raise unless the event window ``[min_e, max_e]`` is ordered.

    Raises
    ------
    OptionError
        If both ends are given and ``min_e > max_e``.
    """
    if min_e is not None and max_e is not None and min_e > max_e:
        raise OptionError(f"min_e must not exceed max_e; got min_e={min_e}, max_e={max_e}")


def reference_periods(reference: int | Sequence[int], *, allow_empty: bool) -> tuple[int, ...]:
    """Read the reference (left-out) relative period(s) as a tuple of ints.

    Parameters
    ----------
    reference : int or sequence of int
        One relative period or several.
    allow_empty : bool
        Whether an empty sequence is accepted.

    Returns
    -------
    tuple of int
        The reference periods, in the order given.

    Raises
    ------
    OptionTypeError
        If an entry is not an integer, or the sequence is empty and ``allow_empty`` is False.
    """
    refs = (reference,) if isinstance(reference, int | np.integer) else tuple(reference)
    if (not refs and not allow_empty) or not all(isinstance(r, int | np.integer) for r in refs):
        what = "a sequence" if allow_empty else "a non-empty sequence"
        raise OptionTypeError(f"reference must be an int or {what} of ints; got {reference!r}")
    return tuple(int(r) for r in refs)
