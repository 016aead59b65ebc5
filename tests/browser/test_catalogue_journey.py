"""Browser journeys: browse and filter the catalogue, open an indicator, upload figures with bad rows."""

from datetime import date
from decimal import Decimal as D

import pytest
from playwright.sync_api import expect

from returns.models import Return, State
from tests import factories
from tests.conftest import assert_accessible
from tests.files import csv_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalogue(service_area, officer):
    risk = factories.ThemeFactory(name="Response to Risk", position=1)
    care = factories.ThemeFactory(name="Children looked after", position=2)
    cp5 = factories.IndicatorFactory(
        code="CP 5",
        title="ICPCs within 15 working days",
        theme=risk,
        service_area=service_area,
        responsible_officer=officer,
        is_key=True,
        decimals=0,
    )
    factories.TargetFactory(
        indicator=cp5, financial_year=2020, target=D("77"), tolerance=D("5"), tolerance_kind="absolute"
    )
    factories.ReturnFactory(indicator=cp5, period=date(2020, 9, 1), value=D("48"), state=State.APPROVED)
    factories.IndicatorFactory(code="CLA 3", title="Children looked after at month end", theme=care, unit="count")
    return cp5


def test_browse_filter_and_open_an_indicator(page, live_server, login, viewer, catalogue):
    login(viewer)
    page.get_by_role("link", name="Indicators").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Indicators", use_inner_text=True)
    expect(page.get_by_role("link", name="CLA 3")).to_be_visible()
    assert_accessible(page, "(catalogue)")
    page.get_by_label("Theme").select_option(label="Response to Risk")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("link", name="CLA 3")).to_have_count(0)
    page.get_by_role("link", name="CP 5").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("CP 5 ICPCs within 15 working days", use_inner_text=True)
    targets = page.get_by_role("region", name="Targets by financial year")
    expect(targets).to_contain_text("72%", use_inner_text=True)  # amber from 77 − 5
    expect(page.get_by_role("region", name="Monthly figures")).to_contain_text("48%", use_inner_text=True)
    assert_accessible(page, "(indicator)")


def test_upload_figures_with_bad_rows_and_see_them_by_row_and_column(
    page, live_server, login, performance_user, catalogue, tmp_path
):
    path = tmp_path / "figures.csv"
    path.write_bytes(
        csv_bytes(
            [
                ["indicator_code", "period", "value"],
                ["CP 5", "Oct-20", "51%"],
                ["XX 9", "Nov-20", "50"],
                ["CP 5", "Smarch-20", "forty"],
            ]
        )
    )
    login(performance_user)
    page.get_by_role("link", name="Imports").first.click()
    assert_accessible(page, "(imports)")
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert_accessible(page, "(imports with errors)")
    page.get_by_label("Figures (history)").check()
    page.get_by_label("File (CSV in UTF-8, or XLSX)").set_input_files(str(path))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="There are problems with this file")).to_be_visible()
    problems = page.get_by_role("region", name="Problems by row and column")
    expect(problems).to_contain_text("'XX 9' is not an indicator in the catalogue", use_inner_text=True)
    expect(problems).to_contain_text("'Smarch-20' is not a month", use_inner_text=True)
    expect(problems).to_contain_text("'forty' is not a number", use_inner_text=True)
    rows = page.get_by_role("region", name="Problems by row and column").locator("tbody tr")
    first_cells = rows.nth(0).locator("th, td")
    expect(first_cells.nth(0)).to_have_text("3")
    expect(first_cells.nth(1)).to_have_text("indicator_code")
    expect(page.get_by_role("button", name="Import figures.csv")).to_have_count(0)
    assert_accessible(page, "(preview with problems)")
    assert not Return.objects.filter(period=date(2020, 10, 1)).exists()
