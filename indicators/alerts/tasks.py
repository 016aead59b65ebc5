"""Celery tasks for alerts: thin wrappers that take ids and call one service, safe to run twice.

Each send task claims its row before sending (`outbox.claim`), so Celery's
`acks_late` redelivery, a relay duplicate or a second worker finds nothing to
do. Retries are scheduled by the service with an exponential back-off capped
well below the broker's visibility timeout.
"""

from celery import shared_task
from django.conf import settings

from indicators.alerts import reminders, sending, services

# A worker stuck in one send longer than this is stopped (prefork pool); the
# row's lease then lets another worker take it. Kept below the lease itself.
_SEND_TIME_LIMIT = max(10, int(settings.ALERTS_SEND_LEASE_SECONDS * 0.8))


@shared_task(name=sending.SEND_DELIVERY, acks_late=True, ignore_result=True, time_limit=_SEND_TIME_LIMIT)
def send_delivery(delivery_id: int) -> str:
    return services.delivery_send(delivery_id=delivery_id)


@shared_task(name=sending.SEND_DIGEST, acks_late=True, ignore_result=True, time_limit=_SEND_TIME_LIMIT)
def send_digest(digest_id: int) -> str:
    return services.digest_send(digest_id=digest_id)


@shared_task(name="alerts.relay", acks_late=True, ignore_result=True)
def relay() -> dict:
    """On beat every minute: queue emails whose task was lost or whose worker died."""
    return services.outbox_relay()


@shared_task(name="alerts.build_digests", acks_late=True, ignore_result=True)
def build_digests() -> list:
    """On beat daily: one digest email per user who chose the digest and has new alerts."""
    return services.digests_build()


@shared_task(name=sending.SEND_REMINDER, acks_late=True, ignore_result=True, time_limit=_SEND_TIME_LIMIT)
def send_reminder(email_id: int) -> str:
    return reminders.reminder_send(email_id=email_id)


@shared_task(name="alerts.send_return_reminders", acks_late=True, ignore_result=True)
def send_return_reminders(days_before: int = reminders.DEFAULT_DAYS_BEFORE) -> list:
    """On beat (weekdays): remind officers of returns due within `days_before` working days, and of overdue ones."""
    return reminders.reminders_queue(days_before=int(days_before))


@shared_task(name="alerts.send_director_summaries", acks_late=True, ignore_result=True)
def send_director_summaries() -> list:
    """On beat (weekly): each director's late and awaiting-review returns."""
    return reminders.summaries_queue()
