"""What the papers print: last year's outturn on the board scorecard, its exports, the board pack and the feed;
the benchmark scorecard's full quarter and the annual return of the last complete year."""

import csv
import io
import re
from datetime import date

import pytest
from django.core.cache import cache
from django.urls import reverse
from openpyxl import load_workbook

from indicators.scorecard.recompute import recompute
from kpiportal.accounts.services import api_token_create
from tests.benchmarks.data import approve_months, build_benchmarked
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def table_of(html: str) -> tuple[list[str], dict[str, list[str]]]:
    """The column headings (sort words dropped) and each body row's cells by the code that heads it."""
    headers = [
        re.sub(r"<[^>]+>", "", h).replace(", sort", "").strip()
        for h in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', html, re.S)
    ]
    rows = {}
    for tr in re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', html, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)]
        code = next((c for c in cells[:2] if re.fullmatch(r"[A-Z]+ \d+", c)), None)
        if code:
            rows[code] = cells
    return headers, rows


def cell(headers, rows, code, header):
    return rows[code][headers.index(header)]


# --- The board scorecard -------------------------------------------------------------------------------


def test_the_board_prints_last_years_outturn_beside_the_ytds(client, scored, viewer):
    response = client_for(client, viewer).get(reverse("indicators:board"), {"period": "2020-09"})
    headers, rows = table_of(response.content.decode())
    at = headers.index("2019/20 outturn")
    assert headers[at - 1 : at + 3] == ["RAG", "2019/20 outturn", "2019/20 YTD to Sep", "2020/21 YTD"]
    # CP 5 (mean): the whole of 2019/20 is 74.92, printed 75% — not Apr–Sep 2019's 78%.
    assert cell(headers, rows, "CP 5", "2019/20 outturn") == "75%"
    assert cell(headers, rows, "CP 5", "2019/20 YTD to Sep") == "78%"
    assert cell(headers, rows, "FD 3", "2019/20 outturn") == "94%"  # 1,130 / 12
    # CLA 3 (latest): March's 528, the seed's "2019-20 YTD or latest".
    assert cell(headers, rows, "CLA 3", "2019/20 outturn") == "528"
    assert cell(headers, rows, "CLA 3", "2019/20 YTD to Sep") == ""  # nothing in Apr–Sep 2019


def test_a_period_in_the_first_year_names_the_year_before_and_leaves_it_blank(client, scored, viewer):
    response = client_for(client, viewer).get(reverse("indicators:board"), {"period": "2019-12"})
    headers, rows = table_of(response.content.decode())
    assert "2018/19 outturn" in headers and "2019/20 YTD" in headers
    assert cell(headers, rows, "CP 5", "2018/19 outturn") == ""


def test_the_board_exports_carry_the_outturn_unrounded(client, scored, viewer):
    c = client_for(client, viewer)
    response = c.get(reverse("indicators:board"), {"period": "2020-09", "export": "csv"})
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = lines[0]
    cp5 = next(line for line in lines if line[0] == "CP 5")
    assert cp5[header.index("2019/20 outturn")] == "74.916667"
    response = c.get(reverse("indicators:board"), {"period": "2020-09", "export": "xlsx"})
    rows = [[v.value for v in row] for row in load_workbook(io.BytesIO(response.content)).active.iter_rows()]
    header = rows[1]
    cla3 = next(row for row in rows if row[0] == "CLA 3")
    assert cla3[header.index("2019/20 outturn")] == 528


