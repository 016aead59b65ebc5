"""The body of a django-tables2 table, rendered in Python (`includes/table.html` prints it).

Only django-tables2's public API is used: `table.paginated_rows`, `BoundRow.get_cell` (the
library's own accessor, `default`, `empty_values`, `render_FOO` and links), `BoundColumn.render`
and `BoundColumn.attrs`. What is done here instead of the template loop it replaces (and prints
the same HTML, tested against it) is the work that does not change from row to row, once per
column:

- a column whose render method takes only the record (and the table, column or row: not the
  value) and that has no `empty_values` (so the value could never replace the cell by the
  default) and no link is rendered straight from the record: `get_cell` would resolve the
  accessor (raising and catching an exception when the record has no such attribute) only to
  call the same method with the same arguments;
- every other cell is `row.get_cell(name)`;
- a column's `<td>` attributes are worked out once unless one is computed per record;
- cells are printed as the template printed `{{ cell }}` (localised, escaped unless safe).

`configure` sorts and pages a table from the request's `sort`, `page` and `per_page`, read by
`kpiportal.query`: an unknown sort is ignored (django-tables2 keeps only orderable columns), a
`page` or `per_page` that is not a number is the default, and one out of range is brought into it
(`per_page` 1 to `MAX_PER_PAGE`, `page` past the last is the last).
"""

import inspect

from django.core.paginator import EmptyPage
from django.template.base import render_value_in_context
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django_tables2 import RequestConfig

from kpiportal import query

MAX_PER_PAGE = 500

# What django-tables2 passes a render method besides the value, by argument name.
_ROW_ARGUMENTS = frozenset({"record", "column", "bound_column", "bound_row", "table"})


def _computed_per_record(*attr_dicts) -> bool:
    return any(callable(v) for attrs in attr_dicts for v in (attrs or {}).values())


class _ColumnCells:
    """How one column's cells are rendered, worked out once per table."""

    def __init__(self, table, bound_column):
        self.bound_column = bound_column
        self.name = bound_column.name
        column = bound_column.column
        parameters = inspect.signature(bound_column.render).parameters.values()
        self.arguments = [p.name for p in parameters]
        self.from_record = (
            not column.empty_values
            and bound_column.link is None
            and all(p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) for p in parameters)
            and all(name in _ROW_ARGUMENTS for name in self.arguments)
        )
        table_attrs, column_attrs = dict(table.attrs), dict(column.attrs)
        per_record = _computed_per_record(
            table_attrs.get("td"), table_attrs.get("cell"), column_attrs.get("td"), column_attrs.get("cell")
        )
        self.td_html = None if per_record else bound_column.attrs["td"].as_html()

    def cell(self, row) -> tuple[str, object]:
        """The `<td>` attributes and the content of this column's cell in `row`."""
        bound_column = self.bound_column
        if self.from_record:
            available = {
                "record": row.record,
                "column": bound_column.column,
                "bound_column": bound_column,
                "bound_row": row,
                "table": row.table,
            }
            content = bound_column.render(**{name: available[name] for name in self.arguments})
        else:
            content = row.get_cell(self.name)
        if self.td_html is not None:
            return self.td_html, content
        # What BoundRow.items() sets for attributes computed from the record and the value.
        bound_column.current_value, bound_column.current_record = content, row.record
        return bound_column.attrs["td"].as_html(), content


def body_html(table, context) -> SafeString:
    """The `<tr>` rows of the table's current page, or one row saying there is nothing to show."""
    columns = [_ColumnCells(table, bound_column) for bound_column in table.columns]
    parts = []
    for row in table.paginated_rows:
        parts.append(f"<tr {row.attrs.as_html()}>")
        for column in columns:
            td_html, content = column.cell(row)
            parts.append(f"<td {td_html}>{render_value_in_context(content, context)}</td>")
        parts.append("</tr>")
    if not parts:
        return format_html(
            '<tr class="govuk-table__row"><td class="govuk-table__cell" colspan="{}">{}</td></tr>',
            len(table.columns),
            getattr(table, "empty_text", None) or "Nothing to show.",
        )
    return SafeString("".join(parts))


def configure(request, table, *, per_page: int | None = None):
    """Sort `table` as the request asks and, when `per_page` is given, show the page it asks for."""
    RequestConfig(request, paginate=False).configure(table)
    if per_page is None:
        return table
    params = request.GET
    size = query.number(params.get(table.prefixed_per_page_field), default=per_page, low=1, high=MAX_PER_PAGE)
    page = query.number(params.get(table.prefixed_page_field), default=1, low=1, high=10**9)
    try:
        table.paginate(per_page=size, page=page)
    except EmptyPage:
        table.paginate(per_page=size, page=table.paginator.num_pages)
    return table
