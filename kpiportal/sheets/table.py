"""The table every import reads: rows of stripped text cells, each with its number in the file, and its errors.

`RowError` names a problem by row (as numbered in the file) and column;
`TableError` is a file that cannot be read as a table at all.
"""

from dataclasses import dataclass
from decimal import Decimal

XLSX = "xlsx"
CSV = "csv"
TSV = "tsv"


@dataclass(frozen=True)
class RowError:
    """One problem with the input: its row (as numbered in the file), its column, and why.

    `row` is None for a problem with the file as a whole; `column` is the
    header as written in the file (or a cell reference such as `C4`), blank
    when the problem is not in one column.
    """

    row: int | None
    column: str
    reason: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"Row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason

    @property
    def sort_key(self) -> tuple:
        return (self.row is not None, self.row or 0, self.column, self.reason)


class TableError(Exception):
    """A file that cannot be read as a table: wrong format, too large, damaged, formulas without values."""

    def __init__(self, reason: str = "", *, row: int | None = None, column: str = "", errors=None):
        self.errors: list[RowError] = list(errors or [RowError(row, column, reason)])
        super().__init__("; ".join(str(e) for e in self.errors))

    def __reduce__(self):  # kept in the cache and sent back by the reading child: the errors, not just the text
        return (_rebuild_error, (type(self), self.errors))

    @property
    def row(self) -> int | None:
        return self.errors[0].row

    @property
    def column(self) -> str:
        return self.errors[0].column

    @property
    def reason(self) -> str:
        return self.errors[0].reason


def _rebuild_error(cls: type[TableError], errors: list[RowError]) -> TableError:
    return cls(errors=errors)


class MissingSheet(TableError):
    """A sound workbook without the sheet asked for."""


@dataclass(frozen=True)
class Row:
    """One non-blank row: its number in the file and its cells as stripped text."""

    number: int
    cells: tuple[str, ...]

    def __getitem__(self, index: int) -> str:
        return self.cells[index] if 0 <= index < len(self.cells) else ""

    def __len__(self) -> int:
        return len(self.cells)

    def __iter__(self):
        return iter(self.cells)

    @property
    def filled(self) -> list[tuple[int, str]]:
        """(position, text) of the cells that are not blank."""
        return [(i, c) for i, c in enumerate(self.cells) if c]


@dataclass(frozen=True)
class Table:
    rows: tuple[Row, ...]
    format: str
    sheet: str = ""

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def format_label(self) -> str:
        return {XLSX: "Excel workbook (XLSX)", CSV: "CSV", TSV: "tab-separated text"}[self.format]


def column_index(letters: str) -> int:
    """0-based index of a column letter: A → 0, AA → 26."""
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def column_letter(index: int) -> str:
    """Column letter of a 0-based index: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def number_text(value: float | int | Decimal) -> str:
    """The shortest exact text of a number: 16.0 → '16', 0.1 → '0.1', 2676 → '2676'."""
    if isinstance(value, float):
        value = Decimal(repr(value))
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


def clean_text(value: str) -> str:
    if "\r" in value:
        value = value.replace("\r\n", "\n")
    return value.strip()


def trim(cells: tuple[str, ...]) -> tuple[str, ...]:
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end]
