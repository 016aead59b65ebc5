"""Realigning the headings of a wide scorecard pasted from merged cells, by what their columns hold.

A heading whose column does not hold its kind of value (initials under "RO",
RAG words under "RAG", numbers under a target) is moved to the nearest column
that does; a run of headings one column to the right of their values is moved
back. Every move is listed in the sheet's notes.

A row whose own cells sit off the headings (a title under "Polarity", initials
under a month) is moved back by `realign_row` when exactly one move of one or
two columns makes every cell fit its heading, and refused otherwise. Pure.
"""

import re
from dataclasses import dataclass

from indicators import units
from indicators.catalogue import cells
from indicators.imports.wide_headings import (
    ANNUAL,
    CHANGE,
    CODE,
    DISTANCE,
    DOT,
    MONTH,
    POLARITY,
    QUARTER,
    RAG,
    RO,
    TARGET,
    THEME,
    THRESHOLD,
    TITLE,
    TOLERANCE,
    YTD,
    Label,
)
from indicators.imports.wide_sheet import Block, WideSheet
from kpiportal.sheets.table import Row, column_letter

_RAG_WORDS = {"red", "amber", "green", "grey", "gray", "blue", "r", "a", "g", "ra", "ag", "black"}
_PERSON = re.compile(r"^(?:[A-Za-z][A-Za-z.'’\- ]{0,39}|[\w.+\-]+@[\w.\-]+)$")

_NUMERIC_KINDS = (MONTH, TARGET, YTD, TOLERANCE)
_MOVABLE = (RO, RAG, POLARITY, TARGET, TOLERANCE, YTD)


def _fits_cell(kind: str, text: str) -> bool:
    if kind in _NUMERIC_KINDS:
        try:
            if kind == TOLERANCE:
                cells.parse_tolerance(text, unit=units.PERCENT)
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


def realign(labels: dict[int, Label], rows: list[Row], sheet: WideSheet, block: Block) -> dict[int, Label]:
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


def _close_gaps(labels: dict[int, Label], rows: list[Row], sheet: WideSheet, block: Block) -> dict[int, Label]:
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


# --- Rows shifted against their headings ---------------------------------------------------------

_NUMBER_KINDS = (MONTH, TARGET, YTD, CHANGE, DISTANCE, THRESHOLD, QUARTER, ANNUAL)
_DOT_WORDS = re.compile(
    r"^[↑↓→←↗↘⬆⬇▲▼↔=\s]*(?:up|down|same|no change|unchanged|flat|stable|improv\w*|wors\w*|better|"
    r"deteriorat\w*|increase\w*|decrease\w*|higher|lower)?[\s,\w]*$",
    re.IGNORECASE,
)


_PLAIN_NUMBER = re.compile(r"^-?[0-9]+(?:\.[0-9]+)?%?$")  # most cells: no need for the full parser


def _is_number(text: str) -> bool:
    if _PLAIN_NUMBER.match(text):
        return True
    try:
        return cells.parse_figure(text)[0] is not None
    except cells.CellError:
        return False


def _is_polarity(text: str) -> bool:
    try:
        cells.parse_polarity(text)
        return True
    except cells.CellError:
        return False


def cell_fits(label: Label | None, text: str, *, column_used: bool) -> bool:
    """Whether one cell's text is the kind of value its heading's column holds (blank always fits).

    `column_used`: whether other rows of the block have values in this column (an unheaded column).
    """
    if not text:
        return True
    if label is None:
        return column_used
    kind = label.kind
    if kind in _NUMBER_KINDS:
        if _PLAIN_NUMBER.match(text):
            return True
        try:
            cells.parse_figure(text)
            return True
        except cells.CellError:
            return False
    if kind == TOLERANCE:
        try:
            cells.parse_tolerance(text, unit=units.PERCENT)
            return True
        except cells.CellError:
            return False
    if kind == POLARITY:
        return _is_polarity(text)
    if kind == RO:
        return _fits_cell(RO, text) and not _is_number(text) and not (_is_polarity(text) and len(text) > 3)
    if kind in (TITLE, THEME):
        return not _is_number(text) and not (_is_polarity(text) and not cells.is_not_available(text))
    if kind == DOT:
        return not _is_number(text) and bool(_DOT_WORDS.match(text)) and len(text) <= 40
    return True


@dataclass(frozen=True)
class RowShift:
    """What became of a row checked against its headings: kept, realigned (with a note) or refused."""

    row: Row
    note: str = ""
    error: str = ""


def _misfits(cells_: tuple[str, ...], labels: dict[int, Label], used: set[int]) -> list[int]:
    return [c for c, text in enumerate(cells_) if text and not cell_fits(labels.get(c), text, column_used=c in used)]


def _candidates(cells_: tuple[str, ...]):
    """The row's cells moved left or right by one or two columns, from a column onwards (all of it when 0)."""
    width = len(cells_)
    for step in (1, 2):
        for start in range(width):
            # Left: the cells from `start` move `step` columns left over blank cells.
            if start >= step and not any(cells_[start - step : start]):
                yield start, -step, cells_[: start - step] + cells_[start:]
            elif start == 0 and step <= width and not any(cells_[:step]):
                yield start, -step, cells_[step:]
            # Right: the cells from `start` move `step` columns right.
            if any(cells_[start:]):
                yield start, step, cells_[:start] + ("",) * step + cells_[start:]


def realign_row(row: Row, labels: dict[int, Label], used: set[int], key_columns: tuple[int, ...]) -> RowShift:
    """A row whose cells sit off their headings, moved back when exactly one move makes every cell fit.

    `key_columns`: the title (or code) column(s), where a realigned row must have its title. A row that more
    than one move fits is refused, and so is one without its title in place that no move fits; a row with its
    title in place that no move fits is kept (the errors of the cells that do not fit name them).
    """
    cells_ = tuple(row.cells)
    misfits = _misfits(cells_, labels, used)
    keyless = bool(key_columns) and not any(row[c] for c in key_columns)
    if not misfits:
        return RowShift(row)
    fitting: dict[tuple[str, ...], tuple[int, int]] = {}
    for start, step, moved in _candidates(cells_):
        moved = tuple(moved)
        while moved and not moved[-1]:
            moved = moved[:-1]
        if key_columns and not any(c < len(moved) and moved[c] for c in key_columns):
            continue
        if not _misfits(moved, labels, used):
            fitting.setdefault(moved, (start, step))
    if len(fitting) == 1:
        moved, (start, step) = next(iter(fitting.items()))
        columns = "column" if abs(step) == 1 else "columns"
        side = "right" if step < 0 else "left"
        return RowShift(
            Row(row.number, moved),
            note=(
                f"Row {row.number} is {abs(step)} {columns} to the {side} of its headings from column "
                f"{column_letter(start)}: read with its cells moved back under their headings"
            ),
        )
    if not fitting and not keyless:
        return RowShift(row)  # cells that fit no heading in a row whose title is in place: their own errors say why
    shown = "; ".join(
        f"'{cells_[c][:40]}' is under '{labels[c].text if c in labels else column_letter(c)}'" for c in misfits[:3]
    )
    why = (
        "moving the row by one or two columns fits it more than one way"
        if fitting
        else "no move of one or two columns makes every cell fit its heading"
    )
    return RowShift(row, error=f"the cells do not line up with the headings ({shown}) and {why}: check the row")
