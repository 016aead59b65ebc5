"""API tokens expire (30, 90, 365 days or never, chosen on creation); their last use is shown, written once a minute."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kpiportal.accounts.models import ApiToken
from kpiportal.accounts.services import api_token_create

pytestmark = pytest.mark.django_db


def feed(client, key):
    return client.get(reverse("api:scorecard"), {"period": "2022-11"}, HTTP_AUTHORIZATION=f"Bearer {key}")


def create_on_profile(client, user, **data):
    client.force_login(user)
    response = client.post(reverse("accounts:token_create"), {"name": "Power BI", **data}, follow=True)
    client.logout()
    return response.context["new_key"], ApiToken.objects.get(user=user, prefix=response.context["new_key"][4:12])


@pytest.mark.parametrize(("choice", "days"), [("30", 30), ("90", 90), ("365", 365), (None, 90), ("never", None)])
def test_the_user_picks_how_long_a_token_lasts(client, viewer, choice, days):
    _key, token = create_on_profile(client, viewer, **({"lifetime": choice} if choice else {}))
    if days is None:
        assert token.expires_at is None
    else:
        assert token.expires_at - token.created_at == timedelta(days=days)


def test_the_profile_offers_the_lifetimes_with_90_days_chosen(client, viewer):
    client.force_login(viewer)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "When should it expire?" in page
    assert 'value="90" checked' in page
    for label in ("30 days", "1 year", "Never: until I revoke it"):
        assert label in page


def test_an_unknown_lifetime_is_refused_with_a_reason(client, viewer):
    client.force_login(viewer)
    response = client.post(reverse("accounts:token_create"), {"name": "Power BI", "lifetime": "7"}, follow=True)
    assert "Choose when the token expires" in response.content.decode()
    assert not ApiToken.objects.filter(user=viewer).exists()


def test_an_expired_token_gets_a_json_401_naming_the_expiry(client, viewer):
    key, token = create_on_profile(client, viewer, lifetime="30")
    assert feed(client, key).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1), last_used_at=None)

    response = feed(client, key)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["expired"] is True
    assert body["error"].startswith("The API token expired on ")
    assert "create a new one on your profile" in body["error"]
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    token.refresh_from_db()
    assert token.last_used_at is None  # a refused request is not a use


def test_a_token_that_never_expires_keeps_working(client, viewer):
    key, token = create_on_profile(client, viewer, lifetime="never")
    ApiToken.objects.filter(pk=token.pk).update(created_at=timezone.now() - timedelta(days=4000))
    assert feed(client, key).status_code == 200


def test_an_expired_token_of_a_user_without_a_role_still_reads_as_expired(client, viewer):
    _token, key = api_token_create(user=viewer, name="Power BI", lifetime_days=1)
    ApiToken.objects.filter(user=viewer).update(expires_at=timezone.now() - timedelta(minutes=1))
    viewer.groups.clear()
    response = feed(client, key)
    assert response.status_code == 401
    assert "expired" in response.json()["error"]


def test_a_token_of_a_user_without_a_role_gets_a_json_403(client, viewer):
    key, _token = create_on_profile(client, viewer)
    viewer.groups.clear()
    response = feed(client, key)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert "ask the performance team for a role" in response.json()["error"]


def test_last_use_is_recorded_at_most_once_a_minute_and_shown(client, viewer):
    key, token = create_on_profile(client, viewer)
    assert feed(client, key).status_code == 200
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None

    assert feed(client, key).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == first  # within the minute: no write

    earlier = timezone.now() - timedelta(minutes=1, seconds=1)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=earlier)
    assert feed(client, key).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at > earlier

    client.force_login(viewer)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert timezone.localtime(token.last_used_at).strftime("%-d %b %Y %H:%M") in page
    assert timezone.localtime(token.expires_at).strftime("%-d %b %Y %H:%M") in page
