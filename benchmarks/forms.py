"""Forms of the comparator pages: they read and check input; the services write."""

from decimal import Decimal

from django import forms

from benchmarks import imports
from benchmarks.models import ComparatorSource
from indicators import periods, units
from indicators.catalogue import cells
from indicators.fields import NumberField, WholeNumberField
from indicators.models import Indicator
from kpiportal.forms import GovukFormMixin


class SourceForm(GovukFormMixin, forms.Form):
    name = forms.CharField(label="Name", max_length=200, help_text="For example 'Statistical neighbours' or 'Bexley'.")
    short_name = forms.CharField(
        label="Short name (optional)",
        max_length=30,
        required=False,
        help_text="The column heading on scorecards, for example 'SN' or 'ENG'.",
    )
    kind = forms.ChoiceField(
        label="Kind",
        choices=ComparatorSource.Kind.choices,
        help_text="Named authorities are ranked against the council; the first statistical-neighbour average "
        "rates the council unless you choose another comparator.",
    )
    position = WholeNumberField(
        label="Order (optional)", min_value=0, required=False, help_text="Smaller numbers come first."
    )


class ValueForm(GovukFormMixin, forms.Form):
    indicator = forms.ModelChoiceField(label="Indicator", queryset=Indicator.objects.order_by("code"))
    source = forms.ModelChoiceField(label="Comparator", queryset=ComparatorSource.objects.all())
    period = forms.CharField(
        label="Year or quarter",
        max_length=30,
        help_text="A financial year such as 2019/20, or a quarter such as 2020/21 Q3.",
    )
    value = forms.CharField(
        label="Value",
        max_length=30,
        required=False,
        help_text="For example 48.2 or 23%. Leave blank or write n/a when the comparator has no figure.",
    )
    note = forms.CharField(
        label="Note (optional)", max_length=500, required=False, help_text="For example '23% (England 2021)'."
    )

    def clean_period(self):
        try:
            return periods.parse_year_or_quarter(self.cleaned_data["period"])
        except periods.PeriodError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_value(self):
        try:
            value, _percent = imports.read_value(self.cleaned_data["value"])
        except cells.CellError as exc:
            raise forms.ValidationError(f"{exc} (write e.g. 48.2, 23% or n/a)") from None
        return value

    def clean(self):
        data = super().clean()
        indicator, value = data.get("indicator"), data.get("value")
        if indicator is not None and "value" not in self.errors:
            ref = imports.IndicatorRef(indicator.pk, indicator.code, indicator.unit)
            written_as_percent = str(self.data.get(self.add_prefix("value"), "")).strip().endswith("%")
            stated = units.PERCENT if written_as_percent else None
            for message in imports.unit_problems(ref, value, stated):
                self.add_error("value", message)
        return data


class RatingForm(GovukFormMixin, forms.Form):
    """The comparator (and band) the comparator rating uses, scorecard-wide or for one indicator."""

    source = forms.ModelChoiceField(
        label="Rate against",
        queryset=ComparatorSource.objects.all(),
        required=False,
    )
    band = NumberField(
        label="'As good as' band, in points",
        min_value=Decimal("0"),
        max_digits=8,
        decimal_places=3,
        required=False,
        help_text="A value within this distance of the comparator, either side, counts as 'as good as'.",
    )

    def __init__(self, *args, scorecard_wide: bool, default_label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].empty_label = default_label
        if scorecard_wide:
            self.fields["band"].required = True
        else:
            self.fields["band"].help_text += " Leave blank to use the scorecard-wide band."
