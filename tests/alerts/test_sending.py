"""Claiming, sending, retrying and relaying deliveries in-process (eager tasks).

The real worker, Redis and SMTP server are in test_worker.py; here the rules
of the outbox are checked one by one, with a real SMTP connection refused by
a closed port where a failure is needed.
"""

import socket
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from indicators.alerts import outbox, services
from indicators.alerts.models import Alert, Channel, Delivery, Digest, Follow, SendState
from indicators.scorecard.store import RagChange
from tests import factories
from tests.alerts.conftest import score


@pytest.fixture
def alert(indicator, period):
    return Alert.objects.create(
        indicator=indicator, period=period, kind=Alert.Kind.TURNED_RED, rag="red", polarity="higher"
    )


@pytest.fixture
def delivery(alert, officer):
    return Delivery.objects.create(alert=alert, recipient=officer)


@pytest.fixture
def closed_port():
    """A local port nobody listens on: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_refused(settings, closed_port):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = closed_port
    settings.EMAIL_TIMEOUT = 2
    settings.ALERTS_RETRY_BASE_SECONDS = 60
    settings.ALERTS_MAX_ATTEMPTS = 3


def test_only_one_claim_wins(delivery):
    first = outbox.claim(Delivery, delivery.pk)
    assert first is not None
    assert outbox.claim(Delivery, delivery.pk) is None
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.claimed_by) == (SendState.SENDING, 1, first)


def test_a_claim_held_past_its_lease_can_be_taken_over(delivery, settings):
    """A worker killed mid-send leaves the row `sending`; after the lease another worker may take it."""
    settings.ALERTS_SEND_LEASE_SECONDS = 60
    first = outbox.claim(Delivery, delivery.pk)
    assert outbox.claim(Delivery, delivery.pk, now=timezone.now() + timedelta(seconds=59)) is None
    second = outbox.claim(Delivery, delivery.pk, now=timezone.now() + timedelta(seconds=61))
    assert second is not None and second != first
    # The first worker, alive after all, can no longer settle the row.
    assert outbox.settle_sent(Delivery, delivery.pk, first) is False
    assert outbox.settle_sent(Delivery, delivery.pk, second) is True
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (SendState.SENT, 2)


def test_a_row_not_yet_due_is_not_claimed(delivery):
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=1))
    assert outbox.claim(Delivery, delivery.pk) is None


def test_sending_twice_sends_once(delivery):
    assert services.delivery_send(delivery_id=delivery.pk) == SendState.SENT
    assert services.delivery_send(delivery_id=delivery.pk) == "not claimed"
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert delivery.state == SendState.SENT
    assert delivery.sent_at is not None


def test_a_refused_connection_backs_off_then_fails_after_the_cap(delivery, smtp_refused):
    before = timezone.now()
    assert services.delivery_send(delivery_id=delivery.pk) == SendState.PENDING
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert delivery.last_error == "The mail server refused the connection."
    assert delivery.next_attempt_at >= before + timedelta(seconds=60)
    # Not due yet: a task arriving early does nothing.
    assert services.delivery_send(delivery_id=delivery.pk) == "not claimed"

    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert services.delivery_send(delivery_id=delivery.pk) == SendState.PENDING
    delivery.refresh_from_db()
    assert delivery.next_attempt_at >= timezone.now() + timedelta(seconds=110)  # doubled: 120 s

    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert services.delivery_send(delivery_id=delivery.pk) == SendState.FAILED
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (SendState.FAILED, 3)


def test_a_recipient_without_an_address_fails_at_once(delivery, officer):
    officer.email = ""
    officer.save()
    assert services.delivery_send(delivery_id=delivery.pk) == SendState.FAILED
    delivery.refresh_from_db()
    assert "no email address" in delivery.last_error


def test_the_relay_sends_what_was_committed_but_never_queued(delivery, alert, director, settings):
    """A crash between commit and queueing leaves rows pending; the relay on beat sends them."""
    settings.ALERTS_RELAY_GRACE_SECONDS = 30
    fresh = Delivery.objects.create(alert=alert, recipient=director)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    assert services.outbox_relay() == {"deliveries": 1, "digests": 0, "reminders": 0}
    delivery.refresh_from_db()
    fresh.refresh_from_db()
    assert delivery.state == SendState.SENT
    # The fresh row's own task may still be on its way: left alone for the grace period.
    assert fresh.state == SendState.PENDING
    assert len(mail.outbox) == 1


def test_the_relay_takes_over_a_send_whose_worker_died(delivery, settings):
    settings.ALERTS_SEND_LEASE_SECONDS = 60
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    assert outbox.claim(Delivery, delivery.pk, now=timezone.now() - timedelta(minutes=2))
    assert services.outbox_relay() == {"deliveries": 1, "digests": 0, "reminders": 0}
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (SendState.SENT, 2)
    assert len(mail.outbox) == 1


def test_the_relay_leaves_digest_lines_to_the_digest(alert, people):
    Delivery.objects.create(
        alert=alert,
        recipient=people.digest_reader,
        channel=Channel.DIGEST,
        next_attempt_at=timezone.now() - timedelta(hours=1),
    )
    assert services.outbox_relay() == {"deliveries": 0, "digests": 0, "reminders": 0}


def test_retry_of_a_failed_email(
    delivery, performance_user, smtp_refused, settings, django_capture_on_commit_callbacks
):
    settings.ALERTS_MAX_ATTEMPTS = 1
    services.delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == SendState.FAILED

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_retry(delivery=delivery, by=performance_user)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.retried_by) == (SendState.SENT, 1, performance_user)
    assert len(mail.outbox) == 1


def test_only_failed_emails_are_retried_and_only_by_the_team(delivery, performance_user, director):
    with pytest.raises(
        services.AlertError, match="only a failed email, or one that may have been sent, can be sent again"
    ):
        services.delivery_retry(delivery=delivery, by=performance_user)
    Delivery.objects.filter(pk=delivery.pk).update(state=SendState.FAILED)
    with pytest.raises(PermissionDenied):
        services.delivery_retry(delivery=delivery, by=director)


# --- Digests ---------------------------------------------------------------------------------------


def test_a_digest_lists_the_days_alerts_in_one_email(people, indicator, period, django_capture_on_commit_callbacks):
    other = factories.IndicatorFactory(code="CP 6", service_area=indicator.service_area)
    Follow.objects.create(user=people.digest_reader, indicator=other)
    services.alerts_raise(changes=[score(other, period, "red"), score(indicator, period, "red")])
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        built = services.digests_build()
    assert len(built) == 1
    [message] = mail.outbox
    assert message.to == [people.digest_reader.email]
    assert message.subject.startswith("KPI alerts: 2 alerts for ")
    assert "CP 5" in message.body and "CP 6" in message.body
    assert "CP 5" in message.alternatives[0][0] and "CP 6" in message.alternatives[0][0]
    digest = Digest.objects.get()
    assert digest.state == SendState.SENT
    assert set(digest.deliveries.values_list("state", flat=True)) == {SendState.SENT}

    # The task running again the same day finds nothing new to send.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.digests_build() == []
    assert len(mail.outbox) == 1


def test_a_failed_digest_fails_its_lines_and_retrying_one_resends_the_digest(
    people, indicator, period, performance_user, smtp_refused, settings, django_capture_on_commit_callbacks
):
    settings.ALERTS_MAX_ATTEMPTS = 1
    score(indicator, period, "red")
    services.alerts_raise(changes=[RagChange(indicator.pk, period, None, "red", None, False)])
    with django_capture_on_commit_callbacks(execute=True):
        services.digests_build()
    line = Delivery.objects.get(recipient=people.digest_reader)
    assert line.state == SendState.FAILED
    assert line.last_error == "The mail server refused the connection."

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_retry(delivery=line, by=performance_user)
    line.refresh_from_db()
    assert line.state == SendState.SENT
    assert [m.to for m in mail.outbox] == [[people.digest_reader.email]]
