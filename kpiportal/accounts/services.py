"""Writes for accounts: API tokens and alert preferences."""

from django.db import transaction
from django.utils import timezone

from .models import ApiToken, User


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the token and its key, which is never shown again."""
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=user, name=name.strip() or "API token", prefix=key[4:12], key_hash=ApiToken.hash_key(key)
    )
    return token, key


def api_token_revoke(*, token: ApiToken, by: User) -> None:
    """Revoke a token. Only its owner or a superuser may."""
    if token.user_id != by.pk and not by.is_superuser:
        raise PermissionError("You can only revoke your own tokens.")
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def api_token_authenticate(key: str) -> User | None:
    """The active user holding `key`, or None for an unknown or revoked key."""
    if not key or not key.startswith("kpi_"):
        return None
    token = ApiToken.objects.active().select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def user_set_alert_preferences(*, user: User, alert_mode: str, notify_recovery: bool) -> None:
    user.alert_mode = alert_mode
    user.notify_recovery = notify_recovery
    user.save(update_fields=["alert_mode", "notify_recovery"])
