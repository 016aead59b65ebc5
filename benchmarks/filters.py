"""Filters of the comparator values list (django-filter)."""

import django_filters
from django.db.models import Q

from benchmarks.models import ComparatorSource, ComparatorValue
from indicators import periods


class ValueFilter(django_filters.FilterSet):
    indicator = django_filters.CharFilter(label="Indicator code or title", method="filter_indicator")
    source = django_filters.ModelChoiceFilter(label="Comparator", queryset=ComparatorSource.objects.all())
    year = django_filters.CharFilter(label="Financial year", method="filter_year")

    class Meta:
        model = ComparatorValue
        fields = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        form = self.form
        for name, field in form.fields.items():
            css = "govuk-select" if name == "source" else "govuk-input govuk-input--width-10"
            field.widget.attrs["class"] = css
        form.fields["source"].empty_label = "All comparators"

    def filter_indicator(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(indicator__code__icontains=value) | Q(indicator__title__icontains=value))

    def filter_year(self, queryset, name, value):
        try:
            start_year = periods.parse_financial_year(value)
        except periods.PeriodError:
            return queryset.none()
        months = periods.financial_year_months(start_year)
        return queryset.filter(period_start__gte=months[0], period_start__lte=months[-1])
