"""Read an uploaded or command-line file into a table of text cells (`kpiportal.sheets.table`).

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
- Before calamine opens an XLSX, the sheet's XML is streamed to find how far
  it reaches (`kpiportal.sheets.extent`): its declared dimension, the
  furthest row and column of any cell and the number of cells must stay
  within `IMPORT_MAX_ROWS`, `IMPORT_MAX_COLUMNS` and `IMPORT_MAX_CELLS`
  (rows × columns from A1, the rectangle calamine allocates); the refusal
  names the cell.
- Every file is read in a forked child with CPU-time and memory limits
  (`kpiportal.sheets.isolated`: `IMPORT_READ_CPU_SECONDS`,
  `IMPORT_READ_MEMORY_BYTES`), so a file that passes the checks and still
  blows up is refused ("could not be read within the portal's limits") and
  the web worker, Celery worker or command that asked lives on.
- A password-protected XLSX (an OLE container holding an `EncryptedPackage`
  stream) is told apart from an old-style .xls.
- A CSV quote still open at the end of the file is refused, naming the line
  where it opened (it would swallow every row after it into one cell).
- XLSX cells are read with python-calamine: the values Excel saved, never a
  formula evaluated. A formula cell with no saved value is reported by cell.
  Cells formatted as percentages read as they are shown (`48%`, not `0.48`).

Cells come back as stripped text; numbers as their shortest exact text
(`16.9`, `2676`), dates as ISO (`2020-09-01`). Each row keeps the number the
user sees in Excel (1-based; blank rows are dropped but counted), so every
error can name its row. Text is read by `kpiportal.sheets.text`, workbooks
by `kpiportal.sheets.xlsx`; headers are matched by `kpiportal.sheets.columns`.
`read_first_cell` reads one cell of a small sheet without calamine (the
returns template's marker, checked before the rest of the file is read).
"""

from functools import partial
from pathlib import Path

from kpiportal.sheets import isolated
from kpiportal.sheets.extent import SheetLimits
from kpiportal.sheets.limits import human_size, max_bytes, sheet_limits
from kpiportal.sheets.table import MissingSheet, Table, TableError
from kpiportal.sheets.text import read_text
from kpiportal.sheets.workbook import first_cell_text
from kpiportal.sheets.xlsx import read_xlsx


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


def read_bytes(data: bytes, *, sheet: str | None = None, limits: SheetLimits | None = None) -> Table:
    """Read CSV/TSV text or an XLSX workbook, found from the content, in a limited child process.

    `limits` bounds the sheet's reach (the settings' by default; a caller that
    knows its file's shape, such as the returns template, gives tighter ones).
    """
    check_size(len(data))
    if not data.strip():
        raise TableError("The file is empty")
    if _is_zip(data):
        return isolated.run(partial(read_xlsx, sheet=sheet, limits=limits or sheet_limits()), data, noun="workbook")
    refused = _known_binary(data)
    if refused:
        raise TableError(refused)
    return isolated.run(read_text, data)


def read_first_cell(data: bytes, *, sheet: str, limits: SheetLimits) -> str:
    """The text of A1 of a small sheet that must stay within `limits`, read without calamine.

    A file that is not a workbook has no such sheet (`MissingSheet`), unless
    it is one the portal names (a PDF, an old .xls, a protected workbook).
    """
    check_size(len(data))
    if not _is_zip(data):
        refused = _known_binary(data)
        raise TableError(refused) if refused else MissingSheet("The file is not a workbook")
    return isolated.run(partial(first_cell_text, sheet=sheet, limits=limits), data, noun="workbook")


def _is_zip(data: bytes) -> bool:
    return data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06")


def _known_binary(data: bytes) -> str:
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if is_encrypted_workbook(data):
            return (
                "This workbook is protected with a password: remove the password in Excel "
                "(File › Info › Protect Workbook › Encrypt with Password, clear it, save) and upload it again"
            )
        return "This is an old-style Excel (.xls) or other Office file: save it as .xlsx or CSV (UTF-8) and upload that"
    if data.startswith(b"%PDF"):
        return "This is a PDF, not a spreadsheet: upload a CSV or XLSX file"
    return ""


_ENCRYPTED_PACKAGE = "EncryptedPackage\0".encode("utf-16-le")


def is_encrypted_workbook(data: bytes) -> bool:
    """An OLE container with a stream named `EncryptedPackage`: how Excel saves a password-protected .xlsx.

    An old .xls is an OLE container too (its stream is `Workbook`). Directory
    entries are 128 bytes at 128-byte offsets (sectors are 512 or 4,096
    bytes): a stream entry of that name, its length field 34 and its type 2,
    is looked for at such offsets only, so the check reads nothing it need not.
    """
    offset = data.find(_ENCRYPTED_PACKAGE, 512)
    while offset != -1:
        entry = data[offset : offset + 128]
        if offset % 128 == 0 and len(entry) == 128 and entry[0x40:0x42] == b"\x22\x00" and entry[0x42] == 2:
            return True
        offset = data.find(_ENCRYPTED_PACKAGE, offset + 1)
    return False
