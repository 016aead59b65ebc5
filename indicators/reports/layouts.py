"""The scorecard layouts: which columns the board scorecard, the thematic dashboard and the exception report
show, and how each cell reads — one definition for the page, its CSV/XLSX export and the board pack.

A layout is a list of `Column`s; a column turns a `ScorecardRow` into a `Cell`
holding the raw value (exports, sorting) and what is needed to show it (unit,
decimals, RAG group, movement). Cells render themselves as HTML (pages), text
(CSV) and a styled spreadsheet cell (board pack, `indicators.reports.boardpack`).
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.urls import NoReverseMatch, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString

from benchmarks import comparison
from indicators import formatting, periods, scoring
from indicators.models import PERSISTENT_RED
from indicators.reports.rows import Scorecard, ScorecardRow

TEXT = "text"
FIGURE = "figure"
CHANGE = "change"
RAG = "rag"
MOVEMENT = "movement"
FLAG = "flag"
RATING = "rating"  # the comparator rating: better / as good as / worse, coloured as green / amber / red
STANDING = "standing"  # rank and quartile among named councils

RATING_ORDER = {scoring.WORSE: 0, scoring.SIMILAR: 1, scoring.BETTER: 2}

# Worst first when sorted ascending.
RAG_ORDER = {PERSISTENT_RED: 0, scoring.RED: 1, scoring.AMBER: 2, scoring.GREEN: 3, scoring.GREY: 4}


@dataclass(frozen=True, slots=True)
class Cell:
    value: object = None  # Decimal, str, bool or None: what exports carry and sorting uses
    kind: str = TEXT
    unit: str = ""
    decimals: int = 0
    group: str = ""  # RAG cells: green, amber, red, persistent_red, grey
    direction: str = ""  # movement cells
    improving: bool | None = None
    polarity: str = ""
    href: str = ""
    not_available: bool = False
    period_label: str = ""  # a figure of another period than the column's, e.g. a comparator of 2018/19

    @property
    def text(self) -> str:
        """As shown on a page or printed: formatted number, RAG word, arrow and words."""
        if self.kind == FIGURE:
            text = "NA" if self.not_available else formatting.format_figure(self.value, self.unit, self.decimals)
            return f"{text} ({self.period_label})" if text and self.period_label else text
        if self.kind == RATING:
            return formatting.COMPARATOR_RATING_WORDS.get(self.value, "")
        if self.kind == STANDING:
            return f"{self.value.label}, quartile {self.value.quartile}" if self.value is not None else ""
        if self.kind == CHANGE:
            return formatting.format_change(self.value, self.unit, self.decimals)
        if self.kind == RAG:
            return formatting.RAG_WORDS.get(self.group, "") if self.group else ""
        if self.kind == MOVEMENT:
            return formatting.movement_text(self.direction, self.polarity)
        if self.kind == FLAG:
            return "Key KPI" if self.value else ""
        return "" if self.value is None else str(self.value)

    @property
    def export_value(self):
        """For CSV and plain XLSX: numbers unrounded as numbers, everything else as its words."""
        if self.kind in (FIGURE, CHANGE):
            if self.period_label and self.value is not None:
                return self.text  # the period travels with the number
            return "NA" if self.not_available else self.value
        return self.text

    def html(self) -> SafeString:
        if self.kind == RATING:
            if not self.group:
                return SafeString("")
            return SafeString(f'<strong class="kpi-rag kpi-rag--{self.group}">{escape(self.text)}</strong>')
        if self.kind == RAG:
            if not self.group:
                return SafeString("")
            return SafeString(
                f'<strong class="kpi-rag kpi-rag--{self.group.replace("_", "-")}">'
                f"{formatting.RAG_WORDS[self.group]}</strong>"
            )
        if self.kind == MOVEMENT:
            if not self.direction:
                return SafeString("")
            words = escape(scoring.movement_words(self.direction, self.polarity))
            arrow = scoring.ARROWS.get(self.direction, "")
            css = formatting.movement_class(self.improving, self.direction)
            return SafeString(f'<span class="{css}"><span aria-hidden="true">{arrow}</span> {words}</span>')
        text = escape(self.text)
        if self.href:
            return SafeString(f'<a class="govuk-link" href="{escape(self.href)}">{text}</a>')
        return SafeString(text)

    def sort_key(self):
        """Comparable whatever the row: (no value last) numbers, RAG severity, text."""
        if self.kind == RAG:
            return RAG_ORDER.get(self.group, 5)
        if self.kind == RATING:
            return RATING_ORDER.get(self.value, 3)
        if self.kind == STANDING:
            return (1, 0) if self.value is None else (0, self.value.rank / self.value.of)
        if self.kind in (FIGURE, CHANGE):
            return (1, Decimal(0)) if self.value is None else (0, self.value)
        if self.kind == MOVEMENT:
            return {True: 0, None: 1, False: 2}[self.improving] if self.direction else 3
        return str(self.text).lower()


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    cell: Callable[[ScorecardRow], Cell]
    numeric: bool = False
    width: int = 10  # board pack column width, in characters

    @property
    def is_month(self) -> bool:
        return self.key.startswith("m_")


# --- Cells from rows ---------------------------------------------------------------------------------


def _indicator_url_pattern() -> str | None:
    try:
        return reverse("indicators:detail", args=[0]).replace("/0/", "/{}/")
    except NoReverseMatch:
        return None


def _code(row: ScorecardRow, url: str | None) -> Cell:
    return Cell(row.indicator.code, href=url.format(row.indicator.pk) if url else "")


def _figure(row: ScorecardRow, value, *, not_available: bool = False) -> Cell:
    ind = row.indicator
    return Cell(value, FIGURE, ind.unit, ind.decimals, not_available=not_available)


def _entry_figure(name: str) -> Callable[[ScorecardRow], Cell]:
    def cell(row: ScorecardRow) -> Cell:
        entry = row.entry
        if entry is None:
            return _figure(row, None)
        return _figure(row, getattr(entry, name), not_available=name == "value" and entry.not_available)

    return cell


def _threshold(row: ScorecardRow) -> Cell:
    """The tolerance threshold, with the places it needs (`formatting.threshold_places`) on pages and in the pack."""
    ind = row.indicator
    threshold = row.entry.tolerance_threshold if row.entry else None
    return Cell(threshold, FIGURE, ind.unit, formatting.threshold_places(threshold, ind.decimals))


def _month_key(month: date) -> str:
    return f"m_{month.year}_{month.month:02d}"


def _month(month: date) -> Callable[[ScorecardRow], Cell]:
    def cell(row: ScorecardRow) -> Cell:
        entry = row.history.get(month)
        if entry is None:
            return _figure(row, None)
        return _figure(row, entry.value, not_available=entry.not_available)

    return cell


def _rag(row: ScorecardRow) -> Cell:
    if row.entry is None:  # no approved figure for the period: nothing to judge
        return Cell("", RAG)
    return Cell(row.performance_group, RAG, group=row.performance_group)


def _movement(row: ScorecardRow) -> Cell:
    entry = row.entry
    if entry is None:
        return Cell(None, MOVEMENT)
    return Cell(
        entry.direction or None,
        MOVEMENT,
        direction=entry.direction,
        improving=entry.improving,
        polarity=row.polarity,
    )


def _change(row: ScorecardRow) -> Cell:
    ind = row.indicator
    return Cell(row.entry.change if row.entry else None, CHANGE, ind.unit, ind.decimals)


def _distance(row: ScorecardRow) -> Cell:
    ind = row.indicator
    return Cell(row.entry.distance_from_target if row.entry else None, CHANGE, ind.unit, ind.decimals)


def _officer(row: ScorecardRow) -> Cell:
    officer = row.indicator.responsible_officer
    if officer is None:
        return Cell("")
    return Cell(officer.initials or officer.get_full_name() or officer.username)


def _comparator(row: ScorecardRow) -> Cell:
    """The rating comparator's latest value (a column beside it names the source and year)."""
    return _figure(row, row.entry.comparator_value if row.entry else None)


