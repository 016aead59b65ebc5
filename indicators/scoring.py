"""The scoring rules of PRODUCT §4, and the derivation of values of §3.

Pure functions over plain values (Decimal, str, tuples): no ORM, no Django.
This module is the one place these rules live; views, tables, exports, feeds,
the scorecard recompute and alerts all call it.

All comparisons use the unrounded values given; rounding is for display only.
Decimal arithmetic keeps thresholds exact (90 × (1 − 5/100) is 85.5, not
85.49999999999999 as in floating point).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property
from itertools import accumulate
from typing import NamedTuple

from indicators import units

HIGHER = "higher"
LOWER = "lower"
NEUTRAL = "neutral"

GREEN = "green"
AMBER = "amber"
RED = "red"
GREY = "grey"

UP = "up"
DOWN = "down"
FLAT = "flat"

ABSOLUTE = "absolute"
RELATIVE = "relative"

SUM = "sum"
RATIO = "ratio"
LATEST = "latest"
MEAN = "mean"

BETTER = "better"
SIMILAR = "similar"
WORSE = "worse"

DEFAULT_PERSISTENT_RED_PERIODS = 3
# One red period is "red", never also "persistently red": a run needs two periods at least,
# else a new red would raise both the "turned red" and the "persistently red" alert.
MIN_PERSISTENT_RED_PERIODS = 2
DEFAULT_COMPARATOR_BAND = Decimal("0.5")

# Stored figures keep six decimal places (the database columns' scale).
STORED_PLACES = Decimal("0.000001")


def to_decimal(value) -> Decimal | None:
    """Decimal from a Decimal, int, float or numeric string; None stays None."""
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"'{value}' is not a number") from exc


# --- Targets ---------------------------------------------------------------------


@dataclass(frozen=True)
class TargetRule:
    """What a value is judged against in one financial year."""

    target: Decimal | None
    tolerance: Decimal | None = None
    tolerance_kind: str = ABSOLUTE
    polarity: str = NEUTRAL
    dot_threshold: Decimal = Decimal("0")

    @cached_property
    def threshold(self) -> Decimal | None:
        # Cached: the rule is immutable and the scorecard judges thousands of values against it.
        return tolerance_threshold(
            target=self.target, tolerance=self.tolerance, tolerance_kind=self.tolerance_kind, polarity=self.polarity
        )


def tolerance_threshold(
    *, target: Decimal | None, tolerance: Decimal | None, tolerance_kind: str, polarity: str
) -> Decimal | None:
    """The edge of the amber band, `h`.

    Higher is better: t − tol (absolute) or t × (1 − tol/100) (relative).
    Lower is better:  t + tol (absolute) or t × (1 + tol/100) (relative).
    No tolerance: h = t (no amber band). No target or neutral polarity: none.
    """
    if target is None or polarity not in (HIGHER, LOWER):
        return None
    if tolerance is None:
        return target
    sign = 1 if polarity == LOWER else -1
    if tolerance_kind == RELATIVE:
        return target * (1 + sign * tolerance / 100)
    return target + sign * tolerance


def rag(value: Decimal | None, rule: TargetRule | None) -> str:
    """Green, amber, red — or grey when the polarity is neutral, there is no target, or no value."""
    if value is None or rule is None or rule.target is None or rule.polarity not in (HIGHER, LOWER):
        return GREY
    target, threshold = rule.target, rule.threshold
    if rule.polarity == HIGHER:
        if value >= target:
            return GREEN
        return AMBER if value >= threshold else RED
    if value <= target:
        return GREEN
    return AMBER if value <= threshold else RED


def persistent_red(rags_oldest_first: Sequence[str], periods: int = DEFAULT_PERSISTENT_RED_PERIODS) -> bool:
    """Red for the last `periods` consecutive periods (the list ends with the current period).

    Never for a run shorter than `MIN_PERSISTENT_RED_PERIODS` (the portal settings refuse one).
    """
    if periods < MIN_PERSISTENT_RED_PERIODS or len(rags_oldest_first) < periods:
        return False
    return list(rags_oldest_first[-periods:]).count(RED) == periods


def distance_from_target(value: Decimal | None, target: Decimal | None) -> Decimal | None:
    """v − t, signed, whatever the polarity."""
    if value is None or target is None:
        return None
    return value - target


# --- Movement ----------------------------------------------------------------------


def default_dot_threshold(unit: str) -> Decimal:
    """§2: the direction-of-travel threshold when a year's target sets none: 1.0 for percentages and rates
    per 10,000 (a move of under a point is "no change"), 0 for other units (any change counts)."""
    return Decimal("1.0") if unit in units.SCALED else Decimal("0")


def change(value: Decimal | None, previous: Decimal | None) -> Decimal | None:
    """Change since the previous period of the same frequency: v − v_prev."""
    if value is None or previous is None:
        return None
    return value - previous


def direction(change_: Decimal | None, dot_threshold: Decimal = Decimal("0")) -> str | None:
    """Up or down when the change is at least the threshold in size; flat otherwise.

    With threshold 0 any change counts and no change is flat. None when there is no change to judge.
    """
    if change_ is None:
        return None
    if change_ > 0 and change_ >= dot_threshold:
        return UP
    if change_ < 0 and -change_ >= dot_threshold:
        return DOWN
    return FLAT


def is_improving(direction_: str | None, polarity: str) -> bool | None:
    """Whether the movement is an improvement: True, False, or None (no change, neutral, or unknown)."""
    if direction_ not in (UP, DOWN) or polarity not in (HIGHER, LOWER):
        return None
    return (direction_ == UP) == (polarity == HIGHER)


def movement_words(direction_: str | None, polarity: str) -> str:
    """The words shown beside the arrow: 'up, improving', 'down, worsening', 'no change'."""
    if direction_ is None:
        return "no previous figure"
    if direction_ == FLAT:
        return "no change"
    improving = is_improving(direction_, polarity)
    if improving is None:
        return direction_
    return f"{direction_}, {'improving' if improving else 'worsening'}"


ARROWS = {UP: "↑", DOWN: "↓", FLAT: "→"}


def improved_on_last_period(value: Decimal | None, previous: Decimal | None, polarity: str) -> bool:
    """The 'improved on last month' flag: any move in the better direction, whatever the threshold."""
    delta = change(value, previous)
    if delta is None or delta == 0 or polarity not in (HIGHER, LOWER):
        return False
    return (delta > 0) == (polarity == HIGHER)


# --- Aggregation -----------------------------------------------------------------------


class Point(NamedTuple):
    """One period's figure: the value and, where known, its numerator and denominator.

    A named tuple rather than a dataclass: the scorecard builds hundreds of thousands of them.
    """

    value: Decimal | None
    numerator: Decimal | None = None
    denominator: Decimal | None = None


def aggregate(points_oldest_first: Sequence[Point], aggregation: str, *, unit: str = "") -> Decimal | None:
    """Quarter, year to date or rolling figure by the indicator's aggregation.

    sum: Σ values; ratio: Σ numerator / Σ denominator (scaled as the unit: ×100 for
    percentages, ×10,000 for rates) — never the mean of percentages; latest: the
    last value present; mean: the mean of the values present. Periods without a
    value are left out; None when nothing is left.
    """
    present = [p for p in points_oldest_first if p.value is not None]
    if aggregation == LATEST:
        return present[-1].value if present else None
    if aggregation == SUM:
        return sum((p.value for p in present), Decimal("0")) if present else None
    if aggregation == MEAN:
        return sum((p.value for p in present), Decimal("0")) / len(present) if present else None
    if aggregation == RATIO:
        parts = [p for p in points_oldest_first if p.numerator is not None and p.denominator is not None]
        denominator = sum((p.denominator for p in parts), Decimal("0"))
        if not parts or denominator == 0:
            return None
        return unit_scale(unit) * sum((p.numerator for p in parts), Decimal("0")) / denominator
    raise ValueError(f"unknown aggregation '{aggregation}'")


class WindowAggregates:
    """`aggregate` over any window of one series, each in constant time.

    The scorecard needs, for every month of a long series, the quarter to date,
    the year to date, last year's same months and the six periods before it. Running
    totals give each window without re-reading it; the result equals
    `aggregate(points[start:stop], aggregation, unit=unit)` exactly (Decimal sums are
    exact at stored precision), which the tests check property by property.
    Only the running totals the aggregation needs are kept, built by `accumulate`.
    """

    def __init__(self, points_oldest_first: Sequence[Point], aggregation: str, *, unit: str = ""):
        if aggregation not in (SUM, RATIO, LATEST, MEAN):
            raise ValueError(f"unknown aggregation '{aggregation}'")
        self.aggregation = aggregation
        self.scale = unit_scale(unit)
        self.length = len(points_oldest_first)
        self._points = points_oldest_first
        zero = Decimal("0")
        # Prefix totals: index i holds the total of points[:i].
        if aggregation in (SUM, MEAN):
            values = [p[0] for p in points_oldest_first]
            self._values = list(accumulate([zero if v is None else v for v in values], initial=zero))
            self._counts = list(accumulate([v is not None for v in values], initial=0))
        elif aggregation == RATIO:
            parts = [p[1] is not None and p[2] is not None for p in points_oldest_first]
            self._numerators = list(
                accumulate(
                    [p[1] if has else zero for p, has in zip(points_oldest_first, parts, strict=True)], initial=zero
                )
            )
            self._denominators = list(
                accumulate(
                    [p[2] if has else zero for p, has in zip(points_oldest_first, parts, strict=True)], initial=zero
                )
            )
            self._parts = list(accumulate(parts, initial=0))
        else:
            # Index of the last point with a value at or before i, -1 for none.
            present = [i if p[0] is not None else -1 for i, p in enumerate(points_oldest_first)]
            self._last_present = list(accumulate(present, max))

    def window(self, start: int, stop: int) -> Decimal | None:
        """The aggregate of points[start:stop]; indices outside the series are left out."""
        if start < 0:
            start = 0
        if stop > self.length:
            stop = self.length
        if stop <= start:
            return None
        if self.aggregation == LATEST:
            index = self._last_present[stop - 1]
            return self._points[index].value if index >= start else None
        if self.aggregation == RATIO:
            if self._parts[stop] == self._parts[start]:
                return None
            denominator = self._denominators[stop] - self._denominators[start]
            if denominator == 0:
                return None
            return self.scale * (self._numerators[stop] - self._numerators[start]) / denominator
        count = self._counts[stop] - self._counts[start]
        if count == 0:
            return None
        total = self._values[stop] - self._values[start]
        return total if self.aggregation == SUM else total / count

    def windows(self, starts: Iterable[int], stops: Iterable[int]) -> list[Decimal | None]:
        """`window(start, stop)` for each pair, the same values, in one pass over the pairs."""
        length = self.length
        bounds = [(0 if a < 0 else a, length if b > length else b) for a, b in zip(starts, stops, strict=True)]
        if self.aggregation == LATEST:
            last, points = self._last_present, self._points
            return [points[last[b - 1]][0] if b > a and last[b - 1] >= a else None for a, b in bounds]
        if self.aggregation == RATIO:
            parts, numerators, denominators, scale = self._parts, self._numerators, self._denominators, self.scale
            return [
                scale * (numerators[b] - numerators[a]) / d
                if b > a and parts[b] != parts[a] and (d := denominators[b] - denominators[a]) != 0
                else None
                for a, b in bounds
            ]
        values, counts = self._values, self._counts
        if self.aggregation == SUM:
            return [values[b] - values[a] if b > a and counts[b] != counts[a] else None for a, b in bounds]
        return [
            (values[b] - values[a]) / (counts[b] - counts[a]) if b > a and counts[b] != counts[a] else None
            for a, b in bounds
        ]


def unit_scale(unit: str) -> Decimal:
    """How a ratio is expressed: ×100 for percentages, ×10,000 for rates per 10,000, ×1 otherwise."""
    return units.SCALES.get(unit, Decimal("1"))


# --- Values from numerators, denominators and teams (§3) -------------------------------


def derive_value(
    *, unit: str, value: Decimal | None, numerator: Decimal | None, denominator: Decimal | None
) -> Decimal | None:
    """The value of a figure: derived from numerator and denominator when both are given.

    percent = 100·n/d; rate_per_10k = 10,000·count/population (the caller passes the
    population as the denominator when none was entered); other units n/d. Without both
    parts the entered value stands. A zero denominator gives no value (validation refuses it).
    """
    if numerator is None or denominator is None:
        return value
    if denominator == 0:
        return None
    return (unit_scale(unit) * numerator / denominator).quantize(STORED_PLACES)


def with_derived_value(unit: str, point: Point) -> Point:
    """The point with its value derived from its parts when both are given and the denominator is positive.

    Otherwise the point as it is (validation refuses a denominator of 0 or less).
    """
    if point.numerator is None or point.denominator is None or point.denominator <= 0:
        return point
    value = derive_value(unit=unit, value=point.value, numerator=point.numerator, denominator=point.denominator)
    return Point(value, point.numerator, point.denominator)


def whole_from_teams(unit: str, aggregation: str, parts: Iterable[Point]) -> Point:
    """The whole-authority figure derived from team rows.

    Counts (and other non-ratio figures) add up; percentages and rates are
    Σnumerator/Σdenominator. Returns a Point with no value when the teams cannot
    make one (for example a percentage with a team missing its denominator).
    """
    parts = list(parts)
    if not parts:
        return Point(None)
    if unit in units.SCALED or aggregation == RATIO:
        if any(p.numerator is None or p.denominator is None for p in parts):
            return Point(None)
        numerator = sum((p.numerator for p in parts), Decimal("0"))
        denominator = sum((p.denominator for p in parts), Decimal("0"))
        value = derive_value(unit=unit, value=None, numerator=numerator, denominator=denominator)
        return Point(value, numerator, denominator)
    if any(p.value is None for p in parts):
        return Point(None)
    numerator = None
    denominator = None
    if all(p.numerator is not None for p in parts):
        numerator = sum((p.numerator for p in parts), Decimal("0"))
    if all(p.denominator is not None for p in parts):
        denominator = sum((p.denominator for p in parts), Decimal("0"))
    return Point(sum((p.value for p in parts), Decimal("0")), numerator, denominator)


def parts_disagree(whole: Decimal | None, derived: Decimal | None, *, places: int = 1) -> bool:
    """Whether an entered whole and the whole derived from teams differ once rounded for display."""
    if whole is None or derived is None:
        return False
    quantum = Decimal(1).scaleb(-places)
    return whole.quantize(quantum) != derived.quantize(quantum)


# --- Outliers (a warning the submitter confirms, §3) -------------------------------------


def is_outlier(value: Decimal | None, history: Sequence[Decimal], *, sigmas: int = 3, minimum: int = 3) -> bool:
    """More than `sigmas` standard deviations from the mean of the last approved values.

    Uses the population standard deviation of up to the last 12 values; with fewer
    than `minimum` values, or none varying, nothing is an outlier.
    """
    recent = [h for h in history if h is not None][-12:]
    if value is None or len(recent) < minimum:
        return False
    mean = sum(recent, Decimal("0")) / len(recent)
    variance = sum(((h - mean) ** 2 for h in recent), Decimal("0")) / len(recent)
    if variance == 0:
        return False
    return abs(value - mean) > sigmas * variance.sqrt()


# --- Comparators (§4, §5) -----------------------------------------------------------------


def comparator_rating(
    value: Decimal | None, comparator: Decimal | None, polarity: str, band: Decimal = DEFAULT_COMPARATOR_BAND
) -> str | None:
    """Better than the comparator, as good as (within ±band), or worse — by polarity.

    None when either figure is missing or the polarity is neutral.
    """
    if value is None or comparator is None or polarity not in (HIGHER, LOWER):
        return None
    difference = value - comparator
    if abs(difference) <= band:
        return SIMILAR
    better = difference > 0 if polarity == HIGHER else difference < 0
    return BETTER if better else WORSE


COMPARATOR_RATING_RAG = {BETTER: GREEN, SIMILAR: AMBER, WORSE: RED}
