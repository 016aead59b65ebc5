"""Tables of alerts and their deliveries (django-tables2, GOV.UK style via includes/table.html).

Cells are rendered in Python from the rows' own fields (no per-cell template
or query), so a page costs the same few queries whatever its length.
"""

import django_tables2 as tables
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html

from indicators import periods
from indicators.alerts.models import Delivery, SendState

STATE_TAGS = {
    SendState.PENDING: "govuk-tag--blue",
    SendState.SENDING: "govuk-tag--purple",
    SendState.SENT: "govuk-tag--green",
    SendState.FAILED: "govuk-tag--red",
    SendState.UNCERTAIN: "govuk-tag--orange",
}


def rag_html(rag: str, words: str | None = None) -> str:
    """The RAG as a word on its colour: never colour alone."""
    modifier = "persistent-red" if words == "persistently red" else rag
    return format_html('<span class="kpi-rag kpi-rag--{}">{}</span>', modifier, (words or rag).capitalize())


def state_html(delivery: Delivery) -> str:
    return format_html(
        '<strong class="govuk-tag {}">{}</strong>', STATE_TAGS.get(delivery.state, ""), delivery.get_state_display()
    )


class DeliveryTable(tables.Table):
    """A person's alerts: what happened, to which indicator, and whether the email went."""

    indicator = tables.Column(accessor="alert__indicator__code", verbose_name="Indicator")
    period = tables.Column(accessor="alert__period", verbose_name="Period")
    kind = tables.Column(accessor="alert__kind", verbose_name="Alert")
    rag = tables.Column(accessor="alert__rag", verbose_name="RAG", orderable=False)
    raised = tables.Column(accessor="alert__raised_at", verbose_name="Raised")
    channel = tables.Column(verbose_name="Sent as")
    state = tables.Column(verbose_name="Email")
    sent_at = tables.Column(verbose_name="Sent at", default="—")

    class Meta:
        model = Delivery
        fields = ()
        sequence = ("indicator", "period", "kind", "rag", "raised", "channel", "state", "sent_at")
        order_by = ("-raised",)
        orderable = True
        empty_text = "No alerts yet."
        attrs = {"class": "govuk-table kpi-table"}
        row_attrs = {"class": "govuk-table__row"}

    def __init__(self, *args, caption: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.caption = caption
        for column in self.columns:
            column.column.attrs = {"th": {"class": "govuk-table__header"}, "td": {"class": "govuk-table__cell"}}

    def render_indicator(self, record):
        alert = record.alert
        return format_html(
            '<a class="govuk-link" href="{}">{}<span class="govuk-visually-hidden"> alert</span></a> {}',
            reverse("alerts:detail", args=[alert.pk]),
            alert.indicator.code,
            alert.indicator.title,
        )

    def render_period(self, record):
        return periods.month_label(record.alert.period)

    def render_kind(self, record):
        return record.alert.get_kind_display()

    def render_rag(self, record):
        return rag_html(record.alert.rag, record.alert.rag_words)

    def render_raised(self, value):
        return format_html('<span class="kpi-nowrap">{}</span>', f"{value:%-d %b %Y %H:%M}")

    def render_channel(self, record):
        return record.get_channel_display()

    def render_state(self, record):
        return state_html(record)

    def render_sent_at(self, value):
        return f"{value:%-d %b %Y %H:%M}"


class TeamDeliveryTable(DeliveryTable):
    """Every delivery, for the performance team: who, how many attempts, the last error, and a retry."""

    recipient = tables.Column(verbose_name="Recipient", accessor="recipient__last_name")
    attempts = tables.Column(verbose_name="Attempts", attrs={"td": {"class": "govuk-table__cell kpi-num"}})
    last_error = tables.Column(verbose_name="Last error", orderable=False, default="")
    action = tables.Column(verbose_name="Action", accessor="pk", orderable=False)

    class Meta(DeliveryTable.Meta):
        sequence = (
            "indicator",
            "period",
            "kind",
            "rag",
            "raised",
            "recipient",
            "channel",
            "state",
            "attempts",
            "sent_at",
            "last_error",
            "action",
        )
        empty_text = "No emails match."

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.csrf_token = get_token(request) if request is not None else ""

    def render_recipient(self, record):
        return str(record.recipient)

    def render_state(self, record):
        """The state; for an email that may have been sent, its Message-ID to look for in the mail logs."""
        if record.state != SendState.UNCERTAIN or not record.message_id:
            return state_html(record)
        return format_html(
            '{}<br><span class="govuk-body-s">Message-ID <code>{}</code></span>',
            state_html(record),
            record.message_id,
        )

    def render_action(self, record):
        if record.state == SendState.UNCERTAIN:
            return format_html(
                '<a class="govuk-link" href="{}">Send again<span class="govuk-visually-hidden"> the email to {} '
                "about {} {}</span></a>",
                reverse("alerts:resend", args=[record.pk]),
                record.recipient,
                record.alert.indicator.code,
                periods.month_label(record.alert.period),
            )
        if record.state != SendState.FAILED:
            return ""
        return format_html(
            '<form method="post" action="{}" class="kpi-inline-form">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0">'
            'Retry<span class="govuk-visually-hidden"> email to {} about {} {}</span></button></form>',
            reverse("alerts:retry", args=[record.pk]),
            self.csrf_token,
            record.recipient,
            record.alert.indicator.code,
            periods.month_label(record.alert.period),
        )
