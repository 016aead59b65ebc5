from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = "Indicator catalogue and scorecards"

    def ready(self):
        from indicators import signals

        signals.connect(self)
