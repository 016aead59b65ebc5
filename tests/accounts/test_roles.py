"""Admin access (is_staff) follows the performance-team role, whichever way the role is given or taken."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from kpiportal.accounts import roles
from kpiportal.accounts.models import User
from tests import factories

pytestmark = pytest.mark.django_db

ADMIN_PAGE = "/admin/indicators/portalsettings/"


def staff(user) -> bool:
    return User.objects.get(pk=user.pk).is_staff


def test_the_performance_team_role_opens_the_admin_and_taking_it_away_closes_it(client, director):
    roles.ensure_role_groups()
    team = Group.objects.get(name=roles.PERFORMANCE_TEAM)
    analyst = factories.user_with_role(roles.PERFORMANCE_TEAM, username="analyst")
    assert staff(analyst) and analyst.is_staff
    client.force_login(analyst)
    assert client.get(ADMIN_PAGE).status_code == 200

    analyst.groups.remove(team)
    assert not staff(analyst) and not analyst.is_staff
    # No role left at all: the page saying to ask for a role (with another role: the admin's login).
    closed = client.get(ADMIN_PAGE)
    assert closed.status_code == 403 and "ask the performance team for a role" in closed.content.decode().lower()
    analyst.groups.add(Group.objects.get(name=roles.VIEWER))
    assert client.get(ADMIN_PAGE).status_code == 302  # to the admin's login
    analyst.groups.clear()

    analyst.groups.set([team, Group.objects.get(name=roles.DIRECTOR)])
    assert staff(analyst)
    analyst.groups.clear()
    assert not staff(analyst)


def test_from_the_groups_side_too(director, officer):
    team = Group.objects.get(name=roles.PERFORMANCE_TEAM)
    team.user_set.add(director, officer)
    assert staff(director) and staff(officer)
    team.user_set.remove(officer)
    assert staff(director) and not staff(officer)
    team.user_set.clear()
    assert not staff(director)


def test_other_roles_leave_staff_status_alone_and_superusers_keep_it(officer):
    officer.is_staff = True  # given by hand for some other reason
    officer.save(update_fields=["is_staff"])
    officer.groups.add(Group.objects.get(name=roles.VIEWER))
    officer.groups.remove(Group.objects.get(name=roles.VIEWER))
    assert staff(officer)
    officer.groups.clear()  # clearing roles that never gave the admin leaves it alone
    assert staff(officer)

    boss = User.objects.create_superuser("boss", "boss@council.example", "pw-for-tests-only")
    team = Group.objects.get(name=roles.PERFORMANCE_TEAM)
    boss.groups.add(team)
    boss.groups.remove(team)
    assert staff(boss)


def test_a_performance_team_member_added_in_the_admin_reaches_it(client, performance_user, officer):
    roles.ensure_role_groups()
    client.force_login(performance_user)  # a member of the team: staff by their role alone
    page = client.get(reverse("admin:accounts_user_change", args=[officer.pk]))
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("password", "groups", "user_permissions")
    }
    data.update(
        {
            "groups": [Group.objects.get(name=roles.PERFORMANCE_TEAM).pk],
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2022-01-01",
            "date_joined_1": "09:00:00",
        }
    )
    data.pop("last_login", None)
    data.pop("date_joined", None)
    response = client.post(reverse("admin:accounts_user_change", args=[officer.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert staff(officer)
