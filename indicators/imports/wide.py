"""The wide scorecard layout (PRODUCT §8): one row per indicator, one column per month.

Reads scorecards as councils keep them — the seed files are the test:

- Header rows are found by what they say ("Indicator Number", "Performance
  Measure", "Polarity", "RO", "Target", months…), wherever they are; lines
  before the first header (keys, legends, titles) and one-cell lines holding
  `=` or notes are ignored and listed. A header may be repeated further down
  (a second block), and may have two rows: financial years or group names
  above months (`2019/20` over `Apr-19`, `Baseline` over `Apr-20`; a bare
  `Apr` under `2019/20` is April 2019).
- A one-cell row under a header is a section ("Front Door"): the theme of the
  indicators below it.
- Cells: `NA`/`n/a` (not available), `%` signs, thousands separators
  (`2,676`), polarity words (BIB/SIB/blank, "↑ Higher is better"), a target
  column for a financial year ("2020-21 Target", or "Target" for the year of
  the last month), a tolerance column, RO initials, "YTD or latest" columns
  (read to choose the aggregation of indicators created from the file).
- Board papers pasted from merged cells can shift a heading by a column or
  two: a heading whose column does not hold its kind of value (initials under
  "RO", RAG words under "RAG", numbers under a target) is moved to the nearest
  column that does, and the move is listed.
- Columns the portal does not import — RAG (worked out by the portal),
  comparators (`SN 2019/20`, `ENG 2019/20`, `Bexley 2019/20`), quarters,
  annual returns — are kept on each row (`extras`) and listed in
  `extra_columns`, so nothing is dropped silently.

Pure: a `Table` in, a `WideSheet` out; no database.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from indicators import periods
from indicators.catalogue import cells
from kpiportal.sheets.columns import normalise_header
from kpiportal.sheets.table import Row, RowError, Table, column_letter

CODE = "code"
TITLE = "title"
DEFINITION = "definition"
POLARITY = "polarity"
RO = "ro"
RAG = "rag"
TARGET = "target"
TOLERANCE = "tolerance"
YTD = "ytd"
MONTH = "month"
YEAR = "year"  # a financial year heading above months
EXTRA = "extra"
WORD_FIELDS = ("theme", "service_area", "unit", "status", "is_key", "frequency", "measure")

_HEADERS = {
    CODE: (
        "indicator number",
        "indicator code",
        "indicator no",
        "indicator ref",
        "code",
        "ref",
        "reference",
        "kpi",
        "kpi ref",
        "kpi no",
        "pi ref",
        "id",
    ),
    TITLE: (
        "indicator title",
        "indicator name",
        "title",
        "performance measure",
        "measure name",
        "indicator",
        "name",
        "performance indicator",
        "kpi title",
        "description of measure",
    ),
    DEFINITION: ("definition", "definitions", "description", "how it is measured"),
    POLARITY: ("polarity", "direction of travel", "direction", "good is", "better is"),
    RO: ("ro", "responsible officer", "officer", "lead", "lead officer", "owner", "responsible"),
    RAG: ("rag", "rag rating", "rating", "rag status"),
    TOLERANCE: ("tolerance", "tol", "tolerance band"),
    "theme": ("theme", "section"),
    "service_area": ("service area", "service"),
    "unit": ("unit", "units"),
    "status": ("status",),
    "is_key": ("key kpi", "killer kpi", "key"),
    "frequency": ("frequency",),
    "measure": ("measure type",),
}
_KIND_OF = {normalise_header(text): kind for kind, texts in _HEADERS.items() for text in texts}
_FY = r"(\d{4})\s*[-/–]\s*(\d{2}|\d{4})"
_TARGET = re.compile(rf"^(?:{_FY}\s*)?targets?(?:\s*(?:for\s*)?{_FY})?$", re.IGNORECASE)
_YEAR_HEADING = re.compile(rf"^(?:fy\s*)?{_FY}$", re.IGNORECASE)
_ANY_FY = re.compile(_FY)
_RAG_WORDS = {"red", "amber", "green", "grey", "gray", "blue", "r", "a", "g", "ra", "ag", "black"}
_PERSON = re.compile(r"^(?:[A-Za-z][A-Za-z.'’\- ]{0,39}|[\w.+\-]+@[\w.\-]+)$")


# --- What the parser gives -------------------------------------------------------------------------


@dataclass(frozen=True)
class Label:
    """What a column holds, from its heading(s)."""

    kind: str
    text: str
    group: str = ""
    period: date | None = None
    year: int | None = None


@dataclass(frozen=True)
class WideFigure:
    period: date
    value: Decimal | None
    not_available: bool
    column: str


@dataclass(frozen=True)
class WideTarget:
    year: int
    value: Decimal | None
    not_available: bool
    column: str
    tolerance_text: str = ""
    tolerance_column: str = ""


@dataclass(frozen=True)
class ExtraColumn:
    """A column the portal does not import, e.g. a comparator: `SN 2019/20` under `Benchmarking`."""

    label: str
    group: str = ""


@dataclass
class WideRow:
    row: int
    code: str
    title: str
    section: str = ""
    code_column: str = ""
    title_column: str = ""
    fields: dict = field(default_factory=dict)
    responsible_officer: str = ""
    ro_column: str = ""
    targets: list[WideTarget] = field(default_factory=list)
    figures: list[WideFigure] = field(default_factory=list)
    year_to_date: dict[int, Decimal] = field(default_factory=dict)
    extras: dict[str, str] = field(default_factory=dict)
    value_texts: list[str] = field(default_factory=list)

    @property
    def decimals(self) -> int:
        return cells.decimals_shown(self.value_texts)

    @property
    def aggregation_hint(self) -> str | None:
        """The aggregation the "YTD or latest" columns point to (the most common answer over the years)."""
        by_year: dict[int, list] = {}
        for figure in self.figures:
            by_year.setdefault(periods.financial_year_of(figure.period), []).append(figure.value)
        hints = [
            cells.aggregation_from_year_to_date(by_year.get(year, []), ytd) for year, ytd in self.year_to_date.items()
        ]
        hints = [h for h in hints if h]
        if not hints:
            return None
        counts = Counter(hints)
        return max(hints, key=lambda h: (counts[h], -hints.index(h)))


@dataclass
class WideSheet:
    rows: list[WideRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra_columns: list[ExtraColumn] = field(default_factory=list)
    months: list[date] = field(default_factory=list)


class NotWide(Exception):
    """The table has no header the wide layout recognises."""


# --- Headings ----------------------------------------------------------------------------------------


def classify(text: str, *, group: str = "") -> Label | None:
    """What a heading means, or None when the portal does not know it."""
    text = text.strip()
    if not text:
        return None
    kind = _KIND_OF.get(normalise_header(text))
    if kind:
        return Label(kind, text, group)
    match = _TARGET.match(text)
    if match:
        year = match.group(1) or match.group(3)
        return Label(TARGET, text, group, year=_year(text) if year else None)
    if "ytd" in text.casefold() or "year to date" in text.casefold():
        return Label(YTD, text, group, year=_year(text))
    if _YEAR_HEADING.match(text) and "/" in text:
        return Label(YEAR, text, group, year=periods.parse_financial_year(text.removeprefix("FY").strip()))
    try:
        return Label(MONTH, text, group, period=periods.parse_period(text))
    except periods.PeriodError:
        pass
    month = _bare_month(text, group)
    if month:
        return Label(MONTH, text, group, period=month)
    return None


def _year(text: str) -> int | None:
    match = _ANY_FY.search(text)
    if not match:
        return None
    try:
        return periods.parse_financial_year(match.group(0))
    except periods.PeriodError:
        return None


def _bare_month(text: str, group: str) -> date | None:
    """`Apr` under `2019/20` is April 2019; `Jan` under it is January 2020."""
    year = _year(group) if group else None
    if year is None or not re.fullmatch(r"[A-Za-z]{3,9}\.?", text.strip()):
        return None
    try:
        month = periods.parse_period(f"{text.strip().rstrip('.')}-2000").month
    except periods.PeriodError:
        return None
    first = periods.financial_year_start(year)
    return periods.add_months(first, (month - first.month) % 12)


_KEY_HEADINGS = {normalise_header(t) for kind in (CODE, TITLE) for t in _HEADERS[kind]}


def is_header(row: Row) -> bool:
    if not any(normalise_header(text) in _KEY_HEADINGS for text in row.cells):
        return False
    labels = [classify(text) for text in row.cells]
    kinds = [label.kind for label in labels if label]
    return (CODE in kinds or TITLE in kinds) and len(kinds) >= 2


def looks_wide(table: Table) -> bool:
    """Whether the table has a header row of the wide layout (one with month or catalogue columns)."""
    return any(is_header(row) for row in table.rows[:200])


# --- Parsing -------------------------------------------------------------------------------------------


@dataclass
class _Block:
    header: Row
    second: Row | None
    rows: list[Row]


def parse(table: Table) -> WideSheet:
    """Read every indicator row of a wide scorecard; problems are collected with their row and column."""
    sheet = WideSheet()
    blocks, preamble = _blocks(table)
    if not blocks:
        raise NotWide("no header row with an indicator code or title column")
    if preamble:
        shown = "; ".join(f"'{r.filled[0][1][:60]}'" for r in preamble[:4])
        sheet.notes.append(
            f"Ignored {len(preamble)} line{'s' if len(preamble) != 1 else ''} before the header: {shown}"
        )
    extra_seen: dict[str, ExtraColumn] = {}
    ignored_rag = False
    for block in blocks:
        labels = _labels(block)
        code_col = next((c for c, lab in labels.items() if lab.kind == CODE), None)
        title_col = next((c for c, lab in labels.items() if lab.kind == TITLE), None)
        indicator_rows, section_of, notes = _split_rows(block, code_col, title_col)
        sheet.notes.extend(notes)
        labels = _realign(labels, indicator_rows, sheet, block)
        months = sorted({lab.period for lab in labels.values() if lab.kind == MONTH})
        default_year = periods.financial_year_of(months[-1]) if months else None
        for label in labels.values():
            if label.kind == TARGET and label.year is None and default_year is None:
                sheet.errors.append(
                    RowError(
                        block.header.number,
                        label.text,
                        "say which financial year the target is for, e.g. 2022/23 Target",
                    )
                )
            if label.kind == EXTRA and label.text not in extra_seen:
                extra_seen[label.text] = ExtraColumn(label.text, label.group)
            ignored_rag = ignored_rag or label.kind == RAG
        for row in indicator_rows:
            parsed = _parse_row(row, labels, code_col, title_col, default_year, sheet.errors)
            parsed.section = section_of.get(row.number, "")
            sheet.rows.append(parsed)
        sheet.months = sorted(set(sheet.months) | set(months))
    sheet.extra_columns = list(extra_seen.values())
    if sheet.extra_columns:
        names = ", ".join(f"'{e.label}'" for e in sheet.extra_columns)
        sheet.notes.append(f"Not imported (comparators, quarters and other columns the portal does not take): {names}")
    if ignored_rag:
        sheet.notes.append("The RAG column is not imported: the portal works it out from the figures and targets")
    _check_duplicates(sheet)
    return sheet


def _blocks(table: Table) -> tuple[list[_Block], list[Row]]:
    rows = list(table.rows)
    header_indexes = [i for i, row in enumerate(rows) if is_header(row)]
    blocks = []
    preamble = rows[: header_indexes[0]] if header_indexes else rows
    for n, start in enumerate(header_indexes):
        end = header_indexes[n + 1] if n + 1 < len(header_indexes) else len(rows)
        header = rows[start]
        body = rows[start + 1 : end]
        second = None
        if body and _is_second_header(header, body[0]):
            second, body = body[0], body[1:]
        blocks.append(_Block(header, second, body))
    return blocks, preamble


def _is_second_header(header: Row, row: Row) -> bool:
    key_columns = [c for c, text in enumerate(header.cells) if (lab := classify(text)) and lab.kind in (CODE, TITLE)]
    if any(row[c] for c in key_columns) or not row.filled:
        return False
    return any(classify(text) is not None for _, text in row.filled) or len(row.filled) > 1


def _labels(block: _Block) -> dict[int, Label]:
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
                label = Label(EXTRA, top[c])
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


def _split_rows(block: _Block, code_col, title_col):
    """Indicator rows, the section above each, and notes."""
    indicator_rows, notes = [], []
    section_of: dict[int, str] = {}
    section = ""
    for row in block.rows:
        filled = row.filled
        key_cells = [row[c] for c in (code_col, title_col) if c is not None]
        if len(filled) == 1 and not (code_col is not None and title_col is not None and filled[0][0] == title_col):
            text = filled[0][1]
            if _is_note(text) or filled[0][0] > max(c for c in (code_col, title_col, 0) if c is not None):
                notes.append(f"Ignored row {row.number}: '{text[:80]}'")
            else:
                section = text
            continue
        if len(filled) == 1 and filled[0][0] == title_col and code_col is not None:
            # A title with no code and nothing else: a section heading in a coded layout.
            section = filled[0][1]
            continue
        if not any(key_cells):
            notes.append(f"Ignored row {row.number}: it has no indicator code or title")
            continue
        indicator_rows.append(row)
        section_of[row.number] = section
    return indicator_rows, section_of, notes


# --- Content checks and realignment ------------------------------------------------------------------------

_NUMERIC_KINDS = (MONTH, TARGET, YTD, TOLERANCE)
_MOVABLE = (RO, RAG, POLARITY, TARGET, TOLERANCE, YTD)


def _fits_cell(kind: str, text: str) -> bool:
    if kind in _NUMERIC_KINDS:
        try:
            if kind == TOLERANCE:
                cells.parse_tolerance(text, unit="percent")
            else:
                cells.parse_figure(text)
            return True
        except cells.CellError:
            return False
    if kind == RO:
        return bool(_PERSON.match(text)) and text.casefold() not in _RAG_WORDS and not cells.is_not_available(text)
    if kind == RAG:
        return text.casefold() in _RAG_WORDS
    if kind == POLARITY:
        try:
            cells.parse_polarity(text)
            return True
        except cells.CellError:
            return False
    return True


def _fits(kind: str, column: int, rows: list[Row]) -> bool:
    texts = [row[column] for row in rows if row[column]]
    if kind == RO:
        texts = [t for t in texts if not cells.is_not_available(t)]
    if not texts:
        return True
    good = sum(1 for t in texts if _fits_cell(kind, t))
    return good >= 0.8 * len(texts)


def _realign(labels: dict[int, Label], rows: list[Row], sheet: WideSheet, block: _Block) -> dict[int, Label]:
    if not rows:
        return labels
    assigned: dict[int, Label] = {}
    misfits = []
    for c, label in labels.items():
        if label.kind in _MOVABLE and not _fits(label.kind, c, rows):
            misfits.append((c, label))
        else:
            assigned[c] = label
    for c, label in sorted(misfits, key=lambda item: _MOVABLE.index(item[1].kind)):
        for d in (c - 1, c + 1, c - 2, c + 2, c - 3, c + 3):
            if d < 0 or d in assigned or not any(row[d] for row in rows):
                continue
            if _fits(label.kind, d, rows):
                assigned[d] = label
                sheet.notes.append(
                    f"The heading '{label.text}' (row {block.header.number}) is over column "
                    f"{column_letter(c)} but its values are in column {column_letter(d)}: "
                    f"read from {column_letter(d)}"
                )
                break
        else:
            assigned.setdefault(c, label)
    return _close_gaps(dict(sorted(assigned.items())), rows, sheet, block)


def _close_gaps(labels: dict[int, Label], rows: list[Row], sheet: WideSheet, block: _Block) -> dict[int, Label]:
    """Shift a run of headings left by one when it leaves a column of values unheaded and ends over an empty column.

    Second header rows pasted from merged cells often drift right by a column:
    values in X, Y and headings over Y, Z with Z empty. Months never move.
    """
    has_data = {c for row in rows for c, _ in row.filled}
    for gap in sorted(c for c in has_data if c not in labels):
        run = []
        column = gap + 1
        while column in labels:
            run.append(column)
            if column not in has_data:
                break
            column += 1
        if not run or run[-1] in has_data or any(labels[c].kind in (MONTH, CODE, TITLE) for c in run):
            continue
        if not all(_fits(labels[c].kind, c - 1, rows) for c in run):
            continue
        for c in run:
            labels[c - 1] = labels.pop(c)
        names = ", ".join(f"'{labels[c - 1].text}'" for c in run)
        sheet.notes.append(
            f"The headings {names} (row {block.header.number}) are one column to the right of their values: "
            f"read from column {column_letter(gap)} onwards"
        )
    return dict(sorted(labels.items()))


# --- Rows ------------------------------------------------------------------------------------------------


def _parse_row(row: Row, labels: dict[int, Label], code_col, title_col, default_year, errors) -> WideRow:
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
            if text and not cells.is_not_available(text) and label.year is not None:
                try:
                    parsed.year_to_date[label.year] = cells.parse_number(text)
                except cells.CellError:
                    parsed.extras[label.text] = text
        elif kind in WORD_FIELDS:
            if text:
                _word_field(parsed, kind, text, label, row, errors)
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


def _check_duplicates(sheet: WideSheet) -> None:
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
