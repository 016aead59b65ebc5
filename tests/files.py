"""Build CSV and XLSX files for import tests, as councils' tools would write them."""

import csv
import io
import zipfile
from collections.abc import Callable, Sequence

import openpyxl

SHEET = "xl/worksheets/sheet1.xml"


def csv_bytes(rows: Sequence[Sequence], *, delimiter: str = ",", bom: bool = False, crlf: bool = False) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n").writerows(rows)
    data = out.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows: Sequence[Sequence], *, formats: dict[str, str] | None = None, title: str = "Data") -> bytes:
    """A workbook with one sheet; `formats` maps cell references (`C2`) to number formats (`0%`)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for ref, number_format in (formats or {}).items():
        sheet[ref].number_format = number_format
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def rewrite_part(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    """The same zip with one part's content changed (to give formulas saved values, for example)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info.filename, change(content) if info.filename == name else content)
    return out.getvalue()


def add_part(data: bytes, name: str, content: bytes) -> bytes:
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as target:
        target.writestr(name, content)
    return out.getvalue()


def declare_size(data: bytes, name: str, size: int) -> bytes:
    """Make the zip's headers lie about one part's uncompressed size (a crafted zip bomb)."""
    encoded = name.encode()
    data = bytearray(data)
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo(name)
    local = info.header_offset
    data[local + 22 : local + 26] = size.to_bytes(4, "little")
    central = bytes(data).index(b"PK\x01\x02", local)
    while True:
        name_length = int.from_bytes(data[central + 28 : central + 30], "little")
        if bytes(data[central + 46 : central + 46 + name_length]) == encoded:
            data[central + 24 : central + 28] = size.to_bytes(4, "little")
            break
        central = bytes(data).index(b"PK\x01\x02", central + 4)
    return bytes(data)


_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_R_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def handmade_xlsx(sheets: dict[str, str], *, dimension: str = "") -> bytes:
    """A minimal workbook written by hand: each sheet's `<sheetData>` XML as given (tiny, whatever it claims).

    openpyxl would itself allocate or refuse a sheet reaching XFD1048576; this writes the XML a crafted file has.
    """
    entries = "".join(f'<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>' for n, name in enumerate(sheets, start=1))
    rels = "".join(
        f'<Relationship Id="rId{n}" Type="{_DOC}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, len(sheets) + 1)
    )
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for n in range(1, len(sheets) + 1)
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        target.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>",
        )
        target.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Type="{_DOC}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        target.writestr("xl/workbook.xml", f"<workbook {_NS} {_R_NS}><sheets>{entries}</sheets></workbook>")
        target.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{_PKG}">{rels}</Relationships>')
        declared = f'<dimension ref="{dimension}"/>' if dimension else ""
        for n, body in enumerate(sheets.values(), start=1):
            target.writestr(
                f"xl/worksheets/sheet{n}.xml", f"<worksheet {_NS}>{declared}<sheetData>{body}</sheetData></worksheet>"
            )
    return out.getvalue()


def far_cell_xlsx(far: str = "XFD1048576", *, sheet: str = "Data", header: Sequence[str] = ("code",)) -> bytes:
    """A 1.5 KB workbook with a header row and one cell at `far`: the reader would allocate A1 to there."""
    row = "".join(c for c in far if c.isdigit())
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{text}</t></is></c>' for i, text in enumerate(header))
    return handmade_xlsx({sheet: f'<row r="1">{cells}</row><row r="{row}"><c r="{far}"><v>1</v></c></row>'})


def cfb_bytes(stream_names: Sequence[str]) -> bytes:
    """A minimal OLE compound file (version 3, 512-byte sectors) holding empty streams with these names.

    Enough for the reader to tell an encrypted workbook (`EncryptionInfo`, `EncryptedPackage`, as Excel writes
    a password-protected .xlsx) from an old .xls (`Workbook`).
    """
    end, free, fat_sector = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    names = ["Root Entry", *stream_names]
    directory_sectors = (len(names) + 3) // 4
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[0x18:0x1A] = (0x3E).to_bytes(2, "little")
    header[0x1A:0x1C] = (3).to_bytes(2, "little")
    header[0x1C:0x1E] = b"\xfe\xff"
    header[0x1E:0x20] = (9).to_bytes(2, "little")
    header[0x20:0x22] = (6).to_bytes(2, "little")
    header[0x2C:0x30] = (1).to_bytes(4, "little")  # one FAT sector
    header[0x30:0x34] = (1).to_bytes(4, "little")  # the directory starts at sector 1
    header[0x38:0x3C] = (4096).to_bytes(4, "little")
    header[0x3C:0x40] = end.to_bytes(4, "little")
    header[0x44:0x48] = end.to_bytes(4, "little")
    header[0x4C:0x50] = (0).to_bytes(4, "little")  # the FAT is sector 0
    header[0x50:512] = b"\xff" * (512 - 0x50)
    fat = [fat_sector] + [n + 1 for n in range(1, directory_sectors)] + [end]
    fat_bytes = b"".join(v.to_bytes(4, "little") for v in fat).ljust(512, b"\xff")
    directory = bytearray()
    for index, name in enumerate(names):
        entry = bytearray(128)
        encoded = (name + "\0").encode("utf-16-le")
        entry[0 : len(encoded)] = encoded
        entry[0x40:0x42] = len(encoded).to_bytes(2, "little")
        entry[0x42] = 5 if index == 0 else 2
        entry[0x43] = 1
        entry[0x44:0x48] = free.to_bytes(4, "little")  # left sibling
        entry[0x48:0x4C] = (index + 1 if 0 < index < len(names) - 1 else free).to_bytes(4, "little")
        entry[0x4C:0x50] = (1 if index == 0 and len(names) > 1 else free).to_bytes(4, "little")
        entry[0x74:0x78] = end.to_bytes(4, "little")
        directory += entry
    directory = bytes(directory).ljust(512 * directory_sectors, b"\0")
    return bytes(header) + fat_bytes + directory
