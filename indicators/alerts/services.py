"""Writes for alerts: raising them with their deliveries, sending, digests, retries and follows.

The path: a scorecard recompute changes a whole-authority entry's RAG or
persistent red → `alerts_raise(changes=…)` runs inside that same transaction
and writes the alerts and one delivery per recipient (the outbox) → on commit
each immediate delivery is queued as a Celery task → `delivery_send` claims it,
sends, and settles it (`outbox.py`). A crash between commit and queueing loses
nothing: `outbox_relay` on beat queues whatever is still pending.
"""

import logging
from collections.abc import Iterable, Sequence
from datetime import date
from functools import partial

import rules
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from indicators import periods
from indicators.alerts import db, emails, outbox, selectors, sending, triggers
from indicators.alerts.models import Alert, Channel, Delivery, Digest, Follow, ReminderEmail, SendState
from indicators.models import Indicator, ScorecardEntry
from indicators.scorecard.recompute import scorecard_changed
from indicators.scorecard.store import RagChange
from returns.models import Return, State

logger = logging.getLogger(__name__)


class AlertError(Exception):
    """A request the alert rules refuse, with a message for the user."""


class ResendNotConfirmed(AlertError):
    """Sending again an email that may have been sent needs the person to confirm it."""


# --- Raising -------------------------------------------------------------------------------------


def alerts_raise(*, changes: Iterable[RagChange]) -> list[Alert]:
    """Raise the alerts that scorecard changes call for, with their deliveries, in the caller's transaction.

    `changes` are the whole-authority entries whose RAG or persistent red a
    recompute changed (`indicators.scorecard.store.RagChange`: `old_rag` None for a new
    entry, `new_rag` None for a removed one); the entries themselves are read
    from the database, as the recompute has just written them.

    Business rules (`triggers.alert_kinds`): an indicator turning red for a period
    whose previous period was not red, becoming persistently red, or coming back
    to amber/green after a red period; only for periods at most
    ALERTS_MAX_PERIOD_AGE_MONTHS old. Each (indicator, period, kind) is raised
    once: an existing alert is left alone and gets no new deliveries, so
    re-approving unchanged figures or two recomputes racing send nothing new
    (the insert is ON CONFLICT DO NOTHING on the unique constraint).
    Recipients (`selectors.recipients_by_indicator`) each get one delivery on the
    channel they chose; "back on track" only goes to those who want recoveries.
    Immediate deliveries are queued when the transaction commits.
    Runs in a fixed number of queries, whatever the number of changes.
    """
    today = timezone.localdate()
    window = settings.ALERTS_MAX_PERIOD_AGE_MONTHS
    relevant = {}
    for change in changes:
        if change.new_rag is not None and triggers.is_recent(change.period, today, window):
            relevant[(change.indicator_id, change.period)] = change
    if not relevant:
        return []
    with transaction.atomic():
        indicators = Indicator.objects.in_bulk({indicator_id for indicator_id, _ in relevant})
        previous_of = {
            key: periods.previous_period(key[1], indicators[key[0]].frequency)
            for key in relevant
            if key[0] in indicators
        }
        entries = _entries_for(set(previous_of) | {(key[0], p) for key, p in previous_of.items()})
        commentary = _commentary_for(previous_of)
        candidates = []
        for key, previous_period in previous_of.items():
            entry = entries.get(key)
            if entry is None:
                continue
            change = relevant[key]
            previous = entries.get((key[0], previous_period))
            kinds = triggers.alert_kinds(
                now=triggers.ScoredPeriod(entry.rag, entry.persistent_red),
                before=(
                    triggers.ScoredPeriod(change.old_rag, bool(change.old_persistent))
                    if change.old_rag is not None
                    else None
                ),
                previous=triggers.ScoredPeriod(previous.rag, previous.persistent_red) if previous else None,
            )
            indicator = indicators[key[0]]
            for kind in kinds:
                candidates.append(_snapshot(indicator, entry, previous, kind, commentary.get(key, "")))
        created = db.insert_new(Alert, candidates, unique=("indicator", "period", "kind"))
        deliveries = _deliveries_for(created)
        Delivery.objects.bulk_create(deliveries, batch_size=1000)
        immediate = [d.pk for d in deliveries if d.channel == Channel.IMMEDIATE]
        if immediate:
            transaction.on_commit(partial(enqueue_deliveries, immediate), robust=True)
    if created:
        logger.info("Raised %s alerts with %s deliveries", len(created), len(deliveries))
    return created


