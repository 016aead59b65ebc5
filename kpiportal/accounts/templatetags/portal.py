"""Site-wide template helpers: navigation by the same rules as the pages it links to."""

from functools import partial

import rules
from django import template
from django.urls import NoReverseMatch, reverse

from kpiportal import table_rows
from kpiportal.accounts import roles

register = template.Library()

# (text, URL name, the rule that opens the page). Each page's view asks the same rule, so the menu never
# hides a page the user may open nor shows one they may not. The apps' rules are asked by the name they
# register with django-rules, so this module needs no import of the apps. Entries whose page is not
# installed are left out.
NAVIGATION = (
    ("Scorecard", "indicators:board", roles.has_a_role),
    ("Dashboard", "indicators:dashboard", roles.has_a_role),
    ("Benchmarks", "indicators:benchmark_scorecard", roles.has_a_role),
    ("Exceptions", "indicators:exceptions", roles.has_a_role),
    ("Indicators", "indicators:catalogue", roles.has_a_role),
    ("My returns", "returns:mine", partial(rules.test_rule, "returns.use_my_returns")),
    ("To review", "returns:review", partial(rules.test_rule, "returns.use_review")),
    ("Completeness", "returns:completeness", partial(rules.test_rule, "returns.use_completeness")),
    ("Comparators", "benchmarks:index", partial(rules.test_rule, "benchmarks.manage_comparators")),
    ("Imports", "indicators:imports", lambda user: user.has_perm("indicators.import_data")),
    ("Alerts", "alerts:mine", roles.has_a_role),
    ("Admin", "admin:index", roles.is_performance_team),
)


@register.filter
def nav_items(request):
    items = []
    for text, url_name, opens_page in NAVIGATION:
        if not opens_page(request.user):
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
