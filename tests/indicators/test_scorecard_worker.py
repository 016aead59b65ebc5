"""An approval reaches the scorecard through the real Celery worker on Redis."""

import time
from datetime import date
from decimal import Decimal as D

import pytest
from django.db import transaction

from indicators import scorecard
from indicators.models import ScorecardEntry
from returns.models import State
from tests import factories

pytestmark = [pytest.mark.worker, pytest.mark.postgres]


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_an_approved_return_updates_the_entries_through_the_worker(celery_worker):
    ind = factories.IndicatorFactory(code="CP 5", polarity="higher", unit="percent", aggregation="ratio")
    factories.TargetFactory(indicator=ind, financial_year=2022, target=D("90"), tolerance=D("5"))
    factories.ReturnFactory(
        indicator=ind, period=date(2022, 10, 1), value=D("92"), numerator=D("46"), denominator=D("50"), state="approved"
    )
    with transaction.atomic():
        ret = factories.ReturnFactory(
            indicator=ind, period=date(2022, 11, 1), value=D("84"), numerator=D("42"), denominator=D("50")
        )
        ret.state = State.APPROVED
        ret.save()
        scorecard.request_recompute([ind.pk], from_period=ret.period, reason="return approved")
    assert wait_for(lambda: ScorecardEntry.objects.filter(indicator=ind, period=ret.period).exists()), (
        f"the worker wrote no entry; see {celery_worker.log_path}"
    )
    entry = ScorecardEntry.objects.get(indicator=ind, period=ret.period, team=None)
    assert (entry.value, entry.previous_value, entry.rag, entry.direction) == (D("84"), D("92"), "red", "down")
    assert entry.ytd_value == D("88")  # (46 + 42) / (50 + 50)
    # Only the period asked for (and after) was written: October waits for its own request or the nightly run.
    assert not ScorecardEntry.objects.filter(indicator=ind, period=date(2022, 10, 1)).exists()

    with transaction.atomic():
        ret.state = State.DRAFT  # reopened
        ret.save()
        scorecard.request_recompute([ind.pk], from_period=ret.period, reason="return reopened")
    assert wait_for(lambda: not ScorecardEntry.objects.filter(indicator=ind, period=ret.period).exists())
