"""The scorecard never fails on large numbers: sums fit, one bad indicator stops only itself, no 500 after a commit.

The returns here are written as the columns allow (figures kept before the units had their largest
plausible values, or written around the portal's checks); approvals go through the HTTP client with the
recompute run on commit, in the request, as it is without a broker.
"""

from datetime import date
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from indicators.models import RecomputeRequest, ScorecardEntry, ScorecardFailure
from indicators.scorecard import failures
from indicators.scorecard.recompute import scorecard_changed
from returns.models import Return, State
from tests import factories

LARGEST = D("999999999999")  # the most a stored figure holds: 12 digits before the point
FINANCIAL_YEAR = [date(2021, month, 1) for month in range(4, 13)] + [date(2022, month, 1) for month in (1, 2, 3)]


@pytest.fixture(autouse=True)
def _fresh_page_cache():
    """Pages are cached by the scorecard's version, which starts again with each test's database."""
    cache.clear()


@pytest.fixture
def referrals(service_area, officer):
    """A count added up over the year: its year to date is the sum of twelve months."""
    return factories.IndicatorFactory(
        code="FDB 5",
        title="Referrals received",
        unit="count",
        decimals=0,
        aggregation="sum",
        polarity="neutral",
        service_area=service_area,
        responsible_officer=officer,
    )


def year_of_returns(indicator, value, *, last_state=State.APPROVED):
    returns = [
        factories.ReturnFactory(indicator=indicator, period=period, value=value, state=State.APPROVED)
        for period in FINANCIAL_YEAR[:-1]
    ]
    return [
        *returns,
        factories.ReturnFactory(indicator=indicator, period=FINANCIAL_YEAR[-1], value=value, state=last_state),
    ]


def approve_over_http(client, director, ret):
    client.force_login(director)
    return client.post(reverse("returns:approve", args=[ret.pk]), {"approve-version": ret.version})


@pytest.mark.django_db(transaction=True)
def test_twelve_of_the_largest_figures_approved_give_their_sum_on_the_scorecard(client, director, referrals):
    *_, march = year_of_returns(referrals, LARGEST, last_state=State.SUBMITTED)
    response = approve_over_http(client, director, march)
    assert response.status_code == 302
    assert Return.objects.get(pk=march.pk).state == State.APPROVED
    entry = ScorecardEntry.objects.get(indicator=referrals, period=date(2022, 3, 1), team=None)
    assert entry.ytd_value == 12 * LARGEST == D("11999999999988")
    assert entry.quarter_value == 3 * LARGEST and entry.rolling_6m_value == 6 * LARGEST
    assert not ScorecardFailure.objects.exists()
    assert RecomputeRequest.objects.get().done_at is not None
    page = client.get(reverse("indicators:board"), {"period": "2022-03"})
    assert "11,999,999,999,988" in page.content.decode()


def _an_indicator_that_cannot_be_scored(service_area, officer):
    """A percentage whose parts fit their columns but whose value, 100 × 999,999,999,999 ÷ 0.000001, fits no entry."""
    broken = factories.IndicatorFactory(
        code="CP 13", title="Reviews on time", unit="percent", service_area=service_area, responsible_officer=officer
    )
    factories.ReturnFactory(
        indicator=broken,
        period=date(2022, 3, 1),
        value=None,
        numerator=LARGEST,
        denominator=D("0.000001"),
        state=State.APPROVED,
    )
    return broken


@pytest.mark.django_db
def test_an_indicator_that_cannot_be_scored_leaves_the_others_written_and_is_shown(
    client, service_area, officer, performance_user, director, referrals
):
    year_of_returns(referrals, D("120"))
    broken = _an_indicator_that_cannot_be_scored(service_area, officer)
    err = StringIO()
    with pytest.raises(CommandError, match="1 indicator"):
        call_command("recompute_scorecard", stdout=StringIO(), stderr=err)
    assert f"Could not score CP 13: {failures.TOO_LARGE}" in err.getvalue()
    assert "Traceback" not in err.getvalue()
    assert ScorecardEntry.objects.filter(indicator=referrals, team=None).count() == 12
    assert ScorecardEntry.objects.get(indicator=referrals, period=date(2022, 3, 1)).ytd_value == D("1440")
    assert not ScorecardEntry.objects.filter(indicator=broken).exists()
    failure = ScorecardFailure.objects.get()
    assert (failure.indicator, failure.reason) == (broken, failures.TOO_LARGE)

    client.force_login(performance_user)
    page = client.get(reverse("indicators:board"), {"period": "2022-03"}).content.decode()
    assert "The last recompute could not score this indicator" in page
    assert f"CP 13 Reviews on time</a>: {failures.TOO_LARGE}" in page
    client.force_login(director)
    assert "could not score" not in client.get(reverse("indicators:board"), {"period": "2022-03"}).content.decode()

    # Put right, the indicator is scored and the failure cleared.
    Return.objects.filter(indicator=broken).update(value=D("48"), numerator=None, denominator=None)
    call_command("recompute_scorecard", stdout=StringIO())
    assert ScorecardEntry.objects.get(indicator=broken).value == D("48")
    assert not ScorecardFailure.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_approval_answers_once_it_has_committed_whatever_the_recompute_does(client, director, referrals):
    """A recompute run on commit that fails (here a receiver of its signal, as the alerts are) leaves the
    approval committed and answered, and its request pending for the relay."""
    *_, march = year_of_returns(referrals, D("120"), last_state=State.SUBMITTED)

    def failing_receiver(**kwargs):
        raise RuntimeError("the alerts could not be raised")

    scorecard_changed.connect(failing_receiver)
    try:
        response = approve_over_http(client, director, march)
    finally:
        scorecard_changed.disconnect(failing_receiver)
    assert response.status_code == 302
    assert Return.objects.get(pk=march.pk).state == State.APPROVED
    request = RecomputeRequest.objects.get()
    assert request.queued_at is not None and request.done_at is None  # the relay queues it again
