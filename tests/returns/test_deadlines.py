"""Due dates on the Nth working day of the following month, England and Wales bank holidays excluded. No database."""

from datetime import date

import pytest

from indicators import periods
from returns import deadlines


@pytest.mark.parametrize(
    ("period", "working_day", "due"),
    [
        # An ordinary month: Nov-22 is due on the 5th working day of December 2022 (Wed 7th).
        (date(2022, 11, 1), 5, date(2022, 12, 7)),
        # Dec-22: 2 Jan 2023 is the substitute New Year's Day, so January's working days start on Tue 3rd.
        (date(2022, 12, 1), 1, date(2023, 1, 3)),
        (date(2022, 12, 1), 5, date(2023, 1, 9)),
        # Dec-21: 1–2 Jan 2022 weekend, 3 Jan substitute holiday: 5th working day is Mon 10th.
        (date(2021, 12, 1), 5, date(2022, 1, 10)),
        # Nov-22 with a due day that reaches Christmas: 25 Dec Sunday, 26 Boxing Day, 27 substitute Christmas.
        (date(2022, 11, 1), 17, date(2022, 12, 23)),
        (date(2022, 11, 1), 18, date(2022, 12, 28)),
        # Mar-23 (the financial year end): April 2023 has Good Friday 7th and Easter Monday 10th.
        (date(2023, 3, 1), 5, date(2023, 4, 11)),
        # Feb-24 and Mar-24: Easter 2024 was early (Good Friday 29 Mar, Easter Monday 1 Apr).
        (date(2024, 2, 1), 1, date(2024, 3, 1)),
        (date(2024, 3, 1), 1, date(2024, 4, 2)),
        # Apr-23: May Day (1st) and the Coronation holiday (8th).
        (date(2023, 4, 1), 5, date(2023, 5, 9)),
        # Aug-22: the Queen's state funeral (19 Sep 2022) is a bank holiday.
        (date(2022, 8, 1), 12, date(2022, 9, 16)),
        (date(2022, 8, 1), 13, date(2022, 9, 20)),
    ],
)
def test_due_date(period, working_day, due):
    assert deadlines.due_date(period, working_day) == due


def test_default_working_day_is_the_fifth():
    assert deadlines.due_date(date(2022, 11, 1)) == date(2022, 12, 7)


def test_due_dates_are_never_weekends_or_bank_holidays_over_several_years():
    for period in periods.month_range(date(2019, 1, 1), date(2027, 12, 1)):
        for n in (1, 5, 10):
            due = deadlines.due_date(period, n)
            assert due.weekday() < 5
            assert due not in deadlines.bank_holidays(due.year)
            assert periods.month_start(due) == periods.add_months(period, 1)


def test_the_working_day_must_be_positive():
    with pytest.raises(ValueError, match="1 or more"):
        deadlines.nth_working_day(2022, 12, 0)


def test_past_due_only_after_the_due_date():
    period = date(2022, 11, 1)  # due Wed 7 Dec 2022
    assert not deadlines.is_past_due(period, date(2022, 12, 7))
    assert deadlines.is_past_due(period, date(2022, 12, 8))
    # A later due day moves the deadline.
    assert not deadlines.is_past_due(period, date(2022, 12, 8), working_day=6)


def test_open_periods_are_the_months_that_have_ended_up_to_the_window():
    today = date(2023, 1, 15)
    assert deadlines.open_periods(today, 3) == [date(2022, 12, 1), date(2022, 11, 1), date(2022, 10, 1)]
    assert deadlines.default_period(today) == date(2022, 12, 1)
    assert deadlines.entry_closed_reason(date(2022, 10, 1), today, 3) is None
    assert "closed for entry" in deadlines.entry_closed_reason(date(2022, 9, 1), today, 3)
    assert "has not ended" in deadlines.entry_closed_reason(date(2023, 1, 1), today, 3)
    assert "in the future" in deadlines.entry_closed_reason(date(2023, 2, 1), today, 3)


def test_takes_figure_by_frequency():
    assert periods.takes_figure(date(2022, 11, 1), "monthly")
    assert not periods.takes_figure(date(2022, 11, 1), "quarterly")
    assert periods.takes_figure(date(2022, 12, 1), "quarterly")
    assert periods.takes_figure(date(2023, 3, 1), "annual")
    assert not periods.takes_figure(date(2022, 12, 1), "annual")


# --- Reminder dates (used by the reminders in indicators.alerts) ---


@pytest.mark.parametrize(
    ("day", "count", "expected"),
    [
        (date(2023, 1, 9), 0, date(2023, 1, 9)),
        (date(2023, 1, 9), 1, date(2023, 1, 6)),  # over a weekend
        (date(2023, 1, 4), 2, date(2022, 12, 30)),  # over the New Year bank holiday (Mon 2 Jan) and a weekend
        (date(2023, 4, 11), 1, date(2023, 4, 6)),  # over Easter Monday and Good Friday
        (date(2023, 5, 9), 2, date(2023, 5, 4)),  # over the coronation bank holiday (Mon 8 May)
    ],
)
def test_working_days_before(day, count, expected):
    assert deadlines.working_days_before(day, count) == expected


def test_working_days_before_refuses_a_negative_count():
    with pytest.raises(ValueError, match="0 or more"):
        deadlines.working_days_before(date(2023, 1, 9), -1)


def test_reminder_date_counts_back_from_the_due_date():
    # Dec-22 is due on the 5th working day of January 2023, Mon 9 Jan (Mon 2 Jan is a bank holiday).
    assert deadlines.due_date(date(2022, 12, 1)) == date(2023, 1, 9)
    assert deadlines.reminder_date(date(2022, 12, 1), 2) == date(2023, 1, 5)
    # Apr-23 is due Tue 9 May 2023 (1 and 8 May are bank holidays); two working days before is Thu 4 May.
    assert deadlines.reminder_date(date(2023, 4, 1), 2) == date(2023, 5, 4)
