"""CSV and TSV text: the encoding from its byte-order mark (UTF-8 without one), the delimiter sniffed.

A quoted field still open at the end of the file is refused, naming the line
where its quote opened: read as it is, it would swallow every row after it.
"""

import codecs
import csv
import io

from kpiportal.sheets.table import CSV, TSV, Row, Table, TableError, clean_text, trim

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def read_text(data: bytes) -> Table:
    encoding = "utf-8"
    for bom, bom_encoding in _BOMS:
        if data.startswith(bom):
            data, encoding = data[len(bom) :], bom_encoding
            break
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TableError(
            "The file is neither an Excel workbook (XLSX) nor text in UTF-8: "
            "save it as 'CSV UTF-8' or XLSX and upload that",
            row=line,
        ) from None
    if "\x00" in text or _looks_binary(text):
        raise TableError("The file is neither an Excel workbook (XLSX) nor CSV text: upload a CSV or XLSX file")
    delimiter = sniff_delimiter(text)
    rows = []
    lines = io.StringIO(text, newline="").readlines()
    reader = csv.reader(lines, delimiter=delimiter)
    start = last_start = number = 1
    try:
        for number, cells in enumerate(reader, start=1):
            last_start = start
            stripped = tuple(clean_text(c) for c in cells)
            if any(stripped):
                rows.append(Row(number, trim(stripped)))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise TableError(f"The file cannot be read as CSV: {exc}", row=reader.line_num) from None
    _refuse_open_quote(lines[last_start - 1 :], number, last_start, delimiter)
    if not rows:
        raise TableError("The file has no rows")
    return Table(tuple(rows), TSV if delimiter == "\t" else CSV)


def _refuse_open_quote(record: list[str], row: int, line: int, delimiter: str) -> None:
    """Refuse a quote the last record (row `row`, from line `line`) opened and never closed.

    Only the last record can end inside a quote: that quote took every line after it.
    """
    opened = open_quote("".join(record), delimiter)
    if opened is None:
        return
    for text in record:  # the line of the file the quote is on
        if opened < len(text):
            break
        opened -= len(text)
        line += 1
    where = "" if line == row else f" (line {line} of the file)"
    raise TableError(
        f'a quote (") opens a cell here{where} and is never closed, so every line after it would be read into '
        "that one cell: close the quote or remove it, and upload the file again",
        row=row,
    )


def open_quote(text: str, delimiter: str) -> int | None:
    """The offset of a quote that opens a field and is still open at the end of `text` (as csv reads it), or None."""
    field_start = True
    i, n = 0, len(text)
    while i < n:
        if field_start and text[i] == '"':
            start, i = i, i + 1
            while True:
                close = text.find('"', i)
                if close == -1:
                    return start
                if text.startswith('"', close + 1):  # a doubled quote inside the field
                    i = close + 2
                    continue
                i = close + 1
                break
            field_start = False
            continue
        end = _field_end(text, i, delimiter)
        if end == -1:
            return None
        i, field_start = end + 1, True
    return None


def _field_end(text: str, start: int, delimiter: str) -> int:
    ends = [found for mark in (delimiter, "\n", "\r") if (found := text.find(mark, start)) != -1]
    return min(ends, default=-1)


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\f\v")
    return control > max(2, len(sample) // 100)


def sniff_delimiter(text: str) -> str:
    """Tab, comma or semicolon: the one that splits the most lines into the same number of fields."""
    lines = [line for line in text[:65536].splitlines() if line.strip()][:50]
    best, best_score = ",", -1
    for delimiter in ("\t", ",", ";"):
        counts = [len(cells) for cells in csv.reader(lines, delimiter=delimiter)]
        multi = [c for c in counts if c > 1]
        if not multi:
            continue
        modal = max(set(multi), key=multi.count)
        # Lines split consistently count most; tab wins ties (prose in cells holds commas, not tabs).
        score = multi.count(modal) * 2 + len(multi)
        if score > best_score:
            best, best_score = delimiter, score
    return best
