"""Period helpers: pure functions, no database."""

from datetime import date, datetime

import pytest

from indicators import periods as p


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-11", date(2022, 11, 1)),
        ("2022-11-01", date(2022, 11, 1)),
        ("2022-11-01 00:00:00", date(2022, 11, 1)),
        ("Nov-22", date(2022, 11, 1)),
        ("nov-22", date(2022, 11, 1)),
        ("Nov 2022", date(2022, 11, 1)),
        ("November 2022", date(2022, 11, 1)),
        ("Sept-19", date(2019, 9, 1)),
        ("Apr-19", date(2019, 4, 1)),
        ("11/2022", date(2022, 11, 1)),
        (" Mar-20 ", date(2020, 3, 1)),
        (datetime(2020, 12, 1, 0, 0), date(2020, 12, 1)),
        (date(2020, 12, 17), date(2020, 12, 1)),
    ],
)
def test_parse_period_reads_the_forms_councils_use(text, expected):
    assert p.parse_period(text) == expected


@pytest.mark.parametrize("text", ["", "2022-13", "Foo-22", "22-11", "2022/23", "Nov", "2022-11-15", "13/2022"])
def test_parse_period_refuses_what_is_not_a_month_with_the_reason(text):
    with pytest.raises(p.PeriodError) as err:
        p.parse_period(text)
    assert str(err.value) == {"": "period is blank", "2022-11-15": "'2022-11-15' is not the first day of a month"}.get(
        text, f"'{text}' is not a month (expected e.g. Nov-22 or 2022-11)"
    )


@pytest.mark.parametrize(
    ("period", "year"),
    [(date(2022, 4, 1), 2022), (date(2023, 3, 1), 2022), (date(2023, 1, 1), 2022), (date(2022, 3, 1), 2021)],
)
def test_financial_year_runs_april_to_march(period, year):
    assert p.financial_year_of(period) == year


def test_financial_year_labels_and_parsing():
    assert p.financial_year_label(2022) == "2022/23"
    assert p.financial_year_label(1999) == "1999/00"
    assert p.parse_financial_year("2022/23") == 2022
    assert p.parse_financial_year("2019-20") == 2019
    assert p.parse_financial_year("2019/2020") == 2019
    assert p.parse_financial_year("FY 2020/21") == 2020
    assert p.parse_financial_year_or_year("2015") == 2015
    for bad in ["2022/24", "22/23", "2022", "twenty"]:
        with pytest.raises(p.PeriodError):
            p.parse_financial_year(bad)


def test_quarters_start_in_april():
    assert p.quarter_of(date(2022, 4, 1)) == (2022, 1)
    assert p.quarter_of(date(2022, 6, 1)) == (2022, 1)
    assert p.quarter_of(date(2022, 12, 1)) == (2022, 3)
    assert p.quarter_of(date(2023, 1, 1)) == (2022, 4)
    assert p.quarter_of(date(2023, 3, 1)) == (2022, 4)
    assert p.quarter_months(2020, 3) == [date(2020, 10, 1), date(2020, 11, 1), date(2020, 12, 1)]
    assert p.quarter_to_date(date(2020, 11, 1)).months() == [date(2020, 10, 1), date(2020, 11, 1)]
    assert p.quarter_to_date(date(2021, 1, 1)).months() == [date(2021, 1, 1)]
    assert p.quarter_label(2020, 3) == "2020/21 Q3"


def test_month_arithmetic_across_year_ends():
    assert p.add_months(date(2022, 12, 1), 1) == date(2023, 1, 1)
    assert p.add_months(date(2023, 1, 1), -1) == date(2022, 12, 1)
    assert p.add_months(date(2023, 1, 1), -13) == date(2021, 12, 1)
    assert p.months_between(date(2021, 12, 1), date(2023, 1, 1)) == 13
    assert len(p.month_range(date(2019, 4, 1), date(2020, 9, 1))) == 18
    assert p.previous_period(date(2023, 1, 1)) == date(2022, 12, 1)
    assert p.previous_period(date(2023, 1, 1), "quarterly") == date(2022, 10, 1)
    assert p.previous_period(date(2023, 1, 1), "annual") == date(2022, 1, 1)


def test_year_to_date_and_last_years_same_months():
    ytd = p.year_to_date(date(2020, 9, 1)).months()
    assert ytd[0] == date(2020, 4, 1) and ytd[-1] == date(2020, 9, 1) and len(ytd) == 6
    assert p.year_to_date(date(2021, 3, 1)).months()[0] == date(2020, 4, 1)
    assert p.year_to_date(date(2021, 4, 1)).months() == [date(2021, 4, 1)]
    last_year = p.same_months_a_year_earlier(p.year_to_date(date(2020, 9, 1)))
    assert last_year == p.Window(date(2019, 4, 1), date(2019, 9, 1))


def test_the_month_and_the_six_periods_before_it():
    assert p.month_window(date(2020, 9, 1)).months() == [date(2020, 9, 1)]
    assert p.rolling_six(date(2020, 9, 1)) == p.Window(date(2020, 3, 1), date(2020, 8, 1))
    assert p.rolling_six(date(2020, 9, 1), "quarterly") == p.Window(date(2019, 3, 1), date(2020, 8, 1))
    quarter_ends = [m for m in p.rolling_six(date(2020, 9, 1), "quarterly").months() if p.takes_figure(m, "quarterly")]
    assert quarter_ends == [p.add_months(date(2020, 9, 1), -3 * k) for k in range(6, 0, -1)]
    assert p.rolling_six(date(2021, 3, 1), "annual") == p.Window(date(2015, 3, 1), date(2021, 2, 1))


def test_month_numbers_round_trip():
    assert p.month_number(date(2020, 1, 1)) == 2020 * 12
    for period in p.month_range(date(2019, 11, 1), date(2021, 2, 1)):
        assert p.month_of_number(p.month_number(period)) == period


def test_labels():
    assert p.month_label(date(2022, 11, 1)) == "Nov-22"
    assert p.month_label(date(2009, 1, 1)) == "Jan-09"
    assert p.iso_month(date(2022, 1, 1)) == "2022-01"
    assert p.financial_year_months(2022)[0] == date(2022, 4, 1)
    assert p.financial_year_months(2022)[-1] == date(2023, 3, 1)


def test_months_into_year_and_quarter_agree_with_the_month_lists():
    for period in p.month_range(date(2021, 1, 1), date(2023, 12, 1)):
        assert p.months_into_financial_year(period) == len(p.year_to_date(period).months()) - 1
        assert p.months_into_quarter(period) == len(p.quarter_to_date(period).months()) - 1
    assert p.months_into_financial_year(date(2023, 3, 1)) == 11
    assert p.months_into_quarter(date(2023, 1, 1)) == 0
