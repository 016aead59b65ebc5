"""XLSX workbooks: the zip checked and the sheet measured before calamine reads the values Excel saved.

The zip and the sheet's extent are checked by `kpiportal.sheets.workbook` and
`kpiportal.sheets.extent` before calamine opens the file, so calamine only
ever allocates a sheet within the limits. A formula cell with no saved value
is reported by cell; cells formatted as percentages read as shown.
"""

import io
import re
from datetime import date, datetime, time
from decimal import Decimal

import python_calamine
from defusedxml import ElementTree

from kpiportal.sheets.extent import SheetLimits
from kpiportal.sheets.table import (
    XLSX,
    Row,
    RowError,
    Table,
    TableError,
    clean_text,
    column_index,
    number_text,
    trim,
)
from kpiportal.sheets.workbook import MAIN_NS, choose_sheet, is_sheet_part, open_parts


def read_xlsx(data: bytes, *, sheet: str | None, limits: SheetLimits) -> Table:
    parts = open_parts(data, keep=_part_needed)
    chosen = choose_sheet(parts, sheet, limits)
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        values = workbook.get_sheet_by_name(chosen.name).to_python(skip_empty_area=False)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # calamine's own errors for damaged files, and its panics (a BaseException)
        if _out_of_memory(exc):
            raise MemoryError from None  # `isolated` answers with the limits message
        raise TableError(f"The workbook cannot be read: {exc}") from None

    sheet_xml = parts[chosen.part]
    missing = _formulas_without_values(sheet_xml)
    if missing:
        raise TableError(
            errors=[
                RowError(
                    row,
                    ref,
                    "this cell holds a formula with no saved value; the portal never calculates formulas: "
                    "open the file in Excel, save it, and upload it again (or paste the values)",
                )
                for ref, row in missing[:200]
            ]
        )
    percent_cells = _percent_cells(sheet_xml, _percent_styles(parts.get("xl/styles.xml", b"")))

    rows = []
    for r, cells in enumerate(values):
        texts = tuple(map(_cell_text, cells))
        percent_columns = percent_cells.get(r)
        if percent_columns:
            texts = tuple(
                _percent_text(value) if c in percent_columns else text
                for c, (value, text) in enumerate(zip(cells, texts, strict=True))
            )
        if any(texts):
            rows.append(Row(r + 1, trim(texts)))
    if not rows:
        raise TableError(f"The sheet '{chosen.name}' has no rows")
    return Table(tuple(rows), XLSX, chosen.name)


def _out_of_memory(exc: BaseException) -> bool:
    """A failed allocation under the reading child's memory limit, however calamine's bindings report it.

    Python's own is a MemoryError; a Python object the bindings could not allocate comes back as an error
    saying "PyObject pointer is null" (its type is not part of calamine's API, so the words are matched).
    """
    return isinstance(exc, MemoryError) or "pointer is null" in str(exc)


def _part_needed(name: str) -> bool:
    """The parts read for the extent, formula and number-format checks."""
    return name == "xl/styles.xml" or is_sheet_part(name)


_FORMULA_OPEN = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_OPEN = re.compile(rb"<(?:\w+:)?c\s[^>]*>")
_CELL_CLOSE = re.compile(rb"</(?:\w+:)?c>")
_VALUE = re.compile(rb"<(?:\w+:)?v>\s*[^<\s]")
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')


def _formulas_without_values(sheet_xml: bytes) -> list[tuple[str, int]]:
    """Cells holding a formula whose value Excel did not save: (reference, row)."""
    found = []
    for match in _FORMULA_OPEN.finditer(sheet_xml):
        window_start = max(0, match.start() - 1000)
        opens = list(_CELL_OPEN.finditer(sheet_xml, window_start, match.start()))
        if not opens:
            continue
        cell_open = opens[-1]
        close = _CELL_CLOSE.search(sheet_xml, match.end())
        body = sheet_xml[cell_open.end() : close.start() if close else len(sheet_xml)]
        if _VALUE.search(body):
            continue
        ref = _REF.search(cell_open.group(0))
        if ref:
            found.append((ref.group(1).decode() + ref.group(2).decode(), int(ref.group(2))))
    return found


_BUILTIN_PERCENT_FORMATS = {9, 10}


def _percent_styles(styles_xml: bytes) -> set[int]:
    """Indexes of the cell styles (`s="…"`) that show numbers as percentages."""
    if not styles_xml:
        return set()
    try:
        root = ElementTree.fromstring(styles_xml)
    except (ElementTree.ParseError, ValueError):  # unreadable styles: numbers as stored
        return set()
    percent_formats = set(_BUILTIN_PERCENT_FORMATS)
    for fmt in root.iter(f"{MAIN_NS}numFmt"):
        code = re.sub(r'"[^"]*"|\\.', "", fmt.get("formatCode", ""))
        if "%" in code:
            percent_formats.add(int(fmt.get("numFmtId", "-1")))
    styles = set()
    xfs = root.find(f"{MAIN_NS}cellXfs")
    if xfs is not None:
        for index, xf in enumerate(xfs.findall(f"{MAIN_NS}xf")):
            if int(xf.get("numFmtId", "0")) in percent_formats:
                styles.add(index)
    return styles


def _percent_cells(sheet_xml: bytes, styles: set[int]) -> dict[int, set[int]]:
    """Row → columns (0-based) of the cells formatted as percentages."""
    if not styles or not sheet_xml:
        return {}
    pattern = re.compile(rb'<(?:\w+:)?c\s[^>]*\bs="(?:' + b"|".join(str(s).encode() for s in styles) + rb')"[^>]*>')
    cells: dict[int, set[int]] = {}
    for match in pattern.finditer(sheet_xml):
        ref = _REF.search(match.group(0))
        if ref:
            cells.setdefault(int(ref.group(2)) - 1, set()).add(column_index(ref.group(1).decode()))
    return cells


def _cell_text(value) -> str:
    """A cell as text; the common types are tested first (this runs for every cell of a sheet)."""
    kind = type(value)
    if kind is str:
        return clean_text(value) if value else ""
    if kind is float:
        if value.is_integer():
            return str(int(value))
        text = repr(value)
        return text if "e" not in text else number_text(value)
    if value is None:
        return ""
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if kind is int:
        return str(value)
    if kind is datetime:
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if kind is date:
        return value.isoformat()
    return clean_text(str(value))


def _percent_text(value) -> str:
    if type(value) in (int, float):
        return number_text(Decimal(repr(float(value))) * 100) + "%"
    return _cell_text(value)
