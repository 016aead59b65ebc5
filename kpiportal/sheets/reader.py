"""Read an uploaded or command-line file into a table of text cells.

Every import (indicators, figures, populations, comparators, the wide
scorecard layout) starts here, so the rules for what the portal accepts live
in one place:

- The format is found from the content, never the file name: XLSX is a zip
  holding `[Content_Types].xml` and `xl/workbook.xml`; CSV/TSV is UTF-8 text
  (with or without a byte-order mark; UTF-16 with a BOM, as Excel's "Unicode
  text" writes it, is read too), CRLF or LF line endings, delimiter sniffed
  (tab, comma or semicolon). Anything else is refused whatever its extension.
- Files over `settings.IMPORT_MAX_BYTES` are refused before they are read.
- An XLSX is checked before anything is inflated: the sum of the sizes its zip
  directory declares must stay within `settings.IMPORT_MAX_UNCOMPRESSED_BYTES`
  and no part may claim a compression ratio beyond `MAX_COMPRESSION_RATIO`.
  Each part is then inflated in bounded chunks to prove it holds no more than
  it declares, so the reader cannot be made to inflate a zip bomb.
- XLSX cells are read with python-calamine: the values Excel saved, never a
  formula evaluated. A formula cell with no saved value is reported by cell.
  Cells formatted as percentages read as they are shown (`48%`, not `0.48`).

Cells come back as stripped text; numbers as their shortest exact text
(`16.9`, `2676`), dates as ISO (`2020-09-01`). Each row keeps the number the
user sees in Excel (1-based; blank rows are dropped but counted), so every
error can name its row.
"""

import codecs
import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from defusedxml import ElementTree

XLSX = "xlsx"
CSV = "csv"
TSV = "tsv"

# No genuine workbook part compresses better than this; zip bombs do.
MAX_COMPRESSION_RATIO = 250
MAX_ZIP_ENTRIES = 5_000
_INFLATE_CHUNK = 1 << 20


def _setting(name: str, default: int) -> int:
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        return int(getattr(settings, name, default))
    except ImproperlyConfigured:  # read outside Django (scripts, benchmarks before setup)
        return default


def max_bytes() -> int:
    return _setting("IMPORT_MAX_BYTES", 10 * 1024 * 1024)


def max_uncompressed_bytes() -> int:
    return _setting("IMPORT_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024)


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


# --- Errors ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem with the input: its row (as numbered in the file), its column, and why.

    `row` is None for a problem with the file as a whole; `column` is the
    header as written in the file (or a cell reference such as `C4`), blank
    when the problem is not in one column.
    """

    row: int | None
    column: str
    reason: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"Row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason

    @property
    def sort_key(self) -> tuple:
        return (self.row is not None, self.row or 0, self.column, self.reason)


class TableError(Exception):
    """A file that cannot be read as a table: wrong format, too large, damaged, formulas without values."""

    def __init__(self, reason: str = "", *, row: int | None = None, column: str = "", errors=None):
        self.errors: list[RowError] = list(errors or [RowError(row, column, reason)])
        super().__init__("; ".join(str(e) for e in self.errors))

    @property
    def row(self) -> int | None:
        return self.errors[0].row

    @property
    def column(self) -> str:
        return self.errors[0].column

    @property
    def reason(self) -> str:
        return self.errors[0].reason


class MissingSheet(TableError):
    """A sound workbook without the sheet asked for."""


# --- The table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One non-blank row: its number in the file and its cells as stripped text."""

    number: int
    cells: tuple[str, ...]

    def __getitem__(self, index: int) -> str:
        return self.cells[index] if 0 <= index < len(self.cells) else ""

    def __len__(self) -> int:
        return len(self.cells)

    def __iter__(self):
        return iter(self.cells)

    @property
    def filled(self) -> list[tuple[int, str]]:
        """(position, text) of the cells that are not blank."""
        return [(i, c) for i, c in enumerate(self.cells) if c]


@dataclass(frozen=True)
class Table:
    rows: tuple[Row, ...]
    format: str
    sheet: str = ""

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def format_label(self) -> str:
        return {XLSX: "Excel workbook (XLSX)", CSV: "CSV", TSV: "tab-separated text"}[self.format]


# --- Reading -------------------------------------------------------------------------------


def read_upload(upload) -> Table:
    """Read a Django UploadedFile, checking its size before reading its content."""
    size = getattr(upload, "size", None)
    if size is not None:
        check_size(size)
    upload.seek(0)
    return read_bytes(upload.read())


def read_path(path: str | Path) -> Table:
    """Read a file from disk, checking its size before reading it."""
    path = Path(path)
    check_size(path.stat().st_size)
    return read_bytes(path.read_bytes())


def check_size(size: int) -> None:
    limit = max_bytes()
    if size > limit:
        raise TableError(f"The file is {human_size(size)}; the largest file the portal accepts is {human_size(limit)}")


def read_bytes(data: bytes, *, sheet: str | None = None) -> Table:
    """Read CSV/TSV text or an XLSX workbook, found from the content."""
    check_size(len(data))
    if not data.strip():
        raise TableError("The file is empty")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _read_xlsx(data, sheet=sheet)
    refused = _known_binary(data)
    if refused:
        raise TableError(refused)
    return _read_text(data)


def _known_binary(data: bytes) -> str:
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "This is an old-style Excel (.xls) or other Office file: save it as .xlsx or CSV (UTF-8) and upload that"
    if data.startswith(b"%PDF"):
        return "This is a PDF, not a spreadsheet: upload a CSV or XLSX file"
    return ""


_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def _read_text(data: bytes) -> Table:
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
            stripped = tuple(_clean_text(c) for c in cells)
            if any(stripped):
                rows.append(Row(number, _trim(stripped)))
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


def _clean_text(value: str) -> str:
    if "\r" in value:
        value = value.replace("\r\n", "\n")
    return value.strip()


def _trim(cells: tuple[str, ...]) -> tuple[str, ...]:
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end]