def test_the_board_pack_shows_the_outturn_beside_ytd_as_a_number(client, scored, viewer):
    response = client_for(client, viewer).get(reverse("indicators:board_pack"), {"period": "2020-09"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    board = book["Board scorecard"]
    header = [c.value for c in next(board.iter_rows(min_row=2, max_row=2))]
    at = header.index("2019/20 outturn")
    assert header[at : at + 3] == ["2019/20 outturn", "2019/20 YTD to Sep", "2020/21 YTD"]
    cp5 = next(r for r in board.iter_rows(min_row=3) if r[0].value == "CP 5")
    assert round(cp5[at].value, 6) == 74.916667 and cp5[at].number_format == '#,##0"%"'


# --- The feed ----------------------------------------------------------------------------------------


def test_the_feed_gives_previous_year_outturn_in_json_and_csv(client, scored, viewer):
    _, key = api_token_create(user=viewer, name="Power BI")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    rows = {r["code"]: r for r in client.get("/api/v1/scorecard", {"period": "2020-09"}, **auth).json()}
    assert rows["CP 5"]["previous_year_outturn"] == 74.916667
    assert rows["CLA 3"]["previous_year_outturn"] == 528.0
    assert list(rows["CP 5"]).index("previous_year_outturn") == list(rows["CP 5"]).index("previous_ytd_value") + 1
    body = client.get("/api/v1/scorecard", {"period": "2020-09", "format": "csv"}, **auth).content.decode()
    by_code = {r["code"]: r for r in csv.DictReader(io.StringIO(body))}
    assert by_code["FD 3"]["previous_year_outturn"] == "94.166667"
    first_year = client.get("/api/v1/scorecard", {"period": "2019-09"}, **auth).json()
    assert [r["previous_year_outturn"] for r in first_year] == [None, None]  # nothing before Apr-19


# --- The benchmark scorecard: full quarter and annual return --------------------------------------------


@pytest.fixture
def benchmarked(db):
    return build_benchmarked()


BENCHMARK = "indicators:benchmark_scorecard"


def test_when_the_quarter_has_ended_the_full_quarter_is_shown_alone(client, viewer, benchmarked):
    html = client_for(client, viewer).get(reverse(BENCHMARK), {"period": "2020-12"}).content.decode()
    headers, rows = table_of(html)
    assert "Q3 2020/21 (full quarter)" in headers
    assert not [h for h in headers if h.endswith("to date")]
    assert cell(headers, rows, "FDB 7", "Q3 2020/21 (full quarter)") == "17.5%"  # Oct 20, Nov 19.7, Dec 12.9
    assert cell(headers, rows, "DW 1", "Q3 2020/21 (full quarter)") == "1,834"  # latest: December's
    assert cell(headers, rows, "FDB 7", "Annual return 2019/20") == "15.4%"


def test_while_a_quarter_runs_its_quarter_to_date_comes_with_the_last_full_quarter(client, viewer, benchmarked):
    html = client_for(client, viewer).get(reverse(BENCHMARK), {"period": "2020-11"}).content.decode()
    headers, rows = table_of(html)
    at = headers.index("Quarter 2020/21 Q3 to date")
    assert headers[at : at + 3] == ["Quarter 2020/21 Q3 to date", "Q2 2020/21 (full quarter)", "Annual return 2019/20"]
    assert cell(headers, rows, "FDB 7", "Quarter 2020/21 Q3 to date") == "19.9%"  # (20 + 19.7) / 2, half up
    assert cell(headers, rows, "FDB 7", "Q2 2020/21 (full quarter)") == "16.7%"  # Jul 19, Aug 16, Sep 15
    assert cell(headers, rows, "DW 1", "Q2 2020/21 (full quarter)") == ""  # no figure before October


def test_in_march_the_year_just_ended_is_the_annual_return(client, viewer, benchmarked):
    approve_months(benchmarked["rereferrals"], date(2021, 1, 1), [14, 15, 16])
    recompute()
    c = client_for(client, viewer)
    headers, rows = table_of(c.get(reverse(BENCHMARK), {"period": "2021-03"}).content.decode())
    assert "Annual return 2020/21" in headers and "Annual return 2019/20" not in headers
    assert cell(headers, rows, "FDB 7", "Annual return 2020/21") == "16.6%"  # 198.9 / 12 = 16.575, half up
    assert cell(headers, rows, "FDB 7", "Q4 2020/21 (full quarter)") == "15.0%"
    # The month before, 2020/21 is still running: last year's return.
    headers, rows = table_of(c.get(reverse(BENCHMARK), {"period": "2021-02"}).content.decode())
    assert cell(headers, rows, "FDB 7", "Annual return 2019/20") == "15.4%"
    assert cell(headers, rows, "FDB 7", "Q3 2020/21 (full quarter)") == "17.5%"


def test_the_board_packs_benchmark_sheet_has_the_full_quarter_as_a_number(client, viewer, benchmarked):
    response = client_for(client, viewer).get(reverse("indicators:board_pack"), {"period": "2020-11"})
    sheet = load_workbook(io.BytesIO(response.content))["Benchmark scorecard"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows[1]
    fdb7 = next(row for row in rows if row[0] == "FDB 7")
    assert round(fdb7[header.index("Q2 2020/21 (full quarter)")], 6) == 16.666667
    assert round(fdb7[header.index("Quarter 2020/21 Q3 to date")], 6) == 19.85