@receiver(scorecard_changed, dispatch_uid="alerts.raise_on_scorecard_change")
def on_scorecard_changed(sender, changes, **kwargs) -> None:
    """Receiver of `indicators.scorecard.recompute.scorecard_changed`, sent inside the recompute's transaction.

    Alerts are raised in that transaction: both commit, or neither. Connected when this
    module is imported, which `AlertsConfig.ready` does.
    """
    alerts_raise(changes=changes)


def _entries_for(keys: set[tuple[int, date]]) -> dict[tuple[int, date], ScorecardEntry]:
    indicator_ids = {k[0] for k in keys}
    period_set = {k[1] for k in keys}
    rows = ScorecardEntry.objects.whole_authority().filter(indicator_id__in=indicator_ids, period__in=period_set)
    return {(e.indicator_id, e.period): e for e in rows if (e.indicator_id, e.period) in keys}


def _commentary_for(keys: Iterable[tuple[int, date]]) -> dict[tuple[int, date], str]:
    keys = set(keys)
    rows = Return.objects.filter(
        state=State.APPROVED, indicator_id__in={k[0] for k in keys}, period__in={k[1] for k in keys}
    ).values_list("indicator_id", "period", "commentary")
    return {(i, p): c for i, p, c in rows if (i, p) in keys}


def _snapshot(indicator, entry, previous, kind: str, commentary: str) -> Alert:
    return Alert(
        indicator=indicator,
        period=entry.period,
        kind=kind,
        rag=entry.rag,
        value=entry.value,
        target=entry.target,
        tolerance_threshold=entry.tolerance_threshold,
        previous_value=entry.previous_value,
        previous_rag=previous.rag if previous is not None else "",
        direction=entry.direction or "",
        polarity=getattr(entry, "polarity", "") or indicator.polarity,
        commentary=commentary,
    )


def _deliveries_for(alerts: Sequence[Alert]) -> list[Delivery]:
    if not alerts:
        return []
    people = selectors.recipients_by_indicator({a.indicator_id for a in alerts})
    deliveries = []
    for alert in alerts:
        for user in people.get(alert.indicator_id, []):
            if alert.kind in triggers.RECOVERY_KINDS and not user.notify_recovery:
                continue
            channel = Channel.DIGEST if user.alert_mode == Channel.DIGEST else Channel.IMMEDIATE
            deliveries.append(Delivery(alert=alert, recipient=user, channel=channel, created_at=alert.raised_at))
    return deliveries


def enqueue_deliveries(delivery_ids: Sequence[int]) -> None:
    """Queue one send task per delivery. If the broker is unreachable, stop: the relay queues them later."""
    sending.enqueue(sending.SEND_DELIVERY, delivery_ids)


# --- Sending ---------------------------------------------------------------------------------------


def delivery_send(*, delivery_id: int) -> str:
    """Send one alert email if this call can claim its delivery; returns the delivery's resulting state.

    Safe to call any number of times for the same delivery (task redelivered,
    relay duplicate): only a call that claims the row sends (`outbox.claim`).
    """
    token = outbox.claim(Delivery, delivery_id)
    if token is None:
        return "not claimed"
    delivery = Delivery.objects.select_related("alert__indicator", "recipient").get(pk=delivery_id)
    return sending.send_claimed(
        Delivery, delivery, token, build=lambda: emails.alert_email(delivery), retry_task=sending.SEND_DELIVERY
    )


def outbox_relay(*, limit: int = 1000) -> dict[str, int]:
    """Queue every row that should be on its way but is not: its task was lost or its worker died.

    Pending rows due for longer than ALERTS_RELAY_GRACE_SECONDS (the commit happened,
    queueing did not), and rows `sending` beyond their lease (a worker killed mid-send).
    Queueing a row twice is harmless: only one task can claim it.
    """
    deliveries = list(
        outbox.due(Delivery).filter(channel=Channel.IMMEDIATE).order_by("pk").values_list("pk", flat=True)[:limit]
    )
    digests = list(outbox.due(Digest).order_by("pk").values_list("pk", flat=True)[:limit])
    reminders = list(outbox.due(ReminderEmail).order_by("pk").values_list("pk", flat=True)[:limit])
    queued = {
        "deliveries": sending.enqueue(sending.SEND_DELIVERY, deliveries),
        "digests": sending.enqueue(sending.SEND_DIGEST, digests),
        "reminders": sending.enqueue(sending.SEND_REMINDER, reminders),
    }
    if any(queued.values()):
        logger.info("Relay queued %s", queued)
    return queued


# --- Digests ---------------------------------------------------------------------------------------


