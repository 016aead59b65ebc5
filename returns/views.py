"""Pages and actions of monthly returns. Thin: read the request, call one service, show the result.

Every return is fetched through `get_return_for_user`: 404 for what the user
may not see, 403 for what they may see but not change. State changes are POST
only; a refused action (wrong state, stale version, four-eyes) comes back to
the return with a message saying why, and changes nothing.
"""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from indicators import periods
from indicators.models import Indicator, PortalSettings, Team
from kpiportal import exports
from kpiportal.accounts import roles
from returns import deadlines, display, excel, filters, forms, policy, selectors, services, tables, validation
from returns.models import Return, ReturnEvent, State, TeamFigure

HISTORY_MONTHS = 24


# --- Access ------------------------------------------------------------------------------------------


def get_return_for_user(user, pk: int, *, may=None) -> Return:
    """The return `pk` if `user` may see it (else 404) and, when `may` is given, do that to it (else 403)."""
    ret = get_object_or_404(Return.objects.with_people(), pk=pk)
    if not policy.may_see.test(user, ret):
        raise Http404("No such return")
    if may is not None and not may.test(user, ret):
        raise PermissionDenied
    return ret


def _require(predicate, user) -> None:
    if not predicate.test(user):
        raise PermissionDenied


def _today() -> date:
    return timezone.localdate()


def _working_day() -> int:
    return PortalSettings.load().due_working_day


def _open_periods() -> list[date]:
    return policy.open_periods(_today())


def _recent_periods() -> list[date]:
    return deadlines.open_periods(_today(), HISTORY_MONTHS)


