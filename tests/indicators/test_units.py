"""The units vocabulary: one declaration that the catalogue's choices, validation and imports read."""

from decimal import Decimal as D

import pytest

from indicators import units
from indicators.catalogue import cells
from indicators.models import Unit
from returns import validation


def test_the_catalogue_choices_are_the_vocabulary():
    assert tuple(Unit.choices) == units.CHOICES
    assert Unit.PERCENT == units.PERCENT and Unit.RATE_PER_10K == units.RATE_PER_10K


def test_every_unit_name_and_word_is_read_by_the_import_cells():
    for unit in units.UNITS:
        for word in (unit.name, *unit.cell_words):
            assert cells.parse_unit(word) == unit.name


@pytest.mark.parametrize(
    ("unit", "value", "message"),
    [
        (units.PERCENT, D("100.5"), "A percentage must be between 0 and 100 (got 100.5)"),
        (units.PERCENT, D("-1"), "A percentage must be between 0 and 100 (got -1)"),
        (units.COUNT, D("2.5"), "A count must be a whole number of 0 or more (got 2.5)"),
        (units.RATE_PER_10K, D("-3"), "A rate per 10,000 cannot be negative (got -3)"),
        (units.DAYS, D("-3"), "A number of days cannot be negative (got -3)"),
        ("unknown", D("-3"), "This figure cannot be negative (got -3)"),
        (units.PERCENT, D("100"), None),
        (units.AVERAGE, D("2.5"), None),
    ],
)
def test_the_range_of_each_unit_is_the_one_validation_applies(unit, value, message):
    assert units.range_problem(unit, value) == message
    assert [p.message for p in validation.validate_value_for_unit(unit, value)] == ([message] if message else [])


def test_percentages_and_rates_are_scaled():
    assert units.is_percentage(units.PERCENT) and not units.is_percentage(units.RATE_PER_10K)
    assert {units.PERCENT, units.RATE_PER_10K} == units.SCALED
