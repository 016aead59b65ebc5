"""Scorecard tables (django-tables2) built from a layout: every row is rendered once, in Python.

Each cell's HTML and sort key are computed up front from `indicators.reports.layouts`
(numbers formatted in Python, RAG as colour and word), and each body row is
joined into one string: django-tables2 sorts the rows and draws the header
(sort links, `aria-sort`), and the template prints the rows as they are — no
template per cell and no query per cell (a 300 × 28 scorecard rendered cell
by cell spent over a second in django-tables2's per-cell machinery).
"""

import django_tables2 as tables
from django.utils.safestring import SafeString

from indicators.reports.layouts import Column
from indicators.reports.rows import ScorecardRow

HEADER = "govuk-table__header"
CELL = "govuk-table__cell"
ROW_HEADER_KEY = "code"  # the indicator's code heads its row for screen readers


def _row_html(columns: list[Column], cells: list[SafeString]) -> SafeString:
    parts = ['<tr class="govuk-table__row">']
    for column, html in zip(columns, cells, strict=True):
        if column.key == ROW_HEADER_KEY:
            parts.append(f'<th scope="row" class="{HEADER} kpi-nowrap">{html}</th>')
        elif column.numeric:
            parts.append(f'<td class="{CELL} kpi-num">{html}</td>')
        else:
            parts.append(f'<td class="{CELL}">{html}</td>')
    parts.append("</tr>")
    return SafeString("".join(parts))


def scorecard_table(columns: list[Column], rows: list[ScorecardRow], *, caption: str) -> tables.Table:
    """A django-tables2 table of `rows` in the layout `columns`, sortable by every column."""
    attrs = {}
    for column in columns:
        css = " kpi-num" if column.numeric else ""
        attrs[column.key] = tables.Column(
            verbose_name=column.header,
            accessor=f"{column.key}_sort",
            order_by=(f"{column.key}_sort",),
            empty_values=(),
            attrs={"th": {"class": HEADER + css}},
        )
    meta = type("Meta", (), {"template_name": "indicators/_scorecard_table.html", "orderable": True})
    table_class = type("ScorecardTable", (tables.Table,), {**attrs, "Meta": meta})
    data = []
    for row in rows:
        record = {}
        cells = []
        for column in columns:
            cell = column.cell(row)
            cells.append(cell.html())
            record[f"{column.key}_sort"] = cell.sort_key()
        record["row_html"] = _row_html(columns, cells)
        data.append(record)
    table = table_class(data)
    table.caption = caption
    return table
