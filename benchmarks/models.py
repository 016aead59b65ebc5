"""Comparator data (PRODUCT §5) and populations for rates per 10,000."""

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from simple_history.models import HistoricalRecords

from indicators.models import Indicator, Team

FIGURE = {"max_digits": 18, "decimal_places": 6, "null": True, "blank": True}


class ComparatorSource(models.Model):
    class Kind(models.TextChoices):
        AVERAGE = "average", "Statistical-neighbour average"
        REGION = "region", "Regional average"
        NATIONAL = "national", "National (England)"
        AUTHORITY = "authority", "Named authority"

    name = models.CharField(max_length=200, unique=True, help_text="e.g. 'Statistical neighbours', 'Bexley'.")
    short_name = models.CharField(max_length=30, blank=True, help_text="Column heading, e.g. 'SN', 'ENG'.")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name


class ComparatorValue(models.Model):
    class PeriodKind(models.TextChoices):
        YEAR = "year", "Financial year"
        QUARTER = "quarter", "Quarter"

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="comparator_values")
    source = models.ForeignKey(ComparatorSource, on_delete=models.CASCADE, related_name="values")
    period_kind = models.CharField(max_length=10, choices=PeriodKind.choices, default=PeriodKind.YEAR)
    period_start = models.DateField(help_text="First month of the year (April) or quarter.")
    value = models.DecimalField(**FIGURE)
    note = models.CharField(max_length=500, blank=True)
    loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    loaded_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "source", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "source", "period_kind", "period_start"], name="one_comparator_value_per_period"
            )
        ]

    def __str__(self):
        return f"{self.indicator.code} {self.source} {self.period_start}: {self.value}"


class Population(models.Model):
    """0–17 population by mid-year estimate; team blank = the whole authority."""

    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="populations")
    year = models.PositiveSmallIntegerField(help_text="Mid-year estimate year, e.g. 2015.")
    population = models.PositiveIntegerField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["team__name", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "year"], condition=Q(team__isnull=False), name="one_population_per_team_year"
            ),
            models.UniqueConstraint(
                fields=["year"], condition=Q(team__isnull=True), name="one_authority_population_per_year"
            ),
        ]

    def __str__(self):
        return f"{self.team or 'Whole authority'} {self.year}: {self.population}"


class RatingComparator(models.Model):
    """Which comparator the comparator rating uses, and its 'as good as' band.

    The row with no indicator is the scorecard-wide choice; a row for an
    indicator overrides it. A blank source falls back to the scorecard-wide
    choice, then to the first statistical-neighbour average. A blank band
    falls back to `PortalSettings.comparator_band` (the scorecard-wide band,
    kept there only). The rule that combines them is
    `benchmarks.comparison.rating_rule`.
    """

    indicator = models.OneToOneField(
        Indicator, null=True, blank=True, on_delete=models.CASCADE, related_name="rating_comparator"
    )
    source = models.ForeignKey(
        ComparatorSource,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Blank: the scorecard-wide choice (by default the statistical-neighbour average).",
    )
    band = models.DecimalField(
        max_digits=8,
        decimal_places=3,
        null=True,
        blank=True,
        help_text="'As good as' band in points. Blank: the scorecard-wide band.",
    )

    history = HistoricalRecords()

    class Meta:
        constraints = [
            # NULLs are distinct in a plain unique index: compare the indicator as 0 when blank.
            models.UniqueConstraint(Coalesce("indicator", Value(0)), name="one_rating_comparator_per_scope"),
            models.CheckConstraint(
                condition=Q(indicator__isnull=False) | Q(band__isnull=True),
                name="scorecard_wide_band_lives_in_portal_settings",
            ),
            models.CheckConstraint(condition=Q(band__isnull=True) | Q(band__gte=0), name="rating_band_not_negative"),
        ]

    def __str__(self):
        return f"Rating comparator for {self.indicator.code if self.indicator_id else 'the scorecard'}"
