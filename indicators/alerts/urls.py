from django.urls import path

from indicators.alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("all/", views.team, name="team"),
    path("<int:pk>/", views.detail, name="detail"),
    path("emails/<int:pk>/retry/", views.retry, name="retry"),
    path("emails/<int:pk>/send-again/", views.resend, name="resend"),
    path("follow/<int:pk>/", views.follow, name="follow"),
    path("unfollow/<int:pk>/", views.unfollow, name="unfollow"),
]
