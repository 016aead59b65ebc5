"""The wide scorecard layout (PRODUCT §8): one row per indicator, one column per month.

Reads scorecards as councils keep them — the seed files are the test:

- Header rows are found by what they say ("Indicator Number", "Performance
  Measure", "Measure", "KPI", "Polarity", "RO", "Target", months…), wherever
  they are, or by month headings over an unheaded column of titles; lines
  before the first header (keys, legends, titles) and one-cell lines holding
  `=` or notes are ignored and listed. A header may be repeated further down
  (a second block), and may have two rows: financial years or group names
  above months (`2019/20` over `Apr-19`, `Baseline` over `Apr-20`; a bare
  `Apr` under `2019/20` is April 2019).
- The title column is found by what it holds when no heading says so (a `KPI`
  or `Description` column of long text, or an unheaded one); a code column may
  be missing (indicators are then found by title).
- A one-cell row under a header is a section ("Front Door"): the theme of the
  indicators below it. So is the cell of a theme column (headed `Theme`, or an
  unheaded column left of the titles) on the first row of a section.
- Cells: `NA`/`n/a` (not available), `%` signs, thousands separators
  (`2,676`), polarity words (BIB/SIB/blank, "↑ Higher is better"), a target
  column for a financial year ("2020-21 Target", or "Target" for the year of
  the last month), a tolerance column, RO initials, "YTD or latest" columns
  (read to choose the aggregation of indicators created from the file).
- Board papers pasted from merged cells can shift a heading by a column or
  two: a heading whose column does not hold its kind of value (initials under
  "RO", RAG words under "RAG", numbers under a target) is moved to the nearest
  column that does, and the move is listed. A single row shifted against its
  headings is moved back when exactly one move fits every cell, and listed;
  otherwise it is refused with its row number (`wide_realign.realign_row`).
- Derived columns the file prints (change since last month, distance from
  target, tolerance threshold, D.o.T., performance group) are kept on each row
  (`printed`) to check the reading (`wide_checks`), not imported; a full
  quarter (`Full quarter`, `Q3 2020/21`) and an annual return (`Annual
  return`, a year) are kept as `period_figures`.
- Columns the portal does not import — RAG (worked out by the portal),
  comparators (`SN 2019/20`, `ENG 2019/20`, `Bexley 2019/20`) — are kept on
  each row (`extras`) and listed in `extra_columns` (with the quarter and
  annual columns), so nothing is dropped silently.

Pure: a `Table` in, a `WideSheet` (`indicators.imports.wide_sheet`) out; no database. Headings are
read by `wide_headings`, moved by `wide_realign`, and each indicator row read by `wide_rows`.
"""

from indicators import periods
from indicators.catalogue import cells
from indicators.imports import wide_mapping
from indicators.imports.wide_headings import (
    ANNUAL,
    CODE,
    DEFINITION,
    EXTRA,
    MONTH,
    QUARTER,
    RAG,
    TARGET,
    THEME,
    TITLE,
    YEAR,
    Label,
    classify,
    is_long_text,
    resolve_period,
    unheaded_title_column,
)
from indicators.imports.wide_headings import (
    header_indexes as header_indexes_of,
)
from indicators.imports.wide_realign import realign, realign_row
from indicators.imports.wide_rows import check_duplicates, parse_row
from indicators.imports.wide_sheet import Block, ExtraColumn, Mapping, NotWide, WideSheet
from kpiportal.sheets.table import Row, RowError, Table, column_letter

# What a row of the file was read as (`WideSheet.row_roles`), shown in the preview.
ROLE_HEADER = "header"
ROLE_INDICATOR = "indicator"
ROLE_THEME = "theme"
ROLE_NOTE = "note"
ROLE_IGNORED = "ignored"


