from django.urls import path

from indicators.reports import api

app_name = "api"

urlpatterns = [
    path("scorecard", api.scorecard_feed, name="scorecard"),
]
