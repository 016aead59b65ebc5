"""Headings of the wide scorecard layout: what each heading means (code, title, a month, a target year…).

Header rows are found by what they say ("Indicator Number", "Performance
Measure", "Polarity", "RO", "Target", months…). Pure.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from indicators import periods
from indicators.catalogue import cells
from kpiportal.sheets.columns import normalise_header
from kpiportal.sheets.table import Row, Table

CODE = "code"
TITLE = "title"
DEFINITION = "definition"
POLARITY = "polarity"
RO = "ro"
RAG = "rag"
TARGET = "target"
TOLERANCE = "tolerance"
YTD = "ytd"
MONTH = "month"
YEAR = "year"  # a financial year heading above months
EXTRA = "extra"
# Columns a council prints that the portal works out itself; read to check the reading (not imported).
CHANGE = "change"  # Change since last month
DISTANCE = "distance"  # Distance from target
THRESHOLD = "threshold"  # Tolerance threshold (the value where amber turns red)
DOT = "dot"  # D.o.T. / direction of travel arrow or word
GROUP = "group"  # performance group / band
QUARTER = "quarter"  # a full quarter (`Full quarter`, `Q3`): a quarterly figure
ANNUAL = "annual"  # an annual return (`Annual return`, a year): an annual figure
IGNORED = "ignored"  # a column the performance team said to ignore (a mapping)
THEME = "theme"  # a theme (section) column: headed `Theme`, or an unheaded leading column of theme names
PRINTED_KINDS = (CHANGE, DISTANCE, THRESHOLD, DOT, GROUP)
WORD_FIELDS = ("theme", "service_area", "unit", "status", "is_key", "frequency", "measure")

_HEADERS = {
    CODE: (
        "indicator number",
        "indicator code",
        "indicator no",
        "indicator ref",
        "code",
        "ref",
        "reference",
        "kpi",
        "kpi ref",
        "kpi no",
        "pi ref",
        "pi",
        "id",
    ),
    TITLE: (
        "indicator title",
        "indicator name",
        "title",
        "performance measure",
        "measure name",
        "indicator",
        "name",
        "performance indicator",
        "kpi title",
        "description of measure",
        "measure",
        "measures",
        "performance measures",
        "performance indicators",
        "indicator description",
    ),
    DEFINITION: ("definition", "definitions", "description", "how it is measured"),
    POLARITY: ("polarity", "direction of travel", "direction", "good is", "better is"),
    RO: ("ro", "responsible officer", "officer", "lead", "lead officer", "owner", "responsible"),
    RAG: ("rag", "rag rating", "rating", "rag status"),
    TOLERANCE: ("tolerance", "tol", "tolerance band"),
    CHANGE: (
        "change since last month",
        "change since last period",
        "change from last month",
        "change",
        "monthly change",
    ),
    DISTANCE: ("distance from target", "distance to target", "variance from target", "difference from target"),
    THRESHOLD: ("tolerance threshold", "threshold", "amber threshold"),
    DOT: ("d.o.t.", "dot", "d.o.t", "trend", "direction of travel arrow"),
    GROUP: ("performance group", "group", "performance band", "band"),
    "theme": ("theme", "section"),
    "service_area": ("service area", "service"),
    "unit": ("unit", "units"),
    "status": ("status",),
    "is_key": ("key kpi", "killer kpi", "key"),
    "frequency": ("frequency",),
    "measure": ("measure type",),
}
_KIND_OF = {normalise_header(text): kind for kind, texts in _HEADERS.items() for text in texts}
_FY = r"(\d{4})\s*[-/–]\s*(\d{2}|\d{4})"
_TARGET = re.compile(rf"^(?:{_FY}\s*)?targets?(?:\s*(?:for\s*)?{_FY})?$", re.IGNORECASE)
_YEAR_HEADING = re.compile(rf"^(?:fy\s*)?{_FY}$", re.IGNORECASE)
_ANY_FY = re.compile(_FY)


@dataclass(frozen=True)
class Label:
    """What a column holds, from its heading(s)."""

    kind: str
    text: str
    group: str = ""
    period: date | None = None
    year: int | None = None


def classify(text: str, *, group: str = "") -> Label | None:
    """What a heading means, or None when the portal does not know it."""
    text = text.strip()
    if not text:
        return None
    kind = _KIND_OF.get(normalise_header(text))
    if kind:
        return Label(kind, text, group)
    match = _TARGET.match(text)
    if match:
        year = match.group(1) or match.group(3)
        return Label(TARGET, text, group, year=_year(text) if year else None)
    if "ytd" in text.casefold() or "year to date" in text.casefold():
        return Label(YTD, text, group, year=_year(text))
    period_column = _period_column(text, group)
    if period_column is not None:
        return period_column
    if _YEAR_HEADING.match(text) and "/" in text:
        return Label(YEAR, text, group, year=periods.parse_financial_year(text.removeprefix("FY").strip()))
    try:
        return Label(MONTH, text, group, period=periods.parse_period(text))
    except periods.PeriodError:
        pass
    month = _bare_month(text, group)
    if month:
        return Label(MONTH, text, group, period=month)
    return None


_QUARTER_WORDS = re.compile(r"\b(?:full\s+quarter|quarter|quarterly|qtr)\b", re.IGNORECASE)
_ANNUAL_WORDS = re.compile(r"\b(?:annual|annually|full\s+year|whole\s+year)\b", re.IGNORECASE)
_QUARTER_ONLY = re.compile(rf"^(?:Q([1-4])(?:\s*{_FY})?|{_FY}\s*Q([1-4]))$", re.IGNORECASE)
_QUARTER_NUMBER = re.compile(r"\bQ([1-4])\b", re.IGNORECASE)


def _period_column(text: str, group: str) -> Label | None:
    """A quarter's figure (`Full quarter`, `Q3`, `Q3 2020/21`) or a year's (`Annual return`, `2019/20` under it).

    The period is the first month of the quarter or financial year; None when the heading does not say
    which (`Full quarter`): `resolve_period` works it out from the file's latest month.
    """
    # A group counts when it is itself a short period heading ("Full quarter" over "Slough 2020/21 Q3"),
    # not a comparators' group that mentions quarters ("Benchmarking (annual or quarterly…)").
    original_group = group
    group = group if len(group.split()) <= 3 else ""
    if _QUARTER_WORDS.search(f"{group} {text}") or _QUARTER_ONLY.match(text):
        if _looks_like_month(text):
            return None
        year = _year(text) or (_year(group) if not _QUARTER_ONLY.match(text) else None)
        number = _QUARTER_NUMBER.search(text)
        period = periods.quarter_months(year, int(number.group(1)))[0] if year and number else None
        return Label(QUARTER, text, original_group, period=period, year=year)
    if _ANNUAL_WORDS.search(f"{group} {text}") and not _looks_like_month(text):
        year = _year(text) or _year(group)
        start = periods.financial_year_start(year) if year else None
        return Label(ANNUAL, text, original_group, period=start, year=year)
    return None


def _looks_like_month(text: str) -> bool:
    try:
        periods.parse_period(text)
        return True
    except periods.PeriodError:
        return False


def resolve_period(label: Label, latest_month: date | None) -> Label:
    """A quarter or annual column whose heading names no year, placed by the file's latest month.

    `Q3` is the third quarter of the latest month's financial year; `Full quarter` the last quarter that
    has ended by the latest month; `Annual return` the last financial year that has ended by it.
    """
    if label.period is not None or latest_month is None or label.kind not in (QUARTER, ANNUAL):
        return label
    year = periods.financial_year_of(latest_month)
    if label.kind == QUARTER:
        number = _QUARTER_NUMBER.search(label.text)
        if number:
            first = periods.quarter_months(year, int(number.group(1)))[0]
        else:
            into = periods.months_into_quarter(latest_month)
            ended = latest_month if into == 2 else periods.add_months(latest_month, -into - 1)
            first = periods.add_months(ended, -periods.months_into_quarter(ended))
        return Label(QUARTER, label.text, label.group, period=first, year=periods.financial_year_of(first))
    if latest_month.month != 3:
        year -= 1
    return Label(ANNUAL, label.text, label.group, period=periods.financial_year_start(year), year=year)


def _year(text: str) -> int | None:
    match = _ANY_FY.search(text)
    if not match:
        return None
    try:
        return periods.parse_financial_year(match.group(0))
    except periods.PeriodError:
        return None


def _bare_month(text: str, group: str) -> date | None:
    """`Apr` under `2019/20` is April 2019; `Jan` under it is January 2020."""
    year = _year(group) if group else None
    if year is None or not re.fullmatch(r"[A-Za-z]{3,9}\.?", text.strip()):
        return None
    try:
        month = periods.parse_period(f"{text.strip().rstrip('.')}-2000").month
    except periods.PeriodError:
        return None
    first = periods.financial_year_start(year)
    return periods.add_months(first, (month - first.month) % 12)


_KEY_HEADINGS = {normalise_header(t) for kind in (CODE, TITLE) for t in _HEADERS[kind]}
_DEFINITION_HEADINGS = {normalise_header(t) for t in _HEADERS[DEFINITION]}
_PLAIN_NUMBER = re.compile(r"^-?[0-9][0-9,]*(?:\.[0-9]+)?%?$")


def is_header(row: Row) -> bool:
    keys = {normalise_header(text) for text in row.cells if text}
    if not keys & _KEY_HEADINGS:
        if not keys & _DEFINITION_HEADINGS:
            return False
        # "Description" over the indicators' titles, beside month columns.
        kinds = [label.kind for text in row.cells if (label := classify(text))]
        return kinds.count(MONTH) >= 2
    kinds = [label.kind for text in row.cells if (label := classify(text))]
    return (CODE in kinds or TITLE in kinds) and len(kinds) >= 2


def is_long_text(text: str) -> bool:
    """Text that reads as an indicator's title: words, not a number, a code or a polarity word."""
    text = text.strip()
    if len(text) < 12 or len(text.split()) < 3:
        return False
    try:
        cells.parse_figure(text)
        return False
    except cells.CellError:
        return True


