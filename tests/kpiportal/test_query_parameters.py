"""Query parameters on every page: paging falls back or is brought into range, a thing named wrongly is a
400 with the reason, NUL is refused everywhere, and a period is written in ASCII digits."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from indicators import periods
from indicators.alerts.models import Alert, Delivery
from kpiportal import query
from kpiportal.accounts import roles
from kpiportal.accounts.middleware import NUL_MESSAGE
from kpiportal.accounts.services import api_token_create
from tests import factories

pytestmark = pytest.mark.postgres


@pytest.fixture
def perf(db):
    return factories.user_with_role(roles.PERFORMANCE_TEAM, username="perf", is_staff=True)


@pytest.fixture
def perf_client(perf):
    client = Client(raise_request_exception=False)
    client.force_login(perf)
    return client


# --- The rules (kpiportal.query) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("20", 20), ("-1", 1), ("0", 1), ("100000", 500), ("", 50), (None, 50), ("١٢", 50), ("1e9", 50), ("²", 50)],
)
def test_a_paging_number_falls_back_or_is_brought_into_range(text, expected):
    assert query.number(text, default=50, low=1, high=500) == expected


@pytest.mark.parametrize("text", ["١٢", "٢٠٢٢-١١", "2022-1", "22-11", "2022-11-01", "Nov-22", "2022\u201311"])
def test_a_period_parameter_is_yyyy_mm_in_ascii_digits(text):
    with pytest.raises(query.QueryError, match="write it as YYYY-MM"):
        query.month_text(text)


def test_a_month_is_never_read_from_non_ascii_digits():
    for text in ("٢٠٢٢-١١", "११/२०२२", "Nov-٢٢"):
        with pytest.raises(periods.PeriodError):
            periods.parse_period(text)
    assert periods.parse_period(" 2022-11 ") == date(2022, 11, 1)


@pytest.mark.parametrize("text", ["abc", "-3", "0", "١٢", "1.0", "9" * 40])
def test_an_identifier_that_is_not_a_number_is_refused_with_its_parameter(text):
    with pytest.raises(query.QueryError) as caught:
        query.identifier(text, "indicator", "an indicator")
    assert caught.value.parameter == "indicator"
    assert "is not an indicator: choose one from the list" in caught.value.message


# --- The pages ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["indicators:catalogue", "benchmarks:values", "alerts:mine", "alerts:team"])
@pytest.mark.parametrize("per_page", ["-1", "0", "١٢", "99999999999999999999"])
def test_a_bad_per_page_shows_the_list(perf_client, perf, name, per_page):
    indicator = factories.IndicatorFactory(code="CP 5")
    factories.ComparatorValueFactory(indicator=indicator)
    alert = Alert.objects.create(
        indicator=indicator, period=date(2020, 9, 1), kind="turned_red", rag="red", polarity="higher"
    )
    Delivery.objects.create(alert=alert, recipient=perf)
    response = perf_client.get(reverse(name), {"per_page": per_page, "page": "-3"})
    assert response.status_code == 200
    assert "CP 5" in response.content.decode()


def test_a_page_past_the_last_shows_the_last(perf_client):
    for n in range(3):
        factories.IndicatorFactory(code=f"X {n}")
    response = perf_client.get(reverse("indicators:catalogue"), {"per_page": "2", "page": "999"})
    assert response.status_code == 200
    assert "X 2" in response.content.decode()
    assert "X 0" not in response.content.decode()


def test_the_rating_picker_refuses_an_indicator_that_is_not_one(perf_client):
    response = perf_client.get(reverse("benchmarks:rating_indicator_pick"), {"indicator": "abc"})
    assert response.status_code == 400
    assert "“abc” is not an indicator: choose one from the list" in response.content.decode()


def test_the_rating_picker_still_opens_the_indicator_chosen(perf_client):
    indicator = factories.IndicatorFactory(code="CP 5")
    response = perf_client.get(reverse("benchmarks:rating_indicator_pick"), {"indicator": str(indicator.pk)})
    assert response.status_code == 302
    assert response["Location"] == reverse("benchmarks:rating_indicator", args=[indicator.pk])


@pytest.mark.parametrize("period", ["١٢", "٢٠٢٢-١١"])
def test_a_period_in_non_ascii_digits_is_refused(perf_client, period):
    indicator = factories.IndicatorFactory(code="CP 5")
    for path in (reverse("indicators:board"), reverse("indicators:detail", args=[indicator.pk])):
        response = perf_client.get(path, {"period": period})
        assert response.status_code == 400, path
        assert f"“{period}” is not a period: write it as YYYY-MM" in response.content.decode(), path


# --- NUL, refused on every page -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/admin/indicators/indicator/?status__exact=%00",
        "/admin/indicators/indicator/?code=a%00",
        "/admin/indicators/indicator/?q=%00",
        "/admin/accounts/user/?q=x%00y",
        "/indicators/?q=%00",
        "/indicators/?theme%00=1",
    ],
)
def test_nul_in_a_query_string_is_a_400_saying_so(perf_client, path):
    response = perf_client.get(path)
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()


def test_nul_in_a_posted_form_is_a_400_and_nothing_is_saved(perf_client):
    theme = factories.ThemeFactory(name="Front Door")
    response = perf_client.post(
        reverse("admin:indicators_theme_change", args=[theme.pk]), {"name": "Front\x00Door", "position": "1"}
    )
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()
    theme.refresh_from_db()
    assert theme.name == "Front Door"


def test_nul_on_the_api_is_a_json_400(perf):
    _, key = api_token_create(user=perf, name="feed")
    response = Client().get(reverse("api:scorecard"), {"period": "2022-11\x00"}, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 400
    assert response.json() == {"error": NUL_MESSAGE}


@pytest.mark.parametrize("value", ["1e9", "abc", "٢", "-1"])
def test_an_admin_add_page_leaves_out_an_initial_related_value_that_is_not_an_id(perf_client, officer, value):
    path = reverse("admin:indicators_indicator_add")
    response = perf_client.get(path, {"responsible_officer": value, "deputies": f"{officer.pk},{value}"})
    assert response.status_code == 200
    chosen = perf_client.get(path, {"responsible_officer": str(officer.pk), "code": "CP 9"})
    assert chosen.status_code == 200
    assert f'<option value="{officer.pk}" selected>' in chosen.content.decode()
