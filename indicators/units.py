"""The units an indicator's figures are in: one vocabulary every part of the portal reads (PRODUCT §2, §3).

Pure: no Django, nothing of the portal. The catalogue's choices
(`indicators.models.Unit`), the validation of a figure (`returns.validation`),
the scoring rules' scales, the formatting of a figure, the words an import
accepts for a unit (`indicators.catalogue.cells`) and the comparator import's
unit checks all read the names, labels, words and ranges declared here.
"""

from dataclasses import dataclass
from decimal import Decimal

PERCENT = "percent"
RATE_PER_10K = "rate_per_10k"
COUNT = "count"
AVERAGE = "average"
DAYS = "days"


@dataclass(frozen=True)
class Unit:
    """One unit: its stored name, its label, how a sentence names a figure in it, and what an import accepts."""

    name: str
    label: str  # the catalogue's choice label: "Percentage"
    noun: str  # a figure in this unit, in a sentence: "a percentage"
    cell_words: tuple[str, ...]  # what an import cell may say for it, besides the name
    at_most: Decimal | None = None  # the largest possible value (a percentage is at most 100, a count a billion)
    whole: bool = False  # only whole numbers (a count)
    value_label: str = ""  # the entry form's label for a value: "Value (%)"
    tolerance_word: str = ""  # what an absolute tolerance counts: "points", "cases"


UNITS: tuple[Unit, ...] = (
    Unit(
        PERCENT,
        "Percentage",
        "a percentage",
        ("percentage", "%", "pct", "per cent", "proportion"),
        at_most=Decimal("100"),
        value_label="Value (%)",
        tolerance_word="points",
    ),
    Unit(
        RATE_PER_10K,
        "Rate per 10,000",
        "a rate per 10,000",
        ("rate per 10,000", "rate per 10000", "per 10,000", "per 10k", "rate per 10k", "rate"),
        at_most=Decimal("1000000"),  # a hundred events per child
        value_label="Value (rate per 10,000)",
    ),
    Unit(
        COUNT,
        "Count",
        "a count",
        ("number", "no.", "no", "n", "total", "cases"),
        at_most=Decimal("1000000000"),
        whole=True,
        value_label="Value (count)",
        tolerance_word="cases",
    ),
    Unit(
        AVERAGE, "Average", "an average", ("avg", "mean"), at_most=Decimal("1000000000"), value_label="Value (average)"
    ),
    Unit(
        DAYS,
        "Days",
        "a number of days",
        ("day", "number of days"),
        at_most=Decimal("100000"),  # some 270 years
        value_label="Value (days)",
        tolerance_word="days",
    ),
)
BY_NAME: dict[str, Unit] = {unit.name: unit for unit in UNITS}

NAMES: tuple[str, ...] = tuple(BY_NAME)
CHOICES: tuple[tuple[str, str], ...] = tuple((unit.name, unit.label) for unit in UNITS)

# Units whose figures are a numerator over a denominator, scaled: ×100 for a percentage, ×10,000 for a rate.
SCALES: dict[str, Decimal] = {PERCENT: Decimal("100"), RATE_PER_10K: Decimal("10000")}
PERCENTAGES = frozenset({PERCENT})
RATES = frozenset({RATE_PER_10K})
SCALED = PERCENTAGES | RATES


def noun(unit: str, default: str = "this figure") -> str:
    """How a sentence names a figure in this unit: 'a percentage', 'a rate per 10,000'."""
    known = BY_NAME.get(unit)
    return known.noun if known else default


def value_label(unit: str) -> str:
    """The entry form's label for a value in this unit: 'Value (%)'."""
    known = BY_NAME.get(unit)
    return known.value_label if known else "Value"


def tolerance_word(unit: str) -> str:
    """What an absolute tolerance in this unit counts ('points', 'cases', 'days'), or '' when nothing fits."""
    known = BY_NAME.get(unit)
    return known.tolerance_word if known else ""


def is_percentage(unit: str) -> bool:
    return unit in PERCENTAGES


def range_problem(unit: str, value: Decimal) -> str | None:
    """Why `value` is impossible in `unit` (over 100%, negative, a fractional count), or None when it is possible.

    Every unit is 0 or more and has a largest plausible value (a percentage is at most 100, a count
    a billion), so that a year's figures added up are far from what a stored number can hold; a count is whole.
    """
    known = BY_NAME.get(unit)
    shown = f"{value.normalize():f}"
    if unit in PERCENTAGES and not Decimal("0") <= value <= known.at_most:
        return f"{known.noun.capitalize()} must be between 0 and {known.at_most} (got {shown})"
    if known is not None and known.whole and (value < 0 or value != value.to_integral_value()):
        return f"{known.noun.capitalize()} must be a whole number of 0 or more (got {shown})"
    if value < 0:
        return f"{noun(unit).capitalize()} cannot be negative (got {shown})"
    if known is not None and known.at_most is not None and value > known.at_most:
        return f"{known.noun.capitalize()} can be at most {known.at_most:,} (got {shown})"
    return None
