"""Variance from stored influence functions: analytic, and the multiplier bootstrap.

Both work on an influence-function matrix ``psi`` (rows = units, columns = estimates) on the
scale where an estimate's variance is ``sum(psi**2) / n**2``. Clustering at a level coarser
than the unit sums the rows within each cluster first: ``S_c = sum_{i in c} psi_i`` and
``V = S'S / n**2``.

The multiplier bootstrap (Callaway and Sant'Anna 2021, sec. 4.1; R ``did``'s ``mboot``) draws one
multiplier ``v_c`` per cluster (per unit without clustering), forms ``b = v'S / n`` for every
draw, takes the standard error as the interquartile range of ``b`` divided by that of the
standard normal, and the simultaneous (sup-t) critical value as the ``level`` quantile of
``max_j |b_j| / se_j`` over draws. Draws are generated in chunks so memory stays bounded.

The draws ``b`` are kept (:attr:`BootstrapOutcome.draws`). Any estimate whose influence function
is a fixed linear combination of bootstrapped columns, ``psi_a = psi L``, then has the draws
``b L`` from the same multipliers without drawing again (:func:`summarise_draws`): the
aggregations of group-time effects use this.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any, Literal, Protocol

import numpy as np

from eah_eval.errors import OptionError, OptionTypeError, check_option

WeightType = Literal["mammen", "rademacher", "webb"]
WEIGHT_TYPES: tuple[WeightType, ...] = ("mammen", "rademacher", "webb")

#: standard errors at or below this are treated as zero (cell not estimable), as R did does
ZERO_SE = float(np.sqrt(np.finfo(float).eps) * 10)
_IQR_NORMAL = NormalDist().inv_cdf(0.75) - NormalDist().inv_cdf(0.25)
#: multipliers drawn at once (16 MB in single precision): large enough for an efficient
#: matrix product, small enough to bound memory; the draws do not depend on it
_CHUNK_ELEMENTS = 4_000_000

__all__ = [
    "WEIGHT_TYPES",
    "BootstrapOutcome",
    "WeightType",
    "analytic_se",
    "bootstrap_influence",
    "cluster_sums",
    "draw_multipliers",
    "multiplier_bootstrap",
    "multiplier_draws",
    "resolve_rng",
    "summarise_draws",
]


def resolve_rng(rng: int | np.random.Generator | None) -> tuple[np.random.Generator, Any]:
    """Turn an ``rng`` argument into a generator and a value to record.

    Parameters
    ----------
    rng : int, numpy.random.Generator or None
        Seed, generator, or None for fresh entropy.

    Returns
    -------
    generator : numpy.random.Generator
        Generator to draw from.
    record : int or str
        The seed (given, or the fresh entropy drawn) or ``"generator"`` when a generator was
        passed in.

    Raises
    ------
    OptionTypeError
        If ``rng`` is of another type.
    """
    if isinstance(rng, np.random.Generator):
        return rng, "generator"
    if rng is None:
        seq = np.random.SeedSequence()
        return np.random.default_rng(seq), int(seq.entropy)  # type: ignore[arg-type]
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng)), int(rng)
    raise OptionTypeError(
        f"rng must be an int seed, a numpy.random.Generator or None; got {type(rng).__name__}"
    )


def draw_multipliers(gen: np.random.Generator, size: tuple[int, int],
                     weight_type: WeightType) -> np.ndarray:
    """Draw mean-zero, variance-one multipliers.

    Parameters
    ----------
    gen : numpy.random.Generator
        Source of randomness.
    size : tuple of int
        Output shape.
    weight_type : {"mammen", "rademacher", "webb"}
        Mammen's two-point distribution (R ``did``'s default), Rademacher (+-1), or Webb's
        six-point distribution (better with few clusters).

    Returns
    -------
    ndarray of float32
        Multipliers (single precision keeps the draws x clusters matrix small; the
        bootstrap's Monte Carlo error is many orders of magnitude above the rounding).
    """
    check_option("weight_type", weight_type, WEIGHT_TYPES)
    if weight_type == "webb":
        values = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)],
                          dtype=np.float32)
        return values[gen.integers(0, 6, size=size)]
    bits, low, high = _two_point_bits(gen, size, weight_type)
    return np.float32(low) + np.float32(high - low) * bits


def _two_point_bits(gen: np.random.Generator, size: tuple[int, int],
                    weight_type: str) -> tuple[np.ndarray, float, float]:
    """Draw indicators ``B`` (float32 0/1); the multipliers are ``low + (high - low) * B``."""
    if weight_type == "mammen":
        s5 = np.sqrt(5.0)
        low, high = (1.0 - s5) / 2.0, (1.0 + s5) / 2.0
        p_low = (s5 + 1.0) / (2.0 * s5)
        return (gen.random(size, dtype=np.float32) >= p_low).astype(np.float32), low, high
    raw = np.frombuffer(gen.bytes(size[0] * size[1]), dtype=np.uint8).reshape(size)
    return (raw & 1).astype(np.float32), -1.0, 1.0


def cluster_sums(psi: np.ndarray, cluster_codes: np.ndarray | None) -> np.ndarray:
    """Sum influence-function rows within clusters (identity without clustering).

    Parameters
    ----------
    psi : ndarray, shape (n, k)
        Influence functions.
    cluster_codes : ndarray of int, shape (n,), or None
        Cluster code of each row, 0..n_clusters-1.

    Returns
    -------
    ndarray, shape (n_clusters, k)
        Cluster sums (``psi`` itself when ``cluster_codes`` is None).
    """
    if cluster_codes is None:
        return psi
    order = np.argsort(cluster_codes, kind="stable")
    codes = cluster_codes[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    return np.add.reduceat(psi[order], starts, axis=0)


def analytic_se(psi: np.ndarray, cluster_codes: np.ndarray | None) -> np.ndarray:
    """Influence-function standard errors ``sqrt(sum_c S_c**2) / n`` (NaN where zero).

    Parameters
    ----------
    psi : ndarray, shape (n, k)
        Influence functions.
    cluster_codes : ndarray of int or None
        Cluster codes, or None for unit-level.

    Returns
    -------
    ndarray, shape (k,)
        Standard errors.
    """
    s = cluster_sums(psi, cluster_codes)
    se = np.sqrt(np.einsum("ij,ij->j", s, s)) / psi.shape[0]
    se[~(se > ZERO_SE)] = np.nan
    return se


@dataclass(frozen=True)
class BootstrapOutcome:
    """Standard errors and sup-t critical value from a multiplier bootstrap.

    Attributes
    ----------
    std_errors : ndarray
        Bootstrap standard errors (NaN for degenerate columns).
    critical_value : float
        Simultaneous critical value over the non-degenerate columns.
    level : float
        Confidence level of the critical value.
    n_draws : int
        Number of bootstrap draws.
    weight_type : str
        Multiplier distribution.
    seed : int or str
        Recorded randomness (see :func:`resolve_rng`).
    n_clusters : int
        Number of independent multipliers per draw.
    draws : ndarray or None
        Shape ``(n_draws, k)``: the draws ``b = v'S / n`` of every column (zero for columns
        with a non-finite influence function).
    cohort_draws : ndarray or None
        Group-time results only, shape ``(n_draws, n_cohorts)``: the draws, from the same
        multipliers, of the columns ``w_i 1{G_i = g}`` that carry the estimation effect of the
        cohort shares into aggregations.
    """

    std_errors: np.ndarray
    critical_value: float
    level: float
    n_draws: int
    weight_type: str
    seed: Any
    n_clusters: int
    draws: np.ndarray | None = field(default=None, repr=False, compare=False)
    cohort_draws: np.ndarray | None = field(default=None, repr=False, compare=False)

    def metadata(self) -> dict[str, Any]:
        """Record of the bootstrap for result metadata."""
        return {"se_type": "multiplier bootstrap", "bootstrap_draws": self.n_draws,
                "bootstrap_weights": self.weight_type, "bootstrap_seed": self.seed,
                "bootstrap_clusters": self.n_clusters}


def _check_draw_options(n_draws: int, level: float, weight_type: str) -> None:
    if isinstance(n_draws, bool) or not isinstance(n_draws, int | np.integer):
        raise OptionTypeError(f"n_draws must be an integer; got {type(n_draws).__name__}")
    if n_draws < 2:
        raise OptionError(f"n_draws must be at least 2; got {n_draws}")
    if not 0.0 < level < 1.0:
        raise OptionError(f"level must be strictly between 0 and 1; got {level!r}")
    check_option("weight_type", weight_type, WEIGHT_TYPES)


def multiplier_draws(sums: Sequence[np.ndarray], n: int, *, n_draws: int,
                     weight_type: WeightType, gen: np.random.Generator) -> list[np.ndarray]:
    """Bootstrap draws ``b = v'S / n`` of several blocks of cluster sums from one multiplier draw.

    Parameters
    ----------
    sums : sequence of ndarray, each shape (n_clusters, k_j)
        Cluster sums of influence functions (see :func:`cluster_sums`); every block is
        multiplied by the same multipliers ``v``.
    n : int
        Number of units (the scale of the influence functions).
    n_draws : int
        Number of draws.
    weight_type : {"mammen", "rademacher", "webb"}
        Multiplier distribution.
    gen : numpy.random.Generator
        Source of the multipliers; drawn in chunks of rows, so the multipliers do not depend on
        how many blocks there are.

    Returns
    -------
    list of ndarray, each shape (n_draws, k_j)
        Draws of each block; zero for columns with a non-finite sum.

    Notes
    -----
    Each block is scaled column by column to single precision (which cannot then overflow) and
    multiplied with the draws' multipliers chunk by chunk, so memory stays bounded. Two-point
    multipliers ``low + (high - low) B`` with ``B`` in {0, 1} give
    ``v'S = low sum(S) + (high - low) B'S``.
    """
    n_clusters = sums[0].shape[0]
    scaled: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for s64 in sums:
        scale = np.max(np.abs(s64), axis=0) if s64.size else np.ones(s64.shape[1])
        finite = np.isfinite(scale)
        scale[~finite | (scale == 0)] = 1.0
        # written in place to avoid n x k temporaries
        s = np.empty(s64.shape, dtype=np.float32)
        np.divide(s64, scale, out=s, casting="same_kind")
        s[:, ~finite] = 0.0
        scaled.append((s, scale, s.sum(axis=0, dtype=np.float64)))
    out = [np.empty((n_draws, s64.shape[1])) for s64 in sums]
    chunk = max(1, _CHUNK_ELEMENTS // max(n_clusters, 1))
    for start in range(0, n_draws, chunk):
        stop = min(n_draws, start + chunk)
        if weight_type == "webb":
            v = draw_multipliers(gen, (stop - start, n_clusters), weight_type)
            for draws, (s, _, _) in zip(out, scaled, strict=True):
                draws[start:stop] = v @ s
        else:
            bits, low, high = _two_point_bits(gen, (stop - start, n_clusters), weight_type)
            for draws, (s, _, col_sums) in zip(out, scaled, strict=True):
                draws[start:stop] = low * col_sums + (high - low) * (bits @ s)
    for draws, (_, scale, _) in zip(out, scaled, strict=True):
        draws *= scale / n
    return out


def summarise_draws(draws: np.ndarray, *, level: float = 0.95,
                    columns: np.ndarray | None = None,
                    band_columns: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Return standard errors and the sup-t critical value from bootstrap draws.

    Parameters
    ----------
    draws : ndarray, shape (n_draws, k)
        Draws ``b`` of ``k`` estimates (centred: ``b = v'S / n``).
    level : float, default 0.95
        Level of the simultaneous band.
    columns : ndarray of bool, optional
        Columns to report (default: all); others get NaN standard errors.
    band_columns : ndarray of bool, optional
        Columns the simultaneous band covers (default: all reported).

    Returns
    -------
    std_errors : ndarray, shape (k,)
        ``(q75 - q25) / (z75 - z25)`` of each column's draws; NaN at or below
        :data:`ZERO_SE` or outside ``columns``.
    critical_value : float
        ``level`` quantile of ``max_j |b_j| / se_j`` over the band's columns (NaN without any).
    """
    nb = draws.shape[0]
    srt = np.sort(draws, axis=0)
    q75 = srt[int(np.ceil(0.75 * nb)) - 1]
    q25 = srt[int(np.ceil(0.25 * nb)) - 1]
    se = (q75 - q25) / _IQR_NORMAL
    good = se > ZERO_SE
    if columns is not None:
        good &= np.asarray(columns, dtype=bool)
    se = np.where(good, se, np.nan)
    in_band = good if band_columns is None else good & np.asarray(band_columns, dtype=bool)
    if in_band.any():
        t_max = np.max(np.abs(draws[:, in_band]) / se[in_band], axis=1)
        t_sorted = np.sort(t_max)
        crit = float(t_sorted[int(np.ceil(level * nb)) - 1])
    else:
        crit = float("nan")
    return se, crit


