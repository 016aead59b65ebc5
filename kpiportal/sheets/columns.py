"""Headers: which column of a file is which, whatever its case, spacing or punctuation, and what is wrong with them."""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from kpiportal.sheets.table import Row, RowError, column_letter


def normalise_header(text: str) -> str:
    """Case, space and punctuation do not matter: 'Indicator code', 'indicator_code', 'INDICATOR-CODE' match."""
    return re.sub(r"[^0-9a-z]+", "", str(text).casefold())


@dataclass(frozen=True)
class Column:
    """A column an import understands: its name, other headers that mean it, and whether it must be there."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False

    def header_keys(self) -> set[str]:
        return {normalise_header(self.name), *(normalise_header(a) for a in self.aliases)}


@dataclass
class ColumnMap:
    """Where each known column is in the file, and what is wrong with the header row."""

    header: Row
    positions: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return name in self.positions

    def header_of(self, name: str) -> str:
        """The column's header as written in the file (for error messages)."""
        if name in self.positions:
            return self.header[self.positions[name]] or name
        return name

    def values(self, row: Row) -> dict[str, str]:
        """The row's text by column name; columns the file does not have read as blank."""
        return {name: row[index] for name, index in self.positions.items()}


def map_columns(header: Row, columns: Sequence[Column], *, data_rows: Sequence[Row] = ()) -> ColumnMap:
    """Match a header row to the columns an import knows.

    Refuses (as errors on the header row) columns it cannot map, naming them,
    required columns that are missing, two headers meaning the same column,
    and values under a blank header.
    """
    lookup: dict[str, str] = {}
    for column in columns:
        for key in column.header_keys():
            lookup[key] = column.name
    mapping = ColumnMap(header)
    unknown = []
    for index, text in enumerate(header.cells):
        if not text:
            if any(row[index] for row in data_rows):
                mapping.errors.append(
                    RowError(header.number, column_letter(index), "this column has values but no header")
                )
            continue
        name = lookup.get(normalise_header(text))
        if name is None:
            unknown.append(text)
            continue
        if name in mapping.positions:
            mapping.errors.append(
                RowError(header.number, text, f"'{mapping.header_of(name)}' and '{text}' are the same column")
            )
            continue
        mapping.positions[name] = index
    known = ", ".join(c.name for c in columns)
    for text in unknown:
        mapping.errors.append(RowError(header.number, text, f"unknown column '{text}'; the columns are: {known}"))
    for column in columns:
        if column.required and column.name not in mapping.positions:
            mapping.errors.append(
                RowError(header.number, column.name, f"the required column '{column.name}' is missing")
            )
    return mapping
