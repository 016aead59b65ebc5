"""The materialised scorecard: `ScorecardEntry` rows computed from approved figures.

The path of a figure: a return is approved (or reopened, or a target, an
indicator's scoring fields, the portal settings or a comparator change) →
`indicators.recompute_requests.request_recompute(ids)` queues the task `indicators.tasks.recompute_scorecard`
once the transaction commits → `recompute(indicator_ids=…, from_period=…)`
reads the targets in force per financial year, comparators and portal settings
once, then, a slice of indicators at a time, their approved returns and team
figures and the entries they have now; scores every (indicator, period, team)
in Python with the rules of `indicators.scoring`; and writes only what differs:
entries whose computed row equals the stored one are left alone, changed ones
are replaced, new ones inserted (PostgreSQL: `COPY`), and those with no
approved figure any more deleted — all in one transaction. Pages, exports, the
board pack, the feed and alerts read the entries; none of them scores anything.

A recompute is idempotent: running it twice leaves the same rows, and the
second run writes nothing. Every recompute reports which whole-authority
entries changed RAG or persistent red (`RagChange`), computed inside its
transaction, and sends `scorecard_changed` with them before committing, so
alerts can be raised atomically with the new scores.
"""

import gc
import logging
import time
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence, Sized
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from itertools import chain, repeat
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from benchmarks.comparison import RatingRule
from benchmarks.selectors import ComparatorHistory, rating_rules
from indicators import periods, recompute_requests, scoring
from indicators.catalogue.selectors import targets_by_indicator_year
from indicators.models import Indicator, PortalSettings, ScorecardEntry, ScorecardState
from kpiportal import bulk
from returns.models import Return, State, TeamFigure

Point = scoring.Point
# Building hundreds of thousands of points: tuple.__new__ skips the named tuple's Python-level __new__.
_point = partial(tuple.__new__, Point)
_NO_POINT = Point(None)  # a month without a figure, or marked "not available"

logger = logging.getLogger(__name__)

# Sent inside the recompute's transaction with `changes` (a list of RagChange) and `indicator_ids`
# (None for a full recompute). Receivers that write (e.g. alerts) share the transaction.
scorecard_changed = Signal()

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
_COL = {name: i for i, name in enumerate(ENTRY_COLUMNS)}
_RAG, _PERSISTENT = _COL["rag"], _COL["persistent_red"]

_FREQUENCY_STEP = {"monthly": 1, "quarterly": 3, "annual": 12}
# Any constant: recomputes of the scorecard take this PostgreSQL advisory lock in turn.
_ADVISORY_LOCK_KEY = 4_202_604
# The `reason` the nightly beat entry gives: that run refreshes cached pages only when an entry changed.
NIGHTLY_REASON = "nightly"
# Indicators compared per slice: each slice reads its stored entries in one query, scores its series
# and writes what differs, so the entries held in memory are one slice's (about 40,000), not all of them.
SLICE = 50
# The scale of the entries' numeric columns: a computed figure is stored as PostgreSQL rounds it,
# to six places with halves away from zero, so that a stored entry and a fresh computation compare equal.
_STORED = scoring.STORED_PLACES


