"""How returns are shown: figures as text, states and RAG as tags with words. Formatting in Python, not templates."""

from decimal import Decimal

from django.utils.html import format_html

from indicators import formatting, scoring, units
from returns.models import State

NOT_STARTED = "not_started"

# The words and colours of each state of `returns.models.State` on the pages (the states are the model's).
STATE_LABELS = {
    NOT_STARTED: "Not started",
    State.DRAFT: "Draft",
    State.RETURNED: "Sent back",
    State.SUBMITTED: "Awaiting review",
    State.APPROVED: "Approved",
}
STATE_TAG_CLASSES = {
    NOT_STARTED: "govuk-tag--grey",
    State.DRAFT: "govuk-tag--blue",
    State.RETURNED: "govuk-tag--orange",
    State.SUBMITTED: "govuk-tag--purple",
    State.APPROVED: "govuk-tag--green",
}
RAG_WORDS = formatting.RAG_WORDS  # the scorecards' words: a RAG reads the same on every page


def figure_text(value: Decimal | None, unit: str = "", decimals: int = 1, *, blank: str = "–") -> str:
    """A stored figure as shown: rounded to the indicator's decimals, thousands separated, % for percentages.

    The rounding is the scorecards' (`indicators.formatting`, half up), so a figure reads the same on every page.
    """
    if value is None:
        return blank
    return formatting.format_figure(value, unit, decimals)


def threshold_text(value: Decimal | None, unit: str = "", decimals: int = 1, *, blank: str = "–") -> str:
    """A tolerance threshold as shown: with the places it needs (`formatting.threshold_places`)."""
    if value is None:
        return blank
    return formatting.format_threshold(value, unit, decimals)


def change_text(change: Decimal | None, unit: str = "", decimals: int = 1) -> str:
    """A change since last period, signed, rounded as the figures are, in points for percentages."""
    if change is None:
        return "–"
    text = formatting.format_number(change, decimals)
    sign = "+" if Decimal(text.replace(",", "")) > 0 else ""
    return f"{sign}{text}{' points' if units.is_percentage(unit) else ''}"


def plain_number(value: Decimal | None) -> str:
    """Unrounded, for inputs and exports."""
    if value is None:
        return ""
    text = f"{value.normalize():f}"
    return text


def state_tag(state: str | None):
    state = state or NOT_STARTED
    return format_html(
        '<strong class="govuk-tag {}">{}</strong>', STATE_TAG_CLASSES.get(state, ""), STATE_LABELS.get(state, state)
    )


def rag_tag(rag: str | None):
    rag = rag or scoring.GREY
    return format_html('<span class="kpi-rag kpi-rag--{}">{}</span>', rag, RAG_WORDS.get(rag, rag))


def person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username
