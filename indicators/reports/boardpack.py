"""The board pack: one XLSX with a sheet per scorecard layout, ready to print for the board.

Written with openpyxl in write-only mode from the same rows and layouts as the
pages (`indicators.reports.rows`, `indicators.reports.layouts`): RAG cells filled and
worded, arrows with words, numbers as numbers with the unit's format (85.5
shown as 85.5%), header rows and the code/title columns frozen, landscape A3
fitted to the page width with the headers repeated on every printed page.
Every string is written as text, so a title starting `=`, `+`, `-`, `@`, a tab
or a carriage return is never a formula.
"""

import io
from copy import copy
from dataclasses import dataclass

from django.conf import settings
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from indicators import formatting, periods
from indicators.reports.layouts import CHANGE, FIGURE, MOVEMENT, RAG, RATING, Column
from indicators.reports.rows import ScorecardRow

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The same colours as the pages (static_src/portal.scss), as spreadsheet fills and fonts.
RAG_FILLS = {
    "green": ("CCE2D8", "005A30"),
    "amber": ("FFF7BF", "594D00"),
    "red": ("F4CDC6", "942514"),
    "persistent_red": ("942514", "FFFFFF"),
    "grey": ("E5E6E7", "282D30"),
}
MOVEMENT_FONTS = {True: "005A30", False: "942514", None: "505A5F"}


@dataclass
class Sheet:
    """One sheet: a title, a heading line, the layout, and rows in groups (a theme each, or one unnamed)."""

    title: str
    heading: str
    columns: list[Column]
    groups: list[tuple[str, list[ScorecardRow]]]
    frozen_columns: int = 2  # code and title stay in view


class _Styles:
    def __init__(self):
        thin = Side(style="thin", color="B1B4B6")
        self.border = Border(bottom=thin)
        self.title = Font(bold=True, size=14)
        self.header = Font(bold=True, color="FFFFFF")
        self.header_fill = PatternFill(fill_type="solid", fgColor="0B0C0C")
        self.group = Font(bold=True, size=12)
        self.group_fill = PatternFill(fill_type="solid", fgColor="F3F2F1")
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.top = Alignment(vertical="top")
        self.right = Alignment(horizontal="right", vertical="top")
        self.rag_fills = {k: PatternFill(fill_type="solid", fgColor=fill) for k, (fill, _) in RAG_FILLS.items()}
        self.rag_fonts = {k: Font(bold=True, color=font) for k, (_, font) in RAG_FILLS.items()}
        self.movement_fonts = {k: Font(color=colour) for k, colour in MOVEMENT_FONTS.items()}
        self.formats: dict[tuple[str, str, int], str] = {}
        self._records: dict[tuple, object] = {}

    def apply(self, cell: WriteOnlyCell, style: dict) -> WriteOnlyCell:
        """Give the cell its look. Setting font, fill and alignment cell by cell makes openpyxl hash the
        style objects every time; cells that look alike share one style record, copied from the first.
        The records belong to this workbook (they index its style tables)."""
        if not style:
            return cell
        key = tuple(sorted((name, id(setting)) for name, setting in style.items()))
        record = self._records.get(key)
        if record is None:
            for name, setting in style.items():
                setattr(cell, name, setting)
            self._records[key] = copy(cell._style)
        else:
            cell._style = copy(record)
        return cell

    def number_format(self, kind: str, unit: str, decimals: int) -> str:
        key = (kind, unit, decimals)
        found = self.formats.get(key)
        if found is None:
            if kind == CHANGE:
                found = formatting.excel_change_format(unit, decimals)
            else:
                found = formatting.excel_number_format(unit, decimals)
            self.formats[key] = found
        return found


def _text(sheet, styles: "_Styles", value: str, **style) -> WriteOnlyCell:
    """A string cell that is always text, never a formula."""
    cell = WriteOnlyCell(sheet, value=None)
    cell.value = value
    cell.data_type = "s"
    return styles.apply(cell, style)


def _write_sheet(workbook: Workbook, spec: Sheet, styles: _Styles) -> None:
    sheet = workbook.create_sheet(title=spec.title[:31])
    columns = spec.columns
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = f"{get_column_letter(spec.frozen_columns + 1)}3"
    sheet.print_title_rows = "1:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A3
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.gridLines = False
    sheet.oddFooter.center.text = "&P of &N"
    sheet.oddHeader.left.text = f"{settings.COUNCIL_NAME} — {spec.heading}"

    sheet.append([_text(sheet, styles, spec.heading, font=styles.title)])
    sheet.append(
        [
            _text(sheet, styles, c.header, font=styles.header, fill=styles.header_fill, alignment=styles.wrap)
            for c in columns
        ]
    )
    for group, rows in spec.groups:
        if group:
            sheet.append([_text(sheet, styles, group, font=styles.group, fill=styles.group_fill)])
        for row in rows:
            sheet.append([_cell(sheet, column, row, styles) for column in columns])


def _cell(sheet, column: Column, row: ScorecardRow, styles: _Styles) -> WriteOnlyCell:
    cell = column.cell(row)
    if cell.kind in (FIGURE, CHANGE):
        if cell.not_available:
            return _text(sheet, styles, "NA", alignment=styles.right)
        if cell.value is None:
            return WriteOnlyCell(sheet, value=None)
        if cell.period_label:  # a figure of another year than its column's: the year is written beside it
            return _text(sheet, styles, cell.text, alignment=styles.right)
        out = WriteOnlyCell(sheet, value=float(cell.value))
        number_format = styles.number_format(cell.kind, cell.unit, cell.decimals)
        return styles.apply(out, {"number_format": number_format, "alignment": styles.top})
    if cell.kind in (RAG, RATING):
        if not cell.group:
            return WriteOnlyCell(sheet, value=None)
        fill, font = styles.rag_fills[cell.group], styles.rag_fonts[cell.group]
        return _text(sheet, styles, cell.text, fill=fill, font=font, alignment=styles.top)
    if cell.kind == MOVEMENT:
        return _text(sheet, styles, cell.text, font=styles.movement_fonts[cell.improving], alignment=styles.top)
    text = cell.text
    return _text(sheet, styles, text, alignment=styles.wrap if column.width >= 40 else styles.top)


def workbook_bytes(sheets: list[Sheet]) -> bytes:
    workbook = Workbook(write_only=True)
    styles = _Styles()
    for spec in sheets:
        _write_sheet(workbook, spec, styles)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def filename(kind: str, period) -> str:
    return f"{kind}-{periods.iso_month(period)}.xlsx"
