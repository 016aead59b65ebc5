"""Filters of the returns pages (django-filter): period, state, service area, responsible officer, overdue."""

from datetime import date

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q

from indicators import periods
from indicators.models import Indicator, ServiceArea
from kpiportal.accounts.models import User

from . import deadlines, display
from .models import Return, State

SELECT = {"class": "govuk-select"}


def period_choices(options: list[date]) -> list[tuple[str, str]]:
    return [(periods.iso_month(p), periods.month_label(p)) for p in options]


def officers():
    return User.objects.filter(Q(owned_indicators__isnull=False) | Q(deputised_indicators__isnull=False)).distinct()


class _PeriodFilterSet(django_filters.FilterSet):
    """A filter set whose first filter is the period, always set (the default when missing or wrong)."""

    period = django_filters.ChoiceFilter(
        label="Month", method="keep", empty_label=None, widget=forms.Select(attrs=SELECT)
    )

    def __init__(
        self, data=None, *args, period_options: list[date], default: date, today: date, working_day: int, **kw
    ):
        data = data.copy() if data is not None else {}
        allowed = {periods.iso_month(p) for p in period_options}
        if data.get("period") not in allowed:
            data["period"] = periods.iso_month(default)
        super().__init__(data, *args, **kw)
        self.filters["period"].extra["choices"] = period_choices(period_options)
        self.today = today
        self.working_day = working_day

    @property
    def chosen_period(self) -> date:
        return periods.parse_period(self.data["period"])

    def keep(self, queryset, name, value):
        return queryset


class MyReturnsFilter(_PeriodFilterSet):
    state = django_filters.ChoiceFilter(
        label="State",
        choices=[(k, v) for k, v in display.STATE_LABELS.items()],
        empty_label="Any state",
        method="filter_state",
        widget=forms.Select(attrs=SELECT),
    )
    service_area = django_filters.ModelChoiceFilter(
        label="Service area", queryset=ServiceArea.objects.all(), empty_label="Any", widget=forms.Select(attrs=SELECT)
    )
    overdue = django_filters.ChoiceFilter(
        label="Overdue",
        choices=[("yes", "Overdue only"), ("no", "Not overdue")],
        empty_label="Any",
        method="filter_overdue",
        widget=forms.Select(attrs=SELECT),
    )

    class Meta:
        model = Indicator
        fields = []

    def _returns(self, **kwargs):
        return Exists(Return.objects.filter(indicator=OuterRef("pk"), period=self.chosen_period, **kwargs))

    def filter_state(self, queryset, name, value):
        if value == display.NOT_STARTED:
            return queryset.filter(~self._returns())
        return queryset.filter(self._returns(state=value))

    def filter_overdue(self, queryset, name, value):
        past_due = self.today > deadlines.due_date(self.chosen_period, self.working_day)
        done = self._returns(state__in=[State.SUBMITTED, State.APPROVED])
        if value == "yes":
            return queryset.filter(~done) if past_due else queryset.none()
        return queryset.filter(done) if past_due else queryset


class OfficerFilterMixin(django_filters.FilterSet):
    responsible_officer = django_filters.ModelChoiceFilter(
        label="Responsible officer",
        queryset=officers(),
        empty_label="Any",
        method="filter_officer",
        widget=forms.Select(attrs=SELECT),
    )

    officer_path = ""

    def filter_officer(self, queryset, name, value):
        owned = Indicator.objects.owned_by(value).values("pk")
        return queryset.filter(**{f"{self.officer_path}pk__in" if self.officer_path else "pk__in": owned})


class TeamReturnsFilter(MyReturnsFilter, OfficerFilterMixin):
    """ "My returns" as the performance team sees it: any officer's list."""

    class Meta(MyReturnsFilter.Meta):
        fields = []


class ReviewFilter(OfficerFilterMixin):
    period = django_filters.ChoiceFilter(
        label="Month", empty_label="Any month", method="filter_period", widget=forms.Select(attrs=SELECT)
    )
    service_area = django_filters.ModelChoiceFilter(
        label="Service area",
        field_name="indicator__service_area",
        queryset=ServiceArea.objects.all(),
        empty_label="Any",
        widget=forms.Select(attrs=SELECT),
    )
    officer_path = "indicator__"

    class Meta:
        model = Return
        fields = []

    def __init__(self, *args, period_options: list[date], **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["period"].extra["choices"] = period_choices(period_options)

    def filter_period(self, queryset, name, value):
        return queryset.filter(period=periods.parse_period(value))


class CompletenessFilter(_PeriodFilterSet, OfficerFilterMixin):
    service_area = django_filters.ModelChoiceFilter(
        label="Service area", queryset=ServiceArea.objects.all(), empty_label="Any", widget=forms.Select(attrs=SELECT)
    )

    class Meta:
        model = Indicator
        fields = []
