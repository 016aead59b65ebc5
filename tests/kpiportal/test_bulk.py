"""Bulk inserts for imports: COPY on PostgreSQL gives the same rows and history as the ORM path."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.utils import timezone

from kpiportal import bulk
from returns.models import Return, ReturnEvent
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

HISTORY_FIELDS = (
    "indicator_id",
    "period",
    "value",
    "state",
    "version",
    "history_type",
    "history_user_id",
    "history_change_reason",
    "approved_by_id",
)


def returns_for(indicator, year, by):
    return [
        Return(indicator=indicator, period=date(year, m, 1), value=D(m) + D("0.125"), state="approved", approved_by=by)
        for m in range(1, 13)
    ]


def test_copy_and_the_orm_write_the_same_rows_and_history(performance_user, monkeypatch):
    indicator = factories.IndicatorFactory(code="CP 5")
    now = timezone.now()
    copied = bulk.insert_with_history(
        Return, returns_for(indicator, 2020, performance_user), by=performance_user, reason="Imported", now=now
    )
    assert all(r.pk for r in copied)
    monkeypatch.setattr(bulk, "_copyable", lambda model: False)
    through_orm = bulk.insert_with_history(
        Return, returns_for(indicator, 2021, performance_user), by=performance_user, reason="Imported", now=now
    )
    assert all(r.pk for r in through_orm)

    def rows(returns):
        history = Return.history.filter(id__in=[r.pk for r in returns]).order_by("period")
        return [(*tuple(getattr(h, f) for f in HISTORY_FIELDS if f != "period"), h.period.month) for h in history]

    assert rows(copied) == rows(through_orm)
    stored = Return.objects.get(pk=copied[0].pk)
    assert stored.value == D("1.125") and stored.created_at == now and stored.updated_at == now
    # The table's sequence moved on: the next ordinary insert does not collide.
    later = Return.objects.create(indicator=indicator, period=date(2022, 1, 1))
    assert later.pk > max(r.pk for r in copied + through_orm)


def test_insert_without_history_sets_auto_timestamps(performance_user):
    ret = Return.objects.create(indicator=factories.IndicatorFactory(), period=date(2020, 1, 1))
    now = timezone.now()
    events = bulk.insert(ReturnEvent, [ReturnEvent(ret=ret, kind="imported", actor=performance_user)], now=now)
    assert ReturnEvent.objects.get(pk=events[0].pk).at == now
    assert bulk.insert(ReturnEvent, [], now=now) == []


def test_updates_by_copy_and_by_the_orm_give_the_same_rows_and_history(performance_user, officer, monkeypatch):
    indicator = factories.IndicatorFactory(code="CP 5")
    created = timezone.now()
    returns = bulk.insert_with_history(
        Return, returns_for(indicator, 2020, performance_user), by=performance_user, reason="Imported", now=created
    )
    first, second = returns[:6], returns[6:]
    for ret in returns:
        ret.value += 1
    now = timezone.now()
    bulk.update_with_history(Return, first, ["value"], by=officer, reason="Corrected", now=now)
    monkeypatch.setattr(bulk, "_copyable", lambda model: False)
    bulk.update_with_history(Return, second, ["value"], by=officer, reason="Corrected", now=now)

    stored = {r.period.month: (r.value, r.updated_at, r.created_at) for r in Return.objects.filter(indicator=indicator)}
    assert stored == {m: (D(m) + D("1.125"), now, created) for m in range(1, 13)}
    changes = Return.history.filter(history_type="~").order_by("period")
    assert [(h.period.month, h.value, h.history_user, h.history_change_reason) for h in changes] == [
        (m, D(m) + D("1.125"), officer, "Corrected") for m in range(1, 13)
    ]
    assert bulk.update_with_history(Return, [], ["value"], by=officer, reason="", now=now) == []
