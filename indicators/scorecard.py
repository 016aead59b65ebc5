"""The materialised scorecard: `ScorecardEntry` rows computed from approved figures.

The path of a figure: a return is approved (or reopened, or a target, an
indicator's scoring fields, the portal settings or a comparator change) →
`request_recompute(ids)` queues the task `indicators.tasks.recompute_scorecard`
once the transaction commits → `recompute(indicator_ids=…, from_period=…)`
reads every approved return and team figure of those indicators, the targets
in force per financial year, comparators and portal settings in a handful of
queries, scores every (indicator, period, team) in Python with the rules of
`indicators.scoring`, and replaces the entries of that scope in one
transaction. Pages, exports, the board pack, the feed and alerts read the
entries; none of them scores anything.

A recompute is idempotent: running it twice leaves the same rows. Entries
whose figure is no longer approved (a reopened return) disappear. Every
recompute reports which whole-authority entries changed RAG or persistent red
(`RagChange`), computed inside its transaction, and sends
`scorecard_changed` with them before committing, so alerts can be raised
atomically with the new scores.
"""

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from benchmarks.comparison import RatingRule
from benchmarks.selectors import ComparatorHistory, rating_rules
from returns.models import Return, State, TeamFigure

from . import periods, scoring
from .models import Indicator, PortalSettings, ScorecardEntry, ScorecardState
from .selectors import targets_by_indicator_year

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

_FREQUENCY_STEP = {"monthly": 1, "quarterly": 3, "annual": 12}
# Any constant: recomputes of the scorecard take this PostgreSQL advisory lock in turn.
_ADVISORY_LOCK_KEY = 4_202_604


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
    entries: int  # entries written
    deleted: int  # entries deleted first (rewritten, or with no approved figure any more)
    rag_changes: list[RagChange] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


# --- Reading the inputs ------------------------------------------------------------------------


@dataclass
class _Inputs:
    indicators: list[tuple]  # (id, unit, aggregation, frequency, polarity)
    rules: dict[tuple[int, int], scoring.TargetRule]
    whole: dict[int, dict[int, scoring.Point]]  # indicator → month number → point
    not_available: dict[int, set[int]]  # indicator → month numbers marked "not available"
    teams: dict[int, dict[int, dict[int, scoring.Point]]]  # indicator → team → month number → point
    comparators: ComparatorHistory
    rating_rules: dict[int, RatingRule]  # which comparator and band rate each indicator (benchmarks)
    persistent_red_periods: int


def _rows(queryset) -> list[tuple]:
    """All rows of a values_list queryset in one fetch (the ORM's row-by-row iterator costs seconds here)."""
    if connection.vendor != "postgresql":  # SQLite gives decimals as floats: only the ORM converts them
        return list(queryset)
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _load(indicator_ids: list[int] | None) -> _Inputs:
    indicators = Indicator.objects.all()
    returns = Return.objects.filter(state=State.APPROVED)
    figures = TeamFigure.objects.filter(ret__state=State.APPROVED)
    if indicator_ids is not None:
        indicators = indicators.filter(pk__in=indicator_ids)
        returns = returns.filter(indicator_id__in=indicator_ids)
        figures = figures.filter(ret__indicator_id__in=indicator_ids)
    indicator_rows = list(indicators.order_by("pk").values_list("pk", "unit", "aggregation", "frequency", "polarity"))
    ids = [row[0] for row in indicator_rows]
    units = {row[0]: row[1] for row in indicator_rows}
    aggregations = {row[0]: row[2] for row in indicator_rows}
    rules = {key: target.as_rule() for key, target in targets_by_indicator_year(ids).items()}

    def point(unit, value, numerator, denominator) -> scoring.Point:
        # Returns store derived values (returns.figures); a value left blank is derived here the same way.
        if value is None:
            value = scoring.derive_value(unit=unit, value=None, numerator=numerator, denominator=denominator)
        return _point((value, numerator, denominator))

    # Series are keyed by month number (year × 12 + month − 1) from here on.
    whole: dict[int, dict[int, scoring.Point]] = defaultdict(dict)
    not_available: dict[int, set[int]] = defaultdict(set)
    teams: dict[int, dict[int, dict[int, scoring.Point]]] = defaultdict(lambda: defaultdict(dict))
    return_keys: dict[int, tuple[int, int]] = {}
    from_teams: dict[int, tuple[int, int, list]] = {}  # returns whose whole is derived from their teams
    return_rows = returns.values_list(
        "pk", "indicator_id", "period", "value", "numerator", "denominator", "not_available"
    )
    for pk, indicator_id, period, value, numerator, denominator, na in _rows(return_rows):
        unit = units.get(indicator_id)
        if unit is None:
            continue
        number = _month_number(period)
        return_keys[pk] = (indicator_id, number)
        if na:
            whole[indicator_id][number] = _NO_POINT
            not_available[indicator_id].add(number)
        elif value is None and numerator is None:
            from_teams[pk] = (indicator_id, number, [])
            whole[indicator_id][number] = _NO_POINT
        else:
            whole[indicator_id][number] = point(unit, value, numerator, denominator)
    figure_rows = figures.values_list("ret_id", "team_id", "value", "numerator", "denominator")
    for ret_id, team_id, value, numerator, denominator in _rows(figure_rows):
        key = return_keys.get(ret_id)
        if key is None:
            continue
        indicator_id, number = key
        p = (
            _point((value, numerator, denominator))
            if value is not None
            else point(units[indicator_id], None, numerator, denominator)
        )
        teams[indicator_id][team_id][number] = p
        if ret_id in from_teams:
            from_teams[ret_id][2].append(p)
    for indicator_id, number, parts in from_teams.values():
        if parts:
            # §3: a return with team rows but no whole-authority figure takes the whole from its teams.
            whole[indicator_id][number] = scoring.whole_from_teams(
                units[indicator_id], aggregations[indicator_id], parts
            )

    portal = PortalSettings.load()
    return _Inputs(
        indicators=indicator_rows,
        rules=rules,
        whole=whole,
        not_available=not_available,
        teams=teams,
        comparators=ComparatorHistory(ids if indicator_ids is not None else None),
        rating_rules=rating_rules(ids),
        persistent_red_periods=portal.persistent_red_periods,
    )


