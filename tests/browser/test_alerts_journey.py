"""Browser journey: the performance team finds a failed alert email and retries it; a viewer follows and unfollows.

Every page checked with axe-core for WCAG A/AA, and the RAG shown as a word.
"""

import pytest
from playwright.sync_api import expect

from indicators.alerts.models import Alert, Delivery, Follow, SendState
from tests.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_failed_email_is_found_and_retried_and_follows_are_listed(
    page, live_server, login, performance_user, director, viewer, indicator
):
    alert = Alert.objects.create(
        indicator=indicator, period="2022-11-01", kind="turned_red", rag="red", value=80, target=90, polarity="higher"
    )
    failed = Delivery.objects.create(
        alert=alert,
        recipient=director,
        state=SendState.FAILED,
        attempts=8,
        last_error="The mail server refused the connection.",
    )
    Delivery.objects.create(alert=alert, recipient=performance_user, state=SendState.SENT)

    login(performance_user)
    page.goto(f"{live_server.url}/alerts/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your alerts", use_inner_text=True)
    expect(page.locator(".kpi-rag--red").first).to_have_text("Red", use_inner_text=True)
    assert_accessible(page, "(my alerts)")

    page.get_by_role("link", name="Every alert email, with failed ones to retry").click()
    page.get_by_label("Email state").select_option("failed")
    page.get_by_role("button", name="Filter").click()
    assert_accessible(page, "(alert emails, failed)")
    page.get_by_role("button", name="Retry email to Dana Director about CP 5 Nov-22").click()
    expect(page.get_by_text("will be sent again")).to_be_visible()
    failed.refresh_from_db()
    assert failed.state == SendState.SENT

    page.get_by_role("link", name="Alerts").click()
    page.get_by_role("link", name="CP 5 alert").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("CP 5", use_inner_text=True)
    assert_accessible(page, "(one alert)")

    page.get_by_role("link", name="Open CP 5").click()
    page.get_by_role("button", name="Follow CP 5").click()
    expect(page.get_by_text("You follow CP 5")).to_be_visible()
    assert_accessible(page, "(indicator page, following)")
    assert Follow.objects.filter(user=performance_user, indicator=indicator).exists()

    page.goto(f"{live_server.url}/accounts/profile/")
    expect(page.get_by_role("heading", name="Indicators you follow")).to_be_visible()
    page.get_by_role("button", name="Unfollow CP 5").click()
    expect(page.get_by_text("You no longer follow CP 5.")).to_be_visible()
    assert_accessible(page, "(profile after unfollowing)")
    assert not Follow.objects.exists()


def test_an_email_that_may_have_been_sent_is_sent_again_only_once_confirmed(
    page, live_server, login, performance_user, director, indicator
):
    alert = Alert.objects.create(
        indicator=indicator, period="2022-11-01", kind="turned_red", rag="red", value=80, target=90, polarity="higher"
    )
    uncertain = Delivery.objects.create(
        alert=alert,
        recipient=director,
        state=SendState.UNCERTAIN,
        attempts=1,
        message_id="<1.2.3.delivery-1@kpi.example>",
        last_error="The mail server was given the message but did not confirm it (it did not answer in time).",
    )

    login(performance_user)
    page.goto(f"{live_server.url}/alerts/all/")
    page.get_by_role("link", name="1 may have been sent").click()
    expect(page.get_by_text("<1.2.3.delivery-1@kpi.example>")).to_be_visible()
    assert_accessible(page, "(alert emails, may have been sent)")
    page.get_by_role("link", name="Send again the email to Dana Director about CP 5 Nov-22").click()
    expect(page.get_by_text("the recipient may get it twice").first).to_be_visible()
    assert_accessible(page, "(send again?)")
    uncertain.refresh_from_db()
    assert uncertain.state == SendState.UNCERTAIN

    page.get_by_role("button", name="Send again — the recipient may get it twice").click()
    expect(page.get_by_text("will be sent again")).to_be_visible()
    uncertain.refresh_from_db()
    assert (uncertain.state, uncertain.retried_by) == (SendState.SENT, performance_user)
