"""Returns tests run on 15 December 2022: Nov-22 is open for entry and due on 7 December (so overdue)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from indicators import scoring
from returns import figures
from tests import factories

NOV = date(2022, 11, 1)
OCT = date(2022, 10, 1)
TODAY = datetime(2022, 12, 15, 10, 30, tzinfo=ZoneInfo("Europe/London"))


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=True):
        yield


def entry(value=None, numerator=None, denominator=None, **kwargs) -> figures.Entry:
    as_decimal = scoring.to_decimal
    return figures.Entry(
        whole=scoring.Point(as_decimal(value), as_decimal(numerator), as_decimal(denominator)), **kwargs
    )


@pytest.fixture
def draft(indicator, officer):
    """A saved draft of CP 5 for Nov-22 at 92% (green)."""
    return factories.ReturnFactory(indicator=indicator, period=NOV, value=Decimal("92"), updated_by=officer)


@pytest.fixture
def submitted(draft, officer):
    from returns import services

    (ret,) = services.return_submit(returns=[draft], by=officer)
    return ret


@pytest.fixture
def approved(submitted, director):
    from returns import services

    (ret,) = services.return_approve(returns=[submitted], by=director)
    return ret
