"""Variation and assurance icons: one worked example per status."""

from __future__ import annotations

import pytest

from eah_eval.errors import OptionError
from eah_eval.monitor import (
    ASSURANCE_ICONS,
    VARIATION_ICONS,
    assurance_icon,
    assurance_of,
    variation_icon,
    xmr,
)

BASE = [11.0, 9.0] * 7  # mean 10, limits [4.68, 15.32]
FIX = {"fix_after_n_points": 14}


@pytest.mark.parametrize(
    ("last", "direction", "expected"),
    [
        (10.5, "higher", "common_cause"),
        (20.0, "higher", "special_cause_improvement"),
        (20.0, "lower", "special_cause_concern"),
        (1.0, "higher", "special_cause_concern"),
        (1.0, "lower", "special_cause_improvement"),
        (20.0, "none", "special_cause_neutral_high"),
        (1.0, "none", "special_cause_neutral_low"),
    ],
)
def test_variation_from_latest_point(last: float, direction: str, expected: str) -> None:
    chart = xmr([*BASE, last], improvement_direction=direction, **FIX)
    assert chart.variation == expected
    assert chart.variation == chart.points["point_type"].iloc[-1]


def test_variation_uses_only_the_latest_point() -> None:
    chart = xmr([*BASE, 20.0, 10.5], improvement_direction="higher", **FIX)
    assert chart.points["point_type"].iloc[-2] == "special_cause_improvement"
    assert chart.variation == "common_cause"


@pytest.mark.parametrize(
    ("target", "direction", "expected"),
    [
        (3.0, "higher", "consistently_passes"),  # below the lower limit, higher is better
        (3.0, "lower", "consistently_fails"),
        (18.0, "higher", "consistently_fails"),
        (18.0, "lower", "consistently_passes"),
        (12.0, "higher", "hit_and_miss"),
        (12.0, "lower", "hit_and_miss"),
        (12.0, "none", None),
        (None, "higher", None),
    ],
)
def test_assurance_against_latest_limits(
    target: float | None, direction: str, expected: str | None
) -> None:
    chart = xmr([*BASE, 10.5], improvement_direction=direction, target=target, **FIX)
    assert chart.assurance == expected


def test_target_on_a_limit_is_hit_and_miss() -> None:
    assert assurance_of(4.68, 15.32, 15.32, "higher") == "hit_and_miss"
    assert assurance_of(4.68, 15.32, 4.68, "lower") == "hit_and_miss"


def test_assurance_uses_the_latest_segment() -> None:
    values = [10.0, 12.0] * 7 + [20.0, 24.0] * 7  # limits [5.68, 16.32] then [11.36, 32.64]
    early = xmr(values[:14], improvement_direction="higher", target=8.0)
    assert early.assurance == "hit_and_miss"
    rebased = xmr(values, improvement_direction="higher", target=8.0, rebase=[15])
    assert rebased.assurance == "consistently_passes"


def test_icons_carry_text_and_distinct_shapes() -> None:
    markers = [icon.marker for icon in VARIATION_ICONS.values()]
    assert len(set(markers)) == len(markers)
    symbols = [icon.symbol for icon in VARIATION_ICONS.values()]
    assert len(set(symbols)) == len(symbols)
    assert len({i.symbol for i in ASSURANCE_ICONS.values()}) == len(ASSURANCE_ICONS)
    assert all(icon.text for icon in [*VARIATION_ICONS.values(), *ASSURANCE_ICONS.values()])
    assert variation_icon("special_cause_concern").colour == "#e46c0a"
    assert variation_icon("special_cause_improvement").colour == "#00b0f0"
    assert variation_icon("common_cause").colour == "#a6a6a6"
    assert variation_icon("special_cause_neutral_high").colour == "#490092"
    assert assurance_icon(None).code == "none"


def test_unknown_icon_codes() -> None:
    with pytest.raises(OptionError, match="variation must be one of"):
        variation_icon("amber")
    with pytest.raises(OptionError, match="assurance must be one of"):
        assurance_icon("green")
    with pytest.raises(OptionError, match="improvement_direction must be one of"):
        assurance_of(1.0, 2.0, 1.5, "up")


def test_active_title_states_the_finding() -> None:
    chart = xmr(
        [*BASE, 20.0], improvement_direction="higher", target=3.0, measure="Requests", **FIX
    )
    title = chart.active_title()
    assert title.startswith("Requests: special cause: improvement (higher values)")
    assert "target consistently met" in title


def test_drawn_icons_carry_their_letter_and_colour_and_hide_from_screen_readers() -> None:
    from eah_eval.monitor.icons import icon_letter, icon_svg

    assert icon_letter("special_cause_concern", "high") == "H"
    assert icon_letter("special_cause_improvement", "low") == "L"
    assert icon_letter("special_cause_neutral_low") == "L"
    assert icon_letter("common_cause") == "–"
    assert [icon_letter(a) for a in ("consistently_passes", "consistently_fails",
                                     "hit_and_miss")] == ["P", "F", "?"]
    svg = icon_svg("special_cause_concern", "high")
    assert 'aria-hidden="true"' in svg and 'stroke="#e46c0a"' in svg and ">H</text>" in svg
    assert 'stroke="#00b0f0"' in icon_svg("consistently_passes")
