"""The performance team's comparator pages: each page by each role, the happy paths, bad input and wrong methods."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse

from benchmarks.models import ComparatorSource, ComparatorValue, RatingComparator
from indicators.models import PortalSettings
from tests import factories
from tests.conftest import client_for


@pytest.fixture
def sources(db):
    return {
        "SN": factories.ComparatorSourceFactory(
            name="Statistical neighbours", short_name="SN", kind="average", position=1
        ),
        "ENG": factories.ComparatorSourceFactory(name="England", short_name="ENG", kind="national", position=2),
    }


@pytest.fixture
def value(indicator, sources, performance_user):
    return factories.ComparatorValueFactory(
        indicator=indicator,
        source=sources["SN"],
        period_start=date(2019, 4, 1),
        value=D("80.6"),
        loaded_by=performance_user,
    )


PAGES = [
    ("benchmarks:index", {}),
    ("benchmarks:source_add", {}),
    ("benchmarks:values", {}),
    ("benchmarks:value_add", {}),
    ("benchmarks:rating", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
@pytest.mark.parametrize("role", ["director", "officer", "viewer"])
def test_other_roles_are_refused_every_page(client, request, sources, name, kwargs, role):
    client_for(client, request.getfixturevalue(role))
    assert client.get(reverse(name, kwargs=kwargs)).status_code == 403


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_the_performance_team_sees_every_page(client, performance_user, sources, value, name, kwargs):
    client_for(client, performance_user)
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200
    assert response.content.count(b"<h1") == 1


def test_anonymous_users_are_sent_to_sign_in(client, sources):
    response = client.get(reverse("benchmarks:index"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_object_pages_by_role(client, performance_user, officer, value, sources):
    for url in (
        reverse("benchmarks:source_edit", args=[sources["SN"].pk]),
        reverse("benchmarks:value_edit", args=[value.pk]),
        reverse("benchmarks:rating_indicator", args=[value.indicator_id]),
    ):
        assert client_for(client, officer).get(url).status_code == 403
        assert client_for(client, performance_user).get(url).status_code == 200
    client_for(client, performance_user)
    assert client.get(reverse("benchmarks:source_edit", args=[999])).status_code == 404
    assert client.get(reverse("benchmarks:value_edit", args=[999])).status_code == 404


# --- Sources ----------------------------------------------------------------------------------------------


def test_add_and_edit_a_source(client, performance_user, sources):
    client_for(client, performance_user)
    response = client.post(
        reverse("benchmarks:source_add"), {"name": "Bexley", "short_name": "", "kind": "authority", "position": ""}
    )
    assert response.status_code == 302
    bexley = ComparatorSource.objects.get(name="Bexley")
    assert (bexley.kind, bexley.position) == ("authority", 3)
    assert bexley.history.get().history_user == performance_user
    response = client.post(
        reverse("benchmarks:source_edit", args=[bexley.pk]),
        {"name": "Bexley", "short_name": "BEX", "kind": "authority", "position": "9"},
    )
    assert response.status_code == 302
    bexley.refresh_from_db()
    assert (bexley.short_name, bexley.position) == ("BEX", 9)
    assert bexley.history.count() == 2
    page = client.get(reverse("benchmarks:index")).content.decode()
    assert "Bexley" in page and "Statistical neighbours (the default)" in page


def test_a_duplicate_source_name_is_refused_on_the_field(client, performance_user, sources):
    client_for(client, performance_user)
    response = client.post(
        reverse("benchmarks:source_add"), {"name": "england", "short_name": "", "kind": "national", "position": ""}
    )
    assert response.status_code == 200
    assert "A comparator called &#x27;england&#x27; already exists" in response.content.decode()
    assert 'href="#id_name"' in response.content.decode()
    response = client.post(
        reverse("benchmarks:source_add"), {"name": "Kingston", "short_name": "SN", "kind": "authority"}
    )
    assert "The short name &#x27;SN&#x27; is already used" in response.content.decode()
    assert ComparatorSource.objects.count() == 2


def test_sources_are_changed_by_post_only_by_the_team(client, officer, sources):
    client_for(client, officer)
    response = client.post(reverse("benchmarks:source_add"), {"name": "Bexley", "kind": "authority"})
    assert response.status_code == 403
    assert not ComparatorSource.objects.filter(name="Bexley").exists()


# --- Values -------------------------------------------------------------------------------------------------


def test_add_a_value_then_change_it(client, performance_user, indicator, sources):
    client_for(client, performance_user)
    form = {
        "indicator": indicator.pk,
        "source": sources["ENG"].pk,
        "period": "2020/21 Q3",
        "value": "77.7%",
        "note": "x",
    }
    assert client.post(reverse("benchmarks:value_add"), form).status_code == 302
    value = ComparatorValue.objects.get()
    assert (value.period_kind, value.period_start, value.value) == ("quarter", date(2020, 10, 1), D("77.7"))
    form.update(value="n/a", note="suppressed")
    assert client.post(reverse("benchmarks:value_edit", args=[value.pk]), form).status_code == 302
    value.refresh_from_db()
    assert (value.value, value.note) == (None, "suppressed")
    assert [h.history_user for h in value.history.all()] == [performance_user, performance_user]


def test_moving_a_value_to_another_year_does_not_leave_it_twice(client, performance_user, value, sources):
    client_for(client, performance_user)
    form = {"indicator": value.indicator_id, "source": sources["SN"].pk, "period": "2020/21", "value": "81", "note": ""}
    client.post(reverse("benchmarks:value_edit", args=[value.pk]), form)
    assert list(ComparatorValue.objects.values_list("period_start", "value")) == [(date(2020, 4, 1), D("81"))]


@pytest.mark.parametrize(
    ("period", "val", "field", "message"),
    [
        ("2019", "80", "period", "&#x27;2019&#x27; is not a financial year"),
        ("2019/20", "about 80", "value", "&#x27;about 80&#x27; is not a number"),
        ("2019/20", "180", "value", "A percentage must be between 0 and 100"),
    ],
)
def test_bad_values_are_shown_on_their_field(client, performance_user, indicator, sources, period, val, field, message):
    client_for(client, performance_user)
    form = {"indicator": indicator.pk, "source": sources["SN"].pk, "period": period, "value": val, "note": ""}
    response = client.post(reverse("benchmarks:value_add"), form)
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert f'href="#id_{field}"' in page
    assert ComparatorValue.objects.count() == 0


def test_a_percentage_against_a_count_is_refused(client, performance_user, sources):
    count = factories.IndicatorFactory(code="FD 5", unit="count")
    client_for(client, performance_user)
    form = {"indicator": count.pk, "source": sources["SN"].pk, "period": "2019/20", "value": "22%", "note": ""}
    response = client.post(reverse("benchmarks:value_add"), form)
    assert "a percentage cannot be compared with FD 5, which is a count" in response.content.decode()


def test_delete_is_post_only(client, performance_user, officer, value):
    url = reverse("benchmarks:value_delete", args=[value.pk])
    client_for(client, performance_user)
    assert client.get(url).status_code == 405
    client_for(client, officer)
    assert client.post(url).status_code == 403
    client_for(client, performance_user)
    assert client.post(url).status_code == 302
    assert not ComparatorValue.objects.exists()
    assert value.history.first().history_type == "-"


def test_values_list_filters_and_exports(client, performance_user, value, sources):
    factories.ComparatorValueFactory(
        indicator=value.indicator, source=sources["ENG"], period_start=date(2020, 4, 1), value=D("77.7"), note="=1+1"
    )
    client_for(client, performance_user)
    page = client.get(reverse("benchmarks:values"), {"year": "2019/20"}).content.decode()
    assert "80.6" in page and "77.7" not in page
    response = client.get(reverse("benchmarks:values"), {"export": "csv"})
    text = response.content.decode("utf-8-sig")
    assert text.splitlines() == [
        "indicator_code,comparator,period,value,note",
        "CP 5,Statistical neighbours,2019/20,80.6,",
        "CP 5,England,2020/21,77.7,'=1+1",
    ]
    response = client.get(reverse("benchmarks:values"), {"export": "xlsx"})
    import io

    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet["E3"].value == "=1+1" and sheet["E3"].data_type == "s"


# --- The rating comparator --------------------------------------------------------------------------------------


def test_choose_the_scorecard_wide_comparator_and_band(client, performance_user, sources):
    client_for(client, performance_user)
    page = client.get(reverse("benchmarks:rating")).content.decode()
    assert "The default: the first statistical-neighbour average (Statistical neighbours)" in page
    response = client.post(reverse("benchmarks:rating"), {"source": sources["ENG"].pk, "band": "1.5"})
    assert response.status_code == 302
    assert RatingComparator.objects.get(indicator=None).source == sources["ENG"]
    assert PortalSettings.load().comparator_band == D("1.5")
    assert PortalSettings.load().history.first().history_user == performance_user
    response = client.post(reverse("benchmarks:rating"), {"source": "", "band": "-1"})
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 0" in response.content.decode()


def test_an_indicator_overrides_the_comparator_and_band(client, performance_user, indicator, sources):
    client_for(client, performance_user)
    url = reverse("benchmarks:rating_indicator", args=[indicator.pk])
    assert client.post(url, {"source": "", "band": "2"}).status_code == 302
    choice = RatingComparator.objects.get(indicator=indicator)
    assert (choice.source, choice.band) == (None, D("2"))
    assert "CP 5" in client.get(reverse("benchmarks:rating")).content.decode()
    picked = client.get(reverse("benchmarks:rating_indicator_pick"), {"indicator": indicator.pk})
    assert picked["Location"] == url


def test_the_admin_lists_rating_comparators_read_only(client, performance_user, indicator, sources):
    from benchmarks.models import RatingComparator

    RatingComparator.objects.create(indicator=indicator, source=sources["ENG"], band=D("1"))
    performance_user.is_staff = True
    performance_user.save(update_fields=["is_staff"])
    from kpiportal.accounts import roles

    roles.ensure_role_groups()
    client_for(client, performance_user)
    listing = client.get(reverse("admin:benchmarks_ratingcomparator_changelist"))
    assert listing.status_code == 200 and "Rating comparator for CP 5" in listing.content.decode()
    assert client.get(reverse("admin:benchmarks_ratingcomparator_add")).status_code == 403
