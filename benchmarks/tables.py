"""Tables of the comparator pages (django-tables2): display only."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from benchmarks.models import ComparatorSource, ComparatorValue
from indicators import periods
from kpiportal.sheets.table import number_text


class SourceTable(tables.Table):
    name = tables.Column(
        verbose_name="Name", linkify=lambda record: reverse("benchmarks:source_edit", args=[record.pk])
    )
    short_name = tables.Column(verbose_name="Short name", default="")
    kind = tables.Column(verbose_name="Kind")
    position = tables.Column(verbose_name="Order", attrs={"td": {"class": "govuk-table__cell kpi-num"}})
    value_count = tables.Column(verbose_name="Values", attrs={"td": {"class": "govuk-table__cell kpi-num"}})

    class Meta:
        model = ComparatorSource
        fields = ("name", "short_name", "kind", "position", "value_count")
        orderable = False
        attrs = {"class": "govuk-table"}
        row_attrs = {"class": "govuk-table__row"}


class ValueTable(tables.Table):
    indicator = tables.Column(verbose_name="Indicator", accessor="indicator__code", order_by=("indicator__code",))
    source = tables.Column(verbose_name="Comparator", accessor="source__name", order_by=("source__position",))
    period = tables.Column(verbose_name="Year or quarter", accessor="period_start", order_by=("period_start",))
    value = tables.Column(verbose_name="Value", attrs={"td": {"class": "govuk-table__cell kpi-num"}})
    note = tables.Column(verbose_name="Note", default="")
    loaded = tables.Column(verbose_name="Loaded", accessor="loaded_at", order_by=("loaded_at",))
    edit = tables.Column(verbose_name="Change", accessor="pk", orderable=False, exclude_from_export=True)

    class Meta:
        model = ComparatorValue
        fields = ()
        sequence = ("indicator", "source", "period", "value", "note", "loaded", "edit")
        attrs = {"class": "govuk-table"}
        row_attrs = {"class": "govuk-table__row"}

    def render_period(self, record):
        return periods.year_or_quarter_label(record.period_kind, record.period_start)

    def value_period(self, record):
        return self.render_period(record)

    def render_value(self, record):
        return number_text(record.value) if record.value is not None else "No value"

    def value_value(self, record):
        return record.value

    def render_loaded(self, record):
        who = record.loaded_by.get_full_name() or record.loaded_by.username if record.loaded_by else "unknown"
        return f"{record.loaded_at:%d %b %Y} by {who}"

    def render_edit(self, record):
        label = f"{record.indicator.code} {record.source.name} " + self.render_period(record)
        return format_html(
            '<a class="govuk-link" href="{}">Change<span class="govuk-visually-hidden"> {}</span></a>',
            reverse("benchmarks:value_edit", args=[record.pk]),
            label,
        )
