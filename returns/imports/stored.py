"""What a figures import compares with: the stored returns, team rows and populations of the file's range."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from returns import selectors
from returns.imports.rows import FigureRow
from returns.models import FIGURE_FIELDS, Return, State, TeamFigure


@dataclass(frozen=True)
class StoredReturn:
    """A stored return as the comparison needs it (model instances are loaded only for those that change)."""

    pk: int
    state: str
    version: int
    values: dict

    def get_state_display(self) -> str:
        return State(self.state).label


def _range(rows: list[FigureRow]) -> tuple[set[int], date, date]:
    return ({f.indicator.pk for f in rows if f.indicator.pk}, min(f.period for f in rows), max(f.period for f in rows))


def existing_returns(rows: list[FigureRow]) -> dict[tuple[int, date], StoredReturn]:
    """The stored returns of the file's indicators between its first and last month, by (indicator id, period)."""
    ids, first, last = _range(rows)
    if not ids:
        return {}
    found = Return.objects.filter(indicator_id__in=ids, period__gte=first, period__lte=last).values_list(
        "pk", "indicator_id", "period", "state", "version", *FIGURE_FIELDS
    )
    return {
        (indicator_id, period): StoredReturn(pk, state, version, dict(zip(FIGURE_FIELDS, values, strict=True)))
        for pk, indicator_id, period, state, version, *values in found
    }


def existing_team_figures(rows: list[FigureRow]) -> dict[int, dict[int, TeamFigure]]:
    """The stored team rows of the returns in the file's range, by return id (few returns have them)."""
    ids, first, last = _range(rows)
    found: dict[int, dict[int, TeamFigure]] = defaultdict(dict)
    if ids:
        for figure in TeamFigure.objects.filter(
            ret__indicator_id__in=ids, ret__period__gte=first, ret__period__lte=last
        ).select_related("team"):
            found[figure.ret_id][figure.team_id] = figure
    return found


class Populations:
    """The populations in force for each period (`selectors.populations_for`), read once per period."""

    def __init__(self):
        self.by_period: dict[date, tuple] = {}

    def __call__(self, period: date):
        if period not in self.by_period:
            self.by_period[period] = selectors.populations_for(period)
        return self.by_period[period]