# --- XLSX ----------------------------------------------------------------------------------

_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")


def _read_xlsx(data: bytes, *, sheet: str | None) -> Table:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise TableError("The file looks like a zip but is damaged: it is not a readable XLSX workbook") from None
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        if "mimetype" in names and b"opendocument" in data[:200]:
            raise TableError("This is an OpenDocument spreadsheet (.ods): save it as .xlsx or CSV and upload that")
        raise TableError("The file is a zip archive, not an Excel workbook (XLSX): upload a CSV or XLSX file")
    _check_zip_directory(infos)
    parts = _inflate_checked(data, infos, keep=_part_needed)

    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        visible = [
            m.name
            for m in workbook.sheets_metadata
            if m.typ == python_calamine.SheetTypeEnum.WorkSheet
            and m.visible == python_calamine.SheetVisibleEnum.Visible
        ]
        if sheet is None:
            if not visible:
                raise TableError("The workbook has no visible worksheet")
            sheet = visible[0]
        elif sheet not in workbook.sheet_names:
            raise MissingSheet(f"The workbook has no sheet called '{sheet}'")
        values = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except TableError:
        raise
    except Exception as exc:  # calamine raises several types of its own for damaged files
        raise TableError(f"The workbook cannot be read: {exc}") from None

    sheet_xml = parts.get(_sheet_part(parts, sheet), b"")
    missing = _formulas_without_values(sheet_xml)
    if missing:
        raise TableError(
            errors=[
                RowError(
                    row,
                    ref,
                    "this cell holds a formula with no saved value; the portal never calculates formulas: "
                    "open the file in Excel, save it, and upload it again (or paste the values)",
                )
                for ref, row in missing[:200]
            ]
        )
    percent_cells = _percent_cells(sheet_xml, _percent_styles(parts.get("xl/styles.xml", b"")))

    rows = []
    for r, cells in enumerate(values):
        texts = tuple(map(_cell_text, cells))
        percent_columns = percent_cells.get(r)
        if percent_columns:
            texts = tuple(
                _percent_text(value) if c in percent_columns else text
                for c, (value, text) in enumerate(zip(cells, texts, strict=True))
            )
        if any(texts):
            rows.append(Row(r + 1, _trim(texts)))
    if not rows:
        raise TableError(f"The sheet '{sheet}' has no rows")
    return Table(tuple(rows), XLSX, sheet)


def _part_needed(name: str) -> bool:
    """The parts read for the formula and number-format checks."""
    return name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml") or (
        name.startswith("xl/worksheets/") and name.endswith(".xml")
    )


def _check_zip_directory(infos: Sequence[zipfile.ZipInfo]) -> None:
    """Refuse a workbook whose directory promises too much before anything is inflated."""
    if len(infos) > MAX_ZIP_ENTRIES:
        raise TableError(f"The workbook has {len(infos)} parts; that is not a normal spreadsheet")
    total = sum(info.file_size for info in infos)
    limit = max_uncompressed_bytes()
    if total > limit:
        raise TableError(
            f"The workbook would expand to {human_size(total)} when opened; the limit is {human_size(limit)}"
        )
    for info in infos:
        if info.flag_bits & 0x1:
            raise TableError("The workbook is encrypted or password-protected: remove the password and upload it again")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise TableError(f"The workbook part '{info.filename}' uses a compression the portal does not read")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and ratio > MAX_COMPRESSION_RATIO:
            raise TableError(
                f"The workbook part '{info.filename}' would expand {ratio:,.0f} times; "
                "the portal refuses files built to expand beyond a safe size"
            )


