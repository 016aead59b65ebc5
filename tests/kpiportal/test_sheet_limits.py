"""Files built to exhaust the reader: sheets reaching far cells, reads past the child's limits, protected workbooks."""

import os
import time

import pytest

from kpiportal.sheets import isolated, reader
from kpiportal.sheets.table import TableError
from tests.files import cfb_bytes, far_cell_xlsx, handmade_xlsx, xlsx_bytes

GOOD = xlsx_bytes([["indicator_code", "period", "value"], ["CP 5", "Sep-20", 48]])
LIMITS = "the portal reads at most 100,000 rows and 1,000 columns (2,000,000 cells in all)"


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


@pytest.mark.parametrize(
    ("far", "said"),
    [
        ("XFD1048576", "Sheet 'Data' reaches cell XFD1048576"),  # calamine would ask for 512 GiB and abort
        ("CV200000", "Sheet 'Data' reaches cell CV200000"),  # 10 s and 830 MB a read before
        ("ALM100", "Sheet 'Data' reaches cell ALM100"),  # column 1,001
        ("CW20000", "Sheet 'Data' reaches cell CW20000"),  # 20,000 rows × 101 columns: past 2,000,000 cells
    ],
)
def test_a_sheet_reaching_a_far_cell_is_refused_naming_it_before_it_is_read(far, said):
    data = far_cell_xlsx(far)
    assert len(data) < 2000
    with pytest.raises(TableError) as refused:
        reader.read_bytes(data)
    assert refused.value.reason.startswith(f"{said}: {LIMITS}. Delete the rows and columns beyond your table")
    assert reader.read_bytes(GOOD).rows[1].cells == ("CP 5", "Sep-20", "48")  # and the process reads on


def test_the_declared_range_rows_without_cells_and_cells_without_references_count_too():
    declared = handmade_xlsx({"Data": f'<row r="1">{inline("A1", "code")}</row>'}, dimension="A1:XFD1048576")
    with pytest.raises(TableError, match=r"^Sheet 'Data' declares its range as reaching XFD1048576: the portal"):
        reader.read_bytes(declared)
    empty_row = handmade_xlsx({"Data": f'<row r="1">{inline("A1", "code")}</row><row r="1048576"/>'})
    with pytest.raises(TableError, match=r"^Sheet 'Data' reaches row 1,048,576: the portal"):
        reader.read_bytes(empty_row)
    # Cells written without `r` take the next column, as Excel reads them.
    unnumbered = handmade_xlsx({"Data": "<row>" + "<c><v>1</v></c>" * 1001 + "</row>"})
    with pytest.raises(TableError, match=r"^Sheet 'Data' reaches cell ALM1: the portal"):
        reader.read_bytes(unnumbered)
    huge_reference = handmade_xlsx({"Data": f'<row r="1"><c r="A{"9" * 5000}"><v>1</v></c></row>'})
    with pytest.raises(TableError, match=r"^Sheet 'Data' reaches cell beyond XFD1048576"):
        reader.read_bytes(huge_reference)


def test_the_same_cell_written_over_and_over_counts_each_time(settings):
    settings.IMPORT_MAX_CELLS = 1000
    repeated = handmade_xlsx({"Data": '<row r="1">' + '<c r="A1"><v>1</v></c>' * 1001 + "</row>"})
    with pytest.raises(TableError, match=r"^Sheet 'Data' holds more than 1,000 cells: the portal reads at most"):
        reader.read_bytes(repeated)


def test_a_sheet_within_the_limits_reads_with_its_rows_numbered_as_in_excel():
    first = f'<row r="1">{inline("A1", "code")}{inline("ALL1", "last")}</row>'
    data = handmade_xlsx({"Data": first + '<row r="1500"><c r="B1500"><v>7</v></c></row>'}, dimension="A1:ALL1500")
    table = reader.read_bytes(data)
    assert [(row.number, row[0], row[1], row[999]) for row in table.rows] == [
        (1, "code", "", "last"),
        (1500, "", "7", ""),
    ]


def test_the_sheet_asked_for_is_the_one_measured():
    data = handmade_xlsx(
        {"Data": f'<row r="1">{inline("A1", "ok")}</row>', "Far": '<row r="9"><c r="XFD9"><v>1</v></c></row>'}
    )
    assert reader.read_bytes(data).rows[0].cells == ("ok",)
    with pytest.raises(TableError, match=r"^Sheet 'Far' reaches cell XFD9"):
        reader.read_bytes(data, sheet="Far")


