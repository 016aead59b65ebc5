"""The board pack, the feed and the `scorecard` command — and the same numbers in every output."""

import csv
import io
import json
import re
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from indicators.reports.rows import FEED_FIELDS
from indicators.scorecard.recompute import recompute
from kpiportal.accounts.services import api_token_create, api_token_revoke
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

FEED = "/api/v1/scorecard"


def board_pack(client, user, **params):
    response = client_for(client, user).get(reverse("indicators:board_pack"), {"period": "2020-09", **params})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="board-pack-2020-09.xlsx"'
    return load_workbook(io.BytesIO(response.content))


def sheet_rows(sheet) -> list[list]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def feed(client, key, **params):
    return client.get(FEED, {"period": "2020-09", **params}, HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.fixture
def token_key(viewer):
    _, key = api_token_create(user=viewer, name="Power BI")
    return key


# --- Board pack --------------------------------------------------------------------------------


def test_board_pack_has_a_sheet_per_layout_with_fills_formats_frozen_headers_and_print_setup(client, scored, viewer):
    book = board_pack(client, viewer)
    assert book.sheetnames == ["Board scorecard", "Thematic dashboard", "Exception report", "Benchmark scorecard"]
    board = book["Board scorecard"]
    rows = sheet_rows(board)
    assert rows[0][0] == "Board scorecard, Sep-20"
    header = rows[1]
    assert header[:4] == ["Code", "Indicator", "Polarity", "Apr-19"]
    cp5 = next(r for r in board.iter_rows(min_row=3) if r[0].value == "CP 5")
    rag = cp5[header.index("RAG")]
    assert rag.value == "Persistent red" and rag.fill.fgColor.rgb.endswith("942514")
    sep = cp5[header.index("Sep-20")]
    assert sep.value == 48 and sep.number_format == '#,##0"%"'
    assert board.freeze_panes == "C3"
    assert board.print_title_rows == "$1:$2"
    assert board.page_setup.orientation == "landscape" and board.sheet_properties.pageSetUpPr.fitToPage
    dashboard = sheet_rows(book["Thematic dashboard"])
    assert [v for v in dashboard[2] if v is not None] == ["Front Door"]  # the first theme's heading row
    fd3 = next(r for r in dashboard if r[1] == "FD 3")
    assert fd3[0] == "Key KPI" and fd3[5] == "↑ up, improving"
    exceptions = sheet_rows(book["Exception report"])
    assert [r[0] for r in exceptions[2:]] == ["CP 5"] and exceptions[2][-1] == "CP 5 commentary for Sep-20"


def test_board_pack_writes_formula_like_text_as_text(client, scored, viewer):
    scored.cp5.title = '=HYPERLINK("http://evil.example","Click")'
    scored.cp5.save()
    ret = scored.cp5.returns.get(period=date(2020, 9, 1))
    ret.commentary = "+1 more conference; -2 cancelled\t@noon"
    ret.save()
    book = board_pack(client, viewer)
    titles = {r[0].value: r[1] for r in book["Board scorecard"].iter_rows(min_row=3)}
    assert titles["CP 5"].value.startswith("=HYPERLINK") and titles["CP 5"].data_type == "s"
    commentary = next(r for r in book["Exception report"].iter_rows(min_row=3) if r[0].value == "CP 5")[-1]
    assert commentary.value == "+1 more conference; -2 cancelled\t@noon" and commentary.data_type == "s"


def test_board_pack_bad_input(client, scored, viewer):
    c = client_for(client, viewer)
    response = c.get(reverse("indicators:board_pack"), {"period": "Sept 2020"})
    assert response.status_code == 400 and b"write it as YYYY-MM" in response.content


# --- Feed and command ------------------------------------------------------------------------


def test_feed_rows_have_exactly_the_fields_of_the_specification(client, scored, token_key):
    response = feed(client, token_key)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    rows = response.json()
    assert [tuple(r) for r in rows] == [FEED_FIELDS] * 3
    cp5 = next(r for r in rows if r["code"] == "CP 5")
    assert cp5 == {
        "code": "CP 5",
        "title": scored.cp5.title,
        "theme": "Response to Risk",
        "polarity": "higher",
        "unit": "percent",
        "period": "2020-09",
        "value": 48.0,
        "previous_value": 44.0,
        "change": 4.0,
        "direction": "up",
        "target": 77.0,
        "tolerance_threshold": 77.0,
        "distance_from_target": -29.0,
        "rag": "red",
        "persistent_red": True,
        "ytd_value": 69.166667,  # unrounded (stored to six places), not 69
        "previous_ytd_value": 77.833333,
        "previous_year_outturn": 74.916667,  # the whole of 2019/20: the seed prints 75 %
        "rolling_6m_value": 71.833333,
        "comparators": {"Statistical neighbours": 75.0, "England": 78.5},
        "teams": {
            "EAST": {"value": 50.0, "numerator": 5.0, "denominator": 10.0},
            "SOUTH": {"value": 46.0, "numerator": 6.0, "denominator": 13.0},
        },
    }
    cla3 = next(r for r in rows if r["code"] == "CLA 3")
    assert cla3["target"] is None and cla3["rag"] == "grey" and cla3["comparators"] == {} and cla3["teams"] == {}


def test_feed_as_csv_has_a_header_row(client, scored, token_key):
    response = feed(client, token_key, format="csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    cp5 = next(r for r in rows if r["code"] == "CP 5")
    assert cp5["value"] == "48.0" and cp5["persistent_red"] == "true" and cp5["direction"] == "up"
    assert json.loads(cp5["teams"])["EAST"]["denominator"] == 10.0
    cla3 = next(r for r in rows if r["code"] == "CLA 3")
    assert cla3["target"] == ""


def test_feed_csv_writes_formula_like_text_for_excel_as_text(client, scored, token_key):
    scored.cp5.title = '=HYPERLINK("http://evil.example","Click")'
    scored.cp5.save()
    csv_rows = list(csv.DictReader(io.StringIO(feed(client, token_key, format="csv").content.decode())))
    cp5 = next(r for r in csv_rows if r["code"] == "CP 5")
    assert cp5["title"] == '\'=HYPERLINK("http://evil.example","Click")'
    json_rows = feed(client, token_key, format="json").json()
    assert next(r for r in json_rows if r["code"] == "CP 5")["title"] == scored.cp5.title


def test_feed_and_command_print_identical_rows(client, scored, token_key, capsys):
    for fmt in ("json", "csv"):
        body = feed(client, token_key, format=fmt).content.decode()
        call_command("scorecard", "--period", "2020-09", "--format", fmt)
        assert capsys.readouterr().out.rstrip("\n") == body.rstrip("\n")


@pytest.mark.parametrize(
    ("authorization", "expected"),
    [
        (None, "Send your API token"),
        ("Bearer kpi_not-a-real-token", "wrong or has been revoked"),
        ("Basic dXNlcjpwYXNz", "Send your API token"),
        ("Bearer ", "Send your API token"),
    ],
)
def test_feed_refuses_missing_and_wrong_tokens(client, scored, authorization, expected):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization is not None else {}
    response = client.get(FEED, {"period": "2020-09"}, **headers)
    assert response.status_code == 401 and expected in response.json()["error"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused(client, scored, viewer):
    token, key = api_token_create(user=viewer, name="Old report")
    assert feed(client, key).status_code == 200
    api_token_revoke(token=token, by=viewer)
    assert feed(client, key).status_code == 401


def test_the_session_does_not_open_the_feed(client, scored, viewer):
    response = client_for(client, viewer).get(FEED, {"period": "2020-09"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "Sep-20"}, "write it as YYYY-MM"),
        ({"period": "2020-13"}, "not a month"),
        ({"period": ""}, "Give the period"),
        ({"format": "xml"}, "not a format"),
    ],
)
def test_feed_bad_requests(client, scored, token_key, params, message):
    response = feed(client, token_key, **params)
    assert response.status_code == 400 and message in response.json()["error"]


def test_feed_other_methods_and_empty_periods(client, scored, token_key):
    assert client.post(FEED, HTTP_AUTHORIZATION=f"Bearer {token_key}").status_code == 405
    assert feed(client, token_key, period="2031-01").json() == []


def test_command_bad_input():
    with pytest.raises(CommandError, match="write it as YYYY-MM"):
        call_command("scorecard", "--period", "Nov-22")
    with pytest.raises(CommandError, match="not a format"):
        call_command("scorecard", "--period", "2022-11", "--format", "xml")


# --- The same numbers everywhere ------------------------------------------------------------------


def test_page_board_pack_and_feed_show_the_same_numbers(client, scored, viewer, token_key):
    # A figure with more places than shown: the page rounds for display, the pack keeps it, the feed too.
    ret = scored.fd3.returns.get(period=date(2020, 9, 1))
    ret.value = D("95.45")
    ret.save()
    recompute(indicator_ids=[scored.fd3.pk])
    feed_rows = {r["code"]: r for r in feed(client, token_key).json()}
    page = client_for(client, viewer).get(reverse("indicators:dashboard"), {"period": "2020-09"}).content.decode()
    pack = board_pack(client, viewer)["Thematic dashboard"]
    header = [c.value for c in next(pack.iter_rows(min_row=2, max_row=2))]
    pack_rows = {r[1].value: r for r in pack.iter_rows(min_row=3) if r[1].value}
    for code, shown in (("FD 3", "95%"), ("CP 5", "48%")):
        row = feed_rows[code]
        cells = pack_rows[code]
        assert cells[header.index("Sep-20")].value == row["value"]
        assert cells[header.index("Target")].value == row["target"]
        assert cells[header.index("Tolerance threshold")].value == row["tolerance_threshold"]
        assert cells[header.index("Change since last month")].value == row["change"]
        assert cells[header.index("Distance from target")].value == row["distance_from_target"]
        page_row = re.search(rf">{re.escape(code)}</a>.*?</tr>", page, re.S) or re.search(
            rf">{re.escape(code)}<.*?</tr>", page, re.S
        )
        assert f">{shown}<" in page_row.group(0)
    assert feed_rows["FD 3"]["value"] == 95.45 and feed_rows["FD 3"]["rag"] == "green"
    assert feed_rows["CP 5"]["rag"] == "red" and feed_rows["CP 5"]["persistent_red"] is True
    assert "kpi-rag--green" in re.search(r">FD 3<.*?</tr>", page, re.S).group(0)
