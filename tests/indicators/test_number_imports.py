"""Numbers too large to keep, or written in other digits, in every import: the row named, nothing written, no 500.

Through the web import (upload → preview → confirm refused) and the import commands (a clear message, a
non-zero exit, no traceback), for figures (long and wide), indicators and targets, comparators and populations.
"""

import html
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from benchmarks.models import ComparatorValue, Population
from indicators import numbers
from indicators.models import ImportBatch, Indicator, Target
from returns.models import Return
from tests import factories
from tests.files import csv_bytes

pytestmark = pytest.mark.django_db

BIG = "1234567890123"  # 13 digits: a stored figure has at most 12 before the point
TOO_LARGE = f"'{BIG}' is too large: a number can have at most 12 digits before the decimal point"


@pytest.fixture
def count(service_area, officer):
    return factories.IndicatorFactory(
        code="FDB 5",
        title="Referrals received",
        unit="count",
        decimals=0,
        aggregation="sum",
        service_area=service_area,
        responsible_officer=officer,
    )


@pytest.fixture
def sn(db):
    return factories.ComparatorSourceFactory(name="Statistical neighbours", short_name="SN", kind="average")


def nothing_written() -> bool:
    indicators = set(Indicator.objects.values_list("code", flat=True))
    return (
        not Return.objects.exists()
        and not Target.objects.exists()
        and not ComparatorValue.objects.exists()
        and not Population.objects.exists()
        and indicators <= {"FDB 5", "CP 5"}
    )


# kind, file rows, the row error (row, column, reason) the preview and the command show
CASES = {
    "figures": (
        "figures",
        [["indicator_code", "period", "value"], ["FDB 5", "Sep-20", BIG]],
        f"Row 2, column 'value': {TOO_LARGE}",
    ),
    "figures, wide layout": (
        "figures",
        [["Code", "Performance Measure", "Apr-20"], ["FDB 5", "Referrals received", BIG]],
        f"Row 2, column 'Apr-20': {TOO_LARGE}",
    ),
    "target": (
        "indicators",
        [["code", "financial_year", "target"], ["FDB 5", "2022/23", BIG]],
        f"Row 2, column 'target': the target {TOO_LARGE}",
    ),
    "tolerance": (
        "indicators",
        [["code", "financial_year", "tolerance"], ["FDB 5", "2022/23", BIG]],
        f"Row 2, column 'tolerance': {TOO_LARGE}",
    ),
    "comparator": (
        "comparators",
        [["indicator_code", "comparator", "period", "value"], ["FDB 5", "SN", "2019/20", BIG]],
        f"Row 2, column 'value': {TOO_LARGE} (write e.g. 48.2, 23% or n/a)",
    ),
    "population": (
        "populations",
        [["team", "year", "population"], ["", "2015", "12345678901"]],
        "Row 2, column 'population': '12345678901' is too large: a whole number here can be at most 2,147,483,647",
    ),
    "other digits": (
        "figures",
        [["indicator_code", "period", "value"], ["FDB 5", "Sep-20", "١٢"]],
        "Row 2, column 'value': '١٢' is not a number: use the digits 0–9",
    ),
}
COMMANDS = {"figures": "import_figures", "indicators": "import_indicators", "comparators": "import_comparators"}
COMMANDS["populations"] = "import_populations"


@pytest.mark.parametrize("case", CASES)
def test_the_web_import_names_the_row_and_writes_nothing(client, performance_user, count, sn, case):
    kind, rows, error = CASES[case]
    client.force_login(performance_user)
    response = client.post(
        reverse("indicators:imports"), {"kind": kind, "file": SimpleUploadedFile("f.csv", csv_bytes(rows))}
    )
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    preview = client.get(reverse("indicators:import_preview", args=[batch.pk]))
    assert preview.status_code == 200
    reason = error.split(": ", 1)[1]
    text = html.unescape(preview.content.decode())
    assert "There is a problem with this file" in text and reason in text
    confirm = client.post(reverse("indicators:import_confirm", args=[batch.pk]))
    assert confirm.status_code == 409
    assert nothing_written()


@pytest.mark.parametrize("case", CASES)
def test_the_import_command_names_the_row_and_exits_non_zero(tmp_path, performance_user, count, sn, case):
    kind, rows, error = CASES[case]
    path = tmp_path / "f.csv"
    path.write_bytes(csv_bytes(rows))
    err = StringIO()
    options = ["--user", "perf"] if kind in ("figures", "comparators") else []
    with pytest.raises(CommandError, match=r"1 problem in .*f.csv: nothing was written"):
        call_command(COMMANDS[kind], str(path), *options, stderr=err, stdout=StringIO())
    assert error in err.getvalue()
    assert nothing_written()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("999999999999", "999999999999"),
        ("999,999,999,999.999999", "999999999999.999999"),
        ("-999999999999", "-999999999999"),
        ("48%", "48"),
        ("0.0000001", "1E-7"),  # kept to six places when stored, as before
    ],
)
def test_the_largest_numbers_a_column_keeps_are_read(text, expected):
    assert str(numbers.parse(text)) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (BIG, TOO_LARGE),
        ("999999999999.9999996", "is too large"),  # rounds to 10^12 on storing
        ("٣", "use the digits 0–9"),
        ("1٢", "use the digits 0–9"),
        ("𝟏𝟐", "use the digits 0–9"),  # mathematical bold digits
    ],
)
def test_numbers_that_cannot_be_kept_are_refused(text, reason):
    with pytest.raises(numbers.NumberError, match=reason):
        numbers.parse(text)
