"""A return's history: every version of its figures, with the action, who and when, and the comment or reason."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from indicators import periods
from returns import trail
from returns.views import common


@require_GET
def history(request, pk):
    """The return's audit trail (`returns.trail`): one entry per version, newest first."""
    ret = common.get_return_for_user(request.user, pk)
    return render(
        request,
        "returns/history.html",
        {"ret": ret, "period_label": periods.month_label(ret.period), "entries": trail.return_trail(ret, request.user)},
    )