def _inflate_checked(data: bytes, infos: Iterable[zipfile.ZipInfo], keep) -> dict[str, bytes]:
    """Inflate every part in bounded chunks, refusing any that holds more than its declared size.

    The parts named by `keep` are returned (the sheet XML, styles) for the
    formula and number-format checks; the others are only measured.
    """
    kept = {}
    for info in infos:
        header = data[info.header_offset : info.header_offset + 30]
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise TableError("The workbook is damaged (a part's header is missing)")
        start = (
            info.header_offset + 30 + int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")
        )
        raw = data[start : start + info.compress_size]
        chunks = [] if keep(info.filename) else None
        produced = 0
        if info.compress_type == zipfile.ZIP_STORED:
            produced = len(raw)
            if chunks is not None:
                chunks.append(raw)
        else:
            inflater = zlib.decompressobj(-15)
            pending = raw
            try:
                while pending and not inflater.eof:
                    out = inflater.decompress(pending, _INFLATE_CHUNK)
                    pending = inflater.unconsumed_tail
                    produced += len(out)
                    if produced > info.file_size:
                        break
                    if chunks is not None:
                        chunks.append(out)
                    if not out and not pending:
                        break
            except zlib.error:
                raise TableError(f"The workbook is damaged (part '{info.filename}' cannot be inflated)") from None
        if produced != info.file_size:
            raise TableError(
                f"The workbook part '{info.filename}' does not hold the size its directory declares; "
                "the portal refuses files built to expand beyond a safe size"
            )
        if chunks is not None:
            kept[info.filename] = b"".join(chunks)
    return kept


