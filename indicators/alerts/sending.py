"""Sending the outbox's emails: queue a row's send task, and send a claimed row exactly once.

Used by the alert services (deliveries, digests, the relay, retries) and by the
reminders alike. Tasks are queued by their registered name, so this module and
the services never import `tasks.py` (which imports them): the arrows run from
the tasks to the services, not back. The tasks register with Celery when the
app is ready (`AlertsConfig.ready`).

`send_claimed` is steps 2 and 3 of `outbox.py`: given a row this worker has
claimed, build the email with the row's Message-ID, send it, and record the
outcome at once — sent, or a failure with its back-off (the task queued again
after it), or failed for good, or "may have been sent" (the connection failed
after DATA: never queued again).
"""

import logging
from collections.abc import Callable, Sequence

from celery import current_app

from indicators.alerts import mail, outbox
from indicators.alerts.models import SendState

logger = logging.getLogger(__name__)

# The registered names of the send tasks (`tasks.py` registers them under these names).
SEND_DELIVERY = "alerts.send_delivery"
SEND_DIGEST = "alerts.send_digest"
SEND_REMINDER = "alerts.send_reminder"


def enqueue(task_name: str, ids: Sequence[int], *, countdown: float | None = None) -> int:
    """Queue the task registered as `task_name` once for each id; returns how many were queued.

    If the broker cannot be reached, stop at the first failure: the rows stay
    pending and the relay on beat queues them later.
    """
    queued = 0
    for pk in ids:
        try:
            current_app.tasks[task_name].apply_async(args=[pk], countdown=countdown)
        except Exception:
            logger.exception("Could not queue %s for %s; the relay will retry", task_name, pk)
            break
        queued += 1
    return queued


def send_claimed(model, row, token: str, *, build: Callable, retry_task: str, also: Callable | None = None) -> str:
    """Send the email of a row claimed with `token` (`outbox.claim`) and record the outcome; returns the new state.

    `build()` makes the message; `also(now)` runs in the transaction that records
    it sent. A recipient without an email address or with a closed account fails
    for good. A failed attempt that may be tried again queues `retry_task` after
    its back-off; one that may have reached the recipient is never queued again.
    """
    recipient = row.recipient
    if not recipient.is_active or not recipient.email:
        outbox.settle_failure(
            model,
            row.pk,
            token,
            attempts=row.attempts,
            error="The recipient has no email address or their account is closed.",
            permanent=True,
        )
        return SendState.FAILED
    try:
        message = build()
        message.extra_headers["Message-ID"] = row.message_id  # set by the claim, the same on every attempt
        mail.send(message)
    except mail.DeliveryUncertain as exc:
        outbox.settle_uncertain(model, row.pk, token, error=mail.describe(exc))
        logger.warning("%s %s attempt %s may have been sent: %s", model.__name__, row.pk, row.attempts, exc)
        return SendState.UNCERTAIN
    except Exception as exc:
        state, delay = outbox.settle_failure(
            model, row.pk, token, attempts=row.attempts, error=mail.describe(exc), permanent=mail.is_permanent(exc)
        )
        logger.warning(
            "%s %s attempt %s failed (%s): %s", model.__name__, row.pk, row.attempts, state, mail.describe(exc)
        )
        if state == SendState.PENDING:
            enqueue(retry_task, [row.pk], countdown=delay)
        return state
    # Nothing between the server's acceptance and recording it: that gap is the only duplicate window.
    outbox.settle_sent(model, row.pk, token, also=also)
    return SendState.SENT
