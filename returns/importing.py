"""Figures imported as history (PRODUCT §8): they arrive approved, attributed to the importing user.

Long form, one row per figure: `indicator_code, period, value, numerator,
denominator, team, commentary` (team blank = the whole authority). A file in
the wide scorecard layout is recognised and handed to
`indicators.imports.catalogue.wide_import`, which plans its figures with the same
`plan_figures` and writes them with the same `write_figures`.

Rules:

- Every row is checked before anything is written; one bad row and nothing is.
- The indicator must be in the catalogue (codes match whatever their spacing)
  and the team must be one the portal knows: an unknown team is a bad row,
  not a new team (teams are registered by the populations import).
- Values are read by `indicators.imports.cells` (`48%`, `2,676`, `NA`), then resolved
  exactly as an officer's entry is (`returns.figures.resolve`: values from
  numerator and denominator, the whole from team rows, a rate's population as
  its denominator — the team's or the authority's for the latest year not after
  the period) and checked by `returns.validation.validate_return`. Commentary
  is not required on red history (board papers rarely kept it).
- A return already approved is updated when the figures differ (its version
  rises, the change is an `imported` event and in the history) and left alone
  when they are the same, so importing a file twice changes nothing. A blank
  commentary keeps the commentary already there. Team rows in the file
  replace the return's team rows; a file without team rows leaves them.
- A return that is in the workflow (draft, submitted or sent back) is not
  overwritten: its row is refused. The officer or director finishes it first.
"""

from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from indicators import periods, scoring
from indicators.imports import cells
from indicators.imports.catalogue import Catalogue, check_can_import, request_recompute
from indicators.models import Indicator, Team
from kpiportal import bulk
from kpiportal.imports import CREATED, UNCHANGED, UPDATED, ImportReport
from kpiportal.sheets import reader
from kpiportal.sheets.reader import Column
from returns import figures, selectors, validation
from returns.models import Return, ReturnEvent, State, TeamFigure

NOT_AVAILABLE_REASON = "Not available in the imported file"

FIGURE_COLUMNS = (
    Column("indicator_code", ("code", "indicator", "indicator number", "ref", "kpi"), required=True),
    Column("period", ("month", "date"), required=True),
    Column("value", ("figure", "result", "actual")),
    Column("numerator", ("num",)),
    Column("denominator", ("den", "denom")),
    Column("team", ("area", "locality")),
    Column("commentary", ("comment", "comments", "narrative", "notes")),
)


@dataclass
class FigureRow:
    """One figure to import: the whole authority's (team None) or a team's."""

    row: int
    indicator: Indicator
    period: date
    team: Team | None
    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    not_available: bool = False
    not_available_reason: str = ""
    commentary: str = ""
    column: str = ""
    columns: dict[str, str] = field(default_factory=dict)

    def column_of(self, name: str) -> str:
        return self.columns.get(name, self.column or name)


@dataclass
class ReturnChange:
    """What one return will become. A new return is only built as a model when it is written."""

    indicator: Indicator
    period: date
    values: dict
    ret: Return | None  # the stored return being updated; the new one once written
    changed: list[str]
    teams: dict[int, scoring.Point]  # team id → figure; empty when the file has no team rows
    replace_teams: bool
    row: int
    stored_pk: int | None = None
    stored_version: int | None = None
    column: str = ""

    @property
    def created(self) -> bool:
        return self.stored_pk is None

    def text(self) -> str:
        if self.values["not_available"]:
            return "not available"
        return _number(self.values["value"])


@dataclass
class FiguresPlan:
    changes: list[ReturnChange] = field(default_factory=list)
    unchanged: int = 0
    existing_teams: dict[int, dict[int, TeamFigure]] = field(default_factory=dict)

    def record(self, report: ImportReport) -> None:
        for change in self.changes:
            key = f"{change.indicator.code} {periods.month_label(change.period)}"
            if change.created:
                report.add(CREATED, "figure", key, change.text(), change.row)
            else:
                report.add(UPDATED, "figure", key, "; ".join(change.changed), change.row)
        if self.unchanged:
            report.counts[("figure", UNCHANGED)] += self.unchanged

    def indicator_ids(self) -> list[int]:
        return sorted({c.indicator.pk for c in self.changes})

    def first_period(self) -> date | None:
        return min((c.period for c in self.changes), default=None)


def _number(value) -> str:
    return "blank" if value is None else reader.number_text(value)


