"""Every list and report page answers any query string with a page, a redirect or a 4xx, never a 500.

The pages are found in the URL conf (every page whose address takes no argument, the admin's
changelists among them, plus the pages of one indicator and of one return's history); the
parameters of each are the ones every page shares (paging, sorting, period, indicator, team,
export…) and the ones its own HTML names in its forms and links (its filters, sort and page
links). Hypothesis sends text with NUL, negative and huge numbers, non-ASCII digits and very long
strings, as each role that can open the page. Derandomized and bounded, so CI is repeatable.
"""

from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.alerts.models import Alert, Delivery
from kpiportal.accounts import roles
from kpiportal.accounts.services import api_token_create
from returns.models import Return
from tests import factories
from tests.scorecard_data import build_scored

pytestmark = pytest.mark.postgres

# What every page may be asked, whether or not its HTML names it.
COMMON = (
    "page", "per_page", "sort", "period", "indicator", "team", "q", "export", "_export", "format",
    "o", "p", "e", "next", "state", "kind", "source", "year", "rag",
)  # fmt: skip

# The pages that must be among those found, by URL name (the brief's list pages).
EXPECTED = {
    "indicators:catalogue",
    "indicators:board",
    "indicators:dashboard",
    "indicators:exceptions",
    "indicators:benchmark_scorecard",
    "indicators:board_pack",
    "indicators:detail",
    "benchmarks:index",
    "benchmarks:values",
    "benchmarks:rating",
    "benchmarks:rating_indicator_pick",
    "alerts:mine",
    "alerts:team",
    "returns:mine",
    "returns:review",
    "returns:completeness",
    "returns:history",
    "api:scorecard",
    "admin:indicators_indicator_changelist",
    "admin:returns_return_changelist",
    "admin:accounts_user_changelist",
}

AWKWARD = [
    "", "-1", "0", "-0", "1", "2", "99999999999999999999999999", "-99999999999999999999", "1e9", "1.5", " 7 ",
    "\x00", "a\x00b", "%00", "١٢", "٢٠٢٣-٠٤", "२०२३-०४", "²", "2022-11", "2020-09", "0000-00", "9999-12",
    "2022-13", "Nov-22", "abc", "csv", "xlsx", "json", "-name", "code", "yes", "no", "red", "failed", "🙂",
    "x" * 5000, "9" * 4000, "9" * 5000,
]  # fmt: skip

VALUES = st.one_of(
    st.sampled_from(AWKWARD),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(alphabet="0123456789١٢٣٤٥٦٧٨٩٠۱۲०१२²-", max_size=8),
    st.text(max_size=30),
)


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    names: tuple[str, ...] = ()


def _no_argument_names(patterns, namespace="", has_argument=False):
    """URL names of the conf whose pattern (and every enclosing one) captures nothing."""
    for entry in patterns:
        captures = has_argument or bool(getattr(entry.pattern, "converters", None)) or entry.pattern.regex.groups
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _no_argument_names(entry.url_patterns, inner, captures)
        elif isinstance(entry, URLPattern) and entry.name and not captures:
            yield namespace + entry.name


class _Names(HTMLParser):
    """The parameter names a page offers: its form fields and the query keys of its links."""

    def __init__(self):
        super().__init__()
        self.names = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "select", "textarea") and attrs.get("name"):
            self.names.add(attrs["name"])
        if tag == "a" and attrs.get("href"):
            self.names.update(key for key, _ in parse_qsl(urlsplit(attrs["href"]).query, keep_blank_values=True))


def _offered(response) -> tuple[str, ...]:
    parser = _Names()
    if response.get("Content-Type", "").startswith("text/html"):
        parser.feed(response.content.decode())
    return tuple(sorted(parser.names - {"csrfmiddlewaretoken"}))


@pytest.fixture
def data(db, officer):
    scored = build_scored(officer)
    ret = Return.objects.filter(indicator=scored.cp5).first()
    alert = Alert.objects.create(
        indicator=scored.cp5, period=date(2020, 9, 1), kind="turned_red", rag="red", polarity="higher"
    )
    return scored, ret, alert


def _clients(users):
    made = {}
    for role, user in users.items():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        made[role] = client
    return made


def _pages(data) -> list[tuple[str, str]]:
    scored, ret, _ = data
    found = [(name, reverse(name)) for name in sorted(set(_no_argument_names(get_resolver().url_patterns)))]
    found += [
        ("indicators:detail", reverse("indicators:detail", args=[scored.cp5.pk])),
        ("returns:history", reverse("returns:history", args=[ret.pk])),
        ("returns:detail", reverse("returns:detail", args=[ret.pk])),
    ]
    return found


def test_every_list_page_answers_any_parameter_without_a_server_error(data, officer, director, viewer):
    alert = data[2]
    perf = factories.user_with_role(roles.PERFORMANCE_TEAM, username="perf", is_staff=True)
    users = {"performance team": perf, "director": director, "officer": officer, "viewer": viewer}
    for user in users.values():
        Delivery.objects.create(alert=alert, recipient=user)
    clients = _clients(users)
    _, key = api_token_create(user=perf, name="fuzz")
    api = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {key}")
    pages = _pages(data)
    assert {name for name, _ in pages} >= EXPECTED
    for role, client in clients.items():
        for name, path in pages:
            asker = api if name.startswith("api:") else client
            first = asker.get(path)
            assert first.status_code < 500, (role, path)
            if first.status_code != 200 and not name.startswith("api:"):
                continue  # not this role's page: refused before any parameter is read
            names = tuple(sorted(set(COMMON) | set(_offered(first))))
            _fuzz(asker, path, names, role)


def _fuzz(client, path, names, role):
    @settings(
        max_examples=6,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(query=st.dictionaries(st.sampled_from(names), VALUES, min_size=1, max_size=4))
    def run(query):
        response = client.get(path, query)
        assert response.status_code < 500, f"{role}: {path}?{query!r} answered {response.status_code}"

    run()
