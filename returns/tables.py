"""Tables of the returns pages (django-tables2 over `selectors.ReturnRow`s). Display only; exports use `value_*`."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from indicators import periods
from returns import display, policy

NUM = {"th": {"class": "govuk-table__header kpi-num"}, "td": {"class": "govuk-table__cell kpi-num"}}


def return_url(row) -> str:
    if row.ret is not None:
        return reverse("returns:detail", args=[row.ret.pk])
    return reverse("returns:enter", args=[row.indicator.pk, row.period])


class SelectColumn(tables.Column):
    """A labelled checkbox per row (GOV.UK small checkbox), value `id:version` so a stale selection is refused."""

    def __init__(self, *, name: str, verb: str, when=None, **kwargs):
        self.input_name = name
        self.verb = verb
        self.when = when or (lambda row: row.ret is not None)
        kwargs.setdefault("verbose_name", "Select")
        kwargs.setdefault("orderable", False)
        kwargs.setdefault("empty_values", ())
        kwargs.setdefault("exclude_from_export", True)
        super().__init__(**kwargs)

    def render(self, record):
        if not self.when(record):
            return ""
        ret = record.ret
        box_id = f"{self.input_name}-{ret.pk}"
        return format_html(
            '<div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">'
            '<div class="govuk-checkboxes__item">'
            '<input class="govuk-checkboxes__input" id="{}" name="{}" type="checkbox" value="{}:{}">'
            '<label class="govuk-label govuk-checkboxes__label" for="{}">'
            '<span class="govuk-visually-hidden">{} {} {}</span></label></div></div>',
            box_id,
            self.input_name,
            ret.pk,
            ret.version,
            box_id,
            self.verb,
            record.indicator.code,
            periods.month_label(record.period),
        )


class _ReturnRowTable(tables.Table):
    code = tables.Column(verbose_name="Code", accessor="indicator__code")
    title = tables.Column(verbose_name="Indicator", accessor="indicator__title")
    state = tables.Column(verbose_name="State", empty_values=())
    figure = tables.Column(verbose_name="Figure", empty_values=(), attrs=NUM, orderable=False)
    previous = tables.Column(verbose_name="Last period", empty_values=(), attrs=NUM, orderable=False)
    target = tables.Column(verbose_name="Target", empty_values=(), attrs=NUM, orderable=False)
    rag = tables.Column(verbose_name="RAG (would be)", empty_values=(), orderable=False)

    class Meta:
        orderable = False
        attrs = {"class": "govuk-table kpi-table"}
        row_attrs = {"class": "govuk-table__row"}

    def render_code(self, record):
        return format_html('<a class="govuk-link" href="{}">{}</a>', return_url(record), record.indicator.code)

    def value_code(self, record):
        return record.indicator.code

    def render_state(self, record):
        return display.state_tag(record.state)

    def value_state(self, record):
        return display.STATE_LABELS[record.state]

    def _figure(self, record, value):
        if record.ret is not None and record.ret.not_available and value is record.value:
            return "Not available"
        return display.figure_text(value, record.indicator.unit, record.indicator.decimals)

    def render_figure(self, record):
        return self._figure(record, record.value)

    def value_figure(self, record):
        return record.value

    def render_previous(self, record):
        return display.figure_text(record.previous_value, record.indicator.unit, record.indicator.decimals)

    def value_previous(self, record):
        return record.previous_value

    def render_target(self, record):
        return display.figure_text(record.target, record.indicator.unit, record.indicator.decimals)

    def value_target(self, record):
        return record.target

    def render_rag(self, record):
        return display.rag_tag(record.rag)

    def value_rag(self, record):
        return display.RAG_WORDS[record.rag]


class MyReturnsTable(_ReturnRowTable):
    select = SelectColumn(name="returns", verb="Submit", when=lambda row: policy.awaits_officer(row.ret))
    due = tables.Column(verbose_name="Due", empty_values=())
    overdue = tables.Column(verbose_name="Overdue", empty_values=())

    class Meta(_ReturnRowTable.Meta):
        sequence = ("select", "code", "title", "state", "figure", "previous", "target", "rag", "due", "overdue")
        caption = "Returns"

    def render_due(self, record):
        return format_html('<span class="kpi-nowrap">{}</span>', f"{record.due:%a %-d %b %Y}")

    def value_due(self, record):
        return record.due.isoformat()

    def render_overdue(self, record):
        if record.overdue:
            return mark_safe('<strong class="govuk-tag govuk-tag--red">Overdue</strong>')
        return "No"

    def value_overdue(self, record):
        return "Yes" if record.overdue else "No"


class ReviewTable(_ReturnRowTable):
    select = SelectColumn(name="returns", verb="Approve")
    period = tables.Column(verbose_name="Month", empty_values=())
    officer = tables.Column(verbose_name="RO", empty_values=())
    submitted = tables.Column(verbose_name="Submitted", empty_values=())
    change = tables.Column(verbose_name="Change", empty_values=(), attrs=NUM)
    commentary = tables.Column(verbose_name="Commentary", empty_values=())
    since_approval = tables.Column(verbose_name="Since last approval", empty_values=())

    class Meta(_ReturnRowTable.Meta):
        sequence = (
            "select",
            "code",
            "title",
            "period",
            "officer",
            "submitted",
            "figure",
            "change",
            "target",
            "rag",
            "commentary",
            "since_approval",
        )
        exclude = ("state", "previous")
        caption = "Submitted returns, oldest first"

    def render_period(self, record):
        return periods.month_label(record.period)

    def render_officer(self, record):
        return display.person(record.indicator.responsible_officer)

    def render_submitted(self, record):
        ret = record.ret
        return format_html(
            '{}<br><span class="govuk-body-s">{}</span>',
            display.person(ret.submitted_by),
            f"{ret.submitted_at:%-d %b %Y}" if ret.submitted_at else "",
        )

    def value_submitted(self, record):
        ret = record.ret
        return f"{display.person(ret.submitted_by)} {ret.submitted_at.isoformat() if ret.submitted_at else ''}".strip()

    def render_change(self, record):
        return display.change_text(record.change, record.indicator.unit, record.indicator.decimals)

    def value_change(self, record):
        return record.change

    def render_commentary(self, record):
        text = record.ret.commentary
        if len(text) > 160:
            text = text[:157] + "…"
        return text or "–"

    def value_commentary(self, record):
        return record.ret.commentary

    def render_since_approval(self, record):
        if not record.since_approval:
            return "Not approved before"
        return format_html(
            '<ul class="govuk-list govuk-body-s">{}</ul>',
            format_html("".join(["<li>{}</li>"] * len(record.since_approval)), *record.since_approval),
        )

    def value_since_approval(self, record):
        return "; ".join(record.since_approval)


class CompletenessTable(tables.Table):
    service_area = tables.Column(verbose_name="Service area", empty_values=())
    officer = tables.Column(verbose_name="Responsible officer", empty_values=())
    indicators = tables.Column(verbose_name="Indicators", empty_values=(), attrs=NUM)
    not_started = tables.Column(verbose_name="Not started", attrs=NUM)
    in_progress = tables.Column(verbose_name="Draft or sent back", attrs=NUM)
    overdue = tables.Column(verbose_name="Late (overdue)", attrs=NUM)
    awaiting_review = tables.Column(verbose_name="Awaiting review", attrs=NUM)
    approved = tables.Column(verbose_name="Approved", attrs=NUM)

    class Meta:
        orderable = False
        attrs = {"class": "govuk-table kpi-table"}
        row_attrs = {"class": "govuk-table__row"}
        caption = "Returns by service area and responsible officer"

    def render_service_area(self, record):
        return record.service_area.name if record.service_area else "All service areas"

    def render_officer(self, record):
        if record.service_area is None:
            return "Total"
        return display.person(record.officer) or "No officer named"

    def render_indicators(self, record):
        return len(record.rows)


class OutstandingTable(_ReturnRowTable):
    officer = tables.Column(verbose_name="RO", empty_values=())
    service_area = tables.Column(verbose_name="Service area", accessor="indicator__service_area__name")
    due = tables.Column(verbose_name="Due", empty_values=())
    overdue = tables.Column(verbose_name="Overdue", empty_values=())

    class Meta(_ReturnRowTable.Meta):
        sequence = ("code", "title", "service_area", "officer", "state", "due", "overdue")
        exclude = ("figure", "previous", "target", "rag")
        caption = "Not yet submitted"

    render_due = MyReturnsTable.render_due
    value_due = MyReturnsTable.value_due
    render_overdue = MyReturnsTable.render_overdue
    value_overdue = MyReturnsTable.value_overdue

    def render_officer(self, record):
        return display.person(record.indicator.responsible_officer) or "No officer named"


class WaitingTable(tables.Table):
    """The user's drafts and returns sent back in months other than the one shown.

    Rows are `Return`s from `selectors.waiting_in_other_months`.
    """

    month = tables.Column(verbose_name="Month", accessor="period")
    code = tables.Column(verbose_name="Code", accessor="indicator__code")
    title = tables.Column(verbose_name="Indicator", accessor="indicator__title")
    state = tables.Column(verbose_name="State")

    class Meta:
        orderable = False
        attrs = {"class": "govuk-table kpi-table"}
        row_attrs = {"class": "govuk-table__row"}
        caption = "Returns waiting in other months"

    def render_month(self, record):
        return periods.month_label(record.period)

    def render_code(self, record):
        return format_html(
            '<a class="govuk-link" href="{}">{}<span class="govuk-visually-hidden"> {}</span></a>',
            reverse("returns:detail", args=[record.pk]),
            record.indicator.code,
            periods.month_label(record.period),
        )

    def render_state(self, record):
        return display.state_tag(record.state)
