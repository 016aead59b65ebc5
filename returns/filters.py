"""Filters of the returns pages (django-filter): period, state, service area, responsible officer, overdue."""

from datetime import date

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q

from indicators import periods
from indicators.models import Indicator, ServiceArea
from kpiportal.accounts.models import User
from kpiportal.forms import GovukBoundField
from returns import display, policy
from returns.models import Return

SELECT = {"class": "govuk-select"}


def period_choices(options: list[date]) -> list[tuple[str, str]]:
    return [(periods.iso_month(p), periods.month_label(p)) for p in options]


def officers():
    return User.objects.filter(Q(owned_indicators__isnull=False) | Q(deputised_indicators__isnull=False)).distinct()


def asked_period(raw, *, today: date) -> tuple[date | None, str | None]:
    """The month `?period=` asks for (None when blank), or the reason it cannot be shown.

    Any month that has begun may be shown, however old, not only those offered
    in the list: a link to an old month must show that month, never another.
    """
    if not raw:
        return None, None
    try:
        period = periods.parse_period(raw)
    except periods.PeriodError:
        return None, f"“{raw}” is not a month: choose one from the list"
    if period > periods.month_start(today):
        return None, f"{periods.month_label(period)} is in the future"
    return period, None


def _offering(options: list[date], period: date | None) -> list[date]:
    """The months of the list, with `period` among them (newest first) when it is not."""
    if period is None or period in options:
        return options
    return sorted([*options, period], reverse=True)


class _GovukFilterSet(django_filters.FilterSet):
    """Filters whose inputs are linked to their errors, like every other form (`kpiportal.forms`)."""

    def get_form_class(self):
        return type(
            self.__class__.__name__ + "Form", (super().get_form_class(),), {"bound_field_class": GovukBoundField}
        )


class _PeriodFilterSet(_GovukFilterSet):
    """A filter set whose first filter is the period, always set.

    A blank period is the default month; a month outside the list is shown as
    asked (and added to the list); text that is not a month, or a month in the
    future, shows the default month with an error saying so.
    """

    period = django_filters.ChoiceFilter(
        label="Month", method="keep", empty_label=None, widget=forms.Select(attrs=SELECT)
    )

    def __init__(
        self, data=None, *args, period_options: list[date], default: date, today: date, working_day: int, **kw
    ):
        data = data.copy() if data is not None else {}
        asked, error = asked_period(data.get("period"), today=today)
        chosen = asked or default
        data["period"] = periods.iso_month(chosen)
        super().__init__(data, *args, **kw)
        self.filters["period"].extra["choices"] = period_choices(_offering(period_options, chosen))
        self.today = today
        self.working_day = working_day
        if error:
            self.form.add_error("period", f"{error}. Showing {periods.month_label(default)}.")

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
        # Overdue as `policy.is_overdue` has it: past the due date and the officer's part not done.
        past_due = policy.is_overdue(
            period=self.chosen_period, state=None, today=self.today, working_day=self.working_day
        )
        done = ~self._returns(state__in=policy.officer_states()) & self._returns()
        if value == "yes":
            return queryset.filter(~done) if past_due else queryset.none()
        return queryset.filter(done) if past_due else queryset


class OfficerFilterMixin(_GovukFilterSet):
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

    def __init__(self, data=None, *args, period_options: list[date], today: date, **kwargs):
        data = data.copy() if data is not None else {}
        asked, error = asked_period(data.get("period"), today=today)
        if error:
            data["period"] = ""
        elif asked is not None:
            data["period"] = periods.iso_month(asked)  # `Nov-22` as well as `2022-11`, as My returns reads it
        super().__init__(data, *args, **kwargs)
        self.filters["period"].extra["choices"] = period_choices(_offering(period_options, asked))
        if error:
            self.form.add_error("period", f"{error}. Showing every month.")

    def filter_period(self, queryset, name, value):
        return queryset.filter(period=periods.parse_period(value))


class CompletenessFilter(MyReturnsFilter, OfficerFilterMixin):
    """Every indicator's return for a month: by state, service area, responsible officer and overdue."""

    class Meta(MyReturnsFilter.Meta):
        fields = []
