"""Filters of the scorecard pages (django-filter over the catalogue): theme, service area, RO, RAG, key KPI,
polarity, status. RAG is judged on the period's entry, so the view applies it to the built rows."""

import django_filters
from django import forms
from django.db.models import Q

from indicators.models import PERSISTENT_RED, Indicator, Polarity, ServiceArea, Status, Theme
from kpiportal.accounts.models import User

SELECT = {"class": "govuk-select"}

RAG_CHOICES = [
    ("green", "Green"),
    ("amber", "Amber"),
    ("red", "Red (including persistent red)"),
    (PERSISTENT_RED, "Persistent red"),
    ("grey", "No RAG"),
]


def officers():
    return User.objects.filter(Q(owned_indicators__isnull=False)).distinct().order_by("last_name", "first_name")


class ScorecardFilter(django_filters.FilterSet):
    theme = django_filters.ModelChoiceFilter(
        label="Theme", queryset=Theme.objects.all(), empty_label="All themes", widget=forms.Select(attrs=SELECT)
    )
    service_area = django_filters.ModelChoiceFilter(
        label="Service area",
        queryset=ServiceArea.objects.all(),
        empty_label="All service areas",
        widget=forms.Select(attrs=SELECT),
    )
    responsible_officer = django_filters.ModelChoiceFilter(
        label="Responsible officer", queryset=officers(), empty_label="Anyone", widget=forms.Select(attrs=SELECT)
    )
    rag = django_filters.ChoiceFilter(
        label="RAG", choices=RAG_CHOICES, empty_label="Any", method="keep", widget=forms.Select(attrs=SELECT)
    )
    is_key = django_filters.ChoiceFilter(
        label="Key KPIs",
        choices=[("yes", "Key KPIs only"), ("no", "Other indicators")],
        empty_label="All indicators",
        method="filter_key",
        widget=forms.Select(attrs=SELECT),
    )
    polarity = django_filters.ChoiceFilter(
        label="Polarity", choices=Polarity.choices, empty_label="Any", widget=forms.Select(attrs=SELECT)
    )
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=Status.choices,
        empty_label="All but retired",
        method="filter_status",
        widget=forms.Select(attrs=SELECT),
    )

    class Meta:
        model = Indicator
        fields = []

    def keep(self, queryset, name, value):
        return queryset

    def filter_key(self, queryset, name, value):
        return queryset.filter(is_key=value == "yes") if value else queryset

    def filter_status(self, queryset, name, value):
        return queryset.filter(status=value) if value else queryset.exclude(status=Status.RETIRED)

    @property
    def qs(self):
        queryset = super().qs
        if not (self.is_bound and self.form.is_valid() and self.form.cleaned_data.get("status")):
            queryset = queryset.exclude(status=Status.RETIRED)
        return queryset

    @property
    def rag_group(self) -> str:
        if self.is_bound and self.form.is_valid():
            return self.form.cleaned_data.get("rag") or ""
        return ""