def _sheet_part(parts: dict[str, bytes], sheet_name: str) -> str:
    """The zip path of the worksheet called `sheet_name`, from workbook.xml and its relationships."""
    try:
        workbook = ElementTree.fromstring(parts.get("xl/workbook.xml", b""))
        rels = ElementTree.fromstring(parts.get("xl/_rels/workbook.xml.rels", b""))
    except (ElementTree.ParseError, ValueError):  # calamine read it; fall back to the first sheet
        return "xl/worksheets/sheet1.xml"
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{_PKG_REL_NS}Relationship")}
    for node in workbook.iter(f"{_MAIN_NS}sheet"):
        if node.get("name") == sheet_name:
            target = targets.get(node.get(f"{_REL_NS}id"), "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return "xl/worksheets/sheet1.xml"


_FORMULA_OPEN = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_OPEN = re.compile(rb"<(?:\w+:)?c\s[^>]*>")
_CELL_CLOSE = re.compile(rb"</(?:\w+:)?c>")
_VALUE = re.compile(rb"<(?:\w+:)?v>\s*[^<\s]")
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')


def _formulas_without_values(sheet_xml: bytes) -> list[tuple[str, int]]:
    """Cells holding a formula whose value Excel did not save: (reference, row)."""
    found = []
    for match in _FORMULA_OPEN.finditer(sheet_xml):
        window_start = max(0, match.start() - 1000)
        opens = list(_CELL_OPEN.finditer(sheet_xml, window_start, match.start()))
        if not opens:
            continue
        cell_open = opens[-1]
        close = _CELL_CLOSE.search(sheet_xml, match.end())
        body = sheet_xml[cell_open.end() : close.start() if close else len(sheet_xml)]
        if _VALUE.search(body):
            continue
        ref = _REF.search(cell_open.group(0))
        if ref:
            found.append((ref.group(1).decode() + ref.group(2).decode(), int(ref.group(2))))
    return found


_BUILTIN_PERCENT_FORMATS = {9, 10}


def _percent_styles(styles_xml: bytes) -> set[int]:
    """Indexes of the cell styles (`s="…"`) that show numbers as percentages."""
    if not styles_xml:
        return set()
    try:
        root = ElementTree.fromstring(styles_xml)
    except (ElementTree.ParseError, ValueError):  # unreadable styles: numbers as stored
        return set()
    percent_formats = set(_BUILTIN_PERCENT_FORMATS)
    for fmt in root.iter(f"{_MAIN_NS}numFmt"):
        code = re.sub(r'"[^"]*"|\\.', "", fmt.get("formatCode", ""))
        if "%" in code:
            percent_formats.add(int(fmt.get("numFmtId", "-1")))
    styles = set()
    xfs = root.find(f"{_MAIN_NS}cellXfs")
    if xfs is not None:
        for index, xf in enumerate(xfs.findall(f"{_MAIN_NS}xf")):
            if int(xf.get("numFmtId", "0")) in percent_formats:
                styles.add(index)
    return styles


def _percent_cells(sheet_xml: bytes, styles: set[int]) -> dict[int, set[int]]:
    """Row → columns (0-based) of the cells formatted as percentages."""
    if not styles or not sheet_xml:
        return {}
    pattern = re.compile(rb'<(?:\w+:)?c\s[^>]*\bs="(?:' + b"|".join(str(s).encode() for s in styles) + rb')"[^>]*>')
    cells: dict[int, set[int]] = {}
    for match in pattern.finditer(sheet_xml):
        ref = _REF.search(match.group(0))
        if ref:
            cells.setdefault(int(ref.group(2)) - 1, set()).add(column_index(ref.group(1).decode()))
    return cells


def column_index(letters: str) -> int:
    """0-based index of a column letter: A → 0, AA → 26."""
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def column_letter(index: int) -> str:
    """Column letter of a 0-based index: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def number_text(value: float | int | Decimal) -> str:
    """The shortest exact text of a number: 16.0 → '16', 0.1 → '0.1', 2676 → '2676'."""
    if isinstance(value, float):
        value = Decimal(repr(value))
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


def _cell_text(value) -> str:
    """A cell as text; the common types are tested first (this runs for every cell of a sheet)."""
    kind = type(value)
    if kind is str:
        return _clean_text(value) if value else ""
    if kind is float:
        if value.is_integer():
            return str(int(value))
        text = repr(value)
        return text if "e" not in text else number_text(value)
    if value is None:
        return ""
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if kind is int:
        return str(value)
    if kind is datetime:
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if kind is date:
        return value.isoformat()
    return _clean_text(str(value))


def _percent_text(value) -> str:
    if type(value) in (int, float):
        return number_text(Decimal(repr(float(value))) * 100) + "%"
    return _cell_text(value)


# --- Headers -------------------------------------------------------------------------------


def normalise_header(text: str) -> str:
    """Case, space and punctuation do not matter: 'Indicator code', 'indicator_code', 'INDICATOR-CODE' match."""
    return re.sub(r"[^0-9a-z]+", "", str(text).casefold())


@dataclass(frozen=True)
class Column:
    """A column an import understands: its name, other headers that mean it, and whether it must be there."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False

    def header_keys(self) -> set[str]:
        return {normalise_header(self.name), *(normalise_header(a) for a in self.aliases)}


@dataclass
class ColumnMap:
    """Where each known column is in the file, and what is wrong with the header row."""

    header: Row
    positions: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return name in self.positions

    def header_of(self, name: str) -> str:
        """The column's header as written in the file (for error messages)."""
        if name in self.positions:
            return self.header[self.positions[name]] or name
        return name

    def values(self, row: Row) -> dict[str, str]:
        """The row's text by column name; columns the file does not have read as blank."""
        return {name: row[index] for name, index in self.positions.items()}


def map_columns(header: Row, columns: Sequence[Column], *, data_rows: Sequence[Row] = ()) -> ColumnMap:
    """Match a header row to the columns an import knows.

    Refuses (as errors on the header row) columns it cannot map, naming them,
    required columns that are missing, two headers meaning the same column,
    and values under a blank header.
    """
    lookup: dict[str, str] = {}
    for column in columns:
        for key in column.header_keys():
            lookup[key] = column.name
    mapping = ColumnMap(header)
    unknown = []
    for index, text in enumerate(header.cells):
        if not text:
            if any(row[index] for row in data_rows):
                mapping.errors.append(
                    RowError(header.number, column_letter(index), "this column has values but no header")
                )
            continue
        name = lookup.get(normalise_header(text))
        if name is None:
            unknown.append(text)
            continue
        if name in mapping.positions:
            mapping.errors.append(
                RowError(header.number, text, f"'{mapping.header_of(name)}' and '{text}' are the same column")
            )
            continue
        mapping.positions[name] = index
    known = ", ".join(c.name for c in columns)
    for text in unknown:
        mapping.errors.append(RowError(header.number, text, f"unknown column '{text}'; the columns are: {known}"))
    for column in columns:
        if column.required and column.name not in mapping.positions:
            mapping.errors.append(
                RowError(header.number, column.name, f"the required column '{column.name}' is missing")
            )
    return mapping
