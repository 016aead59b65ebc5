from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from returns.models import Return, ReturnEvent, TeamFigure


class TeamFigureInline(admin.TabularInline):
    model = TeamFigure
    extra = 0
    readonly_fields = ("team", "value", "numerator", "denominator")

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReturnEventInline(admin.TabularInline):
    model = ReturnEvent
    extra = 0
    readonly_fields = ("kind", "actor", "at", "from_state", "to_state", "comment", "own_approval_override")

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Return)
class ReturnAdmin(SimpleHistoryAdmin):
    """Read-only here: figures change only through the portal's services, which audit them.

    Nor can a return be deleted here: the delete would take its team figures and
    events with it and leave the scorecard computed from figures that are gone.
    """

    list_display = ("indicator", "period", "value", "state", "submitted_by", "approved_by")
    list_filter = ("state", "period", "indicator__service_area")
    search_fields = ("indicator__code",)
    inlines = [TeamFigureInline, ReturnEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
