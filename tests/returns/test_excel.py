"""The Excel round trip: download the template, fill it with openpyxl, upload it; tampered templates refused."""

import io
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from returns import excel, services
from returns.models import Return, State
from tests import factories, files
from tests.returns.conftest import NOV, OCT

pytestmark = pytest.mark.django_db

COL = {key: index + 1 for index, key in enumerate(excel.KEYS)}


@pytest.fixture
def two_indicators(indicator, officer, service_area):
    count = factories.IndicatorFactory(
        code="CP 10",
        title='=HYPERLINK("http://evil") plans lasting 2 years',
        unit="count",
        decimals=0,
        aggregation="latest",
        responsible_officer=officer,
        service_area=service_area,
        polarity="lower",
    )
    factories.TargetFactory(indicator=count, financial_year=2022, target=D("20"), tolerance=None)
    factories.ReturnFactory(indicator=count, period=OCT, value=D("18"), state=State.APPROVED)
    return indicator, count


def download(client, period="2022-11"):
    response = client.get(reverse("returns:template"), {"period": period})
    assert response.status_code == 200
    assert response["Content-Type"] == excel.XLSX_TYPE
    return load_workbook(io.BytesIO(response.content))


def upload(client, workbook, period="2022-11"):
    buffer = io.BytesIO()
    workbook.save(buffer)
    file = SimpleUploadedFile("returns.xlsx", buffer.getvalue())
    return client.post(reverse("returns:upload"), {"period": period, "file": file})


def row_of(sheet, code):
    for row in range(excel.FIRST_ROW, sheet.max_row + 1):
        if sheet.cell(row=row, column=1).value == code:
            return row
    raise AssertionError(code)


def test_template_is_prefilled_protected_and_validated(client, officer, two_indicators):
    client.force_login(officer)
    workbook = download(client)
    sheet = workbook[excel.SHEET]
    assert [c.value for c in sheet[excel.HEADER_ROW]] == excel.HEADERS
    row = row_of(sheet, "CP 10")
    assert sheet.cell(row=row, column=COL["previous"]).value == 18
    assert sheet.cell(row=row, column=COL["target"]).value == 20
    assert sheet.cell(row=row, column=COL["state"]).value == "Not started"
    # A title starting with '=' is text, never a formula.
    title = sheet.cell(row=row, column=COL["title"])
    assert title.data_type == "s" and title.value.startswith("=HYPERLINK")
    # Protected sheet; only the officer's cells unlocked.
    assert sheet.protection.sheet
    assert sheet.cell(row=row, column=COL["code"]).protection.locked
    assert not sheet.cell(row=row, column=COL["value"]).protection.locked
    assert not sheet.cell(row=row, column=COL["commentary"]).protection.locked
    # Data validation on the numeric cells; percentages 0–100.
    rules = {(dv.type, dv.operator, dv.formula2): str(dv.sqref) for dv in sheet.data_validations.dataValidation}
    cp5 = row_of(sheet, "CP 5")
    assert f"G{cp5}" in rules[("decimal", "between", "100")]
    assert f"G{row}" in rules[("decimal", "greaterThanOrEqual", None)]
    # The marker sheet is very hidden.
    assert workbook[excel.MARKER_SHEET].sheet_state == "veryHidden"


def test_round_trip_creates_drafts_and_never_submits(client, officer, two_indicators):
    client.force_login(officer)
    workbook = download(client)
    sheet = workbook[excel.SHEET]
    cp5, cp10 = row_of(sheet, "CP 5"), row_of(sheet, "CP 10")
    sheet.cell(row=cp5, column=COL["numerator"]).value = 45
    sheet.cell(row=cp5, column=COL["denominator"]).value = 50
    sheet.cell(row=cp10, column=COL["value"]).value = 19
    commentary = sheet.cell(row=cp10, column=COL["commentary"])
    commentary.value = "=cmd|' /C calc'!A0 is just text"
    commentary.data_type = "s"  # typed as text ('=…), not a formula
    response = upload(client, workbook)
    assert response.status_code == 200
    report = response.context["report"]
    assert report is not None, response.context["form"].errors
    assert report.ok, report.errors
    assert [r.outcome for r in report.rows] == ["Created draft", "Created draft"]
    stored = {r.indicator.code: r for r in Return.objects.filter(period=NOV)}
    assert stored["CP 5"].value == D("90") and stored["CP 5"].state == State.DRAFT
    assert stored["CP 10"].value == D("19") and stored["CP 10"].commentary.startswith("=cmd")
    assert b"Submit these 2 returns for review" in response.content

    # Downloaded again, the commentary is still text.
    again = download(client)[excel.SHEET]
    assert again.cell(row=cp10, column=COL["commentary"]).data_type == "s"

    # Uploading the same file again changes nothing (the versions moved, but the figures are the same).
    response = upload(client, workbook)
    assert response.context["report"].errors == []
    assert [r.outcome for r in response.context["report"].rows] == ["Unchanged", "Unchanged"]

    # One click submits the uploaded drafts.
    drafts = response.context["report"].drafts
    response = client.post(
        reverse("returns:submit_many"), {"returns": [f"{r.pk}:{r.version}" for r in drafts]}, follow=True
    )
    assert set(Return.objects.filter(period=NOV).values_list("state", flat=True)) == {State.SUBMITTED}