# --- Scoring -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _YearRule:
    rule: scoring.TargetRule | None
    polarity: str
    dot_threshold: Decimal
    target: Decimal | None
    threshold: Decimal | None


def _year_rules(inputs: _Inputs, indicator_id: int, unit: str, polarity: str, years: Iterable[int]):
    default_dot = Decimal("1.0") if unit in (scoring.PERCENT, scoring.RATE_PER_10K) else Decimal("0")
    result = {}
    for year in years:
        rule = inputs.rules.get((indicator_id, year))
        if rule is None:
            result[year] = _YearRule(None, polarity, default_dot, None, None)
        else:
            result[year] = _YearRule(rule, rule.polarity, rule.dot_threshold, rule.target, rule.threshold)
    return result


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
    inputs: _Inputs,
    calendar: _Calendar,
    from_number: int | None,
    whole_states: dict | None,
) -> Iterator[tuple]:
    """Score one series (the whole authority or one team) of one indicator: one row per period present."""
    present = points
    first = min(present)
    dense = [_NO_POINT] * (max(present) - first + 1)
    for number, p in present.items():
        dense[number - first] = p
    window = scoring.WindowAggregates(dense, aggregation, unit=unit).window
    red_run = inputs.persistent_red_periods
    rags: dict[int, str] = {}
    ytds: dict[int, Decimal | None] = {}
    comparators = inputs.comparators if team_id is None else None
    states = whole_states if team_id is None else None
    red = scoring.RED  # looked up once for the loop
    rating_rule = inputs.rating_rules.get(indicator_id)
    rating_source = rating_rule.source_id if rating_rule is not None else None
    # The same scoring calls for every row, looked up once.
    change_of, direction_of, rag_of = scoring.change, scoring.direction, scoring.rag
    is_improving, improved = scoring.is_improving, scoring.improved_on_last_period
    distance = scoring.distance_from_target
    persistent_red, comparator_rating = scoring.persistent_red, scoring.comparator_rating
    run_offsets = [k * step for k in range(red_run - 1, -1, -1)]
    no_comparator = (None, None, "", "")
    for number in sorted(present):
        p = present[number]
        period, year, into_year, into_quarter = calendar[number]
        yr = year_rules[year]
        value = p.value
        previous = present.get(number - step)
        previous_value = previous.value if previous is not None else None
        change = change_of(value, previous_value)
        direction = direction_of(change, yr.dot_threshold)
        rag = rag_of(value, yr.rule)
        rags[number] = rag
        i = number - first  # index in the dense series
        ytd = ytds[number] = window(i - into_year, i + 1)
        if from_number is not None and number < from_number:
            continue  # needed only as history for the periods in scope
        rating_figure = comparators.latest_of(indicator_id, rating_source, period) if comparators is not None else None
        if rating_figure is not None:
            comparator = (
                rating_figure.source.pk,
                rating_figure.value,
                rating_figure.period_label,
                comparator_rating(value, rating_figure.value, yr.polarity, rating_rule.band) or "",
            )
        else:
            comparator = no_comparator
        # Only a red period can end a run of reds: the rule is asked only then.
        red_run_now = rag == red and persistent_red([rags.get(number - k, "") for k in run_offsets], red_run)
        if states is not None:
            states[(indicator_id, period)] = (rag, red_run_now)
        yield (
            indicator_id,
            period,
            team_id,
            value,
            p.numerator,
            p.denominator,
            number in not_available,
            yr.polarity,
            previous_value,
            change,
            direction or "",
            is_improving(direction, yr.polarity),
            improved(value, previous_value, yr.polarity),
            yr.target,
            yr.threshold,
            distance(value, yr.target),
            rag,
            red_run_now,
            window(i - into_quarter, i + 1),
            ytd,
            # Last year's YTD, the same months a year earlier: that month's own YTD when it was scored.
            ytds[number - 12] if number - 12 in ytds else window(i - into_year - 12, i - 11),
            window(i - 6, i),  # rolling: the six periods before this one
            *comparator,
        )


