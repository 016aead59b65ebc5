"""Checking the reading of a wide scorecard against the derived columns the file itself prints. Pure.

Where a scorecard prints its change since last month, distance from target,
tolerance threshold, direction of travel or year to date, the figures read
from the row are put through the §4 rules (`indicators.scoring`) and compared
with what is printed, for the row's latest month (and the YTD of its year). A
difference larger than the file's rounding means the row was probably read
from the wrong columns (a row shifted against its headings): each one is a
`Disagreement` naming the row and the column, for the import's warnings.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from indicators import numbers, periods, scoring
from indicators.catalogue import cells
from indicators.imports.wide_headings import CHANGE, DISTANCE, DOT, THRESHOLD, YTD
from indicators.imports.wide_sheet import PrintedCell, WideRow


@dataclass(frozen=True)
class CheckRule:
    """What the import will judge the row by: its target, tolerance and polarity (the file's, else the catalogue's),
    the indicator's unit, aggregation and frequency, and the year's direction-of-travel threshold (None: §4.4's
    default for the unit)."""

    target: Decimal | None = None
    tolerance: Decimal | None = None
    tolerance_kind: str = scoring.ABSOLUTE
    polarity: str = scoring.NEUTRAL
    unit: str = ""
    aggregation: str = scoring.LATEST
    frequency: str = "monthly"
    dot_threshold: Decimal | None = None


@dataclass(frozen=True)
class Disagreement:
    row: int
    column: str
    reason: str


_UNIT_WORDS = re.compile(r"\s*(?:%|pts?\.?|points?|pp|percentage points)\s*$", re.IGNORECASE)
_UP = re.compile(r"[↑⬆▲↗]|\b(?:up|increase[ds]?|higher|rising|risen)\b", re.IGNORECASE)
_DOWN = re.compile(r"[↓⬇▼↘]|\b(?:down|decrease[ds]?|lower|falling|fallen)\b", re.IGNORECASE)
_FLAT = re.compile(r"[→↔=]|\b(?:no change|same|flat|stable|unchanged|static)\b", re.IGNORECASE)
_BETTER = re.compile(r"\b(?:improv\w*|better)\b", re.IGNORECASE)
_WORSE = re.compile(r"\b(?:wors\w*|deteriorat\w*)\b", re.IGNORECASE)


def printed_number(text: str) -> tuple[Decimal, int] | None:
    """A printed derived number (`-2.4`, `+1.5 pts`, `3.0%`) and the decimals it shows; None when not a number."""
    cleaned = _UNIT_WORDS.sub("", text.strip()).lstrip("+").strip()
    if not cleaned or cells.is_not_available(cleaned):
        return None
    try:
        value = numbers.parse(cleaned)
    except numbers.NumberError:
        return None
    if value is None:
        return None
    return value, cells.decimals_shown([cleaned])


def printed_direction(text: str) -> tuple[str | None, bool | None]:
    """(up / down / flat or None, improving True / False or None) from an arrow or words."""
    direction = None
    if _FLAT.search(text):
        direction = scoring.FLAT
    elif _UP.search(text) and not _DOWN.search(text):
        direction = scoring.UP
    elif _DOWN.search(text) and not _UP.search(text):
        direction = scoring.DOWN
    improving = True if _BETTER.search(text) else False if _WORSE.search(text) else None
    return direction, improving


def _places(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def _shown(value: Decimal, places: int) -> str:
    return f"{value.quantize(_places(places), rounding=ROUND_HALF_UP):f}"


def _reason(printed: str, computed: str) -> str:
    return (
        f"the file prints {printed}, the figures read give {computed} — check this row is read from the right columns"
    )


def check_row(row: WideRow, rule: CheckRule) -> list[Disagreement]:
    """Every printed derived value of the row that the figures read do not give, beyond the file's rounding."""
    values = {f.period: f.value for f in row.figures}
    if not values:
        return []
    latest = max(values)
    value = values[latest]
    previous = values.get(periods.previous_period(latest, rule.frequency))
    value_unit = _places(row.decimals)  # the figures are printed rounded to this
    found: list[Disagreement] = []

    def compare(kind: str, computed: Decimal | None, slack: Decimal) -> None:
        cell: PrintedCell | None = row.printed.get(kind)
        if cell is None or computed is None:
            return
        read = printed_number(cell.text)
        if read is None:
            return
        number, places = read
        if abs(number - computed) > _places(places) / 2 + slack:
            found.append(Disagreement(row.row, cell.column, _reason(cell.text, _shown(computed, places))))

    if value is not None:
        compare(CHANGE, scoring.change(value, previous), value_unit)
        compare(DISTANCE, scoring.distance_from_target(value, rule.target), value_unit / 2)
    threshold = scoring.tolerance_threshold(
        target=rule.target, tolerance=rule.tolerance, tolerance_kind=rule.tolerance_kind, polarity=rule.polarity
    )
    if rule.tolerance is not None or rule.polarity in (scoring.HIGHER, scoring.LOWER):
        compare(THRESHOLD, threshold, Decimal("0"))
    if value is not None:
        _check_direction(row, rule, value, previous, value_unit, found)
    _check_year_to_date(row, rule, latest, found)
    return found


def _check_direction(row, rule: CheckRule, value, previous, value_unit: Decimal, found: list) -> None:
    cell = row.printed.get(DOT)
    change = scoring.change(value, previous)
    if cell is None or change is None:
        return
    direction, improving = printed_direction(cell.text)
    d = rule.dot_threshold if rule.dot_threshold is not None else scoring.default_dot_threshold(rule.unit)
    computed = scoring.direction(change, d)
    wrong = False
    # A file may count smaller moves than the portal's threshold (or none): only a move the other way, or no
    # move where the figures moved by more than the threshold, is a disagreement.
    if direction == scoring.UP:
        wrong = change < -value_unit
    elif direction == scoring.DOWN:
        wrong = change > value_unit
    elif direction == scoring.FLAT:
        wrong = abs(change) > max(d, Decimal("0")) + value_unit
    if not wrong and improving is not None and abs(change) > value_unit:
        judged = scoring.is_improving(scoring.UP if change > 0 else scoring.DOWN, rule.polarity)
        wrong = judged is not None and judged != improving
    if wrong:
        words = scoring.movement_words(computed, rule.polarity)
        shown = f"{scoring.ARROWS.get(computed, '')} {words}".strip()
        found.append(Disagreement(row.row, cell.column, _reason(f"'{cell.text}'", f"'{shown}'")))


def _check_year_to_date(row: WideRow, rule: CheckRule, latest: date, found: list) -> None:
    cell = row.printed.get(YTD)
    if cell is None or rule.aggregation == scoring.RATIO:
        return  # a ratio's year to date needs the numerators and denominators, which the file does not give
    year = periods.financial_year_of(latest)
    figures = sorted(row.figures, key=lambda f: f.period)
    months = [scoring.Point(f.value) for f in figures if periods.financial_year_of(f.period) == year]
    computed = scoring.aggregate(months, rule.aggregation, unit=rule.unit)
    read = printed_number(cell.text)
    if computed is None or read is None:
        return
    number, places = read
    # Each month is printed rounded: a sum can be off by half a unit per month.
    slack = _places(row.decimals) * (len(months) if rule.aggregation == scoring.SUM else 1) / 2
    if abs(number - computed) > _places(places) / 2 + slack:
        found.append(Disagreement(row.row, cell.column, _reason(cell.text, _shown(computed, places))))
