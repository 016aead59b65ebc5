"""Browser journey: sign in, reach the home page and profile, with no WCAG A/AA violations."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_page_and_home_are_accessible(page, live_server, login, officer):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert_accessible(page, "(login)")
    page.get_by_label("Username").fill("officer")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Enter a correct username and password")).to_be_visible()
    assert_accessible(page, "(login error)")

    login(officer)
    expect(page.get_by_role("heading", level=1)).to_have_text("Children's services KPIs", use_inner_text=True)
    assert_accessible(page, "(home)")
    page.get_by_role("link", name="Your profile, alerts and API tokens").click()
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
    assert_accessible(page, "(profile)")


def test_keyboard_user_can_skip_to_content(page, live_server, login, viewer):
    login(viewer)
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
