"""The portal settings refuse values the deadlines and the scoring rules cannot work with."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from indicators import scoring
from indicators.models import PortalSettings
from kpiportal.accounts import roles

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value", "valid"),
    [
        ("due_working_day", 0, False),
        ("due_working_day", 1, True),
        ("due_working_day", 20, True),
        ("due_working_day", 21, False),
        ("persistent_red_periods", 1, False),
        ("persistent_red_periods", 2, True),
    ],
)
def test_settings_limits(field, value, valid):
    settings = PortalSettings.load()
    setattr(settings, field, value)
    if valid:
        settings.full_clean()
    else:
        with pytest.raises(ValidationError) as raised:
            settings.full_clean()
        assert field in raised.value.message_dict


def test_the_admin_refuses_a_due_day_of_zero_and_a_run_of_one(client, performance_user):
    roles.ensure_role_groups()
    performance_user.is_staff = True
    performance_user.save(update_fields=["is_staff"])
    client.force_login(performance_user)
    settings = PortalSettings.load()
    url = reverse("admin:indicators_portalsettings_change", args=[settings.pk])

    response = client.post(url, {"due_working_day": "0", "persistent_red_periods": "1", "comparator_band": "0.5"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Ensure this value is greater than or equal to 1." in page
    assert "Ensure this value is greater than or equal to 2." in page
    settings.refresh_from_db()
    assert (settings.due_working_day, settings.persistent_red_periods) == (5, 3)
    assert client.get(reverse("returns:mine")).status_code == 200


def test_a_single_red_period_is_never_persistently_red():
    assert not scoring.persistent_red([scoring.RED], periods=1)
    assert scoring.persistent_red([scoring.RED, scoring.RED], periods=scoring.MIN_PERSISTENT_RED_PERIODS)
