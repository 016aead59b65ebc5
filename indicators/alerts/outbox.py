"""Claiming and settling outbox rows: exactly one email per row, whatever the workers do.

Any model derived from `models.Outbox` (alert deliveries, digests, reminders)
goes through the same three steps, each its own short transaction:

1. **claim** — one `UPDATE … WHERE` turns a row that is pending and due (or
   `sending` with an expired lease, its worker having died) into `sending`,
   counts the attempt, stamps a fresh claim token and, the first time, the
   row's Message-ID (kept for every later attempt). The caller proceeds only
   if exactly one row changed: a second task for the same row (Celery's
   `acks_late` redelivery, a duplicate from the relay, two workers) finds
   nothing to claim and does nothing.
2. **send** — outside any transaction (`mail.py`).
3. **settle** — immediately after the SMTP server's reply, in autocommit:
   `sent`, or back to `pending` with an exponential back-off, or `failed` after
   ALERTS_MAX_ATTEMPTS, or `uncertain` when the connection failed after DATA
   (the server may have delivered it: never tried again on its own, as a
   timeout there would otherwise send a copy per attempt). Every settle is conditional on the claim token, so a
   worker that outlived its lease cannot overwrite the row's newer state.

The one window left: the SMTP server has accepted the message (250 after the
final dot) and the worker dies before step 3 commits — milliseconds, with no
work in between. The row then stays `sending`, its lease expires, and it is
sent again with the same Message-ID (at-least-once rather than lost; many
mail systems collapse the copy by that header). A crash at any other moment —
before the final dot, or after the commit — cannot duplicate an email.
"""

import logging
import os
import socket
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from indicators.alerts import mail
from indicators.alerts.models import SendState

logger = logging.getLogger(__name__)

_WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"

# Writing "sent" after the server accepted is the one write that must not be lost to a
# database blip: losing it means sending again. Try a few times before giving up.
SETTLE_TRIES = 4


def retry_delay(attempt: int, *, base: float, cap: float) -> float:
    """Seconds to wait after the `attempt`-th failed send: base × 2^(attempt−1), at most `cap`.

    Celery redelivers a task Redis has not seen acknowledged within the visibility
    timeout, so the cap stays well below it (a system check enforces that).
    """
    if attempt < 1:
        return 0.0
    return float(min(cap, base * (2 ** (attempt - 1))))


def lease() -> timedelta:
    return timedelta(seconds=settings.ALERTS_SEND_LEASE_SECONDS)


def claim(model, pk: int, *, now=None) -> str | None:
    """Claim one row for sending; returns the claim token, or None when there is nothing to claim.

    Claimable: pending and due, or sending with an expired lease (a worker killed mid-send).
    """
    now = now or timezone.now()
    token = f"{_WORKER_NAME}:{uuid.uuid4().hex[:12]}"
    changed = (
        model.objects.filter(pk=pk)
        .filter(
            Q(state=SendState.PENDING, next_attempt_at__lte=now)
            | Q(state=SendState.SENDING, claimed_at__lt=now - lease())
        )
        .update(
            state=SendState.SENDING,
            claimed_at=now,
            claimed_by=token,
            attempts=F("attempts") + 1,
            message_id=Case(
                When(message_id="", then=Value(mail.new_message_id(f"{model._meta.model_name}-{pk}"))),
                default=F("message_id"),
            ),
        )
    )
    return token if changed == 1 else None


def settle_sent(model, pk: int, token: str, *, also=None) -> bool:
    """Record that the server accepted the message. `also(now)` runs in the same transaction.

    Returns False when the claim had been lost (the lease expired and another worker
    took the row): the message may then have gone twice, which is logged.
    """

    def record() -> int:
        now = timezone.now()
        sent = model.objects.filter(pk=pk, state=SendState.SENDING, claimed_by=token)
        if also is None:  # one statement, in autocommit: the shortest way to the commit
            return sent.update(state=SendState.SENT, sent_at=now, last_error="")
        with transaction.atomic():
            done = sent.update(state=SendState.SENT, sent_at=now, last_error="")
            if done:
                also(now)
            return done

    done = _recorded(record, f"{model.__name__} {pk} as sent")
    if not done:
        logger.warning("%s %s was sent after its claim %s was lost: possible duplicate", model.__name__, pk, token)
    return bool(done)


