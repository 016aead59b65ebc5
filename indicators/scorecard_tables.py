"""Scorecard tables (django-tables2) built from a layout: the cells are rendered once, in Python.

Every cell's HTML and sort key are computed up front from `indicators.layouts`
(numbers formatted in Python, RAG as colour and word), so rendering a table is
a loop over strings: no template per cell, no query per cell.
"""

import django_tables2 as tables

from .layouts import Column
from .scorecard_rows import ScorecardRow

HEADER = "govuk-table__header"
CELL = "govuk-table__cell"


def scorecard_table(columns: list[Column], rows: list[ScorecardRow], *, caption: str) -> tables.Table:
    """A django-tables2 table of `rows` in the layout `columns`, sortable by every column."""
    attrs = {}
    for column in columns:
        css = " kpi-num" if column.numeric else ""
        attrs[column.key] = tables.Column(
            verbose_name=column.header,
            accessor=column.key,
            order_by=(f"{column.key}_sort",),
            empty_values=(),
            attrs={"th": {"class": HEADER + css}, "td": {"class": CELL + css}},
        )
    meta = type("Meta", (), {"row_attrs": {"class": "govuk-table__row"}, "orderable": True})
    table_class = type("ScorecardTable", (tables.Table,), {**attrs, "Meta": meta})
    data = []
    for row in rows:
        record = {}
        for column in columns:
            cell = column.cell(row)
            record[column.key] = cell.html()
            record[f"{column.key}_sort"] = cell.sort_key()
        data.append(record)
    table = table_class(data)
    table.caption = caption
    return table
