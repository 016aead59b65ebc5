"""The table body rendered in Python prints what django-tables2's per-cell template loop printed."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import django_tables2 as tables
import pytest
from django.template import Context, Template
from django.test import RequestFactory

from indicators.catalogue.tables import CatalogueTable
from indicators.models import Indicator
from kpiportal.table_rows import body_html
from returns import selectors
from returns import tables as return_tables
from tests import factories

# The loop `includes/table.html` used before the body was rendered in Python.
REFERENCE = Template(
    "{% for row in table.paginated_rows %}<tr {{ row.attrs.as_html }}>"
    "{% for column, cell in row.items %}<td {{ column.attrs.td.as_html }}>{{ cell }}</td>{% endfor %}</tr>"
    '{% empty %}<tr class="govuk-table__row"><td class="govuk-table__cell" colspan="{{ table.columns|length }}">'
    '{{ table.empty_text|default:"Nothing to show." }}</td></tr>{% endfor %}'
)


def both(make_table):
    """The body as printed now and as the template loop printed it, each from a new table (rows count odd/even)."""
    fast_table, reference_table = make_table(), make_table()
    return (
        body_html(fast_table, Context({"table": fast_table})),
        REFERENCE.render(Context({"table": reference_table})),
    )


@dataclass
class Person:
    name: str
    role: str | None
    joined: date
    score: Decimal | None


class PeopleTable(tables.Table):
    name = tables.Column(attrs={"td": {"data-name": lambda record: record.name}})
    role = tables.Column(default="No role")
    joined = tables.Column(linkify=lambda record: f"/people/{record.name}/")
    score = tables.Column(empty_values=(), attrs={"td": {"class": "num"}})
    shout = tables.Column(empty_values=(), verbose_name="Shout")
    markup = tables.Column(empty_values=())
    missing = tables.Column(verbose_name="No such attribute")
    wants_more = tables.Column(empty_values=())

    class Meta:
        row_attrs = {"class": "govuk-table__row", "data-role": lambda record: record.role or ""}

    def render_score(self, value):
        return f"{value:.1f}" if value is not None else "–"

    def render_shout(self, record):
        return record.name.upper()

    def render_markup(self, record):
        return f"<b>{record.name}</b> & co"  # not marked safe: escaped

    def render_wants_more(self, record, something_else):
        return "never called"


PEOPLE = [
    Person("Ann <script>", "Analyst", date(2022, 11, 3), Decimal("48.25")),
    Person("Bob", None, date(2023, 1, 9), None),
]


def test_every_kind_of_column_prints_as_the_template_loop_did():
    fast, reference = both(lambda: PeopleTable(PEOPLE))
    assert fast == reference
    assert "&lt;script&gt;" in fast and "No role" in fast and 'href="/people/Bob/"' in fast


def test_an_empty_table_says_so_as_before():
    fast, reference = both(lambda: PeopleTable([], empty_text="No people <yet>"))
    assert fast == reference and "No people &lt;yet&gt;" in fast
    assert both(lambda: PeopleTable([])) == (reference.replace("No people &lt;yet&gt;", "Nothing to show."),) * 2


def test_only_the_current_page_is_printed():
    def page_two():
        table = PeopleTable(PEOPLE * 30)
        table.paginate(page=2, per_page=25)
        return table

    fast, reference = both(page_two)
    assert fast == reference and fast.count("<tr ") == 25


@pytest.mark.django_db
def test_the_portal_tables_print_as_before(indicator, officer, service_area):
    factories.IndicatorFactory(code="CP 6", service_area=service_area, responsible_officer=officer, is_key=True)

    def catalogue():
        table = CatalogueTable(Indicator.objects.for_catalogue())
        table.context = Context({"request": RequestFactory().get("/indicators/")})
        return table

    fast, reference = both(catalogue)
    assert fast == reference and "CP 6" in fast

    period = date(2022, 11, 1)
    factories.ReturnFactory(indicator=indicator, period=period, value=Decimal("84.55"), commentary="Late & low")
    rows = selectors.officer_rows(Indicator.objects.all(), period, today=date(2022, 12, 15), working_day=5)
    for table_class in (return_tables.MyReturnsTable, return_tables.ReviewTable, return_tables.OutstandingTable):
        shown = [r for r in rows if r.ret is not None or table_class is not return_tables.ReviewTable]
        fast, reference = both(lambda table_class=table_class, shown=shown: table_class(shown))
        assert fast == reference, table_class.__name__
