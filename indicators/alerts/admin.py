"""Admin screens of alerts, for the performance team: read what happened; retry failed emails.

Alerts, their emails, digests and follows are written only by the alerts services: read only here.
"""

from django.contrib import admin, messages

from indicators.alerts import services
from indicators.alerts.models import Alert, Delivery, Digest, Follow, SendState
from kpiportal.accounts.admin_rules import ReadOnlyAdminMixin, ServiceOwnedAdmin

OUTBOX_FIELDS = (
    "state",
    "attempts",
    "next_attempt_at",
    "claimed_at",
    "claimed_by",
    "last_error",
    "message_id",
    "sent_at",
    "created_at",
    "retried_by",
    "retried_at",
)


class DeliveryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Delivery
    fields = ("recipient", "channel", "state", "attempts", "sent_at", "last_error")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Alert)
class AlertAdmin(ServiceOwnedAdmin):
    list_display = ("indicator", "period", "kind", "rag", "value", "target", "raised_at")
    list_filter = ("kind", "rag", "period")
    search_fields = ("indicator__code", "indicator__title")
    list_select_related = ("indicator",)
    readonly_fields = [f.name for f in Alert._meta.fields]
    inlines = [DeliveryInline]


@admin.action(description="Retry the selected failed emails")
def retry_failed(modeladmin, request, queryset):
    retried = 0
    for delivery in queryset.filter(state=SendState.FAILED):
        try:  # two lines of one digest: retrying the first has already made the second pending
            services.delivery_retry(delivery=delivery, by=request.user)
        except services.AlertError as refused:
            messages.warning(request, str(refused))
            continue
        retried += 1
    messages.info(request, f"{retried} failed emails will be sent again.")


@admin.register(Delivery)
class DeliveryAdmin(ServiceOwnedAdmin):
    list_display = ("alert", "recipient", "channel", "state", "attempts", "sent_at")
    list_filter = ("state", "channel", "alert__kind")
    search_fields = ("alert__indicator__code", "recipient__username", "recipient__email")
    list_select_related = ("alert__indicator", "recipient")
    readonly_fields = ("alert", "recipient", "channel", "digest", *OUTBOX_FIELDS)
    actions = [retry_failed]


@admin.register(Digest)
class DigestAdmin(ServiceOwnedAdmin):
    list_display = ("day", "recipient", "state", "attempts", "sent_at")
    list_filter = ("state", "day")
    readonly_fields = ("recipient", "day", *OUTBOX_FIELDS)


@admin.register(Follow)
class FollowAdmin(ServiceOwnedAdmin):
    list_display = ("user", "indicator", "created_at")
    search_fields = ("user__username", "indicator__code")
    autocomplete_fields = ()
    raw_id_fields = ("user", "indicator")
