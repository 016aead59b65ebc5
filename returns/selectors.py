"""Named reads of monthly returns: what entry, validation and the pages need, in a fixed number of queries.

Every function here takes many indicators at once so a page or an upload of 300
rows costs the same few queries as one of 10.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from benchmarks.models import Population
from indicators import periods, scoring
from indicators.models import Indicator, Team
from indicators.selectors import targets_by_indicator_year

from . import figures
from .models import Return, State, TeamFigure

HISTORY_LENGTH = 12


@dataclass
class EntryContext:
    """What judging one indicator's figure for one period needs besides the figure itself."""

    indicator: Indicator
    period: date
    rule: scoring.TargetRule | None = None
    target: Decimal | None = None
    whole_population: int | None = None
    team_populations: dict[int, int | None] = field(default_factory=dict)
    team_names: dict[int, str] = field(default_factory=dict)
    approved_history: list[Decimal] = field(default_factory=list)
    previous: Return | None = None

    @property
    def previous_period(self) -> date:
        return periods.previous_period(self.period, self.indicator.frequency)

    @property
    def previous_value(self) -> Decimal | None:
        return self.previous.value if self.previous is not None else None

    def resolve(self, entry: figures.Entry) -> figures.Resolved:
        return figures.resolve(
            entry,
            unit=self.indicator.unit,
            aggregation=self.indicator.aggregation,
            whole_population=self.whole_population,
            team_populations=self.team_populations,
            team_names=self.team_names,
        )

    def would_be_rag(self, value: Decimal | None) -> str:
        return scoring.rag(value, self.rule)


def populations_for(period: date) -> tuple[int | None, dict[int, int | None]]:
    """The whole-authority and team populations in force for `period`: the latest year not after it."""
    whole = None
    teams: dict[int, int | None] = {}
    rows = Population.objects.filter(year__lte=period.year).order_by("-year").values_list("team_id", "population")
    seen = set()
    for team_id, population in rows:
        if team_id in seen:
            continue
        seen.add(team_id)
        if team_id is None:
            whole = population
        else:
            teams[team_id] = population
    return whole, teams


def approved_history(indicator_ids: Iterable[int], before: date) -> dict[int, list[Decimal]]:
    """The last 12 approved values of each indicator before `before`, oldest first."""
    ranked = (
        Return.objects.approved()
        .filter(indicator_id__in=list(indicator_ids), period__lt=before, value__isnull=False)
        .annotate(recency=Window(RowNumber(), partition_by=[F("indicator_id")], order_by=F("period").desc()))
        .filter(recency__lte=HISTORY_LENGTH)
        .values_list("indicator_id", "period", "value")
    )
    history: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for indicator_id, period, value in ranked:
        history[indicator_id].append((period, value))
    return {i: [v for _, v in sorted(rows)] for i, rows in history.items()}


def previous_approved(indicators: Iterable[Indicator], period: date) -> dict[int, Return]:
    """Each indicator's approved return for its previous period (last month for monthly indicators)."""
    wanted = {ind.pk: periods.previous_period(period, ind.frequency) for ind in indicators}
    if not wanted:
        return {}
    rows = Return.objects.approved().filter(indicator_id__in=wanted, period__in=set(wanted.values()))
    return {r.indicator_id: r for r in rows if wanted[r.indicator_id] == r.period}


def entry_contexts(indicators: Iterable[Indicator], period: date) -> dict[int, EntryContext]:
    """An `EntryContext` per indicator for `period`, in five queries whatever the number of indicators."""
    indicators = list(indicators)
    ids = [ind.pk for ind in indicators]
    year = periods.financial_year_of(period)
    targets = targets_by_indicator_year(ids)
    whole_population, team_populations = populations_for(period)
    team_names = dict(Team.objects.values_list("pk", "name"))
    history = approved_history(ids, period)
    previous = previous_approved(indicators, period)
    contexts = {}
    for ind in indicators:
        target = targets.get((ind.pk, year))
        if target is not None:
            target.indicator = ind
        contexts[ind.pk] = EntryContext(
            indicator=ind,
            period=period,
            rule=target.as_rule() if target is not None else None,
            target=target.target if target is not None else None,
            whole_population=whole_population,
            team_populations=team_populations,
            team_names=team_names,
            approved_history=history.get(ind.pk, []),
            previous=previous.get(ind.pk),
        )
    return contexts


def entry_context(indicator: Indicator, period: date) -> EntryContext:
    return entry_contexts([indicator], period)[indicator.pk]


def entry_of(ret: Return, team_figures: Iterable[TeamFigure] | None = None) -> figures.Entry:
    """A stored return as an entry (what the officer entered, as stored)."""
    rows = ret.team_figures.all() if team_figures is None else team_figures
    return figures.Entry(
        whole=scoring.Point(ret.value, ret.numerator, ret.denominator),
        teams={tf.team_id: scoring.Point(tf.value, tf.numerator, tf.denominator) for tf in rows},
        not_available=ret.not_available,
        not_available_reason=ret.not_available_reason,
        commentary=ret.commentary,
    )


def last_approved_versions(return_ids: Iterable[int]) -> dict[int, object]:
    """The most recent approved historical record of each return (what a reopened return was approved as)."""
    ids = list(return_ids)
    if not ids:
        return {}
    rows = (
        Return.history.filter(id__in=ids, state=State.APPROVED)
        .order_by("id", "-history_date", "-history_id")
        .only("id", "value", "numerator", "denominator", "not_available", "commentary", "history_date")
    )
    latest = {}
    for row in rows:
        latest.setdefault(row.id, row)
    return latest
