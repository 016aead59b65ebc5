"""The emails about alerts: one alert, or a day's digest. Plain text and HTML parts.

The subject carries only the indicator's code and the RAG in words: subjects
show in notification previews and mail logs, so the figures stay in the body.
"""

import threading
from collections import OrderedDict
from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from indicators import formatting, periods
from indicators.alerts.models import Alert, Delivery, Digest
from indicators.models import Indicator, Polarity


def site_link(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def indicator_path(indicator: Indicator) -> str:
    """The indicator page (`indicators:detail`)."""
    return reverse("indicators:detail", args=[indicator.pk])


def subject_for(alert: Alert) -> str:
    """Code and RAG only: 'CP 5: red', 'CP 5: persistently red', 'CP 5: back on track (green)'."""
    if alert.kind == Alert.Kind.BACK_ON_TRACK:
        return f"{alert.indicator.code}: back on track ({alert.rag})"
    return f"{alert.indicator.code}: {alert.rag_words}"


def alert_context(alert: Alert) -> dict:
    indicator = alert.indicator
    unit, decimals = indicator.unit, indicator.decimals

    def fig(value: Decimal | None) -> str:
        # The pages' formatting (half up), so an email and the scorecard show the same figure.
        return formatting.format_figure(value, unit, decimals) or "none"

    return {
        "alert": alert,
        "indicator": indicator,
        "kind": alert.get_kind_display(),
        "headline": headline(alert),
        "period": periods.month_label(alert.period),
        "previous_period": periods.month_label(periods.previous_period(alert.period, indicator.frequency)),
        "value": fig(alert.value),
        "target": fig(alert.target),
        "threshold": formatting.format_threshold(alert.tolerance_threshold, unit, decimals) or "none",
        "previous_value": fig(alert.previous_value),
        "movement": alert.movement_words,
        # The year's polarity, as the arrow's words use: a target may turn the indicator's polarity round.
        "polarity": Polarity(alert.polarity).label if alert.polarity in Polarity.values else "",
        "rag": alert.rag,
        "rag_words": alert.rag_words,
        "commentary": alert.commentary.strip(),
        "link": site_link(indicator_path(indicator)),
    }


def headline(alert: Alert) -> str:
    indicator, label = alert.indicator, periods.month_label(alert.period)
    if alert.kind == Alert.Kind.TURNED_RED:
        return f"{indicator.code} {indicator.title} is red for {label}."
    if alert.kind == Alert.Kind.PERSISTENT_RED:
        return f"{indicator.code} {indicator.title} has been red for several periods in a row, up to {label}."
    return f"{indicator.code} {indicator.title} is back on track for {label}: {alert.rag}."


def _message(*, subject: str, text: str, html: str, to: str) -> EmailMultiAlternatives:
    """The message; its Message-ID is the row's, set when it is sent (`sending.send_claimed`)."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            # RFC 3834: automatic mail, so auto-responders stay quiet.
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


# An alert's body is the same for each of its recipients (nothing personal in it), so a
# worker renders it once and reuses it for the alert's other deliveries it sends.
_RENDERED_MAX = 512
_rendered: OrderedDict[tuple, tuple[str, str]] = OrderedDict()
_rendered_lock = threading.Lock()


def alert_bodies(alert: Alert) -> tuple[str, str]:
    """The plain-text and HTML bodies of an alert's email."""
    indicator = alert.indicator
    key = (alert.pk, alert.raised_at, indicator.code, indicator.title, indicator.decimals, indicator.unit)
    key += (settings.SITE_URL, settings.COUNCIL_NAME)
    with _rendered_lock:
        if key in _rendered:
            _rendered.move_to_end(key)
            return _rendered[key]
    context = {
        "item": alert_context(alert),
        "council_name": settings.COUNCIL_NAME,
        "alerts_link": site_link(reverse("alerts:mine")),
    }
    bodies = (
        render_to_string("alerts/email/alert.txt", context),
        render_to_string("alerts/email/alert.html", context),
    )
    with _rendered_lock:
        _rendered[key] = bodies
        while len(_rendered) > _RENDERED_MAX:
            _rendered.popitem(last=False)
    return bodies


def alert_email(delivery: Delivery) -> EmailMultiAlternatives:
    text, html = alert_bodies(delivery.alert)
    return _message(
        subject=subject_for(delivery.alert),
        text=text,
        html=html,
        to=delivery.recipient.email,
    )


def digest_email(digest: Digest, deliveries: Sequence[Delivery]) -> EmailMultiAlternatives:
    items = [alert_context(d.alert) for d in deliveries]
    context = {
        "digest": digest,
        "day": digest.day,
        "items": items,
        "recipient": digest.recipient,
        "council_name": settings.COUNCIL_NAME,
        "alerts_link": site_link(reverse("alerts:mine")),
    }
    count = len(items)
    return _message(
        subject=f"KPI alerts: {count} alert{'s' if count != 1 else ''} for {digest.day:%-d %B %Y}",
        text=render_to_string("alerts/email/digest.txt", context),
        html=render_to_string("alerts/email/digest.html", context),
        to=digest.recipient.email,
    )
