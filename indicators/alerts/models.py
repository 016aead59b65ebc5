"""Alerts, their deliveries, digests and follows (PRODUCT §7).

Every email the portal sends about figures is a row before it is a message:
an *outbox*. Rows are written in the same transaction as the change that
causes them, so an email exists exactly when its cause was committed; a
Celery task then claims one row, sends, and marks it sent (`outbox.py`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from indicators import periods, scoring
from indicators.models import ENTRY_FIGURE, Indicator


class SendState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    # The connection failed after the message was handed over (after DATA): the server may have
    # delivered it. Never sent again automatically; the performance team may, once they confirm.
    UNCERTAIN = "uncertain", "May have been sent"


class Outbox(models.Model):
    """What every outgoing email row carries: its state and the bookkeeping of attempts.

    `claimed_at`/`claimed_by` are the lease of the worker sending it: a row left in
    `sending` longer than ALERTS_SEND_LEASE_SECONDS (its worker was killed) may be
    claimed again. `next_attempt_at` is when a pending row may next be tried.
    `message_id` is the email's Message-ID, set when the row is first claimed and
    kept for every attempt, so a copy can be recognised and looked up in mail logs.
    """

    state = models.CharField(max_length=10, choices=SendState.choices, default=SendState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=120, blank=True)
    last_error = models.TextField(blank=True)
    message_id = models.CharField("Message-ID", max_length=255, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    retried_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    retried_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_failed(self) -> bool:
        return self.state == SendState.FAILED


class AlertQuerySet(models.QuerySet):
    def for_listing(self):
        return self.select_related("indicator", "indicator__service_area").order_by("-raised_at", "-pk")


class Alert(models.Model):
    """An indicator's change of state for one period that people are told about.

    One row per (indicator, period, kind), whatever happens: a re-approval of
    the same figures or two recomputes racing find the row already there and
    create nothing. The figures are a snapshot taken when the alert was raised,
    so the email and the portal show what triggered it even after a correction.
    """

    class Kind(models.TextChoices):
        TURNED_RED = "turned_red", "Turned red"
        PERSISTENT_RED = "persistent_red", "Persistently red"
        BACK_ON_TRACK = "back_on_track", "Back on track"

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="alerts")
    period = models.DateField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    rag = models.CharField(max_length=5)
    value = models.DecimalField(**ENTRY_FIGURE)
    target = models.DecimalField(**ENTRY_FIGURE)
    tolerance_threshold = models.DecimalField(**ENTRY_FIGURE)
    previous_value = models.DecimalField(**ENTRY_FIGURE)
    previous_rag = models.CharField(max_length=5, blank=True)
    direction = models.CharField(max_length=5, blank=True)
    polarity = models.CharField(max_length=10)
    commentary = models.TextField(blank=True)
    raised_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period", "kind"], name="one_alert_per_indicator_period_kind")
        ]

    def __str__(self):
        return f"{self.indicator.code} {self.period_label}: {self.get_kind_display()}"

    @property
    def period_label(self) -> str:
        return periods.month_label(self.period)

    @property
    def movement_words(self) -> str:
        return scoring.movement_words(self.direction or None, self.polarity)

    @property
    def rag_words(self) -> str:
        """The state in words, as in the subject line: 'red', 'persistently red', 'green'."""
        if self.kind == self.Kind.PERSISTENT_RED:
            return "persistently red"
        return self.rag


class Channel(models.TextChoices):
    IMMEDIATE = "immediate", "Immediate email"
    DIGEST = "digest", "Daily digest"


class DeliveryQuerySet(models.QuerySet):
    def for_listing(self):
        return self.select_related("alert", "alert__indicator", "recipient", "digest").order_by(
            "-alert__raised_at", "-alert_id", "recipient__last_name", "pk"
        )

    def of_user(self, user):
        return self.filter(recipient=user)

    def failed(self):
        return self.filter(state=SendState.FAILED)


class Digest(Outbox):
    """One daily email to a user who chose the digest, listing that day's alerts."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_digests")
    day = models.DateField()

    class Meta:
        ordering = ["-day", "recipient"]
        constraints = [models.UniqueConstraint(fields=["recipient", "day"], name="one_digest_per_user_day")]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="alerts_digest_due")]

    def __str__(self):
        return f"Digest {self.day:%d %b %Y} to {self.recipient}"


class Delivery(Outbox):
    """One alert to one person: sent on its own, or as a line of their daily digest."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.IMMEDIATE)
    digest = models.ForeignKey(Digest, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries")

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name_plural = "deliveries"
        constraints = [models.UniqueConstraint(fields=["alert", "recipient"], name="one_delivery_per_alert_recipient")]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="alerts_delivery_due"),
            models.Index(
                fields=["channel", "state"], condition=Q(digest__isnull=True), name="alerts_delivery_undigested"
            ),
        ]

    def __str__(self):
        return f"{self.alert} to {self.recipient}"


class FollowQuerySet(models.QuerySet):
    def of_user(self, user):
        return self.filter(user=user).select_related("indicator").order_by("indicator__code")


class Follow(models.Model):
    """A user who asked to hear about an indicator they are not responsible for."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(default=timezone.now)

    objects = FollowQuerySet.as_manager()

    class Meta:
        ordering = ["indicator__code"]
        constraints = [models.UniqueConstraint(fields=["user", "indicator"], name="one_follow_per_user_indicator")]

    def __str__(self):
        return f"{self.user} follows {self.indicator.code}"


class ReminderEmail(Outbox):
    """One reminder email to one person: their returns due soon, their overdue returns, or a director's week.

    A director's weekly summary is one row per (director, week); what it lists is
    kept in `summary` when the row is written, so a resend shows the same list.
    """

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", "Returns due soon"
        OVERDUE = "overdue", "Overdue returns"
        WEEKLY_SUMMARY = "weekly_summary", "Weekly summary for directors"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_emails")
    week = models.DateField(null=True, blank=True, help_text="Weekly summaries: the Monday of the week.")
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        constraints = [
            # Rows without a week (due-soon and overdue emails) never conflict: NULLs are distinct.
            models.UniqueConstraint(fields=["recipient", "kind", "week"], name="one_weekly_summary_per_director_week")
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="alerts_reminder_due")]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.recipient}"


class Reminder(models.Model):
    """A return someone was reminded about: at most once per (indicator, period, kind, person)."""

    email = models.ForeignKey(ReminderEmail, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, choices=ReminderEmail.Kind.choices)
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="reminders")
    period = models.DateField()
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders")
    due_date = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["indicator__code", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "period", "kind", "recipient"], name="one_reminder_per_return_kind_person"
            )
        ]

    def __str__(self):
        return (
            f"{self.get_kind_display()}: {self.indicator.code} {periods.month_label(self.period)} to {self.recipient}"
        )