def parse(table: Table, mapping: Mapping | None = None) -> WideSheet:
    """Read every indicator row of a wide scorecard; problems are collected with their row and column.

    `mapping` is the performance team's reading (header row, what each column is), put over detection.
    """
    sheet = WideSheet()
    blocks, preamble = _blocks(table, mapping.header_row if mapping else None)
    if not blocks:
        raise NotWide("no header row with an indicator code or title column")
    sheet.preamble = [" ".join(text for _, text in row.filled) for row in preamble if row.filled]
    if preamble:
        shown = "; ".join(f"'{r.filled[0][1][:60]}'" for r in preamble[:4])
        sheet.notes.append(
            f"Ignored {len(preamble)} line{'s' if len(preamble) != 1 else ''} before the header: {shown}"
        )
        sheet.row_roles.update({r.number: ROLE_NOTE for r in preamble})
    extra_seen: dict[str, ExtraColumn] = {}
    ignored_rag = False
    for block in blocks:
        mapped = bool(mapping and mapping.columns)
        labels = _labels(block)
        if not mapped:
            labels = _by_content(labels, block)
        labels = wide_mapping.apply_columns(labels, block.header, mapping)
        code_col = next((c for c, lab in labels.items() if lab.kind == CODE), None)
        title_col = next((c for c, lab in labels.items() if lab.kind == TITLE), None)
        theme_col = _theme_column(labels, title_col if title_col is not None else code_col)
        sheet.row_roles[block.header.number] = ROLE_HEADER
        if block.second is not None:
            sheet.row_roles[block.second.number] = ROLE_HEADER
        if not mapped:
            indicator_rows = _split_rows(block, code_col, title_col, theme_col)[0]
            labels = realign(labels, indicator_rows, sheet, block)
        months = sorted({lab.period for lab in labels.values() if lab.kind == MONTH})
        latest = months[-1] if months else None
        labels = {c: resolve_period(lab, latest) for c, lab in labels.items()}
        block.rows = _realign_rows(block, labels, code_col, title_col, sheet)
        indicator_rows, section_of, notes, roles = _split_rows(block, code_col, title_col, theme_col)
        sheet.notes.extend(notes)
        sheet.row_roles.update(roles)
        sheet.readings.append(wide_mapping.reading_of(block.header, labels))
        default_year = periods.financial_year_of(latest) if latest else None
        for label in labels.values():
            if label.kind == TARGET and label.year is None and default_year is None:
                sheet.errors.append(
                    RowError(
                        block.header.number,
                        label.text,
                        "say which financial year the target is for, e.g. 2022/23 Target",
                    )
                )
            if label.kind in (EXTRA, QUARTER, ANNUAL) and label.text not in extra_seen:
                extra_seen[label.text] = ExtraColumn(label.text, label.group)
            ignored_rag = ignored_rag or label.kind == RAG
        # An unheaded theme column, or one filled on a section's first row only, starts sections: it is not
        # each row's theme.
        sparse_theme = theme_col is not None and (
            not block.header[theme_col] or any(not row[theme_col] for row in indicator_rows)
        )
        for row in indicator_rows:
            parsed = parse_row(row, labels, code_col, title_col, default_year, sheet.errors)
            parsed.section = section_of.get(row.number, "")
            if sparse_theme:
                parsed.fields.pop("theme", None)  # a theme column filled on a section's first row only
            sheet.rows.append(parsed)
        sheet.months = sorted(set(sheet.months) | set(months))
    sheet.extra_columns = list(extra_seen.values())
    extras = [e.label for e in sheet.extra_columns if e.label not in _period_columns(sheet)]
    if extras:
        names = ", ".join(f"'{label}'" for label in extras)
        sheet.notes.append(f"Not imported (comparators and other columns the portal does not take): {names}")
    if ignored_rag:
        sheet.notes.append("The RAG column is not imported: the portal works it out from the figures and targets")
    check_duplicates(sheet)
    return sheet


def _period_columns(sheet: WideSheet) -> set[str]:
    return {
        column.heading for reading in sheet.readings for column in reading.columns if column.kind in (QUARTER, ANNUAL)
    } | {figure.column for row in sheet.rows for figure in row.period_figures}


def _by_content(labels: dict[int, Label], block: Block) -> dict[int, Label]:
    """The title column found by what it holds when no heading says "title": a `KPI` or `Description` column of
    long text, or an unheaded column of long text beside the months; an unheaded column of text left of it
    is the theme column."""
    labels = dict(labels)
    rows = block.rows

    def long_text(c: int) -> bool:
        texts = [row[c] for row in rows if row[c]]
        return bool(texts) and sum(1 for t in texts if is_long_text(t)) * 2 >= len(texts)

    if not any(lab.kind == TITLE for lab in labels.values()):
        for kind in (CODE, DEFINITION):
            column = next((c for c, lab in labels.items() if lab.kind == kind and long_text(c)), None)
            if column is not None:
                labels[column] = Label(TITLE, labels[column].text)
                break
        else:
            column = unheaded_title_column(block.header, rows[:5])
            if column is not None:
                labels[column] = Label(TITLE, column_letter(column))
    title = next((c for c, lab in labels.items() if lab.kind == TITLE), None)
    if title is not None and not any(lab.kind == THEME for lab in labels.values()):
        titled = [row for row in rows if row[title]]
        for c in range(title):
            texts = [row[c] for row in rows if row[c]]
            if c in labels or not texts or any(_is_number(t) for t in texts):
                continue
            codes = [row[c] for row in titled]
            if all(codes) and len(set(codes)) == len(codes) > 1 and all(len(t) <= 12 for t in codes):
                # Short, distinct and on every indicator row: codes, not themes.
                if not any(lab.kind == CODE for lab in labels.values()):
                    labels[c] = Label(CODE, column_letter(c))
            else:
                labels[c] = Label(THEME, column_letter(c))
            break
    return dict(sorted(labels.items()))


def _is_number(text: str) -> bool:
    try:
        return cells.parse_figure(text)[0] is not None
    except cells.CellError:
        return False


def _theme_column(labels: dict[int, Label], key_col: int | None) -> int | None:
    """A theme column left of the title: its cell starts a section (the rows under it may leave it blank)."""
    if key_col is None:
        return None
    return next((c for c, lab in labels.items() if lab.kind == THEME and c < key_col), None)


