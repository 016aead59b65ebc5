from django.urls import path, register_converter

from indicators import periods
from returns.views import actions, entry, history, lists, template

app_name = "returns"


class MonthConverter:
    """A month in the URL as YYYY-MM, given to the view as the first day of the month."""

    regex = r"[0-9]{4}-[0-9]{2}"

    def to_python(self, value):
        try:
            return periods.parse_period(value)
        except periods.PeriodError as exc:
            raise ValueError(str(exc)) from None

    def to_url(self, value):
        return periods.iso_month(periods.parse_period(value))


register_converter(MonthConverter, "month")

urlpatterns = [
    path("mine/", lists.mine, name="mine"),
    path("mine/submit/", actions.submit_many, name="submit_many"),
    path("review/", lists.review, name="review"),
    path("review/approve/", actions.approve_many, name="approve_many"),
    path("completeness/", lists.completeness, name="completeness"),
    path("template/", template.template_download, name="template"),
    path("upload/", template.upload, name="upload"),
    path("enter/<int:indicator_id>/<month:period>/", entry.enter, name="enter"),
    path("<int:pk>/", entry.detail, name="detail"),
    path("<int:pk>/submit/", actions.submit, name="submit"),
    path("<int:pk>/approve/", actions.approve, name="approve"),
    path("<int:pk>/send-back/", actions.send_back, name="send_back"),
    path("<int:pk>/reopen/", actions.reopen, name="reopen"),
    path("<int:pk>/correct/", actions.correct, name="correct"),
    path("<int:pk>/history/", history.history, name="history"),
]
