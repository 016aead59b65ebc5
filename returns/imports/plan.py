"""Planning a figures import: every figure resolved and checked exactly as an officer's entry, then compared.

Each return of the file (an indicator and month, with its team rows) is
resolved by `returns.figures.resolve` (values from numerator and denominator,
the whole from team rows, a rate's population as its denominator — the
team's or the authority's for the latest year not after the period) and
checked by `returns.validation.validate_return`. Commentary is not required
on red history (board papers rarely kept it).

A return already approved is updated when the figures differ and left alone
when they are the same, so importing a file twice changes nothing; a blank
commentary keeps the commentary already there; team rows in the file replace
the return's team rows, and a file without team rows leaves them. A return in
the workflow (draft, submitted or sent back) is not overwritten: its row is
refused.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from indicators import periods, scoring, units
from kpiportal.imports import ImportReport
from returns import figures, validation
from returns.imports.changes import FiguresPlan, ReturnChange, number_shown, point_values, value_shown
from returns.imports.rows import FigureRow
from returns.imports.stored import Populations, StoredReturn, existing_returns, existing_team_figures
from returns.models import State


def plan_figures(rows: list[FigureRow], *, report: ImportReport, today: date | None = None) -> FiguresPlan:
    """Check every figure and work out which returns are created, updated or unchanged."""
    today = today or timezone.localdate()
    plan = FiguresPlan()
    if not rows:
        return plan
    existing = existing_returns(rows)
    plan.existing_teams = existing_team_figures(rows)
    populations = Populations()
    for group in _returns_of(rows, report):
        _plan_return(ReturnRows.of(group), existing, populations, today, plan, report)
    return plan


def _returns_of(rows: list[FigureRow], report: ImportReport) -> list[list[FigureRow]]:
    """The rows of each return (indicator and month); a figure given twice is an error on its second row."""
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
    return list(groups.values())


@dataclass
class ReturnRows:
    """The rows of one return: the whole authority's (if given) and the teams' by team id."""

    whole: FigureRow | None
    teams: dict[int, FigureRow]
    all: list[FigureRow]

    @classmethod
    def of(cls, group: list[FigureRow]) -> "ReturnRows":
        whole = next((f for f in group if f.team is None), None)
        return cls(whole, {f.team.pk: f for f in group if f.team is not None}, group)

    @property
    def main(self) -> FigureRow:
        return self.whole or next(iter(self.teams.values()))

    @property
    def indicator(self):
        return self.all[0].indicator

    @property
    def period(self) -> date:
        return self.all[0].period

    def where(self, field_name: str) -> tuple[int, str]:
        """The row and column of a field named by the validation rules (`team_<id>_value` is a team's row)."""
        for team_id, figure in self.teams.items():
            prefix = f"{figures.team_key(team_id)}_"
            if field_name.startswith(prefix):
                return figure.row, figure.column_of(field_name.removeprefix(prefix))
        return self.main.row, self.main.column_of(field_name)


def _plan_return(rows: ReturnRows, existing, populations, today, plan: FiguresPlan, report: ImportReport) -> None:
    """One return: resolve (`returns.figures`), check (`returns.validation`), compare with the stored return."""
    if not _period_and_team_rows_ok(rows, today, report):
        return
    entry, resolved = _resolve(rows, populations)
    if not _figures_ok(rows, entry, resolved, report):
        return
    indicator, main = rows.indicator, rows.main
    current = existing.get((indicator.pk, rows.period)) if indicator.pk else None
    if current is not None and current.state != State.APPROVED:
        report.error(
            main.row,
            main.column_of("period"),
            f"{indicator.code} {periods.month_label(rows.period)} has a {current.get_state_display().lower()} "
            "return in the approval workflow; the import does not overwrite it: approve, send back or clear it first",
        )
        return
    values = _new_values(entry, resolved)
    teams = dict(resolved.teams)
    change = ReturnChange(
        indicator=indicator,
        period=rows.period,
        values=values,
        ret=None,
        changed=[],
        teams=teams,
        replace_teams=bool(rows.teams),
        row=main.row,
        column=main.column_of("period"),
    )
    if current is None:
        plan.changes.append(change)
        return
    change.changed = _differences(rows, current, values, teams, plan.existing_teams.get(current.pk, {}))
    if not change.changed:
        plan.unchanged += 1
        return
    change.stored_pk, change.stored_version = current.pk, current.version
    plan.changes.append(change)


def _period_and_team_rows_ok(rows: ReturnRows, today: date, report: ImportReport) -> bool:
    """The month has started, and no team row is 'not available' (every problem is reported)."""
    period_problems = validation.validate_period(rows.period, today)
    for problem in period_problems:
        report.error(rows.main.row, rows.main.column_of("period"), problem.message)
    ok = not period_problems
    for figure in rows.teams.values():
        if figure.not_available:
            report.error(
                figure.row,
                figure.column_of("value"),
                "a team row cannot be 'not available': leave the team out instead",
            )
            ok = False
    return ok


def _resolve(rows: ReturnRows, populations: Populations) -> tuple[figures.Entry, figures.Resolved]:
    """The return as entered and as resolved: derived values, the whole from the teams, a rate's populations."""
    indicator, whole_row = rows.indicator, rows.whole
    not_available = bool(whole_row and whole_row.not_available)
    entry = figures.Entry(
        whole=_point(whole_row),
        teams={team_id: _point(figure) for team_id, figure in rows.teams.items()},
        not_available=not_available,
        not_available_reason=whole_row.not_available_reason if not_available else "",
        commentary=next((f.commentary for f in rows.all if f.commentary), ""),
    )
    whole_population, team_populations = (None, {})
    if indicator.unit == units.RATE_PER_10K:
        whole_population, team_populations = populations(rows.period)
    resolved = figures.resolve(
        entry,
        unit=indicator.unit,
        aggregation=indicator.aggregation,
        whole_population=whole_population,
        team_populations=team_populations,
        team_names={team_id: figure.team.name for team_id, figure in rows.teams.items()},
    )
    return entry, resolved


def _figures_ok(rows: ReturnRows, entry: figures.Entry, resolved: figures.Resolved, report: ImportReport) -> bool:
    """Report the problems of resolving and validating; warnings are reported but do not stop the import."""
    indicator = rows.indicator
    problems = list(resolved.problems) + validation.validate_return(
        unit=indicator.unit,
        aggregation=indicator.aggregation,
        whole=resolved.entered.whole,
        teams={figures.team_key(t): point for t, point in resolved.entered.teams.items()},
        value=resolved.value,
        not_available=entry.not_available,
        not_available_reason=entry.not_available_reason,
        commentary=entry.commentary,
        submitting=True,  # history must be complete; commentary on red is not asked of it (no RAG given)
        resolved_whole=resolved.whole,
    )
    ok = True
    for problem in problems:
        row, column = rows.where(problem.field)
        if problem.is_error:
            report.error(row, column, problem.message)
            ok = False
        else:
            report.warn(row, column, problem.message)
    return ok


def _point(figure: FigureRow | None) -> scoring.Point:
    if figure is None:
        return scoring.Point(None)
    return scoring.Point(figure.value, figure.numerator, figure.denominator)


def _new_values(entry: figures.Entry, resolved: figures.Resolved) -> dict:
    """The stored fields of the return; a blank commentary keeps the one already there."""
    whole = resolved.whole
    values = {
        "value": whole.value,
        "numerator": whole.numerator,
        "denominator": whole.denominator,
        "not_available": entry.not_available,
        "not_available_reason": entry.not_available_reason,
    }
    if entry.commentary:
        values["commentary"] = entry.commentary
    return values


def _differences(rows: ReturnRows, current: StoredReturn, values: dict, teams: dict, stored_teams: dict) -> list[str]:
    """What the file changes in an approved return, as the report lists it (empty when nothing)."""
    changed = [
        f"{name.replace('_', ' ')} {value_shown(current.values[name])} → {value_shown(value)}"
        for name, value in values.items()
        if current.values[name] != value
    ]
    if rows.teams:
        for team_id, point in teams.items():
            old = stored_teams.get(team_id)
            if old is None or (old.value, old.numerator, old.denominator) != point_values(point):
                name = rows.teams[team_id].team.name
                changed.append(f"team {name} {number_shown(old.value if old else None)} → {number_shown(point.value)}")
        for team_id in set(stored_teams) - set(teams):
            changed.append(f"team row {stored_teams[team_id].team} removed")
    return changed
