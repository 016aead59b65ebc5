"""The comparator rating as the scorecard recompute writes it, after changes made through the services and pages."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse

from benchmarks import services
from indicators.models import ScorecardEntry
from returns.models import State
from tests import factories
from tests.conftest import client_for

DEC = date(2020, 12, 1)
FY_2019 = date(2019, 4, 1)


@pytest.fixture
def sources(db):
    return {
        "SN": factories.ComparatorSourceFactory(
            name="Statistical neighbours", short_name="SN", kind="average", position=1
        ),
        "ENG": factories.ComparatorSourceFactory(name="England", short_name="ENG", kind="national", position=2),
    }


def indicator_with_value(polarity, value="80", code="CP 9"):
    ind = factories.IndicatorFactory(code=code, polarity=polarity, unit="percent")
    factories.ReturnFactory(indicator=ind, period=DEC, value=D(value), state=State.APPROVED)
    return ind


def entry(indicator, period=DEC):
    return ScorecardEntry.objects.get(indicator=indicator, period=period, team=None)


# Value 80 against comparators around the ±0.5 band; "similar" is "as good as".
EDGES = [
    ("79.4", "better", "worse"),
    ("79.5", "similar", "similar"),
    ("79.51", "similar", "similar"),
    ("80", "similar", "similar"),
    ("80.5", "similar", "similar"),
    ("80.51", "worse", "better"),
    ("90", "worse", "better"),
]


@pytest.mark.parametrize(("comparator", "higher", "lower"), EDGES)
def test_rating_by_polarity_at_and_around_the_band_edges(
    performance_user, sources, django_capture_on_commit_callbacks, comparator, higher, lower
):
    better_higher = indicator_with_value("higher", code="H 1")
    better_lower = indicator_with_value("lower", code="L 1")
    with django_capture_on_commit_callbacks(execute=True):
        for ind in (better_higher, better_lower):
            services.comparator_value_set(
                indicator=ind,
                source=sources["SN"],
                period_kind="year",
                period_start=FY_2019,
                value=D(comparator),
                by=performance_user,
            )
    assert entry(better_higher).comparator_rating == higher
    assert entry(better_lower).comparator_rating == lower
    assert entry(better_higher).comparator_source == sources["SN"]


def test_neutral_polarity_has_no_rating(performance_user, sources, django_capture_on_commit_callbacks):
    ind = indicator_with_value("neutral")
    with django_capture_on_commit_callbacks(execute=True):
        services.comparator_value_set(
            indicator=ind,
            source=sources["SN"],
            period_kind="year",
            period_start=FY_2019,
            value=D("70"),
            by=performance_user,
        )
    assert (entry(ind).comparator_value, entry(ind).comparator_rating) == (D("70"), "")


def test_changing_the_band_and_comparator_on_the_page_rescores(
    client, performance_user, sources, django_capture_on_commit_callbacks
):
    ind = indicator_with_value("higher")
    factories.ComparatorValueFactory(indicator=ind, source=sources["SN"], period_start=FY_2019, value=D("79"))
    factories.ComparatorValueFactory(indicator=ind, source=sources["ENG"], period_start=FY_2019, value=D("82"))
    client_for(client, performance_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("benchmarks:rating"), {"source": "", "band": "0.5"})
    assert (entry(ind).comparator_value, entry(ind).comparator_rating) == (D("79"), "better")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("benchmarks:rating"), {"source": "", "band": "1.0"})
    assert entry(ind).comparator_rating == "similar"  # 80 − 79 = 1.0: on the edge of the wider band
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("benchmarks:rating"), {"source": sources["ENG"].pk, "band": "1.0"})
    assert (entry(ind).comparator_source, entry(ind).comparator_rating) == (sources["ENG"], "worse")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("benchmarks:rating_indicator", args=[ind.pk]), {"source": sources["SN"].pk, "band": "0"})
    assert (entry(ind).comparator_source, entry(ind).comparator_rating) == (sources["SN"], "better")


def test_a_source_becoming_the_first_average_rescores_every_indicator(
    client, performance_user, sources, django_capture_on_commit_callbacks
):
    ind = indicator_with_value("higher")
    other = factories.ComparatorSourceFactory(name="Other neighbours", kind="average", position=9)
    factories.ComparatorValueFactory(indicator=ind, source=other, period_start=FY_2019, value=D("90"))
    client_for(client, performance_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("benchmarks:source_edit", args=[other.pk]),
            {"name": "Other neighbours", "short_name": "ON", "kind": "average", "position": "0"},
        )
    assert (entry(ind).comparator_source, entry(ind).comparator_rating) == (other, "worse")


def test_latest_available_when_the_comparator_year_lags_the_period(
    performance_user, sources, django_capture_on_commit_callbacks
):
    ind = factories.IndicatorFactory(code="CP 9", polarity="higher", unit="percent")
    for period in (date(2019, 3, 1), date(2020, 3, 1), date(2020, 12, 1), date(2021, 6, 1)):
        factories.ReturnFactory(indicator=ind, period=period, value=D("80"), state=State.APPROVED)
    rows = [
        ["indicator_code", "comparator", "period", "value", "note"],
        ["CP 9", "SN", "2018/19", "70", ""],
        ["CP 9", "SN", "2019/20", "79.8", ""],
        ["CP 9", "SN", "2020/21 Q1", "85", "published early"],
        ["CP 9", "ENG", "2019/20", "n/a", "suppressed"],
    ]
    from benchmarks.services import comparators_import
    from kpiportal.sheets.table import CSV, Row, Table

    table = Table(tuple(Row(n, tuple(r)) for n, r in enumerate(rows, start=1)), CSV)
    with django_capture_on_commit_callbacks(execute=True):
        assert comparators_import(table, by=performance_user, commit=True).ok
    # Mar-19 is in 2018/19: that year's value. Mar-20 is the last month of 2019/20: 2019/20's.
    assert (entry(ind, date(2019, 3, 1)).comparator_period, entry(ind, date(2019, 3, 1)).comparator_value) == (
        "2018/19",
        D("70"),
    )
    assert entry(ind, date(2020, 3, 1)).comparator_period == "2019/20"
    # Dec-20: 2020/21 has no annual figure yet; its Q1 (Apr–Jun 2020) is the latest published.
    dec = entry(ind, date(2020, 12, 1))
    assert (dec.comparator_period, dec.comparator_value, dec.comparator_rating) == ("2020/21 Q1", D("85"), "worse")
    # Jun-21 is in 2021/22 and nothing newer exists: the 2020/21 Q1 figure still stands, labelled as such.
    assert entry(ind, date(2021, 6, 1)).comparator_period == "2020/21 Q1"
