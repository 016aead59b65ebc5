"""How import cells are read: numbers as scorecards write them, NA, and the catalogue's words."""

from decimal import Decimal as D

import pytest

from indicators.catalogue import cells, inference


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("16.9", D("16.9")),
        ("2,676", D("2676")),
        ("1,234,567.5", D("1234567.5")),
        ("48%", D("48")),
        (" 25.8% ", D("25.8")),
        ("-3", D("-3")),
        ("\u22123", D("-3")),
        ("£1,200", D("1200")),
        (".5", D("0.5")),
        ("", None),
    ],
)
def test_numbers_as_scorecards_write_them(text, expected):
    assert cells.parse_number(text) == expected


@pytest.mark.parametrize("text", ["abc", "48,5", "1.2.3", "12%%", "1,23", "--4"])
def test_text_that_is_not_a_number_is_refused_with_the_text(text):
    with pytest.raises(cells.CellError, match=f"'{text}' is not a number"):
        cells.parse_number(text)


def test_a_decimal_comma_is_explained():
    with pytest.raises(cells.CellError, match="write decimals with a point"):
        cells.parse_number("48,5")


@pytest.mark.parametrize("text", ["NA", "n/a", "N/A", "#N/A", "-", "not available"])
def test_not_available_words(text):
    assert cells.parse_figure(text) == (None, True)
    assert cells.parse_figure("") == (None, False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BIB", "higher"),
        ("SIB", "lower"),
        ("", "neutral"),
        ("↑ Higher is better", "higher"),
        ("↓ Lower is better", "lower"),
        ("n/a", "neutral"),
        ("Lower", "lower"),
        ("higher is better", "higher"),
    ],
)
def test_polarity_words(text, expected):
    assert cells.parse_polarity(text) == expected


@pytest.mark.parametrize(
    ("parse", "text"),
    [
        (cells.parse_polarity, "sideways"),
        (cells.parse_unit, "furlongs"),
        (cells.parse_aggregation, "median"),
        (cells.parse_frequency, "fortnightly"),
        (cells.parse_status, "paused"),
        (cells.parse_measure, "forecast"),
        (cells.parse_bool, "perhaps"),
    ],
)
def test_unknown_words_are_refused_naming_what_is_accepted(parse, text):
    with pytest.raises(cells.CellError) as caught:
        parse(text)
    assert f"'{text}'" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("%", "percent"),
        ("Percentage", "percent"),
        ("rate per 10,000", "rate_per_10k"),
        ("rate_per_10k", "rate_per_10k"),
        ("Number", "count"),
        ("average", "average"),
        ("days", "days"),
    ],
)
def test_unit_words(text, expected):
    assert cells.parse_unit(text) == expected


def test_words_of_the_other_catalogue_fields():
    assert cells.parse_aggregation("Σnumerator/Σdenominator") == "ratio"
    assert cells.parse_aggregation("Sum of months") == "sum"
    assert cells.parse_status("Under Development") == "under_development"
    assert cells.parse_status("TBC") == "to_be_confirmed"
    assert cells.parse_measure("snapshot at period end") == "snapshot"
    assert cells.parse_frequency("Quarterly") == "quarterly"
    assert cells.parse_tolerance_kind("relative") == "relative"
    assert cells.parse_bool("Yes") is True and cells.parse_bool("") is False


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("5.0%", "percent", (D("5.0"), "absolute")),
        ("10%", "count", (D("10"), "relative")),
        ("5 cases", "average", (D("5"), "absolute")),
        ("2 points", "percent", (D("2"), "absolute")),
        ("3", "count", (D("3"), None)),
        ("n/a", "percent", (None, None)),
    ],
)
def test_tolerances_as_scorecards_write_them(text, unit, expected):
    assert cells.parse_tolerance(text, unit=unit) == expected


def test_codes_match_whatever_their_spacing():
    assert cells.code_key("W1 a") == cells.code_key("W 1a") == cells.code_key("w1a")
    assert cells.code_key("CP 5") != cells.code_key("CP 51")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Number of cases in PLO - Under Development", ("Number of cases in PLO", "under_development")),
        ("To be Confirmed.", ("", "to_be_confirmed")),
        ("Average Caseload per Social Worker", ("Average Caseload per Social Worker", None)),
    ],
)
def test_statuses_written_after_titles(title, expected):
    assert cells.status_from_title(title) == expected


@pytest.mark.parametrize(
    ("title", "values", "expected"),
    [
        ("Contacts received rate per 10,000", ["174.2"], "rate_per_10k"),
        ("Percentage of re-referrals", ["22%", "NA"], "percent"),
        ("% of contacts leading to referral", ["25.8%"], "percent"),
        ("Average Caseload per Worker", ["16.9"], "average"),
        ("Average time between entering care and adoption (days)", [], "days"),
        ("Number of Cases Audited", ["34", "0"], "count"),
    ],
)
def test_units_inferred_from_title_and_values(title, values, expected):
    assert inference.infer_unit(title, values) == expected


def test_aggregation_from_the_year_to_date_column():
    months = [D("203"), D("224"), D("256")]
    assert inference.aggregation_from_year_to_date(months, D("683")) == "sum"
    assert inference.aggregation_from_year_to_date(months, D("256")) == "latest"
    assert inference.aggregation_from_year_to_date([D("77"), D("98"), D("59")], D("78")) == "mean"
    # Printed from the year's numerators and denominators: near the mean, not equal to it.
    assert inference.aggregation_from_year_to_date([D("22"), D("20"), D("22"), D("18"), D("9")], D("19")) == "mean"
    assert inference.aggregation_from_year_to_date(months, D("5000")) is None
    assert inference.aggregation_from_year_to_date([D("1")], D("1")) is None
    assert inference.aggregation_from_year_to_date(months, None) is None


def test_decimals_shown():
    assert cells.decimals_shown(["16.9", "15.75", "NA", "48%"]) == 2
    assert cells.decimals_shown(["48%", "2,676"]) == 0
