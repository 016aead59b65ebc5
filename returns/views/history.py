"""A return's history: who changed what and when, with the comments and reasons."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from indicators import periods
from kpiportal.accounts import roles
from returns import display
from returns.models import State, TeamFigure
from returns.views import common


@require_GET
def history(request, pk):
    """Every version of the figures (simple-history) and every event, who and when, with comments."""
    ret = common.get_return_for_user(request.user, pk)
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
