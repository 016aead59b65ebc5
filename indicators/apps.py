from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = "Indicator catalogue and scorecards"

    def ready(self):
        from . import signals

        signals.connect(self)
