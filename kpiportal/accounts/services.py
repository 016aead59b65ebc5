"""Writes for accounts: API tokens, alert preferences, and the record of passwords set by others."""

import logging
from datetime import timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from kpiportal.accounts.models import DEFAULT_TOKEN_LIFETIME, ApiToken, User
from kpiportal.accounts.roles import PERFORMANCE_TEAM

logger = logging.getLogger("kpiportal.accounts")


class ApiTokenExpired(Exception):
    """A known, unrevoked token past its expiry date; the message names the date."""

    def __init__(self, expires_at):
        self.expires_at = expires_at
        when = timezone.localtime(expires_at).strftime("%-d %B %Y at %H:%M")
        super().__init__(f"The API token expired on {when}: create a new one on your profile")


# A token's last use is written at most this often, so a busy feed is not a write per request.
LAST_USED_EVERY = timedelta(minutes=1)


def api_token_create(
    *, user: User, name: str, lifetime_days: int | None = DEFAULT_TOKEN_LIFETIME
) -> tuple[ApiToken, str]:
    """Create a token for `user`, lasting `lifetime_days` (None: until revoked); returns it and its key.

    The key is never shown again: only its hash is stored.
    """
    if lifetime_days is not None and lifetime_days < 1:
        raise ValueError("A token lasts at least one day.")
    key = ApiToken.new_key()
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip() or "API token",
        prefix=key[4:12],
        key_hash=ApiToken.hash_key(key),
        created_at=now,
        expires_at=now + timedelta(days=lifetime_days) if lifetime_days is not None else None,
    )
    return token, key


def api_token_revoke(*, token: ApiToken, by: User) -> None:
    """Revoke a token. Only its owner or a superuser may."""
    if token.user_id != by.pk and not by.is_superuser:
        raise PermissionError("You can only revoke your own tokens.")
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def api_token_authenticate(key: str) -> User | None:
    """The active user holding `key`, or None for an unknown or revoked key; `ApiTokenExpired` past its expiry.

    Records the token's last use, at most once per `LAST_USED_EVERY`.
    """
    if not key or not key.startswith("kpi_"):
        return None
    token = ApiToken.objects.active().select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.is_expired(now):
        raise ApiTokenExpired(token.expires_at)
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def user_set_alert_preferences(*, user: User, alert_mode: str, notify_recovery: bool) -> None:
    user.alert_mode = alert_mode
    user.notify_recovery = notify_recovery
    user.save(update_fields=["alert_mode", "notify_recovery"])


def staff_status_sync(*, user_ids) -> None:
    """Admin access follows the performance-team role.

    Members of the performance team get `is_staff` (the admin is where they manage
    targets, teams, users and the deadline day); anyone else loses it, except
    superusers, whose access is theirs to keep.
    """
    ids = set(user_ids)
    if not ids:
        return
    members = set(User.objects.filter(pk__in=ids, groups__name=PERFORMANCE_TEAM).values_list("pk", flat=True))
    User.objects.filter(pk__in=members, is_staff=False).update(is_staff=True)
    User.objects.filter(pk__in=ids - members, is_staff=True, is_superuser=False).update(is_staff=False)


def user_password_reset_recorded(*, user: User, by: User) -> None:
    """`by` has just set `user`'s password (or turned password sign-in off) in the admin.

    When that is someone else, it is logged (the admin's change history holds the row)
    and, once committed, the user is told by email, so that a reset they did not ask
    for does not go unnoticed.
    """
    if by.pk == user.pk:
        return
    logger.warning(
        "Password of user %s (id %s) was set by %s (id %s)", user.get_username(), user.pk, by.get_username(), by.pk
    )
    if user.email:
        transaction.on_commit(lambda: _tell_of_password_reset(user, by))


def _tell_of_password_reset(user: User, by: User) -> None:
    when = timezone.localtime().strftime("%d %B %Y at %H:%M")
    body = (
        f"Hello {user.get_full_name() or user.get_username()},\n\n"
        f"The password of your KPI Portal account ({user.get_username()}) was changed by "
        f"{by.get_full_name() or by.get_username()} on {when}.\n\n"
        "If you did not ask for this, tell the performance team straight away.\n\n"
        f"{settings.SITE_URL}/accounts/login/\n"
    )
    try:
        send_mail(
            f"{settings.COUNCIL_NAME} KPI Portal: your password was changed",
            body,
            None,
            [user.email],
        )
    except Exception:  # the password is set; a mail server down must not hide that
        logger.exception("Could not tell user id %s that their password was changed", user.pk)


def user_sign_in_unlock(*, user: User, by: User) -> int:
    """Lift a sign-in lock-out of `user` (every address) before its cool-off ends; returns the attempts cleared."""
    cleared = axes_reset(username=user.get_username())
    logger.warning(
        "Sign-in of user %s (id %s) unlocked by %s (id %s): %s failed attempts cleared",
        user.get_username(),
        user.pk,
        by.get_username(),
        by.pk,
        cleared,
    )
    return cleared
