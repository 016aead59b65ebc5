"""The return page: figures, last period, target and would-be RAG, the actions open to the user, and the entry form."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from indicators import periods
from indicators.models import Indicator
from returns import deadlines, display, forms, policy, selectors, services, validation
from returns.models import Return, ReturnEvent
from returns.views import common


def _detail_context(request, ret: Return, *, form=None, **extra) -> dict:
    """Everything the return page shows: figures, last period, target, would-be RAG, actions open to the user."""
    user = request.user
    indicator = ret.indicator
    ctx = selectors.entry_context(indicator, ret.period)
    team_figures = list(ret.team_figures.select_related("team")) if ret.pk else []
    teams = common.teams()
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
    working_day = common.working_day()
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
        "awaiting_review": policy.is_awaiting_review(ret),
        "team_figures": [
            (tf.team.name, display.figure_text(tf.value, indicator.unit, indicator.decimals), tf) for tf in team_figures
        ],
        "due": deadlines.due_date(ret.period, working_day),
        "overdue": policy.is_overdue(
            period=ret.period, state=ret.state if ret.pk else None, today=common.today(), working_day=working_day
        ),
        "blocking": validation.errors(problems) if ret.pk and policy.is_open_to_officer(ret) else [],
        "warnings": validation.warnings(problems) if ret.pk else [],
        "sent_back": sent_back if policy.is_sent_back(ret) else None,
        "form": form,
        "can_enter": can_enter,
        "can_submit": policy.can_submit(user, ret),
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


def render_detail(request, ret, *, status=200, **kwargs):
    return render(request, "returns/detail.html", _detail_context(request, ret, **kwargs), status=status)


def _save_from_form(request, ret: Return):
    """POST of the entry form: save the draft and, when asked, submit it."""
    teams = common.teams()
    form = forms.entry_form_class(teams)(request.POST, indicator=ret.indicator, teams=teams)
    if not form.is_valid():
        return render_detail(request, ret, form=form)
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
        return render_detail(request, ret, form=form)
    except services.StaleReturn as error:
        current = error.ret or Return.objects.with_people().get(indicator=ret.indicator, period=ret.period)
        return render_detail(request, current, stale=error.message, attempted=form.entry())
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
        return render_detail(request, Return.objects.with_people().get(pk=ret.pk), form=form)
    except services.ReturnError as error:
        messages.error(request, f"{ret} was saved as a draft but not submitted: {error.message}")
        return redirect("returns:detail", pk=ret.pk)
    messages.success(request, f"{ret} submitted for review.")
    return redirect("returns:detail", pk=ret.pk)


@require_http_methods(["GET", "POST"])
def detail(request, pk):
    """A return: its figures, last period, target and would-be RAG; the entry form for its officers."""
    ret = common.get_return_for_user(request.user, pk)
    if request.method == "POST":
        if not policy.may_enter.test(request.user, ret):
            raise PermissionDenied
        return _save_from_form(request, ret)
    return render_detail(request, ret)


@require_http_methods(["GET", "POST"])
def enter(request, indicator_id, period):
    """A return not started yet: the blank form; the first save creates the draft."""
    if not policy.may_see_unapproved.test(request.user):
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
    reason = policy.entry_refusal(indicator, period, common.today())
    if reason:
        messages.error(request, reason)
        return redirect("returns:mine")
    if request.method == "POST":
        return _save_from_form(request, probe)
    return render_detail(request, probe)
