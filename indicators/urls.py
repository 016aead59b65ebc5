from django.urls import path

from . import scorecard_views

app_name = "indicators"

urlpatterns = [
    path("scorecard/", scorecard_views.board, name="board"),
    path("dashboard/", scorecard_views.dashboard, name="dashboard"),
    path("exceptions/", scorecard_views.exceptions, name="exceptions"),
    path("board-pack/", scorecard_views.board_pack, name="board_pack"),
]
