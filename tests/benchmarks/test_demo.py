"""Demo comparators: the benchmark seed's SN / SE / ENG / council values for 2019/20, loaded once."""

import re
from datetime import date
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from benchmarks.models import ComparatorSource, ComparatorValue
from indicators.models import Indicator
from kpiportal.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def values_of(title):
    return {
        v.source.short_name or v.source.name: v.value
        for v in ComparatorValue.objects.filter(indicator__title=title).select_related("source")
    }


def test_the_demo_carries_the_seeds_comparators_and_a_second_run_changes_nothing(
    client, django_capture_on_commit_callbacks
):
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):  # the scorecard recompute the loader asks for
        call_command("load_demo", stdout=out)
    assert "(comparators): comparator values: 288 created" in out.getvalue()
    assert list(ComparatorSource.objects.values_list("name", "short_name", "kind")) == [
        ("Statistical neighbours", "SN", "average"),
        ("South East", "SE", "region"),
        ("England", "ENG", "national"),
        ("Bexley", "", "authority"),
        ("Kingston", "", "authority"),
        ("Redbridge", "", "authority"),
    ]
    # Seed row "% of referrals received that were re-referrals (within 12 months)".
    assert values_of("% of referrals received that were re-referrals (within 12 months)") == {
        "SN": D("22.0"),
        "SE": D("25.1"),
        "ENG": D("22.6"),
        "Bexley": D("17.9"),
        "Kingston": D("15.0"),
        "Redbridge": D("19.0"),
    }
    # A count, with thousands; and "n/a" cells as no value.
    assert values_of("Referrals received")["ENG"] == D("642890")
    assert set(values_of("Contacts received and completed").values()) == {None}
    assert set(ComparatorValue.objects.values_list("period_kind", "period_start")) == {("year", date(2019, 4, 1))}

    # Visible on the benchmark scorecard and the indicator page, to every role (here a viewer).
    client.force_login(User.objects.get(username="viewer"))
    html = client.get(reverse("indicators:benchmark_scorecard"), {"period": "2020-12"}).content.decode()
    for header in (
        "SN 2019/20",
        "SE 2019/20",
        "ENG 2019/20",
        "Bexley 2019/20",
        "Kingston 2019/20",
        "Redbridge 2019/20",
    ):
        assert f">{header}<" in html
    row = html[html.index("% of referrals received that were re-referrals") :]
    row = re.sub(r"<[^>]+>", " ", row[: row.index("</tr>")]).split()
    # … Nov-20 19.7%, Dec-20 12.9% (green), Q3 to date; the demo holds no 2019/20 months for an annual return.
    expected = ["19.7%", "12.9%", "Green", "16.3%", "22.0%", "25.1%", "22.6%", "17.9%", "15.0%", "19.0%", "Better"]
    assert row[-11:] == expected
    rereferrals = Indicator.objects.get(title="% of referrals received that were re-referrals (within 12 months)")
    page = client.get(reverse("indicators:detail", args=[rereferrals.pk])).content.decode()
    assert 'Statistical neighbours</th><td class="govuk-table__cell">Statistical-neighbour average</td>' in page
    assert '<td class="govuk-table__cell kpi-num">22.0%</td><td class="govuk-table__cell">2019/20</td>' in page

    before = list(ComparatorValue.objects.order_by("pk").values_list("pk", "value", "note", "loaded_at"))
    history = ComparatorValue.history.count()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert list(ComparatorValue.objects.order_by("pk").values_list("pk", "value", "note", "loaded_at")) == before
    assert ComparatorValue.history.count() == history
    assert "(comparators): comparator values:" in out.getvalue() and "unchanged" in out.getvalue()
