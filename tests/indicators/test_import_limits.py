"""Hostile and broken files through every web import and every import command: a clear refusal, the server lives on."""

import html
import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from indicators.models import ImportBatch
from kpiportal import imports
from kpiportal.sheets import reader
from returns.models import Return
from tests.files import csv_bytes, far_cell_xlsx, xlsx_bytes

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
GOOD = csv_bytes([["indicator_code", "period", "value"], ["CP 5", "Sep-20", "48"]])
BOMB = "Sheet 'Data' reaches cell XFD1048576: the portal reads at most 100,000 rows and 1,000 columns"
HEADERS = {
    "indicators": ["code", "title"],
    "figures": ["indicator_code", "period", "value"],
    "populations": ["team", "year", "population"],
    "comparators": ["indicator_code", "comparator", "period", "value"],
}
COMMANDS = {
    "indicators": "import_indicators",
    "figures": "import_figures",
    "populations": "import_populations",
    "comparators": "import_comparators",
}


def preview_of(client, data: bytes, kind: str, name: str) -> str:
    response = client.post(reverse("indicators:imports"), {"kind": kind, "file": SimpleUploadedFile(name, data)})
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"])
    assert page.status_code == 200
    return html.unescape(page.content.decode())


def the_server_still_imports(client) -> None:
    assert "figures: 1 created" in preview_of(client, GOOD, "figures", "good.csv")


@pytest.mark.parametrize("kind", list(imports.KINDS))
def test_a_sheet_reaching_xfd1048576_is_refused_on_the_preview_of_every_kind(client, performance_user, indicator, kind):
    client.force_login(performance_user)
    page = preview_of(client, far_cell_xlsx(header=HEADERS[kind]), kind, "scorecard.xlsx")
    assert BOMB in page
    the_server_still_imports(client)


@pytest.mark.parametrize("kind", list(imports.KINDS))
def test_every_import_command_refuses_the_far_cell_and_a_broken_quote(tmp_path, indicator, kind):
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(far_cell_xlsx(header=HEADERS[kind]))
    with pytest.raises(CommandError, match=f"bomb.xlsx: nothing was written.\n{BOMB}"):
        call_command(COMMANDS[kind], str(bomb), stdout=StringIO())
    quoted = tmp_path / "quoted.csv"
    quoted.write_bytes(",".join(HEADERS[kind]).encode() + b'\n"CP 5,x\n' + b"CP 6,y\n")
    with pytest.raises(CommandError, match=r'Row 2: a quote \(".*never closed'):
        call_command(COMMANDS[kind], str(quoted), stdout=StringIO())
    headers_only = tmp_path / "headers.xlsx"
    headers_only.write_bytes(xlsx_bytes([HEADERS[kind]], title="Scorecard"))
    err = StringIO()
    with pytest.raises(CommandError, match="1 problem in"):
        call_command(COMMANDS[kind], str(headers_only), stdout=StringIO(), stderr=err)
    assert "The sheet 'Scorecard' has headers but no rows under them: there is nothing to import" in err.getvalue()


def test_the_command_process_exits_with_the_refusal_not_an_abort(tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(far_cell_xlsx(header=HEADERS["figures"]))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kpiportal.settings.test"}
    done = subprocess.run(
        [sys.executable, "manage.py", "import_figures", str(bomb), "--dry-run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert BOMB in done.stderr


def test_a_broken_quote_is_refused_on_the_preview_and_nothing_can_be_confirmed(client, performance_user, indicator):
    client.force_login(performance_user)
    data = b'indicator_code,period,value,commentary\nCP 5,Jan-21,5,"Started well\nCP 5,Feb-21,6,ok\n'
    page = preview_of(client, data, "figures", "figures.csv")
    row, problem = re.search(r'kpi-num">(\d+)</td>\s*<td[^>]*>–</td>\s*<td[^>]*>([^<]*)</td>', page).groups()
    assert (row, problem[:49]) == ("2", 'a quote (") opens a cell here and is never closed')
    assert "figures: 1 updated" not in page and "figures: 1 created" not in page
    batch = ImportBatch.objects.latest("pk")
    client.post(reverse("indicators:import_confirm", args=[batch.pk]))
    assert not Return.objects.exists()


@pytest.mark.parametrize("kind", list(imports.KINDS))
@pytest.mark.parametrize("xlsx", [False, True])
def test_a_header_only_file_says_it_has_no_rows(client, performance_user, indicator, kind, xlsx):
    client.force_login(performance_user)
    data = xlsx_bytes([HEADERS[kind]], title="Scorecard") if xlsx else csv_bytes([HEADERS[kind]])
    page = preview_of(client, data, kind, "headers.xlsx" if xlsx else "headers.csv")
    where = "The sheet 'Scorecard'" if xlsx else "The file"
    assert f"{where} has headers but no rows under them: there is nothing to import" in page
    assert "already in the portal" not in page


def test_the_preview_reads_the_file_once_however_often_it_is_shown(client, performance_user, indicator, monkeypatch):
    client.force_login(performance_user)
    reads = []
    read_bytes = reader.read_bytes

    def counted(data, **kwargs):
        reads.append(len(data))
        return read_bytes(data, **kwargs)

    monkeypatch.setattr(reader, "read_bytes", counted)
    data = xlsx_bytes([["indicator_code", "period", "value"], ["CP 5", "Sep-20", 48]])
    response = client.post(
        reverse("indicators:imports"), {"kind": "figures", "file": SimpleUploadedFile("f.xlsx", data)}
    )
    for _ in range(3):
        assert "figures: 1 created" in client.get(response["Location"]).content.decode()
    batch = ImportBatch.objects.latest("pk")
    confirmed = client.post(reverse("indicators:import_confirm", args=[batch.pk]), follow=True)
    assert "f.xlsx imported. figures: 1 created" in confirmed.content.decode()
    assert reads == [len(data)]
    assert Return.objects.count() == 1


def test_a_workbook_beyond_the_memory_a_read_may_use_is_refused_and_the_server_answers_on(
    client, performance_user, indicator, settings
):
    client.force_login(performance_user)
    settings.IMPORT_READ_MEMORY_BYTES = 16 * 1024 * 1024
    # Within the sheet limits (2,000,000 cells from A1 to CV20000), so only the child's memory limit stops it.
    page = preview_of(client, far_cell_xlsx("CV20000", header=HEADERS["figures"]), "figures", "big.xlsx")
    assert "The workbook could not be read within the portal's limits (10 seconds of processing, 16 MB" in page
    the_server_still_imports(client)


def test_a_wide_scorecard_with_its_headings_and_no_indicator_rows_says_so(client, performance_user, indicator):
    client.force_login(performance_user)
    lines = (ROOT / "indicators" / "demo_data" / "scorecard-2019-2021-monthly.txt").read_bytes().split(b"\n")
    page = preview_of(client, b"\n".join(lines[:4]), "figures", "scorecard.txt")
    assert "already in the portal" not in page
    assert "The file has headers but no rows under them: there is nothing to import" in page
