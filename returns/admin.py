from django.contrib import admin

from kpiportal.accounts.admin_rules import ReadOnlyAdminMixin, ServiceOwnedHistoryAdmin
from returns.models import Return, ReturnEvent, TeamFigure


class TeamFigureInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = TeamFigure
    extra = 0
    readonly_fields = ("team", "value", "numerator", "denominator")


class ReturnEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ReturnEvent
    extra = 0
    readonly_fields = ("kind", "actor", "at", "from_state", "to_state", "comment", "own_approval_override")


@admin.register(Return)
class ReturnAdmin(ServiceOwnedHistoryAdmin):
    """Read-only here, its history too: figures change only through the portal's services, which audit them.

    Nor can a return be deleted here: the delete would take its team figures and
    events with it and leave the scorecard computed from figures that are gone.
    """

    list_display = ("indicator", "period", "value", "state", "submitted_by", "approved_by")
    list_filter = ("state", "period", "indicator__service_area")
    search_fields = ("indicator__code",)
    inlines = [TeamFigureInline, ReturnEventInline]
