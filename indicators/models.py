"""The indicator catalogue (PRODUCT §2): themes, service areas, teams, indicators and targets."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from simple_history.models import HistoricalRecords

from indicators import periods, scoring, units


class Polarity(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"
    NEUTRAL = "neutral", "No judgement"


class Unit(models.TextChoices):
    """The units vocabulary (`indicators.units`) as the catalogue's choices."""

    PERCENT = units.PERCENT, units.BY_NAME[units.PERCENT].label
    RATE_PER_10K = units.RATE_PER_10K, units.BY_NAME[units.RATE_PER_10K].label
    COUNT = units.COUNT, units.BY_NAME[units.COUNT].label
    AVERAGE = units.AVERAGE, units.BY_NAME[units.AVERAGE].label
    DAYS = units.DAYS, units.BY_NAME[units.DAYS].label


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    ANNUAL = "annual", "Annual"


class Measure(models.TextChoices):
    IN_MONTH = "in_month", "In month (flow)"
    SNAPSHOT = "snapshot", "Snapshot at period end"
    ROLLING_12M = "rolling_12m", "Rolling 12 months"


class Aggregation(models.TextChoices):
    SUM = "sum", "Sum of months"
    RATIO = "ratio", "Σ numerator / Σ denominator"
    LATEST = "latest", "Latest value"
    MEAN = "mean", "Mean of months"


class Status(models.TextChoices):
    ACTIVE = "active", "Active"
    UNDER_DEVELOPMENT = "under_development", "Under development"
    TO_BE_CONFIRMED = "to_be_confirmed", "To be confirmed"
    RETIRED = "retired", "Retired"


class ToleranceKind(models.TextChoices):
    ABSOLUTE = "absolute", "Absolute (points or cases)"
    RELATIVE = "relative", "Relative (% of target)"


class Theme(models.Model):
    """An ordered section of the scorecard, e.g. 'Front Door'."""

    name = models.CharField(max_length=200, unique=True)
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class ServiceArea(models.Model):
    """Routes approval: the directors of a service area review its indicators' figures."""

    name = models.CharField(max_length=200, unique=True)
    directors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="directed_service_areas")

    history = HistoricalRecords(m2m_fields=[directors])

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Team(models.Model):
    """A team or area for breakdowns (EAST, NWC, SOUTH, …)."""

    name = models.CharField(max_length=100, unique=True)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class IndicatorQuerySet(models.QuerySet):
    def owned_by(self, user):
        """Indicators the user is responsible officer or deputy for."""
        return self.filter(Q(responsible_officer=user) | Q(deputies=user)).distinct()

    def in_service_areas_of(self, director):
        return self.filter(service_area__directors=director)

    def live(self):
        """Indicators that take monthly figures (not retired, not still being defined)."""
        return self.filter(status=Status.ACTIVE)

    def for_catalogue(self):
        return self.select_related("theme", "service_area", "responsible_officer")


