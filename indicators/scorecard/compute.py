"""Scoring: every entry row of a slice of indicators, computed from its inputs by the rules of `scoring`.

A series (the whole authority or one team of one indicator) is scored column by column: each
rule of `indicators.scoring` is mapped over all its periods at once, each step below giving some
of the entry's columns by name, and the rows (`EntryRow`, one field per stored column) are built
from the columns by name at the end. The windows a figure aggregates (quarter to date, year to
date, the six periods before, last year's same months, the whole previous year) are those of
`indicators.periods`.
"""

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from itertools import chain
from typing import NamedTuple

from indicators import periods, scoring
from indicators.scorecard.inputs import NO_POINT, Context, Figures


class EntryRow(NamedTuple):
    """One scorecard entry as a recompute writes it: a field per stored column, in the table's order."""

    indicator_id: int
    period: date
    team_id: int | None
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    not_available: bool
    polarity: str
    previous_value: Decimal | None
    change: Decimal | None
    direction: str
    improving: bool | None
    improved_on_last_period: bool | None
    target: Decimal | None
    tolerance_threshold: Decimal | None
    distance_from_target: Decimal | None
    rag: str
    persistent_red: bool
    quarter_value: Decimal | None
    ytd_value: Decimal | None
    previous_ytd_value: Decimal | None
    previous_year_outturn: Decimal | None
    rolling_6m_value: Decimal | None
    comparator_source_id: int | None
    comparator_value: Decimal | None
    comparator_period: str
    comparator_rating: str


# The columns a recompute writes and reads back, named by the row type.
ENTRY_COLUMNS: tuple[str, ...] = EntryRow._fields
# Building hundreds of thousands of rows (from columns, or read back from the table): tuple.__new__
# skips the named tuple's Python-level __new__.
new_entry_row = partial(tuple.__new__, EntryRow)

# The scale of the entries' numeric columns: a computed figure is stored as PostgreSQL rounds it,
# to six places with halves away from zero, so that a stored entry and a fresh computation compare equal.
_STORED = scoring.STORED_PLACES