def _stored(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(_STORED, ROUND_HALF_UP)


class RagChange(NamedTuple):
    """A whole-authority entry whose RAG or persistent-red state a recompute changed.

    `old_rag` is None for a new entry, `new_rag` None for an entry removed (e.g. a reopened return).
    """

    indicator_id: int
    period: date
    old_rag: str | None
    new_rag: str | None
    old_persistent: bool | None
    new_persistent: bool | None

    @property
    def turned_red(self) -> bool:
        return self.new_rag == scoring.RED and self.old_rag != scoring.RED


@dataclass
class RecomputeResult:
    entries: int  # entries in the recomputed scope afterwards
    written: int = 0  # of which inserted: new, or replacing a stored entry that differed
    deleted: int = 0  # entries deleted: replaced ones, and those with no approved figure any more
    rag_changes: list[RagChange] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    # A full run: the recompute requests pending (committed) before it read its inputs, so answered by it.
    answered_requests: list[int] = field(default_factory=list)

    @property
    def unchanged(self) -> int:
        """Entries left as they were: their computed row equals the stored one."""
        return self.entries - self.written


# --- Reading the inputs ------------------------------------------------------------------------


@dataclass
class _Context:
    """What every slice of indicators is scored with, read once per recompute."""

    indicators: list[tuple]  # (id, unit, aggregation, frequency, polarity)
    rules: dict[tuple[int, int], scoring.TargetRule]
    comparators: ComparatorHistory
    rating_rules: dict[int, RatingRule]  # which comparator and band rate each indicator (benchmarks)
    persistent_red_periods: int
    calendar: "_Calendar" = field(default_factory=lambda: _Calendar())


@dataclass
class _Figures:
    """The approved figures of a slice of indicators, as series keyed by month number (year × 12 + month − 1)."""

    whole: dict[int, dict[int, scoring.Point]]  # indicator → month number → point
    not_available: dict[int, set[int]]  # indicator → month numbers marked "not available"
    teams: dict[int, dict[int, dict[int, scoring.Point]]]  # indicator → team → month number → point


def _rows(queryset) -> list[tuple]:
    """All rows of a values_list queryset in one fetch.

    On PostgreSQL the ORM's row-by-row iterator costs seconds at this size, so the SQL runs on the
    bare cursor (its values already Python's). SQLite hands back decimals as floats without the ORM's
    converters, so there the ORM reads them.
    """
    if connection.vendor != "postgresql":
        return list(queryset)
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _context(indicator_ids: list[int] | None) -> _Context:
    indicators = Indicator.objects.all()
    if indicator_ids is not None:
        indicators = indicators.filter(pk__in=indicator_ids)
    rows = list(indicators.order_by("pk").values_list("pk", "unit", "aggregation", "frequency", "polarity"))
    ids = [row[0] for row in rows]
    return _Context(
        indicators=rows,
        rules={key: target.as_rule() for key, target in targets_by_indicator_year(ids).items()},
        comparators=ComparatorHistory(ids if indicator_ids is not None else None),
        rating_rules=rating_rules(ids),
        persistent_red_periods=PortalSettings.load().persistent_red_periods,
    )


def _figures(indicators: Sequence[tuple], everything: bool) -> _Figures:
    """The approved returns and team figures of these indicators (`everything`: all there are), in two queries."""
    ids = [row[0] for row in indicators]
    units = {row[0]: row[1] for row in indicators}
    aggregations = {row[0]: row[2] for row in indicators}
    derive = scoring.derive_value

    whole: dict[int, dict[int, scoring.Point]] = defaultdict(dict)
    not_available: dict[int, set[int]] = defaultdict(set)
    teams: dict[int, dict[int, dict[int, scoring.Point]]] = defaultdict(lambda: defaultdict(dict))
    return_keys: dict[int, tuple[int, int]] = {}
    from_teams: dict[int, tuple[int, int, list]] = {}  # returns whose whole is derived from their teams
    returns = Return.objects.filter(state=State.APPROVED)
    team_figures = TeamFigure.objects.filter(ret__state=State.APPROVED)
    if not everything:
        returns = returns.filter(indicator_id__in=ids)
        team_figures = team_figures.filter(ret__indicator_id__in=ids)
    return_rows = returns.values_list(
        "pk", "indicator_id", "period", "value", "numerator", "denominator", "not_available"
    )
    for pk, indicator_id, period, value, numerator, denominator, na in _rows(return_rows):
        if indicator_id not in units:
            continue  # an indicator created since the catalogue was read
        number = period.year * 12 + period.month - 1
        return_keys[pk] = (indicator_id, number)
        if na:
            whole[indicator_id][number] = _NO_POINT
            not_available[indicator_id].add(number)
        elif value is None and numerator is None:
            from_teams[pk] = (indicator_id, number, [])
            whole[indicator_id][number] = _NO_POINT
        else:
            # Returns store derived values (returns.figures); a value left blank is derived here the same way.
            if value is None:
                value = derive(unit=units[indicator_id], value=None, numerator=numerator, denominator=denominator)
            whole[indicator_id][number] = _point((value, numerator, denominator))
    figure_rows = team_figures.values_list("ret_id", "team_id", "value", "numerator", "denominator")
    for ret_id, team_id, value, numerator, denominator in _rows(figure_rows):
        key = return_keys.get(ret_id)
        if key is None:
            continue
        indicator_id, number = key
        if value is None:
            value = derive(unit=units[indicator_id], value=None, numerator=numerator, denominator=denominator)
        p = teams[indicator_id][team_id][number] = _point((value, numerator, denominator))
        if ret_id in from_teams:
            from_teams[ret_id][2].append(p)
    for indicator_id, number, parts in from_teams.values():
        if parts:
            # §3: a return with team rows but no whole-authority figure takes the whole from its teams.
            whole[indicator_id][number] = scoring.whole_from_teams(
                units[indicator_id], aggregations[indicator_id], parts
            )
    return _Figures(whole=whole, not_available=not_available, teams=teams)


# --- Scoring -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _YearRule:
    rule: scoring.TargetRule | None
    polarity: str
    dot_threshold: Decimal
    target: Decimal | None
    threshold: Decimal | None  # as stored


def _year_rules(context: _Context, indicator_id: int, unit: str, polarity: str, years: Iterable[int]):
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


def _month_number(period: date) -> int:
    return period.year * 12 + period.month - 1


class _Calendar(dict):
    """Month number (year × 12 + month − 1) → (period, financial year, months into the year, into the quarter)."""

    def __missing__(self, number: int) -> tuple[date, int, int, int]:
        period = date(number // 12, number % 12 + 1, 1)
        found = self[number] = (
            period,
            periods.financial_year_of(period),
            periods.months_into_financial_year(period),
            periods.months_into_quarter(period),
        )
        return found


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
    context: _Context,
    from_number: int | None,
) -> Iterator[tuple]:
    """Score one series (the whole authority or one team) of one indicator: one row per period present.

    Column by column: each rule of `scoring` is mapped over the whole series at once, and the
    rows are zipped from the columns at the end (the same calls as row by row, without a Python
    loop around each of them).
    """
    numbers = sorted(points)
    first = numbers[0]
    dense = [_NO_POINT] * (numbers[-1] - first + 1)
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


def _comparators(context: _Context, indicator_id: int, team_id: int | None, period_column, values, polarities):
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
    context: _Context, figures: _Figures, from_period: date | None = None, *, indicators: Sequence[tuple] | None = None
) -> Iterator[tuple]:
    """Every entry row (in ENTRY_COLUMNS order) of `indicators` (default: the context's) from `figures`.

    Per indicator: the whole authority first, then each team by id; periods in order.
    """
    return chain.from_iterable(_series_rows(context, figures, from_period, indicators or context.indicators))