def _next_url(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def _versions(request) -> dict[int, int]:
    """Ticked rows as {return id: version seen}; malformed values are ignored."""
    chosen = {}
    for raw in request.POST.getlist("returns"):
        pk, _, version = raw.partition(":")
        # isdecimal, not isdigit: "²" is a digit that int() refuses.
        if pk.isascii() and pk.isdecimal() and version.isascii() and version.isdecimal():
            chosen[int(pk)] = int(version)
    return chosen


def _version_of(request) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isascii() and raw.isdecimal() else None


def _export(request, table, filename):
    fmt = request.GET.get("_export")
    if fmt not in exports.FORMATS:
        return None
    header, *rows = table.as_values()  # the tables' value_* texts and numbers; checkbox columns left out
    return exports.download(filename, fmt, header, rows)


# --- The return page ------------------------------------------------------------------------------------


def _teams():
    return list(Team.objects.filter(is_active=True))


def _detail_context(request, ret: Return, *, form=None, **extra) -> dict:
    """Everything the return page shows: figures, last period, target, would-be RAG, actions open to the user."""
    user = request.user
    indicator = ret.indicator
    ctx = selectors.entry_context(indicator, ret.period)
    team_figures = list(ret.team_figures.select_related("team")) if ret.pk else []
    teams = _teams()
    stored_entry = selectors.entry_of(ret, team_figures) if ret.pk else None
    problems = []
    if stored_entry is not None:
        _, problems = services.check_figures(ctx, stored_entry, submitting=True)
    value = ret.value
    can_enter = policy.can_enter(user, ret)
    if form is None and can_enter:
        form = forms.entry_form_class(teams)(
            initial=forms.ReturnEntryForm.initial_for(ret, team_figures), indicator=indicator, teams=teams
        )
    events = list(ret.events.select_related("actor")) if ret.pk else []
    sent_back = next((e for e in reversed(events) if e.kind == ReturnEvent.Kind.RETURNED), None)
    working_day = _working_day()
    context = {
        "ret": ret,
        "indicator": indicator,
        "period_label": periods.month_label(ret.period),
        "state_tag": display.state_tag(ret.state if ret.pk else None),
        "figure": _figure_text(ret),
        "previous_figure": display.figure_text(ctx.previous_value, indicator.unit, indicator.decimals),
        "previous_label": periods.month_label(ctx.previous_period),
        "target": display.figure_text(ctx.target, indicator.unit, indicator.decimals, blank="No target"),
        "threshold": display.threshold_text(
            ctx.rule.threshold if ctx.rule else None, indicator.unit, indicator.decimals, blank="–"
        ),
        "polarity": indicator.get_polarity_display(),
        "rag_tag": display.rag_tag(ctx.would_be_rag(value)),
        "rag_is_final": policy.on_scorecard(ret),
        "team_figures": [
            (tf.team.name, display.figure_text(tf.value, indicator.unit, indicator.decimals), tf) for tf in team_figures
        ],
        "due": deadlines.due_date(ret.period, working_day),
        "overdue": policy.is_overdue(
            period=ret.period, state=ret.state if ret.pk else None, today=_today(), working_day=working_day
        ),
        "blocking": validation.errors(problems) if ret.pk and policy.is_open_to_officer(ret) else [],
        "warnings": validation.warnings(problems) if ret.pk else [],
        "sent_back": sent_back if policy.is_sent_back(ret) else None,
        "form": form,
        "can_enter": can_enter,
        "can_submit": can_enter and bool(ret.pk),
        "can_review": policy.can_review(user, ret),
        "own_submission": policy.own_part(user, ret),
        "can_override": policy.may_override_four_eyes.test(user),
        "can_reopen": policy.can_reopen(user, ret),
        "can_correct": policy.can_correct(user, ret),
        "approve_form": forms.ApproveForm(initial={"version": ret.version}),
        "send_back_form": forms.SendBackForm(initial={"version": ret.version}),
        "reopen_form": forms.ReopenForm(initial={"version": ret.version}),
        "events": events,
    }
    context.update(extra)
    return context


def _figure_text(ret: Return) -> str:
    if not ret.pk:
        return "Not entered yet"
    if ret.not_available:
        return f"Not available: {ret.not_available_reason}"
    if ret.value is None:
        return "Not entered yet"
    text = display.figure_text(ret.value, ret.indicator.unit, ret.indicator.decimals)
    if ret.numerator is not None and ret.denominator is not None:
        text += f" ({display.plain_number(ret.numerator)} of {display.plain_number(ret.denominator)})"
    return text


def _render_detail(request, ret, *, status=200, **kwargs):
    return render(request, "returns/detail.html", _detail_context(request, ret, **kwargs), status=status)


def _save_from_form(request, ret: Return):
    """POST of the entry form: save the draft and, when asked, submit it."""
    teams = _teams()
    form = forms.entry_form_class(teams)(request.POST, indicator=ret.indicator, teams=teams)
    if not form.is_valid():
        return _render_detail(request, ret, form=form)
    try:
        saved = services.return_save_draft(
            indicator=ret.indicator,
            period=ret.period,
            entry=form.entry(),
            version=form.cleaned_data["version"],
            by=request.user,
            skip_unchanged=True,
        )
    except services.InvalidFigures as error:
        form.add_problems(error.problems)
        return _render_detail(request, ret, form=form)
    except services.StaleReturn as error:
        current = error.ret or Return.objects.with_people().get(indicator=ret.indicator, period=ret.period)
        return _render_detail(request, current, stale=error.message, attempted=form.entry())
    except services.ReturnError as error:
        messages.error(request, error.message)
        if ret.pk:
            return redirect("returns:detail", pk=ret.pk)
        return redirect("returns:mine")

    ret = saved.ret
    if request.POST.get("action") != "submit":
        note = " Check the warnings before you submit." if saved.warnings else ""
        messages.success(request, f"{ret} saved as a draft.{note}")
        return redirect("returns:detail", pk=ret.pk)
    try:
        services.return_submit(
            returns=[ret],
            by=request.user,
            confirm_warnings=form.cleaned_data["confirm_warnings"],
            versions={ret.pk: ret.version},
        )
    except services.InvalidFigures as error:
        # Saved, but not submitted: show why on the fields, with the new version in the form.
        data = request.POST.copy()
        data["version"] = str(ret.version)
        form = forms.entry_form_class(teams)(data, indicator=ret.indicator, teams=teams)
        form.is_valid()
        form.add_problems(error.problems)
        if any(not p.is_error for p in error.problems) and not any(p.is_error for p in error.problems):
            form.add_error("confirm_warnings", "Confirm the warnings to submit, or change the figures")
        messages.error(request, f"{ret} was saved as a draft but not submitted.")
        return _render_detail(request, Return.objects.with_people().get(pk=ret.pk), form=form)
    except services.ReturnError as error:
        messages.error(request, f"{ret} was saved as a draft but not submitted: {error.message}")
        return redirect("returns:detail", pk=ret.pk)
    messages.success(request, f"{ret} submitted for review.")
    return redirect("returns:detail", pk=ret.pk)


@require_http_methods(["GET", "POST"])
def detail(request, pk):
    """A return: its figures, last period, target and would-be RAG; the entry form for its officers."""
    ret = get_return_for_user(request.user, pk)
    if request.method == "POST":
        if not policy.may_enter.test(request.user, ret):
            raise PermissionDenied
        return _save_from_form(request, ret)
    return _render_detail(request, ret)


@require_http_methods(["GET", "POST"])
def enter(request, indicator_id, period):
    """A return not started yet: the blank form; the first save creates the draft."""
    if not roles.is_staff_reader.test(request.user):
        raise Http404("No such return")  # viewers see approved returns only, never whether one was started
    indicator = get_object_or_404(
        Indicator.objects.select_related("service_area", "responsible_officer"), pk=indicator_id
    )
    existing = Return.objects.filter(indicator=indicator, period=period).values_list("pk", flat=True).first()
    if existing is not None:
        if request.method == "POST":
            # Someone else started it meanwhile: the save goes through the version check.
            return detail(request, existing)
        return redirect("returns:detail", pk=existing)
    probe = Return(indicator=indicator, period=period)
    if not policy.may_enter.test(request.user, probe):
        raise PermissionDenied
    reason = policy.entry_refusal(indicator, period, _today())
    if reason:
        messages.error(request, reason)
        return redirect("returns:mine")
    if request.method == "POST":
        return _save_from_form(request, probe)
    return _render_detail(request, probe)


# --- Actions --------------------------------------------------------------------------------------------


def _refused(request, ret: Return, error: services.ReturnError):
    messages.error(request, error.message)
    return redirect("returns:detail", pk=ret.pk)


NO_VERSION = (
    "Nothing was changed: the request did not say which version of the figures you saw. "
    "Reload the return and try again."
)


def _without_version(request, ret: Return):
    """Every page that acts on a return sends the version it showed; a POST without one is refused."""
    messages.error(request, NO_VERSION)
    return redirect("returns:detail", pk=ret.pk)


@require_POST
def submit(request, pk):
    ret = get_return_for_user(request.user, pk, may=policy.may_enter)
    version = _version_of(request)
    if version is None:
        return _without_version(request, ret)
    try:
        services.return_submit(
            returns=[ret],
            by=request.user,
            confirm_warnings=request.POST.get("confirm_warnings") == "on",
            versions={ret.pk: version},
        )
    except services.ReturnError as error:
        return _refused(request, ret, error)
    messages.success(request, f"{ret} submitted for review.")
    return redirect(_next_url(request, reverse("returns:detail", args=[ret.pk])))


@require_POST
def approve(request, pk):
    ret = get_return_for_user(request.user, pk, may=policy.may_review)
    form = forms.ApproveForm(request.POST)
    form.is_valid()
    if form.cleaned_data.get("version") is None:
        return _without_version(request, ret)
    try:
        services.return_approve(
            returns=[ret],
            by=request.user,
            comment=form.cleaned_data.get("comment", ""),
            own_approval_override=form.cleaned_data.get("own_approval_override", False),
            versions={ret.pk: form.cleaned_data["version"]},
        )
    except services.MissingReason as error:
        form.add_error("comment", error.message)
        return _render_detail(request, ret, approve_form=form)
    except services.ReturnError as error:
        return _refused(request, ret, error)
    messages.success(request, f"{ret} approved.")
    return redirect(_next_url(request, reverse("returns:detail", args=[ret.pk])))


@require_POST
def send_back(request, pk):
    ret = get_return_for_user(request.user, pk, may=policy.may_review)
    form = forms.SendBackForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, ret, send_back_form=form)
    if form.cleaned_data["version"] is None:
        return _without_version(request, ret)
    try:
        services.return_send_back(
            ret=ret, by=request.user, comment=form.cleaned_data["comment"], version=form.cleaned_data["version"]
        )
    except services.ReturnError as error:
        return _refused(request, ret, error)
    messages.success(
        request, f"{ret} sent back to {display.person(ret.indicator.responsible_officer) or 'the officer'}."
    )
    return redirect(_next_url(request, reverse("returns:detail", args=[ret.pk])))


