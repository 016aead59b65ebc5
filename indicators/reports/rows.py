"""The one row builder for scorecards: pages, CSV/XLSX exports, the board pack, the feed and the command.

`build_scorecard(period, …)` reads the materialised entries (approved figures
only) of a set of indicators for one period and the months around it, in a
fixed number of queries whatever the number of indicators, and returns rows
that every output renders. `feed_row` turns a row into the fields of PRODUCT
§6, exactly.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db.models import QuerySet

from benchmarks import comparison
from benchmarks.selectors import ComparatorFigure, ComparatorHistory
from indicators import periods, scoring
from indicators.catalogue.selectors import targets_by_indicator_year
from indicators.models import PERSISTENT_RED, Indicator, ScorecardEntry, Target
from returns.models import Return, State

# The feed's fields (PRODUCT §6), in order: the indicator, the period (YYYY-MM) and its figure; against the
# previous period and the target; the windows — `ytd_value` (April to the period), `previous_ytd_value` (last
# year's same months), `previous_year_outturn` (last year's outturn: the whole previous financial year, by the
# indicator's aggregation, as the board scorecard prints it), `rolling_6m_value` (the six periods before);
# then each comparator's latest value and each team's figure. Numbers unrounded, null where there is none.
FEED_FIELDS = (
    "code",
    "title",
    "theme",
    "polarity",
    "unit",
    "period",
    "value",
    "previous_value",
    "change",
    "direction",
    "target",
    "tolerance_threshold",
    "distance_from_target",
    "rag",
    "persistent_red",
    "ytd_value",
    "previous_ytd_value",
    "previous_year_outturn",
    "rolling_6m_value",
    "comparators",
    "teams",
)


class MonthFigure(NamedTuple):
    """A whole-authority figure of one month, as the month columns show it."""

    value: Decimal | None
    not_available: bool


@dataclass
class ScorecardRow:
    indicator: Indicator
    entry: ScorecardEntry | None  # the whole authority at the period; None when there is no approved figure
    history: dict[date, MonthFigure] = field(default_factory=dict)  # whole authority, months shown
    teams: list[ScorecardEntry] = field(default_factory=list)
    comparators: list[ComparatorFigure] = field(default_factory=list)
    commentary: str = ""
    annual: comparison.AnnualFigure | None = None  # the last complete financial year's figure (`annual=True`)
    full_quarter: Decimal | None = None  # the last complete quarter's figure (`full_quarter=True`)
    target: Target | None = None  # the target in force for the period's financial year (`targets=True`)

    @property
    def standing(self) -> comparison.Standing | None:
        """Rank and quartile among named councils' latest values (`comparators=True`), judging the period's value."""
        if self.entry is None:
            return None
        figures = ((figure.source.kind, figure.value) for figure in self.comparators)
        return comparison.council_standing(self.entry.value, figures, self.polarity)

    @property
    def performance_group(self) -> str:
        return self.entry.performance_group if self.entry is not None else "grey"

    @property
    def polarity(self) -> str:
        return (self.entry.polarity if self.entry is not None else "") or self.indicator.polarity


@dataclass
class Scorecard:
    period: date
    months: list[date]
    rows: list[ScorecardRow]

    @property
    def has_figures(self) -> bool:
        return any(row.entry is not None for row in self.rows)


def periods_with_figures() -> list[date]:
    """Every month with an approved whole-authority figure, newest first (for the period picker)."""
    return list(
        ScorecardEntry.objects.whole_authority().order_by("-period").values_list("period", flat=True).distinct()
    )


def board_months(period: date) -> list[date]:
    """The board layout's months: the whole previous financial year and this year up to the period."""
    start = periods.financial_year_start(periods.financial_year_of(period) - 1)
    return periods.month_range(start, period)


def last_13_months(period: date) -> list[date]:
    return periods.month_range(periods.add_months(period, -12), period)


def build_scorecard(
    period: date,
    *,
    indicators: QuerySet | None = None,
    months: list[date] | None = None,
    teams: bool = False,
    comparators: bool = False,
    commentary: bool = False,
    only_with_figures: bool = False,
    annual: bool = False,
    full_quarter: bool = False,
    targets: bool = False,
) -> Scorecard:
    """Rows for `indicators` (default: every indicator that is not retired) at `period`.

    An indicator is listed when it has an approved figure in any of `months` or at
    the period; with `only_with_figures`, only when it has one at the period (the
    feed). Queries: indicators, the months' figures, the period's entries, and one
    each for teams, comparators (two), commentary, the last complete year's annual figures,
    the last complete quarter's figures and targets when asked — the same number for 30 or 300 indicators.
    """
    months = sorted(set(months or []) | {period})
    if indicators is None:
        indicators = Indicator.objects.exclude(status="retired")
    indicators = indicators.select_related("theme", "service_area", "responsible_officer").order_by(
        "theme__position", "theme__name", "position", "code"
    )
    chosen = ScorecardEntry.objects.whole_authority().filter(indicator__in=indicators.values("pk"))
    # The months as plain tuples (thousands of them); the period itself as full entries.
    history: dict[int, dict[date, MonthFigure]] = defaultdict(dict)
    for indicator_id, month, value, not_available in chosen.filter(period__in=months).values_list(
        "indicator_id", "period", "value", "not_available"
    ):
        history[indicator_id][month] = MonthFigure(value, not_available)
    entries = {e.indicator_id: e for e in chosen.filter(period=period).select_related("comparator_source")}
    rows = []
    for indicator in indicators:
        figures = history.get(indicator.pk)
        if not figures:
            continue
        entry = entries.get(indicator.pk)
        if only_with_figures and entry is None:
            continue
        rows.append(ScorecardRow(indicator=indicator, entry=entry, history=figures))
    ids = [row.indicator.pk for row in rows]
    if teams and ids:
        team_entries = (
            ScorecardEntry.objects.filter(indicator_id__in=ids, period=period, team__isnull=False)
            .select_related("team")
            .order_by("team__position", "team__name")
        )
        by_team: dict[int, list[ScorecardEntry]] = defaultdict(list)
        for team_entry in team_entries:
            by_team[team_entry.indicator_id].append(team_entry)
        for row in rows:
            row.teams = by_team.get(row.indicator.pk, [])
    if comparators and ids:
        history = ComparatorHistory(ids)
        for row in rows:
            row.comparators = history.latest(row.indicator.pk, period)
    if commentary and ids:
        notes = dict(
            Return.objects.filter(indicator_id__in=ids, period=period, state=State.APPROVED).values_list(
                "indicator_id", "commentary"
            )
        )
        for row in rows:
            row.commentary = notes.get(row.indicator.pk, "")
    if annual and ids:
        _add_annual_returns(rows, period)
    if full_quarter and ids:
        _add_full_quarters(rows, period)
    if targets and ids:
        in_force = targets_by_indicator_year(ids)
        year = periods.financial_year_of(period)
        for row in rows:
            row.target = in_force.get((row.indicator.pk, year))
    return Scorecard(period=period, months=months, rows=rows)


