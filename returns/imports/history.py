"""Writing imported figures as approved history: the one way besides the workflow's transitions to approve a return.

A return's state changes through the workflow (`returns.services`: submit,
approve, send back, reopen). History from before the portal — a council's
old scorecards and figure files — arrives already approved, so the figures
import writes it through `write_approved_history` below, the only other path
that creates approved returns: it is for the performance team, and each
return it writes is attributed to them and carries an `imported` event.
"""

from contextlib import contextmanager

from django.db import IntegrityError
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from indicators import periods
from indicators.catalogue.lookup import check_can_import
from kpiportal import bulk
from kpiportal.imports import ImportReport
from returns.imports.changes import FiguresPlan, ReturnChange, point_values
from returns.models import Return, ReturnEvent, State, TeamFigure

STARTED_MEANWHILE = (
    "A return in the file was started by someone while the file was being written; nothing was "
    "imported: import the file again"
)
UPDATED_FIELDS = (
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


@contextmanager
def raced_imports_reported(report: ImportReport):
    """Turn a write refused because returns moved meanwhile into errors on the report (nothing written)."""
    try:
        yield
    except FiguresChanged as changed:
        changed.record(report)


def write_approved_history(plan: FiguresPlan, *, by, comment: str) -> None:
    """Write a checked figures plan as approved returns, with their events, team rows and history.

    The one path besides the workflow's transitions that creates approved
    returns (or changes approved ones): only the performance team may ask
    (`by=None` is the command line). Call it inside a transaction. New returns
    and their history go by COPY on PostgreSQL (30,000 rows in seconds).

    Raises `FiguresChanged` (and the caller's transaction rolls back) when a return moved since
    the plan was made, and when a return started at the same instant fails the insert on the
    unique (indicator, period) constraint; any other integrity error is a fault, not a race.
    """
    check_can_import(by)
    _lock_planned_returns(plan)
    now = timezone.now()
    _insert_new_returns([c for c in plan.changes if c.created], by=by, comment=comment, now=now)
    _update_approved_returns([c for c in plan.changes if not c.created], by=by, comment=comment, now=now)
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


def _insert_new_returns(new: list[ReturnChange], *, by, comment: str, now) -> None:
    """New returns, approved by the importer, with their history (COPY on PostgreSQL)."""
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


def _update_approved_returns(updated: list[ReturnChange], *, by, comment: str, now) -> None:
    """Approved returns whose figures the file changes: a new version, approved again by the importer."""
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
            fields=list(UPDATED_FIELDS),
            batch_size=1000,
            default_user=by,
            default_change_reason=comment,
        )


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