@require_POST
def reopen(request, pk):
    ret = get_return_for_user(request.user, pk, may=policy.may_reopen)
    form = forms.ReopenForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, ret, reopen_form=form)
    if form.cleaned_data["version"] is None:
        return _without_version(request, ret)
    try:
        services.return_reopen(
            ret=ret, by=request.user, reason=form.cleaned_data["reason"], version=form.cleaned_data["version"]
        )
    except services.ReturnError as error:
        return _refused(request, ret, error)
    messages.success(request, f"{ret} reopened: it is a draft again and off the scorecard until approved.")
    return redirect("returns:detail", pk=ret.pk)


@require_http_methods(["GET", "POST"])
def correct(request, pk):
    """The performance team corrects figures in any state; the reason is recorded."""
    ret = get_return_for_user(request.user, pk, may=policy.may_correct)
    teams = _teams()
    form_class = forms.entry_form_class(teams, base=forms.CorrectionForm)
    stale = None
    if request.method == "POST":
        form = form_class(request.POST, indicator=ret.indicator, teams=teams)
        if form.is_valid():
            try:
                services.return_correct(
                    ret=ret,
                    entry=form.entry(),
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    version=form.cleaned_data["version"],
                    confirm_warnings=form.cleaned_data["confirm_warnings"],
                )
            except services.InvalidFigures as error:
                form.add_problems(error.problems)
                if error.problems and not any(p.is_error for p in error.problems):
                    form.add_error("confirm_warnings", "Confirm the warnings to save the correction")
            except services.StaleReturn as error:
                ret = error.ret
                stale = error.message
                form = form_class(
                    initial=forms.ReturnEntryForm.initial_for(ret, ret.team_figures.all()),
                    indicator=ret.indicator,
                    teams=teams,
                )
            except services.ReturnError as error:
                return _refused(request, ret, error)
            else:
                messages.success(request, f"{ret} corrected; the correction is recorded in its history.")
                return redirect("returns:detail", pk=ret.pk)
    else:
        form = form_class(
            initial=forms.ReturnEntryForm.initial_for(ret, ret.team_figures.all()), indicator=ret.indicator, teams=teams
        )
    return render(
        request,
        "returns/correct.html",
        {"ret": ret, "form": form, "stale": stale, "period_label": periods.month_label(ret.period)},
    )


