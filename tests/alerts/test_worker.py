"""Alert emails through the real parts: a Celery worker on Redis and an SMTP server in this process.

Exactly once per (alert, recipient): with the worker killed mid-send, with the
mail server refusing connections for a while, after the retry cap and a manual
retry, and when unchanged figures are approved again.
"""

import time
from decimal import Decimal as D

import pytest
from django.urls import reverse

from indicators import periods
from indicators.alerts import services
from indicators.alerts.models import Delivery, Digest, ReminderEmail, SendState
from indicators.alerts.services import alerts_raise
from indicators.models import RecomputeRequest, ScorecardEntry
from returns import services as returns
from returns.models import State
from tests import factories
from tests.alerts.conftest import score

pytestmark = [pytest.mark.worker, pytest.mark.postgres]

LEASE = 2


@pytest.fixture
def worker_env(smtp_server):
    return {
        "KPI_TEST_REAL_SMTP": "1",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_server.port),
        "EMAIL_TIMEOUT": "5",
        "ALERTS_SEND_LEASE_SECONDS": str(LEASE),
        "ALERTS_RETRY_BASE_SECONDS": "1",
        "ALERTS_RETRY_MAX_SECONDS": "2",
        "ALERTS_MAX_ATTEMPTS": "3",
    }


@pytest.fixture(autouse=True)
def _relay_settings(settings):
    # The relay runs in this process: it must see the same lease as the worker, and no grace.
    settings.ALERTS_SEND_LEASE_SECONDS = LEASE
    settings.ALERTS_RELAY_GRACE_SECONDS = 0


