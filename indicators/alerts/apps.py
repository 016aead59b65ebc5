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
        from indicators.alerts import checks, schedules, services  # noqa: F401 - checks registers the system checks
        from indicators.scorecard.recompute import scorecard_changed

        # The periodic tasks live in django-celery-beat's tables, which exist only after migrate.
        post_migrate.connect(schedules.ensure_schedules, sender=self, dispatch_uid="alerts.ensure_schedules")
        # Alerts are raised inside the recompute's transaction: both commit, or neither.
        scorecard_changed.connect(services.on_scorecard_changed, dispatch_uid="alerts.raise_on_scorecard_change")
