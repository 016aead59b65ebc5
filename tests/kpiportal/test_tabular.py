"""Reading uploads into tables: formats found from content, limits, zip bombs, formulas, headers."""

import io
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kpiportal.sheets import reader
from kpiportal.sheets.columns import Column, map_columns
from kpiportal.sheets.table import CSV, TSV, XLSX, Row, RowError, TableError, column_index, column_letter
from kpiportal.sheets.text import sniff_delimiter
from tests.files import SHEET, add_part, csv_bytes, declare_size, rewrite_part, xlsx_bytes

SEEDS = Path(__file__).resolve().parents[2] / "indicators" / "demo_data"
HEADER = ["indicator_code", "period", "value"]


def cells(table):
    return [(row.number, row.cells) for row in table.rows]


# --- CSV and TSV ------------------------------------------------------------------------


@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("crlf", [False, True])
def test_csv_with_or_without_bom_and_either_line_ending(bom, crlf):
    data = csv_bytes([HEADER, ["CP 5", "Sep-20", "48"], [], ["W 1", "2019-04", "16.9"]], bom=bom, crlf=crlf)
    table = reader.read_bytes(data)
    assert table.format == CSV
    # The blank third line is dropped but still counted: W 1 is on row 4, as Excel shows it.
    assert cells(table) == [(1, tuple(HEADER)), (2, ("CP 5", "Sep-20", "48")), (4, ("W 1", "2019-04", "16.9"))]


def test_tab_separated_text_with_commas_inside_cells():
    data = b"code\ttitle\tvalue\nMC 8\tNumber of episodes, in month\t2,676\n"
    table = reader.read_bytes(data)
    assert table.format == TSV
    assert table.rows[1].cells == ("MC 8", "Number of episodes, in month", "2,676")


def test_semicolon_separated_csv_and_quoted_newlines():
    data = b'code;title;value\n"CP 5";"two\r\nlines";"48,5"\nCP 6;x;1\n'
    table = reader.read_bytes(data)
    assert table.rows[1].cells == ("CP 5", "two\nlines", "48,5")
    assert table.rows[2].number == 3


def test_utf16_text_as_excel_saves_unicode_text():
    data = "\ufeffcode\tvalue\r\nCP 5\t48%\r\n".encode("utf-16-le")
    assert reader.read_bytes(data).rows[1].cells == ("CP 5", "48%")


def test_the_seed_scorecards_read_as_they_are():
    table = reader.read_path(SEEDS / "scorecard-2019-2021-monthly.txt")
    assert table.format == TSV
    first = table.rows[0]
    assert first.number == 3 and first[0] == "Indicator Number" and first[3] == "2019/20"
    assert table.rows[1][3] == "Apr-19"
    cp5 = next(r for r in table.rows if r[0] == "CP 5")
    assert cp5[20] == "48%" and cp5[21] == "DW" and cp5[22] == "77%"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"%PDF-1.7\n\x00\x01binary", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ".xls"),
        (bytes(range(256)) * 8, "neither an Excel workbook"),
        ("código,valor\nCP 5,48\n".encode("latin-1"), "UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "neither an Excel workbook"),
        (b"   \n\n", "empty"),
    ],
)
def test_files_that_are_not_csv_or_xlsx_are_refused_whatever_their_name(data, words):
    upload = SimpleUploadedFile("figures.csv", data)
    with pytest.raises(TableError) as caught:
        reader.read_upload(upload)
    assert words in str(caught.value)


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(TableError, match="zip archive, not an Excel workbook"):
        reader.read_upload(SimpleUploadedFile("figures.xlsx", buffer.getvalue()))
    with pytest.raises(TableError, match="damaged"):
        reader.read_bytes(b"PK\x03\x04" + b"\x00" * 100)


