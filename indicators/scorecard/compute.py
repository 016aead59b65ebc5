"""Scoring: every entry row of a slice of indicators, computed from its inputs by the rules of `scoring`."""

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import chain, repeat

from indicators import scoring
from indicators.scorecard.inputs import NO_POINT, Context, Figures, month_number

# The columns a recompute writes, in the order of the computed row tuples.
ENTRY_COLUMNS = (
    "indicator_id",
    "period",
    "team_id",
    "value",
    "numerator",
    "denominator",
    "not_available",
    "polarity",
    "previous_value",
    "change",
    "direction",
    "improving",
    "improved_on_last_period",
    "target",
    "tolerance_threshold",
    "distance_from_target",
    "rag",
    "persistent_red",
    "quarter_value",
    "ytd_value",
    "previous_ytd_value",
    "rolling_6m_value",
    "comparator_source_id",
    "comparator_value",
    "comparator_period",
    "comparator_rating",
)

_FREQUENCY_STEP = {"monthly": 1, "quarterly": 3, "annual": 12}

# The scale of the entries' numeric columns: a computed figure is stored as PostgreSQL rounds it,
# to six places with halves away from zero, so that a stored entry and a fresh computation compare equal.
_STORED = scoring.STORED_PLACES


def _stored(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(_STORED, ROUND_HALF_UP)


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


def _score_series(
    *,
    indicator_id: int,
    team_id: int | None,
    points: dict[int, scoring.Point],
    not_available: set[int],
    unit: str,
    aggregation: str,
    step: int,
    year_rules: dict[int, _YearRule],
    context: Context,
    from_number: int | None,
) -> Iterator[tuple]:
    """Score one series (the whole authority or one team) of one indicator: one row per period present.

    Column by column: each rule of `scoring` is mapped over the whole series at once, and the
    rows are zipped from the columns at the end (the same calls as row by row, without a Python
    loop around each of them).
    """
    numbers = sorted(points)
    first = numbers[0]
    dense = [NO_POINT] * (numbers[-1] - first + 1)
    for number in numbers:
        dense[number - first] = points[number]
    calendar = context.calendar
    days = [calendar[n] for n in numbers]  # (period, financial year, months into the year, into the quarter)
    years = [year_rules[d[1]] for d in days]
    polarities = [y.polarity for y in years]
    series = [points[n] for n in numbers]
    values = [p[0] for p in series]
    index = [n - first for n in numbers]  # in the dense series, where a month without a figure has no value
    previous_values = [dense[i - step][0] if i >= step else None for i in index]

    changes = list(map(scoring.change, values, previous_values))
    directions = list(map(scoring.direction, changes, [y.dot_threshold for y in years]))
    rags = list(map(scoring.rag, values, [y.rule for y in years]))
    improving = [_IMPROVING[key] for key in zip(directions, polarities, strict=True)]
    improved = list(map(scoring.improved_on_last_period, values, previous_values, polarities))
    targets = [y.target for y in years]
    distances = list(map(scoring.distance_from_target, values, targets))

    # Windows, by index in the dense series: the quarter and the year to date up to this period, the
    # six periods before it (6 × step months), and last year's same months (that month's own YTD when it was scored).
    # In the first quarter of a year the quarter to date is the year to date: the same window.
    windows = scoring.WindowAggregates(dense, aggregation, unit=unit).windows
    ends = [i + 1 for i in index]
    year_starts = [i - d[2] for i, d in zip(index, days, strict=True)]
    ytds = windows(year_starts, ends)
    later = [k for k, d in enumerate(days) if d[2] != d[3]]  # months after the first quarter
    quarters = ytds.copy()
    for k, value in zip(later, windows([index[k] - days[k][3] for k in later], [ends[k] for k in later]), strict=True):
        quarters[k] = value
    # §6: the six periods before this one, of the indicator's frequency (six quarters of a quarterly one).
    rolling = windows([i - 6 * step for i in index], index)
    ytd_of = dict(zip(numbers, ytds, strict=True))
    earlier = [k for k, n in enumerate(numbers) if n - 12 not in ytd_of]  # last year's month absent: its window
    earlier_ytds = dict(
        zip(earlier, windows([year_starts[k] - 12 for k in earlier], [index[k] - 11 for k in earlier]), strict=True)
    )
    previous_ytds = [ytd_of[n - 12] if n - 12 in ytd_of else earlier_ytds[k] for k, n in enumerate(numbers)]
    if aggregation in (scoring.RATIO, scoring.MEAN):  # a division: more places than a stored figure keeps
        stored, half_up = _STORED, ROUND_HALF_UP
        quarters, ytds, previous_ytds, rolling = (
            [None if v is None else v.quantize(stored, half_up) for v in column]
            for column in (quarters, ytds, previous_ytds, rolling)
        )

    # Persistently red: only a red period can end a run of reds, so the rule is asked only then.
    run = context.persistent_red_periods
    run_offsets = [k * step for k in range(run - 1, -1, -1)]
    rag_of = dict(zip(numbers, rags, strict=True))
    red, persistent_red = scoring.RED, scoring.persistent_red
    reds = [
        rag == red and persistent_red([rag_of.get(n - k, "") for k in run_offsets], run)
        for n, rag in zip(numbers, rags, strict=True)
    ]

    start = 0 if from_number is None else bisect_left(numbers, from_number)
    size = len(numbers) - start
    if start:
        days, years, series, numbers = days[start:], years[start:], series[start:], numbers[start:]
        values, polarities, previous_values, changes = (
            values[start:],
            polarities[start:],
            previous_values[start:],
            changes[start:],
        )
        directions, improving, improved, targets = (
            directions[start:],
            improving[start:],
            improved[start:],
            targets[start:],
        )
        distances, rags, reds = distances[start:], rags[start:], reds[start:]
        quarters, ytds, previous_ytds, rolling = quarters[start:], ytds[start:], previous_ytds[start:], rolling[start:]
    period_column = [d[0] for d in days]
    return zip(
        repeat(indicator_id, size),
        period_column,
        repeat(team_id, size),
        values,
        [p[1] for p in series],
        [p[2] for p in series],
        [n in not_available for n in numbers] if not_available else repeat(False, size),
        polarities,
        previous_values,
        changes,
        [d or "" for d in directions],
        improving,
        improved,
        targets,
        [y.threshold for y in years],
        distances,
        rags,
        reds,
        quarters,
        ytds,
        previous_ytds,
        rolling,
        *_comparators(context, indicator_id, team_id, period_column, values, polarities),
        strict=True,
    )


def _comparators(context: Context, indicator_id: int, team_id: int | None, period_column, values, polarities):
    """The rating comparator's columns (source, value, period, rating); whole-authority rows only."""
    size = len(period_column)
    rule = context.rating_rules.get(indicator_id)
    if team_id is not None or rule is None or rule.source_id is None:
        return repeat(None, size), repeat(None, size), repeat("", size), repeat("", size)
    latest_of, rating = context.comparators.latest_of, scoring.comparator_rating
    sources, figures, labels, ratings = [], [], [], []
    for period, value, polarity in zip(period_column, values, polarities, strict=True):
        figure = latest_of(indicator_id, rule.source_id, period)
        if figure is None:
            sources.append(None)
            figures.append(None)
            labels.append("")
            ratings.append("")
        else:
            sources.append(figure.source.pk)
            figures.append(figure.value)
            labels.append(figure.period_label)
            ratings.append(rating(value, figure.value, polarity, rule.band) or "")
    return sources, figures, labels, ratings


def compute_rows(
    context: Context, figures: Figures, from_period: date | None = None, *, indicators: Sequence[tuple] | None = None
) -> Iterator[tuple]:
    """Every entry row (in ENTRY_COLUMNS order) of `indicators` (default: the context's) from `figures`.

    Per indicator: the whole authority first, then each team by id; periods in order.
    """
    return chain.from_iterable(_series_rows(context, figures, from_period, indicators or context.indicators))


def _series_rows(context: Context, figures: Figures, from_period: date | None, indicators: Sequence[tuple]):
    from_number = None if from_period is None else month_number(from_period)
    calendar = context.calendar
    for indicator_id, unit, aggregation, frequency, polarity in indicators:
        whole = figures.whole.get(indicator_id, {})
        team_series = figures.teams.get(indicator_id, {})
        if not whole and not team_series:
            continue
        numbers = set(whole)
        for series in team_series.values():
            numbers.update(series)
        years = {calendar[n][1] for n in numbers}
        common = {
            "indicator_id": indicator_id,
            "unit": unit,
            "aggregation": aggregation,
            "step": _FREQUENCY_STEP.get(frequency, 1),
            "year_rules": _year_rules(context, indicator_id, unit, polarity, years),
            "context": context,
            "from_number": from_number,
        }
        if whole:
            yield _score_series(
                team_id=None, points=whole, not_available=figures.not_available.get(indicator_id, set()), **common
            )
        for team_id in sorted(team_series):
            yield _score_series(team_id=team_id, points=team_series[team_id], not_available=set(), **common)
