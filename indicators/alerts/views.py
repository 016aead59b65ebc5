"""Pages of alerts: a person's alerts, one alert, the performance team's list with retries, follows.

Thin views: objects come through the access helpers below, writes through
`services`, state changes on POST only.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from indicators.alerts import emails, selectors, services
from indicators.alerts.filters import DeliveryFilter
from indicators.alerts.models import Delivery
from indicators.alerts.tables import DeliveryTable, TeamDeliveryTable, rag_html
from indicators.models import Indicator
from kpiportal import table_rows

PAGE_SIZE = 50


# --- Access helpers ---------------------------------------------------------------------------------


def get_delivery_for_user(user, pk: int, *, write: bool = False) -> Delivery:
    """A delivery the user may see (theirs, or any for the performance team): 404 otherwise; 403 to change it."""
    delivery = get_object_or_404(Delivery.objects.select_related("alert__indicator", "recipient"), pk=pk)
    if not user.has_perm("alerts.see_delivery", delivery):
        raise Http404("No such email.")
    if write and not user.has_perm("alerts.retry_delivery", delivery):
        raise PermissionDenied("Only the performance team can retry emails.")
    return delivery


def get_alert_for_user(user, pk: int):
    alert = selectors.visible_alert(user, pk, everything=user.has_perm("alerts.see_all_alerts"))
    if alert is None:
        raise Http404("No such alert.")
    return alert


def get_indicator_to_follow(user, pk: int) -> Indicator:
    indicator = get_object_or_404(Indicator, pk=pk)
    if not user.has_perm("alerts.follow_indicator", indicator):
        raise PermissionDenied("You cannot follow indicators.")
    return indicator


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(fallback)


# --- Pages -----------------------------------------------------------------------------------------------


@require_GET
def mine(request):
    """The signed-in user's alerts and whether each email went."""
    filterset = DeliveryFilter(request.GET, queryset=selectors.deliveries_of(request.user))
    table = DeliveryTable(filterset.qs, caption="Your alerts")
    table_rows.configure(request, table, per_page=PAGE_SIZE)
    return render(request, "alerts/mine.html", {"table": table, "filter": filterset})


@require_GET
def team(request):
    """Every alert email, for the performance team: failed ones first to hand, each with a retry button."""
    if not request.user.has_perm("alerts.see_all_alerts"):
        raise PermissionDenied("Only the performance team can see everyone's alerts.")
    filterset = DeliveryFilter(request.GET, queryset=selectors.all_deliveries().select_related("recipient"))
    table = TeamDeliveryTable(filterset.qs, caption="Alert emails", request=request)
    table_rows.configure(request, table, per_page=PAGE_SIZE)
    return render(
        request,
        "alerts/team.html",
        {"table": table, "filter": filterset, "counts": selectors.alert_counts_by_state()},
    )


@require_GET
def detail(request, pk: int):
    """One alert: the figures that raised it and, for the performance team, who was emailed."""
    alert = get_alert_for_user(request.user, pk)
    everything = request.user.has_perm("alerts.see_all_alerts")
    deliveries = alert.deliveries.select_related("recipient").order_by("recipient__last_name", "pk")
    if not everything:
        deliveries = deliveries.filter(recipient=request.user)
    return render(
        request,
        "alerts/detail.html",
        {
            "alert": alert,
            "item": emails.alert_context(alert),
            "rag": rag_html(alert.rag, alert.rag_words),
            "deliveries": list(deliveries),
            "everything": everything,
            "indicator_url": emails.indicator_path(alert.indicator),
        },
    )


@require_GET
def resend(request, pk: int):
    """Confirm sending again an email that may have been sent: the recipient may get it twice."""
    delivery = get_delivery_for_user(request.user, pk, write=True)
    return render(request, "alerts/resend.html", {"delivery": delivery, "next": request.GET.get("next", "")})


@require_POST
def retry(request, pk: int):
    delivery = get_delivery_for_user(request.user, pk, write=True)
    try:
        services.delivery_retry(delivery=delivery, by=request.user, confirmed=request.POST.get("confirm") == "yes")
    except services.ResendNotConfirmed as exc:
        messages.error(request, str(exc))
        return redirect("alerts:resend", pk=delivery.pk)
    except services.AlertError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"The email to {delivery.recipient} about {delivery.alert.indicator.code} "
            f"{delivery.alert.period_label} will be sent again.",
        )
    return _back(request, reverse("alerts:team") + "?state=failed")


@require_POST
def follow(request, pk: int):
    indicator = get_indicator_to_follow(request.user, pk)
    services.follow_create(indicator=indicator, by=request.user)
    messages.success(request, f"You follow {indicator.code}: its alerts will reach you.")
    return _back(request, emails.indicator_path(indicator))


@require_POST
def unfollow(request, pk: int):
    indicator = get_object_or_404(Indicator, pk=pk)
    services.follow_delete(indicator=indicator, by=request.user)
    messages.success(request, f"You no longer follow {indicator.code}.")
    return _back(request, emails.indicator_path(indicator))
