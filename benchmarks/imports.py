"""Comparator imports (PRODUCT §5, §8): a file of comparator values → rows to write, or errors.

Pure: the parser is given the catalogue's indicators and the comparator sources
as plain lookups and never touches the database; `benchmarks.services
.comparator_values_import` writes a clean result in one transaction.

The long form has a header row and these columns, in any order:

    indicator_code, comparator, period, value, note   (+ optional unit, kind)

- `period` is a financial year (`2019/20`) or a quarter (`2020/21 Q3`),
  read by `indicators.periods.parse_year_or_quarter`; a bare `2019` is refused.
- `value`: `48.2`, `2,676`, `23%` (the `%` is stripped); `n/a`, `NA`, `x`,
  `c`, `-`, `..` or blank mean "no value" (stored as no value, with the note).
- The unit of a comparator value is known, in this order, from the optional
  `unit` column (`%`, `rate per 10,000`, `count`, `average`, `days`), from a
  `%` on the value (a percentage), and otherwise it is taken to be the
  indicator's own unit. A value whose known unit is not the indicator's is
  refused ("a count cannot be compared with a rate per 10,000"); so is a value
  impossible in the unit (a percentage over 100, a negative figure), by the
  unit rules of `returns.validation`.
- `comparator` names a source by its name or short name (`Statistical
  neighbours` or `SN`), case and spacing ignored. An unknown name is an error
  unless the caller asks for new sources to be created (the web confirm
  checkbox, `--create-sources`); a new source's kind comes from the optional
  `kind` column or is guessed from its name (`England` → national,
  `South East` → region, `SN` → average, anything else → named authority) and
  is shown in the preview before anything is written.
- Two rows for the same indicator, comparator and period are refused, naming both rows.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from indicators import periods
from kpiportal.tabular import Column, RowError, Table, TableError, map_columns
from returns import validation

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
    Column("indicator_code", aliases=("indicator", "code", "kpi", "measure code"), required=True),
    Column("comparator", aliases=("source", "comparator source", "benchmark", "comparator name"), required=True),
    Column("period", aliases=("year", "financial year", "quarter"), required=True),
    Column("value", aliases=("figure", "comparator value"), required=True),
    Column("note", aliases=("notes", "comment", "source note")),
    Column("unit", aliases=("units",)),
    Column("kind", aliases=("comparator kind", "source kind", "type")),
)

NO_VALUE = frozenset({"", "n/a", "na", "n.a.", "x", "c", "-", "–", "..", ":", "none", "null"})
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")

UNIT_WORDS = {
    "%": validation.PERCENT,
    "percent": validation.PERCENT,
    "percentage": validation.PERCENT,
    "pct": validation.PERCENT,
    "rate": validation.RATE_PER_10K,
    "rateper10000": validation.RATE_PER_10K,
    "rateper10k": validation.RATE_PER_10K,
    "per10000": validation.RATE_PER_10K,
    "per10k": validation.RATE_PER_10K,
    "count": validation.COUNT,
    "number": validation.COUNT,
    "no": validation.COUNT,
    "average": "average",
    "mean": "average",
    "days": "days",
}

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

# English regions as published comparators name them; anything named like these is a regional average.
_REGIONS = (
    "northeast",
    "northwest",
    "yorkshireandthehumber",
    "yorkshire",
    "eastmidlands",
    "westmidlands",
    "eastofengland",
    "london",
    "innerlondon",
    "outerlondon",
    "southeast",
    "southwest",
    "se",
    "sw",
    "ne",
    "nw",
)


def key(text: str) -> str:
    """How names and words are matched: case, spaces and punctuation do not matter."""
    return re.sub(r"[^0-9a-z%]+", "", str(text).casefold())


def code_key(text: str) -> str:
    """How indicator codes are matched: case and spacing do not matter ('cp5' is 'CP 5')."""
    return re.sub(r"\s+", "", str(text).casefold())


def guess_kind(name: str) -> str:
    """The kind of a new comparator source, from its name."""
    k = key(name)
    if k in ("sn", "statneighbours") or "neighbour" in k:
        return AVERAGE
    if k in ("eng", "england", "national", "englandaverage", "nationalaverage"):
        return NATIONAL
    if k in _REGIONS or "region" in k or any(k.startswith(r) and len(r) > 2 for r in _REGIONS):
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
    def key(self) -> tuple:
        source = self.source_id if self.source_id is not None else key(self.source_name)
        return (self.indicator_id, source, self.period_kind, self.period_start)

    @property
    def period_label(self) -> str:
        return periods.year_or_quarter_label(self.period_kind, self.period_start)


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

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_value(text: str) -> tuple[Decimal | None, bool]:
    """(value, written as a percentage) from a cell; raises ValueError with the reason."""
    cleaned = text.strip()
    if cleaned.casefold() in NO_VALUE:
        return None, False
    percent = cleaned.endswith("%")
    if percent:
        cleaned = cleaned[:-1].strip()
    if _THOUSANDS.match(cleaned):
        cleaned = cleaned.replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"'{text}' is not a number (write e.g. 48.2, 23% or n/a)") from None
    if not value.is_finite():
        raise ValueError(f"'{text}' is not a number (write e.g. 48.2, 23% or n/a)")
    return value, percent


def unit_problems(indicator: IndicatorRef, value: Decimal | None, stated_unit: str | None) -> list[str]:
    """Why a comparator value cannot stand beside this indicator: another unit, or impossible in its unit."""
    if stated_unit is not None and stated_unit != indicator.unit:
        return [
            f"{validation.UNIT_WORDS.get(stated_unit, stated_unit)} cannot be compared with {indicator.code}, "
            f"which is {validation.UNIT_WORDS.get(indicator.unit, indicator.unit)}"
        ]
    if value is None:
        return []
    # A comparator is often an average of councils: a count's comparator need not be whole (only not negative).
    checked_unit = indicator.unit
    if indicator.unit == validation.COUNT and value >= 0:
        checked_unit = "average"
    return [f"{p.message} for {indicator.code}" for p in validation.validate_value_for_unit(checked_unit, value)]


def parse_comparators(
    table: Table,
    *,
    indicators: Mapping[str, IndicatorRef],
    sources: Mapping[str, SourceRef],
    create_sources: bool = False,
) -> Parsed:
    """Check every row of `table` and return the clean rows, or every error found.

    `indicators` maps `code_key(code)` to the indicator; `sources` maps
    `key(name)` and `key(short name)` to the source.
    """
    result = Parsed()
    if not table.rows:
        result.errors.append(RowError(None, "", "The file has no rows"))
        return result
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
    for row in data:
        cells = columns.values(row)
        errors: list[RowError] = []

        code = cells["indicator_code"]
        indicator = indicators.get(code_key(code)) if code else None
        if not code:
            errors.append(RowError(row.number, heading("indicator_code"), "the indicator code is blank"))
        elif indicator is None:
            errors.append(RowError(row.number, heading("indicator_code"), f"unknown indicator code '{code}'"))

        source_name = " ".join(cells["comparator"].split())
        source = sources.get(key(source_name)) if source_name else None
        if not source_name:
            errors.append(RowError(row.number, heading("comparator"), "the comparator is blank"))
        elif source is None:
            kind_text = cells.get("kind", "")
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

        period_kind = period_start = None
        try:
            period_kind, period_start = periods.parse_year_or_quarter(cells["period"])
        except periods.PeriodError as exc:
            errors.append(RowError(row.number, heading("period"), str(exc)))

        value = None
        try:
            value, written_as_percent = parse_value(cells["value"])
        except ValueError as exc:
            errors.append(RowError(row.number, heading("value"), str(exc)))
            written_as_percent = False

        stated_unit = None
        unit_text = cells.get("unit", "")
        if unit_text:
            stated_unit = UNIT_WORDS.get(key(unit_text))
            if stated_unit is None:
                errors.append(
                    RowError(
                        row.number,
                        heading("unit"),
                        f"unknown unit '{unit_text}' (use %, rate per 10,000, count, average or days)",
                    )
                )
        if written_as_percent:
            if stated_unit not in (None, validation.PERCENT):
                errors.append(
                    RowError(
                        row.number,
                        heading("value"),
                        f"'{cells['value']}' is a percentage but the unit says {validation.UNIT_WORDS[stated_unit]}",
                    )
                )
            stated_unit = validation.PERCENT
        if indicator is not None:
            column = heading("unit") if unit_text and stated_unit != validation.PERCENT else heading("value")
            for message in unit_problems(indicator, value, stated_unit):
                errors.append(RowError(row.number, column, message))

        note = cells.get("note", "")
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
                RowError(
                    row.number,
                    "",
                    f"rows {earlier} and {row.number} both give {clean.indicator_code} {clean.source_name} "
                    f"{clean.period_label}: keep one",
                )
            )
            continue
        seen[clean.key] = row.number
        result.rows.append(clean)

    result.new_sources = list(new_sources.values())
    result.errors.sort(key=lambda e: e.sort_key)
    return result


def read_and_parse(read, **lookups) -> Parsed:
    """Read a file with `read()` (a `kpiportal.tabular` reader) and parse it.

    A file that cannot be read as a table comes back as its errors.
    """
    try:
        table = read()
    except TableError as exc:
        return Parsed(errors=list(exc.errors))
    return parse_comparators(table, **lookups)
