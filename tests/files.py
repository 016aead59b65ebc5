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
