"""Reminders before the deadline, overdue notices after it, and directors' weekly summaries, across bank holidays.

Dec-22 is due on the 5th working day of January 2023: Mon 9 Jan, because Mon
2 Jan is the substitute New Year bank holiday. Two working days before it is
Thu 5 Jan. Apr-23 is due Tue 9 May 2023 (1 and 8 May are bank holidays), so
its reminder comes on Thu 4 May.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from indicators import periods
from indicators.alerts import reminders
from indicators.alerts.models import Reminder, ReminderEmail, SendState
from returns.models import State
from tests import factories

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
DEC_22 = date(2022, 12, 1)


def on(day: date, hour=8):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=LONDON), tick=False)


def earlier_months_approved(indicator, latest: date, count=6):
    """The months before `latest` are done: only `latest` is waiting."""
    for i in range(1, count + 1):
        factories.ReturnFactory(indicator=indicator, period=periods.add_months(latest, -i), state=State.APPROVED)


@pytest.fixture
def send_now(django_capture_on_commit_callbacks):
    def run(fn, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return run


def test_officer_is_reminded_before_the_deadline_then_told_once_it_is_overdue(send_now, indicator, officer, director):
    earlier_months_approved(indicator, DEC_22)
    submitted = factories.IndicatorFactory(code="CP 6", responsible_officer=officer)
    earlier_months_approved(submitted, DEC_22)
    factories.ReturnFactory(indicator=submitted, period=DEC_22, state=State.SUBMITTED)

    timeline = {}
    for day in (
        date(2023, 1, 4),
        date(2023, 1, 5),
        date(2023, 1, 6),
        date(2023, 1, 9),
        date(2023, 1, 10),
        date(2023, 1, 11),
    ):
        with on(day):
            timeline[day] = (
                [m.subject for m in mail.outbox] if send_now(reminders.reminders_queue, days_before=2) else []
            )
        mail.outbox.clear() if timeline[day] else None

    assert timeline == {
        date(2023, 1, 4): [],
        date(2023, 1, 5): ["KPI returns: 1 return due soon"],
        date(2023, 1, 6): [],
        date(2023, 1, 9): [],
        date(2023, 1, 10): ["KPI returns: 1 return overdue"],
        date(2023, 1, 11): [],
    }
    assert list(Reminder.objects.values_list("indicator__code", "period", "kind", "due_date")) == [
        ("CP 5", DEC_22, "due_soon", date(2023, 1, 9)),
        ("CP 5", DEC_22, "overdue", date(2023, 1, 9)),
    ]
    assert set(ReminderEmail.objects.values_list("state", flat=True)) == {SendState.SENT}


def test_reminder_email_names_the_return_its_deadline_and_where_to_enter_it(send_now, indicator, officer):
    earlier_months_approved(indicator, DEC_22)
    with on(date(2023, 1, 5)):
        send_now(reminders.reminders_queue, days_before=2)
    [message] = mail.outbox
    assert message.to == [officer.email]
    html = message.alternatives[0][0]
    for part in (message.body, html):
        assert "CP 5 Percentage of ICPCs held within 15 working days, Dec-22" in part
        assert "Monday 9 January 2023" in part
        assert f"/returns/enter/{indicator.pk}/2022-12/" in part


def test_days_before_is_the_schedules_argument_and_counts_working_days(send_now, indicator):
    """Apr-23 is due Tue 9 May 2023; three working days before skips the coronation bank holiday: Wed 3 May."""
    april = date(2023, 4, 1)
    earlier_months_approved(indicator, april)
    with on(date(2023, 5, 2)):
        assert send_now(reminders.reminders_queue, days_before=3) == []
    with on(date(2023, 5, 3)):
        assert len(send_now(reminders.reminders_queue, days_before=3)) == 1
    assert Reminder.objects.get().period == april


def test_a_return_sent_back_is_still_waiting_and_an_approved_one_is_not(send_now, indicator, officer):
    earlier_months_approved(indicator, DEC_22)
    approved = factories.IndicatorFactory(code="CP 7", responsible_officer=officer)
    earlier_months_approved(approved, DEC_22)
    factories.ReturnFactory(indicator=approved, period=DEC_22, state=State.APPROVED)
    factories.ReturnFactory(indicator=indicator, period=DEC_22, state=State.RETURNED)
    with on(date(2023, 1, 10)):
        send_now(reminders.reminders_queue, days_before=2)
    assert list(Reminder.objects.values_list("indicator__code", "kind")) == [("CP 5", "overdue")]


def test_no_reminder_without_a_reachable_officer(send_now, indicator, officer):
    earlier_months_approved(indicator, DEC_22)
    officer.email = ""
    officer.save()
    with on(date(2023, 1, 10)):
        assert send_now(reminders.reminders_queue, days_before=2) == []


def test_directors_get_one_weekly_summary_of_late_and_awaiting_returns(send_now, indicator, officer, director):
    earlier_months_approved(indicator, DEC_22)
    waiting = factories.IndicatorFactory(code="CP 8", service_area=indicator.service_area, responsible_officer=officer)
    earlier_months_approved(waiting, DEC_22)
    factories.ReturnFactory(indicator=waiting, period=DEC_22, state=State.SUBMITTED)

    with on(date(2023, 1, 16)):  # a Monday
        assert len(send_now(reminders.summaries_queue)) == 1
    with on(date(2023, 1, 17)):
        assert send_now(reminders.summaries_queue) == []
    [message] = mail.outbox
    assert message.to == [director.email]
    assert message.subject == "KPI returns: your week (16 January 2023)"
    late, awaiting = message.body.split("Awaiting your review")
    assert "CP 5" in late and "was due 9 January 2023, not started" in late and "Olive Officer" in late
    assert "CP 8" in awaiting and "CP 5" not in awaiting
    with on(date(2023, 1, 23)):
        assert len(send_now(reminders.summaries_queue)) == 1


def test_a_director_with_nothing_to_report_gets_no_summary(send_now, indicator, director):
    earlier_months_approved(indicator, DEC_22)
    factories.ReturnFactory(indicator=indicator, period=DEC_22, state=State.APPROVED)
    with on(date(2023, 1, 16)):
        assert send_now(reminders.summaries_queue) == []
    assert mail.outbox == []
