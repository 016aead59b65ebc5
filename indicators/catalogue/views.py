"""The catalogue page: the list of indicators (filter, sort, export); one indicator's page is a report
(`indicators.reports.indicator_page`).

Every role reads the catalogue. Viewers see approved figures only; the other
roles also see figures still in the workflow, with their state.
"""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from indicators.catalogue.filters import CatalogueFilter
from indicators.catalogue.tables import EXPORT_COLUMNS, CatalogueTable, export_rows
from indicators.models import Indicator
from kpiportal import exports, table_rows

PER_PAGE = 50


@require_GET
def catalogue(request):
    """Every indicator, filtered by theme, service area, RO, status, key KPI and polarity; sortable; exports."""
    filterset = CatalogueFilter(request.GET or None, queryset=Indicator.objects.for_catalogue())
    rows = filterset.qs
    fmt = request.GET.get("export")
    if fmt in exports.FORMATS:
        return exports.download(
            "indicators", fmt, EXPORT_COLUMNS, export_rows(rows.prefetch_related("deputies")), title="Indicators"
        )
    table = CatalogueTable(rows)
    table_rows.configure(request, table, per_page=PER_PAGE)
    query = request.GET.copy()
    for name in ("page", "export"):
        query.pop(name, None)
    return render(
        request,
        "indicators/catalogue.html",
        {"table": table, "filter": filterset, "query": query.urlencode(), "count": rows.count()},
    )
