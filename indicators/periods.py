"""Periods: calendar months, UK financial years (April–March) and quarters.

Pure functions over `datetime.date`; a period is always the first day of its
month. No Django imports, so they are tested without a database.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime

MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_LOOKUP = {name.lower(): i for i, name in enumerate(MONTH_ABBR, start=1)}
_MONTH_LOOKUP.update(
    {
        name.lower(): i
        for i, name in enumerate(
            (
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ),
            start=1,
        )
    }
)
_MONTH_LOOKUP["sept"] = 9

FINANCIAL_YEAR_START_MONTH = 4


class PeriodError(ValueError):
    """A period or financial year that cannot be read."""


def month_start(day: date) -> date:
    return date(day.year, day.month, 1)


def add_months(period: date, count: int) -> date:
    index = period.year * 12 + (period.month - 1) + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> int:
    """How many months `end` is after `start` (negative when before)."""
    return (end.year - start.year) * 12 + (end.month - start.month)


def month_range(start: date, end: date) -> list[date]:
    """Every period from `start` to `end` inclusive."""
    return [add_months(start, i) for i in range(months_between(start, end) + 1)]


def month_number(period: date) -> int:
    """A month as one integer (year × 12 + month − 1), for series indexed by month: Jan-20 → 24240."""
    return period.year * 12 + period.month - 1


def month_of_number(number: int) -> date:
    """The month of a `month_number`."""
    return date(number // 12, number % 12 + 1, 1)


def financial_year_of(period: date) -> int:
    """The start year of the financial year holding `period`: Mar-23 → 2022 (2022/23)."""
    return period.year if period.month >= FINANCIAL_YEAR_START_MONTH else period.year - 1


def financial_year_label(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def financial_year_start(start_year: int) -> date:
    return date(start_year, FINANCIAL_YEAR_START_MONTH, 1)


def financial_year_months(start_year: int) -> list[date]:
    first = financial_year_start(start_year)
    return [add_months(first, i) for i in range(12)]


def quarter_of(period: date) -> tuple[int, int]:
    """(financial year start, quarter 1–4); Q1 is April–June."""
    return financial_year_of(period), (period.month - FINANCIAL_YEAR_START_MONTH) % 12 // 3 + 1


def quarter_months(start_year: int, quarter: int) -> list[date]:
    first = add_months(financial_year_start(start_year), (quarter - 1) * 3)
    return [add_months(first, i) for i in range(3)]


def months_into_financial_year(period: date) -> int:
    """How many months `period` is after April of its financial year: Apr → 0, Mar → 11."""
    return (period.month - FINANCIAL_YEAR_START_MONTH) % 12


def months_into_quarter(period: date) -> int:
    """How many months `period` is after the first month of its quarter: Apr, Jul, Oct, Jan → 0."""
    return months_into_financial_year(period) % 3


def quarter_label(start_year: int, quarter: int) -> str:
    return f"{financial_year_label(start_year)} Q{quarter}"


# Comparator data are published per financial year or per quarter (PRODUCT §5).
YEAR = "year"
QUARTER = "quarter"

_QUARTER_AFTER = re.compile(r"^(?P<fy>.+?)[\s,\-–]*Q(?P<q>[1-4])$", re.IGNORECASE)
_QUARTER_BEFORE = re.compile(r"^Q(?P<q>[1-4])[\s,\-–]*(?P<fy>.+)$", re.IGNORECASE)


def parse_year_or_quarter(value) -> tuple[str, date]:
    """Read a financial year or one of its quarters: (YEAR or QUARTER, first month).

    `2019/20` → (YEAR, Apr-19); `2020/21 Q3`, `Q3 2020/21`, `2020/21-Q3` → (QUARTER, Oct-20).
    A bare `2019` is refused: it could mean 2018/19 or 2019/20.
    """
    text = " ".join(str(value or "").split())
    if not text:
        raise PeriodError("period is blank")
    match = _QUARTER_AFTER.match(text) or _QUARTER_BEFORE.match(text)
    if match:
        try:
            start_year = parse_financial_year(match.group("fy"))
        except PeriodError:
            raise PeriodError(f"'{text}' is not a quarter (expected e.g. 2020/21 Q3)") from None
        return QUARTER, quarter_months(start_year, int(match.group("q")))[0]
    if re.fullmatch(r"[0-9]{4}", text):
        label = financial_year_label(int(text))
        raise PeriodError(f"'{text}' is not a financial year: write {label} or the year before")
    try:
        start_year = parse_financial_year(text)
    except PeriodError:
        raise PeriodError(
            f"'{text}' is not a financial year or quarter (expected e.g. 2019/20 or 2020/21 Q3)"
        ) from None
    return YEAR, financial_year_start(start_year)


def year_or_quarter_label(kind: str, start: date) -> str:
    """`2019/20` for a year, `2020/21 Q3` for a quarter, from its first month."""
    if kind == QUARTER:
        return quarter_label(*quarter_of(start))
    return financial_year_label(financial_year_of(start))


def month_label(period: date) -> str:
    """Nov-22."""
    return f"{MONTH_ABBR[period.month - 1]}-{period.year % 100:02d}"


def iso_month(period: date) -> str:
    """2022-11."""
    return f"{period.year:04d}-{period.month:02d}"


def _two_digit_year(value: int) -> int:
    # Two-digit years in board papers are this century.
    return 2000 + value if value < 100 else value


# Digits are ASCII: `\d` would also match `١٢`, which int() reads as 12.
_ISO_MONTH = re.compile(r"^([0-9]{4})-([0-9]{1,2})(?:-([0-9]{1,2}))?(?:[ T]00:00(?::00)?)?$")
_LABEL_MONTH = re.compile(r"^([A-Za-z]{3,9})\.?[\s\-/']*([0-9]{2}|[0-9]{4})$")
_SLASH_MONTH = re.compile(r"^([0-9]{1,2})/([0-9]{4})$")


def parse_period(value) -> date:
    """Read a month: `2022-11`, `Nov-22`, `Nov 2022`, `November 2022`, `11/2022`, or a date.

    Raises PeriodError with the reason when the text is not a month.
    """
    if isinstance(value, datetime):
        return date(value.year, value.month, 1)
    if isinstance(value, date):
        return date(value.year, value.month, 1)
    text = str(value or "").strip()
    if not text:
        raise PeriodError("period is blank")
    match = _ISO_MONTH.match(text)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if match.group(3) is not None and int(match.group(3)) != 1:
            raise PeriodError(f"'{text}' is not the first day of a month")
        return _checked(year, month, text)
    match = _LABEL_MONTH.match(text)
    if match:
        month = _MONTH_LOOKUP.get(match.group(1).lower())
        if month is None:
            raise PeriodError(f"'{text}' is not a month (expected e.g. Nov-22 or 2022-11)")
        return _checked(_two_digit_year(int(match.group(2))), month, text)
    match = _SLASH_MONTH.match(text)
    if match:
        return _checked(int(match.group(2)), int(match.group(1)), text)
    raise PeriodError(f"'{text}' is not a month (expected e.g. Nov-22 or 2022-11)")


def _checked(year: int, month: int, text: str) -> date:
    if not 1 <= month <= 12 or not 1990 <= year <= 2100:
        raise PeriodError(f"'{text}' is not a month (expected e.g. Nov-22 or 2022-11)")
    return date(year, month, 1)


_FY = re.compile(r"^(?:FY\s*)?([0-9]{4})\s*[/\-–]\s*([0-9]{2}|[0-9]{4})$", re.IGNORECASE)


def parse_financial_year(value) -> int:
    """Read `2022/23`, `2022-23`, `2022/2023` or `FY 2022/23`; returns the start year (2022)."""
    text = str(value or "").strip()
    match = _FY.match(text)
    if not match:
        raise PeriodError(f"'{text}' is not a financial year (expected e.g. 2022/23)")
    start = int(match.group(1))
    end = int(match.group(2))
    if end != (start + 1) % 100 and end != start + 1:
        raise PeriodError(f"'{text}' is not a financial year: the second year must follow the first")
    return start


def parse_financial_year_or_year(value) -> int:
    """A financial year (`2022/23`) or a bare start year (`2022`)."""
    text = str(value or "").strip()
    if re.fullmatch(r"[0-9]{4}", text):
        return int(text)
    return parse_financial_year(text)


# How many months apart two periods of an indicator's frequency are.
FREQUENCY_MONTHS = {"monthly": 1, "quarterly": 3, "annual": 12}


def previous_period(period: date, frequency: str = "monthly") -> date:
    """The previous period of the same frequency: last month, last quarter's month, last year's month."""
    return add_months(period, -FREQUENCY_MONTHS[frequency])


# --- The scorecard's windows (PRODUCT §6): each the months whose figures a figure of `period` aggregates.


@dataclass(frozen=True, slots=True)
class Window:
    """The months from `first` to `last`, inclusive (empty when `last` is before `first`)."""

    first: date
    last: date

    def months(self) -> list[date]:
        return month_range(self.first, self.last)


def month_window(period: date) -> Window:
    """The month itself: the figure of the period."""
    return Window(period, period)


def quarter_to_date(period: date) -> Window:
    """The financial quarter holding `period`, from its first month up to and including `period`."""
    return Window(quarter_months(*quarter_of(period))[0], period)


def year_to_date(period: date) -> Window:
    """April of the period's financial year up to and including the period."""
    return Window(financial_year_start(financial_year_of(period)), period)


