"""Tables of the catalogue pages (django-tables2): display only."""

import django_tables2 as tables

from indicators.models import Indicator

CELL = {"class": "govuk-table__cell"}


def person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


class CatalogueTable(tables.Table):
    code = tables.Column(
        verbose_name="Code",
        linkify=("indicators:detail", {"pk": tables.A("pk")}),
        attrs={"td": {**CELL, "class": "govuk-table__cell kpi-nowrap"}},
    )
    title = tables.Column(verbose_name="Title")
    theme = tables.Column(verbose_name="Theme", accessor="theme__name", order_by=("theme__position", "theme__name"))
    service_area = tables.Column(verbose_name="Service area", accessor="service_area__name")
    responsible_officer = tables.Column(
        verbose_name="Responsible officer",
        order_by=("responsible_officer__last_name", "responsible_officer__first_name"),
        default="",
    )
    polarity = tables.Column(verbose_name="Polarity")
    unit = tables.Column(verbose_name="Unit")
    status = tables.Column(verbose_name="Status")
    is_key = tables.Column(verbose_name="Key KPI")

    class Meta:
        model = Indicator
        fields = ()
        sequence = (
            "code",
            "title",
            "theme",
            "service_area",
            "responsible_officer",
            "polarity",
            "unit",
            "status",
            "is_key",
        )
        attrs = {"class": "govuk-table", "th": {"class": "govuk-table__header"}, "td": CELL}
        row_attrs = {"class": "govuk-table__row"}
        order_by = ("theme", "code")

    def render_responsible_officer(self, value):
        return person(value)

    def render_is_key(self, value):
        return "Key KPI" if value else ""


EXPORT_COLUMNS = (
    "code",
    "title",
    "definition",
    "theme",
    "service_area",
    "polarity",
    "unit",
    "decimals",
    "frequency",
    "measure",
    "aggregation",
    "is_key",
    "status",
    "responsible_officer",
    "deputies",
    "numerator_label",
    "denominator_label",
    "population_base",
    "info_note",
)


def export_rows(indicators):
    """The catalogue in the columns of the indicators import, so an export can be edited and imported again."""
    for i in indicators:
        yield (
            i.code,
            i.title,
            i.definition,
            i.theme.name,
            i.service_area.name,
            i.polarity,
            i.unit,
            i.decimals,
            i.frequency,
            i.measure,
            i.aggregation,
            "yes" if i.is_key else "no",
            i.status,
            i.responsible_officer.username if i.responsible_officer else "",
            "; ".join(d.username for d in i.deputies.all()),
            i.numerator_label,
            i.denominator_label,
            i.population_base,
            i.info_note,
        )
