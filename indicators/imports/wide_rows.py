"""One indicator row of a wide scorecard: its figures, catalogue words, targets and the columns not imported. Pure."""

from indicators.catalogue import cells
from indicators.imports.wide_headings import (
    ANNUAL,
    DEFINITION,
    EXTRA,
    MONTH,
    POLARITY,
    PRINTED_KINDS,
    QUARTER,
    RO,
    TARGET,
    TOLERANCE,
    WORD_FIELDS,
    YTD,
    Label,
)
from indicators.imports.wide_sheet import PrintedCell, WideFigure, WidePeriodFigure, WideRow, WideSheet, WideTarget
from kpiportal.sheets.table import Row, RowError


def parse_row(row: Row, labels: dict[int, Label], code_col, title_col, default_year, errors) -> WideRow:
    code = row[code_col] if code_col is not None else ""
    title_text = row[title_col] if title_col is not None else ""
    title, status = cells.status_from_title(title_text)
    parsed = WideRow(
        row=row.number,
        code=code,
        title=title,
        code_column=labels[code_col].text if code_col is not None else "",
        title_column=labels[title_col].text if title_col is not None else "",
    )
    if status:
        parsed.fields["status"] = status
    tolerance_text, tolerance_column = "", ""
    targets: list[tuple[Label, str]] = []
    for c, label in labels.items():
        text = row[c]
        kind = label.kind
        if kind == MONTH:
            if not text:
                continue
            parsed.value_texts.append(text)
            try:
                value, not_available = cells.parse_figure(text)
            except cells.CellError as exc:
                errors.append(RowError(row.number, label.text, str(exc)))
                continue
            parsed.figures.append(WideFigure(label.period, value, not_available, label.text))
        elif kind == POLARITY:
            try:
                parsed.fields["polarity"] = cells.parse_polarity(text)
            except cells.CellError as exc:
                errors.append(RowError(row.number, label.text, str(exc)))
        elif kind == DEFINITION:
            if text and text not in ("-", "–"):
                parsed.fields["definition"] = text
        elif kind == RO:
            if text and not cells.is_not_available(text):
                parsed.responsible_officer, parsed.ro_column = text, label.text
        elif kind == TARGET:
            targets.append((label, text))
        elif kind == TOLERANCE:
            tolerance_text, tolerance_column = text, label.text
        elif kind == YTD:
            if text and default_year is not None and (label.year or default_year) == default_year:
                parsed.printed[YTD] = PrintedCell(text, label.text)  # the latest year's, for the check
            if text and not cells.is_not_available(text) and label.year is not None:
                try:
                    parsed.year_to_date[label.year] = cells.parse_number(text)
                except cells.CellError:
                    parsed.extras[label.text] = text
        elif kind in WORD_FIELDS:
            if text:
                _word_field(parsed, kind, text, label, row, errors)
        elif kind in PRINTED_KINDS:
            if text:
                parsed.printed[kind] = PrintedCell(text, label.text)
        elif kind in (QUARTER, ANNUAL):
            if text and label.period is not None:
                try:
                    value, not_available = cells.parse_figure(text)
                except cells.CellError as exc:
                    errors.append(RowError(row.number, label.text, str(exc)))
                    continue
                parsed.period_figures.append(WidePeriodFigure(kind, label.period, value, not_available, label.text))
        elif kind == EXTRA and text:
            parsed.extras[label.text] = text
    for label, text in targets:
        year = label.year if label.year is not None else default_year
        if year is None or not (text or tolerance_text):
            continue
        try:
            value, not_available = cells.parse_figure(text)
        except cells.CellError as exc:
            errors.append(RowError(row.number, label.text, f"the target {exc}"))
            continue
        if value is None and not not_available and not tolerance_text:
            continue
        parsed.targets.append(
            WideTarget(year, value, not_available or value is None, label.text, tolerance_text, tolerance_column)
        )
    return parsed


def _word_field(parsed: WideRow, kind: str, text: str, label: Label, row: Row, errors) -> None:
    readers = {
        "unit": cells.parse_unit,
        "status": cells.parse_status,
        "is_key": cells.parse_bool,
        "frequency": cells.parse_frequency,
        "measure": cells.parse_measure,
    }
    if kind in ("theme", "service_area"):
        parsed.fields[kind] = text
        return
    try:
        parsed.fields[kind] = readers[kind](text)
    except cells.CellError as exc:
        errors.append(RowError(row.number, label.text, str(exc)))


def check_duplicates(sheet: WideSheet) -> None:
    seen: dict[str, int] = {}
    for row in sheet.rows:
        key = cells.code_key(row.code) if row.code else "title:" + cells.title_key(row.title)
        if key in seen:
            column = row.code_column if row.code else row.title_column
            sheet.errors.append(
                RowError(
                    row.row,
                    column,
                    f"duplicate {'code' if row.code else 'title'} '{row.code or row.title}' (also on row {seen[key]})",
                )
            )
        else:
            seen[key] = row.row
