"""Headings of the wide scorecard layout: what each heading means (code, title, a month, a target year…).

Header rows are found by what they say ("Indicator Number", "Performance
Measure", "Polarity", "RO", "Target", months…). Pure.
"""

import re
from dataclasses import dataclass
from datetime import date

from indicators import periods
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
    ),
    DEFINITION: ("definition", "definitions", "description", "how it is measured"),
    POLARITY: ("polarity", "direction of travel", "direction", "good is", "better is"),
    RO: ("ro", "responsible officer", "officer", "lead", "lead officer", "owner", "responsible"),
    RAG: ("rag", "rag rating", "rating", "rag status"),
    TOLERANCE: ("tolerance", "tol", "tolerance band"),
    THRESHOLD: ("tolerance threshold", "threshold"),
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


def is_header(row: Row) -> bool:
    if not any(normalise_header(text) in _KEY_HEADINGS for text in row.cells):
        return False
    labels = [classify(text) for text in row.cells]
    kinds = [label.kind for label in labels if label]
    return (CODE in kinds or TITLE in kinds) and len(kinds) >= 2


def looks_wide(table: Table) -> bool:
    """Whether the table has a header row of the wide layout (one with month or catalogue columns)."""
    return any(is_header(row) for row in table.rows[:200])
