"""A mail server slow to confirm a message, through the real Celery worker: one copy, never retried on its own.

The server accepts each message (it will deliver it) but answers the final dot
after EMAIL_TIMEOUT. Each recipient gets exactly one copy; the delivery says
"may have been sent" with its Message-ID; neither the worker nor the relay
sends it again; the performance team can, once they confirm.
"""

import pytest
from django.urls import reverse
from django.utils.html import escape

from indicators.alerts import services
from indicators.alerts.models import Delivery, SendState
from indicators.alerts.services import alerts_raise
from tests.alerts.conftest import score
from tests.alerts.test_worker import outbox

pytestmark = [pytest.mark.worker, pytest.mark.postgres]

EMAIL_TIMEOUT = 2


@pytest.fixture
def worker_env(smtp_server):
    return {
        "KPI_TEST_REAL_SMTP": "1",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_server.port),
        "EMAIL_TIMEOUT": str(EMAIL_TIMEOUT),
        "ALERTS_SEND_LEASE_SECONDS": "60",
        "ALERTS_RETRY_BASE_SECONDS": "1",
        "ALERTS_RETRY_MAX_SECONDS": "1",
        "ALERTS_MAX_ATTEMPTS": "3",
    }


@pytest.fixture(autouse=True)
def _relay_settings(settings):
    settings.ALERTS_SEND_LEASE_SECONDS = 60
    settings.ALERTS_RELAY_GRACE_SECONDS = 0


def test_a_slow_confirmation_sends_one_copy_and_shows_it_may_have_been_sent(
    celery_worker, smtp_server, indicator, period, officer, director, performance_user, client
):
    smtp_server.delay_reply("data", EMAIL_TIMEOUT + 2)
    alerts_raise(changes=[score(indicator, period, "red")])
    recipients = sorted([officer.email, director.email])
    celery_worker.wait_until_idle(outbox=outbox())

    # Every task has run and nothing is queued or scheduled: one copy each, and that is final.
    assert smtp_server.recipients() == recipients
    deliveries = list(Delivery.objects.filter(channel="immediate").order_by("pk"))
    assert [(d.state, d.attempts) for d in deliveries] == [(SendState.UNCERTAIN, 1)] * 2
    for delivery in deliveries:
        [message] = smtp_server.to(delivery.recipient.email)
        assert message["Message-ID"] == delivery.message_id
    # The relay on beat leaves them alone.
    assert services.outbox_relay() == {"deliveries": 0, "digests": 0, "reminders": 0}

    client.force_login(performance_user)
    page = client.get(reverse("alerts:team")).content.decode()
    assert "2 may have been sent" in page
    for delivery in deliveries:
        assert escape(delivery.message_id) in page
        assert reverse("alerts:resend", args=[delivery.pk]) in page

    # Sending one again: refused without the confirmation, sent with it.
    again = deliveries[0]
    response = client.post(reverse("alerts:retry", args=[again.pk]))
    assert response["Location"] == reverse("alerts:resend", args=[again.pk])
    assert "the recipient may get it twice" in client.get(response["Location"]).content.decode()
    celery_worker.wait_until_idle(outbox=outbox())
    assert smtp_server.count == 2

    smtp_server.delay_reply("data", 0)
    client.post(reverse("alerts:retry", args=[again.pk]), {"confirm": "yes"})
    smtp_server.wait_for(3)
    celery_worker.wait_until_idle(outbox=outbox())
    assert smtp_server.count == 3
    again.refresh_from_db()
    assert (again.state, again.retried_by) == (SendState.SENT, performance_user)
    first, second = smtp_server.to(again.recipient.email)
    assert first["Message-ID"] == second["Message-ID"] == again.message_id