def compute_rows(
    inputs: _Inputs, from_period: date | None = None, *, whole_states: dict | None = None
) -> Iterator[tuple]:
    """Every entry row (in ENTRY_COLUMNS order) of the indicators in `inputs`.

    `whole_states`, when given, collects (indicator, period) → (RAG, persistent red) of the
    whole-authority rows as they stream past (for the RAG changes a recompute reports).
    """
    calendar = _Calendar()
    for indicator_id, unit, aggregation, frequency, polarity in inputs.indicators:
        whole = inputs.whole.get(indicator_id, {})
        team_series = inputs.teams.get(indicator_id, {})
        if not whole and not team_series:
            continue
        numbers = set(whole)
        for series in team_series.values():
            numbers.update(series)
        years = {calendar[n][1] for n in numbers}
        year_rules = _year_rules(inputs, indicator_id, unit, polarity, years)
        common = {
            "indicator_id": indicator_id,
            "unit": unit,
            "aggregation": aggregation,
            "step": _FREQUENCY_STEP.get(frequency, 1),
            "year_rules": year_rules,
            "inputs": inputs,
            "from_number": None if from_period is None else _month_number(from_period),
            "calendar": calendar,
            "whole_states": whole_states,
        }
        if whole:
            yield from _score_series(
                team_id=None, points=whole, not_available=inputs.not_available.get(indicator_id, set()), **common
            )
        no_team_gaps: set[int] = set()
        for team_id in sorted(team_series):
            yield from _score_series(team_id=team_id, points=team_series[team_id], not_available=no_team_gaps, **common)


# --- Writing -------------------------------------------------------------------------------------


def _scope(indicator_ids: list[int] | None, from_period: date | None):
    entries = ScorecardEntry.objects.all()
    if indicator_ids is not None:
        entries = entries.filter(indicator_id__in=indicator_ids)
    if from_period is not None:
        entries = entries.filter(period__gte=from_period)
    return entries


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
            # Entries are derived data: a crash in the instant after commit loses nothing a recompute
            # cannot rebuild, so the commit need not wait for the WAL to reach the disk.
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _insert(rows: Iterable[tuple]) -> int:
    """Write the rows; on PostgreSQL by COPY, streamed so the server indexes while Python computes."""
    written = 0
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(ScorecardEntry._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(ScorecardEntry._meta.get_field(c).column) for c in ENTRY_COLUMNS)
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            write_row = copy.write_row
            for row in rows:
                write_row(row)
                written += 1
        return written
    batch = []
    for row in rows:
        batch.append(ScorecardEntry(**dict(zip(ENTRY_COLUMNS, row, strict=True))))
        if len(batch) == 500:
            ScorecardEntry.objects.bulk_create(batch)
            written += len(batch)
            batch = []
    ScorecardEntry.objects.bulk_create(batch)
    return written + len(batch)


def _rag_changes(
    old: dict[tuple[int, date], tuple[str, bool]], new: dict[tuple[int, date], tuple[str, bool]]
) -> list[RagChange]:
    changes = []
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        changes.append(
            RagChange(
                key[0],
                key[1],
                before[0] if before else None,
                after[0] if after else None,
                before[1] if before else None,
                after[1] if after else None,
            )
        )
    return changes


