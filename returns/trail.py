"""A return's audit trail, as the history page reads it: one entry per version of the return.

The trail is simple-history's: every save of a `Return` writes a
`HistoricalReturn` (its figures, state and version, who and when) and every
save or removal of a team row a `HistoricalTeamFigure`. Each entry is one
version of the return, with the team rows written with it.

`ReturnEvent` adds to a version what simple-history cannot hold: the name of
the action that wrote it (saved, corrected, imported and reopened leave
records alike), the comment or reason given, and whether the performance team
overrode four-eyes. The services save the return, then its team rows, then
record the event, in one transaction (the figures import writes all three with
one timestamp): so an event belongs to the latest version saved at or before
it, and a team row to the latest version saved at or before it.
"""

import bisect
from dataclasses import dataclass, field
from datetime import datetime

from returns import display, policy
from returns.models import Return, ReturnEvent, TeamFigure


@dataclass
class Figures:
    """A version's figures as shown; None on the entry when the user may not see them."""

    value: str
    parts: str
    commentary: str
    teams: list[str] = field(default_factory=list)


@dataclass
class Action:
    """What the event recorded with a version says: the action, from → to, the comment, the override."""

    name: str
    who: str
    at: datetime
    from_state: str
    to_state: str
    comment: str
    own_approval_override: bool


@dataclass
class Entry:
    at: datetime
    who: str
    state: str
    version: int
    actions: list[Action]
    figures: Figures | None


def _label(state: str) -> str:
    return display.STATE_LABELS.get(state, state) if state else "–"


def _figures(record, unit: str, decimals: int) -> Figures:
    return Figures(
        value="Not available" if record.not_available else display.figure_text(record.value, unit, decimals),
        parts=(
            f"{display.plain_number(record.numerator)} of {display.plain_number(record.denominator)}"
            if record.numerator is not None and record.denominator is not None
            else ""
        ),
        commentary=record.commentary or record.not_available_reason,
    )


def _action(event: ReturnEvent) -> Action:
    return Action(
        name=event.get_kind_display(),
        who=display.person(event.actor),
        at=event.at,
        from_state=_label(event.from_state),
        to_state=_label(event.to_state),
        comment=event.comment,
        own_approval_override=event.own_approval_override,
    )


def _owner(times: list[datetime], at: datetime) -> int:
    """The index of the latest version saved at or before `at` (the first version for anything earlier)."""
    return max(bisect.bisect_right(times, at) - 1, 0)


def return_trail(ret: Return, user) -> list[Entry]:
    """Every version of `ret`, newest first, with the action recorded with it: three queries.

    Every user who may see the return sees every action, who and when, with its
    comment; the figures of a version only when they may see the return in that
    state (viewers: approved versions), and team rows only when they may see
    unapproved figures.
    """
    records = list(ret.history.select_related("history_user").order_by("history_date", "history_id"))
    if not records:
        return []
    times = [r.history_date for r in records]
    unit, decimals = ret.indicator.unit, ret.indicator.decimals
    entries = [
        Entry(
            at=r.history_date,
            who=display.person(r.history_user),
            state=_label(r.state),
            version=r.version,
            actions=[],
            figures=(_figures(r, unit, decimals) if policy.may_see.test(user, Return(state=r.state)) else None),
        )
        for r in records
    ]
    for event in ret.events.select_related("actor").order_by("at", "pk"):
        entries[_owner(times, event.at)].actions.append(_action(event))
    if policy.may_see_unapproved.test(user):
        team_records = (
            TeamFigure.history.filter(ret_id=ret.pk).select_related("team").order_by("history_date", "history_id")
        )
        for row in team_records:
            figures = entries[_owner(times, row.history_date)].figures
            value = "removed" if row.history_type == "-" else display.figure_text(row.value, unit, decimals)
            figures.teams.append(f"{row.team.name}: {value}")
    return entries[::-1]
