"""The periodic tasks of alerts and reminders, created once after `migrate` (`kpiportal.schedules`).

A row the performance team has changed in the admin (time, interval,
arguments, disabled) is never overwritten. Run exactly one beat.
"""

from kpiportal.schedules import Cron, Every, PeriodicSchedule, ensure

RELAY = "Alerts: send emails whose task was lost"
DIGEST = "Alerts: daily digest emails"
REMINDERS = "Reminders: returns due soon and overdue"
SUMMARIES = "Reminders: weekly summary for directors"

SCHEDULES = (
    PeriodicSchedule(
        name=RELAY,
        task="alerts.relay",
        when=Every(seconds=60),
        description="Queues alert and reminder emails still waiting after a lost task or a worker that died mid-send.",
    ),
    PeriodicSchedule(
        name=DIGEST,
        task="alerts.build_digests",
        when=Cron(minute="0", hour="7"),
        description="Sends one email listing the day's alerts to each user who chose the daily digest.",
    ),
    PeriodicSchedule(
        name=REMINDERS,
        task="alerts.send_return_reminders",
        when=Cron(minute="0", hour="8", day_of_week="1-5"),
        kwargs={"days_before": 2},
        description="Reminds responsible officers of returns due within 'days_before' working days (an argument "
        "you can change), and sends an overdue notice once the deadline has passed. Each return is reminded once "
        "per kind.",
    ),
    PeriodicSchedule(
        name=SUMMARIES,
        task="alerts.send_director_summaries",
        when=Cron(minute="0", hour="8", day_of_week="1"),
        description="Sends each director their service areas' late returns and returns awaiting review, once a week.",
    ),
)


def ensure_schedules(sender=None, using="default", **kwargs):
    """Receiver of `post_migrate`: create the missing periodic tasks of alerts and reminders."""
    ensure(SCHEDULES, using=using)
