from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = "Indicator catalogue and scorecards"

    def ready(self):
        # The tasks register with Celery here, so the web process can queue them by name
        # (`indicators.recompute_requests` asks for them without importing them).
        from indicators import signals, tasks  # noqa: F401

        signals.connect(self)
