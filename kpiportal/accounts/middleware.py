"""Access without a role, text the database cannot store, and the headers of every response: one rule
each, for every page, in one place.

A signed-in user with none of the four roles (an account made but not given a
role yet, or one whose roles were taken away) reaches only their profile page,
their password, sign-in, sign-out and `/healthz`; every other URL answers a 403
page saying to ask the performance team for a role. The scorecard feed answers a
JSON 403 to an API token (or a session) whose user has no role. Superusers count as the
performance team (`roles.roles_of`). Anonymous requests are left to
`LoginRequiredMiddleware` and the views.

A NUL character (`%00`) in a query string or a posted form, name or value, is refused with a 400
on every page, the admin's included: PostgreSQL cannot store or compare text holding one, so a
filter or search with it would otherwise fail as a server error.
"""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from kpiportal.accounts import roles
from kpiportal.accounts.services import ApiTokenExpired, api_token_authenticate

NUL_MESSAGE = (
    "The address or the form holds a NUL character (%00), which the portal cannot read: remove it and try again."
)
NO_ROLE_MESSAGE = "Your account has no role in the KPI Portal: ask the performance team for a role."

# What a signed-in user without a role may still open, by URL name.
OPEN_WITHOUT_ROLE = frozenset(
    {"login", "logout", "healthz", "accounts:profile", "password_change", "password_change_done"}
)


def _bearer_key(request) -> str:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


class RoleRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and match.namespace == "api":
            key = _bearer_key(request)
            try:
                user = api_token_authenticate(key) if key else getattr(request, "user", None)
            except ApiTokenExpired:
                return None  # the feed names the expiry in its 401
            if user is not None and user.is_authenticated and not roles.roles_of(user):
                return JsonResponse({"error": NO_ROLE_MESSAGE}, status=403)
            return None  # the feed authenticates its token itself
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or roles.roles_of(user):
            return None
        if match is not None and match.view_name in OPEN_WITHOUT_ROLE:
            return None
        return render(request, "accounts/no_role.html", {"message": NO_ROLE_MESSAGE}, status=403)


def holds_nul(params) -> bool:
    """Whether any name or value of a QueryDict holds a NUL character."""
    return any("\x00" in name or any("\x00" in value for value in values) for name, values in params.lists())


class NulRefusedMiddleware:
    """A 400 for a query string or posted form holding NUL (JSON on the API), before any view reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        posted = request.POST if request.method == "POST" else None
        if not holds_nul(request.GET) and not (posted is not None and holds_nul(posted)):
            return None
        match = request.resolver_match
        if match is not None and match.namespace == "api":
            return JsonResponse({"error": NUL_MESSAGE}, status=400)
        return render(request, "bad_request.html", {"message": NUL_MESSAGE}, status=400)


class SecurityHeadersMiddleware:
    """Headers every response carries, and what a signed-in person's pages add.

    `Permissions-Policy` (settings.PERMISSIONS_POLICY) turns off browser features the
    portal never uses (camera, microphone, location…), on every response. Pages and
    exports for a signed-in user, anything sent to an API token and any download are
    `Cache-Control: no-store, private`, so no browser, proxy or shared computer keeps
    a copy of figures that are not public.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        user = getattr(request, "user", None)
        personal = (
            (user is not None and user.is_authenticated)
            or "Authorization" in request.headers
            or response.get("Content-Disposition", "").startswith("attachment")
        )
        if personal:
            patch_cache_control(response, no_store=True, private=True)
        return response
