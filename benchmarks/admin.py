from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ComparatorSource, ComparatorValue, Population


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
