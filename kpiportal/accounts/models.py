import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class User(AbstractUser):
    class AlertMode(models.TextChoices):
        IMMEDIATE = "immediate", "Immediately, one email per alert"
        DIGEST = "digest", "Once a day, in a digest"

    initials = models.CharField(
        max_length=10, blank=True, help_text="As printed in the RO column of board scorecards, e.g. 'DW'."
    )
    job_title = models.CharField(max_length=200, blank=True)
    alert_mode = models.CharField(max_length=10, choices=AlertMode.choices, default=AlertMode.IMMEDIATE)
    notify_recovery = models.BooleanField(
        default=True, help_text="Also email me when an indicator I follow is back on track."
    )

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self):
        return self.get_full_name() or self.username


# How long a new token lasts, in days (None: until revoked); the profile offers these, 90 days first.
TOKEN_LIFETIMES = ((90, "90 days"), (30, "30 days"), (365, "1 year"), (None, "Never: until I revoke it"))
DEFAULT_TOKEN_LIFETIME = 90


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A personal token for the scorecard feed. Only its hash is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. 'Power BI board report'.")
    prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True, help_text="Recorded at most once a minute.")
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: the token lasts until revoked.")
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "kpi_" + secrets.token_urlsafe(32)
