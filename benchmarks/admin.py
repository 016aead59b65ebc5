from django.contrib import admin

from benchmarks.models import ComparatorSource, ComparatorValue, Population, RatingComparator
from indicators.fields import ADMIN_NUMBER_FIELDS
from kpiportal.accounts.admin_rules import HistoryAdmin, ServiceOwnedHistoryAdmin


@admin.register(ComparatorSource)
class ComparatorSourceAdmin(ServiceOwnedHistoryAdmin):
    """Read only: sources are added and changed on the portal's comparator pages (`benchmarks:source_add`,
    `benchmarks:source_edit`), through the service that checks their names and recomputes the scorecards."""

    list_display = ("name", "short_name", "kind", "position")


@admin.register(ComparatorValue)
class ComparatorValueAdmin(ServiceOwnedHistoryAdmin):
    """Read only: values are set, deleted and imported on the portal's pages, through the services that check
    them against the indicator's unit and record who loaded them."""

    list_display = ("indicator", "source", "period_kind", "period_start", "value", "note", "loaded_by", "loaded_at")
    list_filter = ("source", "period_kind", "period_start")
    search_fields = ("indicator__code",)


@admin.register(Population)
class PopulationAdmin(HistoryAdmin):
    formfield_overrides = ADMIN_NUMBER_FIELDS
    list_display = ("team", "year", "population")
    list_filter = ("year",)


@admin.register(RatingComparator)
class RatingComparatorAdmin(ServiceOwnedHistoryAdmin):
    """Read only: choices are made on the portal's page `benchmarks:rating`, through the service that also
    keeps the scorecard-wide band in `PortalSettings` and asks for the scorecards to be recomputed."""

    list_display = ("__str__", "source", "band")
    list_select_related = ("indicator", "source")
