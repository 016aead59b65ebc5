from django.urls import path

from . import catalogue_views, import_views, scorecard_views

app_name = "indicators"

urlpatterns = [
    path("", catalogue_views.catalogue, name="catalogue"),
    path("<int:pk>/", catalogue_views.detail, name="detail"),
    path("imports/", import_views.imports_index, name="imports"),
    path("imports/<int:pk>/", import_views.import_preview, name="import_preview"),
    path("imports/<int:pk>/confirm/", import_views.import_confirm, name="import_confirm"),
    path("imports/<int:pk>/discard/", import_views.import_discard, name="import_discard"),
    path("scorecard/", scorecard_views.board, name="board"),
    path("dashboard/", scorecard_views.dashboard, name="dashboard"),
    path("exceptions/", scorecard_views.exceptions, name="exceptions"),
    path("benchmarks/", scorecard_views.benchmark_scorecard, name="benchmark_scorecard"),
    path("board-pack/", scorecard_views.board_pack, name="board_pack"),
]
