"""The scorecard pages: every role reads them, period picker, filters, sorting, exports, fixed query counts."""

import csv
import io
import re
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from indicators.scorecard.recompute import recompute
from returns.models import State
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PAGES = ("indicators:board", "indicators:dashboard", "indicators:exceptions")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def text_of(response) -> str:
    html = response.content.decode()
    main = html[html.index("<main") :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def rows_of(response) -> list[str]:
    """The text of each body row of the page's tables."""
    html = response.content.decode()
    body = "".join(re.findall(r'<tbody class="govuk-table__body">(.*?)</tbody>', html, re.S))
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", tr)).strip() for tr in re.findall(r"<tr.*?</tr>", body, re.S)]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ["performance_user", "director", "officer", "viewer"])
def test_every_role_reads_every_page(client, request, scored, page, role):
    user = request.getfixturevalue(role)
    response = client_for(client, user).get(reverse(page))
    assert response.status_code == 200
    text = text_of(response)
    assert "Sep-20" in text  # the latest month with approved figures is the default
    assert '<strong class="kpi-rag kpi-rag--persistent-red">Persistent red</strong>' in response.content.decode()
    assert "CP 5" in text


@pytest.mark.parametrize("page", [*PAGES, "indicators:board_pack"])
def test_anonymous_users_are_sent_to_sign_in_and_other_methods_refused(client, scored, viewer, page):
    response = client.get(reverse(page))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client_for(client, viewer).post(reverse(page)).status_code == 405


@pytest.mark.parametrize("page", [*PAGES, "indicators:board_pack"])
def test_an_account_without_a_role_is_refused(client, scored, page):
    nobody = factories.UserFactory(username="nobody")
    assert client_for(client, nobody).get(reverse(page)).status_code == 403


def test_board_layout_shows_both_years_months_ro_target_rag_ytds_and_comparator(client, scored, viewer):
    response = client_for(client, viewer).get(reverse("indicators:board"), {"period": "2020-09"})
    headers = re.findall(r'<th scope="col"[^>]*>\s*<a[^>]*>([^<]*)<', response.content.decode())
    assert headers[:5] == ["Code", "Indicator", "Polarity", "Apr-19", "May-19"]
    assert headers[3:21] == [
        *("Apr-19", "May-19", "Jun-19", "Jul-19", "Aug-19", "Sep-19", "Oct-19", "Nov-19", "Dec-19"),
        *("Jan-20", "Feb-20", "Mar-20", "Apr-20", "May-20", "Jun-20", "Jul-20", "Aug-20", "Sep-20"),
    ]
    assert headers[21:] == [
        *("RO", "2020/21 target", "RAG", "2019/20 outturn", "2019/20 YTD to Sep", "2020/21 YTD"),
        *("Comparator", "Comparator source", "Against comparator"),
    ]
    (cp5,) = [r for r in rows_of(response) if r.startswith("CP 5")]
    # …77% 98% … 44% 48% | OO | 77% | Persistent red | 75% (Apr-19 – Mar-20) | 78% (Apr–Sep 2019) | 69% | 75% | SN
    assert " 44% 48% OO 77% Persistent red 75% 78% 69% 75% Statistical neighbours 2019/20" in cp5
    assert cp5.startswith("CP 5 Percentage of children") and " BIB 77% 98% 59% " in cp5


def test_dashboard_groups_by_theme_with_direction_words_and_13_months(client, scored, viewer):
    response = client_for(client, viewer).get(reverse("indicators:dashboard"), {"period": "2020-09"})
    html = response.content.decode()
    captions = re.findall(r'<caption class="govuk-table__caption[^"]*">([^<]*)</caption>', html)
    assert captions == ["Front Door", "Response to Risk", "Children looked after"]
    assert '<span class="kpi-improving"><span aria-hidden="true">↑</span> up, improving</span>' in html
    (fd3,) = [r for r in rows_of(response) if " FD 3 " in f" {r} "]
    assert fd3.startswith("Key KPI FD 3") and " 100% Green ↑ up, improving +2 pts +6 pts " in fd3
    headers = re.findall(r'<th scope="col"[^>]*>\s*<a[^>]*>([^<]*)<', html)
    assert headers.count("Sep-19") == 3 and "Aug-19" not in headers  # Sep-19 … Sep-20: 13 months


def test_exception_report_lists_red_indicators_with_commentary(client, scored, viewer):
    response = client_for(client, viewer).get(reverse("indicators:exceptions"), {"period": "2020-09"})
    rows = rows_of(response)
    assert len(rows) == 1 and rows[0].startswith("CP 5")
    assert "Persistent red" in rows[0] and "CP 5 commentary for Sep-20" in rows[0]
    quiet = client.get(reverse("indicators:exceptions"), {"period": "2020-05"})
    assert "No indicator is red for May-20" in text_of(quiet)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("Nov-22", "write it as YYYY-MM"),
        ("2022-13", "not a month"),
        ("2022-1", "write it as YYYY-MM"),
        ("'; DROP TABLE", "write it as YYYY-MM"),
    ],
)
def test_a_bad_period_is_refused_with_a_message(client, scored, viewer, page, period, message):
    response = client_for(client, viewer).get(reverse(page), {"period": period})
    assert response.status_code == 400
    assert message in text_of(response) and "There is a problem" in text_of(response)
    assert 'href="#id_period"' in response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_a_period_without_figures_shows_an_explained_empty_scorecard(client, scored, viewer, page):
    response = client_for(client, viewer).get(reverse(page), {"period": "2031-01"})
    assert response.status_code == 200
    text = text_of(response)
    assert "No approved figures for Jan-31" in text and "The latest month with approved figures is Sep-20" in text