def bootstrap_influence(
    psi: np.ndarray,
    cluster_codes: np.ndarray | None,
    *,
    n_draws: int = 999,
    weight_type: WeightType = "mammen",
    rng: int | np.random.Generator | None = None,
    level: float = 0.95,
    band_columns: np.ndarray | None = None,
    columns: np.ndarray | None = None,
    extra: np.ndarray | None = None,
) -> BootstrapOutcome:
    """Multiplier bootstrap of estimates with influence functions ``psi``.

    Parameters
    ----------
    psi : ndarray, shape (n, k)
        Influence functions (rows = units).
    cluster_codes : ndarray of int or None
        Cluster of each row; multipliers are drawn per cluster.
    n_draws : int, default 999
        Number of draws.
    weight_type : {"mammen", "rademacher", "webb"}, default "mammen"
        Multiplier distribution.
    rng : int, numpy.random.Generator or None
        Randomness; recorded on the outcome.
    level : float, default 0.95
        Level of the simultaneous band.
    band_columns : ndarray of bool, optional
        Columns the simultaneous band covers (default: all).
    columns : ndarray of bool, optional
        Columns to bootstrap (default: all); others get NaN standard errors, as do columns
        with non-finite influence functions.
    extra : ndarray, shape (n, k_extra), optional
        Further influence functions drawn with the same multipliers and kept as
        ``cohort_draws`` (a group-time result's cohort-share columns).

    Returns
    -------
    BootstrapOutcome
        Standard errors, sup-t critical value, the draws and the record of the draws.

    Raises
    ------
    OptionError
        If ``n_draws`` is below 2 or ``level`` outside (0, 1).

    References
    ----------
    Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
    periods. Journal of Econometrics 225(2), 200-230, Algorithm 1.
    """
    _check_draw_options(n_draws, level, weight_type)
    gen, seed = resolve_rng(rng)
    n = psi.shape[0]
    blocks = [cluster_sums(psi, cluster_codes)]
    if extra is not None:
        blocks.append(cluster_sums(extra, cluster_codes))
    drawn = multiplier_draws(blocks, n, n_draws=n_draws, weight_type=weight_type, gen=gen)
    valid = np.isfinite(np.max(np.abs(blocks[0]), axis=0))
    if columns is not None:
        valid &= np.asarray(columns, dtype=bool)
    se, crit = summarise_draws(drawn[0], level=level, columns=valid, band_columns=band_columns)
    return BootstrapOutcome(std_errors=se, critical_value=crit, level=float(level),
                            n_draws=int(n_draws), weight_type=weight_type, seed=seed,
                            n_clusters=int(blocks[0].shape[0]), draws=_readonly(drawn[0]),
                            cohort_draws=None if extra is None else _readonly(drawn[1]))


