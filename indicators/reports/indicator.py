"""The scorecard parts of the indicator page: the history chart with its data table, the breakdown by team,
and the commentary and approval history month by month.

`indicator_scorecard_context(indicator, user, period=…)` returns the template context of
the includes `indicators/_indicator_period.html` (the period picker), `_indicator_chart.html`,
`_indicator_teams.html` and `_indicator_commentary.html`, up to the period chosen
(default: the latest), in a fixed number of queries (entries, team
entries, returns, their events). Figures come from the materialised entries
(approved only); readers who may see work in progress (`indicators.view_unapproved`:
every role but viewers) also see the commentary and events of returns not yet approved.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch

from indicators import formatting, periods, units
from indicators.models import Indicator, ScorecardEntry
from indicators.reports import charts
from indicators.reports.layouts import RAG, Cell
from returns.models import Return, ReturnEvent, State

CHART_MONTHS = 25  # two years and the month itself


@dataclass
class HistoryRow:
    period: date
    label: str
    value: str
    target: str
    threshold: str
    comparator: str
    rag: Cell


@dataclass
class TeamRow:
    team: str
    value: str
    numerator: str
    denominator: str
    change: str
    rag: Cell


@dataclass
class MonthNotes:
    period: date
    label: str
    state: str
    commentary: str
    events: list[ReturnEvent] = field(default_factory=list)


def _rag_cell(entry: ScorecardEntry | None) -> Cell:
    if entry is None:
        return Cell("", RAG)
    return Cell(entry.performance_group, RAG, group=entry.performance_group)


def indicator_scorecard_context(indicator: Indicator, user, *, period: date | None = None) -> dict:
    """Context for the scorecard includes of the indicator page, up to `period` (default: its latest figure)."""
    entries = list(ScorecardEntry.objects.whole_authority().filter(indicator=indicator).order_by("period"))
    # The period picker: every month with an approved figure, newest first (and the month asked for).
    options = sorted({e.period for e in entries} | ({period} if period else set()), reverse=True)
    if period is not None:
        entries = [e for e in entries if e.period <= period]
    latest = entries[-1].period if entries else None
    points, history = _chart_rows(indicator, entries)
    see_work_in_progress = user.has_perm("indicators.view_unapproved")
    return {
        "scorecard_period": period or latest,
        "scorecard_period_options": options,
        "scorecard_latest_label": periods.month_label(latest) if latest else "",
        "chart": charts.history_chart(points, unit=indicator.unit, decimals=indicator.decimals),
        "chart_history": history,
        "chart_unit_words": "percentage"
        if units.is_percentage(indicator.unit)
        else indicator.get_unit_display().lower(),
        "team_rows": _team_rows(indicator, latest),
        "month_notes": _month_notes(indicator, period, work_in_progress=see_work_in_progress),
        "notes_include_work_in_progress": see_work_in_progress,
    }


def _chart_months(entries: list[ScorecardEntry]) -> list[date]:
    """The last `CHART_MONTHS` months up to the latest entry (none before the first)."""
    if not entries:
        return []
    latest = entries[-1].period
    first = periods.add_months(latest, -(CHART_MONTHS - 1))
    return periods.month_range(max(first, entries[0].period), latest)


def _chart_rows(indicator: Indicator, entries: list[ScorecardEntry]) -> tuple[list, list[HistoryRow]]:
    """The chart's points and its data table, month by month."""
    unit, decimals = indicator.unit, indicator.decimals
    by_period = {e.period: e for e in entries}

    def fig(value) -> str:
        return formatting.format_figure(value, unit, decimals)

    points, history = [], []
    for month in _chart_months(entries):
        e = by_period.get(month)
        points.append(
            charts.ChartPoint(
                month,
                e.value if e else None,
                e.target if e else None,
                e.tolerance_threshold if e else None,
                e.comparator_value if e else None,
            )
        )
        history.append(
            HistoryRow(
                month,
                periods.month_label(month),
                ("NA" if e.not_available else fig(e.value)) if e else "No approved figure",
                fig(e.target) if e else "",
                formatting.format_threshold(e.tolerance_threshold, unit, decimals) if e else "",
                fig(e.comparator_value) if e else "",
                _rag_cell(e),
            )
        )
    return points, history


def _team_rows(indicator: Indicator, latest: date | None) -> list[TeamRow]:
    """Each team's entry for the latest month shown."""
    if latest is None:
        return []
    unit, decimals = indicator.unit, indicator.decimals
    entries = (
        ScorecardEntry.objects.filter(indicator=indicator, period=latest, team__isnull=False)
        .select_related("team")
        .order_by("team__position", "team__name")
    )
    return [
        TeamRow(
            e.team.name,
            formatting.format_figure(e.value, unit, decimals),
            formatting.format_number(e.numerator, 0) if e.numerator is not None else "",
            formatting.format_number(e.denominator, 0) if e.denominator is not None else "",
            formatting.format_change(e.change, unit, decimals),
            _rag_cell(e),
        )
        for e in entries
    ]


def _month_notes(indicator: Indicator, period: date | None, *, work_in_progress: bool) -> list[MonthNotes]:
    """Commentary and approvals month by month, newest first (approved months only for viewers)."""
    returns = Return.objects.filter(indicator=indicator).order_by("-period")
    if not work_in_progress:
        returns = returns.filter(state=State.APPROVED)
    if period is not None:
        returns = returns.filter(period__lte=period)
    returns = returns.prefetch_related(
        Prefetch("events", queryset=ReturnEvent.objects.select_related("actor").order_by("at", "pk"))
    )[:CHART_MONTHS]
    return [
        MonthNotes(
            ret.period,
            periods.month_label(ret.period),
            ret.get_state_display(),
            ret.commentary,
            list(ret.events.all()),
        )
        for ret in returns
    ]