# --- Reading the long form ----------------------------------------------------------------------------


def parse_figure_rows(table: reader.Table, catalogue: Catalogue, report: ImportReport) -> list[FigureRow]:
    header, data = table.rows[0], table.rows[1:]
    mapping = reader.map_columns(header, FIGURE_COLUMNS, data_rows=data)
    report.errors.extend(mapping.errors)
    if mapping.errors:
        return []
    columns = {name: mapping.header_of(name) for name in mapping.positions}
    rows = []
    for row in data:
        text = mapping.values(row)
        problems_before = len(report.errors)
        indicator = catalogue.indicator(text["indicator_code"]) if text.get("indicator_code") else None
        if not text.get("indicator_code"):
            report.error(row.number, columns["indicator_code"], "the indicator code is blank")
        elif indicator is None:
            report.error(
                row.number,
                columns["indicator_code"],
                f"'{text['indicator_code']}' is not an indicator in the catalogue",
            )
        period = None
        try:
            period = periods.parse_period(text.get("period", ""))
        except periods.PeriodError as exc:
            report.error(row.number, columns["period"], str(exc))
        team = None
        if text.get("team"):
            team = catalogue.team(text["team"])
            if team is None:
                report.error(
                    row.number,
                    columns["team"],
                    f"'{text['team']}' is not a team the portal knows (teams are added by the populations import)",
                )
        figure = FigureRow(row.number, indicator, period, team, commentary=text.get("commentary", ""), columns=columns)
        if text.get("value") and cells.is_not_available(text["value"]):
            figure.not_available = True
            figure.not_available_reason = figure.commentary or NOT_AVAILABLE_REASON
        else:
            for name in ("value", "numerator", "denominator"):
                try:
                    setattr(figure, name, cells.parse_number(text.get(name, "")))
                except cells.CellError as exc:
                    report.error(row.number, columns[name], str(exc))
        if len(report.errors) == problems_before:
            rows.append(figure)
    return rows


# --- Planning -------------------------------------------------------------------------------------------


class _Populations:
    """The populations in force for each period (`selectors.populations_for`), read once per period."""

    def __init__(self):
        self.by_period: dict[date, tuple] = {}

    def __call__(self, period: date):
        if period not in self.by_period:
            self.by_period[period] = selectors.populations_for(period)
        return self.by_period[period]


def plan_figures(rows: list[FigureRow], *, report: ImportReport, today: date | None = None) -> FiguresPlan:
    """Check every figure and work out which returns are created, updated or unchanged."""
    today = today or timezone.localdate()
    plan = FiguresPlan()
    if not rows:
        return plan
    groups: dict[tuple, list[FigureRow]] = defaultdict(list)
    seen: dict[tuple, int] = {}
    for figure in rows:
        key = (id(figure.indicator), figure.period, figure.team.pk if figure.team else None)
        if key in seen:
            team = f" for {figure.team.name}" if figure.team else ""
            report.error(
                figure.row,
                figure.column_of("period"),
                f"{figure.indicator.code} {periods.month_label(figure.period)}{team} is also on row {seen[key]}",
            )
            continue
        seen[key] = figure.row
        groups[(id(figure.indicator), figure.period)].append(figure)

    existing = _existing_returns(rows)
    plan.existing_teams = _existing_team_figures(rows)
    populations = _Populations()
    for group in groups.values():
        _plan_return(group, existing, populations, today, plan, report)
    return plan


STORED_FIELDS = ("value", "numerator", "denominator", "not_available", "not_available_reason", "commentary")


@dataclass(frozen=True)
class _Stored:
    """A stored return as the comparison needs it (model instances are loaded only for those that change)."""

    pk: int
    state: str
    version: int
    values: dict

    def get_state_display(self) -> str:
        return State(self.state).label


def _existing_returns(rows: list[FigureRow]) -> dict[tuple[int, date], _Stored]:
    ids = {f.indicator.pk for f in rows if f.indicator.pk}
    if not ids:
        return {}
    first = min(f.period for f in rows)
    last = max(f.period for f in rows)
    found = Return.objects.filter(indicator_id__in=ids, period__gte=first, period__lte=last).values_list(
        "pk", "indicator_id", "period", "state", "version", *STORED_FIELDS
    )
    return {
        (indicator_id, period): _Stored(pk, state, version, dict(zip(STORED_FIELDS, values, strict=True)))
        for pk, indicator_id, period, state, version, *values in found
    }