def rolling_six(period: date, frequency: str = "monthly") -> Window:
    """The six periods of the indicator's frequency before `period` (six months, quarters or years).

    From the sixth previous period up to the month before `period`: a quarterly indicator's figures
    fall on quarter ends, so the window holds six of them.
    """
    return Window(add_months(period, -6 * FREQUENCY_MONTHS[frequency]), add_months(period, -1))


def same_months_a_year_earlier(window: Window) -> Window:
    """Last year's same months: the window twelve months earlier (last year's year to date, say)."""
    return Window(add_months(window.first, -12), add_months(window.last, -12))


def previous_financial_year(period: date) -> Window:
    """The whole financial year before the period's, April to March: last year's outturn (Sep-20 → Apr-19 … Mar-20)."""
    first = financial_year_start(financial_year_of(period) - 1)
    return Window(first, add_months(first, 11))


def last_complete_quarter(period: date) -> Window:
    """The latest financial quarter that has ended by the end of `period`: the period's own quarter when the
    period is its last month (Dec-20 → Oct-20 … Dec-20), else the quarter before (Nov-20 → Jul-20 … Sep-20)."""
    first = quarter_to_date(period).first
    if months_into_quarter(period) != 2:
        first = add_months(first, -3)
    return Window(first, add_months(first, 2))


def last_complete_financial_year(period: date) -> Window:
    """The latest financial year that has ended by the end of `period`: the period's own year when the period
    is March (Mar-21 → 2020/21), else the year before (Dec-20 → Apr-19 … Mar-20)."""
    if months_into_financial_year(period) == 11:
        first = financial_year_start(financial_year_of(period))
        return Window(first, period)
    return previous_financial_year(period)


QUARTER_END_MONTHS = (6, 9, 12, 3)


def takes_figure(period: date, frequency: str) -> bool:
    """Whether an indicator of this frequency has a figure for `period`.

    Monthly indicators every month; quarterly ones at the end of each financial
    quarter (Jun, Sep, Dec, Mar); annual ones at the end of the financial year (Mar).
    """
    if frequency == "quarterly":
        return period.month in QUARTER_END_MONTHS
    if frequency == "annual":
        return period.month == 3
    return True
