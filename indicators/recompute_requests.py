"""Asking for a scorecard recompute: the outbox row and its enqueue on commit.

An outbox: each request is a `RecomputeRequest` row written in the transaction of the change
that asked for it; the task is queued when that transaction commits and marks the row done;
`recompute_relay` on beat queues again whatever is still pending a while later.

Requests made inside one transaction are merged into one row and one task. The row is the
merge's anchor: the first request of a transaction creates it and registers the on-commit
callback in the same atomic block, so the two are rolled back together; a later request widens
the row with an UPDATE, and when that UPDATE finds no pending row (its transaction was rolled
back, or it was sent already) a fresh row is started. No private state of Django's connection is
read, and the task is queued by its registered name, so this module does not import the tasks
(which import the engine).
"""

import logging
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from celery import current_app
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from indicators import periods
from indicators.models import RecomputeRequest

logger = logging.getLogger(__name__)

# The Celery task that answers requests (registered by `indicators.tasks`).
RECOMPUTE_TASK = "indicators.tasks.recompute_scorecard"
RELAY_LIMIT = 10_000  # requests merged into one relayed task


@dataclass
class _Merged:
    """The union of some requests: every indicator asked for, from the earliest period, every reason."""

    ids: set[int] = field(default_factory=set)
    everything: bool = False
    from_period: date | None = None
    whole_history: bool = False
    reasons: list[str] = field(default_factory=list)

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

    @property
    def indicator_ids(self) -> list[int] | None:
        return None if self.everything else sorted(self.ids)

    @property
    def since(self) -> date | None:
        return None if self.whole_history else self.from_period

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)

    def row_fields(self) -> dict:
        return {"indicator_ids": self.indicator_ids, "from_period": self.since, "reason": self.reason[:500]}


@dataclass
class _Batch:
    """This connection's requests in its current transaction: one outbox row, sent once on commit."""

    merged: _Merged = field(default_factory=_Merged)
    request_id: int | None = None
    sent: bool = False

    def send(self) -> None:
        if not self.sent:
            self.sent = True
            merged = self.merged
            _send(merged.indicator_ids, merged.since, merged.reason, [self.request_id])


# The open batch of each database connection (Django gives each thread its own connection object).
_batches: "weakref.WeakKeyDictionary[object, _Batch]" = weakref.WeakKeyDictionary()


def request_recompute(
    indicator_ids: Iterable[int] | None, *, from_period: date | None = None, reason: str = ""
) -> None:
    """Ask for a recompute of these indicators (None: all) from `from_period` on, queued on commit.

    The request is written as a `RecomputeRequest` in the current transaction, so it commits
    or rolls back with the change. Requests made inside one transaction are merged into one
    row and one task for the union of the indicators from the earliest period: an import that
    touches 500 targets queues one recompute, not 500. Outside a transaction the task is queued
    at once. Tasks run in-process in the local default (no Redis).
    """
    ids = None if indicator_ids is None else {int(i) for i in indicator_ids}
    if ids is not None and not ids:
        return
    if from_period is not None:
        from_period = periods.month_start(from_period)
    connection = connections[DEFAULT_DB_ALIAS]
    if not connection.in_atomic_block:
        batch = _new_batch(ids, from_period, reason)
        batch.send()
        return
    batch = _batches.get(connection)
    if batch is None or batch.sent or not _widen(batch, ids, from_period, reason):
        batch = _batches[connection] = _new_batch(ids, from_period, reason)
    # One callback per request, in the request's own atomic block (a savepoint may roll back on its
    # own): the first of them to run sends the batch, the others find it sent.
    transaction.on_commit(batch.send)


def _new_batch(ids: set[int] | None, from_period: date | None, reason: str) -> _Batch:
    batch = _Batch()
    batch.merged.add(ids, from_period, reason)
    batch.request_id = RecomputeRequest.objects.create(**batch.merged.row_fields()).pk
    return batch


def _widen(batch: _Batch, ids: set[int] | None, from_period: date | None, reason: str) -> bool:
    """Merge a request into the batch's row; False when that row is no longer pending in this transaction."""
    merged = replace(batch.merged, ids=set(batch.merged.ids), reasons=list(batch.merged.reasons))
    merged.add(ids, from_period, reason)
    pending = RecomputeRequest.objects.filter(pk=batch.request_id, queued_at__isnull=True, done_at__isnull=True)
    if not pending.update(**merged.row_fields()):
        return False
    batch.merged = merged
    return True


def _send(ids: list[int] | None, from_period: date | None, reason: str, request_ids: list[int]) -> bool:
    """Queue the task; if the broker cannot be reached, leave the requests to the relay."""
    RecomputeRequest.objects.filter(pk__in=request_ids).update(queued_at=timezone.now())
    try:
        current_app.tasks[RECOMPUTE_TASK].delay(
            indicator_ids=ids,
            from_period=from_period.isoformat() if from_period else None,
            reason=reason,
            request_ids=request_ids,
        )
    except (BrokerUnreachable, OSError):
        logger.exception("Could not queue the scorecard recompute (%s); the relay will queue it again", reason)
        return False
    except Exception:
        # Without a broker the task runs here, on commit of the change that asked for it: its failure must not
        # turn the committed change's response into an error. The request stays pending for the relay.
        logger.exception("The scorecard recompute (%s) failed; the relay will queue it again", reason)
        return False
    return True


def pending_request_ids() -> list[int]:
    """The requests not answered yet (committed ones: those this transaction can see)."""
    return list(RecomputeRequest.objects.filter(done_at__isnull=True).values_list("pk", flat=True))


def requests_done(request_ids: Sequence[int] | None) -> int:
    """Mark these requests done (after their recompute committed)."""
    return RecomputeRequest.objects.filter(pk__in=list(request_ids or ()), done_at__isnull=True).update(
        done_at=timezone.now()
    )


def requests_all_done(request_ids: Sequence[int]) -> bool:
    return not RecomputeRequest.objects.filter(pk__in=list(request_ids), done_at__isnull=True).exists()


def recompute_relay(*, now=None) -> dict[str, int]:
    """Queue once more the recompute requests still pending after a grace period, merged into one task.

    A request is left alone for `SCORECARD_RELAY_GRACE_SECONDS` after it was queued (a busy
    worker is not a lost task); done requests older than a week are deleted.
    """
    now = now or timezone.now()
    due = now - timedelta(seconds=settings.SCORECARD_RELAY_GRACE_SECONDS)
    pending = list(
        RecomputeRequest.objects.filter(done_at__isnull=True, requested_at__lte=due)
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lte=due))
        .order_by("pk")
        .values_list("pk", "indicator_ids", "from_period", "reason")[:RELAY_LIMIT]
    )
    cleared, _ = RecomputeRequest.objects.filter(done_at__lt=now - timedelta(days=7)).delete()
    if not pending:
        return {"queued": 0, "cleared": cleared}
    merged = _Merged()  # in memory only: the rows exist already
    for _, ids, from_period, reason in pending:
        merged.add(None if ids is None else set(ids), from_period, reason)
    queued = _send(merged.indicator_ids, merged.since, f"relay: {merged.reason}"[:500], [pk for pk, *_ in pending])
    return {"queued": len(pending) if queued else 0, "cleared": cleared}
