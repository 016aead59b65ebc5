from django.urls import path, register_converter

from indicators import periods
from returns import views

app_name = "returns"


class MonthConverter:
    """A month in the URL as YYYY-MM, given to the view as the first day of the month."""

    regex = r"\d{4}-\d{2}"

    def to_python(self, value):
        try:
            return periods.parse_period(value)
        except periods.PeriodError as exc:
            raise ValueError(str(exc)) from None

    def to_url(self, value):
        return periods.iso_month(periods.parse_period(value))


register_converter(MonthConverter, "month")

urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("mine/submit/", views.submit_many, name="submit_many"),
    path("review/", views.review, name="review"),
    path("review/approve/", views.approve_many, name="approve_many"),
    path("completeness/", views.completeness, name="completeness"),
    path("template/", views.template_download, name="template"),
    path("upload/", views.upload, name="upload"),
    path("enter/<int:indicator_id>/<month:period>/", views.enter, name="enter"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/send-back/", views.send_back, name="send_back"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/correct/", views.correct, name="correct"),
    path("<int:pk>/history/", views.history, name="history"),
]