def test_a_file_that_passes_the_checks_but_needs_more_memory_than_allowed_is_refused_and_the_process_lives_on(
    settings,
):
    # A1 and CV20000: 2,000,000 cells from A1, just within the limits, so calamine allocates them (~64 MB at once).
    far = far_cell_xlsx("CV20000")
    settings.IMPORT_READ_MEMORY_BYTES = 16 * 1024 * 1024
    with pytest.raises(TableError) as refused:
        reader.read_bytes(far)
    assert refused.value.reason.startswith(
        "The workbook could not be read within the portal's limits (10 seconds of processing, 16 MB of memory)"
    )
    assert reader.read_bytes(GOOD).rows[1].cells == ("CP 5", "Sep-20", "48")
    settings.IMPORT_READ_MEMORY_BYTES = 1024 * 1024 * 1024
    assert [row.number for row in reader.read_bytes(far).rows] == [1, 20_000]


def _spin():
    while True:
        pass


def test_a_read_that_runs_past_the_processing_limit_is_stopped(settings):
    settings.IMPORT_READ_CPU_SECONDS = 1
    started = time.monotonic()
    with pytest.raises(TableError, match=r"^The file could not be read within the portal's limits \(1 seconds"):
        isolated.run(_spin)
    assert time.monotonic() - started < 10
    assert isolated.run(os.getpid) != os.getpid()  # read in a child, and the parent still answers


def test_a_read_that_hangs_without_using_the_processor_is_stopped_at_the_deadline(settings, caplog):
    settings.IMPORT_READ_CPU_SECONDS = 1  # the parent waits twice that and five seconds
    started = time.monotonic()
    with pytest.raises(TableError, match=r"^The file could not be read within the portal's limits"):
        isolated.run(time.sleep, 60)
    assert time.monotonic() - started < 20
    assert "the child process took too long" in caplog.text


def _broken():
    raise ValueError("a mistake in the reader")


def test_a_reader_that_fails_in_the_child_is_a_refusal_and_logged(caplog):
    with pytest.raises(TableError, match=r"^The file cannot be read: it may be damaged"):
        isolated.run(_broken)
    assert "ValueError: a mistake in the reader" in caplog.text


def test_cells_each_within_the_limits_that_span_too_large_an_area_are_refused(settings):
    # ALL1 and A100000 are each allowed, but the reader would fill A1:ALL100000 (100 million cells).
    data = handmade_xlsx(
        {"Data": f'<row r="1">{inline("ALL1", "x")}</row><row r="100000">{inline("A100000", "y")}</row>'}
    )
    with pytest.raises(TableError, match=r"^Sheet 'Data' has cells spanning A1:ALL100000"):
        reader.read_bytes(data)


def test_a_workbook_with_two_sheets_of_one_name_is_refused():
    small = f'<row r="1">{inline("A1", "ok")}</row>'
    data = handmade_xlsx({"S": small, "s": small})
    with pytest.raises(TableError, match=r"^The workbook is damaged: it has two sheets called 's'"):
        reader.read_bytes(data)


def test_a_password_protected_workbook_is_told_apart_from_an_old_xls():
    with pytest.raises(TableError, match=r"^This workbook is protected with a password: remove the password in Excel"):
        reader.read_bytes(cfb_bytes(["\x06DataSpaces", "EncryptionInfo", "EncryptedPackage"]))
    with pytest.raises(TableError, match=r"^This is an old-style Excel \(.xls\)"):
        reader.read_bytes(cfb_bytes(["Workbook", "\x05SummaryInformation"]))
    # The name inside a stream's data, off a directory entry's place, is not a protected workbook.
    xls_mentioning_it = cfb_bytes(["Workbook"]) + b"\0" * 5 + "EncryptedPackage\0".encode("utf-16-le").ljust(123, b"\0")
    with pytest.raises(TableError, match=r"^This is an old-style Excel"):
        reader.read_bytes(xls_mentioning_it)


def test_an_unterminated_quote_is_refused_naming_the_row_it_opened_on():
    data = b'indicator_code,period,value,commentary\nCP 5,Jan-21,5,"Started well\nCP 5,Feb-21,6,ok\nCP 5,Mar-21,7,\n'
    with pytest.raises(TableError) as refused:
        reader.read_bytes(data)
    assert str(refused.value) == (
        'Row 2: a quote (") opens a cell here and is never closed, so every line after it would be read into that '
        "one cell: close the quote or remove it, and upload the file again"
    )
    # After a cell over two lines, the line of the file is named too; quotes closed properly still read.
    with pytest.raises(TableError, match=r"^Row 3: a quote \(\"\) opens a cell here \(line 4 of the file\)"):
        reader.read_bytes(b'a,b\n1,"two\nlines"\n3,"open\n4,5\n')
    assert reader.read_bytes(b'a,b\n1,x"y\n2,"ok ""quoted"""\n').rows[2].cells == ("2", 'ok "quoted"')
