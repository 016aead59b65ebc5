"""Demo comparators: the benchmark seed's SN / SE / ENG / council values for 2019/20, loaded once."""

from datetime import date
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command

from benchmarks.models import ComparatorSource, ComparatorValue

pytestmark = pytest.mark.django_db


def values_of(title):
    return {
        v.source.short_name or v.source.name: v.value
        for v in ComparatorValue.objects.filter(indicator__title=title).select_related("source")
    }


def test_the_demo_carries_the_seeds_comparators_and_a_second_run_changes_nothing():
    out = StringIO()
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

    before = list(ComparatorValue.objects.order_by("pk").values_list("pk", "value", "note", "loaded_at"))
    history = ComparatorValue.history.count()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert list(ComparatorValue.objects.order_by("pk").values_list("pk", "value", "note", "loaded_at")) == before
    assert ComparatorValue.history.count() == history
    assert "(comparators): comparator values:" in out.getvalue() and "unchanged" in out.getvalue()
