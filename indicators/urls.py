from django.urls import path

from indicators.catalogue import views as catalogue
from indicators.imports import views as imports
from indicators.reports import indicator_page
from indicators.reports import views as reports

app_name = "indicators"

urlpatterns = [
    path("", catalogue.catalogue, name="catalogue"),
    path("<int:pk>/", indicator_page.detail, name="detail"),
    path("imports/", imports.imports_index, name="imports"),
    path("imports/<int:pk>/", imports.import_preview, name="import_preview"),
    path("imports/<int:pk>/confirm/", imports.import_confirm, name="import_confirm"),
    path("imports/<int:pk>/discard/", imports.import_discard, name="import_discard"),
    path("scorecard/", reports.board, name="board"),
    path("dashboard/", reports.dashboard, name="dashboard"),
    path("exceptions/", reports.exceptions, name="exceptions"),
    path("benchmarks/", reports.benchmark_scorecard, name="benchmark_scorecard"),
    path("board-pack/", reports.board_pack, name="board_pack"),
]
