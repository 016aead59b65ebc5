"""GOV.UK Frontend classes for Django form widgets, in one place."""

from django import forms
from django.forms.boundfield import BoundField

WIDGET_CLASSES = {
    forms.TextInput: "govuk-input",
    forms.NumberInput: "govuk-input govuk-input--width-10",
    forms.EmailInput: "govuk-input",
    forms.PasswordInput: "govuk-input",
    forms.DateInput: "govuk-input govuk-input--width-10",
    forms.Textarea: "govuk-textarea",
    forms.Select: "govuk-select",
    forms.ClearableFileInput: "govuk-file-upload",
    forms.FileInput: "govuk-file-upload",
    forms.CheckboxInput: "govuk-checkboxes__input",
}

# The error modifier of each GOV.UK control (checkboxes have none: the form group carries the error).
ERROR_CLASSES = {
    "govuk-input": "govuk-input--error",
    "govuk-textarea": "govuk-textarea--error",
    "govuk-select": "govuk-select--error",
    "govuk-file-upload": "govuk-file-upload--error",
}


class GovukBoundField(BoundField):
    """Links a field's hint and error message to its input when it is rendered.

    Worked out at render time, not when the form is built: hints set after
    `__init__` and errors added after validation (`add_error`, a service's
    refusal) are linked like the others. The ids are those `includes/field.html`
    gives the hint (`<id>-hint`) and the error message (`<id>-error`).
    """

    def build_widget_attrs(self, attrs, widget=None):
        if attrs and attrs.get("aria-describedby"):
            return super().build_widget_attrs(attrs, widget)  # the template chose its own
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        base = self.id_for_label or self.html_name
        described = []
        if self.help_text:
            described.append(f"{base}-hint")
        if self.errors and not widget.is_hidden:
            described.append(f"{base}-error")
            css = attrs.get("class", widget.attrs.get("class", ""))
            modifiers = [ERROR_CLASSES[c] for c in css.split() if c in ERROR_CLASSES and ERROR_CLASSES[c] not in css]
            if modifiers:
                attrs["class"] = " ".join([css, *modifiers]).strip()
        if described:
            attrs["aria-describedby"] = " ".join(described)
        else:
            attrs.pop("aria-describedby", None)  # Django's own points at an id the templates do not print
        return attrs


class GovukFormMixin:
    """Adds GOV.UK classes to every widget; hints and errors are linked when a field is rendered."""

    bound_field_class = GovukBoundField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            for widget_class, css in WIDGET_CLASSES.items():
                if type(widget) is widget_class:
                    widget.attrs["class"] = f"{css} {widget.attrs.get('class', '')}".strip()
                    break
