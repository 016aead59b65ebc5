"""How figures are shown (pure): the places a tolerance threshold is shown with."""

from decimal import Decimal as D

import pytest

from indicators import formatting


@pytest.mark.parametrize(
    ("threshold", "decimals", "places", "text"),
    [
        (D("85.500000"), 0, 1, "85.5%"),  # 90 less 5%: not 86, which would call 85.7 red
        (D("85.5"), 1, 1, "85.5%"),
        (D("85.5"), 2, 2, "85.50%"),  # never fewer than the indicator's decimals
        (D("89.000000"), 0, 0, "89%"),
        (D("71.250000"), 0, 2, "71.25%"),
        (D("71.125"), 0, 2, "71.13%"),  # at most two places, half up
        (D("1E+2"), 0, 0, "100%"),
        (None, 1, 1, ""),
    ],
)
def test_a_threshold_is_shown_exactly_up_to_two_places(threshold, decimals, places, text):
    assert formatting.threshold_places(threshold, decimals) == places
    assert formatting.format_threshold(threshold, "percent", decimals) == text