def _readonly(arr: np.ndarray) -> np.ndarray:
    arr.setflags(write=False)
    return arr


class _Bootstrappable(Protocol):
    def with_bootstrap(self, n_draws: int = 999, *, weight_type: WeightType = "mammen",
                       rng: int | np.random.Generator | None = None,
                       level: float = 0.95) -> Any: ...


def multiplier_bootstrap(
    result: _Bootstrappable,
    n_draws: int = 999,
    *,
    weight_type: WeightType = "mammen",
    rng: int | np.random.Generator | None = None,
    level: float = 0.95,
) -> Any:
    """Return a copy of a group-time or aggregate result with multiplier-bootstrap inference.

    Parameters
    ----------
    result : GroupTimeResult or AggregateResult
        Result carrying influence functions.
    n_draws : int, default 999
        Bootstrap draws.
    weight_type : {"mammen", "rademacher", "webb"}, default "mammen"
        Multiplier distribution (Mammen is R ``did``'s choice; Webb suits few clusters).
    rng : int, numpy.random.Generator or None
        Randomness; the seed is recorded on the result.
    level : float, default 0.95
        Level of the simultaneous (sup-t) band.

    Returns
    -------
    GroupTimeResult or AggregateResult
        A new result of the same type with bootstrap standard errors and a simultaneous band.

    Examples
    --------
    >>> # gt_b = multiplier_bootstrap(att_gt(df, "y", "id", "t", "g"), 999, rng=1)
    """
    if not hasattr(result, "with_bootstrap"):
        raise OptionTypeError(
            f"result must be a GroupTimeResult or AggregateResult; got {type(result).__name__}")
    return result.with_bootstrap(n_draws, weight_type=weight_type, rng=rng, level=level)
