"""XLSX workbooks: the zip checked before anything is inflated, then the values Excel saved, read by calamine.

The sum of the sizes the zip directory declares must stay within
`settings.IMPORT_MAX_UNCOMPRESSED_BYTES`, no part may claim a compression
ratio beyond `MAX_COMPRESSION_RATIO`, and each part is inflated in bounded
chunks to prove it holds no more than it declares. A formula cell with no
saved value is reported by cell; cells formatted as percentages read as shown.
"""

import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal

import python_calamine
from defusedxml import ElementTree

from kpiportal.sheets.limits import human_size, max_uncompressed_bytes
from kpiportal.sheets.table import (
    XLSX,
    MissingSheet,
    Row,
    RowError,
    Table,
    TableError,
    clean_text,
    column_index,
    number_text,
    trim,
)

# No genuine workbook part compresses better than this; zip bombs do.
MAX_COMPRESSION_RATIO = 250
MAX_ZIP_ENTRIES = 5_000
_INFLATE_CHUNK = 1 << 20

_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")


def read_xlsx(data: bytes, *, sheet: str | None) -> Table:
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
            rows.append(Row(r + 1, trim(texts)))
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


def _cell_text(value) -> str:
    """A cell as text; the common types are tested first (this runs for every cell of a sheet)."""
    kind = type(value)
    if kind is str:
        return clean_text(value) if value else ""
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
    return clean_text(str(value))


def _percent_text(value) -> str:
    if type(value) in (int, float):
        return number_text(Decimal(repr(float(value))) * 100) + "%"
    return _cell_text(value)
