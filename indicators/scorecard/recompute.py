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
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from indicators import periods, recompute_requests
from indicators.models import Indicator, ScorecardState
from indicators.scorecard import failures, inputs
from indicators.scorecard.compute import compute_rows
from indicators.scorecard.store import Changes, Clock, RagChange, entries_in_scope

logger = logging.getLogger(__name__)

# Sent inside the recompute's transaction with `changes` (a list of RagChange) and `indicator_ids`
# (None for a full recompute). Receivers that write (e.g. alerts) share the transaction.
scorecard_changed = Signal()

# Any constant: recomputes of the scorecard take this PostgreSQL advisory lock in turn.
_ADVISORY_LOCK_KEY = 4_202_604
# The `reason` the nightly beat entry gives: that run refreshes cached pages only when an entry changed.
NIGHTLY_REASON = "nightly"
# Indicators compared per slice: each slice reads its stored entries in one query, scores its series
# and writes what differs, so the entries held in memory are one slice's (about 40,000), not all of them.
SLICE = 50


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
    # Indicators that could not be scored (id → why): their entries are as they were (`ScorecardFailure`).
    failed: dict[int, str] = field(default_factory=dict)

    @property
    def unchanged(self) -> int:
        """Entries left as they were: their computed row equals the stored one."""
        return self.entries - self.written


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
            # Entries are derived data: a crash in the instant after commit loses nothing a recompute
            # cannot rebuild, so the commit need not wait for the WAL to reach the disk.
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


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
    clock = Clock()
    ids = None if indicator_ids is None else sorted({int(i) for i in indicator_ids})
    if from_period is not None:
        from_period = periods.month_start(from_period)
    if ids == []:
        return RecomputeResult(entries=0)
    found = Changes(clock)
    with _collector_paused(), transaction.atomic():
        _lock()
        answered = []
        if ids is None and from_period is None:
            # Read before the inputs: a request committed by now had its change committed too, so this run
            # sees it. One written earlier but committed later is not answered here (its `requested_at`
            # is when it was written, not committed): the relay or its own task answers it.
            answered = recompute_requests.pending_request_ids()
        context = inputs.read_context(ids)
        figures = inputs.read_figures(context.indicators, everything=ids is None)
        clock.lap("read inputs")
        wanted = [row[0] for row in context.indicators]
        failed: dict[int, str] = {}
        for start in range(0, len(context.indicators), SLICE):
            _score_slice(found, context, figures, from_period, context.indicators[start : start + SLICE], failed)
        # Entries of indicators asked for but gone, or (full recompute) of indicators no longer in the catalogue.
        if ids is None:
            found.apply(
                (), entries_in_scope(None, from_period).exclude(indicator_id__in=Indicator.objects.values("pk"))
            )
        elif gone := sorted(set(ids) - set(wanted)):
            found.apply((), entries_in_scope(gone, from_period))
        failures.record(failed, None if ids is None else wanted)
        changes = sorted(found.rag_changes, key=lambda c: (c.indicator_id, c.period))
        if refresh_pages or found.written or found.deleted:
            ScorecardState.objects.get_or_create(pk=1)
            ScorecardState.objects.filter(pk=1).update(version=F("version") + 1, recomputed_at=timezone.now())
        scorecard_changed.send(sender=RecomputeResult, changes=changes, indicator_ids=ids)
    clock.lap("alerts and commit")
    logger.info(
        "scorecard recompute: %s indicators from %s, %d entries: %d written, %d deleted, %d RAG changes, "
        "%d indicators failed in %.2fs (%s)",
        "all" if ids is None else len(ids),
        from_period or "the start",
        found.entries,
        found.written,
        found.deleted,
        len(changes),
        len(failed),
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
        failed=failed,
    )


def _score_slice(found: Changes, context, figures, from_period, indicators: list[tuple], failed: dict) -> None:
    """Score and write a slice of indicators in a savepoint; when that fails, each of them in its own.

    So an indicator whose figures cannot be worked out or stored (its reason noted in `failed`) keeps
    the entries it had and leaves the others of its slice written.
    """
    error = _attempt(found, context, figures, from_period, indicators)
    if error is None:
        return
    if len(indicators) > 1:
        for indicator in indicators:
            error = _attempt(found, context, figures, from_period, [indicator])
            if error is not None:
                failed[indicator[0]] = failures.reason_for(indicator[0], error)
    else:
        failed[indicators[0][0]] = failures.reason_for(indicators[0][0], error)


def _attempt(found: Changes, context, figures, from_period, indicators: list[tuple]) -> Exception | None:
    """Score and write these indicators in a savepoint: None, or the error that rolled them back."""
    mark = found.mark()
    try:
        with transaction.atomic():
            rows = compute_rows(context, figures, from_period, indicators=indicators)
            found.apply(rows, entries_in_scope([row[0] for row in indicators], from_period))
    except (OperationalError, InterfaceError):
        raise  # the database, not the indicator: the whole recompute fails (and the task retries it)
    except Exception as error:  # one indicator that cannot be scored must not stop the others
        found.reset(mark)
        return error
    return None


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
