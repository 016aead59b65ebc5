"""Filters of the catalogue (django-filter): display only, no business rules."""

import django_filters
from django.db.models import Q

from indicators.models import Indicator, Polarity, ServiceArea, Status, Theme
from kpiportal.accounts.models import User

KEY_CHOICES = (("yes", "Key KPIs only"), ("no", "Not key KPIs"))


class CatalogueFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Code or title", method="filter_text")
    theme = django_filters.ModelChoiceFilter(label="Theme", queryset=Theme.objects.all(), empty_label="All themes")
    service_area = django_filters.ModelChoiceFilter(
        label="Service area", queryset=ServiceArea.objects.all(), empty_label="All service areas"
    )
    responsible_officer = django_filters.ModelChoiceFilter(
        label="Responsible officer",
        queryset=User.objects.filter(owned_indicators__isnull=False).distinct().order_by("last_name", "first_name"),
        empty_label="Everyone",
    )
    status = django_filters.ChoiceFilter(label="Status", choices=Status.choices, empty_label="Any status")
    is_key = django_filters.ChoiceFilter(
        label="Key KPI", choices=KEY_CHOICES, empty_label="Key or not", method="filter_key"
    )
    polarity = django_filters.ChoiceFilter(label="Polarity", choices=Polarity.choices, empty_label="Any polarity")

    class Meta:
        model = Indicator
        fields = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.form.fields.items():
            field.widget.attrs["class"] = "govuk-input govuk-input--width-20" if name == "q" else "govuk-select"

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(title__icontains=value))

    def filter_key(self, queryset, name, value):
        return queryset.filter(is_key=value == "yes")
