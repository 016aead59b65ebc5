"""One indicator's page: definition, people, targets by year and monthly history, with the scorecard's
chart, teams, commentary and approvals (`indicators.reports.indicator`) and its comparators
(`indicators.reports.comparators`), up to the month picked.

Every role reads it. Viewers see approved figures only; the other roles also see figures still in the
workflow, with their state.
"""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from indicators import periods, units
from indicators.catalogue.tables import person
from indicators.models import Indicator, ToleranceKind
from indicators.reports.comparators import benchmark_context, month_populations
from indicators.reports.indicator import indicator_scorecard_context
from indicators.reports.views import BadRequest, requested_period
from returns import display
from returns.models import Return


def get_indicator_for_user(user, pk: int) -> Indicator:
    """Every signed-in role may read every indicator; 404 when there is none."""
    return get_object_or_404(Indicator.objects.for_catalogue().prefetch_related("deputies"), pk=pk)


def _tolerance_text(target, indicator) -> str:
    if target.tolerance is None:
        return "None (no amber band)"
    amount = display.plain_number(target.tolerance)
    if target.tolerance_kind == ToleranceKind.RELATIVE:
        return f"{amount}% of the target"
    return f"{amount} {units.tolerance_word(indicator.unit)}".strip()


def target_rows(indicator) -> list[dict]:
    """Each financial year's target with its tolerance threshold (from the scoring rules), newest first."""
    rows = []
    for target in sorted(indicator.targets.all(), key=lambda t: -t.financial_year):
        target.indicator = indicator
        rule = target.as_rule()
        rows.append(
            {
                "year": target.financial_year_label,
                "target": display.figure_text(target.target, indicator.unit, indicator.decimals),
                "tolerance": _tolerance_text(target, indicator),
                "threshold": display.threshold_text(rule.threshold, indicator.unit, indicator.decimals),
                "dot_threshold": display.plain_number(rule.dot_threshold),
                "polarity": target.get_polarity_display() if target.polarity else "",
                "note": target.note,
            }
        )
    return rows


def history_rows(indicator, *, approved_only: bool) -> list[dict]:
    """The indicator's monthly figures, newest first; viewers get approved figures only."""
    returns = Return.objects.filter(indicator=indicator).order_by("-period")
    if approved_only:
        returns = returns.approved()
    returns = list(returns)
    populations = month_populations(indicator, [ret.period for ret in returns])
    rows = []
    for ret in returns:
        rows.append(
            {
                "period": periods.month_label(ret.period),
                "value": "Not available"
                if ret.not_available
                else display.figure_text(ret.value, indicator.unit, indicator.decimals),
                "numerator": display.plain_number(ret.numerator),
                "denominator": display.plain_number(ret.denominator),
                "state": display.state_tag(ret.state),
                "commentary": ret.commentary or ret.not_available_reason,
                "population": _population_used(ret, populations.get(ret.period)),
            }
        )
    return rows


def _population_used(ret, population) -> str:
    """Which 0–17 population a rate per 10,000 used: the estimate in force, or a denominator entered instead."""
    if ret.denominator is None or ret.numerator is None:
        return ""
    if population is not None and ret.denominator == population.population:
        return population.label
    return "a denominator entered with the figure"


@require_GET
def detail(request, pk: int):
    """One indicator: definition, people, targets by year, monthly history; the chart against target, tolerance
    band and comparator with its data table, the breakdown by team, commentary and approvals month by month —
    up to the month picked (`?period=YYYY-MM`, default the latest with an approved figure)."""
    indicator = get_indicator_for_user(request.user, pk)
    approved_only = not request.user.has_perm("indicators.view_unapproved")
    # `?period=YYYY-MM`, as on the scorecard pages: the scorecard parts up to that month (default: the latest).
    # A bad period is refused with the picker's message, and the page shown as of the latest month.
    error = None
    try:
        period = requested_period(request)
    except BadRequest as exc:
        period, error = None, exc
    return render(
        request,
        "indicators/detail.html",
        {
            "error": error,
            "indicator": indicator,
            "responsible_officer": person(indicator.responsible_officer),
            "deputies": ", ".join(person(d) for d in indicator.deputies.all()),
            "targets": target_rows(indicator),
            "history": history_rows(indicator, approved_only=approved_only),
            "approved_only": approved_only,
            **indicator_scorecard_context(indicator, request.user, period=period),
            **benchmark_context(indicator, period=period),
        },
        status=400 if error else 200,
    )