def _comparator_with_period(row: ScorecardRow) -> Cell:
    """The rating comparator's latest value, with the year or quarter it is for."""
    entry = row.entry
    if entry is None:
        return _figure(row, None)
    ind = row.indicator
    return Cell(entry.comparator_value, FIGURE, ind.unit, ind.decimals, period_label=entry.comparator_period)


def _comparator_label(row: ScorecardRow) -> Cell:
    entry = row.entry
    if entry is None or entry.comparator_source_id is None:
        return Cell("")
    return Cell(f"{entry.comparator_source.label} {entry.comparator_period}".strip())


def _comparator_rating(row: ScorecardRow) -> Cell:
    """Better than / as good as / worse than the rating comparator: a word and its colour."""
    rating = (row.entry.comparator_rating if row.entry else "") or None
    return Cell(rating, RATING, group=comparison.rating_rag(rating) if rating else "")


def _standing(row: ScorecardRow) -> Cell:
    return Cell(row.standing, STANDING)


def _comparator_figure(source_id: int, column_period: str) -> Callable[[ScorecardRow], Cell]:
    """One comparator's latest value; its year or quarter shown when it is not the column's."""

    def cell(row: ScorecardRow) -> Cell:
        ind = row.indicator
        for figure in row.comparators:
            if figure.source.pk == source_id:
                label = figure.period_label if figure.period_label != column_period else ""
                return Cell(figure.value, FIGURE, ind.unit, ind.decimals, period_label=label)
        return Cell(None, FIGURE, ind.unit, ind.decimals)

    return cell


