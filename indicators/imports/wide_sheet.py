"""What the wide scorecard parser gives: a sheet of indicator rows with their figures, targets and extras."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from indicators import periods
from indicators.catalogue import cells, inference
from kpiportal.sheets.table import Row, RowError


@dataclass(frozen=True)
class WideFigure:
    period: date
    value: Decimal | None
    not_available: bool
    column: str


@dataclass(frozen=True)
class WideTarget:
    year: int
    value: Decimal | None
    not_available: bool
    column: str
    tolerance_text: str = ""
    tolerance_column: str = ""


@dataclass(frozen=True)
class ExtraColumn:
    """A column the portal does not import, e.g. a comparator: `SN 2019/20` under `Benchmarking`."""

    label: str
    group: str = ""


@dataclass
class WideRow:
    row: int
    code: str
    title: str
    section: str = ""
    code_column: str = ""
    title_column: str = ""
    fields: dict = field(default_factory=dict)
    responsible_officer: str = ""
    ro_column: str = ""
    targets: list[WideTarget] = field(default_factory=list)
    figures: list[WideFigure] = field(default_factory=list)
    year_to_date: dict[int, Decimal] = field(default_factory=dict)
    extras: dict[str, str] = field(default_factory=dict)
    value_texts: list[str] = field(default_factory=list)

    @property
    def decimals(self) -> int:
        return cells.decimals_shown(self.value_texts)

    @property
    def aggregation_hint(self) -> str | None:
        """The aggregation the "YTD or latest" columns point to (the most common answer over the years)."""
        by_year: dict[int, list] = {}
        for figure in self.figures:
            by_year.setdefault(periods.financial_year_of(figure.period), []).append(figure.value)
        hints = [
            inference.aggregation_from_year_to_date(by_year.get(year, []), ytd)
            for year, ytd in self.year_to_date.items()
        ]
        hints = [h for h in hints if h]
        if not hints:
            return None
        counts = Counter(hints)
        return max(hints, key=lambda h: (counts[h], -hints.index(h)))


@dataclass
class WideSheet:
    rows: list[WideRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra_columns: list[ExtraColumn] = field(default_factory=list)
    months: list[date] = field(default_factory=list)


class NotWide(Exception):
    """The table has no header the wide layout recognises."""


@dataclass
class Block:
    """A header row (with the row of months or groups under it, if any) and the rows up to the next header."""

    header: Row
    second: Row | None
    rows: list[Row]
