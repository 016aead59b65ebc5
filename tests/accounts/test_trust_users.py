"""The performance team manages accounts and gives the four roles; only superusers give more."""

import logging

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.urls import reverse

from kpiportal.accounts import roles
from kpiportal.accounts.models import User
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def team_client(client, performance_user):
    roles.ensure_role_groups()
    client.force_login(performance_user)
    return client


def _form_data(page):
    """The user change form as the page renders it, posted back unchanged."""
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if name in ("password",) or value is None:
            continue
        if name in ("last_login", "date_joined"):
            data[f"{name}_0"], data[f"{name}_1"] = value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")
        elif name in ("groups", "user_permissions"):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = value
    return data


def test_the_performance_team_cannot_make_itself_superuser(team_client, performance_user):
    url = reverse("admin:accounts_user_change", args=[performance_user.pk])
    page = team_client.get(url)
    assert page.status_code == 200
    fields = page.context["adminform"].form.fields
    assert "is_superuser" not in fields and "is_staff" not in fields and "user_permissions" not in fields
    assert {g.name for g in fields["groups"].queryset} == set(roles.ALL_ROLES)

    data = _form_data(page)
    data.update(
        {
            "is_superuser": "on",
            "is_staff": "on",
            "user_permissions": list(Permission.objects.values_list("pk", flat=True)),
            "first_name": "Patricia",
        }
    )
    response = team_client.post(url, data)
    assert response.status_code == 302, page.context["adminform"].form.errors
    performance_user.refresh_from_db()
    assert performance_user.first_name == "Patricia"  # the save went through…
    assert not performance_user.is_superuser  # …without the forged privileges
    assert not performance_user.user_permissions.exists()


def test_the_performance_team_gives_roles_and_no_other_group(team_client, officer):
    auditors = Group.objects.create(name="Auditors")
    auditors.permissions.add(Permission.objects.get(codename="change_user"))
    officer.groups.add(auditors)
    url = reverse("admin:accounts_user_change", args=[officer.pk])
    data = _form_data(team_client.get(url))

    data["groups"] = [Group.objects.get(name=roles.PERFORMANCE_TEAM).pk, auditors.pk]
    refused = team_client.post(url, data)
    assert refused.status_code == 200 and "groups" in refused.context["adminform"].form.errors

    data["groups"] = [Group.objects.get(name=roles.DIRECTOR).pk]
    assert team_client.post(url, data).status_code == 302
    assert set(officer.groups.values_list("name", flat=True)) == {roles.DIRECTOR, "Auditors"}  # kept, not given


def test_a_superuser_account_is_out_of_the_performance_team_reach(team_client):
    root = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    password = root.password
    change = reverse("admin:accounts_user_change", args=[root.pk])
    assert team_client.get(change).status_code == 200  # seen, read only
    assert team_client.post(change, {"username": "root", "is_active": ""}).status_code == 403
    reset = reverse("admin:auth_user_password_change", args=[root.pk])
    forged = {"password1": "taken-over-12345", "password2": "taken-over-12345"}
    assert team_client.post(reset, forged).status_code == 403
    assert team_client.post(reverse("admin:accounts_user_delete", args=[root.pk]), {"post": "yes"}).status_code == 403
    root.refresh_from_db()
    assert root.is_active and root.password == password


def test_nobody_deletes_an_account_in_the_admin(client, officer):
    root = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    assert client.post(reverse("admin:accounts_user_delete", args=[officer.pk]), {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=officer.pk).exists()


def test_a_superuser_still_gives_superuser_status(client, officer):
    root = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    url = reverse("admin:accounts_user_change", args=[officer.pk])
    page = client.get(url)
    assert "is_superuser" in page.context["adminform"].form.fields
    data = _form_data(page)
    data["is_superuser"] = "on"
    assert client.post(url, data).status_code == 302
    officer.refresh_from_db()
    assert officer.is_superuser


def test_a_password_reset_by_the_team_is_recorded_and_the_user_told(
    team_client, performance_user, officer, caplog, django_capture_on_commit_callbacks
):
    url = reverse("admin:auth_user_password_change", args=[officer.pk])
    data = {"password1": "a-fresh-password-1", "password2": "a-fresh-password-1", "usable_password": "true"}
    capture = django_capture_on_commit_callbacks(execute=True)
    with caplog.at_level(logging.WARNING, logger="kpiportal.accounts"), capture:
        response = team_client.post(url, data)
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password("a-fresh-password-1")

    entry = LogEntry.objects.get(object_id=str(officer.pk))
    assert entry.user == performance_user and "password" in entry.get_change_message().lower()
    assert any("officer" in r.getMessage() and "perf" in r.getMessage() for r in caplog.records)
    (email,) = mail.outbox
    assert email.to == [officer.email]
    assert "password" in email.subject and "Pat Analyst" in email.body


def test_changing_your_own_password_sends_no_email(client, officer, django_capture_on_commit_callbacks):
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("password_change"),
            {
                "old_password": factories.PASSWORD,
                "new_password1": "another-long-password",
                "new_password2": "another-long-password",
            },
        )
    assert response.status_code == 302
    assert not mail.outbox
