"""Response headers: no caching of a signed-in person's pages and exports; browser features off; longer passwords."""

import pytest
from django.urls import reverse

from kpiportal.accounts.services import api_token_create
from tests import factories

pytestmark = pytest.mark.django_db


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_signed_in_pages_and_exports_are_not_stored(client, viewer, indicator):
    client.force_login(viewer)
    for url in (
        reverse("home"),
        reverse("indicators:catalogue"),
        reverse("indicators:detail", args=[indicator.pk]),
        reverse("accounts:profile"),
    ):
        response = client.get(url)
        assert response.status_code == 200 and _no_store(response), url
        assert "private" in response["Cache-Control"]
    for fmt in ("csv", "xlsx"):
        export = client.get(reverse("indicators:catalogue"), {"export": fmt})
        assert export["Content-Disposition"].startswith("attachment") and _no_store(export), fmt


def test_the_feed_is_not_stored(client, viewer):
    _token, key = api_token_create(user=viewer, name="Power BI")
    response = client.get(reverse("api:scorecard"), {"period": "2022-11"}, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200 and _no_store(response)


def test_every_response_turns_off_unused_browser_features(client, viewer):
    for response in (client.get(reverse("login")), client.get(reverse("healthz"))):
        policy = response["Permissions-Policy"]
        for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
            assert feature in policy
    client.force_login(viewer)
    assert "camera=()" in client.get(reverse("home"))["Permissions-Policy"]


def test_passwords_have_at_least_twelve_characters(client, officer):
    client.force_login(officer)
    url = reverse("password_change")
    short = client.post(
        url, {"old_password": factories.PASSWORD, "new_password1": "qzx-vbn-mkl", "new_password2": "qzx-vbn-mkl"}
    )
    assert short.status_code == 200
    assert "at least 12 characters" in short.content.decode()
    officer.refresh_from_db()
    assert officer.check_password(factories.PASSWORD)

    ok = client.post(
        url, {"old_password": factories.PASSWORD, "new_password1": "qzx-vbn-mkl-p", "new_password2": "qzx-vbn-mkl-p"}
    )
    assert ok.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password("qzx-vbn-mkl-p")
