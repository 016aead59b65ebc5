"""Browser journey over the returns pages the main journey does not reach: the Excel upload (form, refusal,
report, bulk submit), reopening an approved return and the performance team's correction. Axe on each page."""

from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from indicators import periods
from returns import deadlines, excel, services
from returns.models import Return, State
from tests import factories
from tests.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_as(page, login, user):
    page.context.clear_cookies()
    login(user)


def test_upload_reopen_and_correct_pages(
    page, live_server, login, officer, director, performance_user, service_area, tmp_path
):
    period = deadlines.default_period(timezone.localdate())
    iso = periods.iso_month(period)
    indicator = factories.IndicatorFactory(
        code="CP 5",
        title="Conferences in time",
        service_area=service_area,
        responsible_officer=officer,
        unit="percent",
        polarity="higher",
    )
    factories.TargetFactory(
        indicator=indicator, financial_year=periods.financial_year_of(period), target=90, tolerance=5
    )

    # The officer uploads a file that is not a template, then the filled template, then submits from the report.
    workbook = openpyxl.load_workbook(BytesIO(excel.build_template(user=officer, period=period)))
    sheet = workbook[excel.SHEET]
    sheet.cell(row=excel.FIRST_ROW, column=excel.KEYS.index("value") + 1, value=93)
    filled = tmp_path / "filled.xlsx"
    workbook.save(filled)
    not_a_template = tmp_path / "notes.xlsx"
    not_a_template.write_bytes(b"not a workbook")

    sign_in_as(page, login, officer)
    page.goto(f"{live_server.url}/returns/upload/?period={iso}")
    assert_accessible(page, "(upload form)")
    page.get_by_label("Filled-in template (XLSX)").set_input_files(not_a_template)
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page, "(upload refused)")
    page.get_by_label("Filled-in template (XLSX)").set_input_files(filled)
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", name="What was saved")).to_be_visible()
    assert_accessible(page, "(upload report)")
    page.get_by_role("button", name="Submit these 1 returns for review").click()
    expect(page.get_by_text("1 return submitted for review")).to_be_visible()

    ret = Return.objects.get(indicator=indicator, period=period)
    assert ret.state == State.SUBMITTED and ret.value == Decimal("93")
    services.return_approve(returns=[ret], by=director)

    # The director reopens it: the reason is required.
    sign_in_as(page, login, director)
    page.goto(f"{live_server.url}/returns/{ret.pk}/")
    assert_accessible(page, "(approved return)")
    page.get_by_role("button", name="Reopen").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page, "(reopen without a reason)")
    page.get_by_label("Why reopen it?").fill("Late cases found")
    page.get_by_role("button", name="Reopen").click()
    expect(page.get_by_text("reopened: it is a draft again")).to_be_visible()

    # The performance team corrects it: the reason is required.
    sign_in_as(page, login, performance_user)
    page.goto(f"{live_server.url}/returns/{ret.pk}/correct/")
    assert_accessible(page, "(correction form)")
    page.get_by_label("Value (%)").fill("94")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.locator(".govuk-error-summary").get_by_role("link", name="Reason for the correction")).to_be_visible()
    assert_accessible(page, "(correction without a reason)")
    page.get_by_label("Reason for the correction").fill("Double count removed")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_text("corrected; the correction is recorded")).to_be_visible()
    ret.refresh_from_db()
    assert ret.value == Decimal("94") and ret.state == State.DRAFT
