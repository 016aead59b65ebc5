"""CSV and XLSX downloads of a table: header row plus rows of plain values.

User-supplied text is always written as text: in XLSX a string starting with
`=`, `+`, `-` or `@` is stored as a string cell (openpyxl would otherwise
write `=…` as a live formula), and in CSV such cells get a leading apostrophe
so spreadsheet programs do not evaluate them. Numbers stay numbers.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse

from kpiportal.sheets.table import number_text

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def inert_text(value: str) -> str:
    """Text a spreadsheet program will show, not evaluate: a leading apostrophe before `= + - @`, tab or CR."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return number_text(value)
    if isinstance(value, str):
        return inert_text(value)
    return value


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel then reads UTF-8


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence], *, title: str = "Export") -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Export")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def cell(value, header=False):
        if isinstance(value, Decimal):
            value = float(value)
        c = WriteOnlyCell(sheet, value=value if not isinstance(value, str) else None)
        if isinstance(value, str):
            c.value = value
            c.data_type = "s"  # text, never a formula
        elif isinstance(value, (date, datetime)):
            c.number_format = "yyyy-mm-dd"
        if header:
            c.font = bold
        return c

    sheet.append([cell(h, header=True) for h in headers])
    for row in rows:
        sheet.append([cell(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def download(
    filename: str, fmt: str, headers: Sequence[str], rows: Iterable[Sequence], *, title: str = ""
) -> HttpResponse:
    """An attachment response of the rows as CSV or XLSX (`fmt`)."""
    if fmt == XLSX:
        response = HttpResponse(xlsx_bytes(headers, rows, title=title or filename), content_type=XLSX_TYPE)
    else:
        fmt = CSV
        response = HttpResponse(csv_bytes(headers, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def set_cell(cell, value) -> None:
    """Put a value in an openpyxl cell (for workbooks built cell by cell): text stays text, never a formula."""
    if isinstance(value, Decimal):
        value = float(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True  # Excel keeps it as text when the cell is edited