def _realign_rows(block: Block, labels: dict[int, Label], code_col, title_col, sheet: WideSheet) -> list[Row]:
    """Each row checked against the headings: moved back under them when certain, else refused with its number."""
    used = {c for row in block.rows for c, _ in row.filled}
    key_columns = tuple(c for c in (title_col, code_col) if c is not None)
    counts = {c: sum(1 for row in block.rows if row[c]) for c in used}
    rows = []
    for row in block.rows:
        if len(row.filled) < 2:
            rows.append(row)
            continue
        own = {c for c in used if counts[c] > (1 if row[c] else 0)}
        shift = realign_row(row, labels, own, key_columns)
        if shift.error:
            sheet.errors.append(RowError(row.number, "", shift.error))
            sheet.row_roles[row.number] = ROLE_IGNORED
            continue
        if shift.note:
            sheet.notes.append(shift.note)
        rows.append(shift.row)
    return rows


def _blocks(table: Table, header_row: int | None = None) -> tuple[list[Block], list[Row]]:
    rows = list(table.rows)
    if header_row is not None:
        header_indexes = [i for i, row in enumerate(rows) if row.number == header_row]
        if not header_indexes:
            raise NotWide(f"row {header_row}, chosen as the header, is not in the sheet")
    else:
        header_indexes = header_indexes_of(rows)
    blocks = []
    preamble = rows[: header_indexes[0]] if header_indexes else rows
    for n, start in enumerate(header_indexes):
        end = header_indexes[n + 1] if n + 1 < len(header_indexes) else len(rows)
        header = rows[start]
        body = rows[start + 1 : end]
        second = None
        if body and _is_second_header(header, body[0]):
            second, body = body[0], body[1:]
        blocks.append(Block(header, second, body))
    return blocks, preamble


def _is_second_header(header: Row, row: Row) -> bool:
    key_columns = [c for c, text in enumerate(header.cells) if (lab := classify(text)) and lab.kind in (CODE, TITLE)]
    if any(row[c] for c in key_columns) or not row.filled:
        return False
    if any(_is_number(text) for _, text in row.filled):
        return False  # figures: the first indicator, not headings
    return any(classify(text) is not None for _, text in row.filled) or len(row.filled) > 1


def _labels(block: Block) -> dict[int, Label]:
    top, bottom = block.header, block.second
    width = max([len(top), len(bottom or ())] + [len(r) for r in block.rows])
    labels: dict[int, Label] = {}
    group = ""
    for c in range(width):
        if top[c]:
            group = top[c]
        if bottom is not None and bottom[c]:
            label = classify(bottom[c], group=group) or Label(EXTRA, bottom[c], group)
        elif top[c]:
            label = classify(top[c]) or Label(EXTRA, top[c])
            if label.kind == YEAR:
                # A year heading over nothing: the year's figure in a single header, else a column not imported.
                year = label.year
                label = Label(EXTRA, top[c])
                if bottom is None and year is not None:
                    label = Label(ANNUAL, top[c], period=periods.financial_year_start(year), year=year)
        else:
            continue
        labels[c] = label
    return labels


def _is_note(text: str) -> bool:
    lowered = text.casefold()
    return (
        "=" in text
        or text.startswith(("*", "(", "†"))
        or lowered.startswith(("note", "key", "source", "appendix", "where ", "n.b", "nb "))
        or len(text) > 80
        or text.endswith((":", "."))
    )


def _split_rows(block: Block, code_col, title_col, theme_col=None):
    """Indicator rows, the section above each, notes, and what each row was read as.

    A section is a one-cell row, or the theme column's cell on the first row of the section (a row with a
    title beside it is an indicator as well). A row with text that is none of these is listed as ignored.
    """
    indicator_rows, notes = [], []
    section_of: dict[int, str] = {}
    roles: dict[int, str] = {}
    section = ""
    for row in block.rows:
        filled = row.filled
        if not filled:
            continue
        key_cells = [row[c] for c in (code_col, title_col) if c is not None]
        if theme_col is not None and row[theme_col] and len(filled) > 1 and any(key_cells):
            section = row[theme_col]
        if len(filled) == 1 and not (code_col is not None and title_col is not None and filled[0][0] == title_col):
            text = filled[0][1]
            if _is_note(text) or filled[0][0] > max(c for c in (code_col, title_col, 0) if c is not None):
                notes.append(f"Ignored row {row.number}: '{text[:80]}'")
                roles[row.number] = ROLE_NOTE
            else:
                section = text
                roles[row.number] = ROLE_THEME
            continue
        if len(filled) == 1 and filled[0][0] == title_col and code_col is not None:
            # A title with no code and nothing else: a section heading in a coded layout.
            section = filled[0][1]
            roles[row.number] = ROLE_THEME
            continue
        if not any(key_cells):
            shown = "; ".join(f"'{text[:40]}'" for _, text in filled[:3])
            notes.append(f"Ignored row {row.number}: it has no indicator code or title ({shown})")
            roles[row.number] = ROLE_IGNORED
            continue
        indicator_rows.append(row)
        section_of[row.number] = section
        roles[row.number] = ROLE_INDICATOR
    return indicator_rows, section_of, notes, roles
