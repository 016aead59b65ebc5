from django.contrib import admin

from indicators.fields import ADMIN_NUMBER_FIELDS
from indicators.models import (
    Indicator,
    PortalSettings,
    ScorecardEntry,
    ScorecardFailure,
    ServiceArea,
    Target,
    Team,
    Theme,
)
from kpiportal.accounts.admin_rules import HistoryAdmin, ServiceOwnedAdmin


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0
    formfield_overrides = ADMIN_NUMBER_FIELDS


@admin.register(Indicator)
class IndicatorAdmin(HistoryAdmin):
    formfield_overrides = ADMIN_NUMBER_FIELDS
    list_display = (
        "code",
        "title",
        "theme",
        "service_area",
        "responsible_officer",
        "polarity",
        "unit",
        "status",
        "is_key",
    )
    list_filter = ("theme", "service_area", "status", "is_key", "polarity", "unit")
    search_fields = ("code", "title", "definition")
    autocomplete_fields = ("responsible_officer", "deputies")
    inlines = [TargetInline]


@admin.register(Target)
class TargetAdmin(HistoryAdmin):
    formfield_overrides = ADMIN_NUMBER_FIELDS
    list_display = ("indicator", "financial_year", "target", "tolerance", "tolerance_kind", "dot_threshold")
    list_filter = ("financial_year", "tolerance_kind")
    search_fields = ("indicator__code", "indicator__title")


@admin.register(Theme)
class ThemeAdmin(HistoryAdmin):
    formfield_overrides = ADMIN_NUMBER_FIELDS
    list_display = ("name", "position")
    list_editable = ("position",)


@admin.register(ServiceArea)
class ServiceAreaAdmin(HistoryAdmin):
    list_display = ("name",)
    filter_horizontal = ("directors",)


@admin.register(Team)
class TeamAdmin(HistoryAdmin):
    formfield_overrides = ADMIN_NUMBER_FIELDS
    list_display = ("name", "position", "is_active")
    list_editable = ("position", "is_active")


@admin.register(PortalSettings)
class PortalSettingsAdmin(HistoryAdmin):
    formfield_overrides = ADMIN_NUMBER_FIELDS
    list_display = ("__str__", "due_working_day", "persistent_red_periods", "comparator_band")

    def has_add_permission(self, request):
        return not PortalSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScorecardEntry)
class ScorecardEntryAdmin(ServiceOwnedAdmin):
    """Read-only: entries are computed by the scorecard recompute, never edited."""

    list_display = ("indicator", "period", "team", "value", "target", "rag", "direction", "persistent_red")
    list_filter = ("rag", "period")
    search_fields = ("indicator__code",)


@admin.register(ScorecardFailure)
class ScorecardFailureAdmin(ServiceOwnedAdmin):
    """Read-only: the recompute notes an indicator it could not score, and clears the note when it scores it again."""

    list_display = ("indicator", "reason", "failed_at")
    search_fields = ("indicator__code",)
