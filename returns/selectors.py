"""Named reads of monthly returns: what entry, validation and the pages need, in a fixed number of queries.

Every function here takes many indicators at once so a page or an upload of 300
rows costs the same few queries as one of 10.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber

from benchmarks import selectors as population_selectors
from indicators import periods, scoring
from indicators.catalogue.selectors import targets_by_indicator_year
from indicators.models import Indicator, Team
from returns import deadlines, display, figures, policy
from returns.models import Return, TeamFigure

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
    """The most recent approved historical record of each return (what a reopened return was approved as).

    Each record also gets `approved_until`: when the return left that approved
    state (the next version's time, None if it has not), so its team rows as
    approved can be read from their history (`approved_team_figures`) —
    including those a correction wrote while it stayed approved.
    """
    ids = list(return_ids)
    if not ids:
        return {}
    rows = (
        Return.history.filter(id__in=ids)
        .order_by("id", "-history_date", "-history_id")
        .only(
            "id",
            "state",
            "value",
            "numerator",
            "denominator",
            "not_available",
            "not_available_reason",
            "commentary",
            "history_date",
        )
    )
    latest, newer = {}, {}
    for row in rows:  # newest first for each return
        if row.id in latest:
            continue
        if policy.on_scorecard(row):
            row.approved_until = newer.get(row.id)
            latest[row.id] = row
        else:
            newer[row.id] = row.history_date
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
        return self.ret.state if self.ret is not None else display.NOT_STARTED

    @property
    def done(self) -> bool:
        """The officer's part is done (submitted or approved): nothing left to chase."""
        return policy.is_done(self.ret.state if self.ret is not None else None)

    @property
    def value(self) -> Decimal | None:
        return self.ret.value if self.ret is not None else None


def _rows(
    pairs: list[tuple[Indicator, date, Return | None]], *, today: date, working_day: int, with_changes: bool = False
) -> list[ReturnRow]:
    """Rows for (indicator, period, return) triples: three queries whatever their number (six with changes)."""
    targets = targets_by_indicator_year(
        {ind.pk for ind, _, _ in pairs}, indicators={ind.pk: ind for ind, _, _ in pairs}
    )
    previous = previous_approved_for([(ind, period) for ind, period, _ in pairs])
    approved_before, approved_teams, teams_now = {}, {}, {}
    if with_changes:
        approved_before = last_approved_versions([ret.pk for _, _, ret in pairs if ret is not None])
        approved_teams = approved_team_figures(approved_before)
        teams_now = team_figures_of(approved_before)  # only returns approved before are compared
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
                overdue=policy.is_overdue(
                    period=period, state=ret.state if ret else None, today=today, working_day=working_day
                ),
                previous_value=prev_value,
                target=rule.target if rule is not None else None,
                rag=scoring.rag(value, rule),
                change=scoring.change(value, prev_value),
                since_approval=(
                    changes_since(
                        approved_before.get(ret.pk),
                        ret,
                        approved_teams=approved_teams.get(ret.pk),
                        teams=teams_now.get(ret.pk),
                    )
                    if ret is not None
                    else []
                ),
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


def waiting_in_other_months(user, period: date, *, oldest_open: date) -> list[Return]:
    """The user's returns in draft or sent back for months other than `period`, newest month first: one query.

    A return sent back or reopened for an old month must be found from "My returns"
    whatever the month chosen there. A draft never submitted is listed only while its
    month is open for entry (from `oldest_open`): after that the officer cannot finish it.
    """
    return list(
        Return.objects.of_indicators_owned_by(user)
        .filter(state__in=policy.officer_states(), indicator__in=Indicator.objects.live())
        .filter(Q(submitted_at__isnull=False) | Q(period__gte=oldest_open))
        .exclude(period=period)
        .select_related("indicator")
        .order_by("-period", "indicator__code")
    )


def review_rows(returns: Iterable[Return], *, today: date, working_day: int) -> list[ReturnRow]:
    """Submitted returns with the change since last period and what changed since their last approval."""
    return _rows(
        [(ret.indicator, ret.period, ret) for ret in returns], today=today, working_day=working_day, with_changes=True
    )


def team_figures_of(return_ids: Iterable[int]) -> dict[int, list[TeamFigure]]:
    """The team rows of each return now, with their teams: one query."""
    found: dict[int, list[TeamFigure]] = defaultdict(list)
    for tf in TeamFigure.objects.filter(ret_id__in=list(return_ids)).select_related("team"):
        found[tf.ret_id].append(tf)
    return found


def approved_team_figures(approved: dict[int, object]) -> dict[int, dict[int, object]]:
    """For each return's last approved version (`last_approved_versions`), its team rows as they were then.

    Read from the team figures' history: the latest record of each (return, team)
    written before the return left that approved state, unless it was a removal. One query.
    """
    if not approved:
        return {}
    rows = (
        TeamFigure.history.filter(ret_id__in=list(approved))
        .select_related("team")
        .order_by("history_date", "history_id")
    )
    found: dict[int, dict[int, object]] = defaultdict(dict)
    for row in rows:
        until = approved[row.ret_id].approved_until
        if until is not None and row.history_date >= until:
            continue
        if row.history_type == "-":
            found[row.ret_id].pop(row.team_id, None)
        else:
            found[row.ret_id][row.team_id] = row
    return found


def _point_changes(label: str, before, after, unit: str, decimals: int) -> list[str]:
    """'<label> value 45% → 50%' and the like, for each of value, numerator and denominator that differs."""
    changes = []
    for name, word in (("value", "Value"), ("numerator", "Numerator"), ("denominator", "Denominator")):
        old, new = getattr(before, name), getattr(after, name)
        if old != new:
            fmt_unit, places = (unit, decimals) if name == "value" else ("", 0)
            text = f"{label} {word.lower()}" if label else word
            changes.append(f"{text} {_figure(old, fmt_unit, places)} → {_figure(new, fmt_unit, places)}")
    return changes


def _figure(value, unit: str, decimals: int) -> str:
    return display.figure_text(value, unit, decimals, blank="none")


def changes_since(approved, ret: Return, *, approved_teams=None, teams=None) -> list[str]:
    """What differs between the last approved version of a return and the return now, in words.

    `approved_teams` and `teams` are its team rows then and now (`approved_team_figures`,
    `team_figures_of`); each team added, removed or changed is named.
    """
    if approved is None:
        return []
    unit, decimals = ret.indicator.unit, ret.indicator.decimals
    changes = _point_changes("", approved, ret, unit, decimals)
    if approved.not_available != ret.not_available:
        changes.append(
            f"Now not available: {ret.not_available_reason}" if ret.not_available else "No longer marked not available"
        )
    elif ret.not_available and approved.not_available_reason != ret.not_available_reason:
        changes.append(f"Reason not available “{approved.not_available_reason}” → “{ret.not_available_reason}”")
    before = approved_teams or {}
    now = {tf.team_id: tf for tf in teams or ()}
    for team_id in sorted(before.keys() | now.keys(), key=lambda t: _team_order(before.get(t) or now.get(t))):
        old, new = before.get(team_id), now.get(team_id)
        name = (new or old).team.name
        if old is None:
            changes.append(f"{name} added: {_figure(new.value, unit, decimals)}")
        elif new is None:
            changes.append(f"{name} removed (was {_figure(old.value, unit, decimals)})")
        else:
            changes.extend(_point_changes(name, old, new, unit, decimals))
    if approved.commentary != ret.commentary:
        changes.append("Commentary changed")
    return changes or ["No change to the figures"]


def _team_order(row) -> tuple:
    return (row.team.position, row.team.name)


@dataclass
class CompletenessGroup:
    service_area: object
    officer: object
    rows: list[ReturnRow] = field(default_factory=list)

    def count(self, state: str) -> int:
        return sum(1 for r in self.rows if r.state == state)

    @property
    def not_started(self) -> int:
        return self.count(display.NOT_STARTED)

    @property
    def in_progress(self) -> int:
        return sum(1 for r in self.rows if policy.awaits_officer(r.ret))

    @property
    def awaiting_review(self) -> int:
        return sum(1 for r in self.rows if r.ret is not None and policy.is_awaiting_review(r.ret))

    @property
    def approved(self) -> int:
        return sum(1 for r in self.rows if r.ret is not None and policy.on_scorecard(r.ret))

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
