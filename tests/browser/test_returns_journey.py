"""Browser journey of a monthly return: the officer enters and submits, the director sends it back,
the officer resubmits, the director approves. Every page is checked with axe (WCAG A/AA)."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from indicators import periods
from returns import deadlines
from returns.models import Return, State
from tests import factories
from tests.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_as(page, login, user):
    page.context.clear_cookies()
    login(user)


def test_officer_submits_director_sends_back_officer_resubmits_director_approves(
    page, live_server, login, officer, director, service_area
):
    period = deadlines.default_period(timezone.localdate())
    label = periods.month_label(period)
    indicator = factories.IndicatorFactory(
        code="CP 5",
        title="Conferences held within 15 working days",
        service_area=service_area,
        responsible_officer=officer,
        unit="percent",
        polarity="higher",
    )
    factories.TargetFactory(
        indicator=indicator, financial_year=periods.financial_year_of(period), target=90, tolerance=5
    )

    # The officer finds the return on "My returns" and enters a red figure without commentary.
    sign_in_as(page, login, officer)
    page.goto(f"{live_server.url}/returns/mine/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"My returns for {label}", use_inner_text=True)
    assert_accessible(page, "(my returns)")
    page.get_by_role("link", name="CP 5").click()
    assert_accessible(page, "(entry form)")
    page.get_by_label("Value (%)").fill("80")
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.get_by_text("was saved as a draft but not submitted")).to_be_visible()
    expect(page.locator(".govuk-error-summary").get_by_role("link").first).to_have_text(
        re.compile(r"^Commentary"), use_inner_text=True
    )
    assert_accessible(page, "(commentary required)")
    page.get_by_label("Commentary").fill("Two conferences moved for family reasons")
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.get_by_text("submitted for review")).to_be_visible()
    assert_accessible(page, "(submitted)")

    # The director sends it back with a comment.
    sign_in_as(page, login, director)
    page.goto(f"{live_server.url}/returns/review/")
    assert_accessible(page, "(to review)")
    page.get_by_role("link", name="CP 5").click()
    page.get_by_role("button", name="Send back").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()  # the comment is required
    assert_accessible(page, "(send back without comment)")
    page.get_by_label("What should the officer change?").fill("Please check the October figure first")
    page.get_by_role("button", name="Send back").click()
    expect(page.get_by_text("sent back to Olive Officer")).to_be_visible()

    # The officer sees the comment at the top, corrects and resubmits.
    sign_in_as(page, login, officer)
    page.goto(f"{live_server.url}/returns/mine/")
    page.get_by_role("link", name="CP 5").click()
    banner = page.get_by_role("region", name="Sent back")
    expect(banner.get_by_text("Please check the October figure first")).to_be_visible()
    assert_accessible(page, "(sent back)")
    page.get_by_label("Value (%)").fill("91")
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.get_by_text("submitted for review")).to_be_visible()

    # The director ticks it on "To review" and approves it with the keyboard.
    sign_in_as(page, login, director)
    page.goto(f"{live_server.url}/returns/review/")
    page.get_by_label(f"Approve CP 5 {label}").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Approve the ticked returns").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("1 return approved")).to_be_visible()

    ret = Return.objects.get(indicator=indicator, period=period)
    assert ret.state == State.APPROVED and ret.value == Decimal("91") and ret.approved_by == director
    page.goto(f"{live_server.url}/returns/{ret.pk}/history/")
    expect(page.get_by_role("cell", name="Please check the October figure first")).to_be_visible()
    assert_accessible(page, "(history)")
    page.goto(f"{live_server.url}/returns/completeness/")
    assert_accessible(page, "(completeness)")
