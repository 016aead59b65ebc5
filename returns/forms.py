"""Forms of the returns pages: they read input; the rules are in `returns.validation` and the services."""

from decimal import Decimal

from django import forms

from indicators import scoring, units
from indicators.fields import NumberField
from kpiportal.forms import GovukFormMixin
from returns import display, figures
from returns.models import Return


class FigureField(NumberField):
    """A figure typed as text (GOV.UK advice: no number spinners), read as an exact Decimal by the portal's parser."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_digits", 18)
        kwargs.setdefault("decimal_places", 6)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false", "class": "govuk-input--width-10"}),
        )
        super().__init__(**kwargs)
        self.error_messages["invalid"] = "Enter a number, like 48 or 16.9"
        self.error_messages["max_decimal_places"] = "Enter a number with no more than 6 decimal places"


class ReturnEntryForm(GovukFormMixin, forms.Form):
    """The figures of one return: whole authority, team rows, not available, commentary.

    `version` is the version of the return the user loaded (0 before the first
    save): the service refuses the save if someone changed it since.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    value = FigureField(label="Value")
    numerator = FigureField(label="Numerator")
    denominator = FigureField(label="Denominator")
    not_available = forms.BooleanField(required=False, label="The figure is not available this month")
    not_available_reason = forms.CharField(
        required=False, max_length=500, label="Why is it not available?", widget=forms.TextInput
    )
    commentary = forms.CharField(
        required=False,
        label="Commentary",
        help_text="What is behind the figure, for the board report. Required when the figure would be red.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    confirm_warnings = forms.BooleanField(required=False, label="I have checked the warnings and the figures are right")

    def __init__(self, *args, indicator, teams=(), **kwargs):
        self.indicator = indicator
        self.teams = list(teams)
        super().__init__(*args, **kwargs)
        missing = [t.name for t in self.teams if f"{figures.team_key(t.pk)}_value" not in self.fields]
        if missing:
            raise TypeError(f"build the form with entry_form_class(teams): no fields for {missing}")
        self.fields["value"].label = units.value_label(indicator.unit)
        self.fields["numerator"].label = indicator.numerator_label or "Numerator"
        self.fields["denominator"].label = indicator.denominator_label or "Denominator"
        if indicator.unit == units.RATE_PER_10K:
            self.fields["denominator"].help_text = "Leave blank to use the 0–17 population for the period."
        self.fields["value"].help_text = "Or give the numerator and denominator, and the value is worked out."
        self.warnings = []

    @classmethod
    def initial_for(cls, ret: Return | None, team_figures=()) -> dict:
        if ret is None or ret.pk is None:
            return {"version": 0}
        initial = {
            "version": ret.version,
            "value": ret.value,
            "numerator": ret.numerator,
            "denominator": ret.denominator,
            "not_available": ret.not_available,
            "not_available_reason": ret.not_available_reason,
            "commentary": ret.commentary,
        }
        for tf in team_figures:
            key = figures.team_key(tf.team_id)
            initial.update(
                {f"{key}_value": tf.value, f"{key}_numerator": tf.numerator, f"{key}_denominator": tf.denominator}
            )
        return {k: _plain(v) for k, v in initial.items()}

    def team_rows(self):
        """(team, value field, numerator field, denominator field) for the breakdown table."""
        for team in self.teams:
            key = figures.team_key(team.pk)
            yield team, self[f"{key}_value"], self[f"{key}_numerator"], self[f"{key}_denominator"]

    @property
    def team_errors(self) -> bool:
        return self.is_bound and any(name.startswith("team_") for name in self.errors)

    @property
    def initial_has_teams(self) -> bool:
        return any(k.startswith("team_") and v not in (None, "") for k, v in self.initial.items())

    def entry(self) -> figures.Entry:
        data = self.cleaned_data
        teams = {
            team.pk: scoring.Point(
                data.get(f"{figures.team_key(team.pk)}_value"),
                data.get(f"{figures.team_key(team.pk)}_numerator"),
                data.get(f"{figures.team_key(team.pk)}_denominator"),
            )
            for team in self.teams
        }
        return figures.Entry(
            whole=scoring.Point(data.get("value"), data.get("numerator"), data.get("denominator")),
            teams=teams,
            not_available=bool(data.get("not_available")),
            not_available_reason=data.get("not_available_reason") or "",
            commentary=data.get("commentary") or "",
        )

    def add_problems(self, problems) -> None:
        """Errors onto their fields (or the form); warnings kept for the warning panel."""
        for problem in problems:
            if not problem.is_error:
                self.warnings.append(problem)
                continue
            self.add_error(problem.field if problem.field in self.fields else None, problem.message)

    def field_for(self, name: str):
        return self[name] if name in self.fields else None


def entry_form_class(teams, base=ReturnEntryForm):
    """The entry (or correction) form with a value, numerator and denominator field per team.

    Built as a class so the team fields are declared fields, styled like the others.
    """
    attrs = {}
    for team in teams:
        key = figures.team_key(team.pk)
        attrs[f"{key}_value"] = FigureField(label=f"{team.name} value")
        attrs[f"{key}_numerator"] = FigureField(label=f"{team.name} numerator")
        attrs[f"{key}_denominator"] = FigureField(label=f"{team.name} denominator")
    return type(base.__name__, (base,), attrs)


def _plain(value):
    if isinstance(value, Decimal):
        return display.plain_number(value)
    return value


class CorrectionForm(ReturnEntryForm):
    reason = forms.CharField(
        label="Reason for the correction",
        help_text="Recorded in the return's history with your name.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give the reason for the correction"},
    )

    field_order = ["reason"]


class SendBackForm(GovukFormMixin, forms.Form):
    prefix = "send_back"
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    comment = forms.CharField(
        label="What should the officer change?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what the officer should change: a comment is required"},
    )


class ApproveForm(GovukFormMixin, forms.Form):
    prefix = "approve"
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    own_approval_override = forms.BooleanField(
        required=False, label="Approve my own submission (performance team override, recorded)"
    )
    comment = forms.CharField(
        required=False,
        label="Comment or reason",
        help_text="Required when approving your own submission.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReopenForm(GovukFormMixin, forms.Form):
    prefix = "reopen"
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label="Why reopen it?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give the reason for reopening the return"},
    )


class UploadForm(GovukFormMixin, forms.Form):
    file = forms.FileField(
        label="Filled-in template (XLSX)",
        help_text="The template you downloaded for this month, with your figures in the white cells.",
        error_messages={"required": "Choose the filled-in template to upload"},
    )
