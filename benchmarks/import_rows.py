"""Reading a comparator file row by row into clean rows or errors (the rules are in `benchmarks.imports`). Pure."""

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from benchmarks.imports import (
    COLUMNS,
    KIND_LABELS,
    KIND_WORDS,
    ComparatorRow,
    IndicatorRef,
    NewSource,
    Parsed,
    SourceRef,
    guess_kind,
    key,
    read_value,
    unit_problems,
)
from indicators import periods, units
from indicators.catalogue import cells
from kpiportal.sheets.columns import ColumnMap, map_columns
from kpiportal.sheets.table import Row, RowError, Table


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
    reader = _RowReader(columns, indicators, sources, create_sources)
    seen: dict[tuple, int] = {}
    for row in data:
        clean, errors = reader.read(row)
        if errors:
            result.errors.extend(errors)
            continue
        earlier = seen.get(clean.key)
        if earlier is not None:
            result.errors.append(
                RowError(row.number, "", f"rows {earlier} and {row.number} both give {clean.label}: keep one")
            )
            continue
        seen[clean.key] = row.number
        result.rows.append(clean)
    result.new_sources = list(reader.new_sources.values())
    return result


class _RowReader:
    """Reads one data row after another into a clean row or its errors, remembering the new sources met.

    Files of tens of thousands of rows repeat the same few codes, names and
    periods: each text is looked up once.
    """

    def __init__(self, columns: ColumnMap, indicators, sources, create_sources: bool):
        self.heading = columns.header_of
        self.positions = [(name, columns.positions.get(name, -1)) for name in (c.name for c in COLUMNS)]
        self.create_sources = create_sources
        self.new_sources: dict[str, NewSource] = {}
        self.indicator_of = _memo(lambda code: indicators.get(cells.code_key(code)))
        self.source_of = _memo(lambda name: sources.get(key(name)))
        self.period_of = _memo(_period_or_error)

    def read(self, row: Row) -> tuple[ComparatorRow | None, list[RowError]]:
        row_cells, width = row.cells, len(row.cells)
        text = {name: row_cells[i] if 0 <= i < width else "" for name, i in self.positions}
        errors: list[RowError] = []
        indicator = self._indicator(row, text, errors)
        source_name, source = self._source(row, text, errors)
        period_kind, period_start, period_error = self.period_of(text["period"])
        if period_error:
            errors.append(RowError(row.number, self.heading("period"), period_error))
        value = self._value(row, text, indicator, errors)
        note = text.get("note", "")
        if len(note) > 500:
            errors.append(
                RowError(row.number, self.heading("note"), f"the note is {len(note)} characters; at most 500")
            )
        if errors:
            return None, errors
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
        return clean, []

    def _indicator(self, row: Row, text: dict, errors: list[RowError]) -> IndicatorRef | None:
        code = text["indicator_code"]
        indicator = self.indicator_of(code) if code else None
        if not code:
            errors.append(RowError(row.number, self.heading("indicator_code"), "the indicator code is blank"))
        elif indicator is None:
            errors.append(RowError(row.number, self.heading("indicator_code"), f"unknown indicator code '{code}'"))
        return indicator

    def _source(self, row: Row, text: dict, errors: list[RowError]) -> tuple[str, SourceRef | None]:
        """The comparator named; an unknown one is an error, or a new source when the import may create them."""
        source_name = " ".join(text["comparator"].split())
        source = self.source_of(source_name) if source_name else None
        if not source_name:
            errors.append(RowError(row.number, self.heading("comparator"), "the comparator is blank"))
        elif source is None:
            kind_text = text.get("kind", "")
            kind = KIND_WORDS.get(key(kind_text)) if kind_text else guess_kind(source_name)
            if kind is None:
                errors.append(
                    RowError(
                        row.number,
                        self.heading("kind"),
                        f"unknown kind '{kind_text}' (use average, region, national or authority)",
                    )
                )
            elif not self.create_sources:
                errors.append(
                    RowError(
                        row.number,
                        self.heading("comparator"),
                        f"unknown comparator '{source_name}': add it under Comparators, or tick "
                        f"'Add the new comparators' (--create-sources) to add it as a {KIND_LABELS[kind]}",
                    )
                )
            elif key(source_name) not in self.new_sources:
                self.new_sources[key(source_name)] = NewSource(source_name, kind, row.number)
        return source_name, source

    def _value(self, row: Row, text: dict, indicator: IndicatorRef | None, errors: list[RowError]) -> Decimal | None:
        """The value, checked against the unit stated (the unit column, or a % sign) and the indicator's unit."""
        heading = self.heading
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
        return value


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
