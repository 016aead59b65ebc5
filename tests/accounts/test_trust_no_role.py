"""A signed-in user without a role reaches their profile, sign-in, sign-out and /healthz, and nothing else."""

from datetime import date

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch

from kpiportal.accounts.models import ApiToken
from kpiportal.accounts.services import api_token_create
from tests import factories

pytestmark = pytest.mark.django_db

OPEN = {"login", "logout", "healthz", "accounts:profile", "password_change", "password_change_done"}
SAMPLES = (1, date(2022, 11, 1), "1", "indicators")


def _patterns(resolver=None, namespace=""):
    """(view name, pattern) of every named URL of the portal, the admin's included."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def _sample_url(name, pattern):
    """The URL of `name` with sample arguments (1, a month, "1", an app label), whichever it takes."""
    converters = getattr(pattern.pattern, "converters", {})
    if converters:
        for sample in SAMPLES:
            try:
                return reverse(name, kwargs=dict.fromkeys(converters, sample))
            except NoReverseMatch:
                continue
        kwargs = {}
        for key in converters:  # mixed converters: each its own sample
            for sample in SAMPLES:
                try:
                    converters[key].to_url(sample)
                    kwargs[key] = sample
                    break
                except (ValueError, AttributeError, TypeError):
                    continue
        return reverse(name, kwargs=kwargs)
    regex = pattern.pattern.regex
    for sample in SAMPLES:
        try:
            if regex.groupindex:
                return reverse(name, kwargs=dict.fromkeys(regex.groupindex, sample))
            return reverse(name, args=[sample] * regex.groups)
        except NoReverseMatch:
            continue
    raise NoReverseMatch(name)


def _all_urls():
    urls = {}
    for name, pattern in _patterns():
        try:
            urls[name] = _sample_url(name, pattern)
        except NoReverseMatch:
            urls[name] = None
    return urls


@pytest.fixture
def no_role(client):
    user = factories.UserFactory(username="newcomer")
    client.force_login(user)
    assert client.get(reverse("accounts:profile")).status_code == 200
    return user


def test_every_url_but_the_profile_and_sign_out_is_closed_to_a_user_without_a_role(client, no_role, indicator):
    urls = _all_urls()
    assert not [n for n, u in urls.items() if u is None], "every URL name reverses with sample arguments"
    assert len(urls) > 60
    for name, url in sorted(urls.items(), key=lambda pair: (pair[0] in OPEN, pair[0] == "logout")):
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if name in OPEN:
                assert response.status_code != 403, (name, method)
                continue
            assert response.status_code == 403, (name, method, url, response.status_code)
            assert "ask the performance team for a role" in response.content.decode().lower(), (name, method)
    assert not ApiToken.objects.exists()


def test_the_same_urls_are_open_once_the_user_has_a_role(client, viewer, indicator):
    client.force_login(viewer)
    for name in ("home", "indicators:catalogue", "indicators:detail", "alerts:mine"):
        url = reverse(name, args=[indicator.pk]) if name == "indicators:detail" else reverse(name)
        assert client.get(url).status_code == 200, name


def test_a_superuser_without_a_role_group_passes(client):
    root = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    assert client.get(reverse("indicators:catalogue")).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200


def test_an_api_token_of_a_user_without_a_role_gets_a_json_403(client, viewer):
    _token, key = api_token_create(user=viewer, name="Power BI")
    viewer.groups.clear()
    response = client.get(reverse("api:scorecard"), {"period": "2022-11"}, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert "ask the performance team for a role" in response.json()["error"]
