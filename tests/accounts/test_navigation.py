"""The navigation asks the same rules as the pages it links to: it never hides a page a role may open."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LINKS = {
    "My returns": "returns:mine",
    "To review": "returns:review",
    "Completeness": "returns:completeness",
    "Comparators": "benchmarks:index",
    "Imports": "indicators:imports",
}


def menu(client) -> dict[str, str]:
    html = client.get(reverse("indicators:catalogue")).content.decode()
    nav = html[html.index('id="navigation"') : html.index("</nav>")]
    return {text.strip(): href for href, text in re.findall(r'<a [^>]*href="([^"]+)"[^>]*>([^<]+)</a>', nav)}


def test_the_director_sees_my_returns_and_can_open_it(client, director):
    client.force_login(director)
    items = menu(client)
    assert items["My returns"] == reverse("returns:mine")
    assert client.get(items["My returns"]).status_code == 200


@pytest.mark.parametrize("role", ["performance_user", "director", "officer", "viewer"])
def test_every_link_the_menu_shows_opens_and_every_page_it_hides_is_refused(client, role, request):
    client.force_login(request.getfixturevalue(role))
    items = menu(client)
    for text, url_name in LINKS.items():
        status = client.get(reverse(url_name)).status_code
        if text in items:
            assert status == 200, (role, text, status)
        else:
            assert status in (403, 404), (role, text, status)
