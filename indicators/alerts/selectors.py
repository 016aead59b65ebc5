"""Named reads for alerts: who hears about an indicator, and the lists the pages show."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q

from indicators.alerts.models import Alert, Delivery, Follow, SendState
from indicators.models import Indicator


def _reachable_users():
    """Users an email can reach: active, with an address."""
    return get_user_model().objects.filter(is_active=True).exclude(email="")


def recipients_by_indicator(indicator_ids: Iterable[int]) -> dict[int, list]:
    """Who is told about each indicator, in a fixed number of queries.

    Its responsible officer and deputies, the directors of its service area and
    its followers: each person once, only active users with an email address.
    """
    users = _reachable_users()
    indicators = (
        Indicator.objects.filter(pk__in=list(indicator_ids))
        .select_related("responsible_officer", "service_area")
        .prefetch_related(
            Prefetch("deputies", queryset=users),
            Prefetch("service_area__directors", queryset=users),
            Prefetch("follows", queryset=Follow.objects.filter(user__in=users).select_related("user")),
        )
    )
    result = {}
    for indicator in indicators:
        people = {}
        officer = indicator.responsible_officer
        if officer is not None and officer.is_active and officer.email:
            people[officer.pk] = officer
        for user in indicator.deputies.all():
            people.setdefault(user.pk, user)
        for user in indicator.service_area.directors.all():
            people.setdefault(user.pk, user)
        for follow in indicator.follows.all():
            people.setdefault(follow.user_id, follow.user)
        result[indicator.pk] = list(people.values())
    return result


def deliveries_of(user):
    """A user's alerts, newest first, each with its delivery state."""
    return Delivery.objects.of_user(user).for_listing()


def all_deliveries():
    return Delivery.objects.for_listing()


def alert_counts_by_state() -> dict[str, int]:
    """How many deliveries are in each state (for the performance team's summary)."""
    counts = dict.fromkeys(SendState.values, 0)
    counts.update(dict(Delivery.objects.values_list("state").annotate(n=Count("pk")).values_list("state", "n")))
    return counts


def visible_alert(user, pk: int, *, everything: bool):
    """An alert the user may read: one sent to them, or any for the performance team."""
    alerts = Alert.objects.select_related("indicator", "indicator__service_area")
    if not everything:
        alerts = alerts.filter(Q(deliveries__recipient=user)).distinct()
    return alerts.filter(pk=pk).first()


def followed_indicators(user):
    return Follow.objects.of_user(user)


def is_following(user, indicator) -> bool:
    return Follow.objects.filter(user=user, indicator=indicator).exists()
