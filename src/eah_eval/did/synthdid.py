"""Synthetic difference-in-differences and synthetic control: one treated block against many.

One area (or a block of areas adopting at the same time) is compared with areas never
treated. Three estimators share one weighted double difference and one placebo (in-space)
standard error (Arkhangelsky, Athey, Hirshberg, Imbens and Wager 2021):

* ``sdid``: unit weights with an intercept and a ridge penalty, time weights with an intercept;
* ``sc``: unit weights without an intercept (a tiny penalty), no time weights (synthetic
  control, Abadie, Diamond and Hainmueller 2010);
* ``did``: equal unit and time weights (the two-by-two difference-in-differences).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from eah_eval.did.bootstrap import resolve_rng
from eah_eval.did.results import EffectTable
from eah_eval.did.simplex import simplex_weights, sparsify
from eah_eval.errors import EstimationError, OptionError, OptionTypeError, check_option

__all__ = ["SYNTH_METHODS", "SynthDidResult", "SynthMethod", "synthdid"]

SynthMethod = Literal["sdid", "sc", "did"]
#: the estimators of :func:`synthdid`, in the vocabulary of code, tables and the CLI
SYNTH_METHODS: tuple[str, ...] = ("sdid", "sc", "did")

_METHOD_WORDS = {
    "sdid": "synthetic difference-in-differences",
    "sc": "synthetic control",
    "did": "difference-in-differences",
}
# Frank-Wolfe budget as in synthdid: a short solve, thinning, then a long solve.
_ITER_BEFORE_SPARSIFY = 100
_MAX_ITER = 10_000

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class _Design:
    """Penalties and stopping rule fixed on the real data and reused by every placebo."""

    method: str
    zeta_omega: float
    zeta_lambda: float
    min_decrease: float


@dataclass(frozen=True)
class _Fit:
    omega: FloatArray
    lam: FloatArray
    curve: FloatArray  # one gap per period, relative to the time-weighted pre-period gap


@dataclass(frozen=True, eq=False)
class SynthDidResult:
    """A synthetic difference-in-differences, synthetic control or DiD estimate.

    Attributes
    ----------
    method : str
        ``"sdid"``, ``"sc"`` or ``"did"``.
    estimate : float
        Average effect on the treated areas over the treated periods.
    se : float
        Placebo standard error (NaN when ``placebo=0``).
    level : float
        Confidence level of ``ci_low`` and ``ci_high``.
    unit_weights : pandas.Series
        Weight of each control area (index: area), summing to one.
    time_weights : pandas.Series
        Weight of each pre-period (index: period), summing to one (all zero for ``sc``,
        which compares post-period levels).
    treated_units : tuple
        The treated areas (their mean is the treated series).
    first_treated : object
        The first treated period.
    event_effects : pandas.DataFrame
        One row per period: ``time``, ``event_time`` (0 = first treated period), ``post``,
        ``effect`` (treated minus weighted controls, less the time-weighted pre-period gap),
        ``std_error`` (placebo), ``ci_low``, ``ci_high`` (pointwise). Pre-period rows
        are placebo effects (how far the fit strays before treatment).
    fit : pandas.DataFrame
        One row per period: ``time``, ``treated`` (mean of the treated areas), ``synthetic``
        (weighted controls plus, for ``sdid`` and ``did``, the mean pre-period gap) and
        ``gap``.
    pre_fit_rmse : float
        Root mean square of ``gap`` over the pre-periods.
    noise_level : float
        Standard deviation of the first differences of the controls' pre-period outcomes.
    zeta_omega, zeta_lambda : float
        Ridge penalties of the unit and time weights.
    n_placebo : int
        Placebo replications drawn.
    seed : int or str
        Recorded randomness (the seed, or ``"generator"`` when a generator was passed).
    placebo_estimates : numpy.ndarray
        The placebo estimates (their standard deviation is ``se``).
    outcome, unit, time : str
        Column names of the panel.
    """

    method: str
    estimate: float
    se: float
    level: float
    unit_weights: pd.Series
    time_weights: pd.Series
    treated_units: tuple[Any, ...]
    first_treated: Any
    event_effects: pd.DataFrame
    fit: pd.DataFrame
    pre_fit_rmse: float
    noise_level: float
    zeta_omega: float
    zeta_lambda: float
    n_placebo: int
    seed: Any
    placebo_estimates: FloatArray = field(repr=False)
    outcome: str = ""
    unit: str = ""
    time: str = ""

    @property
    def ci_low(self) -> float:
        """Lower end of the normal interval at ``level``."""
        return self.conf_int(self.level)[0]

    @property
    def ci_high(self) -> float:
        """Upper end of the normal interval at ``level``."""
        return self.conf_int(self.level)[1]

    def conf_int(self, level: float = 0.95) -> tuple[float, float]:
        """Return the normal interval ``estimate +/- z se`` at ``level`` (NaN without draws)."""
        _check_level(level)
        z = float(stats.norm.ppf(0.5 + level / 2))
        return self.estimate - z * self.se, self.estimate + z * self.se

    @property
    def event_table(self) -> EffectTable:
        """The event-time effects in the package's common table model (placebo SEs)."""
        events = self.event_effects
        return EffectTable(
            pd.Index(events["event_time"].to_numpy(), name="event_time"),
            events["effect"].to_numpy(), events["std_error"].to_numpy(),
            title=f"Event-time effects, {self.method_description}",
            metadata={"method": self.method, "std_error": "placebo (in-space)",
                      "placebo_draws": self.n_placebo, "placebo_seed": self.seed},
            extra={"time": events["time"].to_numpy(), "post": events["post"].to_numpy()},
        )

    @property
    def method_description(self) -> str:
        """The method in words."""
        return _METHOD_WORDS[self.method]

    def to_frame(self) -> pd.DataFrame:
        """One row: method, estimate, standard error, pointwise interval, counts."""
        return pd.DataFrame([{
            "method": self.method,
            "estimate": self.estimate,
            "std_error": self.se,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "level": self.level,
            "n_treated_units": len(self.treated_units),
            "n_control_units": len(self.unit_weights),
            "n_pre_periods": len(self.time_weights),
            "n_post_periods": int(self.event_effects["post"].sum()),
            "pre_fit_rmse": self.pre_fit_rmse,
            "n_placebo": self.n_placebo,
            "placebo_seed": self.seed,
        }])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: estimate, interval, weights, event-time effects and fit."""

        def num(x: float) -> float | None:
            return None if not np.isfinite(x) else float(x)

        def key(x: Any) -> Any:
            x = x.item() if isinstance(x, np.generic) else x
            return x if isinstance(x, str | int | float | bool) else str(x)

        return {
            "method": self.method,
            "method_description": self.method_description,
            "estimate": num(self.estimate),
            "se": num(self.se),
            "ci_low": num(self.ci_low),
            "ci_high": num(self.ci_high),
            "level": self.level,
            "treated_units": [str(key(u)) for u in self.treated_units],
            "first_treated": key(self.first_treated),
            "unit_weights": {str(key(k)): float(v) for k, v in self.unit_weights.items()},
            "time_weights": {str(key(k)): float(v) for k, v in self.time_weights.items()},
            "event_effects": [
                {"time": key(t), "event_time": int(e), "effect": num(float(x)),
                 "std_error": num(float(s))}
                for t, e, x, s in zip(self.event_effects["time"],
                                      self.event_effects["event_time"],
                                      self.event_effects["effect"],
                                      self.event_effects["std_error"], strict=True)
            ],
            "pre_fit_rmse": num(self.pre_fit_rmse),
            "noise_level": num(self.noise_level),
            "zeta_omega": num(self.zeta_omega),
            "zeta_lambda": num(self.zeta_lambda),
            "n_placebo": self.n_placebo,
            "placebo_seed": self.seed,
        }

    def summary(self) -> str:
        """Return a plain-text summary: estimate, interval, largest weights, pre-period fit."""
        lo, hi = self.ci_low, self.ci_high
        top = self.unit_weights[self.unit_weights > 0].sort_values(ascending=False).head(5)
        lines = [
            f"{self.method_description} ({self.method}) of {self.outcome or 'the outcome'}",
            f"treated: {', '.join(map(str, self.treated_units))} from {self.first_treated}; "
            f"{len(self.unit_weights)} control areas, {len(self.time_weights)} pre-periods",
            (f"estimate {self.estimate:.4g}, placebo standard error {self.se:.4g}, "
             f"{self.level:.0%} interval {lo:.4g} to {hi:.4g} "
             f"({self.n_placebo} placebo draws, seed {self.seed})") if self.n_placebo else
            f"estimate {self.estimate:.4g} (no placebo draws: no standard error or interval)",
            f"pre-period fit: root mean square gap {self.pre_fit_rmse:.4g}",
            "largest unit weights: "
            + ", ".join(f"{k} {v:.3f}" for k, v in top.items()),
        ]
        if self.method == "sdid":
            tw = self.time_weights[self.time_weights > 0].sort_values(ascending=False).head(5)
            lines.append("largest time weights: "
                         + ", ".join(f"{k} {v:.3f}" for k, v in tw.items()))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def synthdid(
    data: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated: str,
    *,
    method: SynthMethod = "sdid",
    placebo: int = 200,
    rng: int | np.random.Generator | None = None,
    level: float = 0.95,
) -> SynthDidResult:
    """Compare one treated area (or a block adopting together) with many by weighted DiD.

    Parameters
    ----------
    data : pandas.DataFrame
        Balanced long panel: one row per area and period.
    outcome : str
        Outcome column (numeric, no missing values).
    unit : str
        Area column.
    time : str
        Period column (sortable).
    treated : str
        0/1 column: 1 for a treated area in a treated period. Treated areas must start at the
        same period and stay treated; the others are never treated.
    method : {"sdid", "sc", "did"}
        Synthetic difference-in-differences (default), synthetic control or plain DiD.
    placebo : int
        Placebo replications for the standard error (0 for none; at least 2 otherwise).
    rng : int, numpy.random.Generator or None
        Randomness of the placebo draws; the seed is recorded on the result.
    level : float
        Confidence level of the interval.

    Returns
    -------
    SynthDidResult

    Raises
    ------
    OptionError
        A column is missing, ``method`` is unknown, or ``placebo`` or ``level`` is out of range.
    EstimationError
        The panel is unbalanced, has missing outcomes, a non-0/1 treatment, treated areas
        starting at different periods, a treatment that switches off, no pre-period or no
        control, or too few controls for the placebo draws.

    Notes
    -----
    With ``Y`` the ``N x T`` outcome matrix (controls first, ``N0`` of them; ``T0``
    pre-periods), unit weights ``omega`` and time weights ``lambda`` the estimate is

    ``tau = [mean_post(Y_tr) - omega' mean_post(Y_co)]
    - [lambda' Y_tr,pre - omega' Y_co,pre lambda]``.

    ``sdid``: ``omega`` minimises ``zeta^2 ||omega||^2 + ||omega_0 + Y_co,pre' omega -
    Y_tr,pre||^2 / T0`` over the simplex with a free intercept ``omega_0``, ``zeta = (N1
    T1)^(1/4) sigma`` and ``sigma`` the standard deviation of the controls' first differences
    before treatment; ``lambda`` solves the same problem across periods (controls' pre-period
    outcomes against their post-period mean, with an intercept) with ``zeta = 1e-6 sigma``.
    ``sc``: ``omega`` without intercept, ``zeta = 1e-6 sigma``, ``lambda = 0``. ``did``: equal
    weights. Weights are found by Frank-Wolfe (:func:`~eah_eval.did.simplex.simplex_weights`),
    100 steps, thinning (weights at most a quarter of the largest set to zero), then up to
    10,000 steps, stopping when the objective falls by less than ``(1e-5 sigma)^2``.

    The placebo standard error (Algorithm 4 of the paper) reassigns treatment at random to
    ``N1`` of the controls, re-estimates with the same penalties on the remaining controls
    (starting from the fitted weights), and takes the standard deviation of the placebo
    estimates (divisor the number of draws). Event-time standard errors are the same
    standard deviation period by period. The interval is normal: ``tau +/- z se``.

    References
    ----------
    Arkhangelsky, D., Athey, S., Hirshberg, D. A., Imbens, G. W. and Wager, S. (2021).
    Synthetic difference-in-differences. American Economic Review 111(12), 4088-4118.

    Abadie, A., Diamond, A. and Hainmueller, J. (2010). Synthetic control methods for
    comparative case studies. JASA 105(490), 493-505.

    Examples
    --------
    Eight areas over nine years; area A0 starts in 2020 and loses 2 points:

    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> panel = pd.DataFrame([
    ...     {"area": f"A{i}", "year": y, "live": int(i == 0 and y >= 2020),
    ...      "rate": 10 + i + 0.5 * (y - 2015) - 2.0 * (i == 0 and y >= 2020)
    ...      + rng.normal(0, 0.1)}
    ...     for i in range(8) for y in range(2015, 2024)])
    >>> res = synthdid(panel, "rate", "area", "year", "live", method="did", placebo=20, rng=1)
    >>> round(res.estimate, 1), res.first_treated, len(res.unit_weights), res.seed
    (-2.0, 2020, 7, 1)
    """
    check_option("method", method, SYNTH_METHODS)
    if isinstance(placebo, bool) or not isinstance(placebo, int | np.integer):
        raise OptionTypeError(f"placebo must be an int; got {type(placebo).__name__} {placebo!r}")
    if placebo < 0 or placebo == 1:
        raise OptionError(f"placebo must be 0 (no standard error) or at least 2; got {placebo}")
    placebo = int(placebo)
    _check_level(level)
    y, units, times, n0, t0 = _matrix(data, outcome, unit, time, treated)
    n1 = len(units) - n0
    if placebo and n0 <= n1:
        raise EstimationError(
            f"placebo standard errors need more control areas than treated; found {n0} "
            f"control and {n1} treated")
    gen, seed = resolve_rng(rng)
    pre_diffs = np.diff(y[:n0, :t0], axis=1).ravel()
    sigma = float(np.std(pre_diffs, ddof=1)) if pre_diffs.size > 1 else 0.0
    t1 = len(times) - t0
    design = _Design(
        method=method,
        zeta_omega=((n1 * t1) ** 0.25 if method == "sdid" else 1e-6) * sigma,
        zeta_lambda=1e-6 * sigma,
        min_decrease=1e-5 * sigma,
    )
    one = _fit(y[None, :n0], y[None, n0:].mean(axis=1), t0, design, None, None)
    fit = _Fit(omega=one.omega[0], lam=one.lam[0], curve=one.curve[0])
    draws = np.empty(0)
    curves = np.empty((0, len(times)))
    if placebo:
        # each draw: N1 controls at random play the treated, the other N0 - N1 the controls
        orders = np.stack([gen.permutation(n0) for _ in range(placebo)])
        keep = orders[:, : n0 - n1]
        start = fit.omega[keep]
        totals = start.sum(axis=1, keepdims=True)
        start = np.where(totals > 0, start / np.where(totals > 0, totals, 1.0),
                         1.0 / (n0 - n1))
        sub = _fit(y[keep], y[orders[:, n0 - n1:]].mean(axis=1), t0, design, start,
                   np.tile(fit.lam, (placebo, 1)))
        curves = sub.curve
        draws = curves[:, t0:].mean(axis=1)
    draws.setflags(write=False)
    se = float(np.std(draws)) if placebo else float("nan")
    curve_se = curves.std(axis=0) if placebo else np.full(len(times), np.nan)
    z = float(stats.norm.ppf(0.5 + level / 2))
    events = pd.DataFrame({
        "time": times,
        "event_time": np.arange(len(times)) - t0,
        "post": np.arange(len(times)) >= t0,
        "effect": fit.curve,
        "std_error": curve_se,
    })
    events["ci_low"] = events["effect"] - z * events["std_error"]
    events["ci_high"] = events["effect"] + z * events["std_error"]
    treated_mean = y[n0:].mean(axis=0)
    synthetic = fit.omega @ y[:n0]
    if method != "sc":
        synthetic = synthetic + (treated_mean[:t0] - synthetic[:t0]).mean()
    fit_frame = pd.DataFrame({"time": times, "treated": treated_mean, "synthetic": synthetic,
                              "gap": treated_mean - synthetic})
    return SynthDidResult(
        method=method,
        estimate=float(fit.curve[t0:].mean()),
        se=se,
        level=level,
        unit_weights=pd.Series(fit.omega, index=pd.Index(units[:n0], name=unit), name="weight"),
        time_weights=pd.Series(fit.lam, index=pd.Index(times[:t0], name=time), name="weight"),
        treated_units=tuple(units[n0:]),
        first_treated=times[t0],
        event_effects=events,
        fit=fit_frame,
        pre_fit_rmse=float(np.sqrt(np.mean(fit_frame["gap"].to_numpy()[:t0] ** 2))),
        noise_level=sigma,
        zeta_omega=design.zeta_omega,
        zeta_lambda=design.zeta_lambda,
        n_placebo=placebo,
        seed=seed,
        placebo_estimates=draws,
        outcome=outcome,
        unit=unit,
        time=time,
    )


def _py(value: Any) -> Any:
    """Return a numpy scalar as the Python value it holds (for messages and labels)."""
    return value.item() if isinstance(value, np.generic) else value


def _check_level(level: float) -> None:
    if isinstance(level, bool) or not isinstance(level, float | int) or not 0 < level < 1:
        raise OptionError(f"level must be a number strictly between 0 and 1; got {level!r}")


def _weights(design: FloatArray, target: FloatArray, zeta: float, intercept: bool,
             start: FloatArray | None, min_decrease: float) -> FloatArray:
    first = simplex_weights(design, target, zeta=zeta, intercept=intercept, start=start,
                            min_decrease=min_decrease, max_iter=_ITER_BEFORE_SPARSIFY)
    return simplex_weights(design, target, zeta=zeta, intercept=intercept,
                           start=sparsify(first.weights), min_decrease=min_decrease,
                           max_iter=_MAX_ITER).weights


def _fit(controls: FloatArray, treated_mean: FloatArray, t0: int, design: _Design,
         omega_start: FloatArray | None, lam_start: FloatArray | None) -> _Fit:
    """Weights and per-period gaps for a batch of panels solved together.

    ``controls`` has shape ``(B, N0, T)`` and ``treated_mean`` ``(B, T)``: the real panel is a
    batch of one, the placebo replications a batch of many.
    """
    n_batch, n0, _ = controls.shape
    if design.method == "did":
        omega, lam = np.full((n_batch, n0), 1.0 / n0), np.full((n_batch, t0), 1.0 / t0)
    elif design.method == "sc":
        lam = np.zeros((n_batch, t0))
        omega = _weights(controls[:, :, :t0].transpose(0, 2, 1), treated_mean[:, :t0],
                         design.zeta_omega, False, omega_start, design.min_decrease)
    else:
        lam = _weights(controls[:, :, :t0], controls[:, :, t0:].mean(axis=2),
                       design.zeta_lambda, True, lam_start, design.min_decrease)
        omega = _weights(controls[:, :, :t0].transpose(0, 2, 1), treated_mean[:, :t0],
                         design.zeta_omega, True, omega_start, design.min_decrease)
    gap = treated_mean - np.matmul(omega[:, None, :], controls)[:, 0, :]
    baseline = (gap[:, :t0] * lam).sum(axis=1)
    return _Fit(omega=omega, lam=lam, curve=gap - baseline[:, None])


def _matrix(data: pd.DataFrame, outcome: str, unit: str, time: str, treated: str
            ) -> tuple[FloatArray, list[Any], list[Any], int, int]:
    """Check the panel and return ``Y`` (controls first), areas, periods, ``N0`` and ``T0``."""
    if not isinstance(data, pd.DataFrame):
        raise OptionTypeError(f"data must be a pandas DataFrame; got {type(data).__name__}")
    for role, col in (("outcome", outcome), ("unit", unit), ("time", time),
                      ("treated", treated)):
        if col not in data.columns:
            raise OptionError(f"{role} column {col!r} not in data; columns are "
                              f"{', '.join(map(str, data.columns))}")
    if len({outcome, unit, time, treated}) < 4:
        raise OptionError(f"outcome, unit, time and treated must be four different columns; "
                          f"got {outcome!r}, {unit!r}, {time!r}, {treated!r}")
    frame = data[[unit, time, outcome, treated]]
    for col in (unit, time):
        if frame[col].isna().any():
            row = int(np.flatnonzero(frame[col].isna().to_numpy())[0])
            raise EstimationError(f"column {col!r} is missing at row {row + 1}")
    y_col = pd.to_numeric(frame[outcome], errors="coerce")
    if y_col.isna().any() or not np.isfinite(y_col.to_numpy(dtype=float)).all():
        row = int(np.flatnonzero(~np.isfinite(y_col.to_numpy(dtype=float)))[0])
        raise EstimationError(
            f"outcome {outcome!r} must be a finite number in every row; row {row + 1} "
            f"(area {_py(frame[unit].iloc[row])!r}, period {_py(frame[time].iloc[row])!r}) "
            f"has {_py(frame[outcome].iloc[row])!r}")
    d_col = pd.to_numeric(frame[treated], errors="coerce")
    bad = ~d_col.isin([0, 1])
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise EstimationError(f"treated column {treated!r} must be 0 or 1; row {row + 1} has "
                              f"{_py(frame[treated].iloc[row])!r}")
    dup = frame.duplicated([unit, time])
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        raise EstimationError(f"area {_py(frame[unit].iloc[row])!r} appears twice in period "
                              f"{_py(frame[time].iloc[row])!r} (row {row + 1})")
    wide = pd.DataFrame({"area": frame[unit].to_numpy(), "period": frame[time].to_numpy(),
                         "y": y_col.to_numpy(), "d": d_col.to_numpy().astype(int)})
    y_wide = wide.pivot(index="area", columns="period", values="y").sort_index().sort_index(
        axis=1)
    d_wide = wide.pivot(index="area", columns="period", values="d").reindex_like(y_wide)
    holes = y_wide.isna().to_numpy()
    if holes.any():
        i, j = (int(k[0]) for k in np.nonzero(holes))
        raise EstimationError(
            f"the panel is unbalanced: area {_py(y_wide.index[i])!r} has no row for period "
            f"{_py(y_wide.columns[j])!r} ({int(holes.sum())} area-period rows missing in all)")
    d = d_wide.to_numpy(dtype=int)
    units = [_py(u) for u in y_wide.index]
    times = [_py(t) for t in y_wide.columns]
    ever = d.any(axis=1)
    if not ever.any():
        raise EstimationError(f"no area is treated (column {treated!r} is 0 everywhere)")
    if ever.all():
        raise EstimationError("every area is treated at some period; synthdid needs areas "
                              "never treated as controls")
    starts = {}
    for area in np.flatnonzero(ever).tolist():
        first = int(np.argmax(d[area]))
        if not d[area, first:].all():
            off = first + int(np.argmin(d[area, first:]))
            raise EstimationError(f"treatment of area {units[area]!r} switches off in period "
                                  f"{times[off]!r}; it must stay on once started")
        starts[units[area]] = first
    if len(set(starts.values())) > 1:
        listed = ", ".join(f"{k!r} from {times[v]!r}" for k, v in starts.items())
        raise EstimationError(f"treated areas start at different periods ({listed}); "
                              "synthdid needs one start (a block adopting together)")
    t0 = next(iter(starts.values()))
    if t0 < 1:
        raise EstimationError(f"treatment starts in the first period {times[0]!r}; at least "
                              "one pre-treatment period is needed")
    order = np.concatenate([np.flatnonzero(~ever), np.flatnonzero(ever)])
    y = y_wide.to_numpy(dtype=float)[order]
    return y, [units[i] for i in order], times, int((~ever).sum()), t0
