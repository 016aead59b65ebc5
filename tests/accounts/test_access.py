"""Sign-in, the pages anonymous users may see, health, profile and API tokens."""

import json
from urllib.parse import quote

import pytest
from django.urls import reverse

from kpiportal.accounts.models import ApiToken
from kpiportal.accounts.services import api_token_authenticate
from tests import factories

pytestmark = pytest.mark.django_db


def test_anonymous_user_sees_only_login_and_health(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.get(reverse("login")).status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get(reverse("accounts:profile")).status_code == 302
    assert client.get("/admin/").status_code == 302


def test_healthz_reports_database_and_broker(client):
    body = json.loads(client.get("/healthz").content)
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True


def test_healthz_reports_an_unreachable_broker(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["broker"]["ok"] is False and body["status"] == "error"


def test_login_with_the_form_and_logout(client, officer):
    response = client.post(reverse("login"), {"username": "officer", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert client.get(reverse("logout")).status_code == 405  # logout is POST only
    client.post(reverse("logout"))
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_with_a_message(client, officer):
    response = client.post(reverse("login"), {"username": "officer", "password": "wrong"})
    assert response.status_code == 200
    assert b"Enter a correct username and password" in response.content


def test_pages_carry_a_strict_content_security_policy(client, officer):
    client.force_login(officer)
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe-inline" not in policy


@pytest.mark.parametrize("role_fixture", ["performance_user", "director", "officer", "viewer"])
def test_every_role_reaches_home_and_profile(client, request, role_fixture):
    client.force_login(request.getfixturevalue(role_fixture))
    assert client.get("/").status_code == 200
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_only_the_performance_team_reaches_the_admin(client, performance_user, director, officer, viewer):
    for user, expected in [(performance_user, 200), (director, 302), (officer, 302), (viewer, 302)]:
        user.is_staff = user == performance_user
        user.save()
        client.force_login(user)
        assert client.get("/admin/indicators/indicator/").status_code == expected, user.username


def test_token_created_shown_once_authenticates_and_revokes(client, viewer):
    client.force_login(viewer)
    response = client.post(reverse("accounts:token_create"), {"name": "Power BI"}, follow=True)
    key = response.context["new_key"]
    assert key.startswith("kpi_")
    # Shown once only.
    assert client.get(reverse("accounts:profile")).context["new_key"] is None
    token = ApiToken.objects.get(user=viewer)
    assert token.key_hash != key and key not in token.key_hash
    assert api_token_authenticate(key) == viewer
    assert api_token_authenticate(key + "x") is None
    client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert api_token_authenticate(key) is None


def test_a_user_cannot_revoke_someone_elses_token(client, viewer, officer):
    client.force_login(viewer)
    client.post(reverse("accounts:token_create"), {"name": "mine"})
    token = ApiToken.objects.get(user=viewer)
    client.force_login(officer)
    assert client.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 404
    assert client.get(reverse("accounts:token_revoke", args=[token.pk])).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_alert_preferences_are_saved(client, officer):
    client.force_login(officer)
    client.post(reverse("accounts:preferences"), {"alert_mode": "digest"})
    officer.refresh_from_db()
    assert officer.alert_mode == "digest" and officer.notify_recovery is False


def test_navigation_marks_only_the_page_being_read(client, viewer):
    from django.urls import reverse

    client.force_login(viewer)
    html = client.get(reverse("indicators:board")).content.decode()
    assert html.count('aria-current="page"') == 1
    current = html.split('aria-current="page"')[1][:200]
    assert "Scorecard" in current and "Indicators" not in current


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/returns/",
        "/\\evil.example",
        "https:evil.example",
        "javascript:alert(1)",
    ],
)
def test_login_never_sends_the_user_off_the_portal(client, officer, target):
    response = client.post(
        reverse("login") + "?next=" + quote(target),
        {"username": "officer", "password": factories.PASSWORD, "next": target},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_login_returns_to_the_page_asked_for(client, officer):
    response = client.post(
        reverse("login"),
        {"username": "officer", "password": factories.PASSWORD, "next": "/returns/mine/?period=2022-11"},
    )
    assert response["Location"] == "/returns/mine/?period=2022-11"
    page = client.get(reverse("login") + "?next=/returns/mine/")
    assert page.status_code == 302 and page["Location"] == "/returns/mine/"  # already signed in
