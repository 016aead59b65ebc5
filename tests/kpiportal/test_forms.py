"""GOV.UK form fields: every hint and every error message linked to its input, whenever it was added."""

import re

from django import forms
from django.template.loader import render_to_string

from kpiportal.forms import GovukFormMixin


class CommentForm(GovukFormMixin, forms.Form):
    comment = forms.CharField(widget=forms.Textarea)
    count = forms.IntegerField(required=False, widget=forms.TextInput)


def test_a_field_with_two_errors_has_one_error_message_its_input_names():
    form = CommentForm(data={"comment": "x", "count": "2"})
    form.fields["count"].help_text = "Whole numbers only"  # set after the form was built, as forms do for a unit
    assert form.is_valid()
    form.add_error("comment", "Say more")
    form.add_error("comment", "Name the team")

    html = render_to_string("includes/field.html", {"field": form["comment"]})

    assert re.findall(r'id="(id_comment-error)"', html) == ["id_comment-error"]
    assert "Say more" in html and "Name the team" in html
    assert 'aria-describedby="id_comment-error"' in html and "govuk-textarea--error" in html
    count = render_to_string("includes/field.html", {"field": form["count"]})
    assert 'id="id_count-hint"' in count and 'aria-describedby="id_count-hint"' in count
    assert "--error" not in count
