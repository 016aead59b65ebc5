"""The lists load in a fixed number of queries, whatever the number of rows."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from returns import policy, services
from tests import factories
from tests.returns.conftest import NOV, OCT

pytestmark = pytest.mark.django_db


CAPTURED = []


def queries(client, url, params):
    client.get(url, params)  # warm: PortalSettings row, caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    CAPTURED.append(captured.captured_queries)
    assert response.status_code == 200
    return len(captured.captured_queries), response


def make(count, officer, service_area, start, submit=False):
    for n in range(start, start + count):
        ind = factories.IndicatorFactory(code=f"Q {n}", responsible_officer=officer, service_area=service_area)
        factories.TargetFactory(indicator=ind, financial_year=2022)
        factories.ReturnFactory(indicator=ind, period=OCT, value=D("80"), state="approved")
        # Waiting in another month: listed on "My returns" under "Other months waiting for you".
        factories.ReturnFactory(indicator=ind, period=date(2021, 3, 1), value=D("70"), state="returned")
        ret = factories.ReturnFactory(indicator=ind, period=NOV, value=D("91"), commentary="c")
        if submit:
            policy.forget_cached_access(officer)
            services.return_submit(returns=[ret], by=officer)


@pytest.mark.parametrize(
    ("url_name", "user_fixture", "submit"),
    [
        ("returns:mine", "officer", False),
        ("returns:review", "director", True),
        ("returns:completeness", "director", False),
    ],
)
def test_fixed_queries(client, request, officer, director, service_area, url_name, user_fixture, submit):
    client.force_login(request.getfixturevalue(user_fixture))
    url = reverse(url_name)
    make(2, officer, service_area, 0, submit)
    few, response = queries(client, url, {"period": "2022-11"})
    assert len(response.context["table"].data) == 2  # completeness: the service area and the total row
    make(10, officer, service_area, 100, submit)
    many, response = queries(client, url, {"period": "2022-11"})
    assert len(response.context["table"].data) == (2 if url_name == "returns:completeness" else 12)
    if url_name == "returns:mine":
        assert len(response.context["waiting"].data) == 12
    assert few == many, f"{url_name}: {few} queries for 2 rows, {many} for 12: " + "\n".join(
        q["sql"][:150] for q in CAPTURED[-1]
    )