class Indicator(models.Model):
    code = models.CharField(max_length=30, unique=True, help_text="As printed, e.g. 'CP 5', 'W1 a'.")
    title = models.CharField(max_length=500)
    definition = models.TextField(blank=True)
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="indicators")
    service_area = models.ForeignKey(ServiceArea, on_delete=models.PROTECT, related_name="indicators")
    responsible_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_indicators"
    )
    deputies = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="deputised_indicators")
    polarity = models.CharField(max_length=10, choices=Polarity.choices, default=Polarity.NEUTRAL)
    unit = models.CharField(max_length=15, choices=Unit.choices, default=Unit.COUNT)
    decimals = models.PositiveSmallIntegerField(default=0)
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY)
    measure = models.CharField(max_length=15, choices=Measure.choices, default=Measure.IN_MONTH)
    aggregation = models.CharField(max_length=10, choices=Aggregation.choices, default=Aggregation.LATEST)
    numerator_label = models.CharField(max_length=200, blank=True)
    denominator_label = models.CharField(max_length=200, blank=True)
    population_base = models.CharField(
        max_length=200, blank=True, help_text="For rates: the population the rate is per 10,000 of, e.g. '0–17'."
    )
    is_key = models.BooleanField("key KPI", default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    info_note = models.TextField(blank=True, help_text="Shown behind the ⓘ mark.")
    # The allowed range of a figure (issue: ranges per indicator). Blank = the unit's default range
    # (0–100 for percentages); `no_min_value`/`no_max_value` = no limit on that side (the word `none`).
    min_value = models.DecimalField(
        max_digits=18, decimal_places=6, null=True, blank=True, help_text="Blank: the unit's default."
    )
    max_value = models.DecimalField(
        max_digits=18, decimal_places=6, null=True, blank=True, help_text="Blank: the unit's default (100 for %)."
    )
    no_min_value = models.BooleanField(default=False, help_text="No lower limit (the word 'none' in an import).")
    no_max_value = models.BooleanField(default=False, help_text="No upper limit (the word 'none' in an import).")
    position = models.PositiveIntegerField(default=0, help_text="Order within the theme.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IndicatorQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[deputies])

    class Meta:
        ordering = ["theme__position", "position", "code"]

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def default_dot_threshold(self) -> Decimal:
        """§2: 1.0 for percentages and rates, 0 for other units (the rule: `scoring.default_dot_threshold`)."""
        return scoring.default_dot_threshold(self.unit)


class Target(models.Model):
    """The target in force for one financial year. History is kept."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    financial_year = models.PositiveSmallIntegerField(help_text="Start year: 2022 means 2022/23.")
    target = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    tolerance = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    tolerance_kind = models.CharField(max_length=10, choices=ToleranceKind.choices, default=ToleranceKind.ABSOLUTE)
    dot_threshold = models.DecimalField(
        "direction-of-travel threshold",
        max_digits=18,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="Smallest change that counts as up or down. Blank: 1.0 for % and rates, 0 otherwise.",
    )
    polarity = models.CharField(
        max_length=10, choices=Polarity.choices, blank=True, help_text="Only if it differs from the indicator's."
    )
    note = models.CharField(max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "-financial_year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "financial_year"], name="one_target_per_indicator_year"),
        ]

    def __str__(self):
        return f"{self.indicator.code} {self.financial_year_label}: {self.target}"

    @property
    def financial_year_label(self) -> str:
        return periods.financial_year_label(self.financial_year)

    @property
    def effective_dot_threshold(self) -> Decimal:
        return self.dot_threshold if self.dot_threshold is not None else self.indicator.default_dot_threshold

    @property
    def effective_polarity(self) -> str:
        return self.polarity or self.indicator.polarity

    def as_rule(self) -> scoring.TargetRule:
        """This year's target as the plain values the scoring rules take."""
        return scoring.TargetRule(
            target=self.target,
            tolerance=self.tolerance,
            tolerance_kind=self.tolerance_kind,
            polarity=self.effective_polarity,
            dot_threshold=self.effective_dot_threshold,
        )


class PortalSettings(models.Model):
    """Rules the performance team can change without a deployment. One row."""

    # A month has at least 19 working days; a later day would fall in the month after.
    due_working_day = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="Returns are due on this working day of the following month (1 to 20).",
    )
    persistent_red_periods = models.PositiveSmallIntegerField(
        default=scoring.DEFAULT_PERSISTENT_RED_PERIODS,
        validators=[MinValueValidator(scoring.MIN_PERSISTENT_RED_PERIODS)],
        help_text="Red for this many consecutive periods counts as persistently red (2 or more).",
    )
    comparator_band = models.DecimalField(
        max_digits=8,
        decimal_places=3,
        default=Decimal("0.5"),
        help_text="'As good as' band around a comparator, in points.",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "portal settings"
        verbose_name_plural = "portal settings"

    def __str__(self):
        return "Portal settings"

    @classmethod
    def load(cls) -> "PortalSettings":
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj


class Rag(models.TextChoices):
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"
    GREY = "grey", "Grey"


class Direction(models.TextChoices):
    UP = "up", "Up"
    DOWN = "down", "Down"
    FLAT = "flat", "No change"


class ComparatorRating(models.TextChoices):
    BETTER = "better", "Better than comparator"
    SIMILAR = "similar", "As good as comparator"
    WORSE = "worse", "Worse than comparator"


class ScorecardEntryQuerySet(models.QuerySet):
    def whole_authority(self):
        return self.filter(team__isnull=True)


# An entry's figures: what is worked out, not typed. A typed figure has at most 12 digits before the point
# (`indicators.numbers`); 18 here hold a year's figures added up, a change, a distance from the target and a
# tolerance threshold of any figures that can be stored, so that a recompute never overflows.
ENTRY_FIGURE = {"max_digits": 24, "decimal_places": 6, "null": True, "blank": True}


class ScorecardEntry(models.Model):
    """The scored figure of one indicator for one period (and team, blank = whole authority).

    Written only by the scorecard recompute (`indicators.scorecard.recompute`), from approved
    returns and the scoring rules; pages, exports, feeds and alerts read these rows.
    """

    # Entries are derived data rewritten in bulk by the recompute (hundreds of thousands of rows), so
    # their foreign keys have no database constraint or index of their own: deletes still cascade
    # through Django, the unique indexes below serve the reads, and a recompute rebuilds any entry.
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="scorecard_entries", db_constraint=False, db_index=False
    )
    period = models.DateField()
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="scorecard_entries",
        db_constraint=False,
        db_index=False,
    )
    value = models.DecimalField(**ENTRY_FIGURE)
    numerator = models.DecimalField(**ENTRY_FIGURE)
    denominator = models.DecimalField(**ENTRY_FIGURE)
    not_available = models.BooleanField(default=False)
    polarity = models.CharField(
        max_length=10, choices=Polarity.choices, blank=True, help_text="In force for the period's financial year."
    )
    previous_value = models.DecimalField(**ENTRY_FIGURE)
    change = models.DecimalField(**ENTRY_FIGURE)
    direction = models.CharField(max_length=5, choices=Direction.choices, blank=True)
    improving = models.BooleanField(null=True, help_text="Blank when polarity is neutral or there is no change.")
    improved_on_last_period = models.BooleanField(
        default=False, help_text="Moved in the better direction since the previous period, whatever the threshold."
    )
    target = models.DecimalField(**ENTRY_FIGURE)
    tolerance_threshold = models.DecimalField(**ENTRY_FIGURE)
    distance_from_target = models.DecimalField(**ENTRY_FIGURE)
    rag = models.CharField(max_length=5, choices=Rag.choices, default=Rag.GREY)
    persistent_red = models.BooleanField(default=False)
    ytd_value = models.DecimalField(**ENTRY_FIGURE)
    previous_ytd_value = models.DecimalField(**ENTRY_FIGURE)
    quarter_value = models.DecimalField(**ENTRY_FIGURE)
    previous_year_outturn = models.DecimalField(
        **ENTRY_FIGURE, help_text="The whole previous financial year, by the indicator's aggregation."
    )
    rolling_6m_value = models.DecimalField(**ENTRY_FIGURE)
    comparator_source = models.ForeignKey(
        "benchmarks.ComparatorSource",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    comparator_value = models.DecimalField(**ENTRY_FIGURE)
    comparator_period = models.CharField(max_length=20, blank=True, help_text="e.g. '2019/20' or '2020/21 Q3'.")
    comparator_rating = models.CharField(max_length=10, choices=ComparatorRating.choices, blank=True)
    computed_at = models.DateTimeField(db_default=Now())

    objects = ScorecardEntryQuerySet.as_manager()

    class Meta:
        ordering = ["indicator", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "period"], condition=Q(team__isnull=True), name="one_entry_per_indicator_period"
            ),
            # Not partial, so that its index also serves every read and delete by indicator; NULL teams
            # are distinct here, and the whole-authority rows are kept unique by the constraint above.
            models.UniqueConstraint(fields=["indicator", "period", "team"], name="one_entry_per_indicator_period_team"),
        ]
        indexes = [models.Index(fields=["period"], condition=Q(team__isnull=True), name="entry_whole_by_period")]

    def __str__(self):
        return f"{self.indicator.code} {self.period:%b-%y} {self.team or 'all'}: {self.rag}"

    @property
    def performance_group(self) -> str:
        """The RAG with persistent red as its own, fourth state: green, amber, red, persistent_red, grey."""
        return PERSISTENT_RED if self.persistent_red else self.rag


