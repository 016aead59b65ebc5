"""Comparator imports (PRODUCT §5, §8): one of the portal's imports (`kpiportal.imports.KINDS`).

Two steps like every import: `parse_comparators` (pure: a table and plain
lookups in, clean rows and errors out) and `plan` (what would be created,
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
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from benchmarks.models import ComparatorSource, ComparatorValue
from indicators import periods, units
from indicators.catalogue import cells
from indicators.models import Indicator
from kpiportal.imports import CREATED, UNCHANGED, UPDATED, ImportReport
from kpiportal.sheets.columns import Column, map_columns
from kpiportal.sheets.table import RowError, Table, number_text

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


def parse_comparators(
    table: Table,
    *,
    indicators: Mapping[str, IndicatorRef],
    sources: Mapping[str, SourceRef],
    create_sources: bool = False,
) -> Parsed:
    """Check every row of `table` and return the clean rows, or every error found.

    `indicators` maps `cells.code_key(code)` to the indicator; `sources` maps
    `key(name)` and `key(short name)` to the source.
    """
    result = Parsed()
    header, data = table.rows[0], table.rows[1:]
    columns = map_columns(header, COLUMNS, data_rows=data)
    if columns.errors:
        result.errors.extend(columns.errors)
        return result
    if not data:
        result.errors.append(RowError(header.number, "", "The file has a header row but no comparator values"))
        return result

    heading = columns.header_of
    new_sources: dict[str, NewSource] = {}
    seen: dict[tuple, int] = {}
    # Files of tens of thousands of rows repeat the same few codes, names and periods: read each text once.
    indicator_of = _memo(lambda code: indicators.get(cells.code_key(code)))
    source_of = _memo(lambda name: sources.get(key(name)))
    period_of = _memo(_period_or_error)
    positions = [(name, columns.positions.get(name, -1)) for name in (c.name for c in COLUMNS)]
    for row in data:
        row_cells, width = row.cells, len(row.cells)
        text = {name: row_cells[i] if 0 <= i < width else "" for name, i in positions}
        errors: list[RowError] = []

        code = text["indicator_code"]
        indicator = indicator_of(code) if code else None
        if not code:
            errors.append(RowError(row.number, heading("indicator_code"), "the indicator code is blank"))
        elif indicator is None:
            errors.append(RowError(row.number, heading("indicator_code"), f"unknown indicator code '{code}'"))

        source_name = " ".join(text["comparator"].split())
        source = source_of(source_name) if source_name else None
        if not source_name:
            errors.append(RowError(row.number, heading("comparator"), "the comparator is blank"))
        elif source is None:
            kind_text = text.get("kind", "")
            kind = KIND_WORDS.get(key(kind_text)) if kind_text else guess_kind(source_name)
            if kind is None:
                errors.append(
                    RowError(
                        row.number,
                        heading("kind"),
                        f"unknown kind '{kind_text}' (use average, region, national or authority)",
                    )
                )
            elif not create_sources:
                errors.append(
                    RowError(
                        row.number,
                        heading("comparator"),
                        f"unknown comparator '{source_name}': add it under Comparators, or tick "
                        f"'Add the new comparators' (--create-sources) to add it as a {KIND_LABELS[kind]}",
                    )
                )
            elif key(source_name) not in new_sources:
                new_sources[key(source_name)] = NewSource(source_name, kind, row.number)

        period_kind, period_start, period_error = period_of(text["period"])
        if period_error:
            errors.append(RowError(row.number, heading("period"), period_error))

        value, written_as_percent, value_ok = None, False, True
        try:
            value, written_as_percent = read_value(text["value"])
        except cells.CellError as exc:
            errors.append(RowError(row.number, heading("value"), f"{exc} (write e.g. 48.2, 23% or n/a)"))
            value_ok = False

        stated_unit, unit_column = None, heading("value")
        unit_text = text.get("unit", "")
        if unit_text:
            try:
                stated_unit, unit_column = cells.parse_unit(unit_text), heading("unit")
            except cells.CellError as exc:
                errors.append(RowError(row.number, heading("unit"), str(exc)))
                value_ok = False
        if written_as_percent:
            if stated_unit not in (None, units.PERCENT):
                errors.append(
                    RowError(
                        row.number,
                        heading("value"),
                        f"'{text['value']}' is a percentage but the unit says {units.noun(stated_unit)}",
                    )
                )
                value_ok = False
            stated_unit, unit_column = units.PERCENT, heading("value")
        if indicator is not None and value_ok:
            errors.extend(RowError(row.number, unit_column, m) for m in unit_problems(indicator, value, stated_unit))

        note = text.get("note", "")
        if len(note) > 500:
            errors.append(RowError(row.number, heading("note"), f"the note is {len(note)} characters; at most 500"))

        if errors:
            result.errors.extend(errors)
            continue
        clean = ComparatorRow(
            number=row.number,
            indicator_id=indicator.id,
            indicator_code=indicator.code,
            source_name=source.name if source else source_name,
            source_id=source.id if source else None,
            period_kind=period_kind,
            period_start=period_start,
            value=value,
            note=note,
        )
        earlier = seen.get(clean.key)
        if earlier is not None:
            result.errors.append(
                RowError(row.number, "", f"rows {earlier} and {row.number} both give {clean.label}: keep one")
            )
            continue
        seen[clean.key] = row.number
        result.rows.append(clean)

    result.new_sources = list(new_sources.values())
    return result


def _memo(function):
    """`function` of a text, computed once per distinct text."""
    found = {}

    def lookup(text):
        if text not in found:
            found[text] = function(text)
        return found[text]

    return lookup


def _period_or_error(text: str) -> tuple[str | None, date | None, str]:
    try:
        kind, start = periods.parse_year_or_quarter(text)
    except periods.PeriodError as exc:
        return None, None, str(exc)
    return kind, start, ""


# --- The import ------------------------------------------------------------------------------------------


def lookups() -> dict:
    """What the parser needs from the database: indicators by code, sources by name and short name."""
    indicators = {
        cells.code_key(code): IndicatorRef(pk, code, unit)
        for pk, code, unit in Indicator.objects.values_list("pk", "code", "unit")
    }
    sources = {}
    for pk, name, short_name, kind in ComparatorSource.objects.values_list("pk", "name", "short_name", "kind"):
        ref = SourceRef(pk, name, kind)
        sources[key(name)] = ref
        if short_name:
            sources.setdefault(key(short_name), ref)
    return {"indicators": indicators, "sources": sources}


@dataclass
class Plan:
    """What an import writes: new sources, new values, changed values (with the existing row)."""

    new_sources: list[NewSource] = field(default_factory=list)
    create: list[ComparatorRow] = field(default_factory=list)
    update: list[tuple[ComparatorRow, int]] = field(default_factory=list)  # (row, existing value's pk)
    unchanged: int = 0

    @property
    def indicator_ids(self) -> list[int]:
        return sorted({r.indicator_id for r in self.create} | {r.indicator_id for r, _ in self.update})


def plan(parsed: Parsed, report: ImportReport) -> Plan:
    """Compare the clean rows with what is held, in one query, and record each change in the report."""
    result = Plan(new_sources=parsed.new_sources)
    for new in parsed.new_sources:
        report.add(CREATED, "comparator", new.name, new.kind_label, new.first_row)
    known = [r for r in parsed.rows if r.source_id is not None]
    existing = {}
    if known:
        for pk, indicator_id, source_id, kind, start, value, note in ComparatorValue.objects.filter(
            indicator_id__in={r.indicator_id for r in known},
            source_id__in={r.source_id for r in known},
            period_start__in={r.period_start for r in known},
        ).values_list("pk", "indicator_id", "source_id", "period_kind", "period_start", "value", "note"):
            existing[(indicator_id, source_id, kind, start)] = (pk, value, note)
    for row in parsed.rows:
        held = existing.get(row.key)
        if held is None:
            result.create.append(row)
            report.add(CREATED, "comparator value", row.label, _shown(row.value), row.number)
        elif _same(held[1], row.value) and held[2] == row.note:
            result.unchanged += 1
            report.add(UNCHANGED, "comparator value", row.label)
        else:
            result.update.append((row, held[0]))
            report.add(UPDATED, "comparator value", row.label, f"{_shown(held[1])} → {_shown(row.value)}", row.number)
    return result


def _shown(value: Decimal | None) -> str:
    return number_text(value) if value is not None else "no value"


def _same(stored: Decimal | None, new: Decimal | None) -> bool:
    if stored is None or new is None:
        return stored is None and new is None
    return stored == new
