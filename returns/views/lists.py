"""The lists: My returns, To review and Completeness, each exportable as CSV or XLSX."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from indicators import periods
from indicators.models import Indicator
from returns import deadlines, filters, policy, selectors, tables
from returns.models import Return
from returns.views import common


@require_GET
def mine(request):
    """Every indicator the user owns or deputises for in the chosen month, with state, due date and overdue."""
    user = request.user
    common.require(policy.may_use_my_returns, user)
    today, working_day = common.today(), common.working_day()
    team_view = policy.sees_every_area.test(user)
    filter_class = filters.TeamReturnsFilter if team_view else filters.MyReturnsFilter
    base = Indicator.objects.live().select_related("service_area", "responsible_officer")
    if not (team_view and request.GET.get("responsible_officer")):
        base = base.filter(pk__in=Indicator.objects.owned_by(user).values("pk"))
    filterset = filter_class(
        request.GET,
        queryset=base,
        period_options=common.open_periods(),
        default=deadlines.default_period(today),
        today=today,
        working_day=working_day,
    )
    period = filterset.chosen_period
    rows = selectors.officer_rows(filterset.qs, period, today=today, working_day=working_day)
    table = tables.MyReturnsTable(rows)
    exported = common.export(request, table, f"my-returns-{periods.iso_month(period)}")
    if exported:
        return exported
    waiting = selectors.waiting_in_other_months(user, period, oldest_open=min(common.open_periods()))
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


@require_GET
def review(request):
    """Submitted returns of the director's service areas (all for the performance team), oldest first."""
    user = request.user
    common.require(policy.may_use_review, user)
    today, working_day = common.today(), common.working_day()
    qs = Return.objects.awaiting_review_by(user, all_areas=policy.sees_every_area.test(user)).with_people()
    filterset = filters.ReviewFilter(request.GET, queryset=qs, period_options=common.recent_periods(), today=today)
    rows = selectors.review_rows(filterset.qs, today=today, working_day=working_day)
    table = tables.ReviewTable(rows)
    exported = common.export(request, table, "to-review")
    if exported:
        return exported
    return render(request, "returns/review.html", {"filter": filterset, "table": table, "count": len(rows)})


@require_GET
def completeness(request):
    """The chasing view: missing, late, awaiting review and approved, by service area and officer."""
    user = request.user
    common.require(policy.may_use_completeness, user)
    today, working_day = common.today(), common.working_day()
    base = Indicator.objects.live().select_related("service_area", "responsible_officer")
    filterset = filters.CompletenessFilter(
        request.GET,
        queryset=base,
        period_options=common.recent_periods(),
        default=deadlines.default_period(today),
        today=today,
        working_day=working_day,
    )
    period = filterset.chosen_period
    groups, total, rows = selectors.completeness(filterset.qs, period, today=today, working_day=working_day)
    summary_table = tables.CompletenessTable([*groups, total] if groups else [])
    outstanding = tables.OutstandingTable([r for r in rows if not r.done])
    exported = common.export(request, summary_table, f"completeness-{periods.iso_month(period)}")
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
