"""The workflow's actions, one view per transition (POST only), and their bulk forms on the lists."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from indicators import periods
from returns import display, forms, policy, services
from returns.models import Return
from returns.views import common, entry


@require_POST
def submit(request, pk):
    ret = common.get_return_for_user(request.user, pk, may=policy.may_enter)
    version = common.version_of(request)
    if version is None:
        return common.without_version(request, ret)
    try:
        services.return_submit(
            returns=[ret],
            by=request.user,
            confirm_warnings=request.POST.get("confirm_warnings") == "on",
            versions={ret.pk: version},
        )
    except services.ReturnError as error:
        return common.refused(request, ret, error)
    messages.success(request, f"{ret} submitted for review.")
    return redirect(common.next_url(request, reverse("returns:detail", args=[ret.pk])))


@require_POST
def approve(request, pk):
    ret = common.get_return_for_user(request.user, pk, may=policy.may_review)
    form = forms.ApproveForm(request.POST)
    form.is_valid()
    if form.cleaned_data.get("version") is None:
        return common.without_version(request, ret)
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
        return entry.render_detail(request, ret, approve_form=form)
    except services.ReturnError as error:
        return common.refused(request, ret, error)
    messages.success(request, f"{ret} approved.")
    return redirect(common.next_url(request, reverse("returns:detail", args=[ret.pk])))


@require_POST
def send_back(request, pk):
    ret = common.get_return_for_user(request.user, pk, may=policy.may_review)
    form = forms.SendBackForm(request.POST)
    if not form.is_valid():
        return entry.render_detail(request, ret, send_back_form=form)
    if form.cleaned_data["version"] is None:
        return common.without_version(request, ret)
    try:
        services.return_send_back(
            ret=ret, by=request.user, comment=form.cleaned_data["comment"], version=form.cleaned_data["version"]
        )
    except services.ReturnError as error:
        return common.refused(request, ret, error)
    messages.success(
        request, f"{ret} sent back to {display.person(ret.indicator.responsible_officer) or 'the officer'}."
    )
    return redirect(common.next_url(request, reverse("returns:detail", args=[ret.pk])))


@require_POST
def reopen(request, pk):
    ret = common.get_return_for_user(request.user, pk, may=policy.may_reopen)
    form = forms.ReopenForm(request.POST)
    if not form.is_valid():
        return entry.render_detail(request, ret, reopen_form=form)
    if form.cleaned_data["version"] is None:
        return common.without_version(request, ret)
    try:
        services.return_reopen(
            ret=ret, by=request.user, reason=form.cleaned_data["reason"], version=form.cleaned_data["version"]
        )
    except services.ReturnError as error:
        return common.refused(request, ret, error)
    messages.success(request, f"{ret} reopened: it is a draft again and off the scorecard until approved.")
    return redirect("returns:detail", pk=ret.pk)


@require_http_methods(["GET", "POST"])
def correct(request, pk):
    """The performance team corrects figures in any state; the reason is recorded."""
    ret = common.get_return_for_user(request.user, pk, may=policy.may_correct)
    teams = common.teams()
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
                return common.refused(request, ret, error)
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
        {
            "ret": ret,
            "form": form,
            "stale": stale,
            "period_label": periods.month_label(ret.period),
            "on_scorecard": policy.on_scorecard(ret),
        },
    )


@require_POST
def submit_many(request):
    """Submit the ticked returns; all or nothing."""
    common.require(policy.may_use_my_returns, request.user)
    return _bulk(request, services.return_submit, "submitted for review", reverse("returns:mine"))


@require_POST
def approve_many(request):
    """Approve the ticked returns; all or nothing."""
    common.require(policy.may_use_review, request.user)
    return _bulk(request, services.return_approve, "approved", reverse("returns:review"))


def _bulk(request, service, done: str, fallback: str):
    back = common.next_url(request, fallback)
    versions = common.versions_of(request)
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
