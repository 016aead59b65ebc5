"""Numbers too large to keep, or written in other digits, are refused on the entry form and the Excel template."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from returns import excel
from returns.models import Return, TeamFigure
from tests import factories
from tests.returns.conftest import NOV
from tests.returns.test_excel import COL, download, row_of, upload

pytestmark = pytest.mark.django_db

TOO_LARGE = "is too large: a number can have at most 12 digits before the decimal point"


@pytest.fixture
def count(service_area, officer):
    """A count added up over the year (referrals)."""
    return factories.IndicatorFactory(
        code="FDB 5",
        title="Referrals received",
        unit="count",
        decimals=0,
        aggregation="sum",
        polarity="neutral",
        service_area=service_area,
        responsible_officer=officer,
    )


def enter(client, indicator, **fields):
    data = {"version": 0, "value": "", "numerator": "", "denominator": "", "commentary": "", "action": "save"}
    data.update(fields)
    return client.post(reverse("returns:enter", args=[indicator.pk, NOV.strftime("%Y-%m")]), data)


def field_errors(response) -> dict[str, list[str]]:
    return {name: list(errors) for name, errors in response.context["form"].errors.items()}


def test_a_13_digit_value_is_refused_on_its_field_and_nothing_is_written(client, officer, count):
    client.force_login(officer)
    response = enter(client, count, value="1234567890123")
    assert response.status_code == 200
    assert field_errors(response) == {"value": [f"'1234567890123' {TOO_LARGE}"]}
    assert not Return.objects.exists()


@pytest.mark.parametrize("typed", ["١٢", "۱۲", "१२", "１２"])  # Arabic-Indic, Persian, Devanagari, full-width 12
def test_digits_other_than_0_to_9_are_refused(client, officer, count, typed):
    client.force_login(officer)
    response = enter(client, count, value=typed)
    assert response.status_code == 200
    assert field_errors(response) == {"value": [f"'{typed}' is not a number: use the digits 0–9"]}
    assert not Return.objects.exists()


def test_a_count_over_its_largest_plausible_value_is_refused(client, officer, count):
    client.force_login(officer)
    response = enter(client, count, value="1000000001")
    assert field_errors(response) == {"value": ["A count can be at most 1,000,000,000 (got 1000000001)"]}
    assert not Return.objects.exists()
    assert enter(client, count, value="1,000,000,000").status_code == 302
    assert Return.objects.get().value == D("1000000000")


def test_team_rows_that_add_up_to_more_than_a_count_can_be_are_refused(client, officer, count):
    east, west = factories.TeamFactory(name="EAST"), factories.TeamFactory(name="WEST")
    client.force_login(officer)
    # Each row alone fits a stored number; their whole did not (a 500 on saving).
    response = enter(
        client, count, **{f"team_{east.pk}_value": "999999999999", f"team_{west.pk}_value": "999999999999"}
    )
    assert response.status_code == 200
    assert not Return.objects.exists() and not TeamFigure.objects.exists()
    response = enter(client, count, **{f"team_{east.pk}_value": "600000000", f"team_{west.pk}_value": "600000000"})
    assert response.status_code == 200
    assert "The team rows add up to 1200000000: A count can be at most 1,000,000,000" in response.content.decode()
    assert not Return.objects.exists()


def test_a_rate_worked_out_from_its_parts_must_be_possible(client, officer, service_area):
    rate = factories.IndicatorFactory(
        code="CP 2", unit="rate_per_10k", aggregation="ratio", service_area=service_area, responsible_officer=officer
    )
    client.force_login(officer)
    response = enter(client, rate, numerator="99999999999", denominator="1")  # 10^15 per 10,000
    assert response.status_code == 200
    assert "A rate per 10,000 can be at most 1,000,000" in response.content.decode()
    assert not Return.objects.exists()


def test_the_excel_template_refuses_a_13_digit_value_and_other_digits_on_their_row(client, officer, count):
    client.force_login(officer)
    workbook = download(client)
    sheet = workbook[excel.SHEET]
    row = row_of(sheet, "FDB 5")
    sheet.cell(row=row, column=COL["value"]).value = 1234567890123
    response = upload(client, workbook)
    assert response.status_code == 200
    (report_row,) = response.context["report"].rows
    assert report_row.errors == [f"column 'Value': '1234567890123' {TOO_LARGE}"]
    assert not Return.objects.exists()
    sheet.cell(row=row, column=COL["value"]).value = "١٢"
    (report_row,) = upload(client, workbook).context["report"].rows
    assert report_row.errors == ["column 'Value': '١٢' is not a number: use the digits 0–9"]
    assert not Return.objects.exists()
