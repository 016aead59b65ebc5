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


@dataclass(frozen=True)
class PrintedCell:
    """A derived value as the file prints it, with its column heading (for the check of the reading)."""

    text: str
    column: str


@dataclass(frozen=True)
class WidePeriodFigure:
    """A quarter's or a year's figure printed beside the months: `kind` is `quarter` or `annual`."""

    kind: str
    period: date  # the first month of the quarter or financial year
    value: Decimal | None
    not_available: bool
    column: str


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
    # Derived columns as printed (change since last month, distance from target, tolerance threshold,
    # D.o.T., performance group), keyed by the kinds of `wide_headings.PRINTED_KINDS`: checked, not imported.
    printed: dict[str, "PrintedCell"] = field(default_factory=dict)
    # Quarterly and annual figures printed beside the months (`Full quarter`, `Annual return`).
    period_figures: list["WidePeriodFigure"] = field(default_factory=list)

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
    # How the file was read, for the preview's "how each column and row was read": one per header block.
    readings: list["BlockReading"] = field(default_factory=list)
    # What each row of the file was read as: header, indicator, theme, note, ignored (row number → role).
    row_roles: dict[int, str] = field(default_factory=dict)
    # The text of each line before the first header (titles, keys, a "↑ Higher is better" legend).
    preamble: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ColumnReading:
    """One column of a header block as read: its index, letter, heading and kind (`wide_headings` kinds)."""

    index: int
    letter: str
    heading: str
    kind: str
    period: date | None = None
    year: int | None = None


@dataclass(frozen=True)
class BlockReading:
    header_row: int
    columns: tuple[ColumnReading, ...]


@dataclass(frozen=True)
class Mapping:
    """The performance team's reading of a file, overriding detection (a saved `ImportMapping`).

    `header_row`: the row number of the (only) header row, or None to find headers by what they say.
    `columns`: column letter → kind (a `wide_headings` kind; `month:2022-11` for a month; `target:2022`
    for a financial year's target; `ignored`).
    """

    header_row: int | None = None
    columns: dict[str, str] = field(default_factory=dict)


class NotWide(Exception):
    """The table has no header the wide layout recognises."""


@dataclass
class Block:
    """A header row (with the row of months or groups under it, if any) and the rows up to the next header."""

    header: Row
    second: Row | None
    rows: list[Row]
