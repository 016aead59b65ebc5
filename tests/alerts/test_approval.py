"""From approval to email in-process: return_approve → scorecard recompute → alerts → email (eager tasks, memory mail).

The same path runs through the real worker in test_worker.py.
"""

from decimal import Decimal as D

import pytest
from django.core import mail

from indicators import periods
from indicators.alerts.models import Alert, Delivery
from returns import services as returns
from returns.models import State
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def months(period):
    """Three months ending last month, each with a target of 90 (tolerance 5%: amber from 85.5)."""
    result = [periods.add_months(period, -2), periods.add_months(period, -1), period]
    return result


@pytest.fixture
def targets(indicator, months):
    for year in {periods.financial_year_of(m) for m in months}:
        factories.TargetFactory(indicator=indicator, financial_year=year, target=D("90"), tolerance=D("5"))


def submit_and_approve(indicator, period, value, *, officer, director, commentary="Explained."):
    ret = factories.ReturnFactory(indicator=indicator, period=period, value=D(value), commentary=commentary)
    returns.return_submit(returns=[ret], by=officer, confirm_warnings=True)
    (approved,) = returns.return_approve(returns=[ret], by=director)
    return approved


def test_approving_a_red_figure_emails_once_and_a_recovery_once(
    people, indicator, months, targets, officer, director, django_capture_on_commit_callbacks
):
    earlier, red_month, green_month = months
    factories.ReturnFactory(indicator=indicator, period=earlier, value=D("87"), state=State.APPROVED)

    with django_capture_on_commit_callbacks(execute=True):
        approved = submit_and_approve(indicator, red_month, "80", officer=officer, director=director)
    assert list(Alert.objects.values_list("period", "kind", "value", "previous_value", "commentary")) == [
        (red_month, "turned_red", D("80"), D("87"), "Explained.")
    ]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in people.immediate)

    # Reopened, then submitted and approved again unchanged: nothing new.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        returns.return_reopen(ret=approved, by=director, reason="Checking a figure")
    approved.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        returns.return_submit(returns=[approved], by=officer, confirm_warnings=True)
        returns.return_approve(returns=[approved], by=director)
    assert Alert.objects.count() == 1
    assert mail.outbox == []

    # Green the month after: back on track, once, to those who want recoveries.
    with django_capture_on_commit_callbacks(execute=True):
        submit_and_approve(indicator, green_month, "92", officer=officer, director=director)
    assert Alert.objects.filter(kind="back_on_track", period=green_month).count() == 1
    assert {m.subject for m in mail.outbox} == {"CP 5: back on track (green)"}
    assert len(mail.outbox) == len([u for u in people.immediate if u.notify_recovery])


def test_a_target_change_that_makes_a_month_red_raises_an_alert(
    people, indicator, months, targets, django_capture_on_commit_callbacks
):
    earlier, amber_month, _ = months
    factories.ReturnFactory(indicator=indicator, period=earlier, value=D("92"), state=State.APPROVED)
    factories.ReturnFactory(indicator=indicator, period=amber_month, value=D("87"), state=State.APPROVED)
    from indicators.scorecard.recompute import recompute

    with django_capture_on_commit_callbacks(execute=True):
        recompute(indicator_ids=[indicator.pk])
    assert not Alert.objects.exists()

    target = indicator.targets.get(financial_year=periods.financial_year_of(amber_month))
    target.tolerance = D("1")  # amber band now 89.1–90: 87 is red
    with django_capture_on_commit_callbacks(execute=True):
        target.save()
    assert list(Alert.objects.values_list("period", "kind")) == [(amber_month, "turned_red")]
    assert Delivery.objects.filter(alert__period=amber_month).count() == len(people.immediate) + 1  # + digest


def test_figures_awaiting_approval_raise_nothing(
    people, indicator, months, targets, officer, django_capture_on_commit_callbacks
):
    _, red_month, _ = months
    ret = factories.ReturnFactory(indicator=indicator, period=red_month, value=D("80"), commentary="Explained.")
    with django_capture_on_commit_callbacks(execute=True):
        returns.return_submit(returns=[ret], by=officer, confirm_warnings=True)
    assert not Alert.objects.exists()
    assert mail.outbox == []