@require_GET
def history(request, pk):
    """Every version of the figures (simple-history) and every event, who and when, with comments."""
    ret = get_return_for_user(request.user, pk)
    records = ret.history.select_related("history_user").order_by("-history_date", "-history_id")
    if not roles.is_staff_reader.test(request.user):
        records = records.filter(state=State.APPROVED)
    unit, decimals = ret.indicator.unit, ret.indicator.decimals
    versions = [
        {
            "at": r.history_date,
            "who": display.person(r.history_user),
            "state": display.STATE_LABELS.get(r.state, r.state),
            "value": "Not available" if r.not_available else display.figure_text(r.value, unit, decimals),
            "parts": (
                f"{display.plain_number(r.numerator)} of {display.plain_number(r.denominator)}"
                if r.numerator is not None and r.denominator is not None
                else ""
            ),
            "commentary": r.commentary or r.not_available_reason,
            "version": r.version,
        }
        for r in records
    ]
    team_records = (
        TeamFigure.history.filter(ret_id=ret.pk)
        .select_related("team", "history_user")
        .order_by("-history_date", "-history_id")
        if roles.is_staff_reader.test(request.user)
        else []
    )
    team_versions = [
        {
            "at": r.history_date,
            "who": display.person(r.history_user),
            "team": r.team.name,
            "value": "Removed" if r.history_type == "-" else display.figure_text(r.value, unit, decimals),
        }
        for r in team_records
    ]
    events = ret.events.select_related("actor")
    return render(
        request,
        "returns/history.html",
        {
            "ret": ret,
            "period_label": periods.month_label(ret.period),
            "versions": versions,
            "team_versions": team_versions,
            "events": events,
        },
    )


# --- Lists -----------------------------------------------------------------------------------------------


@require_GET
def mine(request):
    """Every indicator the user owns or deputises for in the chosen month, with state, due date and overdue."""
    user = request.user
    _require(policy.may_use_my_returns, user)
    today, working_day = _today(), _working_day()
    team_view = policy.sees_every_area.test(user)
    filter_class = filters.TeamReturnsFilter if team_view else filters.MyReturnsFilter
    base = Indicator.objects.live().select_related("service_area", "responsible_officer")
    if not (team_view and request.GET.get("responsible_officer")):
        base = base.filter(pk__in=Indicator.objects.owned_by(user).values("pk"))
    filterset = filter_class(
        request.GET,
        queryset=base,
        period_options=_open_periods(),
        default=deadlines.default_period(today),
        today=today,
        working_day=working_day,
    )
    period = filterset.chosen_period
    rows = selectors.officer_rows(filterset.qs, period, today=today, working_day=working_day)
    table = tables.MyReturnsTable(rows)
    exported = _export(request, table, f"my-returns-{periods.iso_month(period)}")
    if exported:
        return exported
    waiting = selectors.waiting_in_other_months(user, period, oldest_open=min(_open_periods()))
    summary = {
        "total": len(rows),
        "to_do": sum(1 for r in rows if policy.is_open_to_officer(r.ret)),
        "overdue": sum(1 for r in rows if r.overdue),
        "submittable": sum(1 for r in rows if policy.awaits_officer(r.ret)),
    }
    return render(
        request,
        "returns/mine.html",
        {
            "filter": filterset,
            "table": table,
            "period": period,
            "period_iso": periods.iso_month(period),
            "period_label": periods.month_label(period),
            "due": deadlines.due_date(period, working_day),
            "summary": summary,
            "waiting": tables.WaitingTable(waiting) if waiting else None,
        },
    )