def digests_build(*, now=None) -> list[int]:
    """Gather each digest user's waiting alerts into today's digest, and queue the digests.

    One digest per (user, day): running the task twice in a day adds alerts that
    arrived since to the day's digest while it has not been sent, and leaves
    later ones for the next day's. The digest row is locked while alerts are
    added, so a digest being sent never gains an alert it did not list.
    """
    day = timezone.localdate(now)
    waiting = Delivery.objects.filter(channel=Channel.DIGEST, digest__isnull=True, state=SendState.PENDING)
    queued = []
    with transaction.atomic():
        for user_id in sorted(set(waiting.values_list("recipient_id", flat=True))):
            digest, _ = Digest.objects.get_or_create(recipient_id=user_id, day=day)
            digest = Digest.objects.select_for_update().get(pk=digest.pk)
            if digest.state != SendState.PENDING:
                continue
            waiting.filter(recipient_id=user_id).update(digest=digest)
            queued.append(digest.pk)
        if queued:
            transaction.on_commit(partial(sending.enqueue, sending.SEND_DIGEST, queued), robust=True)
    return queued


def digest_send(*, digest_id: int) -> str:
    """Send one digest if this call can claim it; marks the alerts it lists as sent with it."""
    token = outbox.claim(Digest, digest_id)
    if token is None:
        return "not claimed"
    digest = Digest.objects.select_related("recipient").get(pk=digest_id)
    deliveries = list(
        digest.deliveries.exclude(state=SendState.SENT)
        .select_related("alert__indicator")
        .order_by("alert__indicator__code", "alert__period", "alert__kind")
    )
    included = [d.pk for d in deliveries]

    def mark_listed_sent(now):
        Delivery.objects.filter(pk__in=included).update(
            state=SendState.SENT, sent_at=now, last_error="", message_id=digest.message_id
        )

    state = sending.send_claimed(
        Digest,
        digest,
        token,
        build=lambda: emails.digest_email(digest, deliveries),
        retry_task=sending.SEND_DIGEST,
        also=mark_listed_sent,
    )
    if state in (SendState.FAILED, SendState.UNCERTAIN):  # the digest's lines share its outcome
        error = Digest.objects.filter(pk=digest_id).values_list("last_error", flat=True).first() or ""
        Delivery.objects.filter(pk__in=included).update(state=state, last_error=error, message_id=digest.message_id)
    return state


# --- The performance team's retry ------------------------------------------------------------------------


def delivery_retry(*, delivery: Delivery, by, confirmed: bool = False) -> None:
    """Send an alert email again, with a fresh set of attempts and the same Message-ID.

    Only the performance team may. A failed email is sent again on request; one
    that may have been sent (the connection dropped after the message was handed
    over) only when `confirmed`, as the recipient may get it twice. A delivery
    that was part of a daily digest sends the whole digest again (with every
    alert it listed), since that was the email.
    """
    if not rules.has_perm("alerts.retry_delivery", by, delivery):
        raise PermissionDenied("Only the performance team can retry emails.")
    with transaction.atomic():
        locked = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if locked.state not in outbox.RETRYABLE_BY_HAND:
            raise AlertError(
                f"This email is {locked.get_state_display().lower()}: only a failed email, or one that may "
                "have been sent, can be sent again."
            )
        if locked.state == SendState.UNCERTAIN and not confirmed:
            raise ResendNotConfirmed(
                "This email may have been sent already: confirm that you want to send it again, "
                "knowing the recipient may get it twice."
            )
        now = timezone.now()
        if locked.digest_id is not None:
            outbox.reset_for_retry(Digest, locked.digest_id, by=by, now=now)
            Delivery.objects.filter(digest_id=locked.digest_id, state__in=outbox.RETRYABLE_BY_HAND).update(
                state=SendState.PENDING, retried_by=by, retried_at=now
            )
            transaction.on_commit(partial(sending.enqueue, sending.SEND_DIGEST, [locked.digest_id]), robust=True)
        else:
            outbox.reset_for_retry(Delivery, locked.pk, by=by, now=now)
            transaction.on_commit(partial(sending.enqueue, sending.SEND_DELIVERY, [locked.pk]), robust=True)
    logger.info("Delivery %s (%s) sent again by %s", delivery.pk, locked.state, by)


# --- Follows ---------------------------------------------------------------------------------------------------


def follow_create(*, indicator: Indicator, by) -> Follow:
    """Follow an indicator: its alerts will reach `by` too. Following twice is following once."""
    if not rules.has_perm("alerts.follow_indicator", by, indicator):
        raise PermissionDenied("You cannot follow indicators.")
    follow, _ = Follow.objects.get_or_create(user=by, indicator=indicator)
    return follow


def follow_delete(*, indicator: Indicator, by) -> bool:
    """Stop following an indicator; returns whether there was a follow to remove."""
    deleted, _ = Follow.objects.filter(user=by, indicator=indicator).delete()
    return bool(deleted)
