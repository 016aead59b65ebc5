"""GOV.UK Frontend classes for Django form widgets, in one place."""

from django import forms

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


class GovukFormMixin:
    """Adds GOV.UK classes, hints and error descriptions to every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            for widget_class, css in WIDGET_CLASSES.items():
                if type(widget) is widget_class:
                    widget.attrs["class"] = f"{css} {widget.attrs.get('class', '')}".strip()
                    break
            described = []
            if field.help_text:
                described.append(f"{self.auto_id % name if self.auto_id else name}-hint")
            if self.is_bound and name in self.errors:
                described.append(f"{self.auto_id % name if self.auto_id else name}-error")
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} govuk-input--error".strip()
            if described:
                widget.attrs["aria-describedby"] = " ".join(described)
