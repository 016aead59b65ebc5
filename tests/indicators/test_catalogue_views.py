"""The catalogue pages: list (filter, sort, export) and one indicator's page, for every role."""

import csv
import io
from datetime import date
from decimal import Decimal as D

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from returns.models import State
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = ["performance_user", "director", "officer", "viewer"]


@pytest.fixture
def catalogue(service_area, other_service_area, officer, other_officer):
    risk = factories.ThemeFactory(name="Response to Risk", position=1)
    care = factories.ThemeFactory(name="Children looked after", position=2)
    cp5 = factories.IndicatorFactory(
        code="CP 5",
        title="ICPCs within 15 working days",
        theme=risk,
        service_area=service_area,
        responsible_officer=officer,
        polarity="higher",
        is_key=True,
    )
    cla3 = factories.IndicatorFactory(
        code="CLA 3",
        title='=HYPERLINK("http://evil.example")',
        theme=care,
        service_area=other_service_area,
        responsible_officer=other_officer,
        polarity="neutral",
        unit="count",
        status="under_development",
    )
    mc8 = factories.IndicatorFactory(
        code="MC 8", title="Missing episodes", theme=risk, service_area=service_area, polarity="lower", unit="count"
    )
    return cp5, cla3, mc8


def codes(response):
    return [row.record.code for row in response.context["table"].paginated_rows]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_browses_the_catalogue_and_opens_an_indicator(client, request, role, catalogue):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("indicators:catalogue"))
    assert response.status_code == 200
    assert codes(response) == ["CP 5", "MC 8", "CLA 3"]  # by theme, then code
    assert client.get(reverse("indicators:detail", args=[catalogue[0].pk])).status_code == 200


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("theme={risk}", ["CP 5", "MC 8"]),
        ("service_area={area}", ["CLA 3"]),
        ("responsible_officer={officer}", ["CP 5"]),
        ("status=under_development", ["CLA 3"]),
        ("is_key=yes", ["CP 5"]),
        ("is_key=no", ["MC 8", "CLA 3"]),
        ("polarity=lower", ["MC 8"]),
        ("q=missing", ["MC 8"]),
        ("sort=-code", ["MC 8", "CP 5", "CLA 3"]),
        ("sort=responsible_officer", ["CLA 3", "CP 5", "MC 8"]),  # by last name, nobody last
    ],
)
def test_filters_and_sorting(client, viewer, catalogue, other_service_area, officer, query, expected):
    client.force_login(viewer)
    risk = catalogue[0].theme
    query = query.format(risk=risk.pk, area=other_service_area.pk, officer=officer.pk)
    assert codes(client.get(reverse("indicators:catalogue") + "?" + query)) == expected


def test_exports_write_formulas_as_text(client, viewer, catalogue):
    client.force_login(viewer)
    response = client.get(reverse("indicators:catalogue") + "?export=csv&polarity=neutral")
    assert response["Content-Disposition"] == 'attachment; filename="indicators.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["code", "title", "definition"]
    assert rows[1][0] == "CLA 3" and rows[1][1].startswith("'=HYPERLINK")
    response = client.get(reverse("indicators:catalogue") + "?export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cell = next(row for row in sheet.iter_rows() if row[0].value == "CLA 3")[1]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    assert [c.value for c in sheet[1]][13] == "responsible_officer"
    assert next(row for row in sheet.iter_rows() if row[0].value == "CP 5")[13].value == "officer"


def test_the_catalogue_reads_in_a_fixed_number_of_queries(client, viewer, catalogue):
    client.force_login(viewer)
    client.get(reverse("indicators:catalogue"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("indicators:catalogue"))
    for n in range(30):
        factories.IndicatorFactory(code=f"X {n}", responsible_officer=factories.UserFactory())
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("indicators:catalogue"))
    assert len(many) == len(few)


def test_the_indicator_page_shows_targets_with_thresholds_and_history(client, officer, catalogue):
    cp5 = catalogue[0]
    factories.TargetFactory(
        indicator=cp5, financial_year=2020, target=D("77"), tolerance=D("5"), tolerance_kind="absolute"
    )
    factories.TargetFactory(
        indicator=cp5, financial_year=2021, target=D("90"), tolerance=D("5"), tolerance_kind="relative"
    )
    factories.ReturnFactory(indicator=cp5, period=date(2020, 9, 1), value=D("48"), state=State.APPROVED)
    factories.ReturnFactory(indicator=cp5, period=date(2020, 10, 1), value=D("51.25"), state=State.SUBMITTED)
    client.force_login(officer)
    response = client.get(reverse("indicators:detail", args=[cp5.pk]))
    targets = {t["year"]: t for t in response.context["targets"]}
    # Shown to the indicator's decimals (1, the factory's), or more when the threshold needs them.
    assert targets["2020/21"]["threshold"] == "72.0%" and targets["2020/21"]["tolerance"] == "5 points"
    assert targets["2021/22"]["threshold"] == "85.5%" and targets["2021/22"]["tolerance"] == "5% of the target"
    history = response.context["history"]
    assert [(h["period"], h["value"]) for h in history] == [("Oct-20", "51.3%"), ("Sep-20", "48.0%")]
    content = response.content.decode()
    assert "How the figure is counted." in content and "Olive Officer" in content
    assert "Awaiting review" in content


def test_viewers_see_approved_figures_only(client, viewer, catalogue):
    cp5 = catalogue[0]
    factories.ReturnFactory(indicator=cp5, period=date(2020, 9, 1), value=D("48"), state=State.APPROVED)
    factories.ReturnFactory(indicator=cp5, period=date(2020, 10, 1), value=D("51"), state=State.DRAFT)
    client.force_login(viewer)
    response = client.get(reverse("indicators:detail", args=[cp5.pk]))
    assert [h["period"] for h in response.context["history"]] == ["Sep-20"]
    assert b"Approved figures only" in response.content


def test_wrong_method_missing_indicator_and_anonymous(client, viewer, catalogue):
    assert client.get(reverse("indicators:catalogue")).status_code == 302
    client.force_login(viewer)
    assert client.post(reverse("indicators:catalogue")).status_code == 405
    assert client.post(reverse("indicators:detail", args=[catalogue[0].pk])).status_code == 405
    assert client.get(reverse("indicators:detail", args=[99999])).status_code == 404