def unheaded_title_column(row: Row, below: Sequence[Row]) -> int | None:
    """The blank heading beside month headings over a column of long text (the titles), if there is one."""
    if any(_PLAIN_NUMBER.match(text) for text in row.cells):
        return None  # figures: an indicator row, not headings
    months = [c for c, text in enumerate(row.cells) if (label := classify(text)) and label.kind == MONTH]
    if len(months) < 2:
        return None
    for c in range(months[0]):
        if row[c]:
            continue
        texts = [r[c] for r in below if r[c]]
        if texts and sum(1 for t in texts if is_long_text(t)) >= max(1, len(texts) // 2):
            return c
    return None


def header_indexes(rows: Sequence[Row]) -> list[int]:
    """The positions of the header rows: by what they say, or month headings over an unheaded title column."""
    found: list[int] = []
    for i, row in enumerate(rows):
        if is_header(row):
            found.append(i)
        elif found and found[-1] == i - 1:
            continue  # the row under a header is its second header row or its first indicator, not a header
        elif unheaded_title_column(row, rows[i + 1 : i + 6]) is not None:
            found.append(i)
    return found


def looks_wide(table: Table) -> bool:
    """Whether the table has a header row of the wide layout (one with month or catalogue columns)."""
    return bool(header_indexes(table.rows[:200]))
