"""What a scorecard says about an indicator the catalogue does not have yet (PRODUCT §8). Pure.

When the performance team asks an import to create the indicators it does not
know, each one needs a code, a tolerance, a polarity and an allowed range that
the file itself gives or implies:

- a code: the file's own, else one made from the section and the row's place
  in it (`Front Door`, third measure → `FD 3`), the same on every run of the
  same file and unique against the catalogue and the file;
- a tolerance from a printed tolerance threshold: a whole percentage of the
  target is a relative tolerance (target 80, threshold 72 → 10%), anything
  else the points between them (absolute);
- a polarity from which side of the target the threshold lies, or from a
  legend above the header ("↑ Higher is better");
- a range wide enough for the file's figures (a percentage above 100).
"""

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from indicators import scoring, units
from indicators.catalogue import cells

NO_SECTION_INITIALS = "KPI"
_SMALL_WORDS = frozenset({"a", "an", "and", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with"})
_ARROWS = "↑↓"


def section_initials(section: str) -> str:
    """`Front Door` → `FD`, `Response to Risk` → `RR`; `KPI` when there is no section."""
    words = [w for w in re.findall(r"[^\W_]+", section) if w.casefold() not in _SMALL_WORDS]
    return "".join(w[0] for w in words).upper()[:6] or NO_SECTION_INITIALS


def generated_codes(rows: Sequence[tuple[str, str]], taken: Iterable[str]) -> list[str]:
    """A code for each row `(section, code)` of a file: its own, else the section's initials and its place.

    The place counts every indicator row of the section in the file, in order,
    so a row keeps its code whatever the catalogue holds. A code already taken
    (by the catalogue or another row of the file) gets a letter: `FD 3a`.
    """
    used = {cells.code_key(code) for code in taken}
    used |= {cells.code_key(code) for _, code in rows if code}
    places: dict[str, int] = {}
    codes = []
    for section, code in rows:
        key = section.strip().casefold()
        places[key] = places.get(key, 0) + 1
        if code:
            codes.append(code)
            continue
        base = f"{section_initials(section)} {places[key]}"
        candidate, letter = base, 0
        while cells.code_key(candidate) in used:
            candidate = f"{base}{_letters(letter)}"
            letter += 1
        used.add(cells.code_key(candidate))
        codes.append(candidate)
    return codes


def _letters(n: int) -> str:
    """a, b, …, z, aa, ab, …"""
    text = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        text = chr(ord("a") + rest) + text
    return text


def tolerance_from_threshold(target: Decimal, threshold: Decimal) -> tuple[Decimal, str] | None:
    """(tolerance, kind) from a printed tolerance threshold; None when the threshold is the target.

    Relative when the distance is exactly a whole percentage of a positive
    target (80 and 72: 10%), else absolute (80 and 75: 5 points). A threshold
    printed rounded (77 and 73.2 for 5%) is read as absolute points; it
    differs from the exact one by the file's rounding only.
    """
    distance = abs(target - threshold)
    if distance == 0:
        return None
    if target > 0:
        percent = distance * 100 / target
        if percent == percent.to_integral_value():
            return percent.quantize(Decimal(1)), scoring.RELATIVE
    return distance, scoring.ABSOLUTE


def polarity_from_threshold(target: Decimal, threshold: Decimal) -> str | None:
    """A threshold below the target means higher is better; above it, lower is better."""
    if threshold < target:
        return scoring.HIGHER
    if threshold > target:
        return scoring.LOWER
    return None


def legend_polarities(lines: Iterable[str]) -> dict[str, str]:
    """What the arrows of a legend mean: `↑ Higher is better` → {'↑': 'higher'}.

    Each arrow is read with the words after it (or, alone on its line, the
    words before it); words that are not a polarity are not a legend.
    """
    legend: dict[str, str] = {}
    for line in lines:
        pieces = re.findall(rf"([{_ARROWS}])([^{_ARROWS}]*)", line)
        for arrow, after in pieces:
            words = after if after.strip(" =:-–,;.") or len(pieces) > 1 else line.split(arrow, 1)[0]
            try:
                polarity = cells.parse_polarity(words.strip(" =:-–,;."))
            except cells.CellError:
                continue
            if polarity in (scoring.HIGHER, scoring.LOWER):
                legend.setdefault(arrow, polarity)
    return legend


def polarity_from_legend(legend: dict[str, str], texts: Iterable[str]) -> str | None:
    """The polarity the legend gives a row: by the arrow the row shows, or the legend's only meaning.

    A row showing both arrows, or an arrow the legend does not explain, is not answered.
    """
    shown = {arrow for text in texts for arrow in _ARROWS if arrow in text}
    if len(shown) == 1:
        return legend.get(shown.pop())
    if not shown and len(legend) == 1:
        return next(iter(legend.values()))
    return None


def range_for_figures(unit: str, values: Iterable[Decimal]) -> tuple[bool, bool]:
    """(no lower limit, no upper limit) an indicator needs to take these figures.

    A percentage above 100 (utilisation, occupancy) takes away the upper
    limit; a figure below 0 the lower one. Other units keep their ranges.
    """
    values = [v for v in values if v is not None]
    if not values:
        return False, False
    known = units.BY_NAME.get(unit)
    no_max = units.is_percentage(unit) and known is not None and max(values) > known.at_most
    return min(values) < 0, no_max
