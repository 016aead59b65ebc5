"""An XLSX workbook's parts, read without calamine: the zip checked before anything is inflated, its sheets, one cell.

The sum of the sizes the zip directory declares must stay within
`settings.IMPORT_MAX_UNCOMPRESSED_BYTES`, no part may claim a compression
ratio beyond `MAX_COMPRESSION_RATIO`, and each part is inflated in bounded
chunks to prove it holds no more than it declares. The sheets come from
`xl/workbook.xml` and its relationships (name, visibility, part), so the
sheet to read is chosen and measured (`kpiportal.sheets.extent`) before
calamine opens the file. `first_cell_text` reads one small sheet's A1 (the
returns template's marker) with the sheet's extent bounded and the shared
strings streamed only as far as the one it needs.
"""

import io
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.parsers import expat

from defusedxml import DefusedXmlException, ElementTree

from kpiportal.sheets.extent import ENTITY_REFUSED, SheetLimits, check_extent
from kpiportal.sheets.limits import human_size, max_uncompressed_bytes
from kpiportal.sheets.table import MissingSheet, TableError, clean_text

# No genuine workbook part compresses better than this; zip bombs do.
MAX_COMPRESSION_RATIO = 250
MAX_ZIP_ENTRIES = 5_000
_INFLATE_CHUNK = 1 << 20

MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_WORKSHEET_TYPE = "/worksheet"
SHARED_STRINGS = "xl/sharedStrings.xml"
_STRUCTURE = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")


@dataclass(frozen=True)
class Sheet:
    name: str
    part: str
    visible: bool


def open_parts(data: bytes, *, keep) -> dict[str, bytes]:
    """Check the zip and inflate it in bounded chunks; the parts named by `keep` are returned."""
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
    check_zip_directory(infos)
    return inflate_checked(data, infos, keep=lambda name: name in _STRUCTURE or keep(name))


def sheets(parts: dict[str, bytes]) -> list[Sheet]:
    """The workbook's worksheets in order (chart sheets left out), from workbook.xml and its relationships."""
    try:
        workbook = ElementTree.fromstring(parts.get("xl/workbook.xml", b""))
        rels = ElementTree.fromstring(parts.get("xl/_rels/workbook.xml.rels", b""))
    except DefusedXmlException:
        raise TableError(ENTITY_REFUSED) from None
    except (ElementTree.ParseError, ValueError):
        raise TableError("The workbook is damaged: its list of sheets cannot be read") from None
    targets = {
        rel.get("Id"): rel.get("Target", "")
        for rel in rels.iter(f"{_PKG_REL_NS}Relationship")
        if rel.get("Type", "").endswith(_WORKSHEET_TYPE)
    }
    _refuse_repeated_names([node.get("name", "") for node in workbook.iter(f"{MAIN_NS}sheet")])
    found = []
    for node in workbook.iter(f"{MAIN_NS}sheet"):
        target = targets.get(node.get(f"{_REL_NS}id"))
        if target is None:
            continue
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        found.append(Sheet(node.get("name", ""), part, node.get("state", "visible") == "visible"))
    return found


def _refuse_repeated_names(names: list[str]) -> None:
    """Excel never saves two sheets of one name; a crafted file could have the reader read another than was measured."""
    seen: set[str] = set()
    for name in names:
        if name.casefold() in seen:
            raise TableError(f"The workbook is damaged: it has two sheets called '{name}'")
        seen.add(name.casefold())


def choose_sheet(parts: dict[str, bytes], name: str | None, limits: SheetLimits) -> Sheet:
    """The sheet called `name` (or the first visible one), measured against `limits` before anything reads it."""
    every = sheets(parts)
    if name is None:
        chosen = next((s for s in every if s.visible), None)
        if chosen is None:
            raise TableError("The workbook has no visible worksheet")
    else:
        chosen = next((s for s in every if s.name == name), None)
        if chosen is None:
            raise MissingSheet(f"The workbook has no sheet called '{name}'")
    if chosen.part not in parts:
        raise TableError(f"The workbook is damaged: the sheet '{chosen.name}' has no content")
    check_extent(parts[chosen.part], chosen.name, limits)
    return chosen


def is_sheet_part(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def check_zip_directory(infos: Sequence[zipfile.ZipInfo]) -> None:
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


def inflate_checked(data: bytes, infos: Iterable[zipfile.ZipInfo], keep) -> dict[str, bytes]:
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


def first_cell_text(data: bytes, *, sheet: str, limits: SheetLimits) -> str:
    """The text of cell A1 of a small sheet, read without calamine; blank when A1 is empty.

    The sheet must stay within `limits`; a shared string is found by streaming
    the shared strings only as far as its index.
    """
    parts = open_parts(data, keep=lambda name: is_sheet_part(name) or name == SHARED_STRINGS)
    chosen = choose_sheet(parts, sheet, limits)
    cell = _Capture(lambda local, attrs: local == "c" and attrs.get("r", "A1") == "A1", ("v", "t"))
    _stream(parts[chosen.part], cell)
    if cell.attrs.get("t") != "s":
        return clean_text(cell.text)
    index = cell.text.strip()
    if not index.isascii() or not index.isdigit() or len(index) > 9:
        raise TableError(f"The workbook is damaged: cell A1 of the sheet '{sheet}' is not readable")
    wanted = int(index)
    seen = [-1]

    def is_wanted(local: str, _attrs) -> bool:
        if local == "si":
            seen[0] += 1
            return seen[0] == wanted
        return False

    string = _Capture(is_wanted, ("t",), skip="rPh")
    _stream(parts.get(SHARED_STRINGS, b""), string)
    return clean_text(string.text)


class _Found(Exception):
    pass


class _Capture:
    """Expat handlers keeping the text of the first element `match` picks (its `keep` children only)."""

    def __init__(self, match, keep: tuple[str, ...], skip: str = ""):
        self.match, self.keep, self.skip = match, keep, skip
        self.depth = 0  # inside the matched element: 1 + nesting
        self.capturing = self.skipping = False
        self.attrs: dict = {}
        self.parts: list[str] = []

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def start(self, name: str, attrs: dict) -> None:
        local = name.rpartition(":")[2]
        if self.depth:
            self.depth += 1
            self.skipping = self.skipping or local == self.skip
            self.capturing = local in self.keep and not self.skipping
        elif self.match(local, attrs):
            self.depth, self.attrs = 1, attrs

    def end(self, name: str) -> None:
        if not self.depth:
            return
        self.depth -= 1
        self.capturing = False
        if name.rpartition(":")[2] == self.skip:
            self.skipping = False
        if not self.depth:
            raise _Found

    def data(self, text: str) -> None:
        if self.capturing and sum(map(len, self.parts)) < 1 << 20:
            self.parts.append(text)


def _stream(xml: bytes, capture: _Capture) -> None:
    parser = expat.ParserCreate()
    parser.StartElementHandler = capture.start
    parser.EndElementHandler = capture.end
    parser.CharacterDataHandler = capture.data
    parser.StartDoctypeDeclHandler = _refuse_doctype
    try:
        for offset in range(0, len(xml), _INFLATE_CHUNK):
            parser.Parse(xml[offset : offset + _INFLATE_CHUNK], False)
        parser.Parse(b"", True)
    except _Found:
        return
    except expat.ExpatError:
        raise TableError("The workbook is damaged: a part of it is not readable XML") from None


def _refuse_doctype(*_args) -> None:
    raise TableError(ENTITY_REFUSED)