def test_before_any_approval_the_pages_explain_themselves(client, viewer):
    for page in PAGES:
        response = client_for(client, viewer).get(reverse(page))
        assert response.status_code == 200
        assert "No figures have been approved yet" in text_of(response)


def test_filters_theme_rag_key_polarity_status_and_officer(client, scored, viewer, officer):
    c = client_for(client, viewer)
    url = reverse("indicators:board")

    def codes(**params):
        return [r.split(" ")[0] + " " + r.split(" ")[1] for r in rows_of(c.get(url, {"period": "2020-09", **params}))]

    assert codes() == ["FD 3", "CP 5", "CLA 3"]
    assert codes(theme=scored.cp5.theme_id) == ["CP 5"]
    assert codes(rag="persistent_red") == ["CP 5"]
    assert codes(rag="red") == ["CP 5"]
    assert codes(rag="green") == ["FD 3"]
    assert codes(rag="grey") == ["CLA 3"]
    assert codes(is_key="yes") == ["FD 3"]
    assert codes(polarity="neutral") == ["CLA 3"]
    assert codes(responsible_officer=officer.pk) == ["CP 5"]
    scored.cla3.status = "retired"
    scored.cla3.save()
    recompute(indicator_ids=[scored.cla3.pk])  # as the save requests on commit: a new page version
    assert codes() == ["FD 3", "CP 5"]
    assert codes(status="retired") == ["CLA 3"]
    bad = c.get(url, {"rag": "purple"})
    assert bad.status_code == 400 and "Select a valid choice" in text_of(bad)


def test_sorting_by_a_column(client, scored, viewer):
    c = client_for(client, viewer)
    url = reverse("indicators:board")
    first = [r.split(" ")[0] + " " + r.split(" ")[1] for r in rows_of(c.get(url, {"sort": "rag"}))]
    assert first == ["CP 5", "FD 3", "CLA 3"]  # worst first
    by_code = [r.split(" ")[0] + " " + r.split(" ")[1] for r in rows_of(c.get(url, {"sort": "-code"}))]
    assert by_code == ["FD 3", "CP 5", "CLA 3"]
    by_ytd = [r.split(" ")[0] + " " + r.split(" ")[1] for r in rows_of(c.get(url, {"sort": "-ytd"}))]
    assert by_ytd == ["CLA 3", "FD 3", "CP 5"]  # 515 > 99.3% > 69.2%


def test_csv_and_xlsx_exports_carry_numbers_and_words(client, scored, viewer):
    c = client_for(client, viewer)
    response = c.get(reverse("indicators:dashboard"), {"period": "2020-09", "export": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="dashboard-2020-09.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:6] == ["Theme", "Key KPI", "Code", "Indicator", "Sep-20", "Performance"]
    cp5 = next(r for r in rows if r[2] == "CP 5")
    assert cp5[0] == "Response to Risk" and cp5[4] == "48" and cp5[5] == "Persistent red"
    assert cp5[6] == "↑ up, improving" and cp5[7] == "4" and cp5[8] == "-29"
    response = c.get(reverse("indicators:board"), {"period": "2020-09", "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = values[1]
    cp5 = next(r for r in values if r[0] == "CP 5")
    assert cp5[header.index("Sep-20")] == 48 and cp5[header.index("RAG")] == "Persistent red"
    bad = c.get(reverse("indicators:board"), {"export": "pdf"})
    assert bad.status_code == 400 and "not an export format" in text_of(bad)


def _queries(client, url, params) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", [*PAGES, "indicators:board_pack"])
def test_query_count_does_not_grow_with_the_number_of_indicators(client, scored, viewer, page):
    c = client_for(client, viewer)
    url = reverse(page)
    few = _queries(c, url, {"period": "2020-09"})
    for i in range(12):
        ind = factories.IndicatorFactory(code=f"X {i}", theme=scored.cp5.theme, responsible_officer=viewer)
        factories.TargetFactory(indicator=ind, financial_year=2020, target=D("50"))
        for month in (date(2020, 8, 1), date(2020, 9, 1)):
            factories.ReturnFactory(indicator=ind, period=month, value=D("10"), state=State.APPROVED)
    recompute()
    many = _queries(c, url, {"period": "2020-09"})
    assert many == few <= 15


def test_rendered_tables_are_cached_until_the_next_recompute(client, scored, viewer):
    c = client_for(client, viewer)
    url = reverse("indicators:board")
    with CaptureQueriesContext(connection) as first:
        c.get(url)
    with CaptureQueriesContext(connection) as second:
        c.get(url)
    assert len(second) < len(first)
    ret = scored.cp5.returns.get(period=date(2020, 9, 1))
    ret.value = D("90")
    ret.save()
    recompute(indicator_ids=[scored.cp5.pk], from_period=ret.period)
    (cp5,) = [r for r in rows_of(c.get(url)) if r.startswith("CP 5")]
    assert " 44% 90% " in cp5 and "Green" in cp5
