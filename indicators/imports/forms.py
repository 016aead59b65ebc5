"""Forms of the catalogue pages and the web import."""

from django import forms
from django.conf import settings

from kpiportal import imports
from kpiportal.forms import GovukFormMixin
from kpiportal.sheets.limits import human_size


class ImportForm(GovukFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label="What does the file hold?",
        choices=[(k.kind, k.label) for k in imports.KINDS.values()],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the file holds"},
    )
    file = forms.FileField(
        label="File (CSV in UTF-8, or XLSX)",
        error_messages={"required": "Choose a file to upload", "empty": "The file is empty"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not cap files: check the size here.
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {human_size(upload.size)}; the largest file the portal accepts is {human_size(limit)}"
            )
        return upload
