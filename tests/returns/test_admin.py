"""The admin shows returns but never changes or deletes them: figures change only through the services."""

import pytest
from django.urls import reverse

from kpiportal.accounts import roles
from returns.models import Return, ReturnEvent, TeamFigure
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, performance_user):
    roles.ensure_role_groups()  # the performance team's admin permissions, as after migrate
    performance_user.is_staff = True
    performance_user.save(update_fields=["is_staff"])
    client.force_login(performance_user)
    return client


def test_the_performance_team_cannot_delete_a_return_in_the_admin(admin_client, approved, officer):
    team = factories.TeamFactory(name="EAST")
    TeamFigure.objects.create(ret=approved, team=team, value=90)
    events = ReturnEvent.objects.filter(ret=approved).count()
    assert events >= 2

    page = admin_client.get(reverse("admin:returns_return_change", args=[approved.pk]))
    assert page.status_code == 200
    assert reverse("admin:returns_return_delete", args=[approved.pk]) not in page.content.decode()

    assert admin_client.get(reverse("admin:returns_return_delete", args=[approved.pk])).status_code == 403
    assert (
        admin_client.post(reverse("admin:returns_return_delete", args=[approved.pk]), {"post": "yes"}).status_code
        == 403
    )

    listing = admin_client.get(reverse("admin:returns_return_changelist"))
    assert listing.status_code == 200 and "delete_selected" not in listing.content.decode()
    refused = admin_client.post(
        reverse("admin:returns_return_changelist"),
        {"action": "delete_selected", "_selected_action": [approved.pk], "post": "yes"},
    )
    assert refused.status_code == 200

    assert Return.objects.filter(pk=approved.pk).exists()
    assert TeamFigure.objects.filter(ret=approved).count() == 1
    assert ReturnEvent.objects.filter(ret=approved).count() == events
