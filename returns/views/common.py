"""What every returns view shares: the access helper, the month and deadline settings, and reading the request."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from indicators.models import PortalSettings, Team
from kpiportal import exports, query
from returns import deadlines, policy, services
from returns.models import Return

HISTORY_MONTHS = 24


def get_return_for_user(user, pk: int, *, may=None) -> Return:
    """The return `pk` if `user` may see it (else 404) and, when `may` is given, do that to it (else 403)."""
    ret = get_object_or_404(Return.objects.with_people(), pk=pk)
    if not policy.may_see.test(user, ret):
        raise Http404("No such return")
    if may is not None and not may.test(user, ret):
        raise PermissionDenied
    return ret


def require(predicate, user) -> None:
    if not predicate.test(user):
        raise PermissionDenied


def today() -> date:
    return timezone.localdate()


def working_day() -> int:
    return PortalSettings.load().due_working_day


def open_periods() -> list[date]:
    return policy.open_periods(today())


def recent_periods() -> list[date]:
    return deadlines.open_periods(today(), HISTORY_MONTHS)


def next_url(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def versions_of(request) -> dict[int, int]:
    """Ticked rows as {return id: version seen}; malformed values are ignored."""
    chosen = {}
    for raw in request.POST.getlist("returns"):
        pk, _, version = raw.partition(":")
        pk, version = query.natural(pk), query.natural(version)
        if pk is not None and version is not None:
            chosen[pk] = version
    return chosen


def version_of(request) -> int | None:
    return query.natural(request.POST.get("version", ""))


def export(request, table, filename):
    fmt = request.GET.get("_export")
    if fmt not in exports.FORMATS:
        return None
    header, *rows = table.as_values()  # the tables' value_* texts and numbers; checkbox columns left out
    return exports.download(filename, fmt, header, rows)


def teams():
    return list(Team.objects.filter(is_active=True))


def refused(request, ret: Return, error: services.ReturnError):
    messages.error(request, error.message)
    return redirect("returns:detail", pk=ret.pk)


NO_VERSION = (
    "Nothing was changed: the request did not say which version of the figures you saw. "
    "Reload the return and try again."
)


def without_version(request, ret: Return):
    """Every page that acts on a return sends the version it showed; a POST without one is refused."""
    messages.error(request, NO_VERSION)
    return redirect("returns:detail", pk=ret.pk)
