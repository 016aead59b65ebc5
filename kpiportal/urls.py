from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from kpiportal import health, views
from kpiportal.accounts import views as account_views

admin.site.site_header = "KPI Portal administration"
admin.site.site_title = "KPI Portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/login/", account_views.PortalLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(template_name="registration/password_change.html"),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_change_done.html"),
        name="password_change_done",
    ),
    path("accounts/", include("kpiportal.accounts.urls")),
    path("indicators/", include("indicators.urls")),
    path("returns/", include("returns.urls")),
    path("benchmarks/", include("benchmarks.urls")),
    path("api/v1/", include("indicators.api_urls")),
    path("alerts/", include("indicators.alerts.urls")),
    path("admin/", admin.site.urls),
]
