"""Resource bounds for resampling: how many draws fit in memory, and which seeds are valid.

Bootstrap and randomisation methods hold, at their peak, about one row of weights (one per
cluster) and one row of statistics (one per estimate) for every draw, as 8-byte floats. A
request whose estimate exceeds :data:`MAX_DRAW_BYTES` is refused before anything is
allocated, with the number of draws that would fit.
"""

from __future__ import annotations

from eah_eval.errors import OptionError, OptionTypeError

#: Most memory the draws of one resampling may take (bytes, estimated).
MAX_DRAW_BYTES = 1 << 30
#: Largest accepted integer seed (seeds are non-negative 64-bit integers).
MAX_SEED = 2**63 - 1


def _size(n_bytes: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.1f} {unit}"
    return f"{n_bytes:.0f} bytes"


def draw_bytes(draws: int, n_values: int) -> int:
    """Return the estimated peak memory of ``draws`` draws of ``n_values`` 8-byte values each."""
    return int(draws) * max(int(n_values), 1) * 8


def check_draw_budget(draws: int, n_values: int, *, name: str = "draws") -> int:
    """Refuse a number of draws whose estimated memory exceeds :data:`MAX_DRAW_BYTES`.

    Parameters
    ----------
    draws : int
        Draws (or permutations) requested.
    n_values : int
        Values held per draw: clusters (weights) plus estimates (statistics).
    name : str
        Name of the option, for the message (``draws``, ``--draws``, ``--bootstrap``).

    Returns
    -------
    int
        ``draws``, unchanged.

    Raises
    ------
    OptionError
        If the estimate exceeds the bound; the message gives the estimate and the largest
        number of draws that fits.
    """
    need = draw_bytes(draws, n_values)
    if need > MAX_DRAW_BYTES:
        fits = MAX_DRAW_BYTES // (max(int(n_values), 1) * 8)
        raise OptionError(
            f"{name}={int(draws):,} would need about {_size(need)} of memory ({int(draws):,} "
            f"draws x {max(int(n_values), 1):,} values x 8 bytes); at most "
            f"{_size(MAX_DRAW_BYTES)} is allowed: use at most {fits:,} draws"
        )
    return int(draws)


def check_seed(seed: object, *, name: str = "rng") -> int:
    """Return a valid integer seed (0 to :data:`MAX_SEED`).

    Raises
    ------
    OptionTypeError
        If ``seed`` is not an integer.
    OptionError
        If it is negative or above :data:`MAX_SEED`.
    """
    if isinstance(seed, bool) or not hasattr(seed, "__index__"):
        raise OptionTypeError(f"{name} must be an integer seed; got {type(seed).__name__}")
    value = int(seed)
    if not 0 <= value <= MAX_SEED:
        raise OptionError(f"{name} must be a seed from 0 to {MAX_SEED}; got {value}")
    return value
