from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AlertsConfig(AppConfig):
    """Alerts and reminders: the outbox of emails about red indicators and due returns.

    A sub-app of `indicators` so that its migrations stay apart from the catalogue's.
    """

    name = "indicators.alerts"
    label = "alerts"
    verbose_name = "Alerts and reminders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Loaded once the models are: `checks` registers the system checks, `services` connects its
        # receiver of the scorecard's changes (alerts are raised inside the recompute's transaction),
        # and `tasks` registers the send tasks that `sending` queues by name.
        from indicators.alerts import checks, schedules, services, tasks  # noqa: F401

        # The periodic tasks live in django-celery-beat's tables, which exist only after migrate.
        post_migrate.connect(schedules.ensure_schedules, sender=self, dispatch_uid="alerts.ensure_schedules")