def test_bad_rows_are_reported_and_nothing_is_saved(client, officer, two_indicators):
    client.force_login(officer)
    workbook = download(client)
    sheet = workbook[excel.SHEET]
    cp5, cp10 = row_of(sheet, "CP 5"), row_of(sheet, "CP 10")
    sheet.cell(row=cp5, column=COL["value"]).value = 88
    sheet.cell(row=cp10, column=COL["value"]).value = 2.5
    response = upload(client, workbook)
    report = response.context["report"]
    assert not report.ok
    assert report.errors == [
        f"Row {cp10} (CP 10): column 'Value': A count must be a whole number of 0 or more (got 2.5)"
    ]
    assert b"Nothing was saved" in response.content
    assert not Return.objects.filter(period=NOV).exists()
    sheet.cell(row=cp10, column=COL["value"]).value = "about ten"
    report = upload(client, workbook).context["report"]
    assert report.errors == [f"Row {cp10} (CP 10): column 'Value': 'about ten' is not a number"]


def test_template_of_another_month_is_refused(client, officer, two_indicators):
    client.force_login(officer)
    workbook = download(client, "2022-10")
    response = upload(client, workbook, "2022-11")
    assert "This template is for Oct-22, not Nov-22" in response.context["form"].errors["file"][0]
    assert not Return.objects.filter(period=NOV).exists()


def test_template_of_another_officer_is_refused(client, officer, other_officer, two_indicators):
    client.force_login(officer)
    workbook = download(client)
    client.force_login(other_officer)
    response = upload(client, workbook)
    assert "downloaded by another officer" in response.context["form"].errors["file"][0]


def test_rows_added_or_codes_changed_are_refused(client, officer, two_indicators):
    client.force_login(officer)
    workbook = download(client)
    sheet = workbook[excel.SHEET]
    sheet.protection.sheet = False
    last = sheet.max_row
    sheet.cell(row=last + 1, column=1).value = "ZZ 1"
    sheet.cell(row=last + 1, column=COL["value"]).value = 5
    response = upload(client, workbook)
    assert f"Row {last + 1}: rows cannot be added to the template" in response.context["form"].errors["file"][0]

    workbook = download(client)
    sheet = workbook[excel.SHEET]
    row = row_of(sheet, "CP 10")
    sheet.cell(row=row, column=1).value = "CP 11"
    response = upload(client, workbook)
    assert "the code was 'CP 10' and is now 'CP 11'" in response.context["form"].errors["file"][0]
    assert not Return.objects.filter(period=NOV).exists()


def test_altered_marker_is_refused(client, officer, two_indicators):
    client.force_login(officer)
    workbook = download(client)
    marker = workbook[excel.MARKER_SHEET]
    marker["A1"] = marker["A1"].value[:-3] + "abc"
    response = upload(client, workbook)
    assert "marker has been altered" in response.context["form"].errors["file"][0]


def test_a_plain_spreadsheet_is_not_a_template(client, officer, two_indicators):
    from openpyxl import Workbook

    client.force_login(officer)
    workbook = Workbook()
    workbook.active.append(["Code", "Value"])
    response = upload(client, workbook)
    assert "not a returns template downloaded from the portal" in response.context["form"].errors["file"][0]


def test_figures_changed_since_download_are_refused_for_that_row(client, officer, two_indicators, draft):
    client.force_login(officer)
    workbook = download(client)
    sheet = workbook[excel.SHEET]
    services.return_save_draft(
        indicator=draft.indicator, period=NOV, entry=services.figures.Entry(), version=draft.version, by=officer
    )
    sheet.cell(row=row_of(sheet, "CP 5"), column=COL["value"]).value = 70
    report = upload(client, workbook).context["report"]
    assert "since the template was downloaded" in report.errors[0]


def test_submitted_rows_are_locked_and_cannot_be_changed(client, officer, two_indicators, submitted):
    client.force_login(officer)
    workbook = download(client)
    sheet = workbook[excel.SHEET]
    row = row_of(sheet, "CP 5")
    assert sheet.cell(row=row, column=COL["value"]).protection.locked
    report = upload(client, workbook).context["report"]
    assert report.ok and report.rows[0].outcome == "Awaiting review: left as it is"
    sheet.cell(row=row, column=COL["value"]).value = 10
    report = upload(client, workbook).context["report"]
    assert "is awaiting review: its figures cannot be changed" in report.errors[0]


