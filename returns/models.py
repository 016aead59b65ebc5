"""Monthly returns (PRODUCT §3): one per (indicator, period), with optional team rows."""

from django.conf import settings
from django.db import models
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from indicators.models import Indicator, Team

FIGURE = {"max_digits": 18, "decimal_places": 6, "null": True, "blank": True}


class State(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned"
    APPROVED = "approved", "Approved"


# The fields that hold a return's figures (what an officer enters, a correction changes, an import compares).
FIGURE_FIELDS = ("value", "numerator", "denominator", "not_available", "not_available_reason", "commentary")


class ReturnQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(state=State.APPROVED)

    def for_period(self, period):
        return self.filter(period=period)

    def submitted(self):
        return self.filter(state=State.SUBMITTED)

    def of_indicators_owned_by(self, user):
        """Returns of the indicators `user` is responsible officer or deputy for."""
        return self.filter(indicator__in=Indicator.objects.owned_by(user).values("pk"))

    def awaiting_review_by(self, user, *, all_areas: bool = False):
        """Submitted returns of the service areas `user` directs (every area for the performance team), oldest first."""
        qs = self.submitted()
        if not all_areas:
            qs = qs.filter(indicator__service_area__directors=user)
        return qs.order_by("submitted_at", "pk")

    def with_people(self):
        return self.select_related(
            "indicator__service_area", "indicator__responsible_officer", "submitted_by", "approved_by", "updated_by"
        )


class Return(models.Model):
    """The figure for one indicator and one month, and where it is in the workflow.

    `value` is what scorecards use. When numerator and denominator are given the
    value is derived from them (`returns.figures`); "not available" keeps a reason.
    The state only changes through the services in `returns.services`; history
    imported by the performance team arrives approved through the one other path,
    `returns.imports.history.write_approved_history`.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="returns")
    period = models.DateField(help_text="First day of the month.")
    value = models.DecimalField(**FIGURE)
    numerator = models.DecimalField(**FIGURE)
    denominator = models.DecimalField(**FIGURE)
    not_available = models.BooleanField(default=False)
    not_available_reason = models.CharField(max_length=500, blank=True)
    commentary = models.TextField(blank=True)
    state = FSMField(default=State.DRAFT, choices=State.choices, protected=False, db_index=True)
    version = models.PositiveIntegerField(default=1, help_text="Raised by every save; a stale save is refused.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    objects = ReturnQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["period", "indicator"]
        constraints = [models.UniqueConstraint(fields=["indicator", "period"], name="one_return_per_indicator_period")]
        indexes = [models.Index(fields=["state", "period"])]

    def __str__(self):
        return f"{self.indicator.code} {self.period:%b-%y}"

    # The transitions of §3: the one statement of which state follows which. Only
    # `returns.services` calls them (they check permission, lock the row, save and
    # record the event around each one); `returns.policy` asks them what is open now.

    @transition(field=state, source=[State.DRAFT, State.RETURNED], target=State.SUBMITTED)
    def submit(self, *, by, at):
        self.submitted_by = by
        self.submitted_at = at

    @transition(field=state, source=State.SUBMITTED, target=State.RETURNED)
    def send_back(self):
        """Back to the officer; the director's comment is on the event."""

    @transition(field=state, source=State.SUBMITTED, target=State.APPROVED)
    def approve(self, *, by, at):
        self.approved_by = by
        self.approved_at = at

    @transition(field=state, source=State.APPROVED, target=State.DRAFT)
    def reopen(self):
        """Back to draft: no longer approved, so no longer on the scorecard."""
        self.approved_by = None
        self.approved_at = None


class TeamFigure(models.Model):
    """A team's part of a return (breakdown row)."""

    ret = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="team_figures")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="figures")
    value = models.DecimalField(**FIGURE)
    numerator = models.DecimalField(**FIGURE)
    denominator = models.DecimalField(**FIGURE)

    history = HistoricalRecords()

    class Meta:
        ordering = ["team__position", "team__name"]
        constraints = [models.UniqueConstraint(fields=["ret", "team"], name="one_figure_per_return_team")]

    def __str__(self):
        return f"{self.ret} {self.team}"


class ReturnEvent(models.Model):
    """One thing that happened to a return: a transition, an import or a correction."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        SAVED = "saved", "Saved"
        SUBMITTED = "submitted", "Submitted"
        RETURNED = "returned", "Sent back"
        APPROVED = "approved", "Approved"
        REOPENED = "reopened", "Reopened"
        IMPORTED = "imported", "Imported as approved history"
        CORRECTED = "corrected", "Corrected by the performance team"

    ret = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    comment = models.TextField(blank=True)
    own_approval_override = models.BooleanField(
        default=False, help_text="An admin approved their own submission, with the reason in the comment."
    )

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.ret} {self.kind} by {self.actor}"
