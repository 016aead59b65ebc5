"""Figure validation (§3): every rule names its field. No database."""

from datetime import date
from decimal import Decimal as D

from returns import validation as v


def fields(problems, severity=v.ERROR):
    return [(p.field, p.message) for p in problems if p.severity == severity]


def test_valid_percentage_from_value_or_parts():
    assert v.validate_figure(unit="percent", value=D("48")) == []
    assert v.validate_figure(unit="percent", value=None, numerator=D("12"), denominator=D("25")) == []


def test_percentage_out_of_range():
    (problem,) = v.validate_figure(unit="percent", value=D("101"))
    assert problem.field == "value" and "between 0 and 100" in problem.message
    assert v.validate_figure(unit="percent", value=D("-1"))[0].field == "value"


def test_numerator_above_denominator_for_percentages():
    problems = v.validate_figure(unit="percent", value=None, numerator=D("30"), denominator=D("25"))
    assert ("numerator", "The numerator (30) cannot be more than the denominator (25)") in fields(problems)


def test_denominator_must_be_positive_and_parts_come_in_pairs():
    assert fields(v.validate_figure(unit="percent", value=None, numerator=D("0"), denominator=D("0")))[0][0] == (
        "denominator"
    )
    assert fields(v.validate_figure(unit="percent", value=None, numerator=D("3")))[0] == (
        "denominator",
        "Enter the denominator too, or neither",
    )
    assert fields(v.validate_figure(unit="percent", value=None, denominator=D("3")))[0][0] == "numerator"


def test_counts_are_whole_and_not_negative():
    assert "whole number" in v.validate_figure(unit="count", value=D("2.5"))[0].message
    assert v.validate_figure(unit="count", value=D("-1"))[0].field == "value"
    assert v.validate_figure(unit="count", value=D("2676")) == []


def test_other_units_cannot_be_negative():
    assert v.validate_figure(unit="average", value=D("-0.1"))[0].message.startswith("An average cannot be negative")
    assert v.validate_figure(unit="rate_per_10k", value=D("181.6")) == []


def test_not_available_needs_a_reason_and_no_value():
    assert fields(v.validate_figure(unit="percent", value=None, not_available=True)) == [
        ("not_available_reason", "Give the reason the figure is not available")
    ]
    assert v.validate_figure(unit="percent", value=None, not_available=True, not_available_reason="System down") == []
    assert fields(v.validate_figure(unit="percent", value=D("3"), not_available=True, not_available_reason="x"))[0][
        0
    ] == ("value")


def test_missing_value_is_an_error_unless_teams_will_give_it():
    assert fields(v.validate_figure(unit="count", value=None))[0][0] == "value"
    assert v.validate_figure(unit="count", value=None, require_value=False) == []


def test_value_that_disagrees_with_its_parts_is_a_warning():
    problems = v.validate_figure(unit="percent", value=D("50"), numerator=D("12"), denominator=D("25"))
    assert fields(problems) == []
    assert fields(problems, v.WARNING)[0][0] == "value"
    assert v.validate_figure(unit="percent", value=D("48"), numerator=D("12"), denominator=D("25")) == []


def test_future_period_is_refused():
    assert v.validate_period(date(2026, 12, 1), date(2026, 11, 23))[0].message == "Dec-26 is in the future"
    assert v.validate_period(date(2026, 11, 1), date(2026, 11, 23)) == []


def test_commentary_required_when_red_only():
    assert v.commentary_problems(would_be_rag="red", commentary="  ")[0].field == "commentary"
    assert v.commentary_problems(would_be_rag="red", commentary="Staff shortages in EAST") == []
    assert v.commentary_problems(would_be_rag="amber", commentary="") == []


def test_outlier_and_breakdown_warnings():
    history = [D(x) for x in ("90", "92", "91", "89", "90", "91", "92", "90", "89", "91", "90", "92")]
    (warning,) = v.history_problems(D("40"), history)
    assert warning.severity == v.WARNING and "3 standard deviations" in warning.message
    assert v.history_problems(D("91"), history) == []
    parts = [v.scoring.Point(D("10")), v.scoring.Point(D("6"))]
    (warning,) = v.breakdown_problems(unit="count", aggregation="sum", whole=D("15"), parts=parts)
    assert warning.severity == v.WARNING and "add up to 16" in warning.message
    assert v.breakdown_problems(unit="count", aggregation="sum", whole=D("16"), parts=parts) == []