PERSISTENT_RED = "persistent_red"


class ScorecardState(models.Model):
    """One row: a version raised by every scorecard recompute, so cached pages know when to refresh."""

    version = models.PositiveBigIntegerField(default=0)
    recomputed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Scorecard version {self.version}"

    @classmethod
    def current_version(cls) -> int:
        return cls.objects.filter(pk=1).values_list("version", flat=True).first() or 0


class ScorecardFailure(models.Model):
    """An indicator the last recompute of it could not score, and why; its entries are left as they were.

    Written and cleared by the recompute (`indicators.scorecard.recompute`): one indicator's failure
    no longer stops the others, and the next run that scores it deletes the row. Shown to the
    performance team above the scorecard pages and in the admin.
    """

    indicator = models.OneToOneField(Indicator, on_delete=models.CASCADE, related_name="scorecard_failure")
    reason = models.CharField(max_length=500)
    failed_at = models.DateTimeField(default=timezone.now, help_text="The last recompute that failed.")

    class Meta:
        ordering = ["indicator__code"]

    def __str__(self):
        return f"{self.indicator.code}: {self.reason}"


class RecomputeRequest(models.Model):
    """A scorecard recompute a change asked for, written in the same transaction as the change.

    The task is queued when that transaction commits; a request still not done a while
    later (the broker was down, the task was lost) is queued again by the relay on beat, so a
    crash between commit and publish loses no recompute, and so no alert. See
    `indicators.recompute_requests`.
    """

    indicator_ids = models.JSONField(null=True, blank=True, help_text="Blank: every indicator")
    from_period = models.DateField(null=True, blank=True, help_text="Blank: every period")
    reason = models.CharField(max_length=500, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["done_at", "requested_at"], name="recompute_request_pending")]

    def __str__(self):
        return f"Recompute {self.reason or 'request'} ({'done' if self.done_at else 'pending'})"