def test_files_over_the_size_limit_are_refused_before_reading(settings):
    settings.IMPORT_MAX_BYTES = 1000
    big = csv_bytes([HEADER] + [["CP 5", "Sep-20", "48"]] * 100)

    class Unreadable(SimpleUploadedFile):
        def read(self, *args):
            raise AssertionError("the content must not be read")

    with pytest.raises(TableError, match=r"largest file the portal accepts is 1000 bytes"):
        reader.read_upload(Unreadable("figures.csv", big))
    with pytest.raises(TableError, match="largest file"):
        reader.read_bytes(big)


def test_delimiter_sniffing_prefers_consistent_splits():
    assert sniff_delimiter("a,b,c\n1,2,3\n") == ","
    assert sniff_delimiter("a;b;c\n1,5;2;3\n") == ";"
    assert sniff_delimiter("Title line\n\na\tb, c\td\n1\t2\t3\n") == "\t"


# --- XLSX ---------------------------------------------------------------------------------


def test_xlsx_cells_read_as_text_as_excel_shows_them():
    from datetime import date, datetime

    data = xlsx_bytes(
        [
            [*HEADER, "team"],
            ["CP 5", date(2020, 9, 1), 0.48, None],
            ["W 1", datetime(2019, 4, 1), 16.9, "EAST"],
            [None, None, None, None],
            ["MC 8", "Nov-22", 2676, True],
        ],
        formats={"C2": "0%", "C3": "0.0"},
    )
    table = reader.read_bytes(data)
    assert table.format == XLSX and table.sheet == "Data"
    assert cells(table) == [
        (1, ("indicator_code", "period", "value", "team")),
        (2, ("CP 5", "2020-09-01", "48%")),
        (3, ("W 1", "2019-04-01", "16.9", "EAST")),
        (5, ("MC 8", "Nov-22", "2676", "TRUE")),
    ]


def test_custom_percentage_formats_are_recognised():
    data = xlsx_bytes([["v"], [0.125]], formats={"A2": '0.0"pts"%'})
    assert reader.read_bytes(data).rows[1].cells == ("12.5%",)


def test_formulas_are_never_evaluated_the_saved_value_is_read():
    data = xlsx_bytes([HEADER, ["CP 5", "Sep-20", "=40+8"]])
    # Excel saves the value it last calculated beside the formula; give it one that the formula would not give.
    data = rewrite_part(data, SHEET, lambda xml: xml.replace(b"<f>40+8</f><v />", b"<f>40+8</f><v>47</v>"))
    assert reader.read_bytes(data).rows[1].cells == ("CP 5", "Sep-20", "47")


def test_a_formula_without_a_saved_value_is_reported_by_cell():
    data = xlsx_bytes([HEADER, ["CP 5", "Sep-20", "=40+8"], ["CP 6", "Sep-20", "=SUM(C2:C2)"]])
    with pytest.raises(TableError) as caught:
        reader.read_bytes(data)
    assert [(e.row, e.column) for e in caught.value.errors] == [(2, "C2"), (3, "C3")]
    assert "never calculates formulas" in caught.value.reason