def _comparator_columns(scorecard: Scorecard) -> list[Column]:
    """A column per comparator source with values in the rows, in the sources' order.

    Its heading names the source and the year most of its values are for
    (`SN 2019/20`, as board papers head them); a value for another year says which.
    """
    sources, labels = {}, {}
    for row in scorecard.rows:
        for figure in row.comparators:
            sources[figure.source.pk] = figure.source
            labels.setdefault(figure.source.pk, Counter())[figure.period_label] += 1
    columns = []
    for source in sorted(sources.values(), key=lambda s: (s.position, s.name)):
        common = labels[source.pk].most_common(1)[0][0]
        header = f"{source.label} {common}"
        columns.append(Column(f"comparator_{source.pk}", header, _comparator_figure(source.pk, common), True, 9))
    return columns


def _tolerance(row: ScorecardRow) -> Cell:
    """The tolerance in force: points or cases in the indicator's unit, or a percentage of the target."""
    target = row.target
    if target is None or target.tolerance is None:
        return Cell("")
    ind = row.indicator
    if target.tolerance_kind == scoring.RELATIVE:
        return Cell(f"{formatting.format_number(target.tolerance, 1)}% of target")
    return Cell(formatting.format_change(target.tolerance, ind.unit, ind.decimals).lstrip("+"))


def _annual(row: ScorecardRow) -> Cell:
    ind = row.indicator
    annual = row.annual
    if annual is None:
        return Cell(None, FIGURE, ind.unit, ind.decimals)
    partial = "" if annual.complete else f"{annual.months} of 12 months"
    return Cell(annual.value, FIGURE, ind.unit, ind.decimals, period_label=partial)


def _full_quarter(row: ScorecardRow) -> Cell:
    return _figure(row, row.full_quarter)


def _quarter_columns(period: date) -> list[Column]:
    """The full quarter that ended last ("Q3 2020/21 (full quarter)", as the seed's `Full quarter` column);
    while the period's own quarter is running, its quarter to date first."""
    complete = periods.last_complete_quarter(period)
    year, quarter = periods.quarter_of(complete.first)
    full = Column(
        "quarter",
        f"Q{quarter} {periods.financial_year_label(year)} (full quarter)",
        _full_quarter,
        True,
        11,
    )
    if complete.last == period:
        return [full]
    year, quarter = periods.quarter_of(period)
    to_date = Column(
        "quarter_to_date",
        f"Quarter {periods.quarter_label(year, quarter)} to date",
        _entry_figure("quarter_value"),
        True,
        11,
    )
    return [to_date, full]


def _polarity(row: ScorecardRow) -> Cell:
    return Cell(formatting.POLARITY_SHORT.get(row.polarity, ""))


# --- Layouts -------------------------------------------------------------------------------------------


def board_columns(scorecard: Scorecard) -> list[Column]:
    """Seed `scorecard-2019-2021-monthly.txt`: the months of last year and this, RO, target, RAG, last year's
    outturn (the paper's "2019-20 YTD or latest": the whole year) and YTD to the same month, this year's YTD,
    comparator."""
    url = _indicator_url_pattern()
    period = scorecard.period
    year = periods.financial_year_of(period)
    this_year = periods.financial_year_label(year)
    last_year = periods.financial_year_label(year - 1)
    to_month = periods.MONTH_ABBR[period.month - 1]
    columns = [
        Column("code", "Code", lambda r: _code(r, url), width=9),
        Column("title", "Indicator", lambda r: Cell(r.indicator.title), width=48),
        Column("polarity", "Polarity", _polarity, width=8),
    ]
    for month in scorecard.months:
        columns.append(Column(_month_key(month), periods.month_label(month), _month(month), True, 8))
    columns += [
        Column("ro", "RO", _officer, width=6),
        Column("target", f"{this_year} target", _entry_figure("target"), True),
        Column("rag", "RAG", _rag, width=14),
        Column("outturn", f"{last_year} outturn", _entry_figure("previous_year_outturn"), True),
        Column("previous_ytd", f"{last_year} YTD to {to_month}", _entry_figure("previous_ytd_value"), True),
        Column("ytd", f"{this_year} YTD", _entry_figure("ytd_value"), True),
        Column("comparator", "Comparator", _comparator, True),
        Column("comparator_label", "Comparator source", _comparator_label, width=16),
        Column("comparator_rating", "Against comparator", _comparator_rating, width=12),
    ]
    return columns


