"""Browser journey at 320 CSS pixels (WCAG 1.4.10 reflow): the board scorecard with last year's outturn and the
benchmark scorecard with its full quarter read without the page scrolling sideways — a wide table scrolls in its
own keyboard-reachable region — with no WCAG A/AA violations and no CSP violations."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.benchmarks.data import build_benchmarked
from tests.conftest import assert_accessible
from tests.scorecard_data import build_scored

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 320, "height": 640}


def _page_scrolls_sideways(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")


def _column_reached_by_scrolling(region, header: str) -> None:
    """The heading is in the table's region; scrolled into view there, it is on screen."""
    heading = region.get_by_role("columnheader", name=header)
    expect(heading).to_have_count(1)
    heading.scroll_into_view_if_needed()
    box = heading.bounding_box()
    assert box is not None and 0 <= box["x"] < NARROW["width"], box


def test_the_outturn_and_full_quarter_columns_read_at_320_pixels(page, live_server, login, viewer, officer):
    build_scored(officer)
    build_benchmarked()
    csp_violations = []
    page.on("console", lambda msg: csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.set_viewport_size(NARROW)
    login(viewer)

    page.goto(f"{live_server.url}{reverse('indicators:board')}?period=2020-09")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Board scorecard"), use_inner_text=True)
    board = page.get_by_role("region", name="Board scorecard, Sep-20")
    _column_reached_by_scrolling(board, "2019/20 outturn")
    cp5 = board.get_by_role("row", name=re.compile(r"^CP 5"))
    expect(cp5).to_contain_text("75%", use_inner_text=True)
    assert not _page_scrolls_sideways(page)
    assert_accessible(page, "(board scorecard at 320 px)")

    page.goto(f"{live_server.url}{reverse('indicators:benchmark_scorecard')}?period=2020-11")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Benchmark scorecard"), use_inner_text=True)
    front_door = page.get_by_role("region", name="Front Door")
    _column_reached_by_scrolling(front_door, "Q2 2020/21 (full quarter)")
    _column_reached_by_scrolling(front_door, "Quarter 2020/21 Q3 to date")
    assert not _page_scrolls_sideways(page)
    assert_accessible(page, "(benchmark scorecard at 320 px)")
    assert csp_violations == []
