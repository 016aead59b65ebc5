"""One creator of beat schedules for every app: created when missing, never overwritten."""

import json

import pytest
from django_celery_beat.models import PeriodicTask

from kpiportal import schedules
from kpiportal.schedules import Cron, Every, PeriodicSchedule

pytestmark = pytest.mark.django_db

HOURLY = PeriodicSchedule(name="Test: hourly", task="tests.hourly", when=Every(seconds=3600), description="Hourly.")
MONDAYS = PeriodicSchedule(
    name="Test: Mondays",
    task="tests.mondays",
    when=Cron(minute="15", hour="6", day_of_week="1"),
    kwargs={"days": 3},
    description="On Mondays.",
)


def test_missing_schedules_are_created_with_their_timing_and_arguments():
    assert schedules.ensure([HOURLY, MONDAYS]) == ["Test: hourly", "Test: Mondays"]
    hourly = PeriodicTask.objects.get(name="Test: hourly")
    assert (hourly.task, hourly.interval.every, hourly.interval.period, hourly.crontab) == (
        "tests.hourly",
        3600,
        "seconds",
        None,
    )
    mondays = PeriodicTask.objects.get(name="Test: Mondays")
    cron = mondays.crontab
    assert (cron.minute, cron.hour, cron.day_of_week, cron.day_of_month, cron.month_of_year) == (
        "15",
        "6",
        "1",
        "*",
        "*",
    )
    assert str(cron.timezone) == "Europe/London"
    assert (json.loads(mondays.kwargs), mondays.description, mondays.interval) == ({"days": 3}, "On Mondays.", None)


def test_an_existing_schedule_is_left_as_edited():
    schedules.ensure([HOURLY])
    PeriodicTask.objects.filter(name="Test: hourly").update(enabled=False, kwargs='{"edited": true}')
    assert schedules.ensure([HOURLY, MONDAYS]) == ["Test: Mondays"]
    edited = PeriodicTask.objects.get(name="Test: hourly")
    assert (edited.enabled, edited.kwargs) == (False, '{"edited": true}')
    assert PeriodicTask.objects.filter(name="Test: hourly").count() == 1


def test_the_scorecard_and_the_alerts_declare_their_schedules_to_the_same_creator():
    from indicators import signals
    from indicators.alerts import schedules as alert_schedules

    declared = {s.name for s in (*signals.SCHEDULES, *alert_schedules.SCHEDULES)}
    assert set(PeriodicTask.objects.filter(name__in=declared).values_list("name", flat=True)) == declared
    nightly = PeriodicTask.objects.get(name=signals.NIGHTLY_TASK_NAME)
    assert (nightly.crontab.minute, nightly.crontab.hour, nightly.task) == (
        "30",
        "2",
        "indicators.tasks.recompute_scorecard",
    )
