"""The returns template upload against files built to exhaust the reader: refused clearly, the server answers on."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from returns import excel
from returns.models import Return
from tests.files import SHEET, handmade_xlsx, rewrite_part

pytestmark = pytest.mark.django_db

FAR_ROW = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'


def template(client) -> bytes:
    response = client.get(reverse("returns:template"), {"period": "2022-11"})
    assert response.status_code == 200
    return response.content


def post(client, data: bytes):
    file = SimpleUploadedFile("returns.xlsx", data)
    response = client.post(reverse("returns:upload"), {"period": "2022-11", "file": file})
    assert response.status_code == 200
    return response


def refusal(response) -> str:
    errors = response.context["form"].errors
    assert "file" in errors, (errors, response.context["report"] and response.context["report"].errors)
    return errors["file"][0]


def test_a_marker_sheet_reaching_xfd1048576_is_refused_before_anything_else_is_read(client, officer, indicator):
    client.force_login(officer)
    bomb = handmade_xlsx(
        {excel.SHEET: '<row r="1"><c r="A1"><v>1</v></c></row>', excel.MARKER_SHEET: f'<row r="1"/>{FAR_ROW}'}
    )
    assert len(bomb) < 2000
    assert refusal(post(client, bomb)).startswith(
        "Sheet 'Portal' reaches cell XFD1048576: the portal reads at most 10 rows and 10 columns"
    )
    # The server answers the next upload: the officer's real template, unchanged, saves nothing and says so.
    report = post(client, template(client)).context["report"]
    assert report is not None and report.ok


def test_a_template_whose_returns_sheet_reaches_far_is_refused_by_the_template_size(client, officer, indicator):
    client.force_login(officer)
    data = rewrite_part(
        template(client), SHEET, lambda xml: xml.replace(b"</sheetData>", FAR_ROW.encode() + b"</sheetData>")
    )
    message = refusal(post(client, data))
    assert message.startswith("Sheet 'Returns' reaches cell XFD1048576: the portal reads at most 1,006 rows and ")
    assert not Return.objects.exists()
