"""What a figures import will do: the returns it creates or updates, and how each change reads in the report."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from indicators import periods, scoring
from indicators.models import Indicator
from kpiportal.imports import CREATED, UNCHANGED, UPDATED, ImportReport
from kpiportal.sheets.table import number_text
from returns.models import Return, TeamFigure


def number_shown(value) -> str:
    """A figure in the report: 'blank' when there is none."""
    return "blank" if value is None else number_text(value)


def value_shown(value) -> str:
    """Any stored value in the report (numbers as written in a sheet; 'blank' for none or empty)."""
    if isinstance(value, Decimal):
        return number_text(value)
    if value in (None, ""):
        return "blank"
    return str(value)


def point_values(point: scoring.Point) -> tuple:
    return (point.value, point.numerator, point.denominator)


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
        return number_shown(self.values["value"])


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