def wait_until(condition, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def outbox():
    """Everything still to do before the emails are final: recomputes not done, emails not settled."""
    unsettled = {"state__in": [SendState.PENDING, SendState.SENDING]}
    return [
        RecomputeRequest.objects.filter(done_at__isnull=True),
        Delivery.objects.filter(channel="immediate", **unsettled),
        Digest.objects.filter(**unsettled),
        ReminderEmail.objects.filter(**unsettled),
    ]


def assert_once_each(smtp_server, users):
    assert smtp_server.recipients() == sorted(u.email for u in users)


def test_approved_red_figure_emails_each_recipient_once_and_recovery_once(
    celery_worker, smtp_server, people, indicator, period, officer, director
):
    """return_approve → recompute on the worker → alerts in its transaction → one email each over SMTP."""
    earlier, red_month, green_month = periods.add_months(period, -2), periods.add_months(period, -1), period
    for year in {periods.financial_year_of(m) for m in (earlier, red_month, green_month)}:
        factories.TargetFactory(indicator=indicator, financial_year=year, target=D("90"), tolerance=D("5"))
    factories.ReturnFactory(indicator=indicator, period=earlier, value=D("87"), state=State.APPROVED)
    red = factories.ReturnFactory(
        indicator=indicator, period=red_month, value=D("80"), commentary="Two conferences moved for family illness."
    )
    returns.return_submit(returns=[red], by=officer, confirm_warnings=True)
    returns.return_approve(returns=[red], by=director)

    smtp_server.wait_for(len(people.immediate))
    celery_worker.wait_until_idle(outbox=outbox())
    assert_once_each(smtp_server, people.immediate)
    [message] = smtp_server.to(people.director.email)
    assert message["Subject"] == "CP 5: red"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        assert "Percentage of ICPCs held within 15 working days" in part
        assert periods.month_label(red_month) in part
        assert "80.0%" in part and "90.0%" in part and "85.5%" in part and "87.0%" in part
        assert "down, worsening" in part
        assert "Two conferences moved for family illness." in part
        assert f"/indicators/{indicator.pk}/" in part

    # Reopened, then submitted and approved again unchanged: nothing new goes out.
    returns.return_reopen(ret=red, by=director, reason="Checking a figure")
    wait_until(lambda: not ScorecardEntry.objects.filter(indicator=indicator, period=red_month).exists(), what="reopen")
    red.refresh_from_db()
    returns.return_submit(returns=[red], by=officer, confirm_warnings=True)
    returns.return_approve(returns=[red], by=director)
    wait_until(lambda: ScorecardEntry.objects.filter(indicator=indicator, period=red_month).exists(), what="approval")
    # The month after, back to green: one "back on track" each, except to whoever turned recoveries off.
    green = factories.ReturnFactory(indicator=indicator, period=green_month, value=D("92"))
    returns.return_submit(returns=[green], by=officer, confirm_warnings=True)
    returns.return_approve(returns=[green], by=director)
    wanting_recovery = [u for u in people.immediate if u.notify_recovery]
    smtp_server.wait_for(len(people.immediate) + len(wanting_recovery))
    celery_worker.wait_until_idle(outbox=outbox())
    assert smtp_server.count == len(people.immediate) + len(wanting_recovery)
    assert [m["Subject"] for m in smtp_server.to(people.officer.email)] == ["CP 5: red", "CP 5: back on track (green)"]
    assert len(smtp_server.to(people.no_recoveries.email)) == 1
    assert set(Delivery.objects.filter(channel="immediate").values_list("state", flat=True)) == {SendState.SENT}


def test_worker_killed_mid_send_each_email_arrives_once(celery_worker, smtp_server, people, indicator, period):
    smtp_server.hold_next()
    alerts_raise(changes=[score(indicator, period, "red")])
    assert smtp_server.holding.wait(20), "the worker never reached the mail server"

    celery_worker.kill()
    held = Delivery.objects.get(state=SendState.SENDING)
    assert held.attempts == 1
    smtp_server.release.set()

    celery_worker.start()
    # The other deliveries' tasks were still queued: the new worker sends them.
    others = [u for u in people.immediate if u.pk != held.recipient_id]
    smtp_server.wait_for(len(others))
    # The killed one's task is not acknowledged (Redis would redeliver it after its visibility
    # timeout); after the lease the relay on beat queues the delivery again.
    wait_until(lambda: time.time() > held.claimed_at.timestamp() + LEASE + 0.2, what="the lease to expire")
    assert services.outbox_relay() == {"deliveries": 1, "digests": 0, "reminders": 0}

    smtp_server.wait_for(len(people.immediate))
    celery_worker.wait_until_idle(outbox=outbox())
    assert_once_each(smtp_server, people.immediate)
    held.refresh_from_db()
    assert (held.state, held.attempts) == (SendState.SENT, 2)


def test_the_one_window_left_resends_with_the_same_message_id(celery_worker, smtp_server, indicator, period, officer):
    """Killed after the server accepted but before the worker heard it: the documented window.

    The worker cannot know the message went, so the delivery is sent again after
    its lease (at least once rather than lost), carrying the same Message-ID for
    mail systems to recognise the copy. Any earlier kill sends once (test above).
    """
    smtp_server.hold_next("accepted")
    alerts_raise(changes=[score(indicator, period, "red")])
    assert smtp_server.holding.wait(20), "the worker never reached the mail server"
    celery_worker.kill()
    smtp_server.release.set()
    held = Delivery.objects.get(recipient=officer)
    assert held.state == SendState.SENDING

    celery_worker.start()
    wait_until(lambda: time.time() > held.claimed_at.timestamp() + LEASE + 0.2, what="the lease to expire")
    services.outbox_relay()
    smtp_server.wait_for(2)
    celery_worker.wait_until_idle(outbox=outbox())
    first, second = smtp_server.to(officer.email)
    held.refresh_from_db()
    assert first["Message-ID"] == second["Message-ID"] == held.message_id
    assert held.message_id.endswith(f".delivery-{held.pk}@127.0.0.1>")
    assert (held.state, held.attempts) == (SendState.SENT, 2)


def test_mail_server_down_retries_then_sends_and_fails_after_the_cap(
    celery_worker, smtp_server, people, indicator, period, performance_user, client
):
    # Down for a while: each email is tried, backs off, and goes once the server is back.
    smtp_server.stop()
    alerts_raise(changes=[score(indicator, period, "red")])
    count = len(people.immediate)
    wait_until(
        lambda: Delivery.objects.filter(channel="immediate", attempts=2, state=SendState.PENDING).count() == count,
        what="a second failed attempt of every email",
    )
    smtp_server.start()
    smtp_server.wait_for(count)
    celery_worker.wait_until_idle(outbox=outbox())
    assert_once_each(smtp_server, people.immediate)
    assert set(Delivery.objects.filter(channel="immediate").values_list("attempts", flat=True)) == {3}

    # Down for longer than the attempts allow: failed, shown to the performance team, retried by hand.
    smtp_server.stop()
    quiet = factories.IndicatorFactory(code="CLA 10", responsible_officer=people.officer)
    alerts_raise(changes=[score(quiet, period, "red")])
    failed = Delivery.objects.get(alert__indicator=quiet)
    wait_until(
        lambda: Delivery.objects.filter(pk=failed.pk, state=SendState.FAILED).exists(),
        what="the delivery to fail after the cap",
    )
    failed.refresh_from_db()
    assert failed.attempts == 3
    assert failed.last_error == "The mail server refused the connection."

    client.force_login(performance_user)
    page = client.get(reverse("alerts:team"), {"state": "failed"})
    assert page.status_code == 200
    content = page.content.decode()
    assert "CLA 10" in content and "Failed" in content and "Retry" in content

    smtp_server.start()
    response = client.post(reverse("alerts:retry", args=[failed.pk]))
    assert response.status_code == 302
    smtp_server.wait_for(count + 1)
    celery_worker.wait_until_idle(outbox=outbox())
    assert smtp_server.count == count + 1
    assert [m["Subject"] for m in smtp_server.to(people.officer.email)] == ["CP 5: red", "CLA 10: red"]
    failed.refresh_from_db()
    assert (failed.state, failed.retried_by) == (SendState.SENT, performance_user)