def recompute(*, indicator_ids: Iterable[int] | None = None, from_period: date | None = None) -> RecomputeResult:
    """Recompute the scorecard entries of some indicators (None: all) from `from_period` on (None: all periods).

    Entries from `from_period` on depend on it (previous value, YTD, last year's YTD,
    rolling six months, persistent red), so they are all rewritten; earlier periods
    are read as history only. Runs in one transaction holding the scorecard lock.
    """
    clock = _Clock()
    ids = None if indicator_ids is None else sorted({int(i) for i in indicator_ids})
    if from_period is not None:
        from_period = periods.month_start(from_period)
    if ids == []:
        return RecomputeResult(entries=0, deleted=0)
    with transaction.atomic():
        _lock()
        inputs = _load(ids)
        clock.lap("read")
        scope = _scope(ids, from_period)
        old = {
            (i, p): (rag, red)
            for i, p, rag, red in scope.filter(team__isnull=True).values_list(
                "indicator_id", "period", "rag", "persistent_red"
            )
        }
        # Replace the scope's entries: deleting and streaming the new rows in is faster than comparing
        # 400,000 rows field by field, and leaves no stale entry behind (a reopened return's).
        deleted, _ = scope.delete()
        clock.lap("delete")
        new: dict[tuple[int, date], tuple[str, bool]] = {}
        written = _insert(compute_rows(inputs, from_period, whole_states=new))
        clock.lap("score and write")
        changes = _rag_changes(old, new)
        ScorecardState.objects.get_or_create(pk=1)
        ScorecardState.objects.filter(pk=1).update(version=F("version") + 1, recomputed_at=timezone.now())
        scorecard_changed.send(sender=RecomputeResult, changes=changes, indicator_ids=ids)
    clock.lap("commit")
    logger.info(
        "scorecard recompute: %s indicators from %s, %d entries written, %d replaced, %d RAG changes in %.2fs (%s)",
        "all" if ids is None else len(ids),
        from_period or "the start",
        written,
        deleted,
        len(changes),
        clock.total,
        ", ".join(f"{name} {seconds:.2f}s" for name, seconds in clock.laps.items()),
    )
    return RecomputeResult(
        entries=written,
        deleted=deleted,
        rag_changes=changes,
        seconds=clock.total,
        timings=clock.laps,
    )


class _Clock:
    def __init__(self):
        self.started = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self.last
        self.last = now

    @property
    def total(self) -> float:
        return self.last - self.started


def recompute_all() -> RecomputeResult:
    """Recompute every entry (the nightly run and `manage.py recompute_scorecard`)."""
    return recompute()


# --- Requesting a recompute ---------------------------------------------------------------------

_pending = threading.local()


@dataclass
class _Batch:
    ids: set[int] = field(default_factory=set)
    everything: bool = False
    from_period: date | None = None
    whole_history: bool = False
    reasons: list[str] = field(default_factory=list)
    callbacks: list = field(default_factory=list)
    sent: bool = False

    def add(self, ids: set[int] | None, from_period: date | None, reason: str) -> None:
        if ids is None:
            self.everything = True
        else:
            self.ids |= ids
        if from_period is None:
            self.whole_history = True
        elif self.from_period is None or from_period < self.from_period:
            self.from_period = from_period
        if reason and reason not in self.reasons:
            self.reasons.append(reason)

    def send(self) -> None:
        if self.sent:
            return
        self.sent = True
        if getattr(_pending, "batch", None) is self:
            _pending.batch = None
        _send(
            None if self.everything else self.ids,
            None if self.whole_history else self.from_period,
            "; ".join(self.reasons),
        )


def request_recompute(
    indicator_ids: Iterable[int] | None, *, from_period: date | None = None, reason: str = ""
) -> None:
    """Queue a recompute of these indicators (None: all) once the current transaction commits.

    Requests made inside one transaction are merged: the first of their on-commit
    callbacks queues one task for the union of the indicators from the earliest
    period, the others find it sent. So an import that touches 500 targets
    queues one recompute, not 500. Outside a transaction the task is queued at
    once. Tasks run in-process in the local default (no Redis).
    """
    ids = None if indicator_ids is None else {int(i) for i in indicator_ids}
    if ids is not None and not ids:
        return
    if from_period is not None:
        from_period = periods.month_start(from_period)
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        _send(ids, from_period, reason)
        return
    batch = getattr(_pending, "batch", None)
    # A batch whose transaction was rolled back has lost its callbacks: start afresh.
    if batch is None or batch.sent or not any(entry[1] in batch.callbacks for entry in conn.run_on_commit):
        batch = _pending.batch = _Batch()
    batch.add(ids, from_period, reason)

    def callback():
        batch.send()

    batch.callbacks.append(callback)
    transaction.on_commit(callback)


def _send(ids: set[int] | None, from_period: date | None, reason: str) -> None:
    from .tasks import recompute_scorecard

    recompute_scorecard.delay(
        indicator_ids=None if ids is None else sorted(ids),
        from_period=from_period.isoformat() if from_period else None,
        reason=reason,
    )
