"""Form fields for numbers: read by the one parser, `indicators.numbers.parse` (digits 0-9, small enough to keep).

The entry form's figures (`returns.forms.FigureField`), the comparator pages and the admin's number
fields (`ADMIN_NUMBER_FIELDS`, for `formfield_overrides`) use these instead of Django's own, which
read any script's digits and leave the size to the database.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from indicators import numbers


class NumberField(forms.DecimalField):
    """A decimal number typed as text, read by `indicators.numbers.parse`."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return numbers.parse(str(value))
        except numbers.NotANumber:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        except numbers.NumberError as exc:
            raise ValidationError(str(exc), code="invalid") from None


class WholeNumberField(forms.IntegerField):
    """A whole number typed as text, read by `indicators.numbers.parse`, small enough for an integer column."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            number = numbers.parse(str(value))
        except numbers.NotANumber:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        except numbers.NumberError as exc:
            raise ValidationError(str(exc), code="invalid") from None
        if number != number.to_integral_value():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        problem = numbers.whole_problem(int(number), str(value).strip())
        if problem:
            raise ValidationError(problem, code="invalid")
        return int(number)


# ModelAdmin.formfield_overrides: the admin's number fields read numbers as the portal's forms do.
ADMIN_NUMBER_FIELDS = {
    models.DecimalField: {"form_class": NumberField},
    models.IntegerField: {"form_class": WholeNumberField},
}
