"""How the text of an import cell is read: numbers, "not available", and the catalogue's words.

Pure functions, no Django: every import (the long forms of PRODUCT §8 and the
wide scorecard layout) reads cells through these, so `2,676`, `48%`, `NA`,
`BIB`, `↑ Higher is better` and `rate per 10,000` mean the same everywhere.
Each raises `CellError` with a reason a user can act on.
"""

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from indicators import numbers, scoring, units


class CellError(ValueError):
    """A cell whose text cannot be read; the message is the reason."""


# --- Numbers ----------------------------------------------------------------------------------

NOT_AVAILABLE_WORDS = frozenset(
    {"na", "n/a", "n.a.", "n.a", "#n/a", "not available", "nk", "not known", "-", "–", "—", ".."}
)


def is_not_available(text: str) -> bool:
    """`NA`, `n/a`, `-` and similar: the source says the figure is not available."""
    return text.strip().casefold() in NOT_AVAILABLE_WORDS


def parse_number(text: str) -> Decimal | None:
    """A number as written in a scorecard: `16.9`, `2,676`, `48%`, `-3`, `£1,200` (`indicators.numbers.parse`).

    Blank gives None. The percent sign is dropped (the indicator's unit says
    what the number is). A comma is only a thousands separator (`48,5` is
    refused rather than guessed); only the digits 0-9 are read; a number too
    large to keep is refused.
    """
    try:
        return numbers.parse(text)
    except numbers.NumberError as exc:
        raise CellError(str(exc)) from None


def parse_figure(text: str) -> tuple[Decimal | None, bool]:
    """A figure cell: (value, not available). Blank is (None, False); `NA` is (None, True)."""
    if is_not_available(text):
        return None, True
    return parse_number(text), False


def has_percent_sign(text: str) -> bool:
    return text.strip().endswith("%")


def decimals_shown(texts: Iterable[str]) -> int:
    """The most decimal places written in these cells (for the indicator's display decimals)."""
    most = 0
    for text in texts:
        cleaned = text.strip().rstrip("%")
        if "." in cleaned and not is_not_available(text):
            most = max(most, len(cleaned.split(".", 1)[1].strip()))
    return min(most, 6)


def parse_whole_number(text: str, *, minimum: int = 0) -> int | None:
    value = parse_number(text)
    if value is None:
        return None
    if value != value.to_integral_value() or value < minimum:
        raise CellError(f"'{text.strip()}' is not a whole number of {minimum} or more")
    problem = numbers.whole_problem(int(value), text.strip())
    if problem:
        raise CellError(problem)
    return int(value)


# --- The catalogue's words -----------------------------------------------------------------------


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z%↑↓/]+", " ", text.casefold()).strip()


def _lookup(text: str, table: dict[str, str], what: str, accepted: str) -> str:
    key = _key(text)
    if key in table:
        return table[key]
    raise CellError(f"'{text.strip()}' is not {what} the portal knows; use {accepted}")


_POLARITY = {
    "higher": scoring.HIGHER,
    "lower": scoring.LOWER,
    "neutral": scoring.NEUTRAL,
}
for _words, _polarity in (
    (
        (
            "bib",
            "bigger is better",
            "higher is better",
            "high is better",
            "↑ higher is better",
            "↑",
            "up",
            "high",
            "increase",
            "maximise",
        ),
        scoring.HIGHER,
    ),
    (
        (
            "sib",
            "smaller is better",
            "lower is better",
            "low is better",
            "↓ lower is better",
            "↓",
            "down",
            "low",
            "decrease",
            "minimise",
        ),
        scoring.LOWER,
    ),
    (("", "n/a", "na", "none", "no judgement", "not applicable", "-", "neither", "n a"), scoring.NEUTRAL),
):
    for _word in _words:
        _POLARITY[_key(_word)] = _polarity


def parse_polarity(text: str) -> str:
    """BIB / SIB / blank, "↑ Higher is better" / "↓ Lower is better", higher / lower / neutral."""
    return _lookup(text, _POLARITY, "a polarity", "higher, lower or neutral (or BIB / SIB)")


_UNITS = {_key(word): unit.name for unit in units.UNITS for word in (unit.name, *unit.cell_words)}


def parse_unit(text: str) -> str:
    return _lookup(text, _UNITS, "a unit", ", ".join(units.NAMES[:-1]) + f" or {units.NAMES[-1]}")


def _choices(pairs: Sequence[tuple[str, Sequence[str]]]) -> dict[str, str]:
    table = {}
    for value, words in pairs:
        for word in (value, value.replace("_", " "), *words):
            table[_key(word)] = value
    return table