def test_a_workbook_declaring_too_much_is_refused_before_inflating(settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 50_000
    data = add_part(xlsx_bytes([HEADER]), "xl/media/padding.bin", b"x" * 60_000)
    with pytest.raises(TableError, match=r"would expand to 7\d KB when opened; the limit is 49 KB"):
        reader.read_bytes(data)


def test_a_zip_bomb_part_with_an_absurd_compression_ratio_is_refused():
    data = add_part(xlsx_bytes([HEADER]), "xl/worksheets/sheet2.xml", b"\x00" * (8 * 1024 * 1024))
    with pytest.raises(TableError, match=r"would expand [\d,]+ times"):
        reader.read_bytes(data)


def test_a_part_holding_more_than_its_directory_declares_is_refused():
    rows = [HEADER] + [["CP 5", "Sep-20", i] for i in range(2000)]
    honest = xlsx_bytes(rows)
    assert len(reader.read_bytes(honest)) == 2001
    lying = declare_size(honest, SHEET, 2000)
    with pytest.raises(TableError, match="does not hold the size its directory declares"):
        reader.read_bytes(lying)


def test_a_damaged_deflate_stream_is_refused():
    data = xlsx_bytes([HEADER, ["CP 5", "Sep-20", 48]])
    import zipfile

    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(SHEET)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    broken = data[:start] + bytes(b ^ 0xFF for b in data[start : start + 20]) + data[start + 20 :]
    with pytest.raises(TableError):
        reader.read_bytes(broken)
    assert zlib  # the module under test inflates with zlib


def test_the_first_visible_sheet_is_read():
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.title = "Hidden notes"
    workbook.active.append(["secret"])
    workbook.active.sheet_state = "hidden"
    workbook.create_sheet("Figures").append(HEADER)
    out = io.BytesIO()
    workbook.save(out)
    table = reader.read_bytes(out.getvalue())
    assert table.sheet == "Figures" and table.rows[0].cells == tuple(HEADER)


# --- Headers ------------------------------------------------------------------------------

COLUMNS = (
    Column("indicator_code", ("code", "Indicator Number"), required=True),
    Column("period", ("month",), required=True),
    Column("value"),
    Column("team"),
)


def test_headers_match_whatever_the_case_spacing_or_punctuation():
    header = Row(1, ("Indicator-Code", " PERIOD ", "Value", "team"))
    mapping = map_columns(header, COLUMNS)
    assert mapping.errors == []
    assert mapping.positions == {"indicator_code": 0, "period": 1, "value": 2, "team": 3}
    assert mapping.values(Row(2, ("CP 5", "Sep-20"))) == {
        "indicator_code": "CP 5",
        "period": "Sep-20",
        "value": "",
        "team": "",
    }
    assert map_columns(Row(1, ("indicator number", "Month")), COLUMNS).errors == []


def test_unknown_and_missing_and_repeated_columns_are_named():
    header = Row(3, ("code", "Indicator code", "Colour", "", "Notes"))
    mapping = map_columns(header, COLUMNS, data_rows=[Row(4, ("CP 5", "", "", "x"))])
    reasons = {(e.column, e.reason.split(";")[0]) for e in mapping.errors}
    assert reasons == {
        ("Indicator code", "'code' and 'Indicator code' are the same column"),
        ("Colour", "unknown column 'Colour'"),
        ("Notes", "unknown column 'Notes'"),
        ("D", "this column has values but no header"),
        ("period", "the required column 'period' is missing"),
    }
    assert all(e.row == 3 for e in mapping.errors)


def test_errors_read_as_sentences():
    assert str(RowError(4, "period", "'Smarch-20' is not a month")) == (
        "Row 4, column 'period': 'Smarch-20' is not a month"
    )
    assert str(RowError(None, "", "The file is empty")) == "The file is empty"
    assert column_letter(0) == "A" and column_letter(27) == "AB"
    assert column_index("AB") == 27


_ENTITIES = [b'<!ENTITY a "' + b"a" * 40 + b'">'] + [
    b'<!ENTITY %s "%s">' % (bytes([name]), b"&%s;" % bytes([previous]) * 10)
    for previous, name in zip(b"abcdefg", b"bcdefgh", strict=True)
]
BILLION_LAUGHS = b"<!DOCTYPE x [" + b"".join(_ENTITIES) + b"]>"


@pytest.mark.parametrize("part", [SHEET, "xl/styles.xml", "xl/workbook.xml"])
def test_xml_entities_in_a_workbook_are_never_expanded(part):
    """A billion-laughs DTD in any part is refused or ignored, never inflated (the text would be 400 MB)."""

    def with_entities(xml: bytes) -> bytes:
        body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
        return BILLION_LAUGHS + body.replace(b"CP 5", b"&h;", 1)

    data = rewrite_part(xlsx_bytes([HEADER, ["CP 5", "Sep-20", 48]]), part, with_entities)
    try:
        table = reader.read_bytes(data)
    except TableError as error:
        assert "entity" in error.reason
    else:
        assert max(len(cell) for row in table.rows for cell in row) < 100
