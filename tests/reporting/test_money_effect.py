"""The one rule that chooses which estimate of the change in EHC requests goes into the money."""

from __future__ import annotations

import math

import pytest

from eah_eval.errors import OptionError
from eah_eval.reporting.impact.money_effect import EffectChoiceError, choose_effect

OWN = {"estimate": 0.12, "ci_low": -2.63, "ci_high": 2.87, "flag": "",
       "window": ["2024", "2025"], "method_text": "restricted wild cluster bootstrap"}
LATER = {"estimate": -1.2, "ci_low": -2.07, "ci_high": -0.33, "flag": "",
         "window": ["2026", "2028"], "method": "synthetic difference-in-differences"}


def test_auto_carries_the_later_years_and_keeps_the_council_estimate_beside_it() -> None:
    chosen, other = choose_effect(OWN, LATER)
    assert (chosen.basis, chosen.estimate, chosen.ci_low, chosen.ci_high) == (
        "later_years", -1.2, -2.07, -0.33)
    assert chosen.window == ("2026", "2028")
    assert chosen.method_text == "synthetic difference-in-differences"
    assert "every projected year" in chosen.why and "fair comparison" in chosen.why
    assert other is not None and other.basis == "internal" and other.estimate == 0.12
    assert other.method_text == "restricted wild cluster bootstrap" and other.why == ""


@pytest.mark.parametrize("later", [
    None,
    {"unavailable": "the national panel has no period after 2025"},
    {**LATER, "flag": "c"},
    {**LATER, "ci_low": math.nan},
    {**LATER, "ci_low": None},
])
def test_auto_falls_back_to_the_council_estimate(later) -> None:
    chosen, other = choose_effect(OWN, later)
    assert chosen.basis == "internal" and chosen.estimate == 0.12 and other is None
    assert "no estimate against other areas" in chosen.why


def test_asking_for_one_basis() -> None:
    chosen, other = choose_effect(OWN, LATER, "internal")
    assert chosen.basis == "internal" and other is not None and other.basis == "later_years"
    assert "effect_basis asks" in chosen.why
    with pytest.raises(EffectChoiceError,
                       match=r"effect_basis is 'later_years', but .* cannot be carried into the "
                             r"money: the national panel has no period after 2025"):
        choose_effect(OWN, {"unavailable": "the national panel has no period after 2025"},
                      "later_years")
    with pytest.raises(EffectChoiceError, match=r"effect_basis is 'internal', .* it is not shown "
                                                r"\(symbol 'c'\)"):
        choose_effect({**OWN, "flag": "c"}, LATER, "internal")
    with pytest.raises(OptionError, match="effect_basis"):
        choose_effect(OWN, LATER, "latest")


def test_neither_can_be_carried() -> None:
    with pytest.raises(EffectChoiceError,
                       match=r"neither estimate .* the council's own, because the estimate 3.0 "
                             r"lies outside its range -2.63 to 2.87; against other areas in the "
                             r"later years, because it was not estimated"):
        choose_effect({**OWN, "estimate": 3.0}, None)