def _existing_team_figures(rows: list[FigureRow]) -> dict[int, dict[int, TeamFigure]]:
    """The stored team rows of the returns in the file's range, by return id (few returns have them)."""
    ids = {f.indicator.pk for f in rows if f.indicator.pk}
    found: dict[int, dict[int, TeamFigure]] = defaultdict(dict)
    if ids:
        first = min(f.period for f in rows)
        last = max(f.period for f in rows)
        for figure in TeamFigure.objects.filter(
            ret__indicator_id__in=ids, ret__period__gte=first, ret__period__lte=last
        ).select_related("team"):
            found[figure.ret_id][figure.team_id] = figure
    return found


def _point(figure: FigureRow | None) -> scoring.Point:
    if figure is None:
        return scoring.Point(None)
    return scoring.Point(figure.value, figure.numerator, figure.denominator)


def _plan_return(group, existing, populations, today, plan: FiguresPlan, report: ImportReport) -> None:
    """One return: resolve (`returns.figures`), check (`returns.validation`), compare with the stored return."""
    indicator = group[0].indicator
    period = group[0].period
    whole_row = next((f for f in group if f.team is None), None)
    team_rows = {f.team.pk: f for f in group if f.team is not None}
    main_row = whole_row or next(iter(team_rows.values()))

    def row_and_column(field_name: str) -> tuple[int, str]:
        """Where a problem named by the validation rules is in the file."""
        for team_id, figure in team_rows.items():
            prefix = f"{figures.team_key(team_id)}_"
            if field_name.startswith(prefix):
                return figure.row, figure.column_of(field_name.removeprefix(prefix))
        return main_row.row, main_row.column_of(field_name)

    ok = validation.validate_period(period, today) == []
    if not ok:
        for problem in validation.validate_period(period, today):
            report.error(main_row.row, main_row.column_of("period"), problem.message)
    for figure in team_rows.values():
        if figure.not_available:
            report.error(
                figure.row,
                figure.column_of("value"),
                "a team row cannot be 'not available': leave the team out instead",
            )
            ok = False
    if not ok:
        return

    not_available = bool(whole_row and whole_row.not_available)
    commentary = next((f.commentary for f in group if f.commentary), "")
    entry = figures.Entry(
        whole=_point(whole_row),
        teams={team_id: _point(figure) for team_id, figure in team_rows.items()},
        not_available=not_available,
        not_available_reason=whole_row.not_available_reason if not_available else "",
        commentary=commentary,
    )
    whole_population, team_populations = (None, {})
    if indicator.unit == scoring.RATE_PER_10K:
        whole_population, team_populations = populations(period)
    resolved = figures.resolve(
        entry,
        unit=indicator.unit,
        aggregation=indicator.aggregation,
        whole_population=whole_population,
        team_populations=team_populations,
        team_names={team_id: figure.team.name for team_id, figure in team_rows.items()},
    )
    problems = list(resolved.problems) + validation.validate_return(
        unit=indicator.unit,
        aggregation=indicator.aggregation,
        whole=resolved.entered.whole,
        teams={figures.team_key(t): point for t, point in resolved.entered.teams.items()},
        value=resolved.value,
        not_available=not_available,
        not_available_reason=entry.not_available_reason,
        commentary=commentary,
        submitting=True,  # history must be complete; commentary on red is not asked of it (no RAG given)
    )
    for problem in problems:
        row, column = row_and_column(problem.field)
        if problem.is_error:
            report.error(row, column, problem.message)
            ok = False
        else:
            report.warn(row, column, problem.message)
    if not ok:
        return

    current = existing.get((indicator.pk, period)) if indicator.pk else None
    if current is not None and current.state != State.APPROVED:
        report.error(
            main_row.row,
            main_row.column_of("period"),
            f"{indicator.code} {periods.month_label(period)} has a {current.get_state_display().lower()} return "
            "in the approval workflow; the import does not overwrite it: approve, send back or clear it first",
        )
        return

    whole = resolved.whole
    new_values = {
        "value": whole.value,
        "numerator": whole.numerator,
        "denominator": whole.denominator,
        "not_available": not_available,
        "not_available_reason": entry.not_available_reason,
    }
    if commentary:
        new_values["commentary"] = commentary
    teams = dict(resolved.teams)
    if current is None:
        plan.changes.append(
            ReturnChange(
                indicator,
                period,
                new_values,
                None,
                [],
                teams,
                bool(team_rows),
                main_row.row,
                column=main_row.column_of("period"),
            )
        )
        return
    changed = []
    for name, value in new_values.items():
        old = current.values[name]
        if old != value:
            changed.append(f"{name.replace('_', ' ')} {_shown(old)} → {_shown(value)}")
    stored_teams = plan.existing_teams.get(current.pk, {})
    if team_rows:
        for team_id, point in teams.items():
            old = stored_teams.get(team_id)
            if old is None or (old.value, old.numerator, old.denominator) != tuple(point_values(point)):
                name = team_rows[team_id].team.name
                changed.append(f"team {name} {_number(old.value if old else None)} → {_number(point.value)}")
        for team_id in set(stored_teams) - set(teams):
            changed.append(f"team row {stored_teams[team_id].team} removed")
    if changed:
        plan.changes.append(
            ReturnChange(
                indicator,
                period,
                new_values,
                None,
                changed,
                teams,
                bool(team_rows),
                main_row.row,
                current.pk,
                current.version,
                main_row.column_of("period"),
            )
        )
    else:
        plan.unchanged += 1