class ImportBatchQuerySet(models.QuerySet):
    def expired(self, now):
        return self.filter(expires_at__lte=now)

    def pending_for(self, user, now):
        """The user's uploads still waiting for confirmation."""
        return self.filter(created_by=user, status=ImportBatch.Status.PENDING, expires_at__gt=now)


class ImportBatch(models.Model):
    """An uploaded file kept between its preview and its confirmation (PRODUCT §8).

    The bytes are kept as uploaded with their SHA-256, so what is confirmed is
    exactly what was previewed; the file is parsed and checked again on
    confirmation. Only the uploader sees the batch; it expires unconfirmed.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        IMPORTED = "imported", "Imported"
        DISCARDED = "discarded", "Discarded"

    kind = models.CharField(max_length=30)
    filename = models.CharField(max_length=255)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    summary = models.TextField(blank=True, help_text="What the import wrote.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_batches")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    imported_at = models.DateTimeField(null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_by", "status"])]

    def __str__(self):
        return f"{self.kind} {self.filename} ({self.get_status_display()})"


class ImportMapping(models.Model):
    """How the performance team said a file of one shape is read: its header row and what each column is.

    Saved from the import preview under a name and offered for the next file of the same shape
    (`signature`: the headings the file has); the command line takes it with `--mapping NAME`.
    """

    name = models.CharField(max_length=100, unique=True)
    layout = models.CharField(max_length=30, help_text="The layout it reads, e.g. 'wide'.")
    signature = models.CharField(max_length=64, db_index=True, help_text="Hash of the file's headings.")
    header_row = models.PositiveIntegerField(null=True, blank=True, help_text="Blank: found from the headings.")
    columns = models.JSONField(default=dict, blank=True, help_text="Column letter → what it holds.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="import_mappings"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name
