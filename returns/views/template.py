"""The Excel round trip's pages: download a month's template and upload it filled in (`returns.excel`)."""

from datetime import date

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from indicators import periods
from returns import deadlines, excel, forms, policy
from returns.views import common


class _MonthRefused(Exception):
    """The month asked for cannot take a template; `message` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _template_period(request) -> date:
    """The month of a template download or upload: blank is the default month; closed or unreadable is refused."""
    raw = request.GET.get("period") or request.POST.get("period")
    try:
        period = periods.parse_period(raw) if raw else deadlines.default_period(common.today())
    except periods.PeriodError:
        raise _MonthRefused(f"“{raw}” is not a month: choose the month on My returns and try again") from None
    reason = policy.template_refusal(request.user, period, common.today())
    if reason:
        raise _MonthRefused(f"No template for {periods.month_label(period)}: {reason}")
    return period


def _template_refused(request, error: _MonthRefused):
    messages.error(request, error.message)
    return redirect("returns:mine")


@require_GET
def template_download(request):
    """An XLSX template of the user's returns for a month, to fill in and upload."""
    common.require(policy.may_use_my_returns, request.user)
    try:
        period = _template_period(request)
    except _MonthRefused as error:
        return _template_refused(request, error)
    content = excel.build_template(user=request.user, period=period)
    response = excel.xlsx_response(content, f"returns-{periods.iso_month(period)}-{request.user.username}.xlsx")
    return response


@require_http_methods(["GET", "POST"])
def upload(request):
    """Upload a filled template: every row through the same validation, saved as drafts (never submitted)."""
    common.require(policy.may_use_my_returns, request.user)
    try:
        period = _template_period(request)
    except _MonthRefused as error:
        return _template_refused(request, error)
    report = None
    if request.method == "POST":
        form = forms.UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                report = excel.upload_template(user=request.user, period=period, upload=form.cleaned_data["file"])
            except excel.TemplateRefused as error:
                form.add_error("file", error.message)
            else:
                if report.ok:
                    messages.success(request, report.summary)
    else:
        form = forms.UploadForm()
    return render(
        request,
        "returns/upload.html",
        {
            "form": form,
            "report": report,
            "period": period,
            "period_iso": periods.iso_month(period),
            "period_label": periods.month_label(period),
        },
        status=200,
    )