def point_values(point: scoring.Point) -> tuple:
    return (point.value, point.numerator, point.denominator)


def _shown(value) -> str:
    if isinstance(value, Decimal):
        return reader.number_text(value)
    if value in (None, ""):
        return "blank"
    return str(value)


# --- Writing ---------------------------------------------------------------------------------------------


STARTED_MEANWHILE = (
    "A return in the file was started by someone while the file was being written; nothing was "
    "imported: import the file again"
)


class FiguresChanged(Exception):
    """Returns changed between checking the file and writing it; nothing was written.

    `problems` are (row, column, message) for the import report.
    """

    def __init__(self, problems: list[tuple[int | None, str, str]]):
        super().__init__("; ".join(message for _, _, message in problems))
        self.problems = problems

    def record(self, report: ImportReport) -> None:
        for row, column, message in self.problems:
            report.error(row, column, message)


def _changed_meanwhile(change: ReturnChange, now_is: str) -> tuple[int, str, str]:
    return (
        change.row,
        change.column,
        f"{change.indicator.code} {periods.month_label(change.period)} {now_is} since the file was checked; "
        "nothing was imported: import the file again to see the figures as they are now",
    )


def _lock_planned_returns(plan: FiguresPlan) -> None:
    """Lock the returns the plan updates and check nothing moved since it was made (inside the transaction).

    The file is checked without holding locks (a large file takes seconds), so an officer may
    start a draft, or a director reopen an approved return, meanwhile. A planned update whose
    return is no longer the approved version the plan compared with, or a planned new return
    that now exists, refuses the whole import rather than overwrite work in the workflow.
    """
    problems = []
    updated = {c.stored_pk: c for c in plan.changes if not c.created}
    if updated:
        current = {
            pk: (state, version)
            for pk, state, version in Return.objects.select_for_update()
            .filter(pk__in=updated)
            .order_by("pk")
            .values_list("pk", "state", "version")
        }
        for pk, change in updated.items():
            state, version = current.get(pk, (None, None))
            if state is None:
                problems.append(_changed_meanwhile(change, "was deleted"))
            elif state != State.APPROVED:
                problems.append(_changed_meanwhile(change, f"was reopened (it is now {State(state).label.lower()})"))
            elif version != change.stored_version:
                problems.append(_changed_meanwhile(change, "was changed"))
    new = {(c.indicator.pk, c.period): c for c in plan.changes if c.created and c.indicator.pk}
    if new:
        periods_new = [period for _, period in new]
        started = Return.objects.filter(
            indicator_id__in={pk for pk, _ in new}, period__gte=min(periods_new), period__lte=max(periods_new)
        ).values_list("indicator_id", "period")
        problems += [_changed_meanwhile(new[key], "was started by someone") for key in started if key in new]
    if problems:
        raise FiguresChanged(sorted(problems))


