"""True programme effects of the synthetic council: what each measure's effect is and how it grows.

An effect is given per measure as an :class:`EffectSpec`: a full size, whether that size is an
absolute shift on the measure's scale or a proportional change of each treated school-period's
expected value, how many terms it takes to build up to full size, and a multiplier per rollout
wave. The generator turns the spec into a multiplier on each treated pupil's probability (or
rate), cell by cell, so that each treated school-period's expected measure moves by exactly the
stated amount; ``truth.json`` then reports the realised expected shifts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from types import MappingProxyType
from typing import Any, Literal

from eah_eval.errors import OptionError, OptionTypeError, check_option

EffectScale = Literal["absolute", "relative"]
EFFECT_SCALES: tuple[str, ...] = ("absolute", "relative")


@dataclass(frozen=True)
class MeasureInfo:
    """What a generated effect means: the measure, its unit and the cell it is defined on."""

    title: str
    unit: str
    grain: Literal["term", "academic_year"]
    definition: str
    settable: bool = True


#: Measures whose effect the generator can set (``settable``) or reports as a consequence.
MEASURES: Mapping[str, MeasureInfo] = {
    "absence_overall_pct": MeasureInfo(
        title="Overall absence rate",
        unit="percentage points",
        grain="term",
        definition=(
            "school-term rate: absence sessions / possible sessions x 100, over enrolments aged "
            "5 to 15 with possible sessions > 0"
        ),
    ),
    "absence_persistent_pct": MeasureInfo(
        title="Persistent absence",
        unit="percentage points",
        grain="term",
        definition=(
            "school-term share of enrolments aged 5 to 15 with possible sessions > 0 that miss "
            ">= 10% of their own possible sessions, x 100; follows from the absence effect"
        ),
        settable=False,
    ),
    "absence_severe_pct": MeasureInfo(
        title="Severe absence",
        unit="percentage points",
        grain="term",
        definition=(
            "as persistent absence with a 50% threshold; follows from the absence effect"
        ),
        settable=False,
    ),
    "suspension_rate": MeasureInfo(
        title="Suspension rate",
        unit="suspensions per 100 pupils per term",
        grain="term",
        definition=(
            "school-term rate: suspensions starting in the term / pupils on roll in the "
            "academic year (January headcount) x 100"
        ),
    ),
    "ehc_requests_per_1000": MeasureInfo(
        title="EHC needs assessment requests per 1,000 pupils",
        unit="requests per 1,000 pupils per year",
        grain="academic_year",
        definition=(
            "school-year rate: requests received in the academic year / pupils on roll "
            "(January headcount) x 1000; the effect acts term by term (an absolute size is "
            "spread as a third per term)"
        ),
    ),
    "sen_support_pct": MeasureInfo(
        title="SEN support (identification effect)",
        unit="percentage points",
        grain="academic_year",
        definition=(
            "school-year rate from the January census: pupils with provision K / headcount "
            "x 100; a positive effect is earlier identification, recorded status only"
        ),
    ),
    "ks2_rwm_expected_pct": MeasureInfo(
        title="KS2 reading, writing and maths at the expected standard",
        unit="percentage points",
        grain="academic_year",
        definition=(
            "school-year rate: year 6 pupils meeting the expected standard in all three / "
            "year 6 pupils with a KS2 record x 100 (summer term)"
        ),
    ),
}

SETTABLE: tuple[str, ...] = tuple(k for k, v in MEASURES.items() if v.settable)


@dataclass(frozen=True)
class EffectSpec:
    """The true effect of Experts at Hand on one measure.

    Parameters
    ----------
    size : float
        Full effect. With ``scale="absolute"`` it is the shift of every treated school-period's
        expected value on the measure's scale (for example ``-0.5`` percentage points of
        absence). With ``scale="relative"`` it is a proportional change of that expected value
        (``-0.15`` = 15% fewer).
    scale : {"absolute", "relative"}
        How ``size`` is read.
    ramp_terms : int
        Build-up: the effect in the ``e``-th term since go-live (``e = 0`` is the first treated
        term) is ``size * min(1, (e + 1) / ramp_terms)``; ``1`` means full size at once.
    by_wave : tuple of float
        Multiplier per rollout wave (wave 1 first); waves beyond the tuple use its last value.

    Notes
    -----
    Effect in term ``e`` for a school of wave ``w``:
    ``size * min(1, (e + 1) / ramp_terms) * by_wave[w - 1]``, and zero before go-live and in
    special schools (Experts at Hand serves mainstream schools).
    """

    size: float
    scale: EffectScale = "absolute"
    ramp_terms: int = 3
    by_wave: tuple[float, ...] = (1.0,)

    def __post_init__(self) -> None:
        check_option("scale", self.scale, EFFECT_SCALES)
        if not isinstance(self.ramp_terms, int) or self.ramp_terms < 1:
            raise OptionError(f"ramp_terms must be an integer >= 1; got {self.ramp_terms!r}")
        if len(self.by_wave) == 0:
            raise OptionError("by_wave must hold at least one multiplier; got an empty tuple")
        if self.scale == "relative" and self.size * max(self.by_wave) <= -1.0:
            raise OptionError(
                "a relative effect must stay above -1 (a 100% reduction) in every wave; "
                f"got size {self.size} with by_wave {self.by_wave}"
            )

    def fraction(self, event_time: Any) -> Any:
        """Share of the full size reached ``event_time`` terms after go-live (0 before)."""
        import numpy as np

        e = np.asarray(event_time, dtype=float)
        return np.where(e >= 0, np.minimum(1.0, (e + 1.0) / self.ramp_terms), 0.0)

    def wave_multiplier(self, wave: Any) -> Any:
        """Multiplier for each wave number in ``wave`` (1-based)."""
        import numpy as np

        mult = np.asarray(self.by_wave, dtype=float)
        w = np.clip(np.asarray(wave, dtype=int) - 1, 0, len(mult) - 1)
        return mult[w]

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        out = asdict(self)
        out["by_wave"] = list(self.by_wave)
        return out


def _default_effects() -> dict[str, EffectSpec]:
    return {
        "absence_overall_pct": EffectSpec(-0.5, "absolute", ramp_terms=3, by_wave=(1.2, 1.0, 0.8)),
        "suspension_rate": EffectSpec(-0.15, "relative", ramp_terms=3, by_wave=(1.2, 1.0, 0.8)),
        "ehc_requests_per_1000": EffectSpec(
            -0.2, "relative", ramp_terms=6, by_wave=(1.2, 1.0, 0.8)
        ),
        "sen_support_pct": EffectSpec(0.8, "absolute", ramp_terms=3, by_wave=(1.0,)),
        "ks2_rwm_expected_pct": EffectSpec(1.5, "absolute", ramp_terms=6, by_wave=(1.0,)),
    }


#: Effects used when ``make_council(effects=None)``.
DEFAULT_EFFECTS: Mapping[str, EffectSpec] = MappingProxyType(_default_effects())


def resolve_effects(
    effects: Mapping[str, EffectSpec | Mapping[str, Any] | float] | None,
) -> dict[str, EffectSpec]:
    """Turn the ``effects`` argument into a full ``{measure: EffectSpec}`` mapping.

    ``None`` gives :data:`DEFAULT_EFFECTS`; a mapping gives exactly the effects it names (the
    others are zero), so ``{}`` is a null council. A value may be an :class:`EffectSpec`, a
    mapping of its fields, or a number (an absolute size with the default build-up).

    Raises
    ------
    OptionError
        For an unknown measure or a bad field value.
    OptionTypeError
        For a value of the wrong type.
    """
    if effects is None:
        return _default_effects()
    if not isinstance(effects, Mapping):
        raise OptionTypeError(
            f"effects must be None or a mapping of measure to EffectSpec; got "
            f"{type(effects).__name__}"
        )
    out: dict[str, EffectSpec] = {}
    for name in sorted(effects):
        check_option("effects key", name, SETTABLE)
        value = effects[name]
        if isinstance(value, EffectSpec):
            spec = value
        elif isinstance(value, Mapping):
            unknown = sorted(set(value) - {"size", "scale", "ramp_terms", "by_wave"})
            if unknown:
                raise OptionError(
                    f"effects[{name!r}] has unknown field(s) {unknown}; allowed: size, scale, "
                    "ramp_terms, by_wave"
                )
            kw = dict(value)
            if "by_wave" in kw:
                kw["by_wave"] = tuple(float(x) for x in kw["by_wave"])
            spec = EffectSpec(**kw)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            spec = EffectSpec(float(value))
        else:
            raise OptionTypeError(
                f"effects[{name!r}] must be an EffectSpec, a mapping or a number; got "
                f"{type(value).__name__}"
            )
        out[name] = spec
    return out