def test_oversized_upload_is_refused(client, officer, settings):
    settings.IMPORT_MAX_BYTES = 100
    client.force_login(officer)
    file = SimpleUploadedFile("returns.xlsx", b"PK" + b"x" * 200)
    response = client.post(reverse("returns:upload"), {"period": "2022-11", "file": file})
    assert "the largest file the portal accepts is 100 bytes" in response.context["form"].errors["file"][0]


def test_a_template_built_to_expand_beyond_a_safe_size_is_refused(client, officer, two_indicators):
    """The template upload reads through the same guarded reader as imports: zip directories are checked first."""
    client.force_login(officer)
    template = client.get(reverse("returns:template"), {"period": "2022-11"}).content
    bomb = files.declare_size(template, files.SHEET, 300 * 1024 * 1024)
    response = client.post(
        reverse("returns:upload"), {"period": "2022-11", "file": SimpleUploadedFile("returns.xlsx", bomb)}
    )
    assert "would expand to 300" in response.context["form"].errors["file"][0]
    assert not Return.objects.filter(period=NOV).exists()


def test_a_formula_is_never_calculated(client, officer, two_indicators):
    client.force_login(officer)
    workbook = download(client)
    sheet = workbook[excel.SHEET]
    row = row_of(sheet, "CP 10")
    sheet.cell(row=row, column=COL["value"]).value = "=1+1"
    response = upload(client, workbook)
    assert f"Row {row}, column 'G{row}': this cell holds a formula" in response.context["form"].errors["file"][0]
    assert not Return.objects.filter(period=NOV).exists()


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("2021-01", "No template for Jan-21: Jan-21 is closed for entry"),
        ("2022-12", "No template for Dec-22: Dec-22 has not ended yet"),
        ("2030-01", "No template for Jan-30: Jan-30 is in the future"),
        ("someday", "“someday” is not a month"),
    ],
)
def test_a_month_that_takes_no_template_is_refused_with_the_reason(client, officer, two_indicators, period, message):
    client.force_login(officer)
    before = list(Return.objects.values_list("pk", "version"))
    for response in (
        client.get(reverse("returns:template"), {"period": period}, follow=True),
        client.get(reverse("returns:upload"), {"period": period}, follow=True),
        client.post(
            reverse("returns:upload") + f"?period={period}",
            {"file": SimpleUploadedFile("t.xlsx", b"PK")},
            follow=True,
        ),
    ):
        assert response.redirect_chain == [(reverse("returns:mine"), 302)]
        assert any(message in str(m) for m in response.context["messages"]), list(response.context["messages"])
    assert list(Return.objects.values_list("pk", "version")) == before


def test_a_return_sent_back_in_a_closed_month_can_be_finished_through_the_template(
    client, officer, director, two_indicators
):
    """The template asks the same policy as the entry form: a return handed back is finished whatever its month."""
    indicator, _ = two_indicators
    may = date(2022, 5, 1)  # outside the six months open on 15 Dec 2022
    factories.ReturnFactory(
        indicator=indicator, period=may, value=D("91"), state=State.RETURNED, submitted_by=officer, updated_by=director
    )
    client.force_login(officer)

    workbook = download(client, "2022-05")
    sheet = workbook[excel.SHEET]
    cp5 = row_of(sheet, "CP 5")
    assert sheet.cell(row=cp5, column=COL["state"]).value == "Sent back"
    assert not sheet.cell(row=cp5, column=COL["value"]).protection.locked
    # CP 10 was never started and May is closed: its row is read-only, as on the entry form.
    assert sheet.cell(row=row_of(sheet, "CP 10"), column=COL["value"]).protection.locked

    sheet.cell(row=cp5, column=COL["value"]).value = 93
    response = upload(client, workbook, "2022-05")
    report = response.context["report"]
    assert report is not None and report.ok, report.errors if report else response.context["form"].errors
    stored = Return.objects.get(indicator=indicator, period=may)
    assert (stored.value, stored.state) == (D("93"), State.RETURNED)


def test_a_closed_month_with_nothing_handed_back_takes_no_template(client, officer, two_indicators):
    indicator, _ = two_indicators
    factories.ReturnFactory(indicator=indicator, period=date(2022, 5, 1), value=D("91"), updated_by=officer)
    client.force_login(officer)
    response = client.get(reverse("returns:template"), {"period": "2022-05"}, follow=True)
    assert response.redirect_chain == [(reverse("returns:mine"), 302)]
    assert any("May-22 is closed for entry" in str(m) for m in response.context["messages"])
