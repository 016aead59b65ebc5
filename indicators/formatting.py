"""How figures are shown: the one formatting helper for pages, exports and the board pack.

Rounding is for display only (PRODUCT §4); stored values stay unrounded. Numbers
are formatted here in Python rather than with template filters (`floatformat`
made a scorecard about four times slower to render). Display rounding is half
up, as councils' spreadsheets round (85.45 → 85.5, not 85.4).
"""

from decimal import ROUND_HALF_UP, Decimal

from indicators import scoring, units

RAG_WORDS = {
    "green": "Green",
    "amber": "Amber",
    "red": "Red",
    "persistent_red": "Persistent red",
    "grey": "No RAG",
}
RAG_DESCRIPTIONS = {
    "green": "On or better than target",
    "amber": "Within tolerance of target",
    "red": "Worse than the tolerance threshold",
    "persistent_red": "Significantly worse than target / off target for a significant period",
    "grey": "No target, no judgement (neutral polarity) or no figure",
}
COMPARATOR_RATING_WORDS = {
    scoring.BETTER: "Better",
    scoring.SIMILAR: "As good as",
    scoring.WORSE: "Worse",
}
POLARITY_WORDS = {"higher": "↑ Higher is better", "lower": "↓ Lower is better", "neutral": "No judgement"}
POLARITY_SHORT = {"higher": "BIB", "lower": "SIB", "neutral": ""}


def _rounded(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def format_number(value: Decimal | None, decimals: int = 0) -> str:
    """1,234.5 — thousands separators, `decimals` places, half up; blank for none."""
    if value is None:
        return ""
    return f"{_rounded(value, decimals):,.{decimals}f}"


def format_figure(value: Decimal | None, unit: str, decimals: int = 0) -> str:
    """A value as shown in its unit: '85.5%', '75.2', '2,676'. Blank when there is none."""
    if value is None:
        return ""
    text = format_number(value, decimals)
    return f"{text}%" if units.is_percentage(unit) else text


THRESHOLD_MAX_PLACES = 2


def threshold_places(threshold: Decimal | None, decimals: int = 0) -> int:
    """How many places a tolerance threshold is shown with: enough to show it exactly, up to two, and never
    fewer than the indicator's decimals. A relative tolerance of 5% on a target of 90 puts the amber edge at
    85.5: rounding it to a whole-number indicator's 86 would tell readers that 85.7 is red, when it is amber.
    """
    if threshold is None:
        return decimals
    needed = max(0, -threshold.normalize().as_tuple().exponent)
    return max(decimals, min(needed, THRESHOLD_MAX_PLACES))


def format_threshold(threshold: Decimal | None, unit: str, decimals: int = 0) -> str:
    """A tolerance threshold as shown in its unit, with `threshold_places`: '85.5%' for a 0-decimal indicator."""
    return format_figure(threshold, unit, threshold_places(threshold, decimals))


def format_change(value: Decimal | None, unit: str, decimals: int = 0) -> str:
    """A signed difference: '+4.0', '−2.5' (percentage points for percentages, shown as 'pts')."""
    if value is None:
        return ""
    rounded = _rounded(value, decimals)
    sign = "+" if rounded > 0 else ("−" if rounded < 0 else "")
    text = f"{sign}{abs(rounded):,.{decimals}f}"
    return f"{text} pts" if units.is_percentage(unit) else text


def excel_number_format(unit: str, decimals: int = 0) -> str:
    """The spreadsheet number format for a unit: '#,##0.0"%"' keeps 85.5 (not 0.855) shown as 85.5%."""
    places = f".{'0' * decimals}" if decimals else ""
    pattern = f"#,##0{places}"
    return f'{pattern}"%"' if units.is_percentage(unit) else pattern


def excel_change_format(unit: str, decimals: int = 0) -> str:
    places = f".{'0' * decimals}" if decimals else ""
    pattern = f"+#,##0{places};−#,##0{places};0{places}"
    if units.is_percentage(unit):
        return f'+#,##0{places}" pts";−#,##0{places}" pts";0{places}" pts"'
    return pattern


def movement_text(direction: str | None, polarity: str) -> str:
    """Arrow and words: '↑ up, improving', '→ no change', or '' when there is no previous figure."""
    if not direction:
        return ""
    return f"{scoring.ARROWS.get(direction, '')} {scoring.movement_words(direction, polarity)}".strip()


def movement_class(improving: bool | None, direction: str | None) -> str:
    if improving is True:
        return "kpi-improving"
    if improving is False:
        return "kpi-worsening"
    return "kpi-nochange" if direction else ""