def _stored(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(_STORED, ROUND_HALF_UP)


# --- The calendar: each month's windows, as month numbers --------------------------------------------


class _MonthWindows(NamedTuple):
    """A month of an indicator's frequency and the windows its figure aggregates (month numbers, inclusive)."""

    period: date
    financial_year: int
    previous: int  # the previous period of the frequency
    quarter_first: int  # quarter to date: quarter_first … this month
    year_first: int  # year to date: year_first … this month
    last_year_first: int  # last year's same months (of the year to date)
    last_year_last: int
    outturn_first: int  # last year's outturn: the whole previous financial year
    outturn_last: int
    rolling_first: int  # the six periods before this one
    rolling_last: int


class _Calendar(dict):
    """Month number → `_MonthWindows` for one frequency, worked out once per month by `indicators.periods`."""

    def __init__(self, frequency: str):
        super().__init__()
        self.frequency = frequency

    def __missing__(self, number: int) -> _MonthWindows:
        period, frequency, number_of = periods.month_of_number(number), self.frequency, periods.month_number
        year_to_date = periods.year_to_date(period)
        last_year = periods.same_months_a_year_earlier(year_to_date)
        outturn = periods.previous_financial_year(period)
        rolling = periods.rolling_six(period, frequency)
        found = self[number] = _MonthWindows(
            period=period,
            financial_year=periods.financial_year_of(period),
            previous=number_of(periods.previous_period(period, frequency)),
            quarter_first=number_of(periods.quarter_to_date(period).first),
            year_first=number_of(year_to_date.first),
            last_year_first=number_of(last_year.first),
            last_year_last=number_of(last_year.last),
            outturn_first=number_of(outturn.first),
            outturn_last=number_of(outturn.last),
            rolling_first=number_of(rolling.first),
            rolling_last=number_of(rolling.last),
        )
        return found


_CALENDARS = {frequency: _Calendar(frequency) for frequency in periods.FREQUENCY_MONTHS}


def _calendar(frequency: str) -> _Calendar:
    return _CALENDARS[frequency if frequency in _CALENDARS else "monthly"]


# --- Targets per financial year ----------------------------------------------------------------------


@dataclass(frozen=True)
class _YearRule:
    rule: scoring.TargetRule | None
    polarity: str
    dot_threshold: Decimal
    target: Decimal | None
    threshold: Decimal | None  # as stored


def _year_rules(context: Context, indicator_id: int, unit: str, polarity: str, years: Iterable[int]):
    default_dot = scoring.default_dot_threshold(unit)
    result = {}
    for year in years:
        rule = context.rules.get((indicator_id, year))
        if rule is None:
            result[year] = _YearRule(None, polarity, default_dot, None, None)
        else:
            result[year] = _YearRule(rule, rule.polarity, rule.dot_threshold, rule.target, _stored(rule.threshold))
    return result


# Whether a direction is an improvement under a polarity (`scoring.is_improving`), for every pair there is.
_IMPROVING = {
    (direction, polarity): scoring.is_improving(direction, polarity)
    for direction in (None, scoring.UP, scoring.DOWN, scoring.FLAT)
    for polarity in (scoring.HIGHER, scoring.LOWER, scoring.NEUTRAL, "")
}


# --- Scoring one series ----------------------------------------------------------------------------


@dataclass(slots=True)
class _Series:
    """One series of one indicator: its periods with a figure, oldest first, and what scores them."""

    indicator_id: int
    team_id: int | None
    unit: str
    aggregation: str
    step: int  # months between two periods of the frequency
    numbers: list[int]  # month numbers of the periods present
    points: list[scoring.Point]  # their figures
    months: list[_MonthWindows]  # their windows
    years: list[_YearRule]  # their financial year's target rule
    dense: list[scoring.Point]  # every month from the first to the last (NO_POINT where none)
    first: int  # the first month number: dense[n - first] is month n

    @classmethod
    def of(cls, points: dict[int, scoring.Point], calendar: _Calendar, year_rules: dict[int, _YearRule], **fields):
        numbers = sorted(points)
        first = numbers[0]
        dense = [NO_POINT] * (numbers[-1] - first + 1)
        for number in numbers:
            dense[number - first] = points[number]
        months = [calendar[n] for n in numbers]
        return cls(
            numbers=numbers,
            points=[points[n] for n in numbers],
            months=months,
            years=[year_rules[m.financial_year] for m in months],
            dense=dense,
            first=first,
            **fields,
        )


def _figure_columns(series: _Series, not_available: set[int]) -> dict[str, list]:
    """The entry's key and its figure: indicator, period, team, value, numerator, denominator, not available."""
    size, points = len(series.numbers), series.points
    return {
        "indicator_id": [series.indicator_id] * size,
        "period": [m.period for m in series.months],
        "team_id": [series.team_id] * size,
        "value": [p[0] for p in points],
        "numerator": [p[1] for p in points],
        "denominator": [p[2] for p in points],
        "not_available": [n in not_available for n in series.numbers] if not_available else [False] * size,
    }


def _change_columns(series: _Series, values: list) -> dict[str, list]:
    """Against the previous period: its value, the change, the direction and whether it improves."""
    dense, first = series.dense, series.first
    polarities = [y.polarity for y in series.years]
    previous_values = [dense[m.previous - first][0] if m.previous >= first else None for m in series.months]
    changes = list(map(scoring.change, values, previous_values))
    directions = list(map(scoring.direction, changes, [y.dot_threshold for y in series.years]))
    return {
        "polarity": polarities,
        "previous_value": previous_values,
        "change": changes,
        "direction": [d or "" for d in directions],
        "improving": [_IMPROVING[key] for key in zip(directions, polarities, strict=True)],
        "improved_on_last_period": list(map(scoring.improved_on_last_period, values, previous_values, polarities)),
    }


def _target_columns(series: _Series, values: list, persistent_red_periods: int) -> dict[str, list]:
    """Against the year's target: the target, its threshold, the distance, the RAG and persistent red."""
    targets = [y.target for y in series.years]
    rags = list(map(scoring.rag, values, [y.rule for y in series.years]))
    return {
        "target": targets,
        "tolerance_threshold": [y.threshold for y in series.years],
        "distance_from_target": list(map(scoring.distance_from_target, values, targets)),
        "rag": rags,
        "persistent_red": _persistent_reds(series, rags, persistent_red_periods),
    }


def _persistent_reds(series: _Series, rags: list[str], run: int) -> list[bool]:
    """Whether each period ends a run of `run` red periods. Only a red period can, so the rule is asked only then."""
    offsets = [k * series.step for k in range(run - 1, -1, -1)]
    rag_of = dict(zip(series.numbers, rags, strict=True))
    red, persistent_red = scoring.RED, scoring.persistent_red
    return [
        rag == red and persistent_red([rag_of.get(n - k, "") for k in offsets], run)
        for n, rag in zip(series.numbers, rags, strict=True)
    ]


def _window_columns(series: _Series) -> dict[str, list]:
    """The windows' aggregates (PRODUCT §6): quarter to date, year to date, last year's same months, last year's
    outturn, rolling six."""
    windows = scoring.WindowAggregates(series.dense, series.aggregation, unit=series.unit).windows
    first, months = series.first, series.months
    ends = [n - first + 1 for n in series.numbers]  # each window ends with this month, included
    ytds = windows([m.year_first - first for m in months], ends)
    # In the first quarter of a year the quarter to date is the year to date: the same window.
    later = [k for k, m in enumerate(months) if m.quarter_first != m.year_first]
    quarters = ytds.copy()
    later_windows = windows([months[k].quarter_first - first for k in later], [ends[k] for k in later])
    for k, value in zip(later, later_windows, strict=True):
        quarters[k] = value
    rolling = windows([m.rolling_first - first for m in months], [m.rolling_last - first + 1 for m in months])
    columns = {
        "quarter_value": quarters,
        "ytd_value": ytds,
        "previous_ytd_value": _last_years_ytds(series, ytds, windows),
        "previous_year_outturn": _last_years_outturns(series, windows),
        "rolling_6m_value": rolling,
    }
    if series.aggregation in (scoring.RATIO, scoring.MEAN):  # a division: more places than a stored figure keeps
        stored, half_up = _STORED, ROUND_HALF_UP
        for name, column in columns.items():
            columns[name] = [None if v is None else v.quantize(stored, half_up) for v in column]
    return columns


def _last_years_ytds(series: _Series, ytds: list, windows) -> list:
    """Last year's same months: the year to date that month was scored with when the series has it, else its window."""
    first, months = series.first, series.months
    ytd_of = dict(zip(series.numbers, ytds, strict=True))
    absent = [k for k, m in enumerate(months) if m.last_year_last not in ytd_of]
    computed = windows(
        [months[k].last_year_first - first for k in absent], [months[k].last_year_last - first + 1 for k in absent]
    )
    found = dict(zip(absent, computed, strict=True))
    return [ytd_of[m.last_year_last] if k not in found else found[k] for k, m in enumerate(months)]


def _last_years_outturns(series: _Series, windows) -> list:
    """The whole previous financial year of each period: one window per financial year of the series."""
    first = series.first
    years = [m.financial_year for m in series.months]
    one_month_of = dict(zip(years, series.months, strict=True))  # the window is the same all year
    starts = [m.outturn_first - first for m in one_month_of.values()]
    stops = [m.outturn_last - first + 1 for m in one_month_of.values()]
    outturns = dict(zip(one_month_of, windows(starts, stops), strict=True))
    return [outturns[year] for year in years]


def _comparator_columns(context: Context, series: _Series, columns: dict[str, list]) -> dict[str, list]:
    """The rating comparator's source, value, period and rating; whole-authority rows only."""
    size = len(series.numbers)
    rule = context.rating_rules.get(series.indicator_id)
    if series.team_id is not None or rule is None or rule.source_id is None:
        return {
            "comparator_source_id": [None] * size,
            "comparator_value": [None] * size,
            "comparator_period": [""] * size,
            "comparator_rating": [""] * size,
        }
    latest_of, rating = context.comparators.latest_of, scoring.comparator_rating
    sources, figures, labels, ratings = [], [], [], []
    for period, value, polarity in zip(columns["period"], columns["value"], columns["polarity"], strict=True):
        figure = latest_of(series.indicator_id, rule.source_id, period)
        sources.append(None if figure is None else figure.source.pk)
        figures.append(None if figure is None else figure.value)
        labels.append("" if figure is None else figure.period_label)
        ratings.append("" if figure is None else rating(value, figure.value, polarity, rule.band) or "")
    return {
        "comparator_source_id": sources,
        "comparator_value": figures,
        "comparator_period": labels,
        "comparator_rating": ratings,
    }


def _score_series(
    series: _Series, not_available: set[int], context: Context, from_number: int | None
) -> Iterator[EntryRow]:
    """Score one series: one row per period present, from `from_number` on (earlier periods are history)."""
    columns = _figure_columns(series, not_available)
    values = columns["value"]
    columns.update(_change_columns(series, values))
    columns.update(_target_columns(series, values, context.persistent_red_periods))
    columns.update(_window_columns(series))
    columns.update(_comparator_columns(context, series, columns))
    start = 0 if from_number is None else bisect_left(series.numbers, from_number)
    ordered = [columns[name][start:] if start else columns[name] for name in ENTRY_COLUMNS]
    return map(new_entry_row, zip(*ordered, strict=True))


# --- Every row of a slice ----------------------------------------------------------------------------


def compute_rows(
    context: Context, figures: Figures, from_period: date | None = None, *, indicators: Sequence[tuple] | None = None
) -> Iterator[EntryRow]:
    """Every entry row of `indicators` (default: the context's) from `figures`.

    Per indicator: the whole authority first, then each team by id; periods in order.
    """
    return chain.from_iterable(_series_rows(context, figures, from_period, indicators or context.indicators))


def _series_rows(context: Context, figures: Figures, from_period: date | None, indicators: Sequence[tuple]):
    from_number = None if from_period is None else periods.month_number(from_period)
    for indicator_id, unit, aggregation, frequency, polarity in indicators:
        whole = figures.whole.get(indicator_id, {})
        team_series = figures.teams.get(indicator_id, {})
        if not whole and not team_series:
            continue
        calendar = _calendar(frequency)
        numbers = set(whole)
        for series in team_series.values():
            numbers.update(series)
        years = {calendar[n].financial_year for n in numbers}
        common = {
            "calendar": calendar,
            "year_rules": _year_rules(context, indicator_id, unit, polarity, years),
            "indicator_id": indicator_id,
            "unit": unit,
            "aggregation": aggregation,
            "step": periods.FREQUENCY_MONTHS.get(frequency, 1),
        }
        if whole:
            series = _Series.of(whole, team_id=None, **common)
            yield _score_series(series, figures.not_available.get(indicator_id, set()), context, from_number)
        for team_id in sorted(team_series):
            yield _score_series(
                _Series.of(team_series[team_id], team_id=team_id, **common), set(), context, from_number
            )
