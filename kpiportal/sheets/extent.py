"""How far a worksheet reaches, measured from its XML before calamine sees the workbook.

calamine builds a sheet as one rectangle from A1 to the furthest cell, so a
file of a few hundred bytes with cells at A1 and XFD1048576 would make it
allocate half a terabyte and abort the process. The sheet XML is streamed
with expat (one element at a time, nothing kept) and the sheet is refused as
soon as it passes a limit: its declared `<dimension ref>`, the furthest row
(`<row r>`) and column of any cell (`<c r>`; a cell or row without `r` takes
the next position, as Excel reads it), the rectangle from A1 to that corner,
and the number of cells written. A document type declaration is refused, so
no entity can expand. (defusedxml's streaming parser is pure Python and five
times slower on a 30,000-row sheet; expat with the declaration refused is as
safe for this count.)
"""

import re
from dataclasses import dataclass
from xml.parsers import expat

from kpiportal.sheets.table import TableError, column_index, column_letter

_REF = re.compile(r"\$?([A-Za-z]+)\$?([0-9]+)")
_FEED = 1 << 20
ENTITY_REFUSED = (
    "The workbook declares an XML entity (a document type), which no spreadsheet does and the portal never expands"
)
_FAR = 1 << 62  # a reference too long to be worth a number (beyond XFD, a billion rows)


@dataclass(frozen=True)
class SheetLimits:
    """The furthest row and column a sheet may reach, and the most cells its rectangle from A1 may hold."""

    rows: int
    columns: int
    cells: int

    def describe(self) -> str:
        return f"at most {self.rows:,} rows and {self.columns:,} columns ({self.cells:,} cells in all)"


class _Passed(Exception):
    def __init__(self, message: str):
        self.message = message


class _Measure:
    """The expat handler: where the current row and cell are, and the furthest reached.

    It runs for every element of the sheet, so the common case (a cell
    within the limits) takes one dictionary look-up and a few comparisons.
    """

    def __init__(self, sheet: str, limits: SheetLimits):
        self.sheet, self.limits = sheet, limits
        self.row = self.column = self.cells = 0
        self.top_row = self.top_column = 0  # the furthest row and column of any cell: the reader fills A1 to both
        self.empty_row = 0  # a row past the limits with no cell yet: refused at the next row or the end
        self.columns: dict[str, int] = {}  # column letters already seen → column number

    def start(self, name: str, attrs: dict) -> None:
        if name == "c" or name.endswith(":c"):
            self.cells += 1
            ref = attrs.get("r")
            if ref:
                self.column, row = self._position(ref)
            else:
                self.column, row = self.column + 1, self.row
            if row > self.top_row:
                self.top_row = row
            if self.column > self.top_column:
                self.top_column = self.column
            limits = self.limits
            if row > limits.rows or self.column > limits.columns or self.top_row * self.top_column > limits.cells:
                self._reach(row, self.column)
                self._reach(self.top_row, self.top_column, spanned=True)
            if self.cells > limits.cells:
                raise _Passed(f"Sheet '{self.sheet}' holds more than {limits.cells:,} cells")
        elif name == "row" or name.endswith(":row"):
            self.close()
            ref = attrs.get("r", "")
            self.row = _number(ref, self.sheet) if ref else self.row + 1
            self.column = 0
            if self.row > self.limits.rows:
                self.empty_row = self.row
        elif name == "dimension" or name.endswith(":dimension"):
            last = attrs.get("ref", "").rpartition(":")[2]
            if last:
                column, row = self._position(last)
                self._reach(row, column, declared=True)

    def close(self) -> None:
        """A row past the limit with no cell (a cell would have been named) is named by its number."""
        if self.empty_row:
            where = f"row {self.empty_row:,}" if self.empty_row < _FAR else "beyond row 1,048,576"
            raise _Passed(f"Sheet '{self.sheet}' reaches {where}")

    def _position(self, ref: str) -> tuple[int, int]:
        match = _REF.fullmatch(ref)
        if match is None:
            raise TableError(f"The workbook is damaged: sheet '{self.sheet}' has a cell '{ref[:20]}' that is not one")
        letters, digits = match.groups()
        column = self.columns.get(letters)
        if column is None:
            # Beyond XFD (three letters) or a billion rows is past any limit: not worth turning into a number.
            column = column_index(letters.upper()) + 1 if len(letters) <= 3 else _FAR
            self.columns[letters] = column
        return column, int(digits) if len(digits) <= 9 else _FAR

    def _reach(self, row: int, column: int, *, declared: bool = False, spanned: bool = False) -> None:
        limits = self.limits
        if row <= limits.rows and column <= limits.columns and row * column <= limits.cells:
            return
        cell = f"{column_letter(column - 1)}{row}" if column < _FAR and row < _FAR else "beyond XFD1048576"
        if declared:
            what = f"declares its range as reaching {cell}"
        elif spanned:
            what = f"has cells spanning A1:{cell}"
        else:
            what = f"reaches cell {cell}"
        raise _Passed(f"Sheet '{self.sheet}' {what}")


def check_extent(sheet_xml: bytes, sheet: str, limits: SheetLimits) -> None:
    """Refuse a sheet that reaches beyond `limits`, naming the cell, before it is read."""
    measure = _Measure(sheet, limits)
    parser = expat.ParserCreate()
    parser.StartElementHandler = measure.start
    parser.StartDoctypeDeclHandler = _refuse_doctype
    try:
        for offset in range(0, len(sheet_xml), _FEED):
            parser.Parse(sheet_xml[offset : offset + _FEED], False)
        parser.Parse(b"", True)
        measure.close()
    except _Passed as passed:
        raise TableError(
            f"{passed.message}: the portal reads {limits.describe()}. Delete the rows and columns beyond your "
            "table (or copy the table into a new workbook), save it and upload it again"
        ) from None
    except expat.ExpatError as error:
        raise TableError(f"The workbook is damaged: sheet '{sheet}' is not readable XML ({error})") from None


def _number(text: str, sheet: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise TableError(f"The workbook is damaged: sheet '{sheet}' has a row '{text[:20]}' that is not a number")
    return int(text) if len(text) <= 9 else _FAR


def _refuse_doctype(*_args) -> None:
    raise TableError(ENTITY_REFUSED)
