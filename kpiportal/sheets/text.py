"""CSV and TSV text: the encoding from its byte-order mark (UTF-8 without one), the delimiter sniffed."""

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
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            stripped = tuple(clean_text(c) for c in cells)
            if any(stripped):
                rows.append(Row(number, trim(stripped)))
    except csv.Error as exc:
        raise TableError(f"The file cannot be read as CSV: {exc}", row=reader.line_num) from None
    if not rows:
        raise TableError("The file has no rows")
    return Table(tuple(rows), TSV if delimiter == "\t" else CSV)


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