def write_figures(plan: FiguresPlan, *, by, comment: str) -> None:
    """Write the planned returns as approved, with their events, team rows and history. Inside a transaction.

    Raises `FiguresChanged` (and the caller's transaction rolls back) when a return moved since
    the plan was made, and when a return started at the same instant fails the insert on the
    unique (indicator, period) constraint; any other integrity error is a fault, not a race.
    """
    _lock_planned_returns(plan)
    now = timezone.now()
    new = [c for c in plan.changes if c.created]
    updated = [c for c in plan.changes if not c.created]
    for change in new:
        change.ret = Return(
            indicator=change.indicator,
            period=change.period,
            state=State.APPROVED,
            updated_by=by,
            submitted_by=by,
            approved_by=by,
            submitted_at=now,
            approved_at=now,
            **change.values,
        )
    try:
        bulk.insert_with_history(Return, [c.ret for c in new], by=by, reason=comment, now=now)
    except IntegrityError as exc:  # the unique (indicator, period): started after the check above
        raise FiguresChanged([(None, "", STARTED_MEANWHILE)]) from exc
    fields = [
        "value",
        "numerator",
        "denominator",
        "not_available",
        "not_available_reason",
        "commentary",
        "version",
        "updated_by",
        "updated_at",
        "approved_by",
        "approved_at",
    ]
    stored = Return.objects.in_bulk([c.stored_pk for c in updated])
    for change in updated:
        ret = change.ret = stored[change.stored_pk]
        for name, value in change.values.items():
            setattr(ret, name, value)
        ret.version += 1
        ret.updated_by = ret.approved_by = by
        ret.updated_at = ret.approved_at = now
    if updated:
        bulk_update_with_history(
            [c.ret for c in updated],
            Return,
            fields=fields,
            batch_size=1000,
            default_user=by,
            default_change_reason=comment,
        )
    events = [
        ReturnEvent(
            ret=c.ret,
            kind=ReturnEvent.Kind.IMPORTED,
            actor=by,
            from_state="" if c.created else State.APPROVED,
            to_state=State.APPROVED,
            comment=comment if c.created else f"{comment}: " + "; ".join(c.changed),
        )
        for c in plan.changes
    ]
    bulk.insert(ReturnEvent, events, now=now)
    _write_team_figures(plan, by=by, comment=comment, now=now)


def _write_team_figures(plan: FiguresPlan, *, by, comment: str, now) -> None:
    to_create, to_update, to_delete = [], [], []
    for change in plan.changes:
        if not change.replace_teams:
            continue
        stored = {} if change.created else plan.existing_teams.get(change.stored_pk, {})
        for team_id, point in change.teams.items():
            figure = stored.get(team_id)
            if figure is None:
                to_create.append(
                    TeamFigure(
                        ret=change.ret,
                        team_id=team_id,
                        value=point.value,
                        numerator=point.numerator,
                        denominator=point.denominator,
                    )
                )
            elif (figure.value, figure.numerator, figure.denominator) != point_values(point):
                figure.value, figure.numerator, figure.denominator = point.value, point.numerator, point.denominator
                to_update.append(figure)
        to_delete += [figure for team_id, figure in stored.items() if team_id not in change.teams]
    bulk.insert_with_history(TeamFigure, to_create, by=by, reason=comment, now=now)
    if to_update:
        bulk_update_with_history(
            to_update,
            TeamFigure,
            fields=["value", "numerator", "denominator"],
            batch_size=1000,
            default_user=by,
            default_change_reason=comment,
        )
    for figure in to_delete:
        figure._history_user = by
        figure.delete()


# --- The service ------------------------------------------------------------------------------------------


def figures_import(table: reader.Table, *, by, commit: bool) -> ImportReport:
    """Import figures as approved history: the long form, or a scorecard in the wide layout (recognised)."""
    from indicators.imports import catalogue as catalogue_importing
    from indicators.imports import wide

    check_can_import(by)
    long_form = reader.map_columns(table.rows[0], FIGURE_COLUMNS).has("period")
    if not long_form and wide.looks_wide(table):
        return catalogue_importing.wide_import(table, by=by, commit=commit)
    report = ImportReport("figures", layout="figures")
    catalogue = Catalogue.load()
    rows = parse_figure_rows(table, catalogue, report)
    if report.errors and not rows:
        return report
    plan = plan_figures(rows, report=report)
    if report.errors:
        return report
    plan.record(report)
    if commit:
        with raced_imports_reported(report):
            with transaction.atomic():
                write_figures(plan, by=by, comment="Imported from a figures file")
                request_recompute(plan.indicator_ids(), from_period=plan.first_period(), reason="figures imported")
            report.written = True
    return report


@contextmanager
def raced_imports_reported(report: ImportReport):
    """Turn a write refused because returns moved meanwhile into errors on the report (nothing written)."""
    try:
        yield
    except FiguresChanged as changed:
        changed.record(report)
