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

from benchmarks import selectors as population_selectors
from indicators import periods, scoring
from indicators.models import Indicator, Team
from indicators.selectors import targets_by_indicator_year

from . import figures
from .models import Return, State, TeamFigure

HISTORY_LENGTH = 12
# What the pages and validation read of last period's return (its figures), loaded without the rest.
PREVIOUS_FIELDS = ("id", "indicator_id", "period", "state", "value", "numerator", "denominator", "not_available")


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
    """The whole-authority and team populations a rate uses in `period` (`benchmarks.selectors`), as plain numbers."""
    found = population_selectors.populations_for(period)
    whole = found.whole.population if found.whole is not None else None
    return whole, {team_id: figure.population for team_id, figure in found.teams.items()}


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
    found = previous_approved_for([(ind, period) for ind in indicators])
    return {ind_id: ret for (ind_id, _), ret in found.items()}


def previous_approved_for(pairs: Iterable[tuple[Indicator, date]]) -> dict[tuple[int, date], Return]:
    """For (indicator, period) pairs, the approved return of the previous period, keyed by the pair's ids."""
    wanted = {(ind.pk, periods.previous_period(period, ind.frequency)): period for ind, period in pairs}
    if not wanted:
        return {}
    rows = (
        Return.objects.approved()
        .filter(indicator_id__in={i for i, _ in wanted}, period__in={p for _, p in wanted})
        .only(*PREVIOUS_FIELDS)
    )
    found = {}
    for ret in rows:
        period = wanted.get((ret.indicator_id, ret.period))
        if period is not None:
            found[(ret.indicator_id, period)] = ret
    return found


def entry_contexts(indicators: Iterable[Indicator], period: date) -> dict[int, EntryContext]:
    """An `EntryContext` per indicator for `period`, in five queries whatever the number of indicators."""
    indicators = list(indicators)
    ids = [ind.pk for ind in indicators]
    year = periods.financial_year_of(period)
    targets = targets_by_indicator_year(ids, indicators={ind.pk: ind for ind in indicators})
    whole_population, team_populations = populations_for(period)
    team_names = dict(Team.objects.values_list("pk", "name"))
    history = approved_history(ids, period)
    previous = previous_approved(indicators, period)
    contexts = {}
    for ind in indicators:
        target = targets.get((ind.pk, year))
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


# --- Page rows -------------------------------------------------------------------------------------


@dataclass
class ReturnRow:
    """One line of "My returns", "To review" or the completeness page."""

    indicator: Indicator
    period: date
    ret: Return | None
    due: date
    overdue: bool
    previous_value: Decimal | None = None
    target: Decimal | None = None
    rag: str = scoring.GREY
    change: Decimal | None = None
    since_approval: list[str] = field(default_factory=list)

    @property
    def state(self) -> str:
        return self.ret.state if self.ret is not None else "not_started"

    @property
    def value(self) -> Decimal | None:
        return self.ret.value if self.ret is not None else None


def _rows(
    pairs: list[tuple[Indicator, date, Return | None]], *, today: date, working_day: int, with_changes: bool = False
) -> list[ReturnRow]:
    """Rows for (indicator, period, return) triples: three queries whatever their number."""
    from . import deadlines

    targets = targets_by_indicator_year(
        {ind.pk for ind, _, _ in pairs}, indicators={ind.pk: ind for ind, _, _ in pairs}
    )
    previous = previous_approved_for([(ind, period) for ind, period, _ in pairs])
    approved_before = last_approved_versions([ret.pk for _, _, ret in pairs if ret is not None]) if with_changes else {}
    rows = []
    for ind, period, ret in pairs:
        target = targets.get((ind.pk, periods.financial_year_of(period)))
        rule = target.as_rule() if target is not None else None
        prev = previous.get((ind.pk, period))
        for known in (ret, prev):
            if known is not None:
                known.indicator = ind  # already loaded: no query per row for str() or links
        value = ret.value if ret is not None else None
        prev_value = prev.value if prev is not None else None
        rows.append(
            ReturnRow(
                indicator=ind,
                period=period,
                ret=ret,
                due=deadlines.due_date(period, working_day),
                overdue=deadlines.is_overdue(
                    period=period, state=ret.state if ret else None, today=today, working_day=working_day
                ),
                previous_value=prev_value,
                target=rule.target if rule is not None else None,
                rag=scoring.rag(value, rule),
                change=scoring.change(value, prev_value),
                since_approval=changes_since(approved_before.get(ret.pk), ret) if ret is not None else [],
            )
        )
    return rows


