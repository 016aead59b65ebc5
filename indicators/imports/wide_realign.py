"""Realigning the headings of a wide scorecard pasted from merged cells, by what their columns hold.

A heading whose column does not hold its kind of value (initials under "RO",
RAG words under "RAG", numbers under a target) is moved to the nearest column
that does; a run of headings one column to the right of their values is moved
back. Every move is listed in the sheet's notes. Pure.
"""

import re

from indicators import units
from indicators.catalogue import cells
from indicators.imports.wide_headings import CODE, MONTH, POLARITY, RAG, RO, TARGET, TITLE, TOLERANCE, YTD, Label
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
