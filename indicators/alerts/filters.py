"""Filters of the alert lists (django-filter): by email state and alert kind."""

import django_filters
from django import forms

from indicators.alerts.models import Alert, Delivery, SendState
from kpiportal.forms import GovukFormMixin


class FilterForm(GovukFormMixin, forms.Form):
    pass


class DeliveryFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(label="Email state", choices=SendState.choices, empty_label="Any")
    kind = django_filters.ChoiceFilter(
        label="Alert", field_name="alert__kind", choices=Alert.Kind.choices, empty_label="Any"
    )

    class Meta:
        model = Delivery
        fields = ["state", "kind"]
        form = FilterForm
