"""Where a send failed decides what happens next, against a real SMTP server in this process (eager tasks).

Before the message is handed over (connect, MAIL, RCPT, a refusal of DATA) the
server has nothing to deliver: the email is tried again after a back-off, or
fails for good on a 5xx. Once DATA was sent, a timeout or a dropped connection
means the server may have delivered it: "may have been sent", never tried again
on its own; the performance team sends it again only once they confirm.
"""

import pytest
from django.urls import reverse
from django.utils.html import escape

from indicators.alerts import mail, outbox, services
from indicators.alerts.models import Alert, Delivery, Digest, SendState
from indicators.scorecard.store import RagChange
from tests.alerts.conftest import score

pytestmark = pytest.mark.django_db

TIMEOUT = 1  # EMAIL_TIMEOUT; the slow server answers after SLOW seconds
SLOW = 3


@pytest.fixture
def smtp(settings, smtp_server):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_TIMEOUT = TIMEOUT
    settings.ALERTS_RETRY_BASE_SECONDS = 60
    settings.ALERTS_MAX_ATTEMPTS = 3
    yield smtp_server
    mail.reset()


@pytest.fixture
def alert(indicator, period):
    return Alert.objects.create(
        indicator=indicator, period=period, kind=Alert.Kind.TURNED_RED, rag="red", polarity="higher"
    )


@pytest.fixture
def delivery(alert, officer):
    return Delivery.objects.create(alert=alert, recipient=officer)


def send(delivery) -> Delivery:
    services.delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    return delivery


def test_a_slow_answer_to_the_message_sends_it_once_and_says_it_may_have_been_sent(smtp, delivery, officer):
    smtp.delay_reply("data", SLOW)
    delivery = send(delivery)

    assert (delivery.state, delivery.attempts) == (SendState.UNCERTAIN, 1)
    assert delivery.get_state_display() == "May have been sent"
    assert "may have been delivered, so it is not sent again automatically" in delivery.last_error
    [message] = smtp.to(officer.email)
    assert message["Message-ID"] == delivery.message_id
    assert delivery.message_id.endswith(f".delivery-{delivery.pk}@127.0.0.1>")
    # Nothing tries it again: no back-off, nothing for the relay, nothing to claim.
    assert not outbox.due(Delivery).exists()
    assert services.delivery_send(delivery_id=delivery.pk) == "not claimed"
    assert smtp.count == 1


def test_a_slow_answer_to_a_recipient_is_tried_again_later(smtp, delivery):
    """A timeout before DATA: the server has no message to deliver."""
    smtp.delay_reply("rcpt", SLOW)
    delivery = send(delivery)
    assert (delivery.state, delivery.attempts) == (SendState.PENDING, 1)
    assert "timed out" in delivery.last_error
    assert smtp.count == 0


def test_a_connection_refused_is_tried_again_then_fails(smtp, delivery, settings):
    smtp.stop()
    delivery = send(delivery)
    assert (delivery.state, delivery.last_error) == (SendState.PENDING, "The mail server refused the connection.")
    settings.ALERTS_MAX_ATTEMPTS = 1
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at, attempts=0)
    delivery = send(delivery)
    assert (delivery.state, delivery.last_error) == (SendState.FAILED, "The mail server refused the connection.")


def test_a_4xx_answer_to_the_message_is_tried_again_and_a_5xx_fails(smtp, delivery, alert, director):
    smtp.refuse_data("451 4.3.0 Try again later")
    delivery = send(delivery)
    assert (delivery.state, delivery.last_error) == (
        SendState.PENDING,
        "The mail server replied 451: 4.3.0 Try again later",
    )

    smtp.refuse_data("554 5.7.1 Message rejected")
    other = send(Delivery.objects.create(alert=alert, recipient=director))
    assert (other.state, other.last_error) == (SendState.FAILED, "The mail server replied 554: 5.7.1 Message rejected")
    assert smtp.count == 0


def test_a_digest_that_may_have_been_sent_says_so_on_each_of_its_alerts(
    smtp, people, indicator, period, django_capture_on_commit_callbacks
):
    score(indicator, period, "red")
    services.alerts_raise(changes=[RagChange(indicator.pk, period, None, "red", None, False)])
    smtp.delay_reply("data", SLOW)
    with django_capture_on_commit_callbacks(execute=True):
        services.digests_build()
    digest = Digest.objects.get()
    line = Delivery.objects.get(recipient=people.digest_reader)
    assert (digest.state, line.state) == (SendState.UNCERTAIN, SendState.UNCERTAIN)
    assert line.message_id == digest.message_id == smtp.to(people.digest_reader.email)[0]["Message-ID"]
    assert not outbox.due(Digest).exists()


def test_sending_again_an_email_that_may_have_been_sent_needs_confirming(
    smtp, delivery, performance_user, client, django_capture_on_commit_callbacks
):
    smtp.delay_reply("data", SLOW)
    delivery = send(delivery)
    client.force_login(performance_user)

    page = client.get(reverse("alerts:team"), {"state": "uncertain"}).content.decode()
    assert "May have been sent" in page
    assert escape(delivery.message_id) in page
    assert reverse("alerts:resend", args=[delivery.pk]) in page
    assert reverse("alerts:retry", args=[delivery.pk]) not in page  # no one-click retry

    # A POST without the confirmation sends nothing and asks for it.
    response = client.post(reverse("alerts:retry", args=[delivery.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("alerts:resend", args=[delivery.pk])
    delivery.refresh_from_db()
    assert delivery.state == SendState.UNCERTAIN
    confirm = client.get(response["Location"]).content.decode()
    assert "confirm that you want to send it again" in confirm
    assert "the recipient may get it twice" in confirm
    assert escape(delivery.message_id) in confirm

    smtp.delay_reply("data", 0)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("alerts:retry", args=[delivery.pk]), {"confirm": "yes"})
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.state, delivery.retried_by) == (SendState.SENT, performance_user)
    first, second = smtp.to(delivery.recipient.email)
    assert first["Message-ID"] == second["Message-ID"] == delivery.message_id


def test_the_service_refuses_an_unconfirmed_resend(delivery, performance_user):
    Delivery.objects.filter(pk=delivery.pk).update(state=SendState.UNCERTAIN, message_id="<x@example.org>")
    with pytest.raises(services.ResendNotConfirmed, match="the recipient may get it twice"):
        services.delivery_retry(delivery=delivery, by=performance_user)
    services.delivery_retry(delivery=delivery, by=performance_user, confirmed=True)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.message_id) == (SendState.PENDING, 0, "<x@example.org>")
