"""The body of a django-tables2 table, rendered in Python (`includes/table.html` prints it).

django-tables2 renders each cell through `BoundRow.items()`: it resolves the
column's accessor (raising and catching up to three exceptions when the record
has no attribute of that name), inspects the render method's signature, and
the template then rebuilds the column's attributes for every cell. On the
returns pages that was most of the time spent (a 300-row "To review" took
40–50 times as long as the same rows in a bare template).

Here the work that does not change from row to row is done once per column:
the render method's signature, whether it needs the cell's value at all, and
the `<td>` attributes when none of them is computed per record. The result is
the same HTML as the template loop it replaces (tested against it):

- a column whose render method does not take `value` and that has no
  `empty_values` (so the value could never replace the cell by the default)
  is rendered straight from the record, without resolving the accessor;
- every other column goes through django-tables2's own resolution, with the
  signature looked up once;
- cells are printed as the template printed `{{ cell }}` (localised, escaped
  unless safe).
"""

from django.template.base import render_value_in_context
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django_tables2.columns import ManyToManyColumn
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.utils import signature

CELL_ARGUMENTS = frozenset({"value", "record", "column", "bound_column", "bound_row", "table"})


def _computed_per_record(*attr_dicts) -> bool:
    return any(callable(v) for attrs in attr_dicts for v in (attrs or {}).values())


class _ColumnPlan:
    """How to render one column's cells, worked out once per table."""

    def __init__(self, table, bound_column):
        self.bound_column = bound_column
        column = bound_column.column
        self.args, kwargs_name = signature(bound_column.render)
        self.takes_everything = kwargs_name is not None
        self.callable = self.takes_everything or all(a in CELL_ARGUMENTS for a in self.args)
        self.needs_value = (
            self.takes_everything
            or "value" in self.args
            or bool(column.empty_values)
            or bound_column.link is not None
            or isinstance(column, (BaseLinkColumn, ManyToManyColumn))
        )
        table_attrs, column_attrs = dict(table.attrs), dict(column.attrs)
        per_record = _computed_per_record(
            table_attrs.get("td"), table_attrs.get("cell"), column_attrs.get("td"), column_attrs.get("cell")
        )
        self.td_html = None if per_record else bound_column.attrs["td"].as_html()

    def render(self, bound_column, value=None, *, row):
        """What `BoundRow._call_render` does, with the signature looked up once."""
        if not self.callable:
            content = None  # django-tables2 does not call a render method wanting arguments it cannot give
        elif self.takes_everything:
            content = bound_column.render(**row._optional_cell_arguments(bound_column, value))
        else:
            everything = {
                "value": value,
                "record": row.record,
                "column": bound_column.column,
                "bound_column": bound_column,
                "bound_row": row,
                "table": row.table,
            }
            content = bound_column.render(**{name: everything[name] for name in self.args})
        if bound_column.link:
            return bound_column.link(content, **row._optional_cell_arguments(bound_column, value))
        return content

    def cell(self, row):
        bound_column = self.bound_column
        if self.needs_value:
            content = row._get_and_render_with(
                bound_column,
                render_func=lambda bc, value=None: self.render(bc, value, row=row),
                default=bound_column.default,
            )
        else:
            content = self.render(bound_column, row=row)
        if self.td_html is None:
            bound_column.current_value = content
            bound_column.current_record = row.record
            return bound_column.attrs["td"].as_html(), content
        return self.td_html, content


def body_html(table, context) -> SafeString:
    """The `<tr>` rows of the table's current page, or one row saying there is nothing to show."""
    plans = [_ColumnPlan(table, bound_column) for bound_column in table.columns]
    parts = []
    for row in table.paginated_rows:
        parts.append(f"<tr {row.attrs.as_html()}>")
        for plan in plans:
            td_html, content = plan.cell(row)
            parts.append(f"<td {td_html}>{render_value_in_context(content, context)}</td>")
        parts.append("</tr>")
    if not parts:
        return format_html(
            '<tr class="govuk-table__row"><td class="govuk-table__cell" colspan="{}">{}</td></tr>',
            len(table.columns),
            getattr(table, "empty_text", None) or "Nothing to show.",
        )
    return SafeString("".join(parts))
