"""CSV and XLSX exports of the returns tables, and text cells that spreadsheets never run as formulas.

A cell that starts with `= + - @` is written as text: in XLSX as a string cell
with Excel's quote prefix (openpyxl would otherwise store `=…` as a live
formula), in CSV with a leading apostrophe unless it is a plain number.
"""

import csv
import io
import re

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def set_text(cell, value) -> None:
    """Put `value` in an openpyxl cell; text that looks like a formula stays text."""
    cell.value = value
    if is_formula_like(value):
        cell.data_type = "s"
        cell.quotePrefix = True


def csv_safe(value) -> str:
    text = "" if value is None else str(value)
    if is_formula_like(text) and not _NUMBER.match(text):
        return "'" + text
    return text


def rows_to_csv(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def rows_to_xlsx(rows, *, title: str = "Export") -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    for index, row in enumerate(rows):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet)
            set_text(cell, value)
            if index == 0:
                cell.font = bold
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table_response(table, fmt: str, filename: str) -> HttpResponse:
    """A django-tables2 table as a CSV or XLSX download (its `value_*` texts, checkbox columns left out)."""
    rows = list(table.as_values())
    content = rows_to_xlsx(rows, title=filename) if fmt == "xlsx" else rows_to_csv(rows)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