def _recorded(write, what: str) -> int:
    """Run `write` (the record of a message the server has been handed), retrying a lost connection.

    Once a message has gone, losing its record would let the lease expire and the relay send it
    again, so a dropped database connection is retried a few times before giving up.
    """
    for attempt in range(1, SETTLE_TRIES + 1):
        try:
            return write()
        except (OperationalError, InterfaceError):
            if attempt == SETTLE_TRIES:
                raise
            logger.warning("Could not record %s (try %s); retrying", what, attempt)
            connection.close()
            time.sleep(0.5 * 2 ** (attempt - 1))
    return 0  # pragma: no cover - the loop returns or raises


def settle_failure(model, pk: int, token: str, *, attempts: int, error: str, permanent: bool) -> tuple[str, float]:
    """Record a failed attempt: pending again after a back-off, or failed for good.

    Failed for good when the error is permanent (the server refused the message or
    recipient with a 5xx reply) or after ALERTS_MAX_ATTEMPTS attempts. Returns the
    new state and the delay in seconds before the next attempt (0 when failed).
    """
    now = timezone.now()
    error = error[:2000]
    if permanent or attempts >= settings.ALERTS_MAX_ATTEMPTS:
        model.objects.filter(pk=pk, state=SendState.SENDING, claimed_by=token).update(
            state=SendState.FAILED, last_error=error, claimed_by=""
        )
        return SendState.FAILED, 0.0
    delay = retry_delay(attempts, base=settings.ALERTS_RETRY_BASE_SECONDS, cap=settings.ALERTS_RETRY_MAX_SECONDS)
    model.objects.filter(pk=pk, state=SendState.SENDING, claimed_by=token).update(
        state=SendState.PENDING, last_error=error, next_attempt_at=now + timedelta(seconds=delay), claimed_by=""
    )
    return SendState.PENDING, delay


def due(model, *, now=None):
    """Rows a relay should (re-)enqueue: pending and due for a while, or sending past their lease.

    The grace period leaves time for the task enqueued on commit to claim the row first;
    enqueueing it twice is harmless (the second claim finds nothing).
    """
    now = now or timezone.now()
    grace = timedelta(seconds=settings.ALERTS_RELAY_GRACE_SECONDS)
    return model.objects.filter(
        Q(state=SendState.PENDING, next_attempt_at__lte=now - grace)
        | Q(state=SendState.SENDING, claimed_at__lt=now - lease())
    )


def settle_uncertain(model, pk: int, token: str, *, error: str) -> None:
    """Record that the message was handed over but not confirmed: it may have been delivered.

    No further attempt is scheduled and the relay leaves the row alone; only the
    performance team sends it again, once they confirm (`reset_for_retry`).
    """
    _recorded(
        lambda: model.objects.filter(pk=pk, state=SendState.SENDING, claimed_by=token).update(
            state=SendState.UNCERTAIN, last_error=error[:2000], claimed_by=""
        ),
        f"{model.__name__} {pk} as may have been sent",
    )


# The states a person may send again: failed, or (once they confirm) may have been sent.
RETRYABLE_BY_HAND = (SendState.FAILED, SendState.UNCERTAIN)


def reset_for_retry(model, pk: int, *, by, now=None) -> bool:
    """Make a failed or uncertain row pending again with a fresh set of attempts; False when it is neither.

    The Message-ID is kept, so a second copy can be recognised as the same email.
    """
    now = now or timezone.now()
    return bool(
        model.objects.filter(pk=pk, state__in=RETRYABLE_BY_HAND).update(
            state=SendState.PENDING, attempts=0, next_attempt_at=now, claimed_by="", retried_by=by, retried_at=now
        )
    )
