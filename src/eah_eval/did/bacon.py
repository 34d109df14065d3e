"""Goodman-Bacon decomposition of the static two-way fixed-effects estimate.

With staggered adoption the coefficient on a treatment dummy in a regression with unit and period
effects is a weighted average of every 2x2 difference-in-differences that can be formed from the
timing groups (Goodman-Bacon 2021, Theorem 1). Some of those 2x2s use already-treated units as
the comparison group; when effects change over time they are biased, which is why the two-way
estimate can mislead. :func:`bacon` lists every 2x2 with its weight so a report can show it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from eah_eval.did.results import format_metadata
from eah_eval.did.twfe import prepare_panel
from eah_eval.errors import EstimationError

__all__ = ["COMPARISON_TYPES", "BaconDecomposition", "bacon"]

#: Comparison types, in display order (the labels of R ``bacondecomp``).
COMPARISON_TYPES: tuple[str, ...] = (
    "Treated vs Untreated",
    "Earlier vs Later Treated",
    "Later vs Earlier Treated",
    "Later vs Always Treated",
)


@dataclass(frozen=True, eq=False)
class BaconDecomposition:
    """Every 2x2 comparison behind a static two-way fixed-effects estimate, with its weight.

    Attributes
    ----------
    comparisons : pandas.DataFrame
        One row per 2x2: ``type`` (one of :data:`COMPARISON_TYPES`), ``treated`` (first treated
        period of the group whose switch is used), ``control`` (first treated period of the
        comparison group; ``never_treated_value`` for never-treated units and the first period
        for always-treated units), ``estimate``, ``weight``, ``n_treated_units``,
        ``n_control_units``.
    twfe_estimate : float
        Coefficient on the treatment dummy in the regression with unit and period effects.
    n_units, n_periods : int
        Panel size.
    metadata : mapping
        Column names and conventions used.
    """

    comparisons: pd.DataFrame
    twfe_estimate: float
    n_units: int
    n_periods: int
    metadata: Any = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "comparisons", self.comparisons.copy())
        object.__setattr__(self, "metadata", MappingProxyType(dict(self.metadata)))

    @property
    def weights(self) -> np.ndarray:
        """Weights of the 2x2 comparisons (they sum to one)."""
        return self.comparisons["weight"].to_numpy(dtype=np.float64, copy=True)

    @property
    def estimates(self) -> np.ndarray:
        """The 2x2 difference-in-differences estimates."""
        return self.comparisons["estimate"].to_numpy(dtype=np.float64, copy=True)

    @property
    def weighted_sum(self) -> float:
        """Sum of weight times estimate; equals :attr:`twfe_estimate` (Theorem 1)."""
        return float(np.dot(self.weights, self.estimates))

    def by_type(self) -> pd.DataFrame:
        """Weight and weighted mean estimate per comparison type.

        Returns
        -------
        pandas.DataFrame
            Columns ``type``, ``weight`` (sum of the weights of that type), ``avg_estimate``
            (weight-weighted mean of the type's 2x2 estimates) and ``n_comparisons``; types
            that do not occur are left out.
        """
        rows = []
        for kind in COMPARISON_TYPES:
            part = self.comparisons.loc[self.comparisons["type"] == kind]
            if part.empty:
                continue
            w = part["weight"].to_numpy()
            total = float(w.sum())
            avg = float(np.dot(w, part["estimate"].to_numpy()) / total) if total > 0 else np.nan
            rows.append(
                {"type": kind, "weight": total, "avg_estimate": avg, "n_comparisons": len(part)}
            )
        return pd.DataFrame(rows, columns=["type", "weight", "avg_estimate", "n_comparisons"])

    def to_frame(self) -> pd.DataFrame:
        """Return the 2x2 comparisons as a data frame (a copy)."""
        return self.comparisons.copy()

    def summary(self, digits: int = 4) -> str:
        """Plain-text summary: the two-way estimate, the table by type, and the notes."""
        table = self.by_type().to_string(index=False, float_format=lambda v: f"{v:.{digits}f}")
        lines = [
            "Goodman-Bacon decomposition of the two-way fixed-effects estimate",
            f"TWFE estimate: {self.twfe_estimate:.{digits}f} "
            f"(weighted sum of {len(self.comparisons)} 2x2 comparisons: "
            f"{self.weighted_sum:.{digits}f})",
            table,
            *format_metadata(self.metadata),
        ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (
            f"<BaconDecomposition: TWFE {self.twfe_estimate:.4g}, "
            f"{len(self.comparisons)} comparisons>"
        )

    def _repr_html_(self) -> str:
        table = self.by_type().to_html(index=False, float_format=lambda v: f"{v:.4f}")
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in format_metadata(self.metadata))
        return (
            "<div><strong>Goodman-Bacon decomposition</strong>"
            f"<p>TWFE estimate {self.twfe_estimate:.4f}</p>{table}<ul>{notes}</ul></div>"
        )

    def plot(self, ax: Any = None) -> Any:
        """Scatter of 2x2 estimates against their weights, one marker shape per type.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on; a new figure is made when omitted.

        Returns
        -------
        matplotlib.axes.Axes
            The axes, with a dashed line at the two-way estimate.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4.5))
        styles = {
            "Treated vs Untreated": ("#12436D", "o"),
            "Earlier vs Later Treated": ("#28A197", "s"),
            "Later vs Earlier Treated": ("#801650", "^"),
            "Later vs Always Treated": ("#F46A25", "D"),
        }
        for kind, (colour, marker) in styles.items():
            part = self.comparisons.loc[self.comparisons["type"] == kind]
            if not part.empty:
                ax.scatter(part["weight"], part["estimate"], c=colour, marker=marker, label=kind)
        ax.axhline(self.twfe_estimate, color="#3D3D3D", linestyle="--", label="TWFE estimate")
        ax.set_xlabel("Weight of the 2x2 comparison")
        ax.set_ylabel("2x2 difference-in-differences estimate")
        ax.legend(frameon=False)
        return ax


