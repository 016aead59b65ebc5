"""The beat schedules of alerts: created after migrate, kept as the performance team edits them."""

import json

import pytest
from django.core import checks
from django_celery_beat.models import PeriodicTask

from indicators.alerts import schedules
from kpiportal.celery import app

pytestmark = pytest.mark.django_db


def test_migrate_creates_the_schedules_for_registered_tasks():
    names = {schedule.name for schedule in schedules.SCHEDULES}
    tasks = dict(PeriodicTask.objects.filter(name__in=names).values_list("name", "task"))
    assert set(tasks) == names
    app.loader.import_default_modules()
    for task in tasks.values():
        assert task in app.tasks
    relay = PeriodicTask.objects.get(name=schedules.RELAY)
    assert (relay.interval.every, relay.interval.period) == (60, "seconds")
    digest = PeriodicTask.objects.get(name=schedules.DIGEST)
    assert (digest.crontab.hour, digest.crontab.minute) == ("7", "0")
    reminders = PeriodicTask.objects.get(name=schedules.REMINDERS)
    assert (reminders.crontab.hour, reminders.crontab.day_of_week, str(reminders.crontab.timezone)) == (
        "8",
        "1-5",
        "Europe/London",
    )
    assert json.loads(reminders.kwargs) == {"days_before": 2}


def test_edits_survive_a_later_migrate():
    digest = PeriodicTask.objects.get(name=schedules.DIGEST)
    digest.enabled = False
    digest.crontab.hour = "6"
    digest.crontab.save()
    digest.save()
    PeriodicTask.objects.filter(name=schedules.RELAY).delete()

    schedules.ensure_schedules()

    digest.refresh_from_db()
    assert digest.enabled is False and digest.crontab.hour == "6"
    assert PeriodicTask.objects.filter(name=schedules.RELAY).count() == 1


def test_timings_that_break_celerys_facts_are_refused(settings):
    from indicators.alerts.checks import alert_timings

    assert alert_timings() == []
    settings.ALERTS_RETRY_MAX_SECONDS = 3000
    settings.ALERTS_SEND_LEASE_SECONDS = 4000
    ids = {message.id for message in alert_timings()}
    assert ids == {"alerts.E001", "alerts.E002"}
    settings.ALERTS_RETRY_MAX_SECONDS, settings.ALERTS_SEND_LEASE_SECONDS = 900, 30
    assert [m.id for m in alert_timings()] == ["alerts.W001"]
    assert all(isinstance(m, checks.CheckMessage) for m in alert_timings())
