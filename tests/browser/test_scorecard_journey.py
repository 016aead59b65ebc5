"""Browser journey: a viewer reads the scorecards, filters and sorts them, and opens an indicator's chart."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import assert_accessible
from tests.scorecard_data import build_scored

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_read_the_scorecards_and_an_indicator(page, live_server, login, viewer, officer):
    build_scored(officer)
    csp_violations = []
    page.on("console", lambda msg: csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    login(viewer)
    page.get_by_role("link", name="Scorecard").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Board scorecard"), use_inner_text=True)
    board = page.get_by_role("region", name="Board scorecard, Sep-20")
    expect(board).to_contain_text("Persistent red", use_inner_text=True)
    assert_accessible(page, "(board scorecard)")

    page.get_by_label("RAG").select_option(label="Green")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("row", name="FD 3")).to_have_count(1)
    expect(page.get_by_role("row", name="CP 5")).to_have_count(0)

    page.get_by_role("link", name="Dashboard").first.click()
    expect(page.get_by_role("table", name="Front Door")).to_be_visible()
    expect(page.get_by_role("table", name="Front Door")).to_contain_text("up, improving", use_inner_text=True)
    page.get_by_role("link", name=re.compile(r"^Code")).first.click()
    expect(page).to_have_url(re.compile(r"sort=code"))
    assert_accessible(page, "(thematic dashboard)")

    page.get_by_role("link", name="Exceptions").first.click()
    expect(page.get_by_role("main")).to_contain_text("CP 5 commentary for Sep-20", use_inner_text=True)
    page.get_by_role("link", name="CP 5").click()
    expect(page.get_by_role("img", name="CP 5: monthly figures against target")).to_be_visible()
    expect(page.get_by_role("region", name="Figures by team")).to_contain_text("EAST", use_inner_text=True)
    assert_accessible(page, "(indicator page with chart)")
    assert csp_violations == []