def _mean_cols(row: np.ndarray, lo: int, hi: int) -> float:
    return float(row[lo:hi].mean())


def bacon(
    data: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    *,
    never_treated_value: float = 0,
) -> BaconDecomposition:
    """Decompose the static two-way fixed-effects estimate into its 2x2 comparisons.

    Parameters
    ----------
    data : pandas.DataFrame
        Balanced long panel, one row per unit and period.
    outcome, unit, time : str
        Outcome, unit id and period columns (``time`` numeric).
    cohort : str
        First treated period of each unit (constant within unit); treatment is
        ``D_it = 1{t >= cohort_i}`` and never switches off.
    never_treated_value : float, default 0
        Cohort code of never-treated units. Units first treated after the last period are
        untreated within the panel and join the never-treated group; units treated from the
        first period form the always-treated group.

    Returns
    -------
    BaconDecomposition
        Each 2x2 estimate and weight, the two-way estimate, and a summary by type.

    Raises
    ------
    EstimationError
        If the panel is unbalanced, or treatment timing gives the dummy no variation after
        removing unit and period effects.

    Notes
    -----
    With timing groups ``k`` (shares ``n_k`` of units, treated for a share ``D_k`` of the
    ``T`` periods) and ``V`` the variance of the treatment dummy after two-way demeaning,
    Goodman-Bacon (2021, Theorem 1) gives weights

    * treated ``k`` vs a group ``c`` whose dummy never changes (never or always treated):
      ``(n_k + n_c)^2 p(1-p) D_k(1-D_k) / V`` with ``p = n_k / (n_k + n_c)``;
    * earlier ``k`` vs later ``l`` (window before ``l`` starts):
      ``((n_k + n_l)(1-D_l))^2 p(1-p) (D_k-D_l)/(1-D_l) (1-D_k)/(1-D_l) / V``;
    * later ``l`` vs earlier ``k`` (window from ``k``'s start, ``k`` as control):
      ``((n_k + n_l) D_k)^2 p(1-p) (D_l/D_k) (D_k-D_l)/D_k / V``,

    with ``p = n_k / (n_k + n_l)`` in the last two. Each 2x2 estimate is the difference of the
    groups' changes in mean outcome between the window's untreated and treated parts. The
    weights sum to one and ``sum(weight * estimate)`` equals the two-way coefficient exactly.
    The decomposition is unweighted and without covariates (the controlled version of the
    paper is not implemented).

    References
    ----------
    Goodman-Bacon, A. (2021). Difference-in-differences with variation in treatment timing.
    Journal of Econometrics 225(2), 254-277.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = [(u, t, {1: 0, 2: 5, 3: 8}[u]) for u in (1, 2, 3) for t in range(1, 11)]
    >>> df = pd.DataFrame(rows, columns=["unit", "t", "g"])
    >>> df["y"] = ((df["g"] > 0) & (df["t"] >= df["g"])) * df["unit"].map({1: 0, 2: 2, 3: 4})
    >>> res = bacon(df, outcome="y", unit="unit", time="t", cohort="g")
    >>> round(res.twfe_estimate, 6), round(res.weighted_sum, 6)
    (2.909091, 2.909091)
    """
    panel = prepare_panel(
        data,
        outcome=outcome,
        unit=unit,
        time=time,
        cohort=cohort,
        never_treated_value=never_treated_value,
    )
    n, t_n = panel.n_units, panel.n_periods
    if not panel.is_balanced:
        raise EstimationError(
            f"the Goodman-Bacon decomposition needs a balanced panel: {n} units x {t_n} "
            f"periods = {n * t_n} rows expected, {panel.n_obs} found"
        )
    y = np.empty((n, t_n))
    y[panel.unit_codes, panel.time_codes] = panel.y
    # index of each unit's first treated period within the panel (t_n = never within it)
    start = np.searchsorted(panel.times, panel.unit_cohort, side="left")
    d = (np.arange(t_n)[None, :] >= start[:, None]).astype(np.float64)
    d_tilde = d - d.mean(axis=1, keepdims=True) - d.mean(axis=0, keepdims=True) + d.mean()
    ss = float(np.sum(d_tilde**2))
    if ss <= 1e-12 * n * t_n:
        raise EstimationError(
            "the treatment dummy has no variation after removing unit and period effects "
            "(no unit switches treatment within the panel); nothing to decompose"
        )
    twfe_estimate = float(np.sum(d_tilde * y) / ss)
    v_d = ss / (n * t_n)

    groups, counts = np.unique(start, return_counts=True)
    share = dict(zip(groups.tolist(), (counts / n).tolist(), strict=True))
    means = {int(g): y[start == g].mean(axis=0) for g in groups}
    timing = [int(g) for g in groups if 0 < g < t_n]
    constant = [int(g) for g in groups if g in (0, t_n)]
    frac = {g: (t_n - g) / t_n for g in share}  # share of periods treated

    def label(g: int) -> float:
        return float(never_treated_value) if g == t_n else float(panel.times[g])

    rows: list[dict[str, Any]] = []
    for k in timing:
        yk = means[k]
        for c in constant:
            yc = means[c]
            p = share[k] / (share[k] + share[c])
            est = (_mean_cols(yk, k, t_n) - _mean_cols(yk, 0, k)) - (
                _mean_cols(yc, k, t_n) - _mean_cols(yc, 0, k)
            )
            w = (share[k] + share[c]) ** 2 * p * (1 - p) * frac[k] * (1 - frac[k]) / v_d
            kind = "Treated vs Untreated" if c == t_n else "Later vs Always Treated"
            rows.append(_row(kind, label(k), label(c), est, w, share, k, c, n))
    for i, k in enumerate(timing):
        for l_ in timing[i + 1 :]:
            yk, yl = means[k], means[l_]
            dk, dl = frac[k], frac[l_]
            p = share[k] / (share[k] + share[l_])
            est = (_mean_cols(yk, k, l_) - _mean_cols(yk, 0, k)) - (
                _mean_cols(yl, k, l_) - _mean_cols(yl, 0, k)
            )
            w = (
                ((share[k] + share[l_]) * (1 - dl)) ** 2
                * p * (1 - p) * (dk - dl) / (1 - dl) * (1 - dk) / (1 - dl) / v_d
            )
            rows.append(_row("Earlier vs Later Treated", label(k), label(l_), est, w, share, k,
                             l_, n))
            est = (_mean_cols(yl, l_, t_n) - _mean_cols(yl, k, l_)) - (
                _mean_cols(yk, l_, t_n) - _mean_cols(yk, k, l_)
            )
            w = ((share[k] + share[l_]) * dk) ** 2 * p * (1 - p) * (dl / dk) * (dk - dl) / dk / v_d
            rows.append(_row("Later vs Earlier Treated", label(l_), label(k), est, w, share, l_,
                             k, n))
    comparisons = pd.DataFrame(
        rows,
        columns=["type", "treated", "control", "estimate", "weight", "n_treated_units",
                 "n_control_units"],
    )
    order = {kind: i for i, kind in enumerate(COMPARISON_TYPES)}
    comparisons = comparisons.sort_values(
        ["type", "treated", "control"], key=lambda s: s.map(order) if s.name == "type" else s,
        kind="stable",
    ).reset_index(drop=True)
    metadata = {
        "outcome": outcome,
        "unit": unit,
        "time": time,
        "cohort": cohort,
        "never_treated_value": never_treated_value,
        "control label": f"never treated = {never_treated_value}; always treated = first period",
    }
    return BaconDecomposition(
        comparisons=comparisons,
        twfe_estimate=twfe_estimate,
        n_units=n,
        n_periods=t_n,
        metadata=metadata,
    )


def _row(
    kind: str,
    treated: float,
    control: float,
    estimate: float,
    weight: float,
    share: dict[int, float],
    g_treated: int,
    g_control: int,
    n: int,
) -> dict[str, Any]:
    return {
        "type": kind,
        "treated": treated,
        "control": control,
        "estimate": float(estimate),
        "weight": float(weight),
        "n_treated_units": round(share[g_treated] * n),
        "n_control_units": round(share[g_control] * n),
    }
