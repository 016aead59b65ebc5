"""The alert rules of PRODUCT §7: which changes to the scorecard people are told about.

Pure functions over plain values (no ORM), tested without a database. The
answer depends only on the results before and after a change, so approving
the same figures again gives the same answer, and the unique (indicator,
period, kind) alert row turns a repeat into nothing new.

The RAG and persistent-red values come from the scorecard, which takes them
from `indicators.scoring`; nothing here re-derives a RAG.
"""

from dataclasses import dataclass
from datetime import date

from indicators import periods, scoring

TURNED_RED = "turned_red"
PERSISTENT_RED = "persistent_red"
BACK_ON_TRACK = "back_on_track"

# Kinds that tell of a recovery: only sent to people who want them (User.notify_recovery).
RECOVERY_KINDS = frozenset({BACK_ON_TRACK})


@dataclass(frozen=True)
class ScoredPeriod:
    """A period's whole-authority result as the scorecard holds it (None: no entry at all)."""

    rag: str
    persistent_red: bool = False


def alert_kinds(*, now: ScoredPeriod, before: ScoredPeriod | None, previous: ScoredPeriod | None) -> list[str]:
    """The alerts a change to one period's result calls for.

    `now` is the period's result after the change, `before` its result before it
    (None: the period had no entry, e.g. its figure was just approved), `previous`
    the previous period's result (None: no entry, i.e. no value).

    - turned red: red now and not before, and the previous period not red (or no value);
    - persistently red: persistent now and not before, nor in the previous period —
      one alert per run of red periods, on the period that makes it persistent;
    - back on track: amber or green now (a change), after a red previous period.

    Judging the change as well as the state keeps side effects quiet: reopening
    November removes its entry and may end December's persistent red, but
    December, red before and after, raises nothing. Grey raises nothing.
    """
    previous_rag = previous.rag if previous is not None else scoring.GREY
    previous_persistent = previous is not None and previous.persistent_red
    before_rag = before.rag if before is not None else None
    before_persistent = before is not None and before.persistent_red
    kinds = []
    if now.rag == scoring.RED and before_rag != scoring.RED and previous_rag != scoring.RED:
        kinds.append(TURNED_RED)
    if now.persistent_red and not before_persistent and not previous_persistent:
        kinds.append(PERSISTENT_RED)
    if now.rag in (scoring.AMBER, scoring.GREEN) and before_rag != now.rag and previous_rag == scoring.RED:
        kinds.append(BACK_ON_TRACK)
    return kinds


def is_recent(period: date, today: date, max_age_months: int) -> bool:
    """Whether a period is recent enough to alert about.

    Loading years of approved history, or changing an old year's target, must not
    email everyone about periods long past: only periods up to `max_age_months`
    before the current month raise alerts (0 means the current month only).
    """
    return 0 <= periods.months_between(period, periods.month_start(today)) <= max_age_months


DUE_SOON = "due_soon"
OVERDUE = "overdue"


def reminder_kind(*, today: date, reminder_day: date, due: date, done: bool) -> str | None:
    """Which reminder a return not yet submitted calls for today, if any.

    From its reminder day (N working days before the deadline) up to the
    deadline: "due soon"; after the deadline: "overdue". A submitted or approved
    return calls for none. A window rather than a single day, so a day the
    schedule did not run is caught up; the unique reminder row keeps it to once.
    """
    if done:
        return None
    if today > due:
        return OVERDUE
    if today >= reminder_day:
        return DUE_SOON
    return None