def _add_annual_returns(rows: list[ScorecardRow], period: date) -> None:
    """Each row's annual figure for the last complete financial year (the benchmark layout's annual return):
    the year before the period's, or the period's own when the period is March."""
    last_year = periods.last_complete_financial_year(period).months()
    points: dict[int, dict[date, scoring.Point]] = defaultdict(dict)
    for indicator_id, month, value, numerator, denominator in (
        ScorecardEntry.objects.whole_authority()
        .filter(indicator_id__in=[row.indicator.pk for row in rows], period__in=last_year)
        .values_list("indicator_id", "period", "value", "numerator", "denominator")
    ):
        points[indicator_id][month] = scoring.Point(value, numerator, denominator)
    for row in rows:
        found = comparison.annual_figures(
            points.get(row.indicator.pk, {}), row.indicator.aggregation, row.indicator.unit
        )
        row.annual = found[0] if found else None


def _add_full_quarters(rows: list[ScorecardRow], period: date) -> None:
    """Each row's figure for the last complete quarter (the benchmark layout's full quarter): the quarter to
    date of the quarter's last month, as the recompute stored it; none without an entry for that month."""
    last_month = periods.last_complete_quarter(period).last
    quarters = dict(
        ScorecardEntry.objects.whole_authority()
        .filter(indicator_id__in=[row.indicator.pk for row in rows], period=last_month)
        .values_list("indicator_id", "quarter_value")
    )
    for row in rows:
        row.full_quarter = quarters.get(row.indicator.pk)


def filter_by_performance_group(rows: list[ScorecardRow], group: str) -> list[ScorecardRow]:
    """Rows in a RAG group; 'red' includes persistently red, which is also a group of its own."""
    if not group:
        return rows
    if group == "red":
        return [r for r in rows if r.entry is not None and r.entry.rag == "red"]
    if group == PERSISTENT_RED:
        return [r for r in rows if r.entry is not None and r.entry.persistent_red]
    if group == "grey":
        return [r for r in rows if r.entry is None or r.entry.rag == "grey"]
    return [r for r in rows if r.entry is not None and r.entry.rag == group]


# --- The feed (PRODUCT §6) -------------------------------------------------------------------


def _number(value: Decimal | None) -> float | None:
    """A JSON number, unrounded (stored values carry six decimal places); None stays null."""
    return None if value is None else float(value)


def feed_row(row: ScorecardRow, period: date) -> dict:
    """One row of the feed and the `scorecard` command, with exactly the fields of §6."""
    indicator, entry = row.indicator, row.entry
    e = entry if entry is not None else ScorecardEntry()
    return {
        "code": indicator.code,
        "title": indicator.title,
        "theme": indicator.theme.name,
        "polarity": row.polarity,
        "unit": indicator.unit,
        "period": periods.iso_month(period),
        "value": _number(e.value),
        "previous_value": _number(e.previous_value),
        "change": _number(e.change),
        "direction": e.direction or None,
        "target": _number(e.target),
        "tolerance_threshold": _number(e.tolerance_threshold),
        "distance_from_target": _number(e.distance_from_target),
        "rag": e.rag,
        "persistent_red": e.persistent_red,
        "ytd_value": _number(e.ytd_value),
        "previous_ytd_value": _number(e.previous_ytd_value),
        "previous_year_outturn": _number(e.previous_year_outturn),
        "rolling_6m_value": _number(e.rolling_6m_value),
        "comparators": {figure.source.name: _number(figure.value) for figure in row.comparators},
        "teams": {
            team_entry.team.name: {
                "value": _number(team_entry.value),
                "numerator": _number(team_entry.numerator),
                "denominator": _number(team_entry.denominator),
            }
            for team_entry in row.teams
        },
    }


def feed_rows(period: date) -> list[dict]:
    """The feed for one period: every indicator with an approved figure for it."""
    scorecard = build_scorecard(period, teams=True, comparators=True, only_with_figures=True)
    return [feed_row(row, period) for row in scorecard.rows]
