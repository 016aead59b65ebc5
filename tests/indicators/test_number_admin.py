"""The admin reads numbers as the portal's forms do: digits 0-9 only, and small enough to keep."""

import pytest
from django.urls import reverse

from benchmarks.models import Population
from indicators.models import Target

pytestmark = pytest.mark.django_db


def add_target(client, indicator, **fields):
    data = {"indicator": indicator.pk, "financial_year": "2023", "tolerance_kind": "absolute", "note": ""}
    data.update(fields)
    return client.post(reverse("admin:indicators_target_add"), data)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("١٢", "is not a number: use the digits 0–9"),
        ("1234567890123", "is too large: a number can have at most 12 digits before the decimal point"),
    ],
)
def test_a_target_in_the_admin_is_refused_on_its_field(client, performance_user, indicator, typed, message):
    client.force_login(performance_user)
    response = add_target(client, indicator, target=typed)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["target"] == [f"'{typed}' {message}"]
    assert not Target.objects.filter(financial_year=2023).exists()
    assert add_target(client, indicator, target="95.5").status_code == 302
    assert Target.objects.get(financial_year=2023).target == 95.5


def test_a_population_in_the_admin_is_a_whole_number_in_digits_0_to_9(client, performance_user):
    client.force_login(performance_user)
    url = reverse("admin:benchmarks_population_add")
    response = client.post(url, {"team": "", "year": "2015", "population": "٤٠٠٠٠"})
    assert response.context["adminform"].form.errors["population"] == ["'٤٠٠٠٠' is not a number: use the digits 0–9"]
    assert not Population.objects.exists()
