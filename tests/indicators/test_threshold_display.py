"""A tolerance threshold reads the same wherever it is shown: with the places it needs (85.5%, not 86%, for a
whole-number indicator whose amber band starts 5% below a target of 90)."""

import io
import re
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.cache import cache
from django.urls import reverse
from openpyxl import load_workbook

from indicators.scorecard.recompute import recompute
from returns.models import State
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

SEP = date(2022, 9, 1)


@pytest.fixture
def whole_number_indicator(officer):
    cache.clear()
    indicator = factories.IndicatorFactory(
        code="CP 9",
        title="Whole-number percentage",
        polarity="higher",
        unit="percent",
        decimals=0,
        responsible_officer=officer,
    )
    factories.TargetFactory(indicator=indicator, financial_year=2022, target=D("90"), tolerance=D("5"))
    for month, value in ((8, "88"), (9, "80")):  # amber, then red: on the exception report
        factories.ReturnFactory(indicator=indicator, period=date(2022, month, 1), value=D(value), state=State.APPROVED)
    recompute()
    return indicator


def cells_of(html: str, column: str) -> list[str]:
    """The text of `column` in each body row of the tables in `html`."""
    html = re.sub(r'<span class="govuk-visually-hidden">.*?</span>', "", html)
    headers = [" ".join(re.sub(r"<[^>]+>", " ", h).split()) for h in re.findall(r'<th scope="col".*?</th>', html, re.S)]
    index = headers.index(column)
    body = "".join(re.findall(r'<tbody class="govuk-table__body">(.*?)</tbody>', html, re.S))
    rows = re.findall(r"<tr.*?</tr>", body, re.S)
    return [re.sub(r"<[^>]+>|\s+", " ", re.findall(r"<t[hd].*?</t[hd]>", row, re.S)[index]).strip() for row in rows]


@pytest.mark.parametrize("page", ["indicators:dashboard", "indicators:exceptions"])
def test_scorecard_columns_show_the_threshold_exactly(client, viewer, whole_number_indicator, page):
    response = client_for(client, viewer).get(reverse(page), {"period": "2022-09"})
    assert cells_of(response.content.decode(), "Tolerance threshold") == ["85.5%"]


def test_the_board_pack_formats_the_threshold_with_the_places_it_needs(client, viewer, whole_number_indicator):
    response = client_for(client, viewer).get(reverse("indicators:board_pack"), {"period": "2022-09"})
    book = load_workbook(io.BytesIO(response.content))
    for name in ("Thematic dashboard", "Exception report"):
        rows = list(book[name].iter_rows())
        header = [c.value for c in rows[1]]
        row = next(r for r in rows if r[header.index("Code")].value == "CP 9")
        threshold = row[header.index("Tolerance threshold")]
        assert threshold.value == 85.5 and threshold.number_format == '#,##0.0"%"'
        assert row[header.index("Target")].number_format == '#,##0"%"'


def test_the_indicator_pages_chart_table_and_targets_show_the_threshold_exactly(client, viewer, whole_number_indicator):
    html = client_for(client, viewer).get(reverse("indicators:detail", args=[whole_number_indicator.pk]))
    html = html.content.decode()
    chart_table = html[html.index("Figures in the chart") :]
    chart_table = chart_table[: chart_table.index("</table>")]
    assert cells_of(chart_table, "Tolerance threshold") == ["85.5%", "85.5%"]
    targets = html[html.index('id="targets"') :]
    assert "85.5%" in targets and "86%" not in html


def test_the_return_page_shows_where_amber_starts_exactly(client, officer, whole_number_indicator):
    ret = whole_number_indicator.returns.get(period=SEP)
    html = client_for(client, officer).get(reverse("returns:detail", args=[ret.pk])).content.decode()
    assert "amber from 85.5%" in re.sub(r"\s+", " ", html)