@require_POST
def submit_many(request):
    """Submit the ticked returns; all or nothing."""
    _require(policy.may_use_my_returns, request.user)
    return _bulk(request, services.return_submit, "submitted for review", reverse("returns:mine"))


@require_POST
def approve_many(request):
    """Approve the ticked returns; all or nothing."""
    _require(policy.may_use_review, request.user)
    return _bulk(request, services.return_approve, "approved", reverse("returns:review"))


def _bulk(request, service, done: str, fallback: str):
    back = _next_url(request, fallback)
    versions = _versions(request)
    if not versions:
        messages.error(request, "Tick the returns first: none was chosen")
        return redirect(back)
    chosen = list(Return.objects.with_people().filter(pk__in=versions))
    if len(chosen) != len(versions) or not all(policy.may_see.test(request.user, r) for r in chosen):
        raise Http404("No such return")
    kwargs = {"returns": chosen, "by": request.user, "versions": versions}
    if service is services.return_submit:
        kwargs["confirm_warnings"] = request.POST.get("confirm_warnings") == "on"
    try:
        service(**kwargs)
    except services.RefusedInPart as error:
        messages.error(request, "Nothing was changed. " + " ".join(f"{r}: {e}" for r, e in error.failures.items()))
        return redirect(back)
    except services.ReturnError as error:
        messages.error(request, f"Nothing was changed. {error.message}")
        return redirect(back)
    messages.success(request, f"{len(chosen)} return{'s' if len(chosen) != 1 else ''} {done}.")
    return redirect(back)


@require_GET
def review(request):
    """Submitted returns of the director's service areas (all for the performance team), oldest first."""
    user = request.user
    _require(policy.may_use_review, user)
    today, working_day = _today(), _working_day()
    qs = Return.objects.awaiting_review_by(user, all_areas=policy.sees_every_area.test(user)).with_people()
    filterset = filters.ReviewFilter(request.GET, queryset=qs, period_options=_recent_periods(), today=today)
    rows = selectors.review_rows(filterset.qs, today=today, working_day=working_day)
    table = tables.ReviewTable(rows)
    exported = _export(request, table, "to-review")
    if exported:
        return exported
    return render(request, "returns/review.html", {"filter": filterset, "table": table, "count": len(rows)})


@require_GET
def completeness(request):
    """The chasing view: missing, late, awaiting review and approved, by service area and officer."""
    user = request.user
    _require(policy.may_use_completeness, user)
    today, working_day = _today(), _working_day()
    base = Indicator.objects.live().select_related("service_area", "responsible_officer")
    filterset = filters.CompletenessFilter(
        request.GET,
        queryset=base,
        period_options=_recent_periods(),
        default=deadlines.default_period(today),
        today=today,
        working_day=working_day,
    )
    period = filterset.chosen_period
    groups, total, rows = selectors.completeness(filterset.qs, period, today=today, working_day=working_day)
    summary_table = tables.CompletenessTable([*groups, total] if groups else [])
    outstanding = tables.OutstandingTable([r for r in rows if not r.done])
    exported = _export(request, summary_table, f"completeness-{periods.iso_month(period)}")
    if exported:
        return exported
    return render(
        request,
        "returns/completeness.html",
        {
            "filter": filterset,
            "table": summary_table,
            "outstanding": outstanding,
            "total": total,
            "period_label": periods.month_label(period),
            "due": deadlines.due_date(period, working_day),
        },
    )


# --- Excel round trip ---------------------------------------------------------------------------------------


class _MonthRefused(Exception):
    """The month asked for cannot take a template; `message` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _template_period(request) -> date:
    """The month of a template download or upload: blank is the default month; closed or unreadable is refused."""
    raw = request.GET.get("period") or request.POST.get("period")
    try:
        period = periods.parse_period(raw) if raw else deadlines.default_period(_today())
    except periods.PeriodError:
        raise _MonthRefused(f"“{raw}” is not a month: choose the month on My returns and try again") from None
    reason = policy.template_refusal(request.user, period, _today())
    if reason:
        raise _MonthRefused(f"No template for {periods.month_label(period)}: {reason}")
    return period


def _template_refused(request, error: _MonthRefused):
    messages.error(request, error.message)
    return redirect("returns:mine")


@require_GET
def template_download(request):
    """An XLSX template of the user's returns for a month, to fill in and upload."""
    _require(policy.may_use_my_returns, request.user)
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
    _require(policy.may_use_my_returns, request.user)
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
