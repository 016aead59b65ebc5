"""System checks: the alert timings must respect Celery's facts about Redis."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.compatibility)
def alert_timings(app_configs=None, **kwargs):
    """Back-off and lease well below the visibility timeout; the lease longer than a slow send.

    Redis redelivers a task not acknowledged within the visibility timeout, and a
    retry scheduled with a countdown is held unacknowledged until it runs. A lease
    shorter than a send could hand a row still being sent to a second worker.
    """
    errors = []
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    if visibility / 2 < settings.ALERTS_RETRY_MAX_SECONDS:
        errors.append(
            checks.Error(
                "ALERTS_RETRY_MAX_SECONDS must be at most half of the Celery visibility timeout "
                f"({settings.ALERTS_RETRY_MAX_SECONDS} > {visibility}/2).",
                id="alerts.E001",
            )
        )
    if visibility <= settings.ALERTS_SEND_LEASE_SECONDS:
        errors.append(
            checks.Error("ALERTS_SEND_LEASE_SECONDS must be below the Celery visibility timeout.", id="alerts.E002")
        )
    email_timeout = getattr(settings, "EMAIL_TIMEOUT", None) or 60
    if 6 * email_timeout > settings.ALERTS_SEND_LEASE_SECONDS:
        errors.append(
            checks.Warning(
                f"ALERTS_SEND_LEASE_SECONDS ({settings.ALERTS_SEND_LEASE_SECONDS}) is shorter than six SMTP "
                f"timeouts (EMAIL_TIMEOUT={email_timeout}): a slow send could be taken over and sent twice.",
                id="alerts.W001",
            )
        )
    if settings.ALERTS_MAX_ATTEMPTS < 1:
        errors.append(checks.Error("ALERTS_MAX_ATTEMPTS must be 1 or more.", id="alerts.E003"))
    return errors
