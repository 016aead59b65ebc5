"""The scorecard feed for Power BI and Excel: `GET /api/v1/scorecard?period=YYYY-MM&format=json|csv`.

Authenticated by a personal API token (`Authorization: Bearer <token>`, created
and revoked on the profile page), never by the session: 401 for a missing,
wrong, revoked or expired token (the expiry named), 400 for a bad period or format.
Only approved figures.
"""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from indicators.reports import feed
from kpiportal.accounts import roles
from kpiportal.accounts.services import ApiTokenExpired, api_token_authenticate


def _bearer_key(request) -> str:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


def _unauthorized(message: str, *, expired: bool = False) -> JsonResponse:
    response = JsonResponse({"error": message, **({"expired": True} if expired else {})}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="kpi-portal"' + (
        ', error="invalid_token", error_description="The token expired"' if expired else ""
    )
    return response


@login_not_required
@never_cache
@require_GET
def scorecard_feed(request):
    key = _bearer_key(request)
    if not key:
        return _unauthorized("Send your API token as 'Authorization: Bearer <token>' (create one on your profile)")
    try:
        user = api_token_authenticate(key)
    except ApiTokenExpired as exc:
        return _unauthorized(str(exc), expired=True)
    if user is None:
        return _unauthorized("The API token is wrong or has been revoked")
    if not roles.roles_of(user):
        raise PermissionDenied("Your account has no role in the portal")
    try:
        period = feed.parse_feed_period(request.GET.get("period"))
        fmt = feed.parse_format(request.GET.get("format"))
    except feed.FeedError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    response = HttpResponse(feed.feed_text(period, fmt), content_type=feed.CONTENT_TYPES[fmt])
    if fmt == feed.CSV:
        response["Content-Disposition"] = f'attachment; filename="scorecard-{request.GET["period"].strip()}.csv"'
    return response
