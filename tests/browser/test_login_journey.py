"""Browser journey: sign in, reach the home page and profile, with no WCAG A/AA violations."""

import pytest

from tests.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_page_and_home_are_accessible(page, live_server, login, officer):
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    assert_accessible(page, "(login)")
    page.get_by_label("Username").fill("officer")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_text("Enter a correct username and password").is_visible()
    assert_accessible(page, "(login error)")

    login(officer)
    assert page.get_by_role("heading", level=1).inner_text() == "Children's services KPIs"
    assert_accessible(page, "(home)")
    page.get_by_role("link", name="Your profile, alerts and API tokens").click()
    assert page.get_by_role("heading", name="Your profile").is_visible()
    assert_accessible(page, "(profile)")


def test_keyboard_user_can_skip_to_content(page, live_server, login, viewer):
    login(viewer)
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
