"""Approving a return updates the scorecard through the real Celery worker on Redis."""

from datetime import date
from decimal import Decimal as D

import pytest

from indicators import periods
from indicators.models import RecomputeRequest, ScorecardEntry
from returns import services
from tests import factories

pytestmark = [pytest.mark.worker, pytest.mark.postgres]


def recomputes_not_done():
    return [RecomputeRequest.objects.filter(done_at__isnull=True)]


def test_approving_and_reopening_a_return_updates_the_entries_through_the_worker(
    celery_worker, indicator, officer, director
):
    period = periods.add_months(periods.month_start(date.today()), -1)  # last month: open for entry
    indicator.aggregation = "ratio"
    indicator.save()
    factories.TargetFactory(
        indicator=indicator, financial_year=periods.financial_year_of(period), target=D("90"), tolerance=D("5")
    )
    factories.TargetFactory(
        indicator=indicator,
        financial_year=periods.financial_year_of(periods.add_months(period, -1)),
        target=D("90"),
        tolerance=D("5"),
    )
    factories.ReturnFactory(
        indicator=indicator,
        period=periods.add_months(period, -1),
        value=D("92"),
        numerator=D("46"),
        denominator=D("50"),
        state="approved",
    )
    draft = factories.ReturnFactory(
        indicator=indicator,
        period=period,
        value=D("84"),
        numerator=D("42"),
        denominator=D("50"),
        commentary="Two conferences moved by the families' requests.",
        updated_by=officer,
    )
    services.return_submit(returns=[draft], by=officer, confirm_warnings=True)
    (approved,) = services.return_approve(returns=[draft], by=director)

    def entry():
        return ScorecardEntry.objects.filter(indicator=indicator, period=period, team=None).first()

    celery_worker.wait_until_idle(outbox=recomputes_not_done())
    found = entry()
    assert found is not None, f"the worker wrote no entry; see {celery_worker.log_path}"
    assert (found.value, found.previous_value, found.rag, found.direction) == (D("84"), D("92"), "red", "down")
    assert found.change == D("-8") and found.tolerance_threshold == D("85.5")

    services.return_reopen(ret=approved, by=director, reason="Double-counted conference")
    celery_worker.wait_until_idle(outbox=recomputes_not_done())
    assert entry() is None, "the reopened return's entry is still on the scorecard"
