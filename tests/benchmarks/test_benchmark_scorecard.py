"""The benchmark scorecard (seed scorecard-with-benchmarks-dec-2020.txt) and the comparator columns of the others."""

import io
import re
from datetime import date
from decimal import Decimal as D

import openpyxl
import pytest
from django.core.cache import cache
from django.urls import reverse

from indicators.scorecard.recompute import recompute
from tests import factories
from tests.benchmarks.data import build_benchmarked
from tests.conftest import client_for

DEC = date(2020, 12, 1)
URL = "indicators:benchmark_scorecard"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def benchmarked(db):
    return build_benchmarked()


def headers_of(html):
    head = html[html.index("<thead") : html.index("</thead>")]
    return [
        re.sub(r"<[^>]+>", "", h).replace(", sort", "").strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)
    ]


def row_of(html, code):
    for row in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", html, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        if code in cells[:2]:
            return cells
    raise AssertionError(f"no row {code}")


def test_the_layout_of_the_seed_with_each_comparator_and_its_year(client, viewer, benchmarked):
    client_for(client, viewer)
    response = client.get(reverse(URL), {"period": "2020-12"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert headers_of(html) == [
        "Code",
        "Performance measure",
        "Definition",
        "Target",
        "Tolerance",
        "Polarity",
        "Baseline Apr-20",
        "Previous month Nov-20",
        "Current month Dec-20",
        "RAG",
        "Q3 2020/21 (full quarter)",  # Dec-20 ends the quarter: the seed's "Full quarter"
        "Annual return 2019/20",
        "SN 2019/20",
        "SE 2019/20",
        "ENG 2019/20",
        "Bexley 2019/20",
        "Kingston 2019/20",
        "Redbridge 2020/21 Q2",
        "Havering 2018/19",
        "Against comparator",
        "Rank among named councils",
    ]
    # Sections as in the seed: one table per theme.
    assert re.findall(r"<caption[^>]*>(.*?)</caption>", html) == ["Front Door", "Demand and workforce"]
    cells = row_of(html, "FDB 7")
    assert cells[1:] == [
        "% of referrals received that were re-referrals (within 12 months)",
        "Proportion of referrals received where the previous referral is within 12 months",
        "22.0%",
        "1.0 pts",
        "↓ Lower is better",
        "16.3%",
        "19.7%",
        "12.9%",
        "Green",
        "17.5%",  # Q3: mean of Oct 20, Nov 19.7, Dec 12.9
        "15.4%",
        "22.0%",
        "25.1%",
        "22.6%",
        "17.9%",
        "15.0%",
        "12.9%",
        "11.0%",
        "Better",  # 12.9 against SN 22.0, lower is better
        "joint 2nd of 5, quartile 2",  # Havering's 11.0 is better; 12.9 ties Redbridge's; three are worse
    ]
    # The rating is a word and a colour.
    assert '<strong class="kpi-rag kpi-rag--green">Better</strong>' in html
    # A neutral count: comparator shown, no rating or rank.
    assert row_of(html, "DW 1")[12:14] == ["3,071", ""]
    assert row_of(html, "DW 1")[-2:] == ["", ""]


def test_a_comparator_of_another_year_than_its_column_says_which(client, viewer, benchmarked):
    factories.ComparatorValueFactory(
        indicator=benchmarked["caseload"], source=benchmarked["ENG"], period_start=date(2018, 4, 1), value=D("389260")
    )
    recompute()
    client_for(client, viewer)
    html = client.get(reverse(URL), {"period": "2020-12"}).content.decode()
    assert "ENG 2019/20" in headers_of(html)
    assert row_of(html, "DW 1")[14] == "389,260 (2018/19)"


def test_fewer_than_four_councils_give_no_rank(client, viewer, benchmarked):
    benchmarked["rereferrals"].comparator_values.filter(source__name__in=["Havering", "Redbridge"]).delete()
    recompute()
    client_for(client, viewer)
    html = client.get(reverse(URL), {"period": "2020-12"}).content.decode()
    assert "Rank among named councils" in headers_of(html)
    assert row_of(html, "FDB 7")[-1] == ""


@pytest.mark.parametrize("role", ["viewer", "officer", "director", "performance_user"])
def test_every_role_reads_it(client, request, benchmarked, role):
    client_for(client, request.getfixturevalue(role))
    assert client.get(reverse(URL)).status_code == 200


def test_anonymous_users_sign_in_and_it_is_read_only(client, viewer, benchmarked):
    response = client.get(reverse(URL))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client_for(client, viewer)
    assert client.post(reverse(URL)).status_code == 405


def test_exports_carry_the_same_columns_and_years(client, viewer, benchmarked):
    client_for(client, viewer)
    response = client.get(reverse(URL), {"period": "2020-12", "export": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="benchmark-2020-12.csv"'
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Theme,Code,Performance measure,Definition,Target,Tolerance,Polarity,Baseline Apr-20")
    assert "Havering 2018/19" in lines[0]
    fdb7 = next(line for line in lines if ",FDB 7," in line)
    assert fdb7.endswith(',Better,"joint 2nd of 5, quartile 2"')
    response = client.get(reverse(URL), {"period": "2020-12", "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(row for row in values if row and row[0] == "Code")
    row = next(row for row in values if row and row[0] == "FDB 7")
    assert row[header.index("SN 2019/20")] == 22
    assert row[header.index("Against comparator")] == "Better"


def test_the_board_pack_has_a_benchmark_sheet(client, viewer, benchmarked):
    client_for(client, viewer)
    response = client.get(reverse("indicators:board_pack"), {"period": "2020-12"})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["Benchmark scorecard"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows[1]
    fdb7 = next(row for row in rows if row[0] == "FDB 7")
    assert fdb7[header.index("Against comparator")] == "Better"
    cell = sheet.cell(row=rows.index(fdb7) + 1, column=header.index("Against comparator") + 1)
    assert cell.fill.fgColor.rgb.endswith("CCE2D8")  # green, as on the page


def test_query_count_is_the_same_with_and_without_comparators(client, viewer, benchmarked, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client_for(client, viewer)

    def count():
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(URL), {"period": "2020-12"}).status_code == 200
        return len(captured.captured_queries)

    with_values = count()
    from benchmarks.models import ComparatorValue

    ComparatorValue.objects.all().delete()
    recompute()
    assert count() == with_values


def test_the_dashboard_shows_the_comparator_with_its_year_the_rating_and_rank(client, viewer, benchmarked):
    client_for(client, viewer)
    html = client.get(reverse("indicators:dashboard"), {"period": "2020-12"}).content.decode()
    headers = headers_of(html)
    cells = row_of(html, "FDB 7")
    assert cells[headers.index("Comparator average")] == "22.0% (2019/20)"
    assert cells[headers.index("Against comparator")] == "Better"
    assert cells[headers.index("Rank among named councils")] == "joint 2nd of 5, quartile 2"
