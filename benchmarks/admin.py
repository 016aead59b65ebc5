from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from benchmarks.models import ComparatorSource, ComparatorValue, Population, RatingComparator


@admin.register(ComparatorSource)
class ComparatorSourceAdmin(SimpleHistoryAdmin):
    list_display = ("name", "short_name", "kind", "position")
    list_editable = ("position",)


@admin.register(ComparatorValue)
class ComparatorValueAdmin(SimpleHistoryAdmin):
    list_display = ("indicator", "source", "period_kind", "period_start", "value", "note", "loaded_by", "loaded_at")
    list_filter = ("source", "period_kind", "period_start")
    search_fields = ("indicator__code",)


@admin.register(Population)
class PopulationAdmin(SimpleHistoryAdmin):
    list_display = ("team", "year", "population")
    list_filter = ("year",)


@admin.register(RatingComparator)
class RatingComparatorAdmin(SimpleHistoryAdmin):
    """Read only: choices are made on the portal's page `benchmarks:rating`, through the service that also
    keeps the scorecard-wide band in `PortalSettings` and asks for the scorecards to be recomputed."""

    list_display = ("__str__", "source", "band")
    list_select_related = ("indicator", "source")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
