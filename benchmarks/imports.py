"""Comparator imports (PRODUCT §5, §8): one of the portal's imports (`kpiportal.imports.KINDS`).

Two steps like every import: `benchmarks.import_rows.parse_comparators` (pure:
a table and plain lookups in, clean rows and errors out) and
`benchmarks.import_plan.plan` (what would be created,
updated or left alone). The service `benchmarks.services.comparators_import`
runs both and — when committing and no row is bad — writes the plan in one
transaction (`services.comparator_values_write`).

The long form has a header row and these columns, in any order:

    indicator_code, comparator, period, value, note   (+ optional unit, kind)

- `period` is a financial year (`2019/20`) or a quarter (`2020/21 Q3`),
  read by `indicators.periods.parse_year_or_quarter`; a bare `2019` is refused.
- `value` is read by `indicators.catalogue.cells` like every imported figure: `48.2`,
  `2,676`, `23%` (the `%` is stripped); `n/a`, `NA`, `-`, `..` or blank
  mean "no value" (stored as no value, with the note).
- The unit of a comparator value is known, in this order, from the optional
  `unit` column (`%`, `rate per 10,000`, `count`, `average`, `days`), from a
  `%` on the value (a percentage), and otherwise it is taken to be the
  indicator's own unit. A value whose known unit is not the indicator's is
  refused ("a count cannot be compared with a rate per 10,000"); so is a value
  impossible in the unit (a percentage over 100, a negative figure), by the
  unit ranges of `indicators.units`.
- `comparator` names a source by its name or short name (`Statistical
  neighbours` or `SN`), case and spacing ignored. An unknown name is an error
  unless the import is asked to create new sources (the upload's confirm
  checkbox, `--create-sources`); a new source's kind comes from the optional
  `kind` column or is guessed from its name (`England` → national,
  `South East` → region, `SN` → statistical-neighbour average, anything else
  → named authority) and is listed in the preview before anything is written.
- Two rows for the same indicator, comparator and period are refused, naming both rows.
- Importing the same file again creates nothing: values already held are
  updated when they differ and counted as unchanged when they do not.
"""

import functools
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from indicators import periods, units
from indicators.catalogue import cells
from kpiportal.sheets.columns import Column
from kpiportal.sheets.table import RowError

AVERAGE = "average"
REGION = "region"
NATIONAL = "national"
AUTHORITY = "authority"

KIND_LABELS = {
    AVERAGE: "statistical-neighbour average",
    REGION: "regional average",
    NATIONAL: "national (England)",
    AUTHORITY: "named authority",
}

COLUMNS = (
    Column("indicator_code", aliases=("indicator", "code", "kpi", "indicator number", "ref"), required=True),
    Column("comparator", aliases=("source", "comparator source", "benchmark", "comparator name"), required=True),
    Column("period", aliases=("year", "financial year", "quarter"), required=True),
    Column("value", aliases=("figure", "comparator value"), required=True),
    Column("note", aliases=("notes", "comment", "source note")),
    Column("unit", aliases=("units",)),
    Column("kind", aliases=("comparator kind", "source kind", "type")),
)
COLUMNS_TEXT = "indicator_code, comparator, period (2019/20 or 2020/21 Q3), value, note; optional unit, kind"

KIND_WORDS = {
    "average": AVERAGE,
    "statisticalneighbours": AVERAGE,
    "statisticalneighbouraverage": AVERAGE,
    "sn": AVERAGE,
    "region": REGION,
    "regional": REGION,
    "regionalaverage": REGION,
    "national": NATIONAL,
    "england": NATIONAL,
    "authority": AUTHORITY,
    "namedauthority": AUTHORITY,
    "council": AUTHORITY,
    "la": AUTHORITY,
    "localauthority": AUTHORITY,
}

# English regions as published comparators name them; a source named like these is a regional average.
_REGIONS = (
    "northeast",
    "northwest",
    "yorkshireandthehumber",
    "eastmidlands",
    "westmidlands",
    "eastofengland",
    "london",
    "innerlondon",
    "outerlondon",
    "southeast",
    "southwest",
)
_REGION_SHORT = ("se", "sw", "ne", "nw", "em", "wm", "eoe", "yh")


def key(text: str) -> str:
    """How source names are matched: case, spaces and punctuation do not matter."""
    return re.sub(r"[^0-9a-z]+", "", str(text).casefold())


def guess_kind(name: str) -> str:
    """The kind of a new comparator source, from its name."""
    k = key(name)
    if k in ("sn", "statneighbours", "sns") or "neighbour" in k:
        return AVERAGE
    if k in ("eng", "england", "national", "englandaverage", "nationalaverage"):
        return NATIONAL
    if k in _REGION_SHORT or "region" in k or any(k.startswith(r) for r in _REGIONS):
        return REGION
    return AUTHORITY


@dataclass(frozen=True)
class IndicatorRef:
    id: int
    code: str
    unit: str


@dataclass(frozen=True)
class SourceRef:
    id: int
    name: str
    kind: str


@dataclass(frozen=True)
class ComparatorRow:
    """One clean row: what to write."""

    number: int
    indicator_id: int
    indicator_code: str
    source_name: str
    source_id: int | None  # None: a source the import creates
    period_kind: str
    period_start: date
    value: Decimal | None
    note: str

    @property
    def source_key(self):
        return self.source_id if self.source_id is not None else key(self.source_name)

    @property
    def key(self) -> tuple:
        return (self.indicator_id, self.source_key, self.period_kind, self.period_start)

    @property
    def period_label(self) -> str:
        return _period_label(self.period_kind, self.period_start)

    @property
    def label(self) -> str:
        return f"{self.indicator_code} {self.source_name} {self.period_label}"


@functools.lru_cache(maxsize=256)
def _period_label(kind: str, start: date) -> str:
    return periods.year_or_quarter_label(kind, start)


@dataclass(frozen=True)
class NewSource:
    name: str
    kind: str
    first_row: int

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass
class Parsed:
    rows: list[ComparatorRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    new_sources: list[NewSource] = field(default_factory=list)


def read_value(text: str) -> tuple[Decimal | None, bool]:
    """(value, written as a percentage) from a cell, by `indicators.catalogue.cells`; CellError with the reason."""
    value, _not_available = cells.parse_figure(text)
    return value, value is not None and cells.has_percent_sign(text)


def unit_problems(indicator: IndicatorRef, value: Decimal | None, stated_unit: str | None) -> list[str]:
    """Why a comparator value cannot stand beside this indicator: another unit, or impossible in its unit."""
    if stated_unit is not None and stated_unit != indicator.unit:
        return [
            f"{units.noun(stated_unit, stated_unit)} cannot be compared with {indicator.code}, "
            f"which is {units.noun(indicator.unit, indicator.unit)}"
        ]
    if value is None:
        return []
    # A comparator is often an average of councils: a count's comparator need not be whole (only not negative).
    checked_unit = indicator.unit
    if indicator.unit == units.COUNT and value >= 0:
        checked_unit = units.AVERAGE
    problem = units.range_problem(checked_unit, value)
    return [f"{problem} for {indicator.code}"] if problem else []
