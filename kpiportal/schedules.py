"""Periodic tasks as django-celery-beat rows the performance team edits: declared by each app, created once.

Each app lists its periodic tasks as `PeriodicSchedule`s and connects a
`post_migrate` receiver that calls `ensure(...)` with them (beat's tables exist
only after `migrate`). A task whose row is missing is created; a row that
exists is never touched, so the time, interval, arguments or "enabled" the
team set in the admin survive every later `migrate`. Run exactly one beat.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

TIMEZONE = "Europe/London"


@dataclass(frozen=True)
class Every:
    """Every so many seconds."""

    seconds: int


@dataclass(frozen=True)
class Cron:
    """At a time of day, on some days of the week (crontab fields, in the council's time zone)."""

    minute: str
    hour: str
    day_of_week: str = "*"


@dataclass(frozen=True)
class PeriodicSchedule:
    """One periodic task as first created: its name in the admin, the registered task, when, and its arguments."""

    name: str
    task: str
    when: Every | Cron
    description: str
    kwargs: dict = field(default_factory=dict)


def _timing(when: Every | Cron, using: str) -> dict:
    if isinstance(when, Every):
        interval, _ = IntervalSchedule.objects.using(using).get_or_create(
            every=when.seconds, period=IntervalSchedule.SECONDS
        )
        return {"interval": interval}
    crontab, _ = CrontabSchedule.objects.using(using).get_or_create(
        minute=when.minute,
        hour=when.hour,
        day_of_week=when.day_of_week,
        day_of_month="*",
        month_of_year="*",
        timezone=TIMEZONE,
    )
    return {"crontab": crontab}


def ensure(schedules: Iterable[PeriodicSchedule], *, using: str = "default") -> list[str]:
    """Create the periodic tasks that do not exist yet; leave existing ones as edited. Returns the names created."""
    schedules = list(schedules)
    existing = set(
        PeriodicTask.objects.using(using).filter(name__in=[s.name for s in schedules]).values_list("name", flat=True)
    )
    created = []
    for schedule in schedules:
        if schedule.name in existing:
            continue
        PeriodicTask.objects.using(using).create(
            name=schedule.name,
            task=schedule.task,
            kwargs=json.dumps(schedule.kwargs),
            description=schedule.description,
            **_timing(schedule.when, using),
        )
        created.append(schedule.name)
    return created