_FREQUENCY = _choices(
    [("monthly", ("month", "m")), ("quarterly", ("quarter", "q")), ("annual", ("annually", "yearly", "year", "a"))]
)
_MEASURE = _choices(
    [
        ("in_month", ("in month", "flow", "in-month", "monthly flow")),
        ("snapshot", ("snapshot at period end", "at month end", "month end", "point in time", "as at")),
        ("rolling_12m", ("rolling 12 months", "rolling 12m", "rolling", "12 month rolling", "rolling year")),
    ]
)
_AGGREGATION = _choices(
    [
        ("sum", ("sum of months", "total", "cumulative", "add")),
        ("ratio", ("σnumerator/σdenominator", "sum of numerators over sum of denominators", "ratio of sums")),
        ("latest", ("latest value", "last", "last month", "snapshot", "latest month")),
        ("mean", ("average", "mean of months", "avg")),
    ]
)
_STATUS = _choices(
    [
        ("active", ("live", "in use", "current")),
        ("under_development", ("under development", "in development", "development", "draft")),
        ("to_be_confirmed", ("to be confirmed", "tbc", "tbc.", "to confirm")),
        ("retired", ("withdrawn", "discontinued", "inactive", "archived")),
    ]
)
_TOLERANCE_KIND = _choices(
    [
        ("absolute", ("points", "cases", "abs", "pts", "percentage points")),
        ("relative", ("percent of target", "% of target", "rel", "relative %")),
    ]
)


def parse_frequency(text: str) -> str:
    return _lookup(text, _FREQUENCY, "a frequency", "monthly, quarterly or annual")


def parse_measure(text: str) -> str:
    return _lookup(text, _MEASURE, "a measure", "in_month, snapshot or rolling_12m")


def parse_aggregation(text: str) -> str:
    return _lookup(text, _AGGREGATION, "an aggregation", "sum, ratio, latest or mean")


def parse_status(text: str) -> str:
    return _lookup(text, _STATUS, "a status", "active, under_development, to_be_confirmed or retired")


def parse_tolerance_kind(text: str) -> str:
    return _lookup(text, _TOLERANCE_KIND, "a tolerance kind", "absolute or relative")


_TRUE = {"yes", "y", "true", "1", "x", "✓", "✔", "key", "killer", "key kpi"}
_FALSE = {"no", "n", "false", "0", ""}


def parse_bool(text: str) -> bool:
    key = text.strip().casefold()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise CellError(f"'{text.strip()}' is not yes or no")


def parse_tolerance(text: str, *, unit: str) -> tuple[Decimal | None, str | None]:
    """A tolerance cell: (amount, kind or None when the cell does not say).

    `5 cases` and `2 points` are absolute. A percent sign on a percentage
    indicator is points of the same unit (absolute: 95% ± 5.0%); on any
    other unit it is a share of the target (relative).
    """
    raw = text.strip()
    if not raw or is_not_available(raw):
        return None, None
    match = re.match(r"^(.*?)\s*(cases?|points?|pts?|percentage points|pp|days?)$", raw, re.IGNORECASE)
    if match:
        return parse_number(match.group(1)), scoring.ABSOLUTE
    value = parse_number(raw)
    if has_percent_sign(raw):
        return value, scoring.ABSOLUTE if units.is_percentage(unit) else scoring.RELATIVE
    return value, None


# --- Codes, titles, statuses written into titles ---------------------------------------------------


def code_key(code: str) -> str:
    """Codes match whatever their spacing or case: 'W1 a', 'W 1a' and 'w1a' are one indicator."""
    return re.sub(r"\s+", "", code).upper()


def title_key(title: str) -> str:
    return re.sub(r"[^0-9a-z%]+", " ", title.casefold()).strip()


_STATUS_IN_TITLE = (
    (re.compile(r"^(?P<title>.*?)[\s\-–:]*\(?under development\)?\.?$", re.IGNORECASE), "under_development"),
    (re.compile(r"^(?P<title>.*?)[\s\-–:]*\(?to be confirmed\)?\.?$", re.IGNORECASE), "to_be_confirmed"),
)


def status_from_title(title: str) -> tuple[str, str | None]:
    """Indicator lists write a status after the title ('… - Under Development', 'To be Confirmed.').

    Returns the title without it and the status, or the title unchanged and None.
    """
    for pattern, status in _STATUS_IN_TITLE:
        match = pattern.match(title.strip())
        if match:
            return match.group("title").strip(), status
    return title.strip(), None