def _series_rows(context: _Context, figures: _Figures, from_period: date | None, indicators: Sequence[tuple]):
    from_number = None if from_period is None else _month_number(from_period)
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


# --- Writing -------------------------------------------------------------------------------------


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
            # Entries are derived data: a crash in the instant after commit loses nothing a recompute
            # cannot rebuild, so the commit need not wait for the WAL to reach the disk.
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _scope(indicator_ids: Iterable[int] | None, from_period: date | None):
    entries = ScorecardEntry.objects.all()
    if indicator_ids is not None:
        entries = entries.filter(indicator_id__in=list(indicator_ids))
    if from_period is not None:
        entries = entries.filter(period__gte=from_period)
    return entries


def _stored_rows(entries) -> list[tuple]:
    """These entries' rows (ENTRY_COLUMNS), in the order `compute_rows` gives them, in one query."""
    order = ("indicator_id", F("team_id").asc(nulls_first=True), "period")
    return _rows(entries.order_by(*order).values_list(*ENTRY_COLUMNS))


def _delete(entries, keys: list[tuple]) -> None:
    """Delete these (indicator, period, team) entries, among `entries`."""
    if not keys:
        return
    pks = {row[:3]: row[3] for row in _rows(entries.order_by().values_list("indicator_id", "period", "team_id", "pk"))}
    # A key may be gone already: deleting a team or an indicator cascades to its entries without the lock.
    ids = [pks[key] for key in keys if key in pks]
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(ScorecardEntry._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", [ids])  # noqa: S608 - the model's table
        return
    for i in range(0, len(ids), 500):
        ScorecardEntry.objects.filter(pk__in=ids[i : i + 500]).delete()


@dataclass
class _Changes:
    """What a recompute found against the stored entries, slice by slice."""

    clock: "_Clock"
    entries: int = 0
    written: int = 0
    deleted: int = 0
    rag_changes: list[RagChange] = field(default_factory=list)

    def apply(self, rows: Iterable[tuple], entries) -> None:
        """Make `entries` (a queryset: the scope of these rows) hold exactly `rows`, writing only what differs."""
        clock = self.clock
        stored = _stored_rows(entries)
        clock.lap("read entries")
        if not stored:
            self._insert(rows)
            clock.lap("score and write (streamed)")
            return
        rows = list(rows)
        clock.lap("score")
        self.entries += len(rows)
        if rows == stored:  # the usual night: nothing changed, nothing written
            clock.lap("compare")
            return
        before = {row[:3]: row for row in stored}
        changed: list[tuple] = []
        stale: list[tuple] = []
        rag_changes = self.rag_changes
        for row in rows:
            key = row[:3]
            old = before.pop(key, None)
            if old is not None:
                if old == row:
                    continue
                stale.append(key)
            changed.append(row)
            if key[2] is None:  # the whole authority: RAG changes for alerts
                if old is None:
                    rag_changes.append(RagChange(key[0], key[1], None, row[_RAG], None, row[_PERSISTENT]))
                elif (old[_RAG], old[_PERSISTENT]) != (row[_RAG], row[_PERSISTENT]):
                    rag_changes.append(
                        RagChange(key[0], key[1], old[_RAG], row[_RAG], old[_PERSISTENT], row[_PERSISTENT])
                    )
        for key, old in before.items():  # no approved figure any more
            stale.append(key)
            if key[2] is None:
                rag_changes.append(RagChange(key[0], key[1], old[_RAG], None, old[_PERSISTENT], None))
        clock.lap("compare")
        _delete(entries, stale)
        if changed:
            bulk.copy_rows(ScorecardEntry, ENTRY_COLUMNS, changed)
        clock.lap("write")
        self.written += len(changed)
        self.deleted += len(stale)

    def _insert(self, rows: Iterable[tuple]) -> None:
        """Nothing stored to compare with: the rows stream into the table as they are computed (PostgreSQL
        indexes them on the other core meanwhile), every whole-authority one a new RAG."""
        if isinstance(rows, Sized) and not rows:
            return
        rag_changes = self.rag_changes
        count = 0

        def counted():
            nonlocal count
            for row in rows:
                count += 1
                if row[2] is None:
                    rag_changes.append(RagChange(row[0], row[1], None, row[_RAG], None, row[_PERSISTENT]))
                yield row

        bulk.copy_rows(ScorecardEntry, ENTRY_COLUMNS, counted())
        self.entries += count
        self.written += count


def recompute(
    *, indicator_ids: Iterable[int] | None = None, from_period: date | None = None, refresh_pages: bool = True
) -> RecomputeResult:
    """Recompute the scorecard entries of some indicators (None: all) from `from_period` on (None: all periods).

    Entries from `from_period` on depend on it (previous value, YTD, last year's YTD,
    rolling six months, persistent red), so they are all computed again; earlier periods
    are read as history only. Only entries that differ from the stored ones are written.
    Runs in one transaction holding the scorecard lock. `ScorecardState.version` (the
    pages' cache key) goes up when an entry changed, or always with `refresh_pages`
    (the default: a request made because something pages show changed, commentary or a title
    among them); the nightly run passes False so that an unchanged scorecard keeps its caches.
    """
    clock = _Clock()
    ids = None if indicator_ids is None else sorted({int(i) for i in indicator_ids})
    if from_period is not None:
        from_period = periods.month_start(from_period)
    if ids == []:
        return RecomputeResult(entries=0)
    found = _Changes(clock)
    with _collector_paused(), transaction.atomic():
        _lock()
        answered = []
        if ids is None and from_period is None:
            # Read before the inputs: a request committed by now had its change committed too, so this run
            # sees it. One written earlier but committed later is not answered here (its `requested_at`
            # is when it was written, not committed): the relay or its own task answers it.
            answered = recompute_requests.pending_request_ids()
        context = _context(ids)
        figures = _figures(context.indicators, everything=ids is None)
        clock.lap("read inputs")
        wanted = [row[0] for row in context.indicators]
        for start in range(0, len(context.indicators), SLICE):
            indicators = context.indicators[start : start + SLICE]
            rows = compute_rows(context, figures, from_period, indicators=indicators)
            found.apply(rows, _scope([row[0] for row in indicators], from_period))
        # Entries of indicators asked for but gone, or (full recompute) of indicators no longer in the catalogue.
        if ids is None:
            found.apply((), _scope(None, from_period).exclude(indicator_id__in=Indicator.objects.values("pk")))
        elif gone := sorted(set(ids) - set(wanted)):
            found.apply((), _scope(gone, from_period))
        changes = sorted(found.rag_changes, key=lambda c: (c.indicator_id, c.period))
        if refresh_pages or found.written or found.deleted:
            ScorecardState.objects.get_or_create(pk=1)
            ScorecardState.objects.filter(pk=1).update(version=F("version") + 1, recomputed_at=timezone.now())
        scorecard_changed.send(sender=RecomputeResult, changes=changes, indicator_ids=ids)
    clock.lap("alerts and commit")
    logger.info(
        "scorecard recompute: %s indicators from %s, %d entries: %d written, %d deleted, %d RAG changes in %.2fs (%s)",
        "all" if ids is None else len(ids),
        from_period or "the start",
        found.entries,
        found.written,
        found.deleted,
        len(changes),
        clock.total,
        ", ".join(f"{name} {seconds:.2f}s" for name, seconds in clock.laps.items()),
    )
    return RecomputeResult(
        entries=found.entries,
        written=found.written,
        deleted=found.deleted,
        rag_changes=changes,
        seconds=clock.total,
        timings=clock.laps,
        answered_requests=answered,
    )


@contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector while a recompute runs.

    A full recompute builds millions of small objects (points, rows) that live until it
    ends and hold no reference cycles; the collector would traverse them again and again
    as they pile up (about 40 % of the reading time, measured). They are freed by reference
    counting as usual; the collector resumes when the recompute ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Clock:
    """Wall time per stage, added up over the slices."""

    def __init__(self):
        self.started = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = self.laps.get(name, 0.0) + now - self.last
        self.last = now

    @property
    def total(self) -> float:
        return self.last - self.started