def returns_of(indicator_ids: Iterable[int], period: date) -> dict[int, Return]:
    rows = Return.objects.filter(indicator_id__in=list(indicator_ids), period=period).select_related(
        "updated_by", "submitted_by", "approved_by"
    )
    return {r.indicator_id: r for r in rows}


def officer_rows(indicators: Iterable[Indicator], period: date, *, today: date, working_day: int) -> list[ReturnRow]:
    """Every indicator given, with its return for `period` (or none yet): four queries."""
    indicators = [ind for ind in indicators if periods.takes_figure(period, ind.frequency)]
    found = returns_of([ind.pk for ind in indicators], period)
    return _rows([(ind, period, found.get(ind.pk)) for ind in indicators], today=today, working_day=working_day)


def review_rows(returns: Iterable[Return], *, today: date, working_day: int) -> list[ReturnRow]:
    """Submitted returns with the change since last period and what changed since their last approval."""
    return _rows(
        [(ret.indicator, ret.period, ret) for ret in returns], today=today, working_day=working_day, with_changes=True
    )


def changes_since(approved, ret: Return) -> list[str]:
    """What differs between the last approved version of a return and the return now, in words."""
    if approved is None:
        return []
    from . import display

    unit, decimals = ret.indicator.unit, ret.indicator.decimals
    changes = []
    for name, label in (("value", "Value"), ("numerator", "Numerator"), ("denominator", "Denominator")):
        before, after = getattr(approved, name), getattr(ret, name)
        if before != after:
            fmt_unit = unit if name == "value" else ""
            changes.append(
                f"{label} {display.figure_text(before, fmt_unit, decimals if name == 'value' else 0)} → "
                f"{display.figure_text(after, fmt_unit, decimals if name == 'value' else 0)}"
            )
    if approved.not_available != ret.not_available:
        changes.append("Now not available" if ret.not_available else "No longer marked not available")
    if approved.commentary != ret.commentary:
        changes.append("Commentary changed")
    return changes or ["No change to the figures"]


@dataclass
class CompletenessGroup:
    service_area: object
    officer: object
    rows: list[ReturnRow] = field(default_factory=list)

    def count(self, state: str) -> int:
        return sum(1 for r in self.rows if r.state == state)

    @property
    def not_started(self) -> int:
        return self.count("not_started")

    @property
    def in_progress(self) -> int:
        return self.count(State.DRAFT) + self.count(State.RETURNED)

    @property
    def awaiting_review(self) -> int:
        return self.count(State.SUBMITTED)

    @property
    def approved(self) -> int:
        return self.count(State.APPROVED)

    @property
    def overdue(self) -> int:
        return sum(1 for r in self.rows if r.overdue)


def completeness(indicators: Iterable[Indicator], period: date, *, today: date, working_day: int):
    """Rows for `period` grouped by service area and responsible officer, with the totals: four queries."""
    rows = officer_rows(indicators, period, today=today, working_day=working_day)
    groups: dict[tuple, CompletenessGroup] = {}
    for row in rows:
        ind = row.indicator
        key = (ind.service_area.name, ind.service_area_id, ind.responsible_officer_id or 0)
        group = groups.get(key)
        if group is None:
            group = groups[key] = CompletenessGroup(ind.service_area, ind.responsible_officer)
        group.rows.append(row)
    total = CompletenessGroup(None, None, rows)
    return [groups[k] for k in sorted(groups, key=lambda k: (k[0], _officer_name(groups[k].officer)))], total, rows


def _officer_name(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""
