"""Sign-in throttling (django-axes), as the portal sees it.

Axes counts failed sign-ins on both login forms (the portal's and the admin's) by
the pair username + client address (`AXES_LOCKOUT_PARAMETERS`, from the
environment) and, past `AXES_FAILURE_LIMIT` failures, refuses even the right
password until `AXES_COOLOFF_TIME` has passed or the performance team unlocks the
account (the "Unlock sign-in" action on the admin's user list, through
`services.user_sign_in_unlock`). This module holds the two hooks the settings name:
the client's address behind the trusted proxies, and the lock-out page.
"""

import logging

from django.conf import settings
from django.shortcuts import render

logger = logging.getLogger("kpiportal.accounts")


def client_ip(request) -> str:
    """The client's address: the one the nearest of `SIGN_IN_TRUSTED_PROXIES` proxies saw, else the peer's."""
    proxies = getattr(settings, "SIGN_IN_TRUSTED_PROXIES", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def locked_out(request, original_response=None, credentials=None):
    """The page both login forms answer with while the account is locked (429)."""
    username = ""
    if credentials:
        username = credentials.get("username", "") or ""
    elif request.method == "POST":
        username = request.POST.get("username", "")
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    logger.warning("Sign-in locked for username %r from %s on %s", username, client_ip(request), request.path)
    return render(
        request,
        "registration/locked_out.html",
        {"username": username, "minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
