"""When a month's return is due, whether its due date has passed, and which months are open for entry (PRODUCT §3).

Pure functions over dates: no ORM. The working day the performance team sets
(`PortalSettings.due_working_day`) and the open window (`RETURNS_OPEN_MONTHS`)
are passed in by the caller.

England and Wales share their bank holidays, which the `holidays` library
gives as the "ENG" subdivision of GB, substitute days included (Christmas on
a Sunday moves to the Tuesday, New Year's Day on a Sunday to the Monday).
"""

from datetime import date, timedelta
from functools import lru_cache

import holidays

from indicators import periods

DEFAULT_DUE_WORKING_DAY = 5
DEFAULT_OPEN_MONTHS = 6


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[date]:
    """England and Wales bank holidays of one calendar year."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def nth_working_day(year: int, month: int, n: int) -> date:
    """The n-th working day (Monday–Friday, not a bank holiday) of a month; n ≥ 1."""
    if n < 1:
        raise ValueError("the working day must be 1 or more")
    day = date(year, month, 1)
    count = 0
    while True:
        if is_working_day(day):
            count += 1
            if count == n:
                return day
        day += timedelta(days=1)


def due_date(period: date, working_day: int = DEFAULT_DUE_WORKING_DAY) -> date:
    """A period's return is due on the `working_day`-th working day of the following month."""
    following = periods.add_months(period, 1)
    return nth_working_day(following.year, following.month, working_day)


def is_past_due(period: date, today: date, working_day: int = DEFAULT_DUE_WORKING_DAY) -> bool:
    """Whether a period's due date has passed. Overdue is this and the officer's part not done: `returns.policy`."""
    return today > due_date(period, working_day)


def open_periods(today: date, months_back: int = DEFAULT_OPEN_MONTHS) -> list[date]:
    """Months an officer may enter figures for, newest first: months that have ended, up to `months_back`."""
    this_month = periods.month_start(today)
    return [periods.add_months(this_month, -i) for i in range(1, months_back + 1)]


def default_period(today: date) -> date:
    """The month officers are working on: the one that ended last."""
    return periods.add_months(periods.month_start(today), -1)


def entry_closed_reason(period: date, today: date, months_back: int = DEFAULT_OPEN_MONTHS) -> str | None:
    """Why figures for `period` cannot be entered today, or None when it is open."""
    this_month = periods.month_start(today)
    label = periods.month_label(period)
    if period >= this_month:
        if period > this_month:
            return f"{label} is in the future"
        return f"{label} has not ended yet: figures can be entered once the month is over"
    if periods.months_between(period, this_month) > months_back:
        return (
            f"{label} is closed for entry: officers can enter the last {months_back} months; "
            "ask the performance team to correct older figures"
        )
    return None


def working_days_before(day: date, count: int) -> date:
    """The working day `count` working days before `day` (weekends and bank holidays skipped); 0 gives `day`."""
    if count < 0:
        raise ValueError("the number of working days must be 0 or more")
    while count:
        day -= timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def reminder_date(period: date, days_before: int, working_day: int = DEFAULT_DUE_WORKING_DAY) -> date:
    """When officers are reminded of a period's return: `days_before` working days before it is due."""
    return working_days_before(due_date(period, working_day), days_before)
