from django.urls import path

from benchmarks import views

app_name = "benchmarks"

urlpatterns = [
    path("", views.index, name="index"),
    path("sources/add/", views.source_add, name="source_add"),
    path("sources/<int:pk>/", views.source_edit, name="source_edit"),
    path("values/", views.values, name="values"),
    path("values/add/", views.value_add, name="value_add"),
    path("values/<int:pk>/", views.value_edit, name="value_edit"),
    path("values/<int:pk>/delete/", views.value_delete, name="value_delete"),
    path("rating/", views.rating, name="rating"),
    path("rating/indicator/", views.rating_indicator, name="rating_indicator_pick"),
    path("rating/indicator/<int:indicator_pk>/", views.rating_indicator, name="rating_indicator"),
]