def dashboard_columns(scorecard: Scorecard) -> list[Column]:
    """The thematic dashboard (one table per theme): key KPI, performance group, direction, 13 months, targets."""
    url = _indicator_url_pattern()
    columns = [
        Column("key", "Key KPI", lambda r: Cell(r.indicator.is_key, FLAG), width=8),
        Column("code", "Code", lambda r: _code(r, url), width=9),
        Column("title", "Indicator", lambda r: Cell(r.indicator.title), width=44),
        Column("value", periods.month_label(scorecard.period), _entry_figure("value"), True),
        Column("rag", "Performance", _rag, width=14),
        Column("direction", "Direction of travel", _movement, width=20),
        Column("change", "Change since last month", _change, True),
        Column("distance", "Distance from target", _distance, True),
    ]
    for month in scorecard.months:
        if month == scorecard.period:
            continue
        columns.append(Column(_month_key(month), periods.month_label(month), _month(month), True, 8))
    columns += [
        Column("target", "Target", _entry_figure("target"), True),
        Column("threshold", "Tolerance threshold", _threshold, True),
        Column("comparator", "Comparator average", _comparator_with_period, True, 14),
        Column("comparator_rating", "Against comparator", _comparator_rating, width=12),
        Column("standing", "Rank among named councils", _standing, width=18),
    ]
    return columns


def benchmark_columns(scorecard: Scorecard) -> list[Column]:
    """Seed `scorecard-with-benchmarks-dec-2020.txt`: definition, target, tolerance, polarity, baseline,
    previous and current month, the last full quarter (and the quarter to date while one runs), the annual
    return of the last complete financial year, then each comparator (by theme: the seed's sections)."""
    url = _indicator_url_pattern()
    period = scorecard.period
    baseline = periods.financial_year_start(periods.financial_year_of(period))
    annual_year = periods.financial_year_of(periods.last_complete_financial_year(period).first)
    previous = periods.add_months(period, -1)
    columns = [
        Column("code", "Code", lambda r: _code(r, url), width=9),
        Column("title", "Performance measure", lambda r: Cell(r.indicator.title), width=40),
        Column("definition", "Definition", lambda r: Cell(r.indicator.definition), width=44),
        Column("target", "Target", _entry_figure("target"), True),
        Column("tolerance", "Tolerance", _tolerance, width=12),
        Column("polarity", "Polarity", lambda r: Cell(formatting.POLARITY_WORDS.get(r.polarity, "")), width=16),
        Column("baseline", f"Baseline {periods.month_label(baseline)}", _month(baseline), True, 9),
        Column("previous", f"Previous month {periods.month_label(previous)}", _month(previous), True, 9),
        Column("value", f"Current month {periods.month_label(period)}", _entry_figure("value"), True, 9),
        Column("rag", "RAG", _rag, width=14),
        *_quarter_columns(period),
        Column("annual", f"Annual return {periods.financial_year_label(annual_year)}", _annual, True, 11),
        *_comparator_columns(scorecard),
        Column("comparator_rating", "Against comparator", _comparator_rating, width=12),
        Column("standing", "Rank among named councils", _standing, width=18),
    ]
    return columns


def exception_columns(scorecard: Scorecard) -> list[Column]:
    """Red and persistently red indicators with their commentary, for the board."""
    url = _indicator_url_pattern()
    return [
        Column("code", "Code", lambda r: _code(r, url), width=9),
        Column("title", "Indicator", lambda r: Cell(r.indicator.title), width=44),
        Column("theme", "Theme", lambda r: Cell(r.indicator.theme.name), width=18),
        Column("ro", "RO", _officer, width=6),
        Column("rag", "Performance", _rag, width=14),
        Column("value", periods.month_label(scorecard.period), _entry_figure("value"), True),
        Column("target", "Target", _entry_figure("target"), True),
        Column("threshold", "Tolerance threshold", _threshold, True),
        Column("direction", "Direction of travel", _movement, width=20),
        Column("ytd", "YTD", _entry_figure("ytd_value"), True),
        Column("commentary", "Commentary", lambda r: Cell(r.commentary), width=70),
    ]


def is_exception(row: ScorecardRow) -> bool:
    return row.entry is not None and row.entry.rag == scoring.RED
