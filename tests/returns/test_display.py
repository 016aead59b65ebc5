"""How returns pages show figures: the same display rounding as the scorecards (half up)."""

from decimal import Decimal as D

import pytest

from indicators import formatting
from returns import display


@pytest.mark.parametrize(
    ("value", "unit", "decimals", "shown"),
    [
        (D("48.25"), "percent", 1, "48.3%"),
        (D("85.45"), "percent", 1, "85.5%"),
        (D("2676.5"), "count", 0, "2,677"),
        (D("0.125"), "average", 2, "0.13"),
        (D("-1.25"), "days", 1, "-1.3"),
    ],
)
def test_figures_round_half_up_like_the_scorecards(value, unit, decimals, shown):
    assert display.figure_text(value, unit, decimals) == shown
    assert display.figure_text(value, unit, decimals) == formatting.format_figure(value, unit, decimals)


def test_no_figure_shows_the_blank_text():
    assert display.figure_text(None, "percent", 1) == "–"
    assert display.figure_text(None, "percent", 1, blank="No target") == "No target"


def test_changes_round_half_up_with_their_sign():
    assert display.change_text(D("2.25"), "percent", 1) == "+2.3 points"
    assert display.change_text(D("-2.25"), "count", 1) == "-2.3"
    assert display.change_text(D("0"), "count", 0) == "0"
    assert display.change_text(None) == "–"
