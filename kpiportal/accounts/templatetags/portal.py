"""Site-wide template helpers: navigation by role."""

from django import template
from django.urls import NoReverseMatch, reverse

from kpiportal import table_rows
from kpiportal.accounts import roles

register = template.Library()

EVERYONE = frozenset(roles.ALL_ROLES)
STAFF = frozenset({roles.PERFORMANCE_TEAM, roles.DIRECTOR, roles.RESPONSIBLE_OFFICER})

# (text, URL name, roles that see it). Entries whose page is not installed are left out.
NAVIGATION = (
    ("Scorecard", "indicators:board", EVERYONE),
    ("Dashboard", "indicators:dashboard", EVERYONE),
    ("Benchmarks", "indicators:benchmark_scorecard", EVERYONE),
    ("Exceptions", "indicators:exceptions", EVERYONE),
    ("Indicators", "indicators:catalogue", EVERYONE),
    ("My returns", "returns:mine", frozenset({roles.RESPONSIBLE_OFFICER, roles.PERFORMANCE_TEAM})),
    ("To review", "returns:review", frozenset({roles.DIRECTOR, roles.PERFORMANCE_TEAM})),
    ("Completeness", "returns:completeness", frozenset({roles.DIRECTOR, roles.PERFORMANCE_TEAM})),
    ("Comparators", "benchmarks:index", frozenset({roles.PERFORMANCE_TEAM})),
    ("Imports", "indicators:imports", frozenset({roles.PERFORMANCE_TEAM})),
    ("Alerts", "alerts:mine", EVERYONE),
    ("Admin", "admin:index", frozenset({roles.PERFORMANCE_TEAM})),
)


@register.filter
def nav_items(request):
    user_roles = roles.roles_of(request.user)
    items = []
    for text, url_name, allowed in NAVIGATION:
        if not user_roles & allowed:
            continue
        try:
            href = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append({"text": text, "href": href, "current": False})
    # The current page is the entry with the longest address the path starts with
    # (/indicators/scorecard/ is the scorecard, not the catalogue at /indicators/).
    matching = [item for item in items if request.path.startswith(item["href"]) and item["href"] != "/"]
    if matching:
        max(matching, key=lambda item: len(item["href"]))["current"] = True
    return items


@register.simple_tag(takes_context=True)
def table_body(context, table):
    """The body rows of a django-tables2 table, rendered in Python (`kpiportal.table_rows`)."""
    return table_rows.body_html(table, context)
