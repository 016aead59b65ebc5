"""Browser journey: a viewer reads the scorecards, filters and sorts them, and opens an indicator's chart."""

import re

import pytest

from tests.conftest import assert_accessible
from tests.scorecard_data import build_scored

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_read_the_scorecards_and_an_indicator(page, live_server, login, viewer, officer):
    build_scored(officer)
    csp_violations = []
    page.on("console", lambda msg: csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    login(viewer)
    page.get_by_role("link", name="Scorecard").first.click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Board scorecard")
    board = page.get_by_role("region", name="Board scorecard, Sep-20")
    assert "Persistent red" in board.inner_text()
    assert_accessible(page, "(board scorecard)")

    page.get_by_label("RAG").select_option(label="Green")
    page.get_by_role("button", name="Show").click()
    assert page.get_by_role("row", name="FD 3").count() == 1 and page.get_by_role("row", name="CP 5").count() == 0

    page.get_by_role("link", name="Dashboard").first.click()
    assert page.get_by_role("table", name="Front Door").is_visible()
    assert "up, improving" in page.get_by_role("table", name="Front Door").inner_text()
    links = page.get_by_role("link").all_inner_texts()
    page.get_by_role("link", name=re.compile(r"^Code")).first.click()
    assert "sort=code" in page.url, links
    assert_accessible(page, "(thematic dashboard)")

    page.get_by_role("link", name="Exceptions").first.click()
    assert "CP 5 commentary for Sep-20" in page.get_by_role("main").inner_text()
    page.get_by_role("link", name="CP 5").click()
    assert page.get_by_role("img", name="CP 5: monthly figures against target").is_visible()
    assert "EAST" in page.get_by_role("region", name="Figures by team").inner_text()
    assert_accessible(page, "(indicator page with chart)")
    assert csp_violations == []
