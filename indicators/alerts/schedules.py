"""The periodic tasks of alerts and reminders, as django-celery-beat rows the performance team edits.

Created once after `migrate` when missing; a row the team has changed (time,
interval, arguments, disabled) is never overwritten. Run exactly one beat.
"""

import json

TIMEZONE = "Europe/London"

RELAY = "Alerts: send emails whose task was lost"
DIGEST = "Alerts: daily digest emails"
REMINDERS = "Reminders: returns due soon and overdue"
SUMMARIES = "Reminders: weekly summary for directors"

# name → (task, schedule, kwargs, description). A schedule is ("every", seconds) or ("cron", fields).
SCHEDULES = {
    RELAY: (
        "alerts.relay",
        ("every", 60),
        {},
        "Queues alert and reminder emails still waiting after a lost task or a worker that died mid-send.",
    ),
    DIGEST: (
        "alerts.build_digests",
        ("cron", {"minute": "0", "hour": "7", "day_of_week": "*"}),
        {},
        "Sends one email listing the day's alerts to each user who chose the daily digest.",
    ),
    REMINDERS: (
        "alerts.send_return_reminders",
        ("cron", {"minute": "0", "hour": "8", "day_of_week": "1-5"}),
        {"days_before": 2},
        "Reminds responsible officers of returns due within 'days_before' working days (an argument you can "
        "change), and sends an overdue notice once the deadline has passed. Each return is reminded once per kind.",
    ),
    SUMMARIES: (
        "alerts.send_director_summaries",
        ("cron", {"minute": "0", "hour": "8", "day_of_week": "1"}),
        {},
        "Sends each director their service areas' late returns and returns awaiting review, once a week.",
    ),
}


def _schedule(kind, value):
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule

    if kind == "every":
        interval, _ = IntervalSchedule.objects.get_or_create(every=value, period=IntervalSchedule.SECONDS)
        return {"interval": interval}
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=value["minute"],
        hour=value["hour"],
        day_of_week=value["day_of_week"],
        day_of_month="*",
        month_of_year="*",
        timezone=TIMEZONE,
    )
    return {"crontab": crontab}


def ensure_schedules(sender=None, using="default", **kwargs):
    """Create the missing periodic tasks of alerts and reminders; leave existing ones as edited."""
    from django_celery_beat.models import PeriodicTask

    existing = set(PeriodicTask.objects.using(using).filter(name__in=SCHEDULES).values_list("name", flat=True))
    for name, (task, (kind, value), task_kwargs, description) in SCHEDULES.items():
        if name in existing:
            continue
        PeriodicTask.objects.using(using).create(
            name=name, task=task, kwargs=json.dumps(task_kwargs), description=description, **_schedule(kind, value)
        )
